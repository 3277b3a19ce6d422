"""report.html's 「分配规则」 section: the rule, the model (LP or MILP and its gap), the shadow price, the cost
against the default rule, the limits and the overrides."""

from __future__ import annotations

from html import escape

from ..core.result import AllocationResult
from .html_parts import html_table
from .leaders import coverage_gini
from .limit_rows import limit_rows, override_rows
from .words import (
    DEFAULT_RULE,
    RULE_SAYS,
    VALUE_SAYS,
    cost_ratio,
    model_zh,
    percent,
    rule_of,
    rule_zh,
    shadow_text,
    value_text,
    yuan,
)


def rule_section(result: AllocationResult) -> str:
    """「分配规则」: which rule, LP or MILP (and the gap), the shadow price, the cost against the default rule,
    the limits and the overrides."""
    s = result.summary
    sv = result.solver
    rule = rule_of(result)
    name = rule_zh(rule)
    out = [
        f"<p>本方案采用<b>「{escape(name)}」</b>规则：{escape(RULE_SAYS.get(rule, ''))}。"
        f"按此分配的加权价值为 <b>{escape(value_text(float(getattr(s, 'value', 0.0))))}</b>"
        f"（{escape(VALUE_SAYS)}）。</p>"
    ]
    if sv.level is not None and rule == "maxmin":
        out.append(f"<p>各项申报至少获核定上限的 <b>{escape(percent(sv.level))}</b>（决定支持的除外）。</p>")
    elif sv.level is not None and rule == "prorata":
        out.append(f"<p>各项申报均获核定上限的 <b>{escape(percent(sv.level))}</b>（决定支持的除外）。</p>")
    min_award = int(getattr(getattr(result.scenario, "limits", None), "min_award", 0) or 0)
    if sv.mip:
        why = f"因设有最低支持额 {yuan(min_award)} 元（每项为 0 或不低于此额），" if min_award else ""
        gap = percent(sv.gap)
        proven = "，即已证明最优" if sv.gap is not None and sv.gap <= 0 else ""
        out.append(
            f"<p>{escape(why)}模型为{escape(model_zh(True))}，最优性间隙 <b>{escape(gap)}</b>{proven}。</p>"
        )
    else:
        out.append(f"<p>模型为{escape(model_zh(False))}，结果为已证明的最优解。</p>")
    shadow = float(getattr(s, "shadow_price", 0.0))
    out.append(
        f"<p>影子价格 <b>{shadow:.4f}</b>：{escape(shadow_text(shadow))}"
        "（影子价格衡量多 1 元预算能多换来多少加权价值，是测算用的指标，不是金额）。</p>"
    )
    gini_value = coverage_gini(result)
    out.append(
        f"<p>覆盖率基尼系数 <b>{gini_value:.3f}</b>：各项符合条件的申报所获金额占其核定上限的比例是否均衡，"
        "0 表示各项比例相同，越接近 1 表示资金越集中在少数申报上。</p>"
    )
    out.append(rule_comparison_table(result, rule, name))
    limits = limit_rows(result)
    if limits:
        items = "".join(
            f"<li>{escape(r.label.replace('（元）', ''))}：{escape(f'{yuan(r.value)} 元' if isinstance(r.value, int) else str(r.value))}"
            "</li>"
            for r in limits
        )
        out.append(f"<p>本方案设置的限额：</p><ul>{items}</ul>")
    else:
        out.append("<p>本方案未设置限额。</p>")
    overrides = override_rows(result)
    if overrides:
        rows = [
            [o.application_id, o.applicant, o.item_name, o.award if o.award is not None else "", o.reason]
            for o in overrides
        ]
        notes = "；".join(
            f"{o.application_id} 的决定金额为其核定上限" for o in overrides if o.written == "cap"
        )
        out.append(
            f"<p>决定支持（模型之外的决定，按固定金额计入）共 {len(overrides)} 项：</p>"
            + html_table(["申报编号", "申报单位", "支持事项", "决定金额（元）", "理由"], rows, {3}, None)
            + (f'<p class="note">{escape(notes)}。</p>' if notes else "")
        )
    return "".join(out)


def rule_comparison_table(result: AllocationResult, rule: str, name: str) -> str:
    cmp = result.comparison
    default = rule_zh(DEFAULT_RULE)
    if cmp is None:
        if rule == DEFAULT_RULE:
            return f'<p class="note">本方案即采用默认规则（{escape(default)}），无需与默认规则比较。</p>'
        return '<p class="note">本次运行未测算与默认规则的比较。</p>'
    ratio = cost_ratio(cmp)
    rows = [
        [
            "加权价值",
            value_text(cmp.value),
            value_text(cmp.default_value),
            value_text(cmp.value - cmp.default_value),
        ],
        [
            "获支持数（件）",
            f"{cmp.funded:,}",
            f"{cmp.default_funded:,}",
            f"{cmp.funded - cmp.default_funded:+,}",
        ],
        [
            "最小覆盖率",
            percent(cmp.min_coverage),
            percent(cmp.default_min_coverage),
            f"{(cmp.min_coverage - cmp.default_min_coverage) * 100:+.2f} 个百分点",
        ],
    ]
    table = html_table(["", f"本规则（{name}）", f"默认规则（{default}）", "差额"], rows, {1, 2, 3}, None)
    if cmp.cost > 0.005:
        cost = (
            f"<p>采用本规则的代价：加权价值比默认规则少 <b>{escape(value_text(cmp.cost))}</b>"
            f"（占默认规则的 <b>{escape(percent(ratio))}</b>）。</p>"
        )
    else:
        cost = "<p>采用本规则没有代价：加权价值与默认规则相同。</p>"
    note = '<p class="note">同一预算、限额和决定支持事项，按默认规则另行求解比较；最小覆盖率为符合条件、非决定支持的申报中拟支持金额占核定上限的最低比例。</p>'
    return cost + table + note
