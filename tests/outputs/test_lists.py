"""``[output] lists``: the per-application lists in allocation.xlsx, or only in allocation.csv and waitlist.csv.

Without the lists allocation.xlsx keeps 汇总, 分条款, 分区, 监管台账, 参数 (and 人员核减); its figures are the
same as summary.json and allocation.csv, and no formula points at a sheet that is not there.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from matplotlib import rc_context
from pycel import ExcelCompiler

import allocator.outputs as outputs
import allocator.outputs.lists as lists
from allocator.core.errors import OutputError
from allocator.outputs import write_outputs
from allocator.outputs.excel import (
    SHEETS,
    SUMMARY_CELLS,
    SUMMARY_SHEETS,
    write_allocation_xlsx,
    write_approved_xlsx,
)
from allocator.outputs.lists import lists_in_workbook, lists_note
from allocator.outputs.report import report_html
from allocator.outputs.report_pdf import pdf_rc, report_figure
from tests.conftest import build_batch_result

SUMMARY_KEYS = (
    "annual_fund",
    "carryover_in",
    "available",
    "admin_limit",
    "admin_planned",
    "admin",
    "awarded",
    "city_cost",
    "district_cost",
    "carryover_out",
    "applications",
    "eligible",
    "funded",
    "requested_total",
)
#: 分条款 / 分区 columns after the labels, and how allocation.csv gives each.
GROUP_FIGURES = (
    "申报数",
    "符合条件数",
    "获支持数",
    "政策上限合计（元）",
    "拟支持金额（元）",
    "市级承担（元）",
    "区级承担（元）",
)


def with_lists(result, lists_value: str):
    return dataclasses.replace(result, scenario=dataclasses.replace(result.scenario, lists=lists_value))


@pytest.fixture
def csv_result():
    """The batch result (waitlist and ledger too) with ``[output] lists = "csv"``."""
    return with_lists(build_batch_result(), "csv")


@pytest.fixture
def csv_out(csv_result, tmp_path):
    """Every output of :func:`csv_result`, in a folder."""
    out = tmp_path / "out"
    write_outputs(csv_result, out)
    return out


def formulas(path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula cell of the workbook."""
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def sheets_named(formula: str) -> set[str]:
    """The sheets a formula refers to: ``'拟支持名单'!K2`` or ``汇总!B4``."""
    return set(re.findall(r"'((?:[^']|'')+)'!", formula)) | set(re.findall(r"([^\W\d][\w.]*)!", formula))


def allocation_csv(folder) -> pd.DataFrame:
    with open(folder / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.DataFrame(rows)
    for col in ("cap", "award", "city_cost", "district_cost"):
        df[col] = df[col].astype("int64")
    df["eligible"] = df["eligible"] == "true"
    return df


def expected_groups(df: pd.DataFrame, key: str) -> dict[str, list[int]]:
    """分条款 / 分区 figures from allocation.csv: every application, the eligible ones (funded, fixed by an
    override, or eligible and not ruled out), the funded ones, the eligible caps, the money."""
    out = {}
    for name, rows in df.groupby(key):
        kept = (rows["award"] > 0) | (rows["status"] == "overridden")
        eligible = rows[kept | (rows["eligible"] & (rows["status"] != "ineligible"))]
        out[name] = [
            len(rows),
            len(eligible),
            int((rows["award"] > 0).sum()),
            int(eligible["cap"].sum()),
            int(rows["award"].sum()),
            int(rows["city_cost"].sum()),
            int(rows["district_cost"].sum()),
        ]
    return out


def group_rows(ws, key: str) -> tuple[dict[str, list], list]:
    """(key → its figures) for the rows with an application, and the 合计 row's figures."""
    header = [c.value for c in ws[1]]
    labels = header.index("申报数")
    assert header[labels:] == list(GROUP_FIGURES)
    at = header.index(key)
    rows, total = {}, None
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == "合计":
            total = list(row[labels:])
            break
        if row[labels]:  # items without applications are listed with zeros
            rows[row[at]] = list(row[labels:])
    return rows, total


# ---------------------------------------------------------------- the choice
def test_auto_keeps_the_lists_up_to_the_threshold(small_result, monkeypatch):
    assert small_result.scenario.lists == "auto" and lists.WORKBOOK_LISTS_UP_TO == 200_000
    assert lists_in_workbook(small_result)
    monkeypatch.setattr(lists, "WORKBOOK_LISTS_UP_TO", len(small_result.table))
    assert lists_in_workbook(small_result)  # at the threshold: still in the workbook
    monkeypatch.setattr(lists, "WORKBOOK_LISTS_UP_TO", len(small_result.table) - 1)
    assert not lists_in_workbook(small_result)
    assert "申报数 8 项，超过 7 项" in lists_note(small_result)
    assert '[output] lists = "workbook"' in lists_note(small_result)  # how to have them back


def test_auto_above_the_threshold_writes_no_lists(small_result, tmp_path, monkeypatch):
    monkeypatch.setattr(lists, "WORKBOOK_LISTS_UP_TO", 7)
    wb = openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "a.xlsx"))
    assert wb.sheetnames == list(SUMMARY_SHEETS)
    monkeypatch.setattr(lists, "WORKBOOK_LISTS_UP_TO", 8)
    wb = openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "b.xlsx"))
    assert wb.sheetnames == list(SHEETS)


def test_workbook_keeps_the_lists_above_the_threshold(small_result, tmp_path, monkeypatch):
    monkeypatch.setattr(lists, "WORKBOOK_LISTS_UP_TO", 1)
    result = with_lists(small_result, "workbook")
    assert lists_in_workbook(result) and lists_note(result) == ""
    wb = openpyxl.load_workbook(write_allocation_xlsx(result, tmp_path / "a.xlsx"))
    assert wb.sheetnames == list(SHEETS)
    assert wb["汇总"][SUMMARY_CELLS["awarded"]].value == "=SUM('拟支持名单'!K2:K7)"


def test_csv_below_the_threshold_writes_no_lists(small_result):
    result = with_lists(small_result, "csv")
    assert not lists_in_workbook(result)
    assert lists_note(result).startswith('逐项名单不在本工作簿：方案设定 [output] lists = "csv"')


# ---------------------------------------------------------------- the workbook without lists
def test_csv_mode_sheets(csv_out):
    wb = openpyxl.load_workbook(csv_out / "allocation.xlsx")
    assert wb.sheetnames == ["汇总", "分条款", "分区", "监管台账", "参数"] == list(SUMMARY_SHEETS)
    note = wb["汇总"]["A2"].value
    assert note.startswith("年度：2017")
    for where in ("allocation.csv", "waitlist.csv", "approved.xlsx", '[output] lists = "csv"'):
        assert where in note, where
    assert wb["汇总"]["A2"].alignment.wrap_text
    assert wb["监管台账"].max_row >= 2  # kept: it is small
    params = {r[0]: r[1:] for r in wb["参数"].iter_rows(min_row=2, values_only=True)}
    assert params["逐项名单"][0] == "allocation.csv、waitlist.csv"
    labels = {c.value: c.row for c in wb["汇总"]["A"]}
    assert "waitlist.csv" in wb["汇总"].cell(row=labels["候补名单"], column=3).value


def test_roster_sheet_is_kept(small_result, tmp_path):
    roster = pd.DataFrame(
        {
            "person_hash": ["3f2a9c"],
            "credit_code": ["91220101MA0Y3K7L2G"],
            "application_id": ["A002"],
            "reason_zh": ["同一人员被两家企业申报"],
            "rule": ["duplicate"],
            "source_row": [5],
        }
    )
    result = dataclasses.replace(with_lists(small_result, "csv"), roster_exclusions=roster)
    wb = openpyxl.load_workbook(write_allocation_xlsx(result, tmp_path / "a.xlsx"))
    assert wb.sheetnames == [*SUMMARY_SHEETS, "人员核减"]


def test_no_formula_refers_to_a_missing_sheet(csv_out):
    path = csv_out / "allocation.xlsx"
    names = set(openpyxl.load_workbook(path).sheetnames)
    found = formulas(path)
    assert found  # the 合计 rows and 汇总's own formulas remain
    for sheet, cell, formula in found:
        assert sheets_named(formula) <= names, (sheet, cell, formula)
        assert not any(name in formula for name in ("拟支持名单", "未支持名单", "不符合条件", "候补名单"))
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/"))
    assert "拟支持名单'!" not in xml and "#REF!" not in xml


def test_summary_figures_equal_summary_json(csv_out):
    s = json.loads((csv_out / "summary.json").read_text(encoding="utf-8"))
    path = csv_out / "allocation.xlsx"
    cached = openpyxl.load_workbook(path, data_only=True)["汇总"]
    written = openpyxl.load_workbook(path)["汇总"]
    xl = ExcelCompiler(filename=str(path))
    for key in SUMMARY_KEYS:
        cell = SUMMARY_CELLS[key]
        assert cached[cell].value == s[key], key
        assert xl.evaluate(f"汇总!{cell}") == s[key], key
    for key in (
        "awarded",
        "city_cost",
        "district_cost",
        "applications",
        "eligible",
        "funded",
        "requested_total",
    ):
        assert isinstance(written[SUMMARY_CELLS[key]].value, int), key  # a number, not a formula
    for key in ("available", "carryover_out", "coverage", "check_shares", "check_admin", "check_carryover"):
        assert str(written[SUMMARY_CELLS[key]].value).startswith("="), key  # still recomputes
    assert (xl.evaluate("汇总!B20"), xl.evaluate("汇总!B21"), xl.evaluate("汇总!B22")) == ("一致", "是", "是")
    assert xl.evaluate(f"汇总!{SUMMARY_CELLS['coverage']}") == pytest.approx(
        s["awarded"] / s["requested_total"]
    )


@pytest.mark.parametrize(
    ("sheet", "key", "header", "labels"),
    [("分条款", "item", "事项编号", 3), ("分区", "district", "所在区", 1)],
)
def test_group_figures_equal_allocation_csv(csv_out, sheet, key, header, labels):
    s = json.loads((csv_out / "summary.json").read_text(encoding="utf-8"))
    path = csv_out / "allocation.xlsx"
    rows, total = group_rows(openpyxl.load_workbook(path, data_only=True)[sheet], header)
    assert rows == expected_groups(allocation_csv(csv_out), key)
    want_total = [s["applications"], s["eligible"], s["funded"], s["requested_total"]]
    want_total += [s["awarded"], s["city_cost"], s["district_cost"]]
    assert total == want_total
    ws = openpyxl.load_workbook(path)[sheet]
    xl = ExcelCompiler(filename=str(path))
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "合计"
    for j in range(labels + 1, labels + 1 + len(GROUP_FIGURES)):
        cell = ws.cell(row=last, column=j)
        assert cell.value.startswith("=SUM("), cell.coordinate  # the 合计 row still adds up its rows
        assert xl.evaluate(f"{sheet}!{cell.coordinate}") == want_total[j - labels - 1], cell.coordinate
        assert all(isinstance(ws.cell(row=r, column=j).value, int) for r in range(2, last))


def test_workbook_and_csv_mode_show_the_same_figures(small_result, tmp_path):
    both = {}
    for mode in ("workbook", "csv"):
        path = write_allocation_xlsx(with_lists(small_result, mode), tmp_path / f"{mode}.xlsx")
        wb = openpyxl.load_workbook(path, data_only=True)
        both[mode] = {
            name: [[c.value for c in row] for row in wb[name].iter_rows(min_row=3 if name == "汇总" else 1)]
            for name in ("汇总", "分条款", "分区")
        }
    for name in ("分条款", "分区"):
        assert both["csv"][name] == both["workbook"][name], name
    figures = [row[:2] for row in both["workbook"]["汇总"]]
    assert [row[:2] for row in both["csv"]["汇总"]] == figures  # labels and values; only notes differ


def test_approved_is_the_full_list_either_way(small_result, tmp_path):
    cells = []
    for mode in ("workbook", "csv"):
        wb = openpyxl.load_workbook(
            write_approved_xlsx(with_lists(small_result, mode), tmp_path / f"{mode}.xlsx")
        )
        assert wb.sheetnames == ["拟支持名单"]
        cells.append([[c.value for c in row] for row in wb.worksheets[0].iter_rows()])
    assert cells[0] == cells[1]
    assert len(cells[0]) == 6 + 2  # header, six funded, 合计


def test_reports_say_where_the_lists_are(small_result, tmp_path):
    html = report_html(small_result, tmp_path / "charts")
    assert "明细见 allocation.xlsx" in html
    csv_mode = with_lists(small_result, "csv")
    html = report_html(csv_mode, tmp_path / "charts")
    assert "明细见 allocation.xlsx" not in html
    assert "逐项名单见 allocation.csv" in html and "approved.xlsx" in html

    def texts(result) -> str:
        with rc_context(pdf_rc()):
            fig = report_figure(result)
        try:
            return "".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
        finally:
            plt.close(fig)

    assert "明细见 allocation.xlsx" in texts(small_result)
    assert "逐项名单见 allocation.csv" in texts(csv_mode)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recomputes_the_workbook_without_lists(csv_out, tmp_path):
    """Every cached formula value stripped; LibreOffice's figures on every sheet equal the cached ones."""
    path = csv_out / "allocation.xlsx"
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(info, data)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",  # every sheet
            "--outdir",
            str(tmp_path),
            str(bare),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    cached = openpyxl.load_workbook(path, data_only=True)
    written = openpyxl.load_workbook(path)
    checked = 0
    for name in ("汇总", "分条款", "分区"):
        (exported,) = tmp_path.glob(f"bare-{name}.csv")
        with open(exported, encoding="utf-8") as fh:
            sheet = list(csv.reader(fh))
        for row in written[name].iter_rows():
            for c in row:
                if c.data_type == "f":
                    got = sheet[c.row - 1][c.column - 1]
                    want = cached[name][c.coordinate].value
                    if isinstance(want, str):
                        assert got == want, (name, c.coordinate)
                    elif got.endswith("%"):  # a ratio comes out as shown
                        assert float(got[:-1]) / 100 == pytest.approx(want), (name, c.coordinate)
                    else:
                        assert float(got) == pytest.approx(want), (name, c.coordinate)
                    checked += 1
    assert checked >= 7 + 7 + 7  # 汇总's own formulas, both 合计 rows


# ---------------------------------------------------------------- the forked writer
@pytest.fixture
def parallel(monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the forked writer runs on Linux only")
    monkeypatch.setattr(outputs, "PARALLEL_FROM", 0)
    monkeypatch.setattr(outputs, "can_fork", lambda: True)
    yield
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_forked_writer_gives_the_same_files_in_csv_mode(csv_result, tmp_path, monkeypatch, parallel):
    with monkeypatch.context() as serially:
        serially.setattr(outputs, "can_fork", lambda: False)
        serial = write_outputs(csv_result, tmp_path / "serial")
    parent = os.getpid()
    pids = {}
    for name in ("write_allocation_xlsx", "write_approved_xlsx"):
        real = getattr(outputs, name)

        def recording(result, path, real=real):
            (tmp_path / f"{path.name}.pid").write_text(str(os.getpid()))
            return real(result, path)

        monkeypatch.setattr(outputs, name, recording)
    forked = write_outputs(csv_result, tmp_path / "parallel")
    pids = {
        name: int((tmp_path / f"{name}.pid").read_text()) for name in ("allocation.xlsx", "approved.xlsx")
    }
    assert pids["allocation.xlsx"] == parent and pids["approved.xlsx"] != parent  # the big one in the child
    assert [p.name for p in forked] == [p.name for p in serial]  # same files, same order
    assert forked[0].name == "allocation.xlsx" and forked[1].name == "approved.xlsx"
    for a, b in zip(serial, forked, strict=True):
        if a.suffix == ".xlsx":
            wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
            assert wa.sheetnames == wb.sheetnames, a.name
            for ws in wa.worksheets:
                got = [[c.value for c in row] for row in wb[ws.title].iter_rows()]
                assert [[c.value for c in row] for row in ws.iter_rows()] == got, (a.name, ws.title)
        else:
            assert a.read_bytes() == b.read_bytes(), a.name
    assert openpyxl.load_workbook(forked[0]).sheetnames == list(SUMMARY_SHEETS)


def test_forked_approved_error_is_raised(csv_result, tmp_path, monkeypatch, parallel):
    def broken(result, path):
        raise OutputError("无法写出 approved.xlsx：磁盘已满", "cannot write approved.xlsx: disk full")

    monkeypatch.setattr(outputs, "write_approved_xlsx", broken)
    with pytest.raises(OutputError, match="approved.xlsx：磁盘已满"):
        write_outputs(csv_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_when_both_fail_allocation_xlsx_s_error_wins(csv_result, tmp_path, monkeypatch, parallel):
    """As in the serial order: allocation.xlsx (here) comes before approved.xlsx (the child)."""

    def first(result, path):
        raise OutputError("第一个", "first")

    def second(result, path):
        raise RuntimeError("second")

    monkeypatch.setattr(outputs, "write_allocation_xlsx", first)
    monkeypatch.setattr(outputs, "write_approved_xlsx", second)
    with pytest.raises(OutputError, match="第一个"):
        write_outputs(csv_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_when_both_fail_the_child_s_error_beats_a_later_writer(csv_result, tmp_path, monkeypatch, parallel):
    def child(result, path):
        raise OutputError("子进程", "child")

    def later(*args, **kwargs):
        raise RuntimeError("later")

    monkeypatch.setattr(outputs, "write_approved_xlsx", child)
    monkeypatch.setattr(outputs, "write_summary_json", later)
    with pytest.raises(OutputError, match="子进程"):
        write_outputs(csv_result, tmp_path / "out")


def test_a_failure_here_stops_the_child(csv_result, tmp_path, monkeypatch, parallel):
    import time

    def slow(result, path):
        time.sleep(60)

    def first(result, path):
        raise OutputError("第一个", "first")

    monkeypatch.setattr(outputs, "write_approved_xlsx", slow)
    monkeypatch.setattr(outputs, "write_allocation_xlsx", first)
    started = time.monotonic()
    with pytest.raises(OutputError, match="第一个"):
        write_outputs(csv_result, tmp_path / "out")
    assert time.monotonic() - started < 10  # stopped, not waited for
