"""What a leader reads first: another 1,000,000 yuan in yuan and projects.

``再增加100万元：新增支持 2 项、多支持 1,000,000 元，主要流向 引进全球百强企业支持 862,850 元、…``

The figures come from ``result.next_million`` (the waitlist walked down with 1,000,000 yuan, as a
release of that money would go: the lead line, the 候补名单 and ``allocator release`` cannot disagree),
else, where the run has no such figures, from the budget frontier's point 1,000,000 yuan above the
scenario's fund (the whole allocation solved again with that money, as ``allocator sweep`` does). Pure
functions of the result; no solver here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.result import AllocationResult
from .words import wan, yuan

EXTRA = 1_000_000
#: How many items and districts the lead line names.
FLOWS = 3


@dataclass(frozen=True)
class Lead:
    extra: int  # yuan added to the available fund
    newly_funded: int  # applications funded now that were not (N)
    awarded_gain: int  # yuan more awarded (M), whole yuan
    city_gain: int  # of which the fund being allocated pays
    items: tuple[tuple[str, int], ...]  # (item name, yuan more), most first
    districts: tuple[tuple[str, int], ...]  # (district, yuan more), most first
    source: str  # "frontier" or "next_million"


def _top(gains: pd.Series) -> tuple[tuple[str, int], ...]:
    gains = gains[gains > 0]
    order = sorted(gains.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    return tuple((str(k), int(v)) for k, v in order[:FLOWS])


def _from_frontier(result: AllocationResult) -> Lead | None:
    f = result.frontier
    if f is None or getattr(f, "awarded", None) is None or getattr(f, "by_district", None) is None:
        return None
    own = int(f.scenario_budget)
    p = f.points.set_index("budget")
    if own not in p.index or own + EXTRA not in p.index:
        return None
    here, there = p.loc[own], p.loc[own + EXTRA]
    names = f.item_names
    items = (f.awarded.loc[own + EXTRA] - f.awarded.loc[own]).rename(lambda i: names.get(i, i))
    districts = f.by_district.loc[own + EXTRA] - f.by_district.loc[own]
    return Lead(
        EXTRA,
        int(there["funded"]) - int(here["funded"]),
        int(there["awarded"]) - int(here["awarded"]),
        int(there["city_cost"]) - int(here["city_cost"]),
        _top(items.groupby(level=0).sum()),
        _top(districts),
        "frontier",
    )


def _from_next_million(result: AllocationResult) -> Lead | None:
    nm = result.next_million
    if nm is None:
        return None
    changed = (
        nm.changed if nm.changed is not None else pd.DataFrame(columns=["item_name", "district", "gain"])
    )
    gains = pd.to_numeric(changed["gain"], errors="coerce").fillna(0).astype("int64")
    name = changed["item_name"].astype(str) if len(changed) else pd.Series(dtype=str)
    district = changed["district"].astype(str).str.strip().replace("", "（未填）") if len(changed) else name
    return Lead(
        int(nm.extra),
        int(nm.newly_funded),
        int(nm.awarded_gain),
        int(nm.city_cost_gain),
        _top(gains.groupby(name.to_numpy()).sum()) if len(changed) else (),
        _top(gains.groupby(district.to_numpy()).sum()) if len(changed) else (),
        "next_million",
    )


def lead(result: AllocationResult) -> Lead | None:
    """The waitlist's figures for one more million, else the frontier's; None when the run has neither."""
    return _from_next_million(result) or _from_frontier(result)


def _amount(extra: int) -> str:
    return f"{extra // 10_000:,}万元" if extra % 10_000 == 0 else f"{yuan(extra)} 元"


def lead_line(result: AllocationResult, fund: str = "") -> str:
    """``再增加100万元：新增支持 2 项、多支持 1,000,000 元，主要流向 …`` ('' without figures)."""
    it = lead(result)
    if it is None:
        return ""
    head = f"再增加{_amount(it.extra)}："
    if it.awarded_gain <= 0:
        return head + "拟支持金额不会增加（其余申报已获上限，或受限额约束）。"
    text = head + f"新增支持 {it.newly_funded:,} 项、多支持 {yuan(it.awarded_gain)} 元"
    if fund and it.city_gain != it.awarded_gain:
        text += f"（其中{fund}承担 {yuan(it.city_gain)} 元）"
    if it.items:
        text += "，主要流向 " + "、".join(f"{n} {yuan(v)} 元" for n, v in it.items)
    if it.districts:
        text += "；按区：" + "、".join(f"{n} {yuan(v)} 元" for n, v in it.districts)
    return text + "。"


def lead_source(result: AllocationResult) -> str:
    """How the lead line's figures were worked out, in a sentence."""
    it = lead(result)
    if it is None:
        return ""
    if it.source == "frontier":
        return (
            f"按同一批申报、同一规则和限额，可用资金增加 {wan(it.extra)} 万元后整体重新测算"
            "（与「预算前沿」一致）。"
        )
    return f"按候补名单依次递补 {wan(it.extra)} 万元测算（与释放资金递补的做法一致）。"


def coverage_gini(result: AllocationResult) -> float:
    """Gini coefficient of award ÷ cap over eligible applications with a cap (0: every one the same share)."""
    from ..analysis.sweep import gini

    t = result.table
    cap = pd.to_numeric(t["cap"], errors="coerce").fillna(0).to_numpy(dtype=float)
    award = pd.to_numeric(t["award"], errors="coerce").fillna(0).to_numpy(dtype=float)
    keep = t["eligible"].astype(bool).to_numpy() & (cap > 0)
    return gini(award[keep] / cap[keep])
