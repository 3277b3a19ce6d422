"""Outputs of a multi-year plan: each year's outputs, and the plan's own workbook, JSON and chart.

``write_plan_outputs(plan, out_dir)`` writes

================ ================================================================================
``<year>/``      every output of that year (:func:`~allocator.outputs.write_outputs`' files)
plan.xlsx        年度资金链 (the fund chain, formulas), 承诺 (rent subsidies owed from year to year, clause
                 四), 监管台账 (all years' ledgers), 联合与逐年对比 (joint against sequential, joint only)
plan.json        the chain, the commitments, the comparison and the totals, for programs
charts/plan.*    by year: the annual fund, the city spending (last year's commitments hatched), carryover
================ ================================================================================

Everything is written into a temporary folder beside ``out_dir`` first and moved into place only when every
file was written, like :func:`~allocator.outputs.write_outputs`; a changed ``approved.xlsx`` of a year is kept
beside the new one.

In 年度资金链 the chain is live: 上年结转 of a year is a formula pointing at 结转下年 of the year before (the
first year holds the plan's opening carryover), 可用资金 = 年度专项资金 + 上年结转 and 结转下年 = 可用资金 −
市级承担 − 管理费用 are formulas, each with its cached value, and a 核对 row checks that the funds and the
opening carryover equal the city spending, the admin costs and the closing carryover.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

from ..errors import OutputError
from ..result import CHAIN_COLUMNS, COMMITMENT_COLUMNS, LEDGER_COLUMNS, PlanResult
from ._common import LEDGER_SAYS, ledger_frame, ledger_says, text
from .charts import BLUE, DPI, LIGHT, ORANGE, _empty, _wan_axis, chart_rc
from .excel import _close
from .xlsx_lists import Col, write_list
from .xlsx_registers import LEDGER_HEADERS, ledger_note
from .xlsx_style import (
    WORKBOOK_OPTIONS,
    Styles,
    fit_columns,
    merge_text,
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
MODES_ZH = {"sequential": "逐年", "joint": "联合"}

#: 年度资金链's columns (header, :data:`~allocator.result.CHAIN_COLUMNS` key, kind), A to N.
CHAIN_HEADERS = (
    ("年度", "year", "year"),
    ("年度专项资金（元）", "annual_fund", "money"),
    ("上年结转（元）", "carryover_in", "money"),
    ("可用资金（元）", "available", "money"),
    ("管理费用（元）", "admin", "money"),
    ("市级承担（元）", "city_cost", "money"),
    ("区级承担（元）", "district_cost", "money"),
    ("拟支持金额（元）", "awarded", "money"),
    ("上年承诺（元）", "commitments_in", "money"),
    ("承诺下年（元）", "commitments_out", "money"),
    ("结转下年（元）", "carryover_out", "money"),
    ("获支持数", "funded", "count"),
    ("申报数", "applications", "count"),
    ("加权价值", "value", "decimal"),
)
CHAIN_MONEY = tuple(k for _, k, kind in CHAIN_HEADERS if kind == "money")
CHAIN_COUNTS = ("year", "funded", "applications")
BEYOND = "规划期后应付"
WITHIN = "规划期内"
NOT_YET = "—"  # 申报编号 of a commitment owed beyond the plan: no application yet in the year that owes it

COMMITMENT_HEADERS = (
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
    Col("市级承担（元）", "city_cost", "money"),
    Col("状态", "plan_status", "text"),
)
PLAN_LEDGER_HEADERS = (LEDGER_HEADERS[0], Col("年度", "year", "seq"), *LEDGER_HEADERS[1:])

#: The comparison's metrics: (key, header); the plan's ``foresight`` frame holds ``<key>_joint`` and
#: ``<key>_sequential`` (``joint_<key>`` / ``sequential_<key>`` are read too).
FORESIGHT_METRICS = (
    ("value", "加权价值"),
    ("awarded", "拟支持金额（元）"),
    ("carryover_out", "结转下年（元）"),
)
FORESIGHT_COLUMNS = ("year", *(f"{k}_{m}" for k, _ in FORESIGHT_METRICS for m in ("joint", "sequential")))

__all__ = [
    "CHAIN_HEADERS",
    "CHAIN_SHEET",
    "COMMITMENT_HEADERS",
    "COMMITMENT_SHEET",
    "FORESIGHT_COLUMNS",
    "FORESIGHT_SHEET",
    "PLAN_LEDGER_SHEET",
    "PLAN_SHEETS",
    "all_commitments",
    "chain_cells",
    "chain_frame",
    "draw_plan",
    "foresight_frame",
    "plan_chart_data",
    "plan_dict",
    "write_plan_chart",
    "write_plan_json",
    "write_plan_outputs",
    "write_plan_xlsx",
]


# ---------------------------------------------------------------- data
def _fail(zh: str, en: str) -> OutputError:
    return OutputError(
        f"规划结果不一致，未写出结果文件：{zh}", f"the plan is inconsistent; nothing written: {en}"
    )


def chain_frame(plan: PlanResult) -> pd.DataFrame:
    """The chain (:data:`~allocator.result.CHAIN_COLUMNS`), money and counts as int64, checked: available =
    fund + carryover in, carryover out = available − city cost − admin, each year's carryover in = the year
    before's carryover out (the first: ``plan.carryover_in``), and each year's figures = its summary's."""
    chain = plan.chain
    missing = [c for c in CHAIN_COLUMNS if c not in chain.columns]
    if missing:
        raise _fail(f"年度资金链缺少列 {'、'.join(missing)}", f"the chain lacks {', '.join(missing)}")
    out = chain[list(CHAIN_COLUMNS)].copy().reset_index(drop=True)
    for col in (*CHAIN_MONEY, *CHAIN_COUNTS):
        values = pd.to_numeric(out[col], errors="coerce").fillna(0)
        if not (values == values.round()).all():
            raise _fail(f"年度资金链的 {col} 不是整数", f"{col} of the chain is not whole")
        out[col] = values.round().astype("int64")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").fillna(0.0).astype(float)
    years = [int(y.year) for y in plan.years]
    if list(out["year"]) != years:
        raise _fail(
            f"年度资金链的年度 {list(out['year'])} 与各年结果 {years} 不符", "chain years ≠ plan years"
        )
    if len(set(years)) != len(years):
        raise _fail(f"年度重复：{years}", f"duplicate years {years}")
    bad: list[str] = []
    previous = int(plan.carryover_in)
    for r, y in zip(out.itertuples(index=False), plan.years, strict=True):
        s = y.result.summary
        checks = {
            "carryover_in": (r.carryover_in, previous),
            "available": (r.available, r.annual_fund + r.carryover_in),
            "carryover_out": (r.carryover_out, r.available - r.city_cost - r.admin),
            "summary.annual_fund": (r.annual_fund, s.annual_fund),
            "summary.carryover_in": (r.carryover_in, s.carryover_in),
            "summary.admin": (r.admin, s.admin),
            "summary.city_cost": (r.city_cost, s.city_cost),
            "summary.carryover_out": (r.carryover_out, s.carryover_out),
        }
        bad += [f"{r.year} {k}: {a} ≠ {b}" for k, (a, b) in checks.items() if int(a) != int(b)]
        previous = int(r.carryover_out)
    if bad:
        raise _fail("；".join(bad), "; ".join(bad))
    return out


def _commitments(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMMITMENT_COLUMNS})
    missing = [c for c in COMMITMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise _fail(f"承诺缺少列 {'、'.join(missing)}", f"commitments lack {', '.join(missing)}")
    return frame[list(COMMITMENT_COLUMNS)]


def all_commitments(plan: PlanResult) -> pd.DataFrame:
    """Every commitment of the plan once (owed from before it, between its years, and beyond its last year):
    :data:`~allocator.result.COMMITMENT_COLUMNS`, then ``item_name``, ``beyond_plan`` (bool) and
    ``plan_status`` (规划期内 / 规划期后应付), by the year paid, then application."""
    parts = [_commitments(y.commitments_in) for y in plan.years]
    parts += [_commitments(y.commitments_out) for y in plan.years]
    parts = [p for p in parts if len(p)]
    if not parts:
        out = _commitments(None)
    else:
        out = pd.concat(parts, ignore_index=True)
    for col in ("award", "city_cost", "from_year", "to_year"):
        out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0).round().astype("int64")
    for col in ("application_id", "source_id", "applicant", "credit_code", "district", "item"):
        out[col] = out[col].map(text)
    out = out.drop_duplicates(["source_id", "item", "from_year", "to_year"], keep="first")
    out["application_id"] = out["application_id"].map(lambda a: a or NOT_YET)
    last = max((int(y.year) for y in plan.years), default=0)
    names = {it.id: it.name for it in getattr(plan.policy, "items", ())}
    out["item_name"] = out["item"].map(lambda i: names.get(i, i))
    out["beyond_plan"] = out["to_year"] > last
    out["plan_status"] = out["beyond_plan"].map(lambda b: BEYOND if b else WITHIN)
    out = out.sort_values(["to_year", "application_id", "source_id"], kind="stable")
    return out.reset_index(drop=True)


def _plan_ledger(plan: PlanResult) -> pd.DataFrame:
    frames = []
    for y in plan.years:
        f = ledger_frame(y.result)
        if len(f):
            frames.append(f.assign(year=int(y.year)))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("year", *LEDGER_COLUMNS)})
    return pd.concat(frames, ignore_index=True)[["year", *LEDGER_COLUMNS]]


def foresight_frame(plan: PlanResult) -> pd.DataFrame | None:
    """The joint-against-sequential comparison as :data:`FORESIGHT_COLUMNS` plus ``<key>_diff`` (joint −
    sequential) for each metric; None when the plan has none."""
    df = plan.foresight
    if df is None:
        return None
    out = pd.DataFrame({"year": pd.to_numeric(df["year"], errors="coerce").astype("int64")})
    for key, _ in FORESIGHT_METRICS:
        for mode in ("joint", "sequential"):
            found = next((c for c in (f"{key}_{mode}", f"{mode}_{key}") if c in df.columns), None)
            if found is None:
                raise _fail(
                    f"联合与逐年对比缺少列 {key}_{mode}（应有 {'、'.join(FORESIGHT_COLUMNS)}）",
                    f"the foresight frame lacks {key}_{mode} (expected {', '.join(FORESIGHT_COLUMNS)})",
                )
            values = pd.to_numeric(df[found], errors="coerce").fillna(0)
            out[f"{key}_{mode}"] = values.astype(float) if key == "value" else values.round().astype("int64")
        out[f"{key}_diff"] = out[f"{key}_joint"] - out[f"{key}_sequential"]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- workbook
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
    ws.set_row(0, 32)
    for j, (h, _, _) in enumerate(CHAIN_HEADERS):
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
        for j, (_, key, kind) in enumerate(CHAIN_HEADERS):
            value = getattr(row, key)
            value = float(value) if kind == "decimal" else int(value)
            if key in formulas:
                ws.write_formula(i, j, formulas[key], fmts[kind], value)
            else:
                put_number(ws, i, j, value, fmts[kind])
    if n == 0:
        put_text(ws, 1, 0, "（无）", st.text)
    last = max(n, 1) + 1
    cells = chain_cells(max(n, 1))
    t = last  # 0-based row of 合计
    for j, (_, key, kind) in enumerate(CHAIN_HEADERS):
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
    funds = int(chain["annual_fund"].sum())
    city = int(chain["city_cost"].sum())
    admin = int(chain["admin"].sum())
    final = int(chain["carryover_out"].iloc[-1]) if n else int(plan.carryover_in)
    balanced = funds + int(plan.carryover_in) == city + admin + final
    nonneg = bool((chain["carryover_out"] >= 0).all()) if n else True
    checks = (
        (
            "核对：年度专项资金合计＋期初结转＝市级承担合计＋管理费用合计＋期末结转",
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
        "「可用资金」＝年度专项资金＋上年结转；「结转下年」＝可用资金－市级承担－管理费用（条款二十：结余结转下年使用）。"
        "「市级承担」含上年承诺（条款四：租赁办公用房连续2年补助的第2年）。"
        "合计行中「上年结转」为期初结转、「结转下年」为期末结转。"
    )
    why = str(getattr(plan, "sequential_note", "") or "")
    if why:
        notes += f"未作联合与逐年对比：{why}"
    ws.set_row(note_row, 64)
    merge_text(ws, note_row, 0, len(CHAIN_HEADERS) - 1, notes, st.wrap)
    widths = [[h] for h, _, _ in CHAIN_HEADERS]
    for j, (_, key, _) in enumerate(CHAIN_HEADERS):
        widths[j] += [f"{v:,.2f}" if key == "value" else f"{int(v):,}" for v in chain[key]]
    fit_columns(ws, widths)
    ws.set_column(0, 0, 10)
    ws.freeze_panes(1, 1)
    print_setup(ws, f"{plan.name} 年度资金链")


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
    ledger = _plan_ledger(plan)
    foresight = foresight_frame(plan)
    wb = Workbook(str(path), WORKBOOK_OPTIONS)
    st = styles(wb)
    names = PLAN_SHEETS if foresight is not None else PLAN_SHEETS[:-1]
    sheets = {name: wb.add_worksheet(name) for name in names}
    _write_chain(sheets[CHAIN_SHEET], st, plan, chain)
    ref = write_list(sheets[COMMITMENT_SHEET], st, commitments, COMMITMENT_HEADERS, f"{plan.name} 承诺")
    _write_beyond(sheets[COMMITMENT_SHEET], st, commitments, ref)
    says = ledger_says(plan.years[0].result) if plan.years else ""
    lref = write_list(sheets[PLAN_LEDGER_SHEET], st, ledger, PLAN_LEDGER_HEADERS, f"{plan.name} 监管台账")
    ws = sheets[PLAN_LEDGER_SHEET]
    ws.set_row(lref.total_row + 1, 48)
    merge_text(
        ws, lref.total_row + 1, 0, len(PLAN_LEDGER_HEADERS) - 1, ledger_note(says or LEDGER_SAYS), st.wrap
    )
    if foresight is not None:
        _write_foresight(sheets[FORESIGHT_SHEET], st, plan, foresight)
    sheets[CHAIN_SHEET].activate()
    wb.set_properties({"title": f"{plan.name} 多年度资金规划", "subject": getattr(plan.policy, "name", "")})
    _close(wb, path)
    return path


def _write_beyond(ws, st: Styles, frame: pd.DataFrame, ref) -> None:
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
        "注：条款（四）租赁办公用房补助连续2年，第一年批准即承诺第二年补助。「规划期后应付」为规划最后一年批准、"
        "须在规划期后一年支付的补助，应在下一年度预算中优先安排。"
    )
    ws.set_row(r + 2, 48)
    merge_text(ws, r + 2, 0, len(ref.columns) - 1, note, st.wrap)


# ---------------------------------------------------------------- json
def _records(frame: pd.DataFrame, ints: tuple[str, ...]) -> list[dict]:
    out = []
    for _, row in frame.iterrows():
        out.append({c: int(row[c]) if c in ints else text(row[c]) for c in COMMITMENT_COLUMNS})
    return out


def plan_dict(plan: PlanResult) -> dict:
    """plan.json as a dict: name, mode, policy, carryover_in, years (the chain), commitments (``by_year``:
    owed in each year of the plan; ``owed_beyond_plan``: owed after its last year), foresight (or null) and
    totals (funds + initial carryover = city cost + admin + final carryover: ``balanced``)."""
    chain = chain_frame(plan)
    ints = ("from_year", "to_year", "award", "city_cost")
    years = [
        {c: (float(r[c]) if c == "value" else int(r[c])) for c in CHAIN_COLUMNS} for _, r in chain.iterrows()
    ]
    everything = all_commitments(plan)
    by_year = []
    for y in plan.years:
        owed = everything[everything["to_year"] == int(y.year)]
        by_year.append(
            {
                "year": int(y.year),
                "count": len(owed),
                "award": int(owed["award"].sum()),
                "city_cost": int(owed["city_cost"].sum()),
                "commitments": _records(owed, ints),
            }
        )
    beyond = everything[everything["beyond_plan"]]
    funds = int(chain["annual_fund"].sum())
    city = int(chain["city_cost"].sum())
    admin = int(chain["admin"].sum())
    initial = int(plan.carryover_in)
    final = int(chain["carryover_out"].iloc[-1]) if len(chain) else initial
    fs = foresight_frame(plan)
    foresight = None
    if fs is not None:
        foresight = [
            {c: (int(r[c]) if c == "year" or not c.startswith("value") else float(r[c])) for c in fs.columns}
            for _, r in fs.iterrows()
        ]
    return {
        "name": plan.name,
        "mode": plan.mode,
        "mode_zh": MODES_ZH.get(plan.mode, plan.mode),
        "policy": getattr(plan.policy, "id", ""),
        "path": text(plan.path),
        "sequential_note": str(getattr(plan, "sequential_note", "") or ""),
        "carryover_in": initial,
        "years": years,
        "commitments": {
            "by_year": by_year,
            "owed_beyond_plan": {
                "count": len(beyond),
                "award": int(beyond["award"].sum()),
                "city_cost": int(beyond["city_cost"].sum()),
                "commitments": _records(beyond, ints),
            },
        },
        "ledger_total": len(_plan_ledger(plan)),
        "foresight": foresight,
        "totals": {
            "funds": funds,
            "initial_carryover": initial,
            "city_cost": city,
            "admin": admin,
            "final_carryover": final,
            "balanced": funds + initial == city + admin + final,
        },
    }


def write_plan_json(plan: PlanResult, path: str | Path) -> Path:
    path = Path(path)
    data = plan_dict(plan)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- chart
def plan_chart_data(plan: PlanResult) -> pd.DataFrame:
    """One row per year: year, label (``2017年``), annual_fund, city_cost, commitments_in, new_city_cost
    (city_cost − commitments_in), carryover_out (yuan), and each in 万元 (``*_wan``)."""
    chain = chain_frame(plan)
    df = chain[["year", "annual_fund", "city_cost", "commitments_in", "carryover_out"]].copy()
    df.insert(1, "label", [f"{y}年" for y in df["year"]])
    df["new_city_cost"] = df["city_cost"] - df["commitments_in"]
    for col in ("annual_fund", "city_cost", "commitments_in", "new_city_cost", "carryover_out"):
        df[f"{col}_wan"] = df[col] / 10_000
    return df.reset_index(drop=True)


HATCH_EDGE = "#B35900"


def _wan(v: float) -> str:
    return f"{v:,.1f}"


def draw_plan(plan: PlanResult) -> Figure:
    df = plan_chart_data(plan)
    fig = Figure(figsize=(max(7.5, 2.2 * len(df) + 3), 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(f"{plan.name}：年度专项资金、市级支出与结转（万元）", fontsize=14, loc="left")
    if df.empty:
        _empty(ax)
        return fig
    x = list(range(len(df)))
    w = 0.36
    fund = ax.bar([i - w / 2 for i in x], df["annual_fund_wan"], width=w, color=LIGHT, label="年度专项资金")
    ax.bar([i + w / 2 for i in x], df["new_city_cost_wan"], width=w, color=BLUE, label="市级承担：当年新批")
    owed = ax.bar(
        [i + w / 2 for i in x],
        df["commitments_in_wan"],
        width=w,
        bottom=df["new_city_cost_wan"],
        color="white",
        edgecolor=[HATCH_EDGE if v > 0 else "none" for v in df["commitments_in_wan"]],
        hatch="///",
        linewidth=0.8,
    )
    ax.bar_label(
        fund, labels=[_wan(v) for v in df["annual_fund_wan"]], padding=3, fontsize=9, color="#52606D"
    )
    ax.bar_label(owed, labels=[_wan(v) for v in df["city_cost_wan"]], padding=3, fontsize=9)
    top = max(df["annual_fund_wan"].max(), df["city_cost_wan"].max(), df["carryover_out_wan"].max(), 1)
    (line,) = ax.plot(x, df["carryover_out_wan"], color=ORANGE, marker="o", linewidth=2, label="结转下年")
    for i, v in zip(x, df["carryover_out_wan"], strict=True):
        ax.annotate(
            _wan(v),
            (i, v),
            textcoords="offset points",
            xytext=(0, 9),
            ha="center",
            fontsize=9,
            color="#8A4B00",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": ORANGE, "lw": 0.6},
        )
    ax.set_xticks(x, df["label"])
    ax.set_xlim(-0.6, len(df) - 0.4)
    ax.set_ylabel("金额（万元）")
    ax.set_ylim(min(0, df["carryover_out_wan"].min() * 1.2), top * 1.18)
    _wan_axis(ax, "y")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = [
        Patch(facecolor=LIGHT, label="年度专项资金"),
        Patch(facecolor=BLUE, label="市级承担：当年新批"),
        Patch(
            facecolor="white", edgecolor=HATCH_EDGE, hatch="///", label="市级承担：上年承诺（租房补助第2年）"
        ),
        line,
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    return fig


def write_plan_chart(plan: PlanResult, out_dir: str | Path) -> list[Path]:
    """``plan.png`` and ``plan.svg`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with rc_context(chart_rc()):
        fig = draw_plan(plan)
        for ext in ("png", "svg"):
            path = out_dir / f"plan.{ext}"
            meta = {"Software": "allocator"} if ext == "png" else {"Date": None}
            fig.savefig(path, dpi=DPI, format=ext, metadata=meta, facecolor="white")
            written.append(path)
    return written


# ---------------------------------------------------------------- all
def write_plan_outputs(plan: PlanResult, out_dir: str | Path) -> list[Path]:
    """Each year's outputs into ``out_dir/<year>/``, then plan.xlsx, plan.json and charts/plan.png/.svg; all
    staged beside ``out_dir`` and moved into place only once every file was written. Returns the paths."""
    from . import _write_all, install, staging_folder

    out_dir = Path(out_dir)
    chain_frame(plan)  # inconsistent: nothing written, not even a year
    staging = staging_folder(out_dir)
    try:
        relative: list[Path] = []
        for y in plan.years:
            folder = Path(str(int(y.year)))
            (staging / folder).mkdir()
            relative += [folder / p for p in _write_all(y.result, staging / folder)]
        written = [
            write_plan_xlsx(plan, staging / "plan.xlsx"),
            write_plan_json(plan, staging / "plan.json"),
            *write_plan_chart(plan, staging / "charts"),
        ]
        relative += [p.relative_to(staging) for p in written]
        return install(staging, relative, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
