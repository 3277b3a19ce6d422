"""Money: from the solver's floats to whole yuan, and an independent check of every constraint.

Rounding keeps every constraint true:

1. ``award_i = min(⌊x_i + 0.01⌋, cap_i)`` (0.01 yuan absorbs solver tolerance);
   ``city_i = ⌈award_i · s_i⌉`` in exact integer arithmetic (the city pays the odd yuan of a 50/50
   split, so the city budget check is never optimistic), ``district_i = award_i − city_i``.
2. If ``Σ city_i + admin`` exceeds the available money (at most a few yuan of rounding), awards are
   trimmed from the least valuable upwards.
3. Whole yuan left over go back one at a time by largest remainder within the most valuable class,
   then to whoever is still short of their cap, most valuable first — ties always broken by
   ``application_id``, never by row order.

:func:`verify` then recomputes everything from the final integers, independently of the above.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import pandas as pd

from .errors import VerificationError


def city_cost(award: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """⌈award × num / den⌉ in integers."""
    return -((-award * num) // den)


def round_awards(frame: pd.DataFrame, x: np.ndarray, admin: int, available: int) -> np.ndarray:
    """Whole-yuan awards for every row of ``frame`` from unrounded awards ``x`` (yuan)."""
    cap = frame["cap"].to_numpy(dtype=np.int64)
    num = frame["share_num"].to_numpy(dtype=np.int64)
    den = frame["share_den"].to_numpy(dtype=np.int64)
    value = frame["value"].to_numpy(dtype=float)
    ratio = (value * den / np.maximum(num, 1)).round(10)  # value per yuan of city money
    ids = frame["application_id"].to_numpy()
    x = np.clip(np.nan_to_num(x, nan=0.0), 0, None)
    award = np.minimum(np.floor(x + 0.01).astype(np.int64), cap)
    remainder = np.clip(x - award, 0, None)
    budget = available - admin
    ledger = _Ledger(award, num, den, budget)

    for i in np.lexsort((ids, ratio)):  # over budget by rounding: trim the least valuable first
        if ledger.room >= 0:
            break
        if award[i] > 0:
            need = -ledger.room
            ledger.set(i, award[i] - min(int(award[i]), -(-need * int(den[i]) // max(int(num[i]), 1))))
    for i in np.lexsort((ids, -remainder, -ratio)):  # the rounding residue, one yuan each
        if remainder[i] > 0.01 and award[i] < cap[i] and value[i] > 0 and ledger.fits(i, award[i] + 1):
            ledger.set(i, award[i] + 1)
    free = bool((den > num).any())  # with a share below 1, a yuan of award may cost no city yuan
    for i in np.lexsort((ids, -ratio)):  # anything still left, most valuable first
        if ledger.room < 0 or (ledger.room == 0 and not free):
            break
        if value[i] > 0 and award[i] < cap[i]:
            step = (ledger.room + 1) * int(den[i]) // max(int(num[i]), 1)
            target = int(cap[i]) if num[i] == 0 else min(int(cap[i]), int(award[i]) + step)
            while target > award[i] and not ledger.fits(i, target):
                target -= 1
            ledger.set(i, target)
    return award


class _Ledger:
    """Keeps Σ city cost current while single awards change."""

    def __init__(self, award: np.ndarray, num: np.ndarray, den: np.ndarray, budget: int) -> None:
        self.award, self.num, self.den = award, num, den
        self.spend = int(city_cost(award, num, den).sum())
        self.budget = budget

    @property
    def room(self) -> int:
        return self.budget - self.spend

    def _city(self, i: int, amount: int) -> int:
        return -((-int(amount) * int(self.num[i])) // int(self.den[i]))

    def fits(self, i: int, amount: int) -> bool:
        return self.spend - self._city(i, self.award[i]) + self._city(i, amount) <= self.budget

    def set(self, i: int, amount: int) -> None:
        self.spend += self._city(i, amount) - self._city(i, self.award[i])
        self.award[i] = amount


def verify(
    table: pd.DataFrame,
    *,
    shares: Mapping[str, Fraction],
    admin: int,
    admin_low: int,
    admin_high: int,
    available: int,
    totals: dict[str, int],
) -> None:
    """Recompute every constraint on the final whole-yuan numbers; raise on any violation."""
    bad: list[str] = []
    award = table["award"].to_numpy()
    cap = table["cap"].to_numpy()
    ids = table["application_id"]
    if not (np.issubdtype(award.dtype, np.integer) and np.issubdtype(table["city_cost"].dtype, np.integer)):
        bad.append("金额不是整数元 / awards are not whole yuan")
    if ids.duplicated().any():
        bad.append(f"申报编号重复 / duplicate ids: {sorted(ids[ids.duplicated()].tolist())[:5]}")
    for label, mask in (
        ("拟支持金额为负 / negative award", award < 0),
        ("拟支持金额超过上限 / award above cap", award > cap),
        (
            "不符合条件却获支持 / award to an ineligible application",
            (~table["eligible"].to_numpy()) & (award != 0),
        ),
    ):
        if mask.any():
            bad.append(f"{label}: {ids[mask].tolist()[:5]}")
    share = table["item"].map(shares)  # from the policy pack itself, not from the rules' columns
    num = np.array([f.numerator for f in share], dtype=np.int64)
    den = np.array([f.denominator for f in share], dtype=np.int64)
    expected_city = city_cost(award, num, den)
    if (table["city_cost"].to_numpy() != expected_city).any():
        bad.append("市级承担金额与分担比例不符 / city cost does not match the share")
    if (table["city_cost"].to_numpy() + table["district_cost"].to_numpy() != award).any():
        bad.append("市级＋区级 ≠ 拟支持金额 / city + district cost ≠ award")
    city = int(table["city_cost"].sum())
    if not admin_low <= admin <= admin_high:
        bad.append(
            f"管理费用 {admin:,} 不在 [{admin_low:,}, {admin_high:,}] 之内（条款（十九））/ admin out of range"
        )
    if city + admin > available:
        bad.append(f"市级支出 {city:,} + 管理费用 {admin:,} 超过可用资金 {available:,} / budget exceeded")
    recomputed = {
        "awarded": int(award.sum()),
        "city_cost": city,
        "district_cost": int(table["district_cost"].sum()),
        "carryover_out": available - city - admin,
        "funded": int((award > 0).sum()),
        "applications": len(table),
    }
    for key, value in recomputed.items():
        if key in totals and totals[key] != value:
            bad.append(f"合计 {key} = {totals[key]:,}，重新计算为 {value:,} / total {key} does not recompute")
    if recomputed["carryover_out"] < 0:
        bad.append("结转为负 / negative carryover")
    if bad:
        raise VerificationError(
            "最终金额未通过独立校验，未写出任何结果：" + "；".join(bad),
            "the final whole-yuan allocation failed verification; nothing was written",
        )
