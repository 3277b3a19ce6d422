"""候补名单 and 监管台账 in allocation.xlsx, waitlist.csv, and the batch figures in 汇总, 参数 and summary.json."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
from pycel import ExcelCompiler

from allocator.core.errors import OutputError
from allocator.core.result import WAITLIST_COLUMNS
from allocator.outputs import write_outputs
from allocator.outputs.excel import LEDGER_HEADERS, SHEETS, WAITLIST_HEADERS, write_allocation_xlsx
from allocator.outputs.tables import summary_dict, write_waitlist_csv
from allocator.outputs.xlsx_params import param_rows
from allocator.outputs.xlsx_rule_rows import batch_rows
from allocator.outputs.xlsx_summary import BATCH_SECTION, SUMMARY_CELLS
from tests.conftest import DIGIT_CODE, LEDGER_UNTIL, SCRIPT_APPLICANT, build_waitlist


@pytest.fixture
def batch_book(batch_result, tmp_path):
    return write_allocation_xlsx(batch_result, tmp_path / "allocation.xlsx")


def headers(ws) -> list:
    return [c.value for c in ws[1]]


def test_sheet_order():
    assert SHEETS == (
        "汇总",
        "拟支持名单",
        "未支持名单",
        "不符合条件",
        "分条款",
        "分区",
        "候补名单",
        "监管台账",
        "参数",
    )


def test_waitlist_sheet(batch_book):
    ws = openpyxl.load_workbook(batch_book)["候补名单"]
    assert headers(ws) == [c.header for c in WAITLIST_HEADERS]
    assert headers(ws)[:5] == ["排名", "申报编号", "申报单位", "支持事项", "所在区"]
    rows = [r for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert rows == [
        (
            1,
            "A004",
            "北方外包服务股份有限公司",
            "创新型项目补助",
            "高新区",
            1_000_000,
            500_000,
            500_000,
            500_000,
            500_000,
            500_000,
        ),
        (
            2,
            "A005",
            SCRIPT_APPLICANT,
            "新录用员工培训补助",
            "朝阳区",
            80_000,
            0,
            80_000,
            80_000,
            80_000,
            580_000,
        ),
    ]
    for col in range(6, 12):
        assert ws.cell(row=2, column=col).number_format == "#,##0"
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == "A1:K3"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    note = ws.cell(row=5, column=1).value
    assert note.startswith("注：条款（二十）") and "累计所需市级资金" in note


def test_ledger_sheet(batch_book):
    wb = openpyxl.load_workbook(batch_book)
    ws = wb["监管台账"]
    assert headers(ws) == [c.header for c in LEDGER_HEADERS]
    assert headers(ws)[1:] == [
        "申报编号",
        "申报单位",
        "统一社会信用代码",
        "所在区",
        "购买自建面积（平方米）",
        "拟支持金额（元）",
        "批准日期",
        "不得转让截止日期",
        "条款",
        "说明",
    ]
    row = [c for c in ws[2]]
    code = row[3]
    assert (code.value, code.data_type, code.number_format) == (DIGIT_CODE, "s", "@")
    assert row[5].value == 6_000.5 and row[5].number_format == "#,##0.00"
    assert row[6].value == 3_000_000 and row[6].number_format == "#,##0"
    assert row[7].value == dt.datetime(2017, 12, 31) and row[7].number_format == "yyyy-mm-dd"
    assert row[8].value == dt.datetime.fromisoformat(LEDGER_UNTIL)
    assert (row[9].value, row[10].value) == ("四", "自用未满3年的不得转让出售和出租")
    total = [c.value for c in ws[3]]
    assert total[0] == "合计" and total[6] == "=SUM(G2:G2)"
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref == "A1:K2"
    note = ws.cell(row=5, column=1).value
    assert "条款（四）" in note and "自用未满3年的不得转让出售和出租" in note
    xl = ExcelCompiler(filename=str(batch_book))
    assert xl.evaluate("监管台账!G3") == 3_000_000
    assert xl.evaluate("监管台账!F3") == pytest.approx(6_000.5)


def test_empty_registers_say_none(small_result, tmp_path):
    wb = openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "a.xlsx"))
    for name, header in (("候补名单", WAITLIST_HEADERS), ("监管台账", LEDGER_HEADERS)):
        ws = wb[name]
        assert headers(ws) == [c.header for c in header]
        assert ws.cell(row=2, column=3).value == "（无）"
        assert ws.cell(row=2, column=2).value is None
    empty = dataclasses.replace(small_result, waitlist=build_waitlist().iloc[0:0])
    ws = openpyxl.load_workbook(write_allocation_xlsx(empty, tmp_path / "b.xlsx"))["候补名单"]
    assert ws.cell(row=2, column=3).value == "（无）"


def test_summary_batch_block(batch_book, small_result, tmp_path):
    ws = openpyxl.load_workbook(batch_book)["汇总"]
    labels = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    assert BATCH_SECTION in labels
    assert labels[BATCH_SECTION] > labels["分配规则与求解"]
    assert ws.cell(row=labels["预留后续批次资金"], column=2).value == 10_000
    assert ws.cell(row=labels["预留后续批次资金"], column=2).number_format == "#,##0"
    assert ws.cell(row=labels["本批次"], column=2).value == 2
    assert ws.cell(row=labels["上年承诺（租房补助第2年）"], column=2).value == 50_000
    assert ws.cell(row=labels["候补名单"], column=2).value == 2
    assert ws.cell(row=labels["监管台账（购买、自建办公用房）"], column=2).value == 1
    # the fixed cells did not move
    assert ws[SUMMARY_CELLS["carryover_out"]].value == "=B6-B11-B9"
    assert ws["A13"].value == "结转下年"
    assert batch_rows(small_result) == []
    plain = openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "p.xlsx"))["汇总"]
    assert BATCH_SECTION not in [c.value for c in plain["A"]]


def test_reserve_alone_shows_batch(small_result):
    result = dataclasses.replace(
        small_result, summary=dataclasses.replace(small_result.summary, reserve=5_000)
    )
    assert [r[0] for r in batch_rows(result)] == ["本批次", "预留后续批次资金"]
    owed = dataclasses.replace(
        small_result, summary=dataclasses.replace(small_result.summary, commitments_in=1)
    )
    assert [r[0] for r in batch_rows(owed)] == ["上年承诺（租房补助第2年）"]


def test_params_show_batch(batch_result):
    labels = {r[0]: r[1] for r in param_rows(batch_result)}
    assert labels["批次"] == "第 2 批"
    assert labels["预留后续批次资金（元）"] == 10_000
    assert labels["上年承诺（租房补助第2年）（元）"] == 50_000


def test_summary_json_batch_and_waitlist(batch_result, small_result):
    data = summary_dict(batch_result)
    assert (data["reserve"], data["batch"], data["commitments_in"]) == (10_000, 2, 50_000)
    assert data["waitlist_total"] == 2 and data["ledger_total"] == 1
    assert data["waitlist"][0] == {
        "rank": 1,
        "application_id": "A004",
        "applicant": "北方外包服务股份有限公司",
        "item": "c15-innovation",
        "item_name": "创新型项目补助",
        "district": "高新区",
        "cap": 1_000_000,
        "award": 500_000,
        "shortfall": 500_000,
        "next_award": 500_000,
        "next_city_cost": 500_000,
        "cumulative_city_cost": 500_000,
    }
    assert data["waitlist"][1]["cumulative_city_cost"] == 580_000
    json.dumps(data, ensure_ascii=False)
    plain = summary_dict(small_result)
    assert (plain["reserve"], plain["batch"], plain["commitments_in"]) == (0, 1, 0)
    assert (plain["waitlist"], plain["waitlist_total"]) == ([], 0)


def test_summary_json_lists_the_first_fifty(batch_result):
    rows = []
    for k in range(1, 61):
        rows.append({**build_waitlist().iloc[1].to_dict(), "rank": k, "application_id": f"W{k:03d}"})
    long = dataclasses.replace(batch_result, waitlist=pd.DataFrame(rows, columns=list(WAITLIST_COLUMNS)))
    data = summary_dict(long)
    assert data["waitlist_total"] == 60
    assert [r["rank"] for r in data["waitlist"]] == list(range(1, 51))


def test_waitlist_csv(batch_result, small_result, tmp_path):
    path = write_waitlist_csv(batch_result, tmp_path / "waitlist.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(raw[3:].decode("utf-8").splitlines()))
    assert tuple(rows[0]) == WAITLIST_COLUMNS
    assert rows[1] == [
        "1",
        "A004",
        "北方外包服务股份有限公司",
        "c15-innovation",
        "创新型项目补助",
        "高新区",
        "1000000",
        "500000",
        "500000",
        "500000",
        "500000",
        "500000",
    ]
    assert rows[2][1:3] == ["A005", SCRIPT_APPLICANT] and rows[2][-1] == "580000"
    empty = write_waitlist_csv(small_result, tmp_path / "empty.csv")
    assert empty.read_bytes()[3:].decode("utf-8").splitlines() == [",".join(WAITLIST_COLUMNS)]


def test_write_outputs_writes_waitlist_csv(batch_result, tmp_path):
    out = tmp_path / "out"
    paths = write_outputs(batch_result, out)
    assert out / "waitlist.csv" in paths
    assert (out / "waitlist.csv").read_text(encoding="utf-8-sig").count("\n") == 3
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["waitlist_total"] == 2


def test_waitlist_missing_columns_is_refused(batch_result, tmp_path):
    bad = dataclasses.replace(batch_result, waitlist=build_waitlist().drop(columns=["next_city_cost"]))
    with pytest.raises(OutputError, match="next_city_cost"):
        write_allocation_xlsx(bad, tmp_path / "a.xlsx")
