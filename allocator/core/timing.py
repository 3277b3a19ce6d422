"""Stage timings of a run, for the benchmarks and ``allocator run --timings``.

The pipeline marks its stages with :func:`stage`; nothing is recorded unless a caller asked with
:func:`recording`, so an ordinary run pays one context-variable lookup per stage. Times add up when a
stage runs more than once (the solver runs once per rule stage and again for the re-solves).

>>> with recording() as t:
...     with stage("caps"):
...         pass
>>> sorted(t)
['caps']
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_RECORD: ContextVar[dict[str, float] | None] = ContextVar("allocator_timings", default=None)
_CLAIMED: ContextVar[list[float] | None] = ContextVar("allocator_timings_claimed", default=None)


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect stage times (seconds, by stage name, in the order first seen) while the block runs.

    Stages are exclusive: a stage inside another (the frontier's own builds and solves) counts as
    itself, not twice, so the stages add up to the time they cover.
    """
    times: dict[str, float] = {}
    token = _RECORD.set(times)
    try:
        yield times
    finally:
        _RECORD.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as ``name`` when recording, less the stages nested in it."""
    times = _RECORD.get()
    if times is None:
        yield
        return
    claimed: list[float] = [0.0]
    token = _CLAIMED.set(claimed)
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _CLAIMED.reset(token)
        times[name] = times.get(name, 0.0) + elapsed - claimed[0]
        _claim(elapsed)


def add(name: str, seconds: float) -> None:
    """Add ``seconds`` measured elsewhere (the solver's own run) to ``name`` when recording; they are
    taken off the enclosing stage."""
    times = _RECORD.get()
    if times is not None:
        times[name] = times.get(name, 0.0) + seconds
        _claim(seconds)


def _claim(seconds: float) -> None:
    outer = _CLAIMED.get()
    if outer is not None:
        outer[0] += seconds
