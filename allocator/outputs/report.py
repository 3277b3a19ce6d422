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
from html import escape
from pathlib import Path

import pandas as pd

from ..core.result import AllocationResult, Status, scores_defaulted_text
from ..policy.levels import cost_headers, level_labels, level_short, sharing_zh
from ._common import by_district, by_item, prepared, sha256_of_applications
from .charts import CHARTS, write_charts
from .clauses import admin_limit_short, policy_notes
from .html_parts import card, html_table
from .leaders import lead_line, lead_source
from .lists import details_where
from .report_frontier import frontier_section
from .report_rule import rule_section
from .words import (
    DEFAULT_RULE,
    cost_ratio,
    generated_at,
    item_label,
    model_zh,
    percent,
    rule_of,
    rule_zh,
    status_zh,
    value_text,
    wan,
    yuan,
)

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


def _key_figures(result: AllocationResult) -> str:
    s = result.summary
    coverage = f"{s.awarded / s.requested_total:.1%}" if s.requested_total else "—"
    fund, cofund = level_labels(result)
    cards = [
        card(
            "可用资金",
            f"{yuan(s.available)} 元",
            f"年度专项资金 {wan(s.annual_fund)} 万元＋上年结转 {wan(s.carryover_in)} 万元",
        ),
        card("拟支持金额", f"{yuan(s.awarded)} 元", f"{wan(s.awarded)} 万元"),
        card(f"{fund}承担", f"{yuan(s.city_cost)} 元", f"{wan(s.city_cost)} 万元，由{fund}专项资金支付"),
        card(
            f"{cofund}承担",
            f"{yuan(s.district_cost)} 元",
            f"{wan(s.district_cost)} 万元，由所在{level_short(cofund)}配套",
        ),
        card("管理费用", f"{yuan(s.admin)} 元", f"上限 {yuan(s.admin_limit)} 元{admin_limit_short(result)}"),
        card("结转下年", f"{yuan(s.carryover_out)} 元", f"{wan(s.carryover_out)} 万元"),
        card("申报数 / 获支持数", f"{s.applications} / {s.funded} 件", f"符合条件 {s.eligible} 件"),
        card(
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
    return html_table(headers, rows, money, total)


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
    return f"<p>{text}</p>" + html_table(headers, rows, {4, 5, 6}, total)


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
        frontier_section(result),
        "<h2>分配规则</h2>",
        rule_section(result),
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
