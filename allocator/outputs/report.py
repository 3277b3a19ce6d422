"""``report.html``: one self-contained page for leadership (inline CSS, charts as base64 PNG, no links out).

What a leader reads first comes first: the title, 「结论」 (:func:`conclusion`: the money, what is awarded to
how many, what is left, what another million would buy, what the rule costs), the key figures, and
「预算前沿」 when ``result.frontier`` is set (the frontier chart and a few of its points). Then 「分配规则」 (the rule used, LP or MILP and its gap, the shadow price, what the rule cost against
the default rule, the limits and overrides applied), the charts, tables by item and district, and
「再增加100万元可支持什么」 from ``result.next_million``. Every piece of user text goes through
:func:`html.escape`.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

import pandas as pd
from matplotlib import rc_context

from ..core.result import AllocationResult, Status, scores_defaulted_text
from ..policy.levels import cost_headers, level_labels, level_short, sharing_zh
from ._common import (
    DEFAULT_RULE,
    RULE_SAYS,
    VALUE_SAYS,
    by_district,
    by_item,
    cost_ratio,
    generated_at,
    item_label,
    limit_rows,
    model_zh,
    override_rows,
    percent,
    prepared,
    rule_of,
    rule_zh,
    sha256_of_applications,
    shadow_text,
    status_zh,
    value_text,
    wan,
    yuan,
)
from .charts import CHARTS, DPI, chart_rc, write_charts
from .clauses import admin_limit_short, policy_notes
from .leaders import coverage_gini, lead_line, lead_source
from .lists import details_where

CHART_ALT = {
    "by_item": "分事项：政策上限与拟支持金额",
    "by_district": "分区：拟支持金额及市、区分担",
    "funding_status": "申报项目支持情况",
}


def chart_alt(result: AllocationResult) -> dict[str, str]:
    """:data:`CHART_ALT` in the policy's level names (分区：拟支持金额及省、市分担 for heilongjiang-2008)."""
    return {**CHART_ALT, "by_district": f"分区：拟支持金额及{sharing_zh(result)}"}


CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif;
 margin:0;background:#F5F7FA;color:#1F2933;line-height:1.6}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:32px 0 12px;border-left:5px solid #1F5F99;
 padding-left:10px}.sub{color:#52606D;margin:0 0 4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px;margin-top:20px}
.card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card .k{color:#52606D;font-size:14px}.card .v{font-size:24px;font-weight:700;color:#1F5F99}
.card .n{color:#7B8794;font-size:13px}
figure{background:#fff;border-radius:8px;margin:12px 0;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #D9E2EC;padding:6px 8px}th{background:#DDEBF7;font-weight:600}
td.m{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:700;background:#F2F2F2}
.lead{background:#fff;border-left:5px solid #F28E2B;border-radius:8px;padding:14px 18px;margin-top:16px;
 font-size:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}.lead h2{margin:0 0 6px;border:0;padding:0}.lead p{margin:0}.lead p.leader{font-size:18px;margin-bottom:4px}
tr.own td{font-weight:700;background:#FFF4E5}
.note{color:#52606D;font-size:13px}footer{margin-top:36px;color:#7B8794;font-size:12px}
@media print{body{background:#fff}.card,figure,.lead{box-shadow:none;border:1px solid #D9E2EC}}
"""


def _card(key: str, value: str, note: str = "") -> str:
    return f'<div class="card"><div class="k">{escape(key)}</div><div class="v">{escape(value)}</div>' + (
        f'<div class="n">{escape(note)}</div></div>' if note else "</div>"
    )


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], money: set[int], total: Sequence | None
) -> str:
    def cells(row: Sequence[object]) -> str:
        out = []
        for j, v in enumerate(row):
            if j in money:
                out.append(f'<td class="m">{escape(yuan(v) if isinstance(v, int | float) else str(v))}</td>')
            else:
                out.append(f"<td>{escape(str(v))}</td>")
        return "".join(out)

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    foot = f'<tr class="total">{cells(total)}</tr>' if total is not None else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table>"


def _key_figures(result: AllocationResult) -> str:
    s = result.summary
    coverage = f"{s.awarded / s.requested_total:.1%}" if s.requested_total else "—"
    fund, cofund = level_labels(result)
    cards = [
        _card(
            "可用资金",
            f"{yuan(s.available)} 元",
            f"年度专项资金 {wan(s.annual_fund)} 万元＋上年结转 {wan(s.carryover_in)} 万元",
        ),
        _card("拟支持金额", f"{yuan(s.awarded)} 元", f"{wan(s.awarded)} 万元"),
        _card(f"{fund}承担", f"{yuan(s.city_cost)} 元", f"{wan(s.city_cost)} 万元，由{fund}专项资金支付"),
        _card(
            f"{cofund}承担",
            f"{yuan(s.district_cost)} 元",
            f"{wan(s.district_cost)} 万元，由所在{level_short(cofund)}配套",
        ),
        _card("管理费用", f"{yuan(s.admin)} 元", f"上限 {yuan(s.admin_limit)} 元{admin_limit_short(result)}"),
        _card("结转下年", f"{yuan(s.carryover_out)} 元", f"{wan(s.carryover_out)} 万元"),
        _card("申报数 / 获支持数", f"{s.applications} / {s.funded} 件", f"符合条件 {s.eligible} 件"),
        _card(
            "资金覆盖率", coverage, f"拟支持金额占符合条件申请政策上限（{wan(s.requested_total)} 万元）的比例"
        ),
    ]
    notes = "".join(f'<p class="note policy-note">{escape(n)}</p>' for n in policy_notes(result, s))
    return f'<section class="cards">{"".join(cards)}</section>' + notes


def conclusion(result: AllocationResult) -> list[str]:
    """「结论」 in plain Chinese, sentence by sentence (the report and the PDF say the same): first what
    another million would buy in yuan and projects (:func:`~allocator.outputs.leaders.lead_line`), then the
    money available, what is awarded to how many, what is left and, when compared, what the rule costs
    against the default."""
    s = result.summary
    fund, cofund = level_labels(result)
    source = (
        f"（年度专项资金 {wan(s.annual_fund)} 万元＋上年结转 {wan(s.carryover_in)} 万元）"
        if s.carryover_in
        else ""
    )
    lead = lead_line(result, fund)
    out = [
        *([lead] if lead else []),
        f"本次可用资金 {wan(s.available)} 万元{source}。",
        f"拟支持 {s.funded:,} 件申报（符合条件 {s.eligible:,} 件），拟支持金额 {wan(s.awarded)} 万元，"
        f"其中{fund}承担 {wan(s.city_cost)} 万元、{cofund}承担 {wan(s.district_cost)} 万元。",
    ]
    left = f"管理费用 {wan(s.admin)} 万元，结转下年 {wan(s.carryover_out)} 万元" + (
        f"（其中预留后续批次 {wan(s.reserve)} 万元）" if s.reserve else ""
    )
    status = result.table["status"].astype(str)
    unfunded = int((status == Status.UNFUNDED.value).sum())
    partial = int((status == Status.PARTIAL.value).sum())
    if unfunded or partial:
        short = "、".join(
            t
            for t in (
                f"{unfunded:,} 件未获支持" if unfunded else "",
                f"{partial:,} 件部分支持" if partial else "",
            )
            if t
        )
        left += f"；符合条件的申报中仍有 {short}"
    elif s.eligible:
        left += "；符合条件的申报均已全额支持"
    if s.requested_total:
        left += f"，拟支持金额为其政策上限合计（{wan(s.requested_total)} 万元）的 {s.awarded / s.requested_total:.1%}"
    out.append(left + "。")
    rule = rule_of(result)
    name, default = rule_zh(rule), rule_zh(DEFAULT_RULE)
    cmp = result.comparison
    if cmp is not None:
        head = f"本方案采用「{name}」规则，与默认规则「{default}」相比："
        if cmp.cost > 0.005:
            head += f"加权价值少 {value_text(cmp.cost)}（占默认规则的 {percent(cost_ratio(cmp))}）"
        else:
            head += "加权价值相同（没有代价）"
        diff = cmp.funded - cmp.default_funded
        head += f"，获支持数{'多' if diff > 0 else '少'} {abs(diff):,} 件" if diff else "，获支持数相同"
        head += f"，最小覆盖率由 {percent(cmp.default_min_coverage)} 变为 {percent(cmp.min_coverage)}。"
        out.append(head)
    elif rule != DEFAULT_RULE:
        out.append(f"本方案采用「{name}」规则（本次未测算与默认规则的比较）。")
    else:
        out.append(f"本方案按默认规则「{name}」分配。")
    if result.scores_defaulted:  # every score the default (issue 16, point 5): the report says so
        out.append(scores_defaulted_text(result))
    return out


def _conclusion_section(result: AllocationResult) -> str:
    """「结论」: the lead line on a line of its own (bold), then the rest of :func:`conclusion`."""
    said = conclusion(result)
    first = said[0] if said and said[0].startswith("再增加") else ""
    rest = said[1:] if first else said
    head = (
        f'<p class="leader"><b>{escape(first)}</b></p><p class="note">{escape(lead_source(result))}</p>'
        if first
        else ""
    )
    return f'<section class="lead"><h2>结论</h2>{head}<p>{escape("".join(rest))}</p></section>'


def frontier_rows(frontier: object, most: int = 9) -> pd.DataFrame:
    """A few points of the frontier for a table: all of them when there are at most ``most``, else evenly
    spaced ones, always with the scenario's own fund and the point after it. Columns budget, value,
    funded, own (the scenario's fund) and extra_value: the weighted value of one more 1,000,000 yuan
    from the row above (NaN on the first row)."""
    p = frontier.points.sort_values("budget").reset_index(drop=True)  # type: ignore[attr-defined]
    own = int(frontier.scenario_budget)  # type: ignore[attr-defined]
    if len(p) > most:
        keep = {round(k * (len(p) - 1) / (most - 3)) for k in range(most - 2)}
        at = p.index[p["budget"] == own]
        if len(at):
            keep |= {int(at[0]), min(int(at[0]) + 1, len(p) - 1)}
        p = p.loc[sorted(keep)].reset_index(drop=True)
    out = p[["budget", "value", "funded", *(["awarded"] if "awarded" in p else [])]].copy()
    if "awarded" not in out:
        out["awarded"] = float("nan")
    out["own"] = out["budget"] == own
    out["extra_funded"] = out["funded"].diff()  # between the rows shown
    out["extra_awarded"] = out["awarded"].diff()
    out["extra_value"] = out["value"].diff() / out["budget"].diff() * 1_000_000
    return out


#: 「预算前沿」's chart and table: yuan and projects first, the weighted value last.
FRONTIER_ALT = "预算前沿：可用资金与获支持数、拟支持金额"
FRONTIER_HEADERS = (
    "可用资金（万元）",
    "获支持数",
    "拟支持金额（万元）",
    "新增支持（项）",
    "多支持（万元）",
    "加权价值",
    "每增加100万元的加权价值",
)


_DRAWN: list[tuple[object, bytes | None]] = []  # the frontier drawn last and its PNG: one slot


def frontier_png(frontier: object) -> bytes | None:
    """:func:`~allocator.outputs.sweep.draw_frontier` as PNG; None when the scenario's fund is not a point
    of the frontier (the chart marks it). The last one drawn is kept, so that it can be drawn while the
    charts are drawn in another process (:func:`draw_ahead`) and the page put together afterwards."""
    from .sweep import draw_frontier

    if _DRAWN and _DRAWN[0][0] is frontier:
        return _DRAWN[0][1]
    png = None
    if int(frontier.scenario_budget) in set(frontier.points["budget"].astype(int)):  # type: ignore[attr-defined]
        buf = io.BytesIO()
        with rc_context(chart_rc()):
            draw_frontier(frontier).savefig(  # type: ignore[arg-type]
                buf, dpi=DPI, format="png", metadata={"Software": "allocator"}, facecolor="white"
            )
        png = buf.getvalue()
    _DRAWN[:] = [(frontier, png)]
    return png


def _has_frontier(result: AllocationResult) -> bool:
    frontier = result.frontier
    return not (frontier is None or getattr(frontier, "points", None) is None or frontier.points.empty)


def draw_ahead(result: AllocationResult) -> None:
    """Draw the page's own chart (the frontier) now, for :func:`report_html` to use as it is."""
    if _has_frontier(result):
        frontier_png(result.frontier)


def _frontier_section(result: AllocationResult) -> str:
    """「预算前沿」: the chart and a few points; '' when the run computed no frontier."""
    frontier = result.frontier
    if not _has_frontier(result):
        return ""
    out = [
        "<h2>预算前沿</h2>",
        "<p>同一批申报、同一规则和限额，按不同的可用资金重新求解：资金越多，获支持数和拟支持金额如何变化。"
        "虚线为本方案的可用资金。</p>",
    ]
    png = frontier_png(frontier)
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure><img alt="{FRONTIER_ALT}" src="data:image/png;base64,{data}"></figure>')
    rows = []
    for r in frontier_rows(frontier).itertuples():
        budget = wan(r.budget) + ("（本方案）" if r.own else "")
        first = math.isnan(r.extra_value)
        cells = [
            budget,
            f"{int(r.funded):,}",
            wan(r.awarded),
            "—" if first else f"{int(r.extra_funded):+,}",
            "—" if first or math.isnan(r.extra_awarded) else f"{r.extra_awarded / 10_000:+,.2f}",
            value_text(r.value),
            "—" if first else value_text(r.extra_value),
        ]
        tds = f"<td>{escape(cells[0])}</td>" + "".join(f'<td class="m">{escape(c)}</td>' for c in cells[1:])
        rows.append(f'<tr class="own">{tds}</tr>' if r.own else f"<tr>{tds}</tr>")
    head = "".join(f"<th>{h}</th>" for h in FRONTIER_HEADERS)
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    out.append(
        '<p class="note">新增支持、多支持：与上一行相比。加权价值是测算用的指标，不是金额：'
        f"{escape(VALUE_SAYS)}；每增加100万元的加权价值为与上一行相比、可用资金每增加 100 万元所增加的加权价值。</p>"
    )
    return "".join(out)


def _rule_section(result: AllocationResult) -> str:
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
    out.append(_comparison(result, rule, name))
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
            + _table(["申报编号", "申报单位", "支持事项", "决定金额（元）", "理由"], rows, {3}, None)
            + (f'<p class="note">{escape(notes)}。</p>' if notes else "")
        )
    return "".join(out)


def _comparison(result: AllocationResult, rule: str, name: str) -> str:
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
    table = _table(["", f"本规则（{name}）", f"默认规则（{default}）", "差额"], rows, {1, 2, 3}, None)
    if cmp.cost > 0.005:
        cost = (
            f"<p>采用本规则的代价：加权价值比默认规则少 <b>{escape(value_text(cmp.cost))}</b>"
            f"（占默认规则的 <b>{escape(percent(ratio))}</b>）。</p>"
        )
    else:
        cost = "<p>采用本规则没有代价：加权价值与默认规则相同。</p>"
    note = '<p class="note">同一预算、限额和决定支持事项，按默认规则另行求解比较；最小覆盖率为符合条件、非决定支持的申报中拟支持金额占核定上限的最低比例。</p>'
    return cost + table + note


def _charts(result: AllocationResult, charts_dir: Path) -> str:
    if not all((charts_dir / f"{name}.png").is_file() for name in CHARTS):
        write_charts(result, charts_dir)
    figures = []
    alts = chart_alt(result)
    for name in CHARTS:
        data = base64.b64encode((charts_dir / f"{name}.png").read_bytes()).decode("ascii")
        alt = escape(alts[name])
        figures.append(f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"></figure>')
    return "".join(figures)


def _group_table(df: pd.DataFrame, labels: list[str], label_cols: list[str], costs: tuple[str, str]) -> str:
    """By item or district; ``costs`` heads the two cost columns (:func:`~allocator.policy.levels.cost_headers`)."""
    df = df[df["applications"] > 0]
    nums = ["applications", "eligible", "funded", "cap_total", "award", "city_cost", "district_cost"]
    headers = [
        *labels,
        "申报数",
        "符合条件数",
        "获支持数",
        "政策上限合计（元）",
        "拟支持金额（元）",
        *costs,
    ]
    money = set(range(len(labels), len(labels) + 7))  # counts too: right-aligned
    rows = [[*(r[c] for c in label_cols), *(int(r[c]) for c in nums)] for _, r in df.iterrows()]
    total = ["合计", *[""] * (len(labels) - 1), *(int(df[c].sum()) for c in nums)]
    return _table(headers, rows, money, total)


def _next_million(result: AllocationResult) -> str:
    nm = result.next_million
    fund, _ = level_labels(result)
    if nm is None:
        return '<p class="note">本次运行未测算追加资金的效果。</p>'
    text = (
        f"若可用资金再增加 <b>{escape(yuan(nm.extra))} 元</b>（{escape(wan(nm.extra))} 万元）并按候补名单依次递补，"
        f"拟支持金额增加 <b>{escape(yuan(nm.awarded_gain))} 元</b>，其中{escape(fund)}承担增加 "
        f"{escape(yuan(nm.city_cost_gain))} 元；新增获支持 <b>{nm.newly_funded} 件</b>；"
        f"加权价值提高 {nm.value_gain:,.2f}。"
    )
    changed = nm.changed
    if changed is None or len(changed) == 0:
        return f"<p>{text}</p><p class='note'>没有申报的拟支持金额发生变化。</p>"
    headers = [
        "申报编号",
        "申报单位",
        "支持事项",
        "所在区",
        "现拟支持金额（元）",
        "追加后（元）",
        "增加（元）",
    ]
    rows = [
        [
            r.get("application_id", ""),
            r.get("applicant", ""),
            r.get("item_name", r.get("item", "")),
            r.get("district", ""),
            int(r["award"]),
            int(r["award_after"]),
            int(r["gain"]),
        ]
        for _, r in changed.iterrows()
    ]
    total = [
        "合计",
        "",
        "",
        "",
        int(changed["award"].sum()),
        int(changed["award_after"].sum()),
        int(changed["gain"].sum()),
    ]
    return f"<p>{text}</p>" + _table(headers, rows, {4, 5, 6}, total)


def report_html(result: AllocationResult, charts_dir: str | Path) -> str:
    """The page as text (charts read from, or first drawn into, ``charts_dir``)."""
    sc = result.scenario
    policy = result.policy
    s = result.summary
    sv = result.solver
    table = prepared(result)
    name = str(getattr(sc, "name", ""))
    year = getattr(sc, "year", "")
    title = f"{name}：专项资金分配报告"
    items = by_item(result, table)
    items["label"] = [item_label(c, n) for c, n in zip(items["clause"], items["item_name"], strict=True)]
    manifest = result.manifest or {}
    sha = sha256_of_applications(manifest)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(str(year))} 年度　政策：{escape(str(getattr(policy, "name", "")))}</p>',
        f'<p class="sub">方案状态：{escape(status_zh(s.status))}'
        f"　生成时间：{escape(generated_at(manifest))}</p>",
        _conclusion_section(result),
        _key_figures(result),
        _frontier_section(result),
        "<h2>分配规则</h2>",
        _rule_section(result),
        "<h2>图表</h2>",
        _charts(result, Path(charts_dir)),
        "<h2>分事项</h2>",
        _group_table(items, ["条款事项"], ["label"], cost_headers(result)),
        "<h2>分区</h2>",
        _group_table(by_district(result, table), ["所在区"], ["district"], cost_headers(result)),
        "<h2>再增加100万元可支持什么</h2>",
        _next_million(result),
        "<footer>",
        f"<p>求解：{escape(sv.name)} {escape(sv.version)}，{escape(model_zh(sv.mip))}"
        + (f"，最优性间隙 {escape(percent(sv.gap))}" if sv.mip else "")
        + f"，状态 {escape(status_zh(sv.status))}，求解 {sv.stages} 次，目标值 {sv.objective:,.2f}，用时 {sv.seconds:.2f} 秒。</p>",
        f"<p>申报文件：{escape(str(getattr(sc, 'applications', '')))}"
        + (f"（SHA-256 {escape(sha)}）" if sha else "")
        + "</p>",
        f"<p>金额单位：元（卡片中另注万元）。{escape(details_where(result))}。</p>",
        "</footer></main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report_html(result: AllocationResult, path: str | Path, charts_dir: str | Path) -> Path:
    path = Path(path)
    path.write_text(report_html(result, charts_dir), encoding="utf-8")
    return path
