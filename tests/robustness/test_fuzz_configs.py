"""Fuzzing packs, scenarios and result folders under hypothesis (issue 17, point 8): whatever the edit,
only the project's own errors escape, and ``verify`` fails every edited result folder.

The cases are those of ``benchmarks/fuzz_configs.py``, drawn through hypothesis's own
:class:`random.Random`, so that a failure is reproduced from its seed.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_configs import case

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def where(tmp_path_factory):
    cases = tmp_path_factory.mktemp("fuzz") / "cases"
    cases.mkdir()
    return cases


@pytest.mark.parametrize("kind", ["pack", "scenario"])
@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_an_edited_pack_or_scenario_loads_or_is_refused_in_words(
    where, kind: str, rnd: random.Random
) -> None:
    _, outcome = case(rnd, kind, where)
    assert outcome in {"ok", "PolicyError", "ScenarioError", "InputError"}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rnd=st.randoms(use_true_random=False))
def test_verify_fails_every_edited_result_folder(where, rnd: random.Random) -> None:
    done, outcome = case(rnd, "folder", where)
    assert outcome in {"failed", "AllocatorError", "ResultFolderError", "OutputError", "InputError"}, done
