"""Fuzzing the intake under hypothesis: whatever the file, only the project's own errors escape.

The cases are those of ``benchmarks/fuzz.py`` (which runs them for minutes and records the count); here
hypothesis draws them through its own :class:`random.Random`, so a failure is reproduced from its seed.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import KINDS, case, check

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_only_our_errors_escape(tmp_path_factory, kind: str, rnd: random.Random) -> None:
    _, suffix, data = case(rnd, kind)
    path = tmp_path_factory.mktemp("fuzz") / f"case{suffix}"
    path.write_bytes(data)
    assert check(path) in {"ok", "InputError", "PolicyError", "ScenarioError"}


def test_the_cases_reach_past_the_file_checks(tmp_path) -> None:
    """A fuzzer that only ever feeds broken zips tests nothing: the seeded cases must include files the
    intake accepts as well as files it refuses, for the workbook kinds."""
    outcomes = {kind: set() for kind in ("cells", "part")}
    for n in range(80):
        for kind in outcomes:
            _, suffix, data = case(random.Random(n), kind)
            path = tmp_path / f"{kind}-{n}{suffix}"
            path.write_bytes(data)
            outcomes[kind].add(check(path))
    for kind, seen in outcomes.items():
        assert "ok" in seen and "InputError" in seen, (kind, seen)
