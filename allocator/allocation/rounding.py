"""Money: from the solver's floats to whole yuan, keeping every constraint true.

1. ``award_i = min(⌊x_i + 0.01⌋, cap_i)`` (0.01 yuan absorbs solver tolerance);
   ``city_i = ⌈award_i · s_i⌉`` in exact integer arithmetic (the city pays the odd yuan of a 50/50
   split, so the city budget check is never optimistic), ``district_i = award_i − city_i``.
2. If the city budget is exceeded (at most a few yuan of rounding), awards are trimmed, least
   valuable first; an award never ends between 0 and the minimum award.
3. Whole yuan left over go back one at a time by largest remainder, most valuable class first;
   then (``fill``) to whoever is still short of their cap, in the rule's order — ties always by
   ``application_id``, never by row order. Every step is checked against every limit by
   :class:`LimitTotals`; overridden awards are never touched.

allocator.allocation.constraints then recomputes everything from the final integers, independently of this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.scenario import Limits


def city_cost(award: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """⌈award × num / den⌉ in integers."""
    return -((-award * num) // den)


class LimitTotals:
    """Running totals of every limit while single awards change."""

    def __init__(self, frame: pd.DataFrame, award: np.ndarray, budget: int, limits: Limits) -> None:
        self.award = award
        self.num = frame["share_num"].to_numpy(dtype=np.int64)
        self.den = frame["share_den"].to_numpy(dtype=np.int64)
        self.budget = budget
        self.limits = limits
        city = city_cost(award, self.num, self.den)
        self.spend = int(city.sum())
        self.code = frame["credit_code"].to_numpy()
        self.district = frame["district"].to_numpy()
        self.item = frame["item"].to_numpy()
        self.by_code = pd.Series(award).groupby(self.code).sum().to_dict() if limits.per_enterprise else {}
        self.by_district = pd.Series(award - city).groupby(self.district).sum().to_dict()
        self.by_item = pd.Series(city).groupby(self.item).sum().to_dict()
        # a clause's cap shared by an enterprise's applications (rules' cap_group; "" for none)
        self.group = frame["cap_group"].to_numpy() if "cap_group" in frame else np.full(len(award), "")
        self.group_limit = frame["group_limit"].to_numpy() if "group_limit" in frame else np.zeros(len(award))
        shared = self.group != ""
        self.by_group = pd.Series(award[shared]).groupby(self.group[shared]).sum().to_dict()

    @property
    def room(self) -> int:
        return self.budget - self.spend

    def _city(self, i: int, amount: int) -> int:
        return -((-int(amount) * int(self.num[i])) // int(self.den[i]))

    def fits(self, i: int, amount: int) -> bool:
        lim = self.limits
        da = int(amount) - int(self.award[i])
        dc = self._city(i, amount) - self._city(i, self.award[i])
        if self.spend + dc > self.budget:
            return False
        if lim.per_enterprise is not None and self.by_code.get(self.code[i], 0) + da > lim.per_enterprise:
            return False
        g = self.group[i]
        if g and self.by_group.get(g, 0) + da > self.group_limit[i]:
            return False
        d = self.district[i]
        if d in lim.district_budget and self.by_district.get(d, 0) + da - dc > lim.district_budget[d]:
            return False
        total = self.spend + dc
        for item, (lo, hi) in lim.item_share.items():
            part = self.by_item.get(item, 0) + (dc if self.item[i] == item else 0)
            if part < lo * total - 1e-6 or part > hi * total + 1e-6:
                return False
        return True

    def set(self, i: int, amount: int) -> None:
        da = int(amount) - int(self.award[i])
        dc = self._city(i, amount) - self._city(i, self.award[i])
        self.spend += dc
        if self.limits.per_enterprise is not None:
            self.by_code[self.code[i]] = self.by_code.get(self.code[i], 0) + da
        self.by_district[self.district[i]] = self.by_district.get(self.district[i], 0) + da - dc
        self.by_item[self.item[i]] = self.by_item.get(self.item[i], 0) + dc
        if self.group[i]:
            self.by_group[self.group[i]] = self.by_group.get(self.group[i], 0) + da
        self.award[i] = amount

    def over_groups(self) -> dict[str, int]:
        """Shared caps exceeded (by the rounding of a solver's answer within its tolerance): group -> yuan over."""
        shared = self.group != ""
        limits = dict(zip(self.group[shared], self.group_limit[shared], strict=True))
        return {g: int(t - limits[g]) for g, t in self.by_group.items() if t > limits[g]}


def _in_order(mask: np.ndarray, keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """The rows of ``mask`` in ``np.lexsort(keys)`` order: the order of sorting every row and keeping
    those in ``mask`` (lexsort is stable)."""
    rows = np.flatnonzero(mask)
    return rows[np.lexsort(tuple(k[rows] for k in keys))]


def _repair_groups(
    running: LimitTotals, least_first: np.ndarray, movable: np.ndarray, m: np.ndarray, least
) -> None:
    """A shared cap (an enterprise's 5,000,000 over two purchases) a yuan over after rounding the solver's
    answer: cut the group's least valuable awards by the excess (never below the minimum award)."""
    over = running.over_groups()
    if not over:
        return
    for i in least_first:
        g = running.group[i]
        if g not in over or over[g] <= 0 or not movable[i] or running.award[i] <= least[i]:
            continue
        left = max(int(running.award[i]) - over[g], int(least[i]))
        left = left if left == 0 or left >= m[i] else 0
        over[g] -= int(running.award[i]) - left
        running.set(i, left)


def _repair_shares(
    running: LimitTotals, limits: Limits, least_first: np.ndarray, movable: np.ndarray, m: int
) -> None:
    """Floors can leave an item's share of the city cost a few yuan outside [lo, hi]: trim it back.

    Too large: cut the item's own awards (each city yuan cut moves the share constraint by 1 − hi).
    Too small: cut the other items' awards (each city yuan cut moves it by lo). Least valuable first.
    """
    for _ in range(4):  # a repair of one item can disturb another's bound; a few rounds settle it
        changed = False
        for item, (lo, hi) in sorted(limits.item_share.items()):
            for i in least_first:
                part, total = running.by_item.get(item, 0), running.spend
                over, under = part - hi * total, lo * total - part
                if over <= 1e-6 and under <= 1e-6:
                    break
                own = running.item[i] == item
                if not movable[i] or running.award[i] == 0 or (over > 1e-6) != own:
                    continue
                need = over / (1 - hi) if over > 1e-6 else under / max(lo, 1e-9)
                cut = min(
                    int(running.award[i]), int(np.ceil(need * running.den[i] / max(running.num[i], 1))) + 1
                )
                left = int(running.award[i]) - cut
                running.set(i, left if left == 0 or left >= m[i] else 0)
                changed = True
        if not changed:
            return


def _trim(running: LimitTotals, least_valuable_first: np.ndarray, movable, m, least) -> None:
    """Over budget by rounding (a few yuan): trim the least valuable first, first where a cut keeps the
    award at or above its minimum, and only then where it would have to drop to 0."""
    award, num, den = running.award, running.num, running.den
    for keep_minimum in (True, False):
        for i in least_valuable_first:
            if running.room >= 0:
                break
            if not movable[i] or award[i] <= 0:
                continue
            need = -running.room
            cut = min(int(award[i] - least[i]), -(-need * int(den[i]) // max(int(num[i]), 1)))
            left = int(award[i]) - cut
            if left == 0 or left >= m[i] or least[i] > 0:
                running.set(i, left)
            elif not keep_minimum:
                running.set(i, 0)


def round_awards(
    frame: pd.DataFrame,
    x: np.ndarray,
    admin: int,
    available: int,
    *,
    limits: Limits | None = None,
    fixed: set[int] = frozenset(),
    order: np.ndarray | None = None,
    fill: bool = True,
    least: np.ndarray | None = None,
) -> np.ndarray:
    """Whole-yuan awards for every row of ``frame`` from unrounded awards ``x`` (yuan).

    ``order``: the rule's priority (smaller first; default: value per city yuan, highest first).
    ``fill``: give leftover whole yuan to applications short of their cap (off for pro rata).
    ``least``: awards no step may go below (a release keeps the waitlist's awards).
    """
    limits = limits or Limits()
    cap = frame["cap"].to_numpy(dtype=np.int64)
    num = frame["share_num"].to_numpy(dtype=np.int64)
    den = frame["share_den"].to_numpy(dtype=np.int64)
    value = frame["value"].to_numpy(dtype=float)
    ratio = (value * den / np.maximum(num, 1)).round(10)  # value per yuan of city money
    order = -ratio if order is None else np.asarray(order, dtype=float)
    ids = frame["application_id"].to_numpy()
    x = np.clip(np.nan_to_num(np.asarray(x, dtype=float), nan=0.0), 0, None)
    award = np.minimum(np.floor(x + 0.01).astype(np.int64), cap)
    least = np.zeros(len(award), dtype=np.int64) if least is None else np.minimum(least, cap)
    award = np.maximum(award, least)
    remainder = np.clip(x - award, 0, None)
    movable = np.ones(len(award), dtype=bool)
    movable[list(fixed)] = False
    m = np.maximum(limits.min_award, frame["floor"].to_numpy() if "floor" in frame else 0)  # per row
    running = LimitTotals(frame, award, available - admin, limits)

    def allowed(i: int, amount: int) -> bool:
        return (amount == 0 or amount >= m[i]) and amount >= least[i] and running.fits(i, amount)

    if running.room < 0:
        _trim(running, np.lexsort((ids, -order)), movable, m, least)
    if running.over_groups():
        _repair_groups(running, np.lexsort((ids, -order)), movable, m, least)
    if limits.item_share:
        _repair_shares(running, limits, np.lexsort((ids, -order)), movable & (least == 0), m)
    # The loops below visit only the rows their test can pass: a step changes row i's award alone, so a
    # test on another row's award holds for the whole loop. At 1,000,000 applications, most of them
    # settled, a Python loop over every row took over a second per rounding.
    residue = movable & (remainder > 0.01) & (award > 0) & (award < cap) & (value > 0)
    for i in _in_order(residue, (ids, -remainder, order)):  # the rounding residue, one yuan each
        if allowed(i, award[i] + 1):
            running.set(i, award[i] + 1)
    if not fill:
        return award
    free = bool((den > num).any())  # with a share below 1, a yuan of award may cost no city yuan
    # an application the solver left at 0 stays at 0 (its rule or a limit decided)
    short = movable & (value > 0) & (award < cap) & ~((award == 0) & (x < 0.5))
    for i in _in_order(short, (ids, order)):  # anything still left, in the rule's order
        if running.room < 0 or (running.room == 0 and not free):
            break
        step = (running.room + 1) * int(den[i]) // max(int(num[i]), 1)
        target = int(cap[i]) if num[i] == 0 else min(int(cap[i]), int(award[i]) + step)
        while target > award[i] and not allowed(i, target):
            target -= max(1, (target - int(award[i])) // 2) if target - award[i] > 64 else 1
        if target > award[i]:
            running.set(i, target)
    return award
