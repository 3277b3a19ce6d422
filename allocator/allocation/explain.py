"""Every application's status and the reason, in Chinese, that decided it.

The reason names the clause or limit: the failed condition and its clause, the clause cap that bound
("受条款（四）最高补助额不超过500万元限制"), the requested amount, a limit of the scenario that is tight
on the final numbers (per enterprise, district co-funding, an item's share, the minimum award), an
override and its reason, or the budget under the scenario's rule.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..config.scenario import Scenario
from ..core.result import TABLE_COLUMNS, Status
from ..policy.fields import BY_KEY
from ..policy.types import Policy
from .rounding import city_cost


def explain(
    frame: pd.DataFrame,
    award: np.ndarray,
    policy: Policy,
    scenario: Scenario,
    overridden: Iterable[int] = (),
    level: float | None = None,
    tier: np.ndarray | None = None,
    notes: dict[int, str] | None = None,
) -> pd.DataFrame:
    """The result table (``TABLE_COLUMNS``) for the rules frame and whole-yuan awards.

    ``overridden``: rows fixed by ``[[override]]``; ``notes``: rows fixed otherwise (an earlier batch,
    last year's commitment), with the reason to show.
    """
    notes = notes or {}
    award = np.asarray(award, dtype=np.int64)
    cap = frame["cap"].to_numpy(dtype=np.int64)
    eligible = frame["eligible"].to_numpy(dtype=bool)
    city = city_cost(award, frame["share_num"].to_numpy(), frame["share_den"].to_numpy())
    is_override = np.zeros(len(frame), dtype=bool)
    is_override[list(overridden)] = True
    status = np.select(
        [is_override, ~eligible, award >= cap, award > 0],
        [Status.OVERRIDDEN.value, Status.INELIGIBLE.value, Status.FUNDED.value, Status.PARTIAL.value],
        Status.UNFUNDED.value,
    )
    table = frame.assign(award=award, city_cost=city, district_cost=award - city, status=status)
    tight = _tight(table, scenario)
    ratio = (frame["value"] * frame["share_den"] / frame["share_num"].clip(lower=1)).to_numpy()
    paid = (award > 0) & ~is_override
    context = {
        "marginal": float(ratio[paid].min()) if paid.any() else float("nan"),
        "level": level,
        "reasons": {o.application_id: o.reason for o in scenario.overrides},
        "fund": policy.fund_name,
        "cofund": f"条款（{policy.cofund_clause}），" if policy.cofund_clause else "",
    }
    items = {it.id: it for it in policy.items}
    tiers = tier if tier is not None else np.zeros(len(frame))
    table["reason"] = _reasons(table, items, ratio, tiers, scenario, tight, context, notes)
    return table.loc[:, list(TABLE_COLUMNS)].reset_index(drop=True)


def _reasons(table, items, ratio, tiers, scenario: Scenario, tight: dict, context: dict, notes) -> np.ndarray:
    """:func:`_reason` of every row, with ``notes`` first. Ineligible and fully funded rows, most of a
    large year, take their reason a column at a time (the failed condition; one text per item and cap
    basis); the rest row by row."""
    status = table["status"].to_numpy()
    out = np.empty(len(table), dtype=object)
    ineligible = status == Status.INELIGIBLE.value
    out[ineligible] = table["ineligible_reason"].to_numpy()[ineligible]
    funded = status == Status.FUNDED.value
    if funded.any():
        keys = pd.MultiIndex.from_arrays(
            [table["cap_basis"].to_numpy()[funded], table["item"].to_numpy()[funded]]
        )
        says = {(basis, item): _funded_reason(basis, items[item]) for basis, item in keys.unique()}
        out[funded] = [says[k] for k in keys]
    rest = np.flatnonzero(~(ineligible | funded))
    for k, row in zip(rest, table.iloc[rest].itertuples(index=False), strict=True):
        out[k] = _reason(row, items[row.item], ratio[k], tiers[k], scenario, tight, context)
    for k, note in notes.items():
        out[k] = note
    return out


def percent(share: float, digits: int = 1) -> str:
    """``share`` as a percentage rounded down, never up: 0.99999 → '99.9%' (a partial award never reads
    100%), 1 → '100%', 0.105 → '10.5%'."""
    if share >= 1:
        return "100%"
    scale = 10**digits
    shown = np.floor(max(share, 0.0) * 100 * scale + 1e-9) / scale
    return f"{shown:.{digits}f}%"


def share_of_cap(award: int, cap: int) -> str:
    """获核定上限 964,000 元的 99.9%（差 10 元）: the share rounded down, and the yuan short when short."""
    if not cap:
        return ""
    short = f"（差 {cap - award:,} 元）" if 0 < cap - award else ""
    return f"获核定上限 {cap:,} 元的 {percent(award / cap)}{short}"


def _tight(table: pd.DataFrame, scenario: Scenario) -> dict[str, set]:
    """Limits that are (to within a yuan per application) used up on the final numbers."""
    lim = scenario.limits
    out: dict = {"enterprise": set(), "district": set(), "share_max": set(), "group": {}}
    if "cap_group" in table:
        shared = table[table["cap_group"] != ""]
        g = shared.groupby("cap_group").agg(
            sum=("award", "sum"), size=("award", "size"), cap=("group_limit", "first")
        )
        full = g[g["sum"] >= g["cap"] - g["size"]]
        out["group"] = dict(zip(full.index, full["size"], strict=True))  # group -> its applications
    if lim.per_enterprise is not None:
        g = table.groupby("credit_code")["award"].agg(["sum", "size"])
        out["enterprise"] = set(g.index[g["sum"] >= lim.per_enterprise - g["size"]])
    if lim.district_budget:
        g = table.groupby("district")["district_cost"].agg(["sum", "size"])
        out["district"] = {
            d
            for d, b in lim.district_budget.items()
            if d in g.index and g.at[d, "sum"] >= b - g.at[d, "size"]
        }
    if lim.item_share:
        spent = int(table["city_cost"].sum())
        g = table.groupby("item")["city_cost"].agg(["sum", "size"])
        out["share_max"] = {
            i
            for i, (_, hi) in lim.item_share.items()
            if hi < 1 and i in g.index and g.at[i, "sum"] >= hi * spent - 2 * g.at[i, "size"] - 10
        }
    return out


def _group_reason(item, others: int) -> str:
    """受条款（四）每户最高补助额不超过500万元限制：本企业本年另有 1 项购买、自建办公用房补助申报."""
    whose = "本企业" + "".join(
        f"同一{BY_KEY[f].zh}" for f in item.cap_per if f != "credit_code" and f in BY_KEY
    )
    return (
        f"受{item.clause_label}{item.cap_per_says}{item.cap_says}限制：{whose}本年另有 {others} 项"
        f"{item.name}申报，合计不超过 {item.cap:,} 元"
    )


def _funded_reason(cap_basis: str, item) -> str:
    if cap_basis == "requested":
        return "按申请金额全额支持"
    if cap_basis == "cap":
        return f"全额支持，受{item.clause_label}{item.cap_says}限制"
    return f"全额支持，按{item.clause_label}{item.amount_says or item.cap_says}核定"


def _reason(row, item, ratio: float, tier: float, scenario: Scenario, tight: dict, ctx: dict) -> str:
    status, award, cap = row.status, int(row.award), int(row.cap)
    lim = scenario.limits
    if status == Status.OVERRIDDEN:
        decided = ctx["reasons"].get(row.application_id, "")
        return f"决定支持 {award:,} 元：{decided}" if award else f"决定不予支持：{decided}"
    if status == Status.INELIGIBLE:
        return row.ineligible_reason
    if status == Status.FUNDED:
        return _funded_reason(row.cap_basis, item)
    head = "部分支持" if status == Status.PARTIAL else "未获支持"
    if cap < lim.min_award:
        return f"未获支持：核定上限 {cap:,} 元低于最低支持额 {lim.min_award:,} 元（[limits] min_award）"
    if getattr(row, "cap_group", "") in tight["group"]:
        return f"{head}：{_group_reason(item, tight['group'][row.cap_group] - 1)}"
    if row.credit_code in tight["enterprise"]:
        return f"{head}：受单个企业支持总额上限 {lim.per_enterprise:,} 元限制（[limits] per_enterprise）"
    if row.district in tight["district"] and row.city_share < 1:
        return f"{head}：受{row.district}配套资金上限 {lim.district_budget[row.district]:,} 元限制（{ctx['cofund']}[limits.district_budget]）"
    if row.item in tight["share_max"]:
        return f"{head}：该事项已达{ctx['fund']}资金占比上限 {lim.item_share[row.item][1]:.0%}（[limits.item_share]）"
    share = share_of_cap(award, cap)
    if scenario.rule == "prorata":
        if status == Status.UNFUNDED and lim.min_award:
            return f"未获支持：按比例分配额低于最低支持额 {lim.min_award:,} 元"
        return f"部分支持：按比例同等削减，各项均获核定上限的 {percent(ctx['level'] or 0, 2)}"
    if scenario.rule == "maxmin" and status == Status.PARTIAL:
        return f"部分支持：按最小覆盖率最大规则分配（各项至少获上限的 {percent(ctx['level'] or 0)}），{share}"
    if scenario.rule == "priority":
        return f"{head}：按分档优先规则（本项为第 {int(tier) + 1} 档），分配至本档时资金已用完" + (
            f"，{share}" if award else ""
        )
    if status == Status.PARTIAL:
        return f"部分支持：资金按评审加权价值排序分配，至本项时资金用完，{share}"
    if ratio <= 0:
        return "未获支持：方案中该事项的权重或评审得分为0"
    least = max(lim.min_award, int(getattr(row, "floor", 0) or 0))
    if award == 0 and least and not np.isnan(ctx["marginal"]) and ratio >= ctx["marginal"] - 1e-12:
        says = (
            f"{item.clause_label}“{item.floor_says}”"
            if item.floor and item.floor >= lim.min_award
            else "[limits] min_award"
        )
        return f"未获支持：剩余资金不足本项最低支持额 {least:,} 元（{says}）"
    if lim.min_award and award == 0:
        return f"未获支持：剩余资金不足最低支持额 {lim.min_award:,} 元，或其加权价值低于获支持项目"
    if np.isnan(ctx["marginal"]):
        return "未获支持：可用资金不足"
    return f"未获支持：预算不足，每元{ctx['fund']}资金的加权价值 {ratio:.4f} 低于获支持项目的最低值 {ctx['marginal']:.4f}"
