"""The 汇总 sheet: fund figures, totals as formulas over the lists (分条款 / 分区: :mod:`.xlsx_groups`).

Every total that comes from the lists is a formula written with its cached value, so a viewer that does not
recalculate still shows the number, and Excel, WPS and LibreOffice recompute the same figures as
``summary.json``. Only SUM, SUMIF, COUNTIF, COUNTA, ROUNDDOWN and IF are used.

When the lists are not in the workbook (:mod:`~allocator.outputs.lists`; ``refs`` is None) those totals are
plain numbers, the same values; the formulas within a sheet (可用资金, 结转下年, the 核对 cells, the 合计 rows
of 分条款 / 分区) stay formulas, and 汇总's second row says where the lists are.
"""

from __future__ import annotations

import math
from fractions import Fraction

from xlsxwriter.worksheet import Worksheet

from ..core.result import AllocationResult
from ..policy.levels import cofund_says, level_labels
from ._common import Lists
from .cells import display_width
from .clauses import (
    admin_assumed,
    admin_limit_note,
    admin_rate,
    annual_fund_note,
    carryover_in_note,
    carryover_out_note,
)
from .lists import lists_note
from .words import model_zh, percent, status_zh, value_text, yuan
from .xlsx_lists import ListRef
from .xlsx_params import carry_note
from .xlsx_rule_rows import RuleRow, batch_rows, rule_rows
from .xlsx_style import Styles, merge_text, print_setup, put_number, put_text

SUMMARY_SHEET = "汇总"

#: Where each figure sits on the 汇总 sheet (column A holds its label, column C a note); the keys are
#: ``summary.json``'s, plus coverage and three 核对 (check) cells.
SUMMARY_CELLS = {
    "annual_fund": "B4",
    "carryover_in": "B5",
    "available": "B6",
    "admin_limit": "B7",
    "admin_planned": "B8",
    "admin": "B9",
    "awarded": "B10",
    "city_cost": "B11",
    "district_cost": "B12",
    "carryover_out": "B13",
    "applications": "B14",
    "eligible": "B15",
    "funded": "B16",
    "requested_total": "B17",
    "coverage": "B18",
    "check_shares": "B20",
    "check_admin": "B21",
    "check_carryover": "B22",
    "status": "B24",
}
#: The 分配规则 block of 汇总 starts with its title on this row (1-based), after :data:`SUMMARY_CELLS`; its
#: rows (:func:`rule_rows`) depend on the result, so find them by the label in column A.
RULE_SECTION_ROW = 26
RULE_SECTION = "分配规则与求解"

#: The block after 分配规则与求解 (one blank row between), only when a row of :func:`batch_rows` applies.
BATCH_SECTION = "分批次、承诺与台账"

# batch), note


def _write_rule_rows(ws: Worksheet, st: Styles, result: AllocationResult, in_workbook: bool) -> None:
    fmts = {
        "text": st.text,
        "count": st.count,
        "decimal": st.decimal,
        "price": st.price,
        "percent": st.percent,
    }
    fmts.update(money=st.money, batch=st.batch)

    def block(top: int, title: str, rows: list[RuleRow]) -> int:
        merge_text(ws, top, 0, 2, title, st.section)
        for r, (label, value, kind, note) in enumerate(rows, start=top + 1):
            put_text(ws, r, 0, label, st.label)
            if kind == "text":
                put_text(ws, r, 1, value, st.text)
            else:
                put_number(ws, r, 1, value, fmts[kind])
            put_text(ws, r, 2, note, st.wrap)
        return top + 1 + len(rows)

    after = block(RULE_SECTION_ROW - 1, RULE_SECTION, rule_rows(result))
    extra = batch_rows(result, in_workbook)
    if extra:
        block(after + 1, BATCH_SECTION, extra)


def write_summary(
    ws: Worksheet, st: Styles, result: AllocationResult, parts: Lists, refs: dict[str, ListRef] | None
) -> None:
    """Rows as in :data:`SUMMARY_CELLS`; B6, B7, B10–B18 and B20–B22 are formulas (B7 only when the policy
    gives an admin rate that reproduces ``summary.admin_limit``). Then, from :data:`RULE_SECTION_ROW`, the
    rule, the model and what the rule cost (:func:`rule_rows`), plain values.

    ``refs`` None: the lists are not in the workbook; B10–B12 and B14–B17 are numbers, and row 2 says where
    the lists are (:func:`~allocator.outputs.lists.lists_note`)."""
    s, sc = result.summary, result.scenario
    fund_level, cofund_level = level_labels(result)
    name = getattr(sc, "name", "")
    _heading(ws, st, result, refs)
    rows = _figure_rows(result, parts, refs, st)
    for r, (label, formula, value, fmt, note) in enumerate(rows, start=3):
        put_text(ws, r, 0, label, st.label)
        if formula:
            ws.write_formula(r, 1, formula, fmt, value)
        else:
            put_number(ws, r, 1, value, fmt)
        put_text(ws, r, 2, note, st.wrap)

    awarded, city = int(parts.funded["award"].sum()), int(parts.funded["city_cost"].sum())
    district = int(parts.funded["district_cost"].sum())
    checks = [
        (
            f"核对：{fund_level}＋{cofund_level}＝拟支持金额",
            '=IF(B11+B12=B10,"一致","不一致")',
            "一致" if city + district == awarded else "不一致",
        ),
        ("核对：管理费用不超过上限", '=IF(B9<=B7,"是","否")', "是" if s.admin <= s.admin_limit else "否"),
        (
            "核对：结转下年不为负",
            '=IF(B13>=0,"是","否")',
            "是" if s.available - city - s.admin >= 0 else "否",
        ),
    ]
    for r, (label, formula, value) in enumerate(checks, start=19):
        put_text(ws, r, 0, label, st.label)
        ws.write_formula(r, 1, formula, st.text, value)
        put_text(ws, r, 2, "公式核对，重新计算后自动更新", st.wrap)

    sv = result.solver
    status = status_zh(s.status)
    gap = f"，最优性间隙 {percent(sv.gap)}" if sv.mip else ""
    solver_line = (
        f"{sv.name} {sv.version}，{model_zh(sv.mip)}{gap}，求解 {sv.stages} 次，"
        f"目标值 {value_text(sv.objective)}，用时 {sv.seconds:.2f} 秒"
    )
    put_text(ws, 23, 0, "方案状态", st.label)
    put_text(ws, 23, 1, status, st.text)
    put_text(ws, 23, 2, solver_line, st.wrap)
    _write_rule_rows(ws, st, result, refs is not None)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 60)
    ws.freeze_panes(3, 0)
    print_setup(ws, f"{name} 专项资金分配汇总", landscape=False, header_rows=2)


def _heading(ws: Worksheet, st: Styles, result: AllocationResult, refs: dict[str, ListRef] | None) -> None:
    """Rows 1–3: the title, the year and the policy (and where the lists are, when not here), the header."""
    sc = result.scenario
    policy = result.policy
    name = getattr(sc, "name", "")
    year = getattr(sc, "year", "")
    merge_text(ws, 0, 0, 2, f"{name}：专项资金分配汇总", st.title)
    heading = f"年度：{year}　政策：{getattr(policy, 'name', '')}"
    note = lists_note(result) if refs is None else ""
    if note:  # in the frozen rows, seen before any figure
        merge_text(ws, 1, 0, 2, f"{heading}\n{note}", st.wrap)
        ws.set_row(1, 15 * (1 + math.ceil(display_width(note) / 100)))
    else:
        merge_text(ws, 1, 0, 2, heading, st.text)
    for j, h in enumerate(("项目", "金额（元）/ 数量", "说明")):
        put_text(ws, 2, j, h, st.header)


def _figure_rows(
    result: AllocationResult, parts: Lists, refs: dict[str, ListRef] | None, st: Styles
) -> list[tuple[str, str | None, object, object, str]]:
    """The figures of :data:`SUMMARY_CELLS` from row 4: (label, formula or None, value, format, note)."""
    s, sc = result.summary, result.scenario
    fund_level, cofund_level = level_labels(result)
    awarded = int(parts.funded["award"].sum())
    city = int(parts.funded["city_cost"].sum())
    district = int(parts.funded["district_cost"].sum())
    n_f, n_u, n_i = len(parts.funded), len(parts.unfunded), len(parts.ineligible)
    cap_total = int(parts.funded["cap"].sum() + parts.unfunded["cap"].sum())
    rate = admin_rate(result) or Fraction(0)
    admin_limit_formula = None
    if rate and math.floor(s.annual_fund * rate) == s.admin_limit:
        admin_limit_formula = f"=ROUNDDOWN(B4*{rate.numerator}/{rate.denominator},0)"
    planned_note = "计划安排的管理费用"
    fixed, per = getattr(sc, "admin_fixed", 0), getattr(sc, "admin_per_application", 0)
    if fixed or per:
        planned_note = f"固定 {yuan(fixed)} 元＋每件申报 {yuan(per)} 元 × {s.applications} 件"
    planned_note += admin_assumed(result)

    money, count = st.money, st.count
    formulas = _list_formulas(refs)
    where = {
        "awarded": "拟支持名单「拟支持金额」合计",
        "applications": "三张名单的申报件数",
        "eligible": "拟支持名单＋未支持名单",
        "funded": "拟支持名单件数",
    }
    if refs is None:
        where = {
            "awarded": "approved.xlsx 拟支持名单「拟支持金额」合计",
            "applications": "全部申报件数，逐项见 allocation.csv",
            "eligible": "获支持与未获支持的符合条件申报（allocation.csv）",
            "funded": "approved.xlsx 拟支持名单件数",
        }
    return [
        ("年度专项资金", None, s.annual_fund, money, annual_fund_note(result, s.annual_fund)),
        ("上年结转", None, s.carryover_in, money, carryover_in_note(result, carry_note(sc))),
        ("可用资金", "=B4+B5", s.available, money, "年度专项资金＋上年结转"),
        (
            "管理费用上限",
            admin_limit_formula,
            s.admin_limit,
            money,
            admin_limit_note(result),
        ),
        ("管理费用计划", None, s.admin_planned, money, planned_note),
        ("管理费用", None, s.admin, money, "本方案安排的管理费用（不超过上限）"),
        ("拟支持金额合计", formulas.get("awarded"), awarded, money, where["awarded"]),
        (f"{fund_level}承担", formulas.get("city_cost"), city, money, f"由{fund_level}专项资金支付"),
        (f"{cofund_level}承担", formulas.get("district_cost"), district, money, cofund_says(result)),
        (
            "结转下年",
            "=B6-B11-B9",
            s.available - city - s.admin,
            money,
            carryover_out_note(result, fund_level) + _reserve_says(s),
        ),
        ("申报数", formulas.get("applications"), n_f + n_u + n_i, count, where["applications"]),
        ("符合条件数", formulas.get("eligible"), n_f + n_u, count, where["eligible"]),
        ("获支持数", formulas.get("funded"), n_f, count, where["funded"]),
        (
            "符合条件申请的政策上限合计",
            formulas.get("requested_total"),
            cap_total,
            money,
            "按政策可支持的最高金额合计",
        ),
        (
            "拟支持金额占政策上限比例",
            "=IF(B17=0,0,B10/B17)",
            awarded / cap_total if cap_total else 0,
            st.ratio,
            "拟支持金额合计 ÷ 政策上限合计",
        ),
    ]


def _reserve_says(s) -> str:
    """B13's note when money is kept for the year's later batches: that part is not carried over."""
    reserve = int(getattr(s, "reserve", 0) or 0)
    return f"；其中 {yuan(reserve)} 元为预留后续批次资金，本年度后续批次使用" if reserve > 0 else ""


def _list_formulas(refs: dict[str, ListRef] | None) -> dict[str, str]:
    """汇总's formulas over the lists, by :data:`SUMMARY_CELLS` key; none without the lists."""
    if refs is None:
        return {}
    f, u, i = refs["funded"], refs["unfunded"], refs["ineligible"]
    ids = [f"COUNTA({ref.range('application_id')})" for ref in (f, u, i)]
    return {
        "awarded": f"=SUM({f.range('award')})",
        "city_cost": f"=SUM({f.range('city_cost')})",
        "district_cost": f"=SUM({f.range('district_cost')})",
        "applications": "=" + "+".join(ids),
        "eligible": "=" + "+".join(ids[:2]),
        "funded": "=" + ids[0],
        "requested_total": f"=SUM({f.range('cap')})+SUM({u.range('cap')})",
    }
