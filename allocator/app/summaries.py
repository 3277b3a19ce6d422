"""What each command says when it is done, as lines of text: the CLI prints them, a page can show them.

Each function takes the data a command returned (the result, the comparison, the plan, the paths written)
and gives the lines in the order a fund manager reads them: money and projects first, then the rule, the
solver and the weighted value.
"""

from __future__ import annotations

from pathlib import Path

from ..core.result import AllocationResult, PlanResult, scores_defaulted_text
from ..core.texttable import clip, pad, width
from ..outputs.compare_words import status_text
from ..outputs.leaders import lead_line
from ..outputs.sweep import RULES_ZH, group_names
from ..outputs.words import DEFAULT_RULE, cost_ratio, percent, rule_of, rule_zh, value_text


def written_line(paths: list[Path], where: str | Path | None) -> str:
    """已写出 13 个文件到 reports/changchun-2017."""
    return f"已写出 {len(paths)} 个文件到 {where}"


def run_lines(
    result: AllocationResult, paths: list[Path], out: str | Path | None = None, timings: dict | None = None
) -> list[str]:
    """``allocator run``'s summary: the intake's notes, the money, what another million buys, the rule,
    the solver, the stage timings when asked for (``timings``), an approved list kept aside, the files."""
    s, policy = result.summary, result.policy
    lines = [f"方案：{result.scenario.name}（{policy.name}）"]
    if result.scores_defaulted:  # every score the default: the allocation ranks by weight alone
        lines.append(scores_defaulted_text(result))
    # a column of the office's own: read past, as validate says
    lines += [f"提示 / note：{w.render()}" for w in result.intake_warnings]
    lines.append(f"申报 {s.applications} 项，符合条件 {s.eligible} 项，获支持 {s.funded} 项")
    for label, value in (
        ("可用资金", s.available),
        ("管理费用", s.admin),
        ("拟支持金额", s.awarded),
        (f"  其中{policy.fund_name}承担", s.city_cost),
        (f"  其中{policy.cofund_name}承担", s.district_cost),
        ("结转下年", s.carryover_out),
    ):
        lines.append(f"{label}：{value:>14,} 元")
    lead = lead_line(result, policy.fund_name)
    if lead:
        lines.append(lead)
    overrides = result.scenario.overrides
    if overrides:
        lines.append(f"决定支持 {len(overrides)} 项：{'、'.join(o.application_id for o in overrides)}")
    lines.append(f"分配规则：{rule_zh(rule_of(result))}")
    cmp = result.comparison
    if cmp is not None:
        lines.append(
            f"与默认规则（{rule_zh(DEFAULT_RULE)}）相比：获支持 {cmp.funded} 项，默认规则 {cmp.default_funded} 项；"
            f"加权价值 {value_text(cmp.value)}，默认规则 {value_text(cmp.default_value)}，"
            f"代价 {value_text(cmp.cost)}（{percent(cost_ratio(cmp))}）"
        )
    sv = result.solver
    fallback = (
        "（未找到 HiGHS，已自动改用 CBC）" if sv.name == "CBC" and result.scenario.solver != "cbc" else ""
    )
    lines.append(
        f"求解器：{sv.name} {sv.version}{fallback}，状态：最优（{sv.stages} 阶段，{sv.seconds:.2f} 秒）"
    )
    lines.append(f"模型：混合整数规划，最优性间隙 {percent(sv.gap)}" if sv.mip else "模型：线性规划")
    lines.append(
        f"影子价格：每增加 1 元预算，加权价值约增加 {s.shadow_price:.4f}"
        "（加权价值＝事项权重×评审得分÷100×拟支持金额，是测算指标，不是金额）"
    )
    if timings is not None:
        lines.append("各步骤用时 / stage timings: " + "，".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    for kept in (p for p in paths if p.name.startswith("approved.") and p.name != "approved.xlsx"):
        lines.append(
            f"注意：拟支持名单有变化，原 approved.xlsx 已保留为 {kept.name} / the previous approved list was kept"
        )
    lines.append(written_line(paths, paths[0].parent if paths else out))
    return lines


def frontier_lines(frontier, available: int) -> list[str]:
    """The budget frontier at the scenario's own fund, and what the next point up buys."""
    own = frontier.points.set_index("budget").loc[available]
    lines = [
        f"预算前沿 {len(frontier.points)} 点；本方案资金 {available:,} 元：获支持 {int(own['funded'])} 项，"
        f"拟支持 {int(own['awarded']):,} 元，加权价值 {own['value']:,.2f}"
    ]
    later = frontier.points[frontier.points["budget"] > available]
    if len(later):
        nxt = later.iloc[0]
        lines.append(
            f"再增加 {int(nxt['budget']) - available:,} 元：新增支持 {int(nxt['funded'] - own['funded']):,} 项、"
            f"多支持 {int(nxt['awarded'] - own['awarded']):,} 元"
        )
    return lines


def weights_line(points: int, policy, group_a, group_b) -> str:
    return f"权重权衡 {points} 点：甲组 {group_names(policy, group_a)} 对 乙组 {group_names(policy, group_b)}"


def rules_lines(table) -> list[str]:
    """One line per rationing rule: funded, awarded, weighted value, Gini of coverage, top-ten share."""
    return [
        f"  {pad(RULES_ZH.get(r.rule, r.rule), 28)} 获支持 {r.funded:>4} 项  拟支持 {r.awarded:>14,} 元  "
        f"加权价值 {r.value:>16,.2f}  基尼 {r.coverage_gini:.3f}  前十大占比 {r.top10_share:.1%}"
        for r in table.itertuples(index=False)
    ]


def release_lines(result: AllocationResult, withdrawn: list[str], info: dict, paths: list[Path]) -> list[str]:
    """What was taken back, what the waitlist received, each award that changed, where the result is."""
    lines = [
        f"收回 {len(withdrawn)} 项，释放{result.policy.fund_name}资金 {info['released_city_cost']:,} 元；"
        f"按候补名单再分配 {info['given_city_cost']:,} 元"
    ]
    lines += [
        f"  {row['application_id']}：{row['award_before']:,} → {row['award_after']:,} 元"
        for row in info["changed"]
    ]
    lines.append(f"新结果已写到 {paths[0].parent}（原结果未改动）")
    return lines


def plan_lines(plan: PlanResult, paths: list[Path], out: str | Path) -> list[str]:
    """The plan's years, one line each (available, spent, commitments, carryover), and what foresight gains."""
    mode = "逐年" if plan.mode == "sequential" else "多年联合"
    lines = [f"资金计划：{plan.name}（{mode}，{len(plan.years)} 个年度）"]
    for row in plan.chain.itertuples(index=False):
        lines.append(
            f"  {row.year}：可用 {row.available:>12,}  支出 {row.city_cost + row.admin:>12,}"
            f"  其中上年承诺 {row.commitments_in:>10,}  承诺下年 {row.commitments_out:>10,}  结转 {row.carryover_out:>12,}"
        )
    if plan.sequential_note:
        lines.append(plan.sequential_note)
    if plan.foresight is not None:
        gain = float(plan.foresight["value_joint"].sum() - plan.foresight["value_sequential"].sum())
        lines.append(f"联合优化比逐年分配多获加权价值 {gain:,.2f}")
    lines.append(written_line(paths, out))
    return lines


def compare_lines(c, paths: list[Path], out: str | Path) -> list[str]:
    """Both runs, the notes, the totals side by side (A, B, B − A), the five biggest gains and losses."""
    lines = [f"A：{c.name_a}（{c.a.rule_zh}）  {c.a.folder}", f"B：{c.name_b}（{c.b.rule_zh}）  {c.b.folder}"]
    lines += [f"注意：{note}" for note in c.notes]
    rows = [("", "A", "B", "变化（B−A）")]
    for key, row in c.totals.iterrows():
        if key == "value":
            cells = [f"{float(row[k]):,.2f}" for k in ("a", "b")]
            cells.append(f"{float(row['change']):+,.2f}" if row["change"] else "0")
        else:
            cells = [f"{int(row[k]):,}" for k in ("a", "b")]
            cells.append(f"{int(row['change']):+,}" if row["change"] else "0")
        rows.append((row["label"], *cells))
    w = [max(width(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        lines.append(
            "  " + pad(r[0], w[0]) + "".join("  " + " " * (w[i] - width(r[i])) + r[i] for i in (1, 2, 3))
        )
    for frame, title in ((c.gainers, "增加最多的 5 项（B 较 A）"), (c.losers, "减少最多的 5 项（B 较 A）")):
        lines.append(title + ("：无" if frame.empty else "："))
        for row in frame.head(5).itertuples(index=False):
            before = status_text(row.status_a, row.award_a, row.where, "a")
            after = status_text(row.status_b, row.award_b, row.where, "b")
            name = pad(clip(row.applicant, 28), 28)
            lines.append(
                f"  {row.application_id}  {name}  {pad(clip(row.item_name, 16), 16)}  {row.award_a:,} → {row.award_b:,} 元"
                f"（{row.change:+,}；{before} → {after}）"
            )
    lines.append(written_line(paths, out))
    return lines


def validate_lines(file: str | Path, apps, policy) -> list[str]:
    """``allocator validate``: how many applications on how many sheets, the intake's notes, per item."""
    frame = apps.frame
    lines = [f"{file}：{len(frame)} 条申报，{len(apps.sheets)} 个工作表，未发现问题 / no problems found"]
    lines += [f"提示 / note：{w.render()}" for w in apps.warnings]
    for item_id, count in frame["item"].value_counts().sort_index().items():
        lines.append(f"  {item_id:<16} {policy.item(item_id).name}：{count} 条")
    return lines


__all__ = [
    "compare_lines",
    "frontier_lines",
    "plan_lines",
    "release_lines",
    "rules_lines",
    "run_lines",
    "validate_lines",
    "weights_line",
    "written_line",
]
