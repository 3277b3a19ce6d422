"""The independent check: every constraint recomputed on the final whole-yuan numbers.

It reads only the result table, the policy's shares and the scenario's limits — not the model, not
the rounding — so a bug anywhere upstream shows here before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from ..config.scenario import Limits
from ..core.errors import VerificationError
from ..core.result import Status
from .rounding import city_cost


@dataclass(frozen=True)
class Terms:
    """What the final whole-yuan numbers must keep, from the pack, the scenario and the money.

    ``shares``: each item's share of the fund (the pack's); ``admin`` within [``admin_low``,
    ``admin_high``] (``admin_clause``: the pack's clause that limits it, cited; '' where none);
    ``available``: the money the fund may spend; ``totals``: the summary's figures, each recomputed;
    ``overrides``: awards fixed to the yuan; ``floors``: awards that may not shrink; ``item_floors``: the
    pack's smallest award of an item; ``group_caps``: an item's cap shared by an enterprise's applications."""

    shares: Mapping[str, Fraction]
    admin: int
    admin_low: int
    admin_high: int
    available: int
    totals: Mapping[str, object]
    limits: Limits = field(default_factory=Limits)
    overrides: Mapping[str, int] = field(default_factory=dict)
    floors: Mapping[str, int] = field(default_factory=dict)
    item_floors: Mapping[str, int] = field(default_factory=dict)
    group_caps: Mapping[str, int] = field(default_factory=dict)
    admin_clause: str = ""

    def __post_init__(self) -> None:  # None where a caller has nothing to say: no limit, nothing fixed
        if self.limits is None:
            object.__setattr__(self, "limits", Limits())
        for name in ("overrides", "floors", "item_floors", "group_caps"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, {})

    @classmethod
    def of(cls, policy, **money) -> Terms:
        """The pack's part (shares, item floors, shared caps, the administration clause) of ``policy``, the
        rest (``admin``, ``available``, ``totals`` …) as given."""
        return cls(
            shares={it.id: it.city_share for it in policy.items},
            item_floors={it.id: it.floor for it in policy.items if it.floor},
            group_caps={it.id: int(it.cap) for it in policy.items if it.group_cap},
            admin_clause=policy.fund.admin_clause if policy.fund.admin_rate is not None else "",
            **money,
        )


def verify(table: pd.DataFrame, terms: Terms) -> None:
    """Raise :class:`VerificationError` naming every violated constraint of ``terms`` on ``table``."""
    bad = _each_award(table, terms) + _fixed(table, terms) + _money(table, terms)
    if bad:
        raise VerificationError(
            "最终金额未通过独立校验，未写出任何结果：" + "；".join(bad),
            "the final whole-yuan allocation failed verification; nothing was written",
        )


def _each_award(table: pd.DataFrame, terms: Terms) -> list[str]:
    """Whole yuan, one row per id, within 0 … cap, only to the eligible, at least the minimum award and
    the item's floor (an override excepted)."""
    bad: list[str] = []
    award, cap = table["award"].to_numpy(), table["cap"].to_numpy()
    ids, city = table["application_id"], table["city_cost"].to_numpy()
    if not (np.issubdtype(award.dtype, np.integer) and np.issubdtype(city.dtype, np.integer)):
        bad.append("金额不是整数元 / awards are not whole yuan")
    if ids.duplicated().any():
        bad.append(f"申报编号重复 / duplicate ids: {sorted(ids[ids.duplicated()].tolist())[:5]}")
    over = (table["status"] == Status.OVERRIDDEN).to_numpy()
    item_floor = table["item"].map(terms.item_floors).fillna(0).to_numpy()  # from the pack, like shares
    least = terms.limits.min_award
    for label, mask in (
        ("拟支持金额为负 / negative award", award < 0),
        ("拟支持金额超过上限 / award above cap", award > cap),
        (
            "不符合条件却获支持 / award to an ineligible application",
            (~table["eligible"].to_numpy()) & (award != 0),
        ),
        ("低于最低支持额 / award below min_award", (award > 0) & (award < least) & ~over),
        ("低于事项规定的下限 / award below the item's floor", (award > 0) & (award < item_floor) & ~over),
    ):
        if mask.any():
            bad.append(f"{label}: {ids[mask].tolist()[:5]}")
    return bad


def _fixed(table: pd.DataFrame, terms: Terms) -> list[str]:
    """Each override to the yuan; each kept award not below what it was (or its cap, if lower)."""
    bad: list[str] = []
    ids = table["application_id"]
    for app_id, amount in terms.overrides.items():
        got = table.loc[ids == app_id, "award"]
        if len(got) != 1 or int(got.iloc[0]) != amount:
            bad.append(f"已确定的金额 {app_id} 应为 {amount:,} 元 / a fixed award changed")
    for app_id, amount in terms.floors.items():
        got = table.loc[ids == app_id, "award"]
        if len(got) != 1 or int(got.iloc[0]) < min(amount, int(table.loc[ids == app_id, "cap"].iloc[0])):
            bad.append(f"{app_id} 不得低于原拟支持金额 {amount:,} 元 / a kept award shrank")
    return bad


def _money(table: pd.DataFrame, terms: Terms) -> list[str]:
    """The split between the levels by the pack's shares, the administration range, the fund, the
    ``[limits]``, the shared caps, and the summary's totals recomputed."""
    bad: list[str] = []
    award, city = table["award"].to_numpy(), table["city_cost"].to_numpy()
    share = table["item"].map(terms.shares)  # from the policy pack itself, not from the rules' columns
    num = np.array([f.numerator for f in share], dtype=np.int64)
    den = np.array([f.denominator for f in share], dtype=np.int64)
    if (city != city_cost(award, num, den)).any():
        bad.append("市级承担金额与分担比例不符 / city cost does not match the share")
    district_cost = table["district_cost"].to_numpy()
    if (city + district_cost != award).any():
        bad.append("市级＋区级 ≠ 拟支持金额 / city + district cost ≠ award")
    spent, admin, low, high = int(city.sum()), terms.admin, terms.admin_low, terms.admin_high
    if not low <= admin <= high:
        cite = f"（条款（{terms.admin_clause}））" if terms.admin_clause else ""
        bad.append(f"管理费用 {admin:,} 不在 [{low:,}, {high:,}] 之内{cite} / admin out of range")
    if spent + admin > terms.available:
        bad.append(
            f"市级支出 {spent:,} + 管理费用 {admin:,} 超过可用资金 {terms.available:,} / budget exceeded"
        )
    bad += _limits(table, terms.limits, spent)
    bad += _group_caps(table, terms.group_caps)
    recomputed = {
        "awarded": int(award.sum()),
        "city_cost": spent,
        "district_cost": int(district_cost.sum()),
        "carryover_out": terms.available - spent - admin,
        "funded": int((award > 0).sum()),
        "applications": len(table),
    }
    for key, value in recomputed.items():
        if key in terms.totals and terms.totals[key] != value:
            said = terms.totals[key]
            bad.append(f"合计 {key} = {said:,}，重新计算为 {value:,} / total {key} does not recompute")
    if recomputed["carryover_out"] < 0:
        bad.append("结转为负 / negative carryover")
    return bad


def _group_caps(table: pd.DataFrame, caps: Mapping[str, int]) -> list[str]:
    """A clause's cap shared by an enterprise's applications of an item (the pack's ``cap_per``): the
    awards of each ``cap_group`` together within the item's cap, from the pack."""
    if "cap_group" not in table or not caps:
        return []
    shared = table[table["cap_group"].fillna("").astype(str) != ""]
    bad = []
    for (group, item), total in shared.groupby(["cap_group", "item"])["award"].sum().items():
        limit = caps.get(item)
        if limit is None or int(total) > limit:
            bad.append(
                f"{group} 合计 {int(total):,} 元超过条款上限 {limit if limit is None else f'{limit:,}'}"
                " / a clause's shared cap exceeded"
            )
    return bad


def _limits(table: pd.DataFrame, limits: Limits, spent: int) -> list[str]:
    bad = []
    if limits.per_enterprise is not None:
        per = table.groupby("credit_code")["award"].sum()
        for code, total in per[per > limits.per_enterprise].items():
            bad.append(
                f"企业 {code} 合计 {total:,} 元超过上限 {limits.per_enterprise:,} / per_enterprise exceeded"
            )
    by_district = table.groupby("district")["district_cost"].sum()
    for district, limit in limits.district_budget.items():
        if int(by_district.get(district, 0)) > limit:
            bad.append(
                f"{district}配套 {int(by_district[district]):,} 元超过 {limit:,} / district budget exceeded"
            )
    by_item = table.groupby("item")["city_cost"].sum()
    for item, (lo, hi) in limits.item_share.items():
        part = int(by_item.get(item, 0))
        if part < lo * spent - 1e-6 or part > hi * spent + 1e-6:
            bad.append(
                f"事项 {item} 占市级资金 {part:,}/{spent:,} 不在 [{lo:.0%}, {hi:.0%}] / item share out of bounds"
            )
    return bad
