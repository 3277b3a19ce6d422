"""``allocator policy coverage``: each clause of the source document with the items that implement it.

A clause has items, or is a fund rule (资金规则), or carries no money (非资金条款); a clause of kind
``items`` without any item is a gap (未实现).
"""

from __future__ import annotations

from ..core.texttable import clip, pad, width
from .types import Clause, Item, Policy

GAP = "未实现"


def coverage(policy: Policy) -> list[tuple[Clause, list[Item], str]]:
    """Each clause with the items implementing it, and why it has none ("" when it has items).

    A fund rule says ``资金规则（…）``, a clause without money ``非资金条款``, and a clause of kind
    ``items`` with no item ``未实现`` — a gap in the pack.
    """
    fund = policy.fund
    fund_rules = {
        fund.carryover_clause: "结余结转下年继续使用",
        fund.annual_fund_clause: f"年度专项资金 {fund.annual_fund:,} 元" if fund.annual_fund else "",
        fund.admin_clause: ""
        if fund.admin_rate is None
        else f"管理费用不超过年度专项资金的 {float(fund.admin_rate):.0%}",
    }
    out = []
    for clause in policy.clauses:
        items = list(policy.items_of(clause.no))
        if items:
            why = ""
        elif clause.kind == "fund":
            why = f"资金规则（{fund_rules.get(clause.no) or clause.note or clause.says}）"
        elif clause.kind == "non-monetary":
            why = "非资金条款" + (f"（{clause.note}）" if clause.note else "")
        else:
            why = f"{GAP}（缺口：条款有资金内容，但政策包中没有实现它的事项）"
        out.append((clause, items, why))
    return out


def coverage_table(policy: Policy) -> str:
    """The coverage as a plain-text table in Chinese: 条款 | 标题 | 实现事项或说明."""
    rows: list[tuple[str, str, str, str]] = [("条款", "标题", "事项编号", "事项名称 / 说明")]
    gaps = 0
    for clause, items, why in coverage(policy):
        label, title = clause.label, clause.title
        for it in items:
            rows.append((label, title, it.id, it.name))
            label = title = ""
        if why:
            rows.append((label, title, "—", why))
            gaps += why.startswith(GAP)
        elif clause.note:
            rows.append(("", "", "", f"说明：{clause.note}"))
    widths = [min(max(width(r[k]) for r in rows), cap) for k, cap in enumerate((16, 44, 16, 200))]
    lines = [f"{policy.name}（{policy.id}）条款覆盖情况", f"来源：{policy.source or policy.path}", ""]
    for n, row in enumerate(rows):
        lines.append("  ".join(pad(clip(cell, widths[k]), widths[k]) for k, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    kinds = [c.kind for c in policy.clauses]
    lines += [
        "",
        f"共 {len(kinds)} 个条款：事项条款 {kinds.count('items')} 个（{len(policy.items)} 个事项），"
        f"资金规则 {kinds.count('fund')} 个，非资金条款 {kinds.count('non-monetary')} 个，{GAP} {gaps} 个。",
    ]
    return "\n".join(lines)
