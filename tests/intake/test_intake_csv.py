"""Applications as .csv and .parquet, and what the calamine reader must keep of the openpyxl one."""

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from allocator.authoring import demo
from allocator.authoring.demo import write_demo, write_demo_csv, write_demo_parquet, write_sample
from allocator.cli.main import main
from allocator.core.errors import InputError, OutputError
from allocator.intake.read import read_applications
from allocator.policy.fields import SOURCE_ROW, SOURCE_SHEET
from allocator.policy.pack import load_policy

from .test_intake import C1, C2, C3, ZH, book, problems_of, where

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy("changchun-2017")
HLJ = load_policy("heilongjiang-2008")


def csv(tmp_path, rows, name="apps.csv", encoding="utf-8-sig", lead=""):
    """Write ``rows`` as a CSV file (cells as text, "" for None) and return the path."""
    width = max(map(len, rows))
    frame = pd.DataFrame(
        [["" if v is None else str(v) for v in row] + [""] * (width - len(row)) for row in rows]
    )
    path = tmp_path / name
    path.write_bytes((lead + frame.to_csv(index=False, header=False)).encode(encoding))
    return path


def without_source(frame):
    return frame.drop(columns=[SOURCE_SHEET, SOURCE_ROW])


# ------------------------------------------------------------------ the same applications in every format
@pytest.mark.parametrize("policy, n, seed", [(POLICY, 320, 2017), (HLJ, 300, 2009)])
def test_csv_and_parquet_read_as_the_workbook(tmp_path, policy, n, seed):
    frames = {}
    for suffix in ("xlsx", "csv", "parquet"):
        path = tmp_path / f"demo.{suffix}"
        written = write_sample(path, n, policy, seed=seed)
        apps = read_applications(path, policy)
        frames[suffix] = apps.frame
        pd.testing.assert_frame_equal(without_source(apps.frame), written)
    for suffix in ("csv", "parquet"):
        pd.testing.assert_frame_equal(without_source(frames[suffix]), without_source(frames["xlsx"]))
        assert (frames[suffix][SOURCE_SHEET] == "demo").all()
        assert frames[suffix][SOURCE_ROW].tolist() == list(range(2, n + 2))  # header = row 1
        assert frames[suffix][SOURCE_ROW].dtype == np.int64


def test_column_generator_in_every_format(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "ROW_BY_ROW_MAX", 100)  # 2,000 rows drawn column by column
    written = {
        s: write_sample(tmp_path / f"d.{s}", 2_000, POLICY, seed=11) for s in ("xlsx", "csv", "parquet")
    }
    for suffix, frame in written.items():
        pd.testing.assert_frame_equal(frame, written["xlsx"])
        back = read_applications(tmp_path / f"d.{suffix}", POLICY).frame
        pd.testing.assert_frame_equal(without_source(back), frame)


def test_the_csv_as_excel_writes_it(tmp_path):
    path = tmp_path / "demo.csv"
    write_demo_csv(path, 40, POLICY, seed=3)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to open UTF-8
    text = raw.decode("utf-8-sig")
    assert text.startswith("申报编号,申报单位,统一社会信用代码,所在区,支持事项,申请金额（元）,评审得分")
    assert ",是," in text and ".0," not in text  # yes/no in Chinese, whole numbers without a decimal point


def test_the_parquet_is_typed(tmp_path):
    path = tmp_path / "demo.parquet"
    frame = write_demo_parquet(path, 40, POLICY, seed=3)
    back = pd.read_parquet(path)
    assert list(back.columns) == list(frame.columns)  # English keys
    assert back["certified"].dtype == "boolean" and back["requested"].dtype == np.float64
    assert set(back["item"]) <= {it.id for it in POLICY.items}


# ------------------------------------------------------------------ CSV cells: the same rules and messages
ROWS = [
    ZH + ["注册资本（元）", "是否经认定", "评审得分"],
    ["A1", "甲", C1, "南关区", "c04-buy", -1, "2000万", "也许", 80],
    ["A2", None, "91350100M000100Y44", "南关区", "c77", "abc", None, None, 101],
    [None, None, None, None, None, None, None, None, None],
    ["A1", "丙", C2, None, "c07-other", "1,000", None, None, None],
]


def test_bad_csv_cells_have_the_workbook_messages_and_line_numbers(tmp_path):
    in_book = problems_of(book(tmp_path, {"申报表": ROWS}))
    in_csv = problems_of(csv(tmp_path, ROWS, name="申报表.csv"))
    assert [(p.sheet, p.row, p.column, p.expected_zh, p.expected_en) for p in in_csv] == [
        (p.sheet, p.row, p.column, p.expected_zh, p.expected_en) for p in in_book
    ]
    assert len(in_csv) == 11 and all(p.file == "申报表.csv" for p in in_csv)
    # the values as written in the file: text
    assert [p.value for p in in_csv][:3] == ["A1", "-1", "2000万"]
    assert where(in_csv[-1]) == ("申报表", 5, "所在区", None)


def test_csv_line_numbers_count_blank_lines(tmp_path):
    rows = [
        ZH,
        ["A1", "甲", C1, "南关区", "c07-other", None],
        [],
        ["A2", "乙", C2, "南关区", "c07-other", "x"],
    ]
    path = csv(tmp_path, rows, lead="\n\n")
    (p,) = problems_of(path)
    assert where(p) == ("apps", 6, "申请金额（元）", "x")  # 2 blank lines, header on line 3
    rows[3][5] = "1,000"
    df = read_applications(csv(tmp_path, rows, lead="\n\n"), POLICY).frame
    assert df[SOURCE_ROW].tolist() == [4, 6] and df["requested"].iloc[1] == 1000


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    rows = [
        ZH + ["是否经认定"],
        ["0012", "长春甲信息技术有限公司", C1, "高新区", "引进其他服务外包企业支持", "1,200,000", "是"],
    ]
    df = read_applications(csv(tmp_path, rows, encoding=encoding), POLICY).frame
    assert df.loc[0, "application_id"] == "0012"  # text stays text: leading zeros kept
    assert df.loc[0, "applicant"] == "长春甲信息技术有限公司" and df.loc[0, "item"] == "c07-other"
    assert df.loc[0, "requested"] == 1_200_000.0


def test_csv_that_is_no_text_or_no_csv(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8" * 50)
    (p,) = problems_of(path)
    assert "UTF-8" in p.expected_zh and "GBK" in p.expected_en
    path.write_text("申报编号,申报单位\nA1,甲\nA2,乙,多,余\n", encoding="utf-8")
    (p,) = problems_of(path)
    assert (p.sheet, p.row) == ("apps", 3) and "CSV 文件无法解析" in p.expected_zh
    path.write_text("", encoding="utf-8")
    (p,) = problems_of(path)
    assert "没有申报数据行" in p.expected_zh


def test_csv_named_after_an_item(tmp_path):
    rows = [ZH[:4] + ["新录用大专以上员工（人）"], ["A1", "甲", C1, "南关区", "10"]]
    apps = read_applications(csv(tmp_path, rows, name="c13-hire.CSV"), POLICY)
    assert apps.frame["item"].tolist() == ["c13-hire"] and apps.sheets == ("c13-hire",)


# ------------------------------------------------------------------ Parquet
def parquet(tmp_path, frame, name="apps.parquet"):
    path = tmp_path / name
    frame.to_parquet(path, index=False)
    return path


def test_parquet_numeric_credit_code_and_typed_cells(tmp_path):
    frame = pd.DataFrame(
        {
            "application_id": ["A1", "A2", None],
            "applicant": ["甲", "乙", None],
            "credit_code": [913501000000100, 91220101, None],
            "district": ["南关区", "南关区", None],
            "item": ["c04-rent", "c04-rent", None],
            "in_park": pd.array([True, None, None], dtype="boolean"),
            "rent_area_m2": [300, -5, None],
            "rent_months": pd.array([12, 13, None], dtype="Int64"),
        }
    )
    probs = problems_of(parquet(tmp_path, frame))
    assert [where(p) for p in probs] == [
        ("apps", 2, "credit_code", 913501000000100),
        ("apps", 3, "credit_code", 91220101),
        ("apps", 3, "rent_area_m2", -5),
        ("apps", 3, "rent_months", 13),
    ]  # the all-null row 4 is blank
    assert "存成了数字" in probs[0].expected_zh and "负数" in probs[2].expected_zh


def test_parquet_reads(tmp_path):
    frame = pd.DataFrame(
        {
            "申报编号": ["A1"],
            "申报单位": ["甲"],
            "统一社会信用代码": [C3],
            "所在区": ["南关区"],
            "支持事项": ["c04-rent"],
        }
        | {"租赁面积（平方米）": [300.0], "补助月数": [12], "入驻园区或外包大厦": [True]}
    )
    df = read_applications(parquet(tmp_path, frame), POLICY).frame
    assert df.loc[0, ["rent_area_m2", "rent_months", "in_park"]].tolist() == [300.0, 12.0, 1.0]
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    (p,) = problems_of(path)
    assert "Parquet" in p.expected_zh and p.file == "broken.parquet"


# ------------------------------------------------------------------ suffixes and files that are not workbooks
def test_unknown_suffix_is_refused(tmp_path):
    path = tmp_path / "apps.txt"
    path.write_text("申报编号\nA1\n", encoding="utf-8")
    (p,) = problems_of(path)
    assert p.file == "apps.txt" and "「.txt」" in p.expected_zh and "apps.txt" in p.expected_zh
    assert ".xlsx" in p.expected_en and ".csv" in p.expected_en and ".parquet" in p.expected_en
    (tmp_path / "apps").write_text("x", encoding="utf-8")
    (p,) = problems_of(tmp_path / "apps")
    assert "不支持的文件类型" in p.expected_zh


@pytest.mark.parametrize(
    "data", [b"", b"PK\x03\x04 truncated", b"not a zip at all"], ids=["empty", "truncated", "text"]
)
def test_not_a_workbook(tmp_path, data):
    path = tmp_path / "apps.xlsx"
    path.write_bytes(data)
    (p,) = problems_of(path)
    assert "不是有效的 Excel 工作簿" in p.expected_zh and "xlsx" in p.expected_en


def test_truncated_workbook(tmp_path):
    path = book(tmp_path, {"s": [ZH, ["A1", "甲", C1, "南关区", "c07-other", None]]})
    path.write_bytes(path.read_bytes()[:-300])
    (p,) = problems_of(path)
    assert "不是有效的 Excel 工作簿" in p.expected_zh


def test_xlsm_is_read(tmp_path):
    path = book(tmp_path, {"s": [ZH, ["A1", "甲", C1, "南关区", "c07-other", None]]}, name="apps.XLSM")
    assert read_applications(path, POLICY).frame["application_id"].tolist() == ["A1"]


# ------------------------------------------------------------------ what calamine must read as openpyxl did
def test_hidden_and_very_hidden_sheets_are_skipped(tmp_path):
    bad = [ZH, ["A1", "甲", "not a code", "南关区", "c99", "abc"]]
    path = book(tmp_path, {"申报表": ROWS[:2], "hidden": bad, "very": bad}, hidden=("hidden",))
    wb = openpyxl.load_workbook(path)
    wb["very"].sheet_state = "veryHidden"
    wb.save(path)
    assert {p.sheet for p in problems_of(path)} == {"申报表"}


def test_error_cells_and_formulas_keep_their_cached_values(tmp_path):
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("申报表")
    for c, h in enumerate([*ZH, "国际专线通讯费（元）"]):
        ws.write_string(0, c, h)
    for r, (app_id, code) in enumerate([("A1", C1), ("A2", C2)], 1):
        for c, v in enumerate([app_id, "甲", code, "南关区", "c05-line"]):
            ws.write_string(r, c, v)
    ws.write_formula(1, 5, "=2*1000", None, 2000)
    ws.write_formula(1, 6, "=1/0", None, "#DIV/0!")
    ws.write_formula(2, 6, "=F2*3", None, 6000)
    wb.close()
    (p,) = problems_of(path)
    assert where(p) == ("申报表", 2, "国际专线通讯费（元）", "#DIV/0!") and "不是数字" in p.expected_zh


def test_dates_booleans_and_whole_numbers_as_openpyxl_gave_them(tmp_path):
    rows = [ZH + ["入驻园区或外包大厦", "补助月数"]]
    rows.append(["A1", dt.date(2017, 3, 1), C1, dt.datetime(2017, 3, 2, 8, 30), "c04-rent", 5000, True, 12])
    rows.append(["A2", "乙", C2, "南关区", "c04-rent", dt.datetime(2017, 1, 1), 2, 12.0])
    probs = problems_of(book(tmp_path, {"s": rows}))
    assert [where(p) for p in probs] == [
        ("s", 2, "所在区", "2017-03-02 08:30:00"),  # a date, read as text, is no district of the pack
        ("s", 3, "申请金额（元）", dt.datetime(2017, 1, 1)),
        ("s", 3, "入驻园区或外包大厦", 2),
    ]
    assert "地区名单" in probs[0].expected_zh and "最接近" not in probs[0].expected_zh
    assert type(probs[2].value) is int  # 2, not 2.0
    rows[1][3] = "朝阳区"
    rows[2] = ["A2", "乙", C2, "南关区", "c04-rent", 100, False, 12.0]
    df = read_applications(book(tmp_path, {"s": rows}), POLICY).frame
    assert df["applicant"].tolist() == [
        "2017-03-01 00:00:00",
        "乙",
    ]  # a date as a datetime, as openpyxl read it
    assert df["district"].tolist() == ["朝阳区", "南关区"]
    assert df["in_park"].tolist() == [1.0, 0.0] and df["rent_months"].tolist() == [12.0, 12.0]


def test_leading_empty_rows_and_columns_keep_excel_positions(tmp_path):
    rows = [[], [], [None, None, *ZH], [None, None, "A1", "甲", C1, "南关区", "c07-other", "x"]]
    (p,) = problems_of(book(tmp_path, {"s": rows}))
    assert where(p) == ("s", 4, "申请金额（元）", "x")
    rows = [[], [None, "申报编号", "申报编号"], [None, "A1", "A1"]]
    (p,) = [p for p in problems_of(book(tmp_path, {"s": rows})) if "列重复" in p.expected_zh]
    assert (p.row, p.column) == (2, "申报编号") and "第B列" in p.expected_zh  # the first 申报编号: column B


def test_an_unreadable_sheet_is_a_problem_of_its_own(tmp_path):
    path = book(tmp_path, {"甲": [ZH, ["A1", "甲", C1, "南关区", "c07-other", None]], "乙": [ZH]})
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut mid-XML
            dst.writestr(item, data)
    probs = problems_of(broken)
    assert [(p.sheet, p.row) for p in probs] == [("乙", None)] and "无法读取" in probs[0].expected_zh


# ------------------------------------------------------------------ demo-data as .csv / .parquet
def test_demo_data_command_writes_csv_and_parquet(tmp_path, capsys):
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"d.{suffix}"
        assert main(["demo-data", "40", str(out), "--seed", "7"]) == 0
        assert main(["validate", str(out)]) == 0
    a = read_applications(tmp_path / "d.csv", POLICY).frame
    b = read_applications(tmp_path / "d.parquet", POLICY).frame
    pd.testing.assert_frame_equal(a, b)


def test_a_workbook_cannot_hold_more_rows_than_excel(tmp_path):
    with pytest.raises(OutputError, match="1,048,576"):
        write_demo(tmp_path / "big.xlsx", demo.EXCEL_ROWS, POLICY)
    assert not (tmp_path / "big.xlsx").exists()


def test_missing_csv(tmp_path):
    with pytest.raises(InputError, match="找不到文件"):
        read_applications(tmp_path / "missing.csv", POLICY)


@pytest.mark.slow
def test_run_from_a_csv_gives_the_awards_of_the_workbook(tmp_path):
    from allocator.app.run import run

    scenario = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    awards = {}
    for suffix in ("xlsx", "csv"):
        write_sample(tmp_path / f"apps.{suffix}", 320, POLICY, seed=2017)
        path = tmp_path / f"{suffix}.toml"
        path.write_text(
            scenario.replace("data/changchun-2017-applications.xlsx", f"apps.{suffix}"), encoding="utf-8"
        )
        result, _ = run(path, tmp_path / f"out-{suffix}")
        awards[suffix] = result.table.set_index("application_id")["award"]
    pd.testing.assert_series_equal(awards["csv"], awards["xlsx"])
