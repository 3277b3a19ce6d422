"""``allocator policy show`` and ``policy check`` as functions: a pack as the table a fund manager reads,
and every problem of a pack file with its line."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..core.texttable import clip, pad, width
from ..policy.check import check_pack, check_text
from ..policy.pack import builtin_policies, load_policy
from ..policy.types import Policy


@dataclass(frozen=True)
class PackCheck:
    """What ``policy check`` found: the pack as named in the messages, every problem (warnings too), the
    errors among them, and the lines it prints."""

    target: str
    problems: list
    errors: list
    lines: list[str]

    @property
    def failed_line(self) -> str:
        n = len(self.errors)
        return f"政策包 {self.target} 有 {n} 处问题 / {n} problem(s) found"


def check(file: str | Path) -> PackCheck:
    """Every problem of the pack ``file`` (a path, or a shipped pack's id), each with where it is."""
    target = str(file)
    if not Path(target).is_file() and target in builtin_policies():
        shipped = resources.files("allocator") / "policies" / f"{target}.toml"
        target = f"allocator/policies/{target}.toml"
        problems = check_text(shipped.read_text(encoding="utf-8"), target)
    else:
        problems = check_pack(target)
    errors = [p for p in problems if not p.warning]
    lines = [problem.render() for problem in problems]
    if not errors:
        policy = load_policy(file)
        lines.append(
            f"{target}：未发现问题，{len(policy.clauses)} 个条款、{len(policy.items)} 个事项"
            f" / no problems found ({len(policy.clauses)} clauses, {len(policy.items)} items)"
        )
    return PackCheck(target, problems, errors, lines)


def policy_table(policy: Policy) -> str:
    """The pack's items as a plain-text table in Chinese."""
    fund_name = policy.level_names.get(policy.levels[0], policy.levels[0])
    head = ("事项编号", "条款", "名称", "条件", "金额标准", "上限（元）", f"{fund_name}分担", "性质")
    rows = [head]
    for it in policy.items:
        conditions = "；".join(c.says for c in it.conditions) or "—"
        cap = f"{it.cap:,}" if it.cap is not None else "—"
        cap += f"（{it.cap_per_says or '按' + '+'.join(it.cap_per)}合计）" if it.group_cap else ""
        ranges = "、".join(f"{p.name} {p.range_text()}" for p in it.param_specs)
        kind = f"酌定（方案设定：{ranges}）" if it.discretionary else "规定"
        rows.append(
            (
                it.id,
                it.clause,
                it.name,
                conditions,
                it.amount_says or "—",
                cap,
                "方案设定" if it.shares_from_scenario else f"{float(it.city_share):.0%}",
                kind,
            )
        )
    widths = [max(width(r[i]) for r in rows) for i in range(len(head))]
    widths[3] = min(widths[3], 48)
    lines = [f"{policy.name}（{policy.id}，{policy.issuer} {policy.date}）", ""]
    for k, r in enumerate(rows):
        lines.append("  ".join(pad(clip(cell, widths[i]), widths[i]) for i, cell in enumerate(r)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    fund = policy.fund  # every clause from the pack; a rule it lacks is 本政策未规定, never another's clause
    cite = {no: f"（条款（{no}））" if no else "" for no in (fund.annual_fund_clause, fund.admin_clause)}
    rules = [
        f"年度专项资金 {fund.annual_fund:,} 元{cite[fund.annual_fund_clause]}"
        if fund.annual_fund
        else f"年度专项资金{cite[fund.annual_fund_clause]}：金额本政策未规定，由方案设定（方案假设）"
    ]
    if fund.admin_rate is not None:
        rate = f"{float(fund.admin_rate) * 100:g}%"
        rules.append(f"管理费用不超过年度资金的 {rate}{cite[fund.admin_clause]}")
    else:
        rules.append("管理费用上限：本政策未规定")
    if fund.carryover_clause:
        rules.append(f"分批次审批、结余结转下年（条款（{fund.carryover_clause}））")
    else:
        rules.append("分批次审批与结余结转：本政策未规定")
    levels = "、".join(policy.level_names.get(lv, lv) for lv in policy.levels)
    lines += ["", "资金规则：" + "；".join(rules) + "。", f"分担层级：{levels}（第一级为本专项资金）。"]
    others = [c for c in policy.clauses if c.kind != "items"]
    lines.append("非事项条款：" + "；".join(f"（{c.no}）{c.title}" for c in others))
    for group in policy.alternatives:
        lines.append(f"择一事项（{group.clause_label}）：{'、'.join(group.items)}——{group.says}。")
    readings = policy.readings()
    if readings:
        lines += ["", "政策解读（条文未明确之处的取舍）："]
        lines += [f"  {label} {where}：{text}" for where, label, text in readings]
    return "\n".join(lines)


__all__ = ["PackCheck", "check", "policy_table"]
