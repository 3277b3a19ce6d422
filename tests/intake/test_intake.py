import doctest
import math

import numpy as np
import openpyxl
import pytest

from allocator.core.errors import InputError
from allocator.intake import read as intake
from allocator.intake.read import item_fields, read_applications, validate_file
from allocator.policy.fields import FIELDS, SOURCE_ROW, SOURCE_SHEET
from allocator.policy.pack import load_policy

POLICY = load_policy("changchun-2017")
C1, C2, C3 = "91350100M000100Y43", "91220101MA14X0AB18", "91110108551385082Q"
ZH = ["申报编号", "申报单位", "统一社会信用代码", "所在区", "支持事项", "申请金额（元）"]
EN = ["application_id", "applicant", "credit_code", "district", "item", "requested"]


def book(tmp_path, sheets, name="apps.xlsx", hidden=()):
    """Write ``{sheet name: rows}`` with openpyxl and return the path."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    path = tmp_path / name
    wb.save(path)
    return path


def problems_of(path):
    with pytest.raises(InputError) as info:
        read_applications(path, POLICY)
    return info.value.problems


def where(p):
    return (p.sheet, p.row, p.column, p.value)


def test_chinese_headers_and_frame_contract(tmp_path):
    rows = [
        ZH + ["国际专线通讯费（元）", "评审得分", "备注"],
        ["A0001", "长春甲信息技术有限公司", C1, "高新区", "c05-line", 50_000, 120_000, 88.5, "随便写"],
        ["A0002", "长春乙软件有限公司", C2, "朝阳区", "国际出口专线通讯费补助", None, "80,000", None, None],
    ]
    apps = read_applications(book(tmp_path, {"申报表": rows}), POLICY)
    df = apps.frame
    assert list(df.columns) == [f.key for f in FIELDS] + [SOURCE_SHEET, SOURCE_ROW]
    assert df["item"].tolist() == ["c05-line", "c05-line"]
    assert df["line_fee"].tolist() == [120_000.0, 80_000.0]
    assert df["requested"].iloc[0] == 50_000.0 and math.isnan(df["requested"].iloc[1])
    assert df["score"].iloc[0] == 88.5
    assert df[SOURCE_SHEET].tolist() == ["申报表", "申报表"] and df[SOURCE_ROW].tolist() == [2, 3]
    for f in FIELDS:
        assert df[f.key].dtype == (object if f.kind in ("text", "item", "code") else np.float64), f.key
    assert df["applicant"].map(type).tolist() == [str, str]
    assert df["building_area_m2"].isna().all() and df["certified"].isna().all()
    assert df[SOURCE_ROW].dtype == np.int64
    assert apps.sheets == ("申报表",) and len(apps) == 2 and len(apps.sha256) == 64
    assert validate_file(apps.path, POLICY).sha256 == apps.sha256


def test_english_headers(tmp_path):
    rows = [
        EN + ["registered_capital", "certified", "has_property_cert", "has_land_cert", "purchase_area_m2"]
    ]
    rows.append(["A1", "甲", C1, "南关区", "c04-buy", 1_000_000, 20_000_000, "是", "是", "是", 2000])
    df = read_applications(book(tmp_path, {"data": rows}), POLICY).frame
    assert df.loc[0, "registered_capital"] == 20_000_000
    assert df.loc[0, ["certified", "has_property_cert", "has_land_cert"]].tolist() == [1.0, 1.0, 1.0]
    assert df.loc[0, "purchase_area_m2"] == 2000


def test_tolerant_headers_and_first_nonempty_row(tmp_path):
    headers = [
        "*申报编号",
        "　申报单位 ",
        "统一社会信用代码（18位）",
        " 所在区",
        "支持事项",
        "申请金额 (元)",
        "租赁面积(㎡)",
    ]
    headers += ["补助月数（个月）", "入驻园区或外包大厦（是/否）", "REQUESTED_X"]
    ws = [[], [None] + headers, [None, "A1", "甲", C1, "宽城区", "c04-rent", "1,000", 300, 12, "是", "x"]]
    df = read_applications(book(tmp_path, {"申报表": ws}), POLICY).frame
    assert df.loc[0, ["requested", "rent_area_m2", "rent_months", "in_park"]].tolist() == [1000, 300, 12, 1]
    assert df.loc[0, SOURCE_ROW] == 3


def test_wan_yuan_header_scales(tmp_path):
    rows = [["申报编号", "申报单位", "统一社会信用代码", "所在区", "申请金额（万元）", "注册资本(万元)"]]
    rows += [["A1", "甲", C1, "南关区", 12.345, 2000], ["A2", "乙", C2, "南关区", "1,234.5", "1999.99万元"]]
    df = read_applications(book(tmp_path, {"c04-buy": rows}), POLICY).frame
    assert df["requested"].tolist() == [123_450.0, 12_345_000.0]
    assert df["registered_capital"].tolist() == [20_000_000.0, 19_999_900.0]


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,200,000", 1.2e6),
        ("1，200，000", 1.2e6),
        ("1,200,000元", 1.2e6),
        (" 1200000 ", 1.2e6),
        ("0.5", 0.5),
    ],
)
def test_amount_text(tmp_path, text, value):
    rows = [ZH + ["国际专线通讯费（元）"], ["A1", "甲", C1, "南关区", "c05-line", None, text]]
    assert read_applications(book(tmp_path, {"s": rows}), POLICY).frame.loc[0, "line_fee"] == value


YES_NO = [("是", 1), ("否", 0), ("Y", 1), ("n", 0), ("yes", 1), ("No", 0), ("TRUE", 1), ("false", 0)]
YES_NO += [
    (True, 1),
    (False, 0),
    (1, 1),
    (0, 0),
    ("1", 1),
    ("0", 0),
    ("√", 1),
    ("×", 0),
    (" 是 ", 1),
    (None, None),
]


def test_yes_no_values(tmp_path):
    rows = [ZH + ["入驻园区或外包大厦"]]
    rows += [[f"A{i}", "甲", C1, "南关区", "c04-rent", None, v] for i, (v, _) in enumerate(YES_NO)]
    df = read_applications(book(tmp_path, {"s": rows}), POLICY).frame
    got = [None if math.isnan(x) else x for x in df["in_park"]]
    assert got == [e for _, e in YES_NO]


def test_item_from_sheet_name_and_multiple_sheets(tmp_path):
    head = ZH[:4] + ["新录用大专以上员工（人）"]
    sheets = {
        "填写说明": [["这里是说明"], ["随便什么"]],
        "c13-hire": [head, ["A1", "甲", C1, "南关区", 10], ["A2", "乙", C2, "南关区", 20]],
        "培训机构培训补助": [ZH[:4] + ["培训后签约人数"], ["A3", "丙", C3, "绿园区", 30]],
        "申报表": [ZH, ["A4", "丁", C1, "净月区", "引进其他服务外包企业支持", 200000]],
        "选项": [["支持事项名称"], ["x"]],
        "helper": [["junk"], ["junk"]],
        "empty": [],
    }
    apps = read_applications(book(tmp_path, sheets, hidden=("helper",)), POLICY)
    df = apps.frame
    assert df["item"].tolist() == ["c13-hire", "c13-hire", "c13-train", "c07-other"]
    assert df["eligible_hires"].tolist()[:2] == [10, 20] and df.loc[2, "trained_hired"] == 30
    assert apps.sheets == ("c13-hire", "培训机构培训补助", "申报表")


def test_item_column_blank_falls_back_to_sheet_name(tmp_path):
    rows = [ZH, ["A1", "甲", C1, "南关区", None, 1000], ["A2", "乙", C2, "南关区", "c05-line", 1000]]
    df = read_applications(book(tmp_path, {"c07-other": rows}), POLICY).frame
    assert df["item"].tolist() == ["c07-other", "c05-line"]


def test_unused_fields_are_ignored(tmp_path):
    rows = [
        ZH + ["注册资本（元）", "国际专线通讯费（元）"],
        ["A1", "甲", C1, "南关区", "c05-line", None, "abc", 5000],
    ]
    df = read_applications(book(tmp_path, {"s": rows}), POLICY).frame
    assert math.isnan(df.loc[0, "registered_capital"]) and df.loc[0, "line_fee"] == 5000


def test_duplicate_ids_across_sheets_report_both_places(tmp_path):
    sheets = {
        "甲表": [
            ZH,
            ["A1", "甲", C1, "南关区", "c07-other", None],
            ["A2", "乙", C2, "南关区", "c07-other", None],
        ],
        "乙表": [ZH, [None] * 6, ["A1", "丙", C3, "南关区", "c07-other", None]],
    }
    probs = problems_of(book(tmp_path, sheets))
    assert [where(p) for p in probs] == [("甲表", 2, "申报编号", "A1"), ("乙表", 3, "申报编号", "A1")]
    assert "工作表「乙表」第3行" in probs[0].expected_zh and "sheet '甲表' row 2" in probs[1].expected_en


@pytest.mark.parametrize(
    "code, says",
    [
        ("91350100M000100Y44", "校验码错误"),
        ("91350100M000100Y4", "应为18位"),
        ("9135010OM000100Y43", "不允许的字符"),
        (913501000000100, "丢失精度"),
        (None, "必填"),
    ],
)
def test_bad_credit_code(tmp_path, code, says):
    (p,) = problems_of(book(tmp_path, {"s": [ZH, ["A1", "甲", code, "南关区", "c07-other", None]]}))
    assert where(p) == ("s", 2, "统一社会信用代码", code) and says in p.expected_zh


def test_credit_code_is_normalised(tmp_path):
    rows = [ZH, ["A1", "甲", " 91350100m000100y43 ", "南关区", "c07-other", None]]
    assert read_applications(book(tmp_path, {"s": rows}), POLICY).frame.loc[0, "credit_code"] == C1


@pytest.mark.parametrize(
    "value, says",
    [(-5, "负数"), ("-1,000", "负数"), ("一万", "不是数字"), ("12万", "不是数字"), ("1,2,3", "不是数字"),
     ("nan", "不是数字"), ("inf", "不是数字"), (True, "是/否")],
)  # fmt: skip
def test_bad_amounts(tmp_path, value, says):
    (p,) = problems_of(book(tmp_path, {"s": [ZH, ["A1", "甲", C1, "南关区", "c07-other", value]]}))
    assert (
        where(p) == ("s", 2, "申请金额（元）", value)
        and says in p.expected_zh
        and "expected" in p.expected_en
    )


@pytest.mark.parametrize(
    "header, value, says",
    [
        ("评审得分", 100.5, "超过100"),
        ("补助月数", 13, "超过12"),
        ("补助月数", 6.5, "整数"),
        ("租赁面积", "大约", "数字"),
    ],
)
def test_bad_ranges(tmp_path, header, value, says):
    rows = [ZH + [header], ["A1", "甲", C1, "南关区", "c04-rent", None, value]]
    (p,) = problems_of(book(tmp_path, {"s": rows}))
    assert where(p) == ("s", 2, header, value) and says in p.expected_zh


def test_unknown_item(tmp_path):
    (p,) = problems_of(book(tmp_path, {"s": [ZH, ["A1", "甲", C1, "南关区", "c99-nothing", None]]}))
    assert where(p) == ("s", 2, "支持事项", "c99-nothing") and "c04-buy" in p.expected_zh


def test_sheet_without_item_column_or_item_name(tmp_path):
    (p,) = problems_of(book(tmp_path, {"Sheet1": [ZH[:4], ["A1", "甲", C1, "南关区"]]}))
    assert where(p) == ("Sheet1", 1, "支持事项", "Sheet1")


def test_header_problems(tmp_path):
    rows = [
        ["申报编号", "application_id", "申报单位", "支持事项", "注册资本（平方米）"],
        ["A1", "A1", "甲", "c04-buy", 5],
    ]
    probs = problems_of(book(tmp_path, {"s": rows}))
    assert [where(p) for p in probs] == [
        ("s", 1, "统一社会信用代码", None),  # missing required columns come first (column index -1)
        ("s", 1, "所在区", None),
        ("s", 1, "application_id", "application_id"),
        ("s", 1, "注册资本（平方米）", "注册资本（平方米）"),
    ]
    assert "第A列" in probs[2].expected_zh and "缺少必填列" in probs[0].expected_zh


def test_sheet_without_known_headers(tmp_path):
    (p,) = problems_of(book(tmp_path, {"我的备注": [["今天开会"], ["内容"]]}))
    assert (p.sheet, p.row, p.column) == ("我的备注", 1, None) and "删除或隐藏" in p.expected_zh


def test_all_problems_in_one_error(tmp_path):
    sheets = {
        "申报表": [
            ZH + ["注册资本（元）", "是否经认定", "评审得分"],
            ["A1", "甲", C1, "南关区", "c04-buy", -1, "2000万", "也许", 80],
            ["A2", None, "91350100M000100Y44", "南关区", "c77", "abc", None, None, 101],
            [None, None, None, None, None, None, None, None, None],
            ["A3", "丙", C2, None, "c07-other", 100, None, None, None],
        ],
        "c05-line": [ZH[:4] + ["国际专线通讯费（元）"], ["A3", "丁", 91220101, "南关区", "1.000.000"]],
    }
    with pytest.raises(InputError) as info:
        read_applications(book(tmp_path, sheets), POLICY)
    err = info.value
    assert [where(p) for p in err.problems] == [
        ("申报表", 2, "申请金额（元）", -1),
        ("申报表", 2, "注册资本（元）", "2000万"),
        ("申报表", 2, "是否经认定", "也许"),
        ("申报表", 3, "申报单位", None),
        ("申报表", 3, "统一社会信用代码", "91350100M000100Y44"),
        ("申报表", 3, "支持事项", "c77"),
        ("申报表", 3, "申请金额（元）", "abc"),
        ("申报表", 3, "评审得分", 101),
        ("申报表", 5, "申报编号", "A3"),
        ("申报表", 5, "所在区", None),
        ("c05-line", 2, "申报编号", "A3"),
        ("c05-line", 2, "统一社会信用代码", 91220101),
        ("c05-line", 2, "国际专线通讯费（元）", "1.000.000"),
    ]
    assert len(err.problems) == 13 and all(p.file == "apps.xlsx" for p in err.problems)
    text = str(err)
    assert "13 处问题" in text and "13 problem(s)" in text and "第5行" in text


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "apps.xlsx"
    path.write_text("申报编号,申报单位\nA1,甲\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_applications(path, POLICY)
    (p,) = info.value.problems
    assert "不是有效的 Excel 工作簿" in p.expected_zh and "xlsx" in p.expected_en
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputError, match="97-2003"):
        read_applications(old, POLICY)


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_applications(tmp_path / "nope.xlsx", POLICY)
    (p,) = info.value.problems
    assert p.file == "nope.xlsx" and "找不到文件" in p.expected_zh and "not found" in p.expected_en
    with pytest.raises(InputError, match="不是文件"):
        read_applications(tmp_path, POLICY)


def test_no_data_rows(tmp_path):
    (p,) = problems_of(book(tmp_path, {"申报表": [ZH], "填写说明": [["说明"]]}))
    assert (p.sheet, p.row) == (None, None) and "没有申报数据行" in p.expected_zh


def test_item_fields():
    assert item_fields(POLICY.item("c04-buy")) == {
        "certified", "registered_capital", "has_property_cert", "has_land_cert", "purchase_area_m2"
    }  # fmt: skip
    assert item_fields(POLICY.item("c16-cert")) == {"cert_cost", "fully_supported", "other_support"}
    assert item_fields(POLICY.item("c10-expo")) == {"expo_fee"}  # the parameter `rate` is not a field
    assert item_fields(POLICY.item("c07-other")) == {"newly_settled", "global_top100", "domestic_top100"}
    assert item_fields(POLICY.item("c12-talent-base")) == frozenset()


def test_doctests():
    assert doctest.testmod(intake).failed == 0


def test_counts_must_be_whole(tmp_path):
    rows = [ZH + ["新录用大专以上员工（人）"], ["A1", "甲", C1, "南关区", "c13-hire", None, 2.5]]
    rows += [["A2", "甲", C1, "南关区", "c13-hire", None, "30人"]]
    (p,) = problems_of(book(tmp_path, {"s": rows}))
    assert where(p) == ("s", 2, "新录用大专以上员工（人）", 2.5) and "整数" in p.expected_zh


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers(value):
    with pytest.raises(intake.CellProblem):
        intake.parse_number(value, "yuan", 1)
