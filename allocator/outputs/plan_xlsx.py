"""plan.xlsx, the workbook of a multi-year plan: 年度资金链, 承诺, 监管台账 and 联合与逐年对比 (joint only).

In 年度资金链 the chain is live: 上年结转 of a year is a formula pointing at 结转下年 of the year before (the
first year holds the plan's opening carryover), 可用资金 = 年度专项资金 + 上年结转 and 结转下年 = 可用资金 −
市级承担 − 管理费用 are formulas, each with its cached value, and a 核对 row checks that the funds and the
opening carryover equal the fund's spending, the admin costs and the closing carryover. The cost levels carry
the policy's names (省级承担 / 市级承担 for heilongjiang-2008).

The sheets' names, columns and labels live here; the frames they show come from
:mod:`allocator.outputs.plan`, which imports this module, so :func:`write_plan_xlsx` imports them when called.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ..core.result import PlanResult
from ..policy.levels import FUND_LEVEL, level_labels
from .clauses import NOT_SET, carryover_clause, cite, multi_year_item
from .excel import close_workbook
from .plan_frames import (
    BEYOND,
    CHAIN_HEADERS,
    FORESIGHT_METRICS,
    MODES_ZH,
    NOT_YET,
    WITHIN,
    all_commitments,
    chain_frame,
    chain_headers,
    foresight_frame,
    plan_ledger,
)
from .xlsx_lists import Col, write_list
from .xlsx_registers import LEDGER_HEADERS, ledger_note
from .xlsx_style import (
    Styles,
    fit_columns,
    merge_text,
    open_workbook,
    print_setup,
    put_number,
    put_text,
    styles,
)

CHAIN_SHEET = "年度资金链"
COMMITMENT_SHEET = "承诺"
PLAN_LEDGER_SHEET = "监管台账"
FORESIGHT_SHEET = "联合与逐年对比"
PLAN_SHEETS = (CHAIN_SHEET, COMMITMENT_SHEET, PLAN_LEDGER_SHEET, FORESIGHT_SHEET)  # the last: joint only


def commitment_headers(fund: str = FUND_LEVEL) -> tuple[Col, ...]:
    """承诺's columns; ``fund`` names the fund's level (市级承担（元）)."""
    return (
        Col("序号", "#seq", "seq"),
        Col("申报编号", "application_id", "text"),
        Col("申报单位", "applicant", "text"),
        Col("原申报编号", "source_id", "text"),
        Col("统一社会信用代码", "credit_code", "code"),
        Col("所在区", "district", "text"),
        Col("支持事项", "item_name", "text"),
        Col("事项编号", "item", "text"),
        Col("批准年度", "from_year", "seq"),
        Col("支付年度", "to_year", "seq"),
        Col("应付金额（元）", "award", "money"),
        Col(f"{fund}承担（元）", "city_cost", "money"),
        Col("状态", "plan_status", "text"),
    )


#: changchun-2017's (市级).
COMMITMENT_HEADERS = commitment_headers()
PLAN_LEDGER_HEADERS = (LEDGER_HEADERS[0], Col("年度", "year", "seq"), *LEDGER_HEADERS[1:])

__all__ = [
    "BEYOND",
    "CHAIN_HEADERS",
    "CHAIN_SHEET",
    "COMMITMENT_HEADERS",
    "COMMITMENT_SHEET",
    "FORESIGHT_METRICS",
    "FORESIGHT_SHEET",
    "MODES_ZH",
    "NOT_YET",
    "PLAN_LEDGER_HEADERS",
    "PLAN_LEDGER_SHEET",
    "PLAN_SHEETS",
    "WITHIN",
    "chain_cells",
    "write_plan_xlsx",
]


def chain_cells(n_years: int) -> dict[str, str]:
    """Where 年度资金链 keeps its totals and checks, for ``n_years`` years (header in row 1)."""
    last = n_years + 1
    total = last + 1
    return {
        "first_row": "2",
        "last_row": str(last),
        "total_row": str(total),
        "funds": f"B{total}",
        "initial_carryover": "C2",
        "city_cost": f"F{total}",
        "admin": f"E{total}",
        "final_carryover": f"K{last}",
        "check_balance": f"F{total + 2}",
        "check_nonnegative": f"F{total + 3}",
    }


def _col(key: str) -> str:
    return xl_col_to_name([k for _, k, _ in CHAIN_HEADERS].index(key))


def _write_chain(ws, st: Styles, plan: PlanResult, chain: pd.DataFrame) -> None:
    fmts = {"year": st.count, "money": st.money, "count": st.count, "decimal": st.decimal}
    totals = {
        "year": st.total_label,
        "money": st.total_money,
        "count": st.total_count,
        "decimal": st.total_decimal,
    }
    fund, cofund = level_labels(plan)
    headers = chain_headers(fund, cofund)
    ws.set_row(0, 32)
    for j, (h, _, _) in enumerate(headers):
        put_text(ws, 0, j, h, st.header)
    B, C, D, E, F, K = (
        _col(k) for k in ("annual_fund", "carryover_in", "available", "admin", "city_cost", "carryover_out")
    )
    n = len(chain)
    for i, row in enumerate(chain.itertuples(index=False), start=1):
        x = i + 1  # 1-based Excel row
        formulas = {
            "available": f"={B}{x}+{C}{x}",
            "carryover_out": f"={D}{x}-{F}{x}-{E}{x}",
        }
        if i > 1:
            formulas["carryover_in"] = f"={K}{x - 1}"
        for j, (_, key, kind) in enumerate(headers):
            value = getattr(row, key)
            value = float(value) if kind == "decimal" else int(value)
            if key in formulas:
                ws.write_formula(i, j, formulas[key], fmts[kind], value)
            else:
                put_number(ws, i, j, value, fmts[kind])
    if n == 0:
        put_text(ws, 1, 0, "（无）", st.text)
    last = max(n, 1) + 1
    t = last  # 0-based row of 合计
    for j, (_, key, kind) in enumerate(headers):
        c = xl_col_to_name(j)
        fmt = totals[kind]
        if key == "year":
            put_text(ws, t, j, "合计", st.total_label)
        elif key == "carryover_in":
            ws.write_formula(t, j, "=C2", fmt, int(plan.carryover_in) if n else 0)
        elif key == "available":
            ws.write_formula(
                t, j, f"={B}{t + 1}+{C}{t + 1}", fmt, int(chain["annual_fund"].sum() + plan.carryover_in)
            )
        elif key == "carryover_out":
            ws.write_formula(t, j, f"={K}{last}", fmt, int(chain["carryover_out"].iloc[-1]) if n else 0)
        else:
            cached = chain[key].sum() if n else 0
            cached = float(cached) if kind == "decimal" else int(cached)
            ws.write_formula(t, j, f"=SUM({c}2:{c}{last})", fmt, cached)
    _chain_checks(ws, st, plan, chain, t, last, len(headers), fund)
    widths = [[h] for h, _, _ in headers]
    for j, (_, key, _) in enumerate(headers):
        widths[j] += [f"{v:,.2f}" if key == "value" else f"{int(v):,}" for v in chain[key]]
    fit_columns(ws, widths)
    ws.set_column(0, 0, 10)
    ws.freeze_panes(1, 1)
    print_setup(ws, f"{plan.name} 年度资金链")


def _chain_checks(
    ws, st: Styles, plan: PlanResult, chain: pd.DataFrame, t: int, last: int, width: int, fund: str
):
    """Below the 合计 row: the chain balances and no year's carryover is negative (formulas), then the note."""
    n = len(chain)
    cells = chain_cells(max(n, 1))
    K = _col("carryover_out")
    funds = int(chain["annual_fund"].sum())
    city = int(chain["city_cost"].sum())
    admin = int(chain["admin"].sum())
    final = int(chain["carryover_out"].iloc[-1]) if n else int(plan.carryover_in)
    balanced = funds + int(plan.carryover_in) == city + admin + final
    nonneg = bool((chain["carryover_out"] >= 0).all()) if n else True
    checks = (
        (
            f"核对：年度专项资金合计＋期初结转＝{fund}承担合计＋管理费用合计＋期末结转",
            f"=IF({cells['funds']}+{cells['initial_carryover']}={cells['city_cost']}+{cells['admin']}"
            f'+{cells["final_carryover"]},"一致","不一致")',
            "一致" if balanced else "不一致",
        ),
        ("核对：各年结转下年均不为负", f'=IF(MIN({K}2:{K}{last})>=0,"是","否")', "是" if nonneg else "否"),
    )
    for r, (label, formula, value) in enumerate(checks, start=t + 2):
        merge_text(ws, r, 0, 4, label, st.label)
        ws.write_formula(r, 5, formula, st.text, value)
    note_row = t + 2 + len(checks) + 1
    mode = MODES_ZH.get(plan.mode, plan.mode)
    notes = (
        f"说明：{plan.name}，{mode}安排。金额单位为元。「上年结转」取上一年度「结转下年」（公式），第一年为期初结转；"
        f"「可用资金」＝年度专项资金＋上年结转；「结转下年」＝可用资金－{fund}承担－管理费用（{_carry_says(plan)}）。"
        f"「{fund}承担」含上年承诺（{_commitment_says(plan)}）。"
        "合计行中「上年结转」为期初结转、「结转下年」为期末结转。"
    )
    why = str(getattr(plan, "sequential_note", "") or "")
    if why:
        notes += f"未作联合与逐年对比：{why}"
    ws.set_row(note_row, 64)
    merge_text(ws, note_row, 0, width - 1, notes, st.wrap)


def _write_foresight(ws, st: Styles, plan: PlanResult, frame: pd.DataFrame) -> None:
    headers: list[tuple[str, str, str]] = [("年度", "year", "year")]
    for key, label in FORESIGHT_METRICS:
        kind = "decimal" if key == "value" else "money"
        short = label.replace("（元）", "")
        unit = "（元）" if kind == "money" else ""
        headers += [
            (f"{short}：联合{unit}", f"{key}_joint", kind),
            (f"{short}：逐年{unit}", f"{key}_sequential", kind),
            (f"{short}：差额{unit}", f"{key}_diff", kind),
        ]
    fmts = {"year": st.count, "money": st.money, "decimal": st.decimal}
    ws.set_row(0, 32)
    for j, (h, _, _) in enumerate(headers):
        put_text(ws, 0, j, h, st.header)
    col = {key: xl_col_to_name(j) for j, (_, key, _) in enumerate(headers)}
    n = len(frame)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, (_, key, kind) in enumerate(headers):
            value = getattr(row, key)
            value = float(value) if kind == "decimal" else int(value)
            if key.endswith("_diff"):
                base = key[: -len("_diff")]
                ws.write_formula(
                    i,
                    j,
                    f"={col[base + '_joint']}{i + 1}-{col[base + '_sequential']}{i + 1}",
                    fmts[kind],
                    value,
                )
            else:
                put_number(ws, i, j, value, fmts[kind])
    last = max(n, 1) + 1
    t = last
    put_text(ws, t, 0, "合计", st.total_label)
    for j, (_, key, kind) in enumerate(headers[1:], start=1):
        c = xl_col_to_name(j)
        if key.startswith("carryover_out"):
            ws.write_formula(t, j, f"={c}{last}", st.total_money, int(frame[key].iloc[-1]) if n else 0)
            continue
        cached = frame[key].sum() if n else 0
        cached = float(cached) if kind == "decimal" else int(cached)
        fmt = st.total_decimal if kind == "decimal" else st.total_money
        ws.write_formula(t, j, f"=SUM({c}2:{c}{last})", fmt, cached)
    note = (
        "说明：联合＝各年度一并安排（预见后续年度的资金与申报）；逐年＝每年单独安排，结余结转下年。"
        "差额＝联合－逐年（公式）。合计行中「结转下年」为期末结转。"
    )
    ws.set_row(t + 2, 48)
    merge_text(ws, t + 2, 0, len(headers) - 1, note, st.wrap)
    widths = [[h] for h, _, _ in headers]
    fit_columns(ws, widths)
    ws.freeze_panes(1, 1)
    print_setup(ws, f"{plan.name} 联合与逐年对比")


def write_plan_xlsx(plan: PlanResult, path: str | Path) -> Path:
    """plan.xlsx: 年度资金链, 承诺, 监管台账 and, for a joint plan with a comparison, 联合与逐年对比."""

    path = Path(path)
    chain = chain_frame(plan)
    commitments = all_commitments(plan)
    ledger = plan_ledger(plan)
    foresight = foresight_frame(plan)
    wb = open_workbook(path)
    st = styles(wb)
    names = PLAN_SHEETS if foresight is not None else PLAN_SHEETS[:-1]
    sheets = {name: wb.add_worksheet(name) for name in names}
    _write_chain(sheets[CHAIN_SHEET], st, plan, chain)
    columns = commitment_headers(level_labels(plan)[0])
    ref = write_list(sheets[COMMITMENT_SHEET], st, commitments, columns, f"{plan.name} 承诺")
    _write_beyond(sheets[COMMITMENT_SHEET], st, commitments, ref, plan)
    lref = write_list(sheets[PLAN_LEDGER_SHEET], st, ledger, PLAN_LEDGER_HEADERS, f"{plan.name} 监管台账")
    ws = sheets[PLAN_LEDGER_SHEET]
    ws.set_row(lref.total_row + 1, 48)
    merge_text(ws, lref.total_row + 1, 0, len(PLAN_LEDGER_HEADERS) - 1, ledger_note(plan), st.wrap)
    if foresight is not None:
        _write_foresight(sheets[FORESIGHT_SHEET], st, plan, foresight)
    sheets[CHAIN_SHEET].activate()
    wb.set_properties({"title": f"{plan.name} 多年度资金规划", "subject": getattr(plan.policy, "name", "")})
    close_workbook(wb, path)
    return path


def _carry_says(plan: PlanResult) -> str:
    """``条款（二十）：结余结转下年使用``, from the plan's pack; 本政策未规定 where it has no such rule."""
    no = carryover_clause(plan)
    return f"{cite(no)}：结余结转下年使用" if no else f"结余结转：{NOT_SET}，为规划测算"


def _commitment_says(plan: PlanResult) -> str:
    """``条款（四）租赁办公用房补助连续2年``, from the pack's item paid over several years."""
    it = multi_year_item(plan)
    if it is None:
        return f"跨年度连续补助：{NOT_SET}"
    return f"{cite(getattr(it, 'clause', ''))}{it.name}连续{it.years}年"


def _write_beyond(ws, st: Styles, frame: pd.DataFrame, ref, plan: PlanResult) -> None:
    """Under 合计: 其中：规划期后应付, SUMIF over the 状态 column, and a note."""
    r = ref.total_row  # 0-based: the row after 合计
    status = ref.local("plan_status")
    beyond = frame[frame["beyond_plan"]] if len(frame) else frame
    put_text(ws, r, 0, "其中", st.total_label)
    for j, col in enumerate(ref.columns):
        if col.kind == "money":
            target = f"{xl_col_to_name(j)}2:{xl_col_to_name(j)}{ref.last_row}"
            cached = int(beyond[col.key].sum()) if len(beyond) else 0
            ws.write_formula(r, j, f'=SUMIF({status},"{BEYOND}",{target})', st.total_money, cached)
        elif col.key == "applicant":
            ws.write_formula(r, j, f'=COUNTIF({status},"{BEYOND}")', st.total_items, len(beyond))
        elif col.key == "plan_status":
            put_text(ws, r, j, BEYOND, st.total_label)
        elif j:
            ws.write_blank(r, j, None, st.total_label)
    note = (
        f"注：{_commitment_says(plan)}，第一年批准即承诺以后各年的补助。「规划期后应付」为规划最后一年批准、"
        "须在规划期后支付的补助，应在下一年度预算中优先安排。"
    )
    ws.set_row(r + 2, 48)
    merge_text(ws, r + 2, 0, len(ref.columns) - 1, note, st.wrap)
