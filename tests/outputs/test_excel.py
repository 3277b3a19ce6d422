"""allocation.xlsx and approved.xlsx, read back with openpyxl and recomputed independently with pycel."""

from __future__ import annotations

import dataclasses
import re
import zipfile

import openpyxl
import pytest
from pycel import ExcelCompiler

from allocator.core.errors import OutputError
from allocator.outputs.excel import (
    FUNDED_COLUMNS,
    INELIGIBLE_COLUMNS,
    SHEETS,
    SUMMARY_CELLS,
    UNFUNDED_COLUMNS,
    write_allocation_xlsx,
    write_approved_xlsx,
)
from tests.conftest import DASH_REASON, DIGIT_CODE, EVIL_APPLICANT, build_result

FUNDED_IDS = ["A001", "A002", "A003", "A004", "A007", "A008"]


@pytest.fixture
def allocation(small_result, tmp_path):
    return write_allocation_xlsx(small_result, tmp_path / "allocation.xlsx")


@pytest.fixture
def approved(small_result, tmp_path):
    return write_approved_xlsx(small_result, tmp_path / "approved.xlsx")


def column(ws, header: str) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def data_rows(ws) -> list[tuple]:
    """Rows under the header up to (not including) 合计."""
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == "合计":
            break
        out.append(row)
    return out


def test_sheets_in_order_with_headers(allocation):
    wb = openpyxl.load_workbook(allocation)
    assert wb.sheetnames == list(SHEETS)
    assert wb.sheetnames == [
        "汇总",
        "拟支持名单",
        "未支持名单",
        "不符合条件",
        "分条款",
        "分区",
        "候补名单",
        "监管台账",
        "参数",
    ]
    assert [c.value for c in wb["拟支持名单"][1]] == [c.header for c in FUNDED_COLUMNS]
    assert [c.value for c in wb["未支持名单"][1]] == [c.header for c in UNFUNDED_COLUMNS]
    assert [c.value for c in wb["不符合条件"][1]] == [c.header for c in INELIGIBLE_COLUMNS]


def test_lists_partition_the_applications(allocation):
    wb = openpyxl.load_workbook(allocation)
    assert [r[1] for r in data_rows(wb["拟支持名单"])] == FUNDED_IDS
    assert [r[1] for r in data_rows(wb["未支持名单"])] == ["A005"]
    (inel,) = data_rows(wb["不符合条件"])
    ws = wb["不符合条件"]
    assert inel[1] == "A006"
    assert inel[column(ws, "未满足条件") - 1] == "注册资本2000万元以上"
    assert inel[column(ws, "来源") - 1] == "申报表 第7行"
    funded = wb["拟支持名单"]
    a004 = data_rows(funded)[3]
    assert a004[column(funded, "状态") - 1] == "部分支持"
    assert a004[column(funded, "拟支持金额（元）") - 1] == 500_000
    assert a004[column(funded, "政策上限（元）") - 1] == 1_000_000


def test_credit_code_is_text(allocation, approved):
    for path in (allocation, approved):
        ws = openpyxl.load_workbook(path)["拟支持名单"]
        col = column(ws, "统一社会信用代码")
        cell = ws.cell(row=3, column=col)  # A002, all digits
        assert cell.value == DIGIT_CODE
        assert cell.data_type == "s"
        assert cell.number_format == "@"


def test_money_format_freeze_filter_print(allocation):
    wb = openpyxl.load_workbook(allocation)
    ws = wb["拟支持名单"]
    assert ws.cell(row=2, column=column(ws, "拟支持金额（元）")).number_format == "#,##0"
    assert ws.freeze_panes == "D2"
    assert (
        ws.auto_filter.ref == "A1:Q7"
    )  # header and data (to 批次 and the hidden 合计上限组), not the 合计 row
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the XML
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert "&A" in ws.oddHeader.right.text
    for name in ("未支持名单", "不符合条件", "分条款", "分区"):
        assert wb[name].freeze_panes is not None and wb[name].auto_filter.ref


def test_totals_are_formulas(allocation):
    wb = openpyxl.load_workbook(allocation)
    s = wb["汇总"]
    assert s["A10"].value == "拟支持金额合计"
    assert s[SUMMARY_CELLS["awarded"]].value == "=SUM('拟支持名单'!K2:K7)"
    assert s[SUMMARY_CELLS["city_cost"]].value == "=SUM('拟支持名单'!L2:L7)"
    assert s[SUMMARY_CELLS["district_cost"]].value == "=SUM('拟支持名单'!M2:M7)"
    assert s[SUMMARY_CELLS["carryover_out"]].value == "=B6-B11-B9"
    assert s[SUMMARY_CELLS["funded"]].value.startswith("=COUNTA(")
    total = wb["拟支持名单"][8]
    assert total[0].value == "合计"
    assert total[10].value == "=SUM(K2:K7)"
    assert all(str(c.value).startswith(("=COUNTIF", "=SUMIF")) for c in wb["分条款"][2][3:])
    for name in ("汇总", "拟支持名单", "分条款", "分区"):
        text = str([[c.value for c in row] for row in wb[name].iter_rows()])
        assert "[#" not in text and "@" not in text  # no structured refs, no implicit intersection


def test_pycel_recomputes_summary_exactly(allocation, small_result):
    s = small_result.summary
    xl = ExcelCompiler(filename=str(allocation))

    def ev(key: str):
        return xl.evaluate(f"汇总!{SUMMARY_CELLS[key]}")

    for key in (
        "annual_fund",
        "carryover_in",
        "available",
        "admin",
        "awarded",
        "city_cost",
        "district_cost",
        "carryover_out",
        "applications",
        "funded",
        "eligible",
        "requested_total",
        "admin_planned",
        "admin_limit",
    ):
        assert ev(key) == getattr(s, key), key
    assert ev("coverage") == pytest.approx(4_710_000 / 5_290_000)
    assert (ev("check_shares"), ev("check_admin"), ev("check_carryover")) == ("一致", "是", "是")
    assert ev("carryover_out") == ev("available") - ev("city_cost") - ev("admin") == 19_200


def test_cached_values_equal_recomputed(allocation):
    """A viewer that does not recalculate shows the same numbers Excel would."""
    cached = openpyxl.load_workbook(allocation, data_only=True)
    xl = ExcelCompiler(filename=str(allocation))
    formulas = openpyxl.load_workbook(allocation)
    checked = 0
    for name in ("汇总", "拟支持名单", "未支持名单", "分条款", "分区"):
        for row in formulas[name].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    want = xl.evaluate(f"{name}!{cell.coordinate}")
                    got = cached[name][cell.coordinate].value
                    assert got == pytest.approx(want), (name, cell.coordinate)
                    checked += 1
    assert checked > 150


def test_pycel_by_item_and_district(allocation, small_result):
    t = small_result.table
    xl = ExcelCompiler(filename=str(allocation))
    wb = openpyxl.load_workbook(allocation)
    ws = wb["分条款"]
    seen = 0
    for r in range(2, ws.max_row):
        item = ws.cell(row=r, column=2).value
        rows = t[t["item"] == item]
        eligible = rows[rows["eligible"]]
        want = [
            len(rows),
            len(eligible),
            int((rows["award"] > 0).sum()),
            int(eligible["cap"].sum()),
            int(rows["award"].sum()),
            int(rows["city_cost"].sum()),
            int(rows["district_cost"].sum()),
        ]
        got = [xl.evaluate(f"分条款!{c}{r}") for c in "DEFGHIJ"]
        assert got == want, item
        seen += len(rows)
    assert seen == 8
    assert ws.cell(row=ws.max_row, column=1).value == "合计"
    assert xl.evaluate(f"分条款!H{ws.max_row}") == 4_710_000
    assert xl.evaluate(f"分条款!G{ws.max_row}") == 5_290_000
    d = wb["分区"]
    got = {d.cell(row=r, column=1).value: [xl.evaluate(f"分区!{c}{r}") for c in "BCDEFGH"] for r in (2, 3)}
    assert got == {
        "朝阳区": [4, 4, 3, 3_940_000, 3_860_000, 2_360_000, 1_500_000],
        "高新区": [4, 3, 3, 1_350_000, 850_000, 850_000, 0],
    }
    assert [xl.evaluate(f"分区!{c}4") for c in "BDFGH"] == [8, 6, 4_710_000, 3_210_000, 1_500_000]


def test_text_starting_with_formula_characters_stays_text(allocation, approved):
    for path in (allocation, approved):
        ws = openpyxl.load_workbook(path)["拟支持名单"]
        row = [r for r in ws.iter_rows(min_row=2) if r[1].value == "A007"][0]
        assert row[column(ws, "申报单位") - 1].value == EVIL_APPLICANT
        assert row[column(ws, "申报单位") - 1].data_type == "s"
        assert row[column(ws, "说明") - 1].value == DASH_REASON
        with zipfile.ZipFile(path) as z:
            xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
        formulas = re.findall(r"<f>(.*?)</f>", xml)
        assert formulas and not any("SUM(A1)" in f or "按条款" in f for f in formulas)


def test_approved_holds_exactly_the_funded(approved, small_result):
    wb = openpyxl.load_workbook(approved)
    assert wb.sheetnames == ["拟支持名单"]
    ws = wb["拟支持名单"]
    assert [c.value for c in ws[1]] == [c.header for c in FUNDED_COLUMNS]
    assert [r[1] for r in data_rows(ws)] == FUNDED_IDS
    assert sorted(small_result.funded["application_id"]) == FUNDED_IDS
    xl = ExcelCompiler(filename=str(approved))
    assert xl.evaluate("拟支持名单!K8") == small_result.summary.awarded
    assert xl.evaluate("拟支持名单!L8") == small_result.summary.city_cost
    assert xl.evaluate("拟支持名单!M8") == small_result.summary.district_cost
    assert xl.evaluate("拟支持名单!C8") == 6


def test_empty_lists_keep_formulas_valid(tmp_path):
    """No unfunded and no ineligible applications: the lists are empty, the totals still add up."""
    base = build_result()
    table = base.table[~base.table["application_id"].isin(["A005", "A006"])].reset_index(drop=True)
    s = dataclasses.replace(base.summary, applications=6, eligible=6, requested_total=5_210_000)
    result = dataclasses.replace(base, table=table, summary=s)
    path = write_allocation_xlsx(result, tmp_path / "allocation.xlsx")
    xl = ExcelCompiler(filename=str(path))
    for key, want in {
        "applications": 6,
        "eligible": 6,
        "funded": 6,
        "awarded": 4_710_000,
        "requested_total": 5_210_000,
        "carryover_out": 19_200,
    }.items():
        assert xl.evaluate(f"汇总!{SUMMARY_CELLS[key]}") == want, key
    wb = openpyxl.load_workbook(path)
    assert wb["未支持名单"]["C2"].value == "（无）"
    assert wb["未支持名单"]["A3"].value == "合计"


def test_inconsistent_summary_is_refused(small_result, tmp_path):
    bad = dataclasses.replace(small_result, summary=dataclasses.replace(small_result.summary, awarded=1))
    with pytest.raises(OutputError, match="awarded"):
        write_allocation_xlsx(bad, tmp_path / "allocation.xlsx")
    assert not (tmp_path / "allocation.xlsx").exists()


def test_params_sheet(allocation):
    ws = openpyxl.load_workbook(allocation)["参数"]
    values = {row[0]: row[1:] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert values["方案名称"][0] == "2017 年度测试方案"
    assert values["政策编号"][0] == "changchun-2017"
    assert values["申报文件 SHA-256"][0] == "ab" * 32
    assert values["管理费用上限（元）"][0] == 30_000
    expo = [k for k in values if "c10-expo" in k]
    assert len(expo) == 1 and values[expo[0]][0] == 0.5
    assert expo[0].startswith("参加展会展位费、布展费补助（条款十；c10-expo）：")  # the item by name first
    assert values[expo[0]][1].startswith("假设（非政策规定）") and "展位费" in values[expo[0]][1]
    assert values["求解器"] == ("HiGHS", "1.7.2")
    assert values["versions.pulp"][0] == "2.8.0"
    assert values["生成时间"][0] == "2017-09-01 10:00（北京时间）"  # for people, in Beijing time
    assert values["generated_at"][0] == "2017-09-01 10:00（北京时间）"
    assert values["求解状态"][0] == "已证明最优"  # not the solver's English word
