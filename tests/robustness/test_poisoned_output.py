"""Issue 8, point 2: no poisoned output.

Text from the input that a spreadsheet would read as a formula (``=`` ``+`` ``-`` ``@``, or a tab or CR before
one) reaches every workbook as a string cell, with the quote prefix where it starts with ``=`` ``+`` ``-``
``@``, and every CSV with a leading ``'``; no formula holds input text; report.html escapes it; a ``$`` in a
chart label is drawn, not parsed as mathtext; text a cell cannot hold (over 32,767 characters, control
characters) is refused with the sheet and cell, never cut short.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from matplotlib import rc_context
from openpyxl.utils.escape import unescape

from allocator.analysis.compare import compare_dirs
from allocator.config.scenario import Override
from allocator.core.errors import OutputError
from allocator.outputs import charts
from allocator.outputs.compare_chart import write_compare_charts
from allocator.outputs.compare_words import WHERE_ZH
from allocator.outputs.compare_xlsx import write_compare_xlsx
from allocator.outputs.excel import write_allocation_xlsx, write_approved_xlsx
from allocator.outputs.plan_frames import BEYOND
from allocator.outputs.plan_xlsx import write_plan_xlsx
from allocator.outputs.report import report_html
from allocator.outputs.sweep import write_sweep
from allocator.outputs.tables import (
    csv_safe,
    write_allocation_csv,
    write_summary_json,
    write_waitlist_csv,
)
from allocator.outputs.xlsx_style import WORKBOOK_OPTIONS, put_text, styles
from allocator.store.format import CSV_TEXT, csv_unquote
from tests.conftest import build_frontier, build_ledger, build_plan, build_rule_result, build_waitlist

POISON = ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("http://evil")')
#: ids must stay distinct after compare strips them, so none starts with whitespace
IDS = {
    "A001": "=1+1",
    "A002": "+SUM(A1)",
    "A003": "-2+3",
    "A004": "@cmd",
    "A005": '=HYPERLINK("http://evil")',
}
DISTRICTS = {"朝阳区": '=HYPERLINK("http://evil")', "高新区": "+SUM(A1)"}
FORMULA_START = ("=", "+", "-", "@")
#: Every function our formulas use, and every string literal in them.
OUR_FUNCTIONS = {"SUM", "SUMIF", "COUNTIF", "COUNTIFS", "COUNTA", "IF", "MIN", "ROUNDDOWN"}
OUR_LITERALS = {">0", "<0", "", "=", "一致", "不一致", "是", "否", BEYOND, *WHERE_ZH.values()}
#: Fragments of the input that must never reach a formula.
INPUT_FRAGMENTS = ("1+1", "SUM(A1)", "2+3", "cmd", "=x", "HYPERLINK", "evil")


def _id(aid: str) -> str:
    return IDS.get(aid, aid)


def poisoned_result(lists: str = "auto"):
    """:func:`build_rule_result` (overrides, comparison) with a waitlist and a ledger, every piece of input text
    replaced by text that looks like a formula; one negative number (a score) that must stay a number."""
    base = build_rule_result()
    table = base.table.copy()
    n = len(table)
    table["application_id"] = table["application_id"].map(_id)
    table["applicant"] = [POISON[i % len(POISON)] for i in range(n)]
    table["reason"] = [POISON[(i + 3) % len(POISON)] for i in range(n)]
    table["district"] = table["district"].map(DISTRICTS)
    table["credit_code"] = ["-2+3", *table["credit_code"].iloc[1:]]
    table["source_sheet"] = ["@cmd", *table["source_sheet"].iloc[1:]]
    ineligible = table.index[~table["eligible"]]
    table.loc[ineligible, "failed_condition"] = "=1+1"
    table["score"] = [-5.0, *table["score"].iloc[1:]]
    waitlist = build_waitlist()
    waitlist["application_id"] = waitlist["application_id"].map(_id)
    waitlist["applicant"] = ["\t=x", "-2+3"]
    waitlist["district"] = waitlist["district"].map(DISTRICTS)
    ledger = build_ledger()
    ledger["application_id"] = ledger["application_id"].map(_id)
    ledger[["applicant", "district", "note"]] = ["@cmd", DISTRICTS["朝阳区"], "=1+1"]
    nm = base.next_million
    changed = nm.changed.copy()
    changed["application_id"] = changed["application_id"].map(_id)
    changed["applicant"] = ["\r=x", "=1+1"]
    changed["district"] = changed["district"].map(DISTRICTS)
    overrides = tuple(Override(_id(o.application_id), o.award, "=1+1") for o in base.scenario.overrides)
    scenario = dataclasses.replace(base.scenario, overrides=overrides, lists=lists)
    return dataclasses.replace(
        base,
        scenario=scenario,
        table=table,
        waitlist=waitlist,
        ledger=ledger,
        next_million=dataclasses.replace(nm, changed=changed),
    )


# ---------------------------------------------------------------- reading workbooks back
def value(cell) -> object:
    """The cell's text as Excel reads it: a CR is stored as ``_x000D_`` (ST_Xstring), which openpyxl leaves."""
    return unescape(cell.value) if isinstance(cell.value, str) else cell.value


def check_formula(formula: str) -> None:
    """One of ours: only :data:`OUR_FUNCTIONS`, only :data:`OUR_LITERALS`, nothing from the input."""
    assert formula.startswith("="), formula
    literals = re.findall(r'"([^"]*)"', formula)
    assert set(literals) <= OUR_LITERALS, formula
    code = re.sub(r'"[^"]*"', '""', formula)
    assert set(re.findall(r"([A-Z][A-Z0-9.]*)\(", code)) <= OUR_FUNCTIONS, formula
    for fragment in INPUT_FRAGMENTS:
        assert fragment not in code, formula


def scan(path: Path) -> dict[str, int]:
    """Every cell of the workbook: formulas are ours; text starting like a formula is a string cell with
    the quote prefix. Returns how often each :data:`POISON` text was found, whole, in a cell."""
    found = dict.fromkeys(POISON, 0)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    check_formula(str(c.value))
                elif isinstance(c.value, str):
                    text = value(c)
                    assert c.data_type == "s", (ws.title, c.coordinate, text)
                    if text.startswith(FORMULA_START):
                        assert c.quotePrefix, (ws.title, c.coordinate, text)
                    if text in found:
                        found[text] += 1
                    assert not text.startswith("'"), (ws.title, c.coordinate, text)
    return found


def test_allocation_workbook_keeps_every_text_as_text(tmp_path):
    found = scan(write_allocation_xlsx(poisoned_result(), tmp_path / "allocation.xlsx"))
    assert all(found.values()), found  # each poisoned text is in some cell, whole


def test_allocation_workbook_without_lists(tmp_path):
    found = scan(write_allocation_xlsx(poisoned_result("csv"), tmp_path / "allocation.xlsx"))
    assert found[DISTRICTS["朝阳区"]] and found["+SUM(A1)"]  # 分区 and 监管台账


def test_approved_workbook_keeps_every_text_as_text(tmp_path):
    result = poisoned_result()
    found = scan(write_approved_xlsx(result, tmp_path / "approved.xlsx"))
    funded = result.table[result.table["award"] > 0]
    for name in funded["applicant"]:
        assert found[name], name


def test_list_cells_hold_exactly_the_input(tmp_path):
    result = poisoned_result()
    ws = openpyxl.load_workbook(write_approved_xlsx(result, tmp_path / "approved.xlsx")).active
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    funded = result.table[result.table["award"] > 0].reset_index(drop=True)
    for k, app in funded.iterrows():
        for head, key in (("申报编号", "application_id"), ("申报单位", "applicant"), ("说明", "reason")):
            cell = rows[k][head]
            assert (value(cell), cell.data_type) == (app[key], "s")
            assert cell.quotePrefix == app[key].startswith(FORMULA_START), (head, app[key])
    plain = rows[0]["序号"]
    assert plain.data_type == "n" and not plain.quotePrefix  # other cells keep their formats


def _run_folder(result, folder: Path) -> Path:
    folder.mkdir()
    write_allocation_csv(result, folder / "allocation.csv")
    write_summary_json(result, folder / "summary.json")
    return folder


def test_compare_workbook_and_charts(tmp_path):
    a = poisoned_result()
    table = a.table.copy()
    table["applicant"] = table["applicant"].iloc[::-1].to_numpy()  # B: other words, same money
    b = dataclasses.replace(a, table=table)
    comparison = compare_dirs(_run_folder(a, tmp_path / "a"), _run_folder(b, tmp_path / "b"))
    # allocation.csv's ' came off again: the comparison holds the input's text
    by_app = comparison.by_application.set_index("application_id")
    assert set(IDS.values()) <= set(by_app.index)
    assert set(comparison.by_district["district"]) == set(DISTRICTS.values())
    found = scan(write_compare_xlsx(comparison, tmp_path / "compare.xlsx"))
    assert all(found[t] for t in IDS.values()), found
    with rc_context(charts.chart_rc()):
        write_compare_charts(comparison, tmp_path / "charts")


def test_compare_matches_a_district_named_like_a_criterion_exactly(tmp_path):
    """按区's SUMIF/COUNTIFS criterion is "="&$A2: a district '<>x' or '=1+1' matches itself only (a bare
    $A2 would make '<>x' match every other district, '=1+1' none). pycel matches a text criterion equal to
    the cell either way, so the formulas are read, not recomputed."""
    a = poisoned_result()
    table = a.table.copy()
    table["district"] = table["district"].map({DISTRICTS["朝阳区"]: "<>x", DISTRICTS["高新区"]: "=1+1"})
    a = dataclasses.replace(a, table=table)
    comparison = compare_dirs(_run_folder(a, tmp_path / "a"), _run_folder(a, tmp_path / "b"))
    ws = openpyxl.load_workbook(write_compare_xlsx(comparison, tmp_path / "compare.xlsx"))["按区"]
    assert {ws["A2"].value, ws["A3"].value} == {"<>x", "=1+1"}
    for r in (2, 3):
        formulas = [
            c.value for c in ws[r] if c.data_type == "f" and ("SUMIF" in c.value or "COUNTIFS" in c.value)
        ]
        assert len(formulas) == 8  # awards, funded counts and both levels' costs, A and B
        for f in formulas:
            assert f'"="&$A{r}' in f and not re.search(rf",\$?A\$?{r}[,)]", f), f


def test_plan_workbook_keeps_every_text_as_text(tmp_path):
    plan = build_plan()
    poisoned = poisoned_result()
    years = []
    for y in plan.years:
        result = dataclasses.replace(
            y.result, table=poisoned.table, ledger=None if y.result.ledger is None else poisoned.ledger
        )
        owed_out = y.commitments_out.assign(applicant="=1+1", district="-2+3")
        years.append(dataclasses.replace(y, result=result, commitments_out=owed_out))
    plan = dataclasses.replace(plan, name="@cmd $x_1^2$ 规划", years=tuple(years))
    found = scan(write_plan_xlsx(plan, tmp_path / "plan.xlsx"))
    assert found["=1+1"] and found["-2+3"] and found["@cmd"]


# ---------------------------------------------------------------- CSV
def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_allocation_csv_prefixes_text_only(tmp_path):
    result = poisoned_result()
    rows = read_rows(write_allocation_csv(result, tmp_path / "allocation.csv"))
    table = result.table
    for k, row in enumerate(rows):
        for col in CSV_TEXT:
            raw = table[col].iloc[k]
            raw = "" if pd.isna(raw) else str(raw)
            expected = "'" + raw if raw.startswith((*FORMULA_START, "\t", "\r", "\n")) else raw
            if col == "reason" or col not in ("item", "item_name", "clause"):
                assert row[col] == expected, (col, row[col], raw)
    assert rows[0]["score"] == "-5"  # a negative number stays a number
    assert (
        rows[0]["applicant"] == "'=1+1"
        and rows[4]["applicant"] == "'\t=x"
        and rows[5]["applicant"] == "'\r=x"
    )
    for row in rows:
        for col in ("cap", "award", "city_cost", "district_cost"):
            assert row[col].isdigit(), (col, row[col])
    # read back: the ' comes off, the text is the input's
    df = pd.read_csv(tmp_path / "allocation.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in ("application_id", "applicant", "reason", "district"):
        assert csv_unquote(df[col]).tolist() == table[col].astype(str).tolist(), col


def test_waitlist_csv_prefixes_text_only(tmp_path):
    rows = read_rows(write_waitlist_csv(poisoned_result(), tmp_path / "waitlist.csv"))
    assert [r["applicant"] for r in rows] == ["'\t=x", "'-2+3"]
    assert [r["application_id"] for r in rows] == ["'@cmd", "'" + IDS["A005"]]
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert rows[0]["cap"] == "1000000" and rows[1]["cumulative_city_cost"] == "580000"


def test_csv_prefix_is_reversible():
    texts = ["A001", "=1+1", "'=1+1", "''-2", "'plain", "", "\t=x", "\r=x", "\n", "@", "'", "1-2", "中文"]
    written = csv_safe(texts)
    assert (
        written[:3] == ["A001", "'=1+1", "''=1+1"] and written[4] == "'plain" and written[-2:] == texts[-2:]
    )
    assert csv_unquote(pd.Series(written, dtype=object)).tolist() == texts
    assert csv_unquote(pd.Series(written, dtype="str")).tolist() == texts


def test_sweep_tables_prefix_text_only(tmp_path):
    frontier = build_frontier()
    frontier = dataclasses.replace(
        frontier,
        coverage=frontier.coverage.rename(columns={"c13-hire": "=1+1"}),
        item_names={**frontier.item_names, "=1+1": "=1+1", "c04-buy": "$^$"},
    )
    rules = pd.DataFrame({"rule": ["weighted", "+SUM(A1)"], "value": [1.0, -2.5], "funded": [3, 4]})
    rules["coverage_gini"] = [0.1, 0.2]
    shares = pd.DataFrame({"weighted": [0.5, -0.5]}, index=["=1+1", "-2+3"])
    weights = pd.DataFrame({"ratio": [1.0, 2.0], "awarded_a": [1, 2], "awarded_b": [-3, 4]})
    write_sweep(tmp_path, frontier, (weights, "$a_1$", "@b"), (rules, shares))
    coverage = (tmp_path / "coverage.csv").read_text(encoding="utf-8-sig").splitlines()
    assert coverage[0].split(",")[2] == "'=1+1覆盖率"  # an item named like a formula, in the header
    by_district = read_rows(tmp_path / "rules_by_district.csv")
    assert [(r["所在区"], r["加权价值最大：占比"]) for r in by_district] == [
        ("'=1+1", "0.5"),
        ("'-2+3", "-0.5"),
    ]
    assert [r["分配规则"] for r in read_rows(tmp_path / "rules.csv")] == ["加权价值最大", "'+SUM(A1)"]
    assert [r["加权价值"] for r in read_rows(tmp_path / "rules.csv")] == ["1.0", "-2.5"]
    assert [r["乙组（@b）获支持金额（元）"] for r in read_rows(tmp_path / "weights.csv")] == ["-3", "4"]
    assert (tmp_path / "charts" / "frontier.png").stat().st_size > 0


# ---------------------------------------------------------------- report and charts
def test_report_escapes_user_text(tmp_path):
    result = poisoned_result()
    table = result.table.copy()
    table["district"] = (
        table["district"].map({DISTRICTS["朝阳区"]: "<script>x()</script>区"}).fillna("高新区")
    )
    table["applicant"] = "<script>alert(1)</script>"
    changed = result.next_million.changed.assign(applicant="<script>alert(2)</script>")
    result = dataclasses.replace(
        result, table=table, next_million=dataclasses.replace(result.next_million, changed=changed)
    )
    html = report_html(result, tmp_path / "charts")
    assert "<script" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;区" in html and "&lt;script&gt;alert(2)" in html


def test_chart_labels_with_dollars_are_drawn_as_written(tmp_path):
    result = poisoned_result()
    table = result.table.copy()
    table["district"] = table["district"].map({DISTRICTS["朝阳区"]: "$x_1^2$", DISTRICTS["高新区"]: "$^$_{"})
    result = dataclasses.replace(result, table=table)
    paths = charts.write_charts(result, tmp_path)  # "$^$_{" is broken mathtext: it would raise
    assert all(p.stat().st_size > 0 for p in paths)
    with rc_context(charts.chart_rc()):
        fig = charts.draw_by_district(result)
        fig.savefig(io.BytesIO(), format="png")
    labels = {t.get_text(): t.get_parse_math() for t in fig.axes[0].get_yticklabels()}
    assert labels == {"$x_1^2$": False, "$^$_{": False}


# ---------------------------------------------------------------- what a cell cannot hold
def test_a_40000_character_text_is_refused_not_cut(tmp_path):
    result = poisoned_result()
    table = result.table.copy()
    table.loc[table.index[1], "applicant"] = "长" * 40_000
    with pytest.raises(OutputError) as err:
        write_approved_xlsx(dataclasses.replace(result, table=table), tmp_path / "approved.xlsx")
    message = str(err.value)
    assert "拟支持名单" in message and "C3" in message and "40,000" in message and "32,767" in message
    assert "长长长" in message and "长" * 100 not in message


def test_a_control_character_is_refused(tmp_path):
    result = poisoned_result("csv")
    table = result.table.copy()
    table.loc[table.index[0], "district"] = "朝阳\x01区"
    with pytest.raises(OutputError, match=r"分区.*A\d+.*控制字符|控制字符") as err:
        write_allocation_xlsx(dataclasses.replace(result, table=table), tmp_path / "allocation.xlsx")
    assert "'朝阳\\x01区'" in str(err.value) and "分区" in str(err.value)


def test_put_text_checks_each_cell(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"), WORKBOOK_OPTIONS)
    st = styles(wb)
    ws = wb.add_worksheet("表")
    put_text(ws, 0, 0, "=1+1", st.text)
    put_text(ws, 0, 1, "ok\tand\nlines\r", st.wrap)  # tab, LF, CR are text
    put_text(ws, 0, 2, "𠀀" * 16_383, st.text)  # 32,766 UTF-16 units: fits
    with pytest.raises(OutputError, match="B3"):
        put_text(ws, 2, 1, "𠀀" * 16_384, st.text)  # 32,768 UTF-16 units: over
    with pytest.raises(OutputError, match="D1"):
        put_text(ws, 0, 3, "a\x7fb", st.text)
    wb.close()
    cells = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert (cells["A1"].value, cells["A1"].data_type, cells["A1"].quotePrefix) == ("=1+1", "s", True)
    assert (value(cells["B1"]), cells["B1"].quotePrefix) == ("ok\tand\nlines\r", False)
    assert len(cells["C1"].value) == 16_383 and cells["B3"].value is None
