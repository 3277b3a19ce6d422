"""Hostile input at intake (issue 8, point 1): one test per catalogue entry.

Every file here is refused with one clear problem (file, sheet, row, column, value, Chinese and
English), or read correctly where the entry says so; a representative subset goes through the CLI
too (``validate`` exits non-zero without a traceback; ``run`` writes no output folder).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from allocator.authoring.demo import write_sample
from allocator.cli.main import main
from allocator.core.errors import AllocatorError, InputError
from allocator.intake import guard as workbook_guard
from allocator.intake import opening, sources
from allocator.intake.read import read_applications
from allocator.intake.roster_read import read_roster
from allocator.policy.pack import load_policy
from tests.builders import row, valid_code, write_roster_workbook
from tests.intake import test_intake, test_intake_csv
from tests.intake.test_intake import C1, C2, ZH, book, problems_of, where
from tests.intake.test_intake_csv import csv

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
POLICY = load_policy("changchun-2017")
GOOD = [
    ZH,
    ["A1", "甲公司", C1, "南关区", "c07-other", 1000],
    ["A2", "乙公司", C2, "朝阳区", "c07-other", 2000],
]
DTD = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


# ------------------------------------------------------------------ helpers
@pytest.fixture(autouse=True)
def fresh_guard(monkeypatch):
    """Each test starts with no workbook remembered as passed (openpyxl may write the same bytes twice)."""
    monkeypatch.setattr(workbook_guard, "_PASSED", set())


def refused(path) -> object:
    """The one file-level problem of ``path``, checked to be bilingual and to name the file."""
    (p,) = problems_of(path)
    assert p.file == Path(path).name and p.expected_zh and p.expected_en
    assert re.search(r"[\u4e00-\u9fff]", p.expected_zh) and not re.search(r"[\u4e00-\u9fff]", p.expected_en)
    return p


def cli_refuses(tmp_path, path, capsys) -> str:
    """``validate`` exits 2 with 错误/Error and no traceback; ``run`` on a scenario reading ``path``
    exits 2 and writes no output folder. Returns what validate printed."""
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "Error:" in err and "Traceback" not in err and Path(path).name in err
    scenario = tmp_path / "scenario.toml"
    text = SCENARIO.read_text(encoding="utf-8")
    scenario.write_text(text.replace("data/changchun-2017-applications.xlsx", str(path)), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    assert not out.exists()
    assert "Traceback" not in capsys.readouterr().err
    return err


def rezip(src: Path, dst: Path, edit=None, drop=(), add=None) -> Path:
    """A copy of the package ``src`` with parts edited (``{name: bytes -> bytes}``), dropped or added."""
    edit, add = edit or {}, add or {}
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            if info.filename not in drop:
                b.writestr(info.filename, edit.get(info.filename, lambda d: d)(a.read(info)))
        for name, data in add.items():
            b.writestr(name, data)
    return dst


def xbook(tmp_path, rows, name="apps.xlsx", sheet="申报表") -> Path:
    """A workbook written by xlsxwriter (shared strings, as Excel writes them): a cell ``("=", f, v)``
    is the formula ``f`` with the cached result ``v``."""
    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            if isinstance(v, tuple):
                ws.write_formula(r, c, v[1], None, v[2])
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def cfb(*names: str) -> bytes:
    """A minimal OLE2/CFB file: the 512-byte header and one directory sector holding ``names``."""
    header = bytearray(512)
    header[:8] = workbook_guard.CFB
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors; the directory starts at sector 0
    directory = bytearray(512)
    for k, name in enumerate(names):
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[k * 128 : k * 128 + len(raw)] = raw
        directory[k * 128 + 64 : k * 128 + 66] = len(raw).to_bytes(2, "little")
    return bytes(header + directory)


def no_parsing(monkeypatch):
    """Fail the test if calamine or openpyxl is reached."""

    def boom(*args, **kwargs):
        raise AssertionError("a parser saw a file the guard should have refused")

    monkeypatch.setattr(sources, "_workbook", boom)
    monkeypatch.setattr(opening.openpyxl, "load_workbook", boom)


# ------------------------------------------------------------------ 1. empty file
@pytest.mark.parametrize("name", ["apps.xlsx", "apps.csv", "apps.parquet"])
def test_1_empty_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    p = refused(path)
    assert (p.sheet, p.row, p.column) == (None, None, None)
    assert "文件为空（0 字节）" in p.expected_zh and "empty (0 bytes)" in p.expected_en


def test_1_empty_file_through_the_cli(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "文件为空" in cli_refuses(tmp_path, path, capsys)


# ------------------------------------------------------------------ 2. not a workbook
@pytest.mark.parametrize(
    "data, says",
    [
        ("申报编号,申报单位\nA1,甲\n".encode(), "文件内容是文本"),
        ("申报编号,申报单位\nA1,甲\n".encode("gbk"), "文件内容是文本"),
        (b"<html><body><table><tr><td>A1</td></tr></table></body></html>", "网页（HTML）"),
        (b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook/>', "XML 表格"),
        (bytes(range(256)) * 4, "不是 .xlsx 所用的 zip 压缩包"),
    ],
    ids=["utf8-text", "gbk-text", "html", "xml-2003", "binary"],
)
def test_2_text_or_other_file_named_xlsx(tmp_path, data, says):
    path = tmp_path / "apps.xlsx"
    path.write_bytes(data)
    p = refused(path)
    assert says in p.expected_zh and "不是有效的 Excel 工作簿" in p.expected_zh and ".xlsx" in p.expected_en


def test_2_a_workbook_named_csv(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_bytes(book(tmp_path, {"s": GOOD}).read_bytes())
    assert "扩展名改为 .xlsx" in refused(path).expected_zh


# ------------------------------------------------------------------ 3. legacy .xls and password
@pytest.mark.parametrize(
    "name, names, says, en",
    [
        ("old.xls", ("Root Entry", "Workbook"), "旧版 .xls（Excel 97-2003）格式", "Excel 97-2003"),
        ("old.xlsx", ("Root Entry", "Book"), "旧版 .xls（Excel 97-2003）格式", "Excel 97-2003"),
        ("locked.xlsx", ("Root Entry", "EncryptionInfo", "EncryptedPackage"), "工作簿有密码保护", "password"),
        ("locked.xlsm", ("Root Entry", "EncryptedPackage"), "请去除密码后另存", "password"),
    ],
)
def test_3_legacy_xls_and_password_protected(tmp_path, name, names, says, en):
    path = tmp_path / name
    path.write_bytes(cfb(*names) + b"\0" * 1024)
    p = refused(path)
    assert says in p.expected_zh and en in p.expected_en and ".xlsx" in p.expected_zh


def test_3_the_word_encryptioninfo_elsewhere_is_still_a_legacy_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(cfb("Root Entry", "Workbook") + b"\0\0\0" + "EncryptionInfo".encode("utf-16-le"))
    assert "旧版 .xls" in refused(path).expected_zh


def test_3_legacy_xls_through_the_cli(tmp_path, capsys):
    path = tmp_path / "old.xls"
    path.write_bytes(cfb("Root Entry", "Workbook"))
    assert "97-2003" in cli_refuses(tmp_path, path, capsys)


# ------------------------------------------------------------------ 4. damaged zip
def test_4_truncated_zip(tmp_path):
    path = book(tmp_path, {"s": GOOD})
    whole = path.read_bytes()
    for keep in (len(whole) - 300, len(whole) // 2, 10):
        path.write_bytes(whole[:keep])
        p = refused(path)
        assert "zip 压缩包已损坏或不完整" in p.expected_zh and "cut short" in p.expected_en


def test_4_zip_without_content_types(tmp_path):
    path = rezip(book(tmp_path, {"s": GOOD}), tmp_path / "bare.xlsx", drop={"[Content_Types].xml"})
    p = refused(path)
    assert "[Content_Types].xml" in p.expected_zh and "[Content_Types].xml" in p.expected_en


def test_4_a_damaged_part_is_refused_before_any_parser(tmp_path, monkeypatch):
    """The directory says a part is 100 bytes; it inflates to more (the CRC no longer matches)."""
    src = book(tmp_path, {"s": GOOD})
    path = rezip(src, tmp_path / "lying.xlsx", add={"xl/media/big.bin": b"a" * 2**20})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/media/big.bin")
    data[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/media/big.bin"))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    no_parsing(monkeypatch)
    p = refused(path)
    assert "xl/media/big.bin" in p.expected_zh and "无法解压或与压缩包目录不符" in p.expected_zh


# ------------------------------------------------------------------ 5. zip bomb
def bomb(tmp_path, name="bomb.xlsx") -> Path:
    """A real workbook whose sheet is replaced by 64 MiB of zeros (about 1,000:1)."""
    zeros = {"xl/worksheets/sheet1.xml": lambda d: b"\0" * 64 * 2**20}
    return rezip(book(tmp_path, {"s": GOOD}), tmp_path / name, edit=zeros)


def test_5_zip_bomb_refused_by_ratio_before_parsing(tmp_path, monkeypatch):
    path = bomb(tmp_path)
    no_parsing(monkeypatch)
    inflated = []
    monkeypatch.setattr(workbook_guard, "_inflate", lambda z, info: inflated.append(info))
    p = refused(path)
    assert "压缩比" in p.expected_zh and "zip 炸弹" in p.expected_zh and "zip bomb" in p.expected_en
    assert p.value == "xl/worksheets/sheet1.xml" and "64.0 MB" in p.expected_zh
    assert inflated == []  # told from the central directory alone


def test_5_zip_bomb_refused_by_total_size(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_guard, "MAX_TOTAL", 2**10)
    p = refused(book(tmp_path, {"s": GOOD}))
    assert "解压后共" in p.expected_zh and "above the limit" in p.expected_en


def test_5_zip_bomb_through_the_cli_and_the_roster(tmp_path, capsys):
    path = bomb(tmp_path)
    assert "zip 炸弹" in cli_refuses(tmp_path, path, capsys)
    with pytest.raises(InputError, match="zip 炸弹"):
        read_roster(path)


def test_5_too_many_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_guard, "MAX_MEMBERS", 3)
    p = refused(book(tmp_path, {"s": GOOD}))
    assert "个部件，超过上限 3" in p.expected_zh and "parts" in p.expected_en


def test_5_a_genuine_workbook_is_far_below_the_limits(tmp_path):
    """A sample workbook as ``allocator demo-data`` writes it (the 100,000-row one unpacks to 47 MB,
    every part at 8:1 or less; a million formatted empty rows pack 19:1: see test 7)."""
    path = tmp_path / "demo.xlsx"
    write_sample(path, 3_000, POLICY, seed=5)
    with zipfile.ZipFile(path) as z:
        assert max(i.file_size / i.compress_size for i in z.infolist()) < workbook_guard.MAX_RATIO / 5
    assert len(read_applications(path, POLICY)) == 3_000


# ------------------------------------------------------------------ 6. XML declarations
def with_dtd(data: bytes) -> bytes:
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end] + DTD + data[end:]
    return DTD + data


PARTS = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/_rels/workbook.xml.rels",
    "docProps/core.xml",
]


@pytest.mark.parametrize("part", PARTS)
def test_6_dtd_in_any_part_is_refused_before_parsing(tmp_path, monkeypatch, part):
    path = rezip(xbook(tmp_path, GOOD), tmp_path / "dtd.xlsx", edit={part: with_dtd})
    no_parsing(monkeypatch)
    p = refused(path)
    assert part in p.expected_zh and "XML 文档类型或实体声明" in p.expected_zh and "DTD" in p.expected_en
    assert p.value.startswith("<!DOCTYPE lolz")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.replace(b"</worksheet>", b'<!ENTITY x "y"></worksheet>'),  # mid-document
        lambda d: d.replace(b"<sheetData>", b"<sheetData><!DOCTYPE x>"),
        lambda d: with_dtd(d).decode("utf-8").encode("utf-16"),  # UTF-16, BOM and all
    ],
    ids=["entity-at-end", "doctype-inside", "utf-16"],
)
def test_6_declarations_anywhere_in_a_part(tmp_path, edit):
    path = rezip(xbook(tmp_path, GOOD), tmp_path / "dtd.xlsx", edit={"xl/worksheets/sheet1.xml": edit})
    assert "xl/worksheets/sheet1.xml" in refused(path).expected_zh


def test_6_comments_and_cdata_are_no_declarations(tmp_path):
    edit = {
        "xl/styles.xml": lambda d: d.replace(b"<fonts", b"<!-- written by hand --><fonts", 1),
        "xl/workbook.xml": lambda d: d + b"<!---->",
    }
    path = rezip(xbook(tmp_path, GOOD), tmp_path / "commented.xlsx", edit=edit)
    assert read_applications(path, POLICY).frame["application_id"].tolist() == ["A1", "A2"]


def test_6_the_roster_reader_goes_through_the_same_guard(tmp_path, monkeypatch):
    src = write_roster_workbook(
        tmp_path / "r.xlsx", [row("A1", "c13-hire", credit_code=valid_code(1), eligible_hires=1)], []
    )
    path = rezip(src, tmp_path / "dtd.xlsx", edit={"xl/worksheets/sheet2.xml": with_dtd})
    no_parsing(monkeypatch)
    monkeypatch.setattr(
        "allocator.intake.roster_read._may_have_roster", lambda data: pytest.fail("calamine saw the file")
    )
    with pytest.raises(InputError) as info:
        read_roster(path)
    (p,) = info.value.problems
    assert "xl/worksheets/sheet2.xml" in p.expected_zh and "DTD" in p.expected_en


def test_6_dtd_through_the_cli(tmp_path, capsys):
    path = rezip(xbook(tmp_path, GOOD), tmp_path / "dtd.xlsx", edit={"xl/sharedStrings.xml": with_dtd})
    assert "实体声明" in cli_refuses(tmp_path, path, capsys)


def test_6_the_guard_runs_once_per_workbook(tmp_path, monkeypatch):
    path = write_roster_workbook(
        tmp_path / "r.xlsx", [row("A1", "c13-hire", credit_code=valid_code(1), eligible_hires=1)], []
    )
    calls = []
    real = workbook_guard._excel
    monkeypatch.setattr(workbook_guard, "_excel", lambda data: calls.append(1) or real(data))
    read_applications(path, POLICY)
    read_roster(path)
    assert calls == [1]


def test_6_defusedxml_is_checked_at_start_up(monkeypatch):
    """Without defusedxml, importing the guard (and so the intake) raises the project's own error."""
    monkeypatch.setitem(sys.modules, "defusedxml", None)
    monkeypatch.setitem(sys.modules, "defusedxml.ElementTree", None)
    spec = importlib.util.spec_from_file_location("allocator.intake._guard_copy", workbook_guard.__file__)
    with pytest.raises(AllocatorError, match="defusedxml") as info:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert "pip install defusedxml" in info.value.render() and "Error:" in info.value.render()


# ------------------------------------------------------------------ 7. wrong dimension, formatted empty rows
@pytest.mark.parametrize("ref", [b"A1", b"A1:B2", b"A1:XFD1048576", b"C5:D6"])
def test_7_a_wrong_dimension_is_ignored(tmp_path, ref):
    dim = {
        "xl/worksheets/sheet1.xml": lambda d: re.sub(
            rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', d
        )
    }
    path = rezip(xbook(tmp_path, GOOD), tmp_path / "wps.xlsx", edit=dim)
    df = read_applications(path, POLICY).frame
    assert df["application_id"].tolist() == ["A1", "A2"] and df["requested"].tolist() == [1000, 2000]
    assert df["source_row"].tolist() == [2, 3]


def test_7_a_million_formatted_empty_rows(tmp_path):
    empty = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % r for r in range(4, 1_048_577))

    def edit(d):
        d = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F1048576"', d)
        return d.replace(b"</sheetData>", empty + b"</sheetData>")

    path = rezip(xbook(tmp_path, GOOD), tmp_path / "formatted.xlsx", edit={"xl/worksheets/sheet1.xml": edit})
    with zipfile.ZipFile(path) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > workbook_guard.RATIO_FLOOR  # 50 MB, so the ratio is checked: about 19:1
    assert sheet.file_size / sheet.compress_size < workbook_guard.MAX_RATIO / 3
    start = time.perf_counter()
    df = read_applications(path, POLICY).frame
    took = time.perf_counter() - start
    assert df["application_id"].tolist() == ["A1", "A2"] and df["source_row"].tolist() == [2, 3]
    assert took < 10  # about 0.5 s: calamine keeps no row for them, the guard inflates 50 MB


# ------------------------------------------------------------------ 8. headers
@pytest.mark.parametrize(
    "header",
    [
        "申报编号",
        " 申报编号 ",
        "\u3000申报编号\u3000",
        "＊申报编号",
        "ａｐｐｌｉｃａｔｉｏｎ＿ｉｄ",
        "ＡＰＰＬＩＣＡＴＩＯＮ_ＩＤ",
        "\t申报 编号\n",
    ],
)
def test_8_full_width_and_padded_headers_are_accepted(tmp_path, header):
    rows = [[header, *ZH[1:5], "申请金额（ｙｕａｎ）"], *GOOD[1:]]
    df = read_applications(book(tmp_path, {"s": rows}), POLICY).frame
    assert df["application_id"].tolist() == ["A1", "A2"] and df["requested"].tolist() == [1000, 2000]


def test_8_missing_and_duplicated_headers_name_the_column(tmp_path):
    rows = [
        ["申报编号", "申报单位", "所在区", "支持事项", "ａｐｐｌｉｃａｔｉｏｎ_ｉｄ"],
        ["A1", "甲", "南关区", "c07-other", "A1"],
    ]
    probs = problems_of(book(tmp_path, {"s": rows}))
    assert [where(p) for p in probs] == [
        ("s", 1, "统一社会信用代码", None),
        ("s", 1, "ａｐｐｌｉｃａｔｉｏｎ_ｉｄ", "ａｐｐｌｉｃａｔｉｏｎ_ｉｄ"),
    ]
    assert "缺少必填列" in probs[0].expected_zh and "missing" in probs[0].expected_en
    assert "列重复" in probs[1].expected_zh and "第A列" in probs[1].expected_zh


def test_8_a_blank_header_over_data_names_the_column_letter(tmp_path):
    rows = [
        [*ZH[:3], None, *ZH[3:], None],
        ["A1", "甲", C1, None, "南关区", "c07-other", 1000, None],
        ["A2", "乙", C2, "多出来的", "南关区", "c07-other", 2000, None],
    ]
    (p,) = problems_of(book(tmp_path, {"s": rows}))
    assert where(p) == ("s", 3, "D", "多出来的")
    assert "第D列没有表头" in p.expected_zh and "column D has data but no header" in p.expected_en
    rows[2][3] = None  # a blank column under a blank header is no problem
    assert len(read_applications(book(tmp_path, {"s": rows}), POLICY)) == 2


# ------------------------------------------------------------------ 9. amounts
@pytest.mark.parametrize(
    "value, yuan",
    [
        ("1,200,000元", 1_200_000),
        ("１２００", 1200),
        ("１，２００．５", 1200.5),
        ("￥1,200", 1200),
        (" 1200 ", 1200),
    ],
)
def test_9_amounts_accepted_where_unambiguous(tmp_path, value, yuan):
    rows = [ZH, ["A1", "甲", C1, "南关区", "c07-other", value]]
    assert read_applications(book(tmp_path, {"s": rows}), POLICY).frame["requested"].tolist() == [yuan]


@pytest.mark.parametrize(
    "value, says, en",
    [
        ("12万", "应写 120,000", "write 120,000"),
        ("1,200万元", "应写 12,000,000", "write 12,000,000"),
        (-5, "不能为负数", "negative"),
        ("NaN", "不是数字", "not a number"),
        ("inf", "不是数字", "not a number"),
        ("-Infinity", "不是数字", "not a number"),
        ("1e999", "不是数字", "not a number"),
        (2e12, "大得不合理", "implausibly large"),
        ("2,000,000,000,000", "大得不合理", "implausibly large"),
    ],
)
def test_9_bad_amounts_name_the_cell(tmp_path, value, says, en):
    (p,) = problems_of(book(tmp_path, {"s": [ZH, ["A1", "甲", C1, "南关区", "c07-other", value]]}))
    assert where(p) == ("s", 2, "申请金额（元）", value) and says in p.expected_zh and en in p.expected_en


def test_9_absurd_after_the_unit(tmp_path):
    rows = [[*ZH[:5], "申请金额（万元）"], ["A1", "甲", C1, "南关区", "c07-other", 2e8]]
    (p,) = problems_of(book(tmp_path, {"s": rows}))
    assert where(p) == ("s", 2, "申请金额（万元）", 200_000_000) and "大得不合理" in p.expected_zh


def test_9_bad_amount_through_the_cli(tmp_path, capsys):
    path = book(tmp_path, {"申报表": [ZH, ["A1", "甲", C1, "南关区", "c07-other", "12万"]]})
    err = cli_refuses(tmp_path, path, capsys)
    assert "工作表「申报表」 第2行 列「申请金额（元）」" in err and "'12万'" in err


# ------------------------------------------------------------------ 10. error values, formulas without a result
def test_10_error_values_in_number_and_text_columns(tmp_path):
    rows = [
        [*ZH, "是否经认定"],
        ["A1", ("=", "=#REF!", "#REF!"), C1, "南关区", "c07-other", ("=", "=1/0", "#DIV/0!"), "是"],
        ["A2", "乙", ("=", "=NA()", "#N/A"), "南关区", ("=", "=X1", "#NAME?"), 1, ("=", "=1/0", "#DIV/0!")],
        ["A3", "#VALUE!", C2, "南关区", "c07-other", 1, "否"],  # typed in: the same
    ]
    probs = problems_of(xbook(tmp_path, rows))
    assert [where(p) for p in probs] == [
        ("申报表", 2, "申报单位", "#REF!"),
        ("申报表", 2, "申请金额（元）", "#DIV/0!"),
        ("申报表", 3, "统一社会信用代码", "#N/A"),
        ("申报表", 3, "支持事项", "#NAME?"),
        ("申报表", 4, "申报单位", "#VALUE!"),
    ]  # 是否经认定 is not a field of c07-other: its #DIV/0! is ignored with the column
    assert all("Excel 错误值" in p.expected_zh and "Excel error" in p.expected_en for p in probs)
    assert "不是数字" in probs[1].expected_zh  # as before: a formula error in an amount is not a number


def test_10_error_value_in_a_csv_text_cell(tmp_path):
    (p,) = problems_of(csv(tmp_path, [ZH, ["A1", "#REF!", C1, "南关区", "c07-other", "1"]]))
    assert where(p) == ("apps", 2, "申报单位", "#REF!") and "Excel 错误值" in p.expected_zh


def test_10_formulas_without_a_cached_result(tmp_path):
    path = tmp_path / "openpyxl.xlsx"  # openpyxl writes formulas without results, as scripts do
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "s"
    for r in [
        ZH,
        ["A1", '=CONCAT("甲","公司")', C1, "南关区", "c07-other", "=2*500"],
        ["A2", "乙", C2, "南关区"],
    ]:
        ws.append(r)
    ws["F4"] = "=SUM(F2:F3)"  # a total row below the data: past the end of calamine's grid
    wb.save(path)
    probs = problems_of(path)
    uncached = [p for p in probs if "公式没有计算结果（缓存值）" in p.expected_zh]
    assert [where(p) for p in uncached] == [
        ("s", 2, "申报单位", '=CONCAT("甲","公司")'),
        ("s", 2, "申请金额（元）", "=2*500"),
        ("s", 4, "申请金额（元）", "=SUM(F2:F3)"),
    ]
    assert (
        "请在 Excel 中打开并保存后再导入" in uncached[0].expected_zh and "cached" in uncached[0].expected_en
    )
    assert ("s", 4, "申报编号", None) in [where(p) for p in probs]  # the total row is a row without an id


def test_10_formulas_with_results_are_read(tmp_path):
    rows = [ZH, ["A1", ("=", '="甲"&"公司"', "甲公司"), C1, "南关区", "c07-other", ("=", "=2*500", 1000)]]
    rows.append(["A2", ("=", '=""', ""), C2, "南关区", "c07-other", 5])  # a formula whose result is ""
    probs = problems_of(xbook(tmp_path, rows))
    assert [where(p) for p in probs] == [("申报表", 3, "申报单位", None)]  # blank: required
    rows[2][1] = "乙"
    df = read_applications(xbook(tmp_path, rows), POLICY).frame
    assert df["applicant"].tolist() == ["甲公司", "乙"] and df["requested"].tolist() == [1000, 5]


# ------------------------------------------------------------------ 11. credit code stored as a number
def test_11_credit_code_stored_as_a_number(tmp_path):
    (p,) = problems_of(
        book(tmp_path, {"s": [ZH, ["A1", "甲", 9.12345678901234e17, "南关区", "c07-other", 1]]})
    )
    assert where(p) == ("s", 2, "统一社会信用代码", 9.12345678901234e17)
    assert "已丢失精度" in p.expected_zh and "15 位有效数字" in p.expected_zh and "文本格式" in p.expected_zh
    assert "lost precision" in p.expected_en and "as text" in p.expected_en
    # Excel's CSV export of such a cell: the number as Excel shows it
    (p,) = problems_of(csv(tmp_path, [ZH, ["A1", "甲", "9.12345678901234E+17", "南关区", "c07-other", "1"]]))
    assert p.value == "9.12345678901234E+17" and "已丢失精度" in p.expected_zh


# ------------------------------------------------------------------ 12. impossible dates (the roster's date columns)
def test_12_impossible_dates(tmp_path):
    code = valid_code(1)
    start = ["2023-02-30", "2023-13-01", 3_000_000, -5, 5, "2023年2月29日"]
    roster = [
        (f"2201021990{n:07d}X", code, "本科", s, dt.date(2025, 3, 1), None) for n, s in enumerate(start)
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", [row("A1", "c13-hire", credit_code=code)], roster)
    wb = openpyxl.load_workbook(path)
    for r in (4, 5):  # serial numbers formatted as dates: out of Excel's range, and before 1900
        wb["人员名单"].cell(r, 4).number_format = "yyyy-mm-dd"
    wb.save(path)
    with pytest.raises(InputError) as info:
        read_roster(path)
    probs = info.value.problems
    assert [(p.sheet, p.row, p.column) for p in probs] == [
        ("人员名单", r, "合同开始日期") for r in range(2, 8)
    ]
    assert [p.value for p in probs] == [
        "2023-02-30",
        "2023-13-01",
        "#VALUE!",
        dt.datetime(1899, 12, 25),
        5,
        "2023年2月29日",
    ]
    says = ["日期不存在", "日期不存在", "#VALUE!", "超出合理范围", "数字不是日期", "日期不存在"]
    assert all(s in p.expected_zh for s, p in zip(says, probs, strict=True))
    assert "Traceback" not in str(info.value) and "no such date" in probs[0].expected_en


# ------------------------------------------------------------------ 13. the same id twice, across sheets
def test_13_duplicate_ids_across_sheets(tmp_path):
    test_intake.test_duplicate_ids_across_sheets_report_both_places(tmp_path)


# ------------------------------------------------------------------ 14. merged cells, hidden rows and sheets
def test_14_merged_cells_over_data_rows(tmp_path):
    rows = [
        [*ZH, "备注"],
        ["A1", "甲", C1, "南关区", "c07-other", 1000, "同上"],
        ["A2", "乙", C2, "南关区", None, 2000],
    ]
    path = book(tmp_path, {"s": rows})
    wb = openpyxl.load_workbook(path)
    wb["s"].merge_cells("E2:E3")  # one item for two rows: A2 would read without it
    wb["s"].merge_cells("G2:G3")  # 备注 is no field: ignored
    wb["s"].merge_cells("A1:A1")  # one cell: nothing is lost
    wb.save(path)
    probs = problems_of(path)
    assert [where(p) for p in probs][0] == ("s", 2, "支持事项", "E2:E3")
    assert "合并单元格 E2:E3" in probs[0].expected_zh and "unmerge" in probs[0].expected_en
    assert ("s", 3, "支持事项", None) in [where(p) for p in probs]  # and so the row below has no item


def test_14_hidden_rows_are_read_and_hidden_sheets_skipped(tmp_path):
    rows = [*GOOD, ["A3", "丙公司", valid_code(3), "南关区", "c07-other", 3000]]
    path = book(
        tmp_path,
        {"s": rows, "hidden": [ZH, ["A9", "x", "not a code", "南关区", "c99", "abc"]]},
        hidden=("hidden",),
    )
    wb = openpyxl.load_workbook(path)
    wb["s"].row_dimensions[3].hidden = True
    wb.save(path)
    df = read_applications(path, POLICY).frame
    assert df["application_id"].tolist() == ["A1", "A2", "A3"] and df["source_row"].tolist() == [2, 3, 4]
    test_intake_csv.test_hidden_and_very_hidden_sheets_are_skipped(tmp_path)  # very hidden too


# ------------------------------------------------------------------ 15. control characters, overlong text
@pytest.mark.parametrize(
    "text, code", [("长春\x01公司", "U+0001"), ("甲\x7f公司", "U+007F"), ("\x1b[31m乙", "U+001B")]
)
def test_15_control_characters(tmp_path, text, code):
    (p,) = problems_of(xbook(tmp_path, [ZH, ["A1", text, C1, "南关区", "c07-other", 1]]))
    assert (
        where(p) == ("申报表", 2, "申报单位", text) and code in p.expected_zh and "control" in p.expected_en
    )


def test_15_tabs_and_line_breaks_are_text(tmp_path):
    df = read_applications(
        xbook(tmp_path, [ZH, ["A1", "甲\n公司\t", C1, "南关区", "c07-other", 1]]), POLICY
    ).frame
    assert df["applicant"].tolist() == ["甲\n公司"]


def test_15_text_longer_than_an_excel_cell(tmp_path):
    long = "长" * 40_000  # openpyxl writes it (Excel and xlsxwriter would not); calamine reads 32,767
    probs = [problems_of(book(tmp_path, {"s": [ZH, ["A1", long, C1, "南关区", "c07-other", 1]]}))[0]]
    probs.append(problems_of(csv(tmp_path, [ZH, ["A1", long, C1, "南关区", "c07-other", 1]]))[0])
    for p, n in zip(probs, ("32,767", "40,000"), strict=True):  # calamine has cut it to Excel's limit
        assert (p.row, p.column) == (2, "申报单位") and f"文本长 {n} 个字符" in p.expected_zh
        assert "上限 32,767" in p.expected_zh and "32,767" in p.expected_en
        assert p.value.startswith("长" * 200) and n in p.value and len(p.value) < 300  # shown cut


def test_15_clean_text_columns_keep_the_fast_path():
    from allocator.intake.columns import parse_column

    cells = pd.Series(["甲", " 乙 ", "A#1", "#N/A", "x\x02", "y" * 32_767, "丙\n丁"], dtype=object).to_numpy()
    values, bad = parse_column(cells, "text")
    assert values.tolist() == ["甲", "乙", "A#1", None, None, None, "丙\n丁"]
    assert [i for i, _, _ in bad] == [3, 4, 5]
