import os

import openpyxl
import pytest

from allocator.authoring.template import (
    DATA_SHEET,
    GUIDE_SHEET,
    LAST_ROW,
    OPTIONS_SHEET,
    users_of,
    write_template,
)
from allocator.core.errors import InputError, OutputError
from allocator.intake.read import read_applications
from allocator.policy.fields import FIELDS
from allocator.policy.pack import load_policy

POLICY = load_policy("changchun-2017")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    write_template(path, POLICY)
    return path


def column(key):
    return next(i for i, f in enumerate(FIELDS) if f.key == key)


def letter(key):
    return openpyxl.utils.get_column_letter(column(key) + 1)


def test_sheets_and_headers(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [GUIDE_SHEET, DATA_SHEET, "人员名单", OPTIONS_SHEET]  # 人员名单: optional (十三)
    assert wb[OPTIONS_SHEET].sheet_state == "hidden" and wb[DATA_SHEET].sheet_state == "visible"
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == [f.header for f in FIELDS]
    assert ws.freeze_panes == "C2"
    assert ws.max_row == 1
    assert ws.column_dimensions[letter("credit_code")].width >= 18
    options = wb[OPTIONS_SHEET]
    assert [options.cell(i + 2, 1).value for i in range(len(POLICY.items))] == [
        it.name for it in POLICY.items
    ]
    assert [options.cell(i + 2, 2).value for i in range(len(POLICY.items))] == [it.id for it in POLICY.items]


def test_data_validations(template):
    ws = openpyxl.load_workbook(template)[DATA_SHEET]
    by_column = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation
    }
    item = by_column[letter("item")]
    assert item.type == "list" and item.formula1 == f"'{OPTIONS_SHEET}'!$A$2:$A${len(POLICY.items) + 1}"
    assert str(item.sqref) == f"{letter('item')}2:{letter('item')}{LAST_ROW}"
    assert item.prompt and item.showInputMessage
    for key in ("certified", "has_property_cert", "in_park", "fully_supported"):
        dv = by_column[letter(key)]
        assert dv.type == "list" and dv.formula1 == '"是,否"'
    code = by_column[letter("credit_code")]
    assert code.type == "textLength" and code.formula1 == "18"
    months = by_column[letter("rent_months")]
    assert (months.type, months.formula1, months.formula2) == ("whole", "0", "12")
    score = by_column[letter("score")]
    assert (score.type, score.formula1, score.formula2) == ("decimal", "0", "100")
    assert by_column[letter("employees")].type == "whole"
    assert by_column[letter("registered_capital")].operator == "greaterThanOrEqual"
    assert letter("applicant") not in by_column


def test_instructions(template):
    ws = openpyxl.load_workbook(template)[GUIDE_SHEET]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    assert "万元" in text and "是 或 否" in text and "Y/N" in text
    for f in FIELDS:
        assert f.header in text and f.key in text
    for it in POLICY.items:
        assert it.id in text and it.name in text and it.clause_label in text
    assert "c04-buy 购买、自建办公用房补助" in text  # who uses 注册资本
    assert "注册资本2000万元以上" in text


def test_users_of():
    users = users_of(POLICY)
    assert users["registered_capital"] == ["c04-buy", "c07-global", "c07-domestic"]
    assert users["expo_fee"] == ["c10-expo"] and users["application_id"] == []


def test_round_trip(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[DATA_SHEET]
    rows = [
        {
            "application_id": "A0001",
            "applicant": "长春甲信息技术有限公司",
            "credit_code": "91350100M000100Y43",
            "district": "高新区",
            "item": "购买、自建办公用房补助",
            "requested": 1_000_000,
            "certified": "是",
            "registered_capital": 20_000_000,
            "purchase_area_m2": 2500,
            "has_property_cert": "是",
            "has_land_cert": "否",
        },
        {
            "application_id": "A0002",
            "applicant": "长春乙软件有限公司",
            "credit_code": "91220101MA14X0AB18",
            "district": "净月区",
            "item": "租赁办公用房补助",
            "rent_area_m2": 800,
            "rent_months": 12,
            "in_park": "是",
            "score": 90,
        },
    ]
    for r, row in enumerate(rows, 2):
        for key, value in row.items():
            ws.cell(r, column(key) + 1, value)
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    apps = read_applications(path, POLICY)
    df = apps.frame
    assert apps.sheets == (DATA_SHEET,)
    assert df["item"].tolist() == ["c04-buy", "c04-rent"]
    assert df.loc[0, ["registered_capital", "purchase_area_m2", "has_land_cert"]].tolist() == [2e7, 2500, 0]
    assert df.loc[1, ["rent_area_m2", "rent_months", "in_park", "score"]].tolist() == [800, 12, 1, 90]


def test_empty_template_reads_as_no_rows(template):
    with pytest.raises(InputError, match="没有申报数据行"):
        read_applications(template, POLICY)


def test_unwritable_path(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match="在文件.*之下"):
        write_template(tmp_path / "a-file" / "t.xlsx", POLICY)
    write_template(tmp_path / "new-dir" / "t.xlsx", POLICY)  # a missing folder is made, as for run --out
    assert os.listdir(tmp_path / "new-dir") == ["t.xlsx"]


def test_pack_fields_and_regions(tmp_path):
    hlj = load_policy("heilongjiang-2008")
    path = tmp_path / "hlj.xlsx"
    write_template(path, hlj)
    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [f.header for f in hlj.fields] and len(headers) > len(FIELDS)

    def col(key):
        return openpyxl.utils.get_column_letter(headers.index(hlj.field(key).header) + 1)

    by_column = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation
    }
    for key in ("intl_certified", "in_demo_zone", "famous_enterprise"):
        assert by_column[col(key)].type == "list" and by_column[col(key)].formula1 == '"是,否"'
    for key in ("premises_cost", "annual_rent", "patent_fee"):
        dv = by_column[col(key)]
        assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    district = by_column[col("district")]
    assert district.type == "list" and district.errorStyle == "warning"
    assert district.formula1 == f"'{OPTIONS_SHEET}'!$D$2:$D${len(hlj.regions) + 1}"
    options = wb[OPTIONS_SHEET]
    assert [options.cell(i + 2, 4).value for i in range(len(hlj.regions))] == list(hlj.regions)
    guide = "\n".join(
        str(v) for row in wb[GUIDE_SHEET].iter_rows(values_only=True) for v in row if v is not None
    )
    for f in hlj.extra_fields:
        assert f.header in guide and f.key in guide
    assert "h05-cert 国际资质认证补贴" in guide and "市级配套资金" in guide and "哈尔滨市" in guide
    assert users_of(hlj)["patent_fee"] == ["h18-patent"]

    values = {"application_id": "A0001", "applicant": "哈尔滨甲软件有限公司", "district": "大庆市"}
    values |= {"credit_code": "91350100M000100Y43", "item": "专利申请及检索费用补贴", "patent_fee": 80_000}
    for key, value in values.items():
        ws.cell(2, headers.index(hlj.field(key).header) + 1, value)
    wb.save(tmp_path / "filled.xlsx")
    df = read_applications(tmp_path / "filled.xlsx", hlj).frame
    assert df.loc[0, ["item", "district", "patent_fee"]].tolist() == ["h18-patent", "大庆市", 80_000]


def test_changchun_template_unchanged_by_pack_fields(template):
    ws = openpyxl.load_workbook(template)[DATA_SHEET]
    assert ws.max_column == len(FIELDS) == len(POLICY.fields)


def test_pack_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    import dataclasses

    policy = dataclasses.replace(POLICY, regions=("=1+1", "+SUM(A1)", *POLICY.regions))
    path = tmp_path / "template.xlsx"
    write_template(path, policy)
    ws = openpyxl.load_workbook(path)[OPTIONS_SHEET]
    cells = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells["=1+1"] == "s" and cells["+SUM(A1)"] == "s"


def test_clause_six_seven_eight_columns(template):
    """The columns for clauses 六 (sub-platform), 七 (top-100 lists, newly settled) and 八 (spin-off):
    Chinese headers, 是/否 drop-downs for the yes/no ones, a free text column for the sub-platform."""
    wb = openpyxl.load_workbook(template)
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    by_column = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation
    }
    expected = {
        "global_top100": "全球百强企业",
        "domestic_top100": "国内100强企业",
        "newly_settled": "新入驻并在长春设立独立法人",
        "state_owned_spinoff": "国有大型企业或机构剥离设立",
    }
    for key, header in expected.items():
        assert headers[column(key)] == header
        dv = by_column[letter(key)]
        assert dv.type == "list" and dv.formula1 == '"是,否"', key
        assert str(dv.sqref) == f"{letter(key)}2:{letter(key)}{LAST_ROW}"
    assert headers[column("platform_name")] == "子平台名称"
    assert letter("platform_name") not in by_column  # free text
    assert ws.column_dimensions[letter("platform_name")].number_format == "@"  # a text column
    users = users_of(POLICY)
    assert users["global_top100"] == ["c07-global", "c07-other"]
    assert users["domestic_top100"] == ["c07-domestic", "c07-other"]
    assert users["newly_settled"] == ["c07-global", "c07-other"]
    assert users["state_owned_spinoff"] == ["c08-spinoff"]
    assert users["platform_name"] == ["c06-platform"]  # the sub-platform's cap is counted by it
    assert "c13-hire" in users["certified"] and "c13-train" in users["certified"]
    guide = [row for row in wb[GUIDE_SHEET].iter_rows(values_only=True)]
    row = next(r for r in guide if r[1] == "platform_name")
    assert "c06-platform" in row[6] and "200万元" in row[2] and "子平台名称" in row[2]
    c06 = next(r for r in guide if r[0] == "c06-platform")
    assert "子平台名称" in c06[3] and "平台开发投入" in c06[3]


def test_clause_seven_columns_read_back(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[DATA_SHEET]
    row = {
        "application_id": "A0001",
        "applicant": "艾克森软件（长春）有限公司",
        "credit_code": "91350100M000100Y43",
        "district": "高新区",
        "item": "引进全球百强企业支持",
        "global_top100": "是",
        "newly_settled": "否",
        "independent_entity": "是",
        "registered_capital": 30_000_000,
        "employees": 150,
        "offshore_usd": 6_000_000,
    }
    for key, value in row.items():
        ws.cell(2, column(key) + 1, value)
    wb.save(tmp_path / "filled.xlsx")
    df = read_applications(tmp_path / "filled.xlsx", POLICY).frame
    assert df.loc[0, ["item", "global_top100", "newly_settled"]].tolist() == ["c07-global", 1.0, 0.0]


def test_the_roster_sheet_says_how_to_write_contract_dates(tmp_path):
    """十三: the optional 人员名单 has the roster's headers, whose hints say the end is the last day; the
    template with it still reads back without problems, and a Heilongjiang template has no such sheet."""
    import openpyxl

    from allocator.intake.roster_read import HEADERS_ZH

    out = tmp_path / "t.xlsx"
    write_template(out, load_policy("changchun-2017"))
    wb = openpyxl.load_workbook(out)
    heads = [c.value for c in wb["人员名单"][1]]
    assert heads == list(HEADERS_ZH)
    assert "合同结束日期（最后一日，年-月-日）" in heads
    guide = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "2017-03-01 至 2018-02-28 为1年" in guide
    hlj = tmp_path / "h.xlsx"
    write_template(hlj, load_policy("heilongjiang-2008"))
    assert "人员名单" not in openpyxl.load_workbook(hlj).sheetnames
