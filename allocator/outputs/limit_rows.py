"""The scenario's limits and overrides as rows every output shows them: what each limit is and says, each
override with its amount and reason."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.result import AllocationResult
from ..policy.levels import cofund_clause, level_labels, level_short
from .cells import text
from .words import item_label, yuan


@dataclass(frozen=True)
class LimitRow:
    label: str  # in Chinese, in policy terms
    value: object  # whole yuan, or text
    key: str  # where the scenario sets it
    note: str


def _items(result: AllocationResult) -> dict:
    return {it.id: it for it in getattr(result.policy, "items", ())}


def limit_rows(result: AllocationResult) -> list[LimitRow]:
    """Every ``[limits]`` entry the scenario sets, in Chinese with its scenario key (none: ``[]``)."""
    lim = getattr(result.scenario, "limits", None)
    if lim is None:
        return []
    items = _items(result)
    fund, cofund = level_labels(result)
    no = cofund_clause(result)
    rows: list[LimitRow] = []
    if lim.min_award:
        rows.append(
            LimitRow(
                "最低支持额（元）",
                int(lim.min_award),
                "[limits] min_award",
                "每项申报的拟支持金额为 0 或不低于此额（模型因此为混合整数规划）",
            )
        )
    if lim.per_enterprise is not None:
        rows.append(
            LimitRow(
                "单个企业支持总额上限（元）",
                int(lim.per_enterprise),
                "[limits] per_enterprise",
                "同一统一社会信用代码的拟支持金额合计不超过此额",
            )
        )
    for item_id, (low, high) in (lim.item_share or {}).items():
        it = items.get(item_id)
        name = item_label(it.clause, it.name) if it else item_id
        rows.append(
            LimitRow(
                f"{name}{fund}资金占比",
                f"{low:.0%}–{high:.0%}",
                f"[limits.item_share] {item_id}",
                f"该事项{fund}承担占全部{fund}承担的比例范围",
            )
        )
    for district, amount in (lim.district_budget or {}).items():
        rows.append(
            LimitRow(
                f"{district}配套资金上限（元）",
                int(amount),
                f"[limits.district_budget] {district}",
                f"该{level_short(cofund)}承担的配套资金合计不超过此额" + (f"（条款（{no}））" if no else ""),
            )
        )
    return rows


@dataclass(frozen=True)
class OverrideRow:
    application_id: str
    applicant: str
    item_name: str
    award: int | None  # the award fixed (whole yuan), None if the application is not in the table
    written: object  # as the scenario says it: "cap" or whole yuan
    reason: str


def override_rows(result: AllocationResult) -> list[OverrideRow]:
    """Every ``[[override]]`` with the award it fixed (from the table) and its reason."""
    table = result.table
    by_id = {text(a): k for k, a in enumerate(table["application_id"])} if len(table) else {}
    rows = []
    for o in getattr(result.scenario, "overrides", ()) or ():
        k = by_id.get(str(o.application_id))
        if k is None:
            award = o.award if isinstance(o.award, int) else None
            applicant = item_name = ""
        else:
            row = table.iloc[k]
            award = int(row["award"])
            applicant, item_name = text(row["applicant"]), text(row["item_name"])
        rows.append(OverrideRow(str(o.application_id), applicant, item_name, award, o.award, str(o.reason)))
    return rows


def written_award(written: object) -> str:
    """How the scenario wrote an override's award: ``核定上限（cap）`` or ``143,000 元``."""
    return "核定上限（cap）" if written == "cap" else f"{yuan(int(written))} 元"  # type: ignore[call-overload]
