"""依次递补: released money goes down the waitlist in rank order — the one walk behind the 候补名单's
``next_award``, ``allocator release`` and "what another million buys".

The waitlist's ranks are given (the rule's order, ties by ``application_id``; see
:func:`allocator.allocation.registers.waitlist`). Each rank, in turn, receives the largest whole-yuan amount that

* is at most what the walk allows it (its shortfall to its cap; on release, its published ``next_award``),
* keeps every limit true on the integers after the ranks above it have received theirs: a clause's cap
  an enterprise's applications share (四, 六), ``per_enterprise``, ``district_budget`` (the district's
  co-funding, ⌊district⌋ of the 50/50 split), ``item_share`` — checked by :class:`allocator.allocation.rounding.LimitTotals`,
* leaves the award 0 or at least the minimum award (``min_award``, an item's ``floor``),
* costs no more city money than is left (:func:`spend`; :func:`next_amounts` has no money limit).

So ``next_amounts`` is what each rank receives when the money reaches it, ``cumsum`` of its city cost is the
money that reaches down to a rank, and :func:`spend` with M yuan gives every rank whose cumulative cost is
at most M its whole next amount, the rank after them what is left, and — only where that rank cannot take
what is left (below its minimum award) — passes on to the next ranks in order.

Rows that share no limit with another waitlisted row (the common case) are worked out a column at a
time; the others one by one, in rank order, through the :class:`~allocator.allocation.rounding.LimitTotals`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.scenario import Limits
from .rounding import LimitTotals, city_cost

UNLIMITED = 1 << 62  # city yuan: no money limit, every other limit checked


def least_award(frame: pd.DataFrame, limits: Limits) -> np.ndarray:
    """Per row: an award is 0 or at least this (``min_award``, the item's ``floor``)."""
    floor = frame["floor"].to_numpy() if "floor" in frame else 0
    return np.maximum(limits.min_award, floor).astype(np.int64)


def coupled(frame: pd.DataFrame, rows: np.ndarray, limits: Limits) -> np.ndarray:
    """Per rank: does the row share a limit with other rows, so that its amount depends on the ranks above
    it (a shared clause cap, a district's co-funding budget, an item's share, or an enterprise total with
    another waitlisted application of the same enterprise)?"""
    n = len(rows)
    if limits.item_share:
        return np.ones(n, dtype=bool)
    out = np.zeros(n, dtype=bool)
    if "cap_group" in frame:
        out |= frame["cap_group"].to_numpy()[rows] != ""
    if limits.district_budget:
        budgeted = frame["district"].isin(set(limits.district_budget)).to_numpy()
        split = frame["share_num"].to_numpy() < frame["share_den"].to_numpy()
        out |= (budgeted & split)[rows]
    if limits.per_enterprise is not None:
        code = pd.Series(frame["credit_code"].to_numpy()[rows])
        out |= code.duplicated(keep=False).to_numpy()
    return out


def next_amounts(frame: pd.DataFrame, award: np.ndarray, rows: np.ndarray, limits: Limits) -> np.ndarray:
    """What each rank of ``rows`` receives when released money reaches it (int yuan, per rank)."""
    award = np.asarray(award, dtype=np.int64)
    cap = frame["cap"].to_numpy(dtype=np.int64)
    least = least_award(frame, limits)
    gain = np.maximum(cap[rows] - award[rows], 0)
    if limits.per_enterprise is not None:  # alone on the waitlist: what the enterprise has left
        used = pd.Series(award).groupby(frame["credit_code"].to_numpy()).sum()
        left = limits.per_enterprise - frame["credit_code"].map(used).to_numpy()[rows]
        gain = np.minimum(gain, np.maximum(left, 0))
    gain = np.where((award[rows] == 0) & (gain < least[rows]), 0, gain)
    linked = coupled(frame, rows, limits)
    if linked.any():
        running = LimitTotals(frame, award.copy(), UNLIMITED, limits)
        for k in np.flatnonzero(linked):
            i = int(rows[k])
            gain[k] = _best(running, i, int(cap[i] - award[i]), int(least[i]))
            running.set(i, int(award[i]) + int(gain[k]))
    return gain.astype(np.int64)


def spend(
    frame: pd.DataFrame,
    award: np.ndarray,
    rows: np.ndarray,
    nexts: np.ndarray,
    money: int,
    limits: Limits,
) -> np.ndarray:
    """What each rank of ``rows`` receives from ``money`` city yuan, each at most its ``nexts``."""
    award = np.asarray(award, dtype=np.int64)
    nexts = np.asarray(nexts, dtype=np.int64)
    num = frame["share_num"].to_numpy(dtype=np.int64)[rows]
    den = frame["share_den"].to_numpy(dtype=np.int64)[rows]
    cost = city_cost(award[rows] + nexts, num, den) - city_cost(award[rows], num, den)
    reach = int(np.searchsorted(np.cumsum(cost), money, side="right"))  # ranks paid in full
    gain = np.zeros(len(rows), dtype=np.int64)
    gain[:reach] = nexts[:reach]
    linked = np.flatnonzero(coupled(frame, rows, limits)[:reach])
    if len(linked):  # the ranks above still take their whole next amount (a release freed limits only)
        check = LimitTotals(frame, award.copy(), UNLIMITED, limits)
        for k in linked:
            i = int(rows[k])
            if not check.fits(i, int(award[i] + nexts[k])):
                return _walk(frame, award, rows, nexts, money, limits, 0, np.zeros_like(gain))
            check.set(i, int(award[i] + nexts[k]))
    return _walk(frame, award, rows, nexts, money, limits, reach, gain)


def _walk(frame, award, rows, nexts, money: int, limits: Limits, start: int, gain: np.ndarray) -> np.ndarray:
    """Ranks ``start`` on, one by one, with what ``money`` leaves after ``gain`` of the ranks above."""
    now = award.copy()
    now[rows[:start]] += gain[:start]
    num, den = frame["share_num"].to_numpy(dtype=np.int64), frame["share_den"].to_numpy(dtype=np.int64)
    spent = int((city_cost(now, num, den) - city_cost(award, num, den)).sum())
    running = LimitTotals(frame, now, 0, limits)
    running.budget = running.spend + money - spent
    least = least_award(frame, limits)
    for k in range(start, len(rows)):
        if running.room <= 0:
            break
        i = int(rows[k])
        gain[k] = _best(running, i, int(nexts[k]), int(least[i]))
        running.set(i, int(now[i]) + int(gain[k]))
    return gain


def _best(running: LimitTotals, i: int, most: int, least: int) -> int:
    """The largest gain g ≤ ``most`` for row ``i`` that every limit allows, its award 0 or ≥ ``least``."""
    base = int(running.award[i])

    def ok(g: int) -> bool:
        return (base + g == 0 or base + g >= least) and running.fits(i, base + g)

    if most <= 0:
        return 0
    if ok(most):
        return most
    lo = max(1, least - base)
    if lo >= most or not ok(lo):
        return 0
    hi = most  # ok(lo), not ok(hi): every limit is monotone in the award
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo
