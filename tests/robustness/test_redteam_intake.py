"""The red team's intake cases (issue 17: points 3, 6 and the intake cases of 5), one row per case.

- **3, sheets too large to hold**: a 5 KB workbook with one cell at XFD1048576 made calamine ask for
  512 GiB and abort; AZ1048576 cost 9 s and 2.3 GB. The guard now measures every sheet's extent from
  its XML (:mod:`allocator.intake.extent`) and refuses such sheets, naming the file, sheet and extent,
  in milliseconds — whatever the sheet's ``<dimension>`` says and however the cells are written.
- **6, look-alikes**: ``A0001``, ``A0001`` + U+200B and ``Ａ0001`` are one id (a duplicate); ids with
  line breaks or bidirectional controls are refused; ``10²`` is no number.
- **5, no tracebacks**: Parquet lists and structs, dates far out of range, numbers at the int64 limit
  or of 1e308, CSV errors named by the file's own line, and more hostile cells: each a clear
  bilingual error or a correct reading.

The helpers are those of :mod:`tests.robustness.test_hostile_intake`; workbooks that no Excel writes are built
with zipfile and a few lines of XML.
"""

from __future__ import annotations

import datetime as dt
import doctest
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from allocator.cli.main import main
from allocator.core.errors import InputError
from allocator.intake import extent as intake_extent
from allocator.intake import guard as workbook_guard
from allocator.intake import ids as intake_ids
from allocator.intake import lines as intake_lines
from allocator.intake.read import read_applications
from allocator.intake.roster_read import read_roster
from tests.builders import BUY, row, valid_code, write_roster_workbook, write_workbook
from tests.intake.test_intake import C1, C2, C3, ZH, book, problems_of, where
from tests.intake.test_intake_csv import csv

from .test_hostile_intake import POLICY, cli_refuses, no_parsing, refused

ROOT = Path(__file__).resolve().parents[2]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "申报表"
GOOD = ["A1", "甲公司", C1, "南关区", "c07-other", 1000]


@pytest.fixture(autouse=True)
def fresh_guard(monkeypatch):
    monkeypatch.setattr(workbook_guard, "_PASSED", set())


# ------------------------------------------------------------------ crafted workbooks (zipfile + XML)
def _cell(ref: str, value: object) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def table_xml(rows: list[list], extra: str = "", dimension: str | None = None, after: str = "") -> str:
    """A worksheet of ``rows`` (row 1 first) written as Excel writes cells, then ``extra`` inside
    ``<sheetData>`` and ``after`` behind it; ``<dimension ref>`` only when given."""
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(cells)) + "</row>"
        for r, cells in enumerate(rows, 1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>{body}{extra}</sheetData>{after}</worksheet>'


def package(path: Path, sheets: dict[str, str]) -> Path:
    """A minimal .xlsx: the parts calamine and openpyxl need, one worksheet part per entry."""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    listed = "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
        f'main+xml"/>{overrides}</Types>'
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{rel}"><sheets>{listed}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{rels}</Relationships>',
        )
        for i, xml in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


def crafted(
    tmp_path, extra: str = "", dimension: str | None = None, after: str = "", name="far.xlsx"
) -> Path:
    """The header and one good row, then the hostile XML."""
    return package(tmp_path / name, {SHEET: table_xml([ZH, GOOD], extra, dimension, after)})


def far_row(row: int, cells: str) -> str:
    return f'<row r="{row}">{cells}</row>'


# ------------------------------------------------------------------ 3. sheets too large to hold
FAR = '<c r="{ref}"><v>1</v></c>'
EXTENT_CASES = [
    # (case, hostile XML inside sheetData, dimension, XML after sheetData, extent named, message key)
    ("one cell at XFD1048576, no dimension", far_row(1048576, FAR.format(ref="XFD1048576")), None, "",
     "A1:XFD1048576", "extent_columns"),
    ("AZ1048576, the dimension lies small (A1)", far_row(1048576, FAR.format(ref="AZ1048576")), "A1", "",
     "A1:AZ1048576", "extent_area"),
    ("XFD1048576, the dimension says so", far_row(1048576, FAR.format(ref="XFD1048576")), "A1:XFD1048576",
     "", "A1:XFD1048576", "extent_columns"),
    ("a cell without r in a far row", far_row(1048576, "<c><v>1</v></c>") + far_row(3, FAR.format(ref="AZ3")),
     None, "", "A1:AZ1048576", "extent_area"),
    ("600 cells without r in one row", far_row(3, "<c><v>1</v></c>" * 600), None, "", "A1:WB3",
     "extent_columns"),
    ("a namespace prefix (x:c)", far_row(9, f'<x:c xmlns:x="{NS}" r="AZ1048576"><x:v>1</x:v></x:c>'), None,
     "", "A1:AZ1048576", "extent_area"),
    ("a lower-case reference", far_row(9, FAR.format(ref="az1048576")), None, "", "A1:AZ1048576",
     "extent_area"),
    ("single quotes", far_row(9, "<c r='AZ1048576'><v>1</v></c>"), None, "", "A1:AZ1048576", "extent_area"),
    ("spaces around =", far_row(9, '<c r = "AZ1048576"><v>1</v></c>'), None, "", "A1:AZ1048576",
     "extent_area"),
    ("'/>' inside a quoted value", far_row(9, '<c r="AZ1048576" a="/>"><v>1</v></c>'), None, "",
     "A1:AZ1048576", "extent_area"),
    ("a fake r inside another attribute", far_row(9, "<c a='r=\"A1\"' r=\"AZ1048576\"><v>1</v></c>"),
     None, "", "A1:AZ1048576", "extent_area"),
    ("a second r (calamine takes the last)", far_row(9, '<c r="A9" r="AZ1048576"><v>1</v></c>'), None, "",
     "A1:AZ1048576", "extent_area"),
    ("an r with no space before it", far_row(9, '<c s="1"r="AZ1048576"><v>1</v></c>'), None, "",
     "A1:AZ1048576", "extent_area"),
    ("x:r is no r: the cell counts on", far_row(1048576, '<c x:r="A9"><v>1</v></c>') + far_row(3, FAR.format(ref="AZ3")),
     None, "", "A1:AZ1048576", "extent_area"),
    ("a formula without its result", far_row(9, '<c r="AZ1048576"><f>1+1</f></c>'), None, "",
     "A1:AZ1048576", "extent_area"),
    ("an error cell", far_row(9, '<c r="AZ1048576" t="e"><v>#N/A</v></c>'), None, "", "A1:AZ1048576",
     "extent_area"),
    ("an error cell behind </sheetData>", "", None, '<c r="XFD1048576" t="e"><v>#N/A</v></c>',
     "A1:XFD1048576", "extent_columns"),
    ("leading zeros", far_row(9, FAR.format(ref="AZ0001048576")), None, "", "A1:AZ1048576", "extent_area"),
    ("a row beyond Excel's", far_row(9, FAR.format(ref="A99999999")), None, "", "A1:F99999999",
     "extent_excel"),
    ("a column beyond XFD", far_row(9, FAR.format(ref="XFDA1")), None, "", "A1:XFDA2", "extent_excel"),
    ("5,000 rows under a dimension of 16,384 columns",
     "".join(far_row(r, FAR.format(ref=f"A{r}")) for r in range(3, 5003)), "A1:XFD5002", "",
     "A1:XFD5002", "extent_declared"),
]  # fmt: skip


OPENING = {
    "extent_columns": "工作表的使用范围为",
    "extent_area": "工作表的使用范围为",
    "extent_excel": "工作表的单元格位置超出 Excel 的上限",
    "extent_declared": "工作表声明的范围（dimension）为",
}


@pytest.mark.parametrize(
    "extra, dimension, after, extent, key", [c[1:] for c in EXTENT_CASES], ids=[c[0] for c in EXTENT_CASES]
)
def test_3_a_sheet_too_large_to_hold_is_refused_from_its_xml(
    tmp_path, monkeypatch, capsys, extra, dimension, after, extent, key
):
    path = crafted(tmp_path, extra, dimension, after)
    assert path.stat().st_size < 40_000  # a few KB
    no_parsing(monkeypatch)  # refused before calamine or openpyxl sees it
    start = time.perf_counter()
    p = refused(path)
    assert time.perf_counter() - start < 2
    assert (p.sheet, p.row, p.value) == (SHEET, None, extent)
    assert p.expected_zh.startswith(OPENING[key]) and extent in p.expected_zh and extent in p.expected_en
    if key in ("extent_area", "extent_columns"):
        assert (
            "Ctrl+End" in p.expected_zh
            and "删除远离数据的单元格" in p.expected_zh
            and "stray" in p.expected_en
        )
    err = cli_refuses(tmp_path, path, capsys)
    assert f"工作表「{SHEET}」" in err and extent in err


def test_3_the_refusal_costs_milliseconds_and_megabytes(tmp_path):
    """The issue's two workbooks, through ``validate`` in a child process: exit 2 with the message, in
    seconds, below 500 MB at peak (before, XFD1048576 aborted asking 512 GiB; AZ1048576 took 2.3 GB)."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run([sys.executable, '-m', 'allocator', 'validate', sys.argv[1]], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(r.returncode, round(time.perf_counter() - t, 2), peak)\n"
        "sys.stdout.write(r.stderr)\n"
    )
    for ref in ("XFD1048576", "AZ1048576"):
        path = crafted(tmp_path, far_row(1048576, FAR.format(ref=ref)), name=f"{ref}.xlsx")
        out = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=ROOT
        )
        rc, seconds, peak_mb = out.stdout.split("\n", 1)[0].split()
        assert rc == "2" and "Traceback" not in out.stdout, out.stdout
        assert f"A1:{ref}" in out.stdout and "工作表的使用范围" in out.stdout
        assert float(seconds) < 10 and int(peak_mb) < 500, (ref, seconds, peak_mb)


def test_3_the_roster_reader_is_guarded_the_same_way(tmp_path, monkeypatch):
    path = package(
        tmp_path / "apps.xlsx",
        {
            SHEET: table_xml([ZH, GOOD]),
            "人员名单": table_xml([["人员编号"]], far_row(1048576, FAR.format(ref="AZ1048576"))),
        },
    )
    no_parsing(monkeypatch)
    with pytest.raises(InputError) as info:
        read_roster(path)
    (p,) = info.value.problems
    assert (p.sheet, p.value) == ("人员名单", "A1:AZ1048576") and "54,525,952" in p.expected_zh


GENUINE = [
    ("a formatting-only cell at XFD1048576", far_row(1048576, '<c r="XFD1048576" s="1"/>')),
    ("text that looks like a reference", far_row(9, '<c r="A9" t="inlineStr"><is><t> r="XFD1048576"</t></is></c>')),
    ("a cell in the 512th column", far_row(9, FAR.format(ref="SR9"))),
    ("one cell at D1048576 (4 columns, 4,194,304 cells)", far_row(1048576, FAR.format(ref="D1048576"))),
]  # fmt: skip


@pytest.mark.parametrize("extra", [c[1] for c in GENUINE], ids=[c[0] for c in GENUINE])
def test_3_what_a_reader_can_hold_passes_the_guard(tmp_path, extra):
    rows = [ZH[:4], GOOD[:4]] if "D1048576" in extra else [ZH, GOOD]
    path = package(tmp_path / "ok.xlsx", {SHEET: table_xml(rows, extra)})
    data = path.read_bytes()
    workbook_guard.check(path, data, "excel", "0" * 64)  # no InputError


def test_3_formatting_far_away_reads_as_the_data(tmp_path, capsys):
    path = crafted(tmp_path, far_row(1048576, '<c r="XFD1048576" s="1"/>'), "A1:XFD1048576")
    assert main(["validate", str(path)]) == 0
    assert "1 条申报" in capsys.readouterr().out


def test_3_a_full_height_sheet_passes(tmp_path):
    """1,048,576 rows of 5 columns, two of them filled: 5.2 million cells, above the area read without a
    closer look, dense enough to pass; the shipped workbooks pass too."""
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="E{r}"><v>1</v></c></row>' for r in range(2, 1048577)
    )
    path = package(tmp_path / "tall.xlsx", {SHEET: table_xml([ZH[:5]], body)})
    start = time.perf_counter()
    workbook_guard.check(path, path.read_bytes(), "excel", "1" * 64)
    assert time.perf_counter() - start < 10
    for shipped in sorted((ROOT / "scenarios" / "data").glob("*.xlsx")):
        workbook_guard.check(shipped, shipped.read_bytes(), "excel", shipped.name)


@pytest.mark.parametrize(
    "rows, columns, cells, key",
    [
        (1_048_575, 33, 1_048_575 * 33, None),  # the full sheet of the data dictionary
        (1_048_575, 38, 1_048_575 * 9, None),  # every column headed, nine filled a row (as the demo)
        (1_048_576, 64, 1_048_576 * 64, None),  # the largest area read
        (1_048_576, 65, 1_048_576 * 65, "extent_area"),
        (1_048_576, 4, 9, None),  # FREE_AREA: read however empty
        (1_048_576, 5, 9, "extent_area"),
        (88_705, 38, 778_145, None),  # the 100,000-row demo workbook's sheet
        (3, 513, 13, "extent_columns"),
        (1_048_577, 1, 1, "extent_excel"),
    ],
)
def test_3_the_limits(rows, columns, cells, key):
    e = intake_extent.Extent()
    e.rows, e.columns, e.cells = rows, columns, cells
    found = intake_extent.verdict(e)
    assert (found and found[0]) == key


def test_3_the_three_ways_of_reading_a_sheet_agree(tmp_path):
    """The bound, the cells and calamine's own rules give the same extent on a sheet as Excel writes."""
    rows = [ZH] + [[f"A{r}", "甲", C1, "南关区", "c07-other", r] for r in range(2, 3000)]
    path = package(tmp_path / "s.xlsx", {SHEET: table_xml(rows, dimension="A1:F2999")})
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        seen = {m: intake_extent._read(z, info, 4096, m) for m in ("bound", "cells", "exact")}
    assert {(e.holds, e.rows, e.columns, e.cells, e.declared) for e in seen.values()} == {
        (True, 2999, 6, 17994, 6)
    }


def test_3_doctests():
    for module in (intake_extent, intake_ids, intake_lines):
        assert doctest.testmod(module).failed == 0


# ------------------------------------------------------------------ 6. look-alikes are the same thing
def test_6_look_alike_ids_are_one_id_and_a_duplicate(tmp_path, capsys):
    """The issue's three applications, each funded 200,000: now one id written three ways."""
    rows = [ZH] + [
        [i, "甲公司", C1, "南关区", "c07-other", 200_000] for i in ("A0001", "A0001\u200b", "Ａ0001")
    ]
    path = book(tmp_path, {SHEET: rows})
    probs = problems_of(path)
    assert [where(p)[:3] for p in probs] == [(SHEET, r, "申报编号") for r in (2, 3, 4)]
    assert [p.value for p in probs] == ["A0001", "A0001\u200b", "Ａ0001"]  # as written, so it can be found
    for p in probs:
        assert (
            "申报编号重复" in p.expected_zh and "也是 A0001" in p.expected_zh and "写法不同" in p.expected_zh
        )
        assert "duplicate application id" in p.expected_en and "written differently" in p.expected_en
    err = cli_refuses(tmp_path, path, capsys)
    assert err.count("申报编号重复") == 3 and "'A0001\\u200b'" in err


@pytest.mark.parametrize(
    "app_id, says, en",
    [
        ("A0001\u202e", "U+202E", "bidirectional control"),
        ("\u2066A0001\u2069", "U+2066", "bidirectional control"),
        ("A00\u200e01", "U+200E", "bidirectional control"),
        ("A0001\u202b", "U+202B", "bidirectional control"),
        ("A00\n01", "换行符", "line break"),
        ("A00\u2028" + "01", "换行符", "line break"),
    ],
    ids=["RLO", "isolate", "LRM", "RLE", "LF", "line-separator"],
)
def test_6_ids_with_line_breaks_or_bidi_controls_are_refused(tmp_path, app_id, says, en):
    (p,) = problems_of(book(tmp_path, {SHEET: [ZH, [app_id, *GOOD[1:]]]}))
    assert where(p)[:3] == (SHEET, 2, "申报编号") and p.value == app_id
    assert says in p.expected_zh and en in p.expected_en and not re.search(r"[\u4e00-\u9fff]", p.expected_en)


@pytest.mark.parametrize(
    "code", ["９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43\u200b", "\ufeff91350100m000100y43"]
)
def test_6_a_credit_code_typed_full_width_or_with_zero_width_characters_is_read(tmp_path, code):
    df = read_applications(book(tmp_path, {SHEET: [ZH, [*GOOD[:2], code, *GOOD[3:]]]}), POLICY).frame
    assert df["credit_code"].tolist() == [C1]


def test_6_one_firm_however_its_code_is_typed_claims_a_once_only_item_once(tmp_path):
    code = valid_code(4)
    wide = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    data = [
        row("A4", "c04-buy", purchase_area_m2=1_000, credit_code=code, **BUY),
        row("A5", "c04-buy", purchase_area_m2=500, credit_code=wide, **BUY),
    ]
    probs = problems_of(write_workbook(tmp_path / "apps.xlsx", data))
    assert [(p.row, p.value) for p in probs] == [(2, code), (3, code)]
    assert all("申报编号 A4" in p.expected_zh and "申报编号 A5" in p.expected_zh for p in probs)


def test_6_keys_headers_sheet_names_and_items_are_read_as_a_person_reads_them(tmp_path):
    rows = [
        ["申报编号\u200b", *ZH[1:5], "子平台名称", "平台开发投入（元）"],
        ["P1", "甲", C1, "南关区", "c06-platform", "云众包平台", 100],
        ["P2", "甲", C1, "南关区", "ｃ06-platform", "云众包平台\u200b", 100],
    ]
    df = read_applications(book(tmp_path, {SHEET: rows}), POLICY).frame
    assert df["application_id"].tolist() == ["P1", "P2"] and df["item"].tolist() == ["c06-platform"] * 2
    assert df["platform_name"].tolist() == ["云众包平台", "云众包平台"]  # one sub-platform: one cap
    df = read_applications(
        book(tmp_path, {"c07-other\u200b": [ZH[:4], GOOD[:4]]}, name="s.xlsx"), POLICY
    ).frame
    assert df["item"].tolist() == ["c07-other"]


@pytest.mark.parametrize(
    "value, char",
    [("10²", "U+00B2"), ("①", "U+2460"), ("10₂", "U+2082"), ("½", "U+00BD"), ("٣٠٠", "U+0663"), ("१२", "U+0967"),
     ("Ⅻ", "U+216B"), ("𝟏𝟎𝟎", "U+1D7CF")],
    ids=["superscript", "circled", "subscript", "fraction", "arabic-indic", "devanagari", "roman", "math-bold"],
)  # fmt: skip
def test_6_only_plain_digits_make_a_number(tmp_path, value, char):
    (p,) = problems_of(book(tmp_path, {SHEET: [ZH, [*GOOD[:5], value]]}))
    assert where(p) == (SHEET, 2, "申请金额（元）", value)
    assert char in p.expected_zh and "不是普通数字" in p.expected_zh and "no plain digit" in p.expected_en


@pytest.mark.parametrize(
    "value, yuan",
    [
        ("１２３", 123),
        ("１，２００．５", 1200.5),
        ("1 200 000", 1_200_000),
        (" 1 200 ", 1200),
        ("1\u3000200", 1200),
    ],
)
def test_6_full_width_digits_and_thousands_spaces_are_read(tmp_path, value, yuan):
    df = read_applications(book(tmp_path, {SHEET: [ZH, [*GOOD[:5], value]]}), POLICY).frame
    assert df["requested"].tolist() == [yuan]


def test_6_digits_parted_by_stray_spaces_are_no_number(tmp_path):
    (p,) = problems_of(book(tmp_path, {SHEET: [ZH, [*GOOD[:5], "12 00"]]}))
    assert where(p) == (SHEET, 2, "申请金额（元）", "12 00")
    assert "数字之间有空格" in p.expected_zh and "thousands" in p.expected_en


def test_6_a_unit_with_a_superscript_still_reads(tmp_path):
    rent = row("R1", "c04-rent", in_park=1.0, rent_area_m2="120m²", rent_months=10, credit_code=valid_code(4))
    df = read_applications(write_workbook(tmp_path / "apps.xlsx", [rent]), POLICY).frame
    assert df["rent_area_m2"].tolist() == [120]


def test_6_bidi_overrides_in_any_text_are_refused(tmp_path):
    (p,) = problems_of(book(tmp_path, {SHEET: [ZH, ["A1", "甲公司\u202e司公乙", *GOOD[2:]]]}))
    assert where(p)[:3] == (SHEET, 2, "申报单位") and "U+202E" in p.expected_zh


# ------------------------------------------------------------------ 5. no tracebacks: Parquet, numbers, dates
def parquet(tmp_path, name="apps.parquet", **columns) -> Path:
    base = {
        "申报编号": ["A1", "A2"],
        "申报单位": ["甲", "乙"],
        "统一社会信用代码": [C1, C2],
        "所在区": ["南关区", "朝阳区"],
        "支持事项": ["c07-other", "c07-other"],
        "申请金额（元）": [1000, 2000],
    }
    path = tmp_path / name
    pq.write_table(pa.table(base | columns), path)
    return path


PARQUET_REFUSED = [
    ("list id", {"申报编号": [["A1"], ["A2"]]}, "申报编号", "list<"),
    ("struct amount", {"申请金额（元）": [{"a": 1}, {"a": 2}]}, "申请金额（元）", "struct<"),
    ("map district", {"所在区": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64()))}, "所在区", "map<"),
    ("binary not text", {"申报单位": pa.array([b"\xff\xfe", b"\x80"], pa.binary())}, "申报单位", "binary"),
]  # fmt: skip


@pytest.mark.parametrize(
    "columns, header, type_", [c[1:] for c in PARQUET_REFUSED], ids=[c[0] for c in PARQUET_REFUSED]
)
def test_5_a_parquet_column_of_a_nested_type_is_refused(tmp_path, capsys, columns, header, type_):
    path = parquet(tmp_path, **columns)
    probs = problems_of(path)
    assert [(p.row, p.column) for p in probs] == [(2, header), (3, header)]
    assert all(
        type_ in p.expected_zh and "不是单个值" in p.expected_zh and "no single value" in p.expected_en
        for p in probs
    )
    assert "Parquet 列的类型是" in cli_refuses(tmp_path, path, capsys)


def test_5_a_parquet_file_with_a_column_named_twice(tmp_path, capsys):
    arrays = [pa.array(["A1"]), pa.array(["A2"]), *(pa.array([v]) for v in GOOD[1:5])]
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, names=[ZH[0], *ZH[:5]]), path)
    (p,) = problems_of(path)
    assert "列名「申报编号」出现了 2 次" in p.expected_zh and "2 columns named '申报编号'" in p.expected_en
    assert "列名「申报编号」出现了 2 次" in cli_refuses(tmp_path, path, capsys)


def test_5_parquet_cells_that_are_values_are_read(tmp_path):
    import decimal

    path = parquet(
        tmp_path,
        申报编号=pa.array([b"A1", b"A2"], pa.binary()),  # binary that is UTF-8 text
        **{"申请金额（元）": pa.array([decimal.Decimal("1000.5"), None], pa.decimal128(10, 1))},
        备注=[[1], [2]],  # a list under a header of the office's own: ignored, as any such column
    )
    apps = read_applications(path, POLICY)
    assert apps.frame["application_id"].tolist() == ["A1", "A2"]
    assert apps.frame["requested"].tolist()[0] == 1000.5 and [w.column for w in apps.warnings] == ["备注"]
    header_only = parquet(tmp_path, "empty.parquet", **{k: pa.array([], pa.string()) for k in ZH})
    (p,) = problems_of(header_only)
    assert "没有申报数据行" in p.expected_zh


@pytest.mark.parametrize(
    "value, says, en",
    [
        (pa.array([2**63 - 1, 5], pa.int64()), "9.223e+18 大得不合理", "implausibly large"),
        (pa.array([2**64 - 1, 5], pa.uint64()), "1.845e+19 大得不合理", "implausibly large"),
        (pa.array([1e308, 5.0]), "1.000e+308 大得不合理", "implausibly large"),
        (pa.array([float("inf"), 5.0]), "不是有限的数字", "not a finite number"),
        (pa.array([float("nan"), 5.0]), None, None),  # NaN in Parquet is null: blank, as any empty cell
    ],
    ids=["int64-max", "uint64-max", "1e308", "inf", "nan"],
)
def test_5_numbers_at_the_limits_are_refused_naming_the_cell(tmp_path, value, says, en):
    path = parquet(tmp_path, **{"申请金额（元）": value})
    if says is None:
        assert read_applications(path, POLICY).frame["requested"].isna().tolist() == [True, False]
        return
    (p,) = problems_of(path)
    assert (p.row, p.column) == (2, "申请金额（元）") and says in p.expected_zh and en in p.expected_en
    assert len(p.expected_zh) < 200  # a 1e308 is not written out in 309 digits


def test_5_number_cells_at_the_limits_in_a_workbook(tmp_path):
    rows = [ZH] + [[f"A{i}", "甲", valid_code(i), "南关区", "c07-other", i] for i in range(2, 7)]
    path = package(tmp_path / "n.xlsx", {SHEET: table_xml(rows)})
    values = {2: "NaN", 3: "1e400", 4: "9223372036854775807", 5: "1e308", 6: "-0"}
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    for r, v in values.items():
        xml = xml.replace(f'<c r="F{r}"><v>{r}</v></c>', f'<c r="F{r}"><v>{v}</v></c>')
    package(path, {SHEET: xml})
    probs = problems_of(path)
    assert [(p.row, p.column) for p in probs] == [(r, "申请金额（元）") for r in (2, 3, 4, 5)]  # -0 is 0
    assert all(
        s in p.expected_zh for s, p in zip(["有限", "有限", "大得不合理", "大得不合理"], probs, strict=True)
    )


@pytest.mark.parametrize(
    "start, says",
    [
        (dt.datetime(9999, 12, 31), "9999-12-31 超出合理范围（1949–2100 年）"),
        ("-5000-01-01", "不是日期"),
        ("9999-12-31", "9999-12-31 超出合理范围"),
        (dt.datetime(1920, 1, 1), "1920-01-01 超出合理范围"),
        ("٢٠١٧-٠٣-٠١", "U+0662"),
        ("2017-03-0¹", "U+00B9"),
    ],
    ids=["9999-date", "year-minus-5000", "9999-text", "1920", "arabic-indic", "superscript"],
)
def test_5_roster_dates_out_of_range_name_the_cell(tmp_path, start, says):
    code = valid_code(1)
    roster = [("22010219900101001X", code, "本科", start, dt.date(2025, 3, 1), None)]
    path = write_roster_workbook(tmp_path / "apps.xlsx", [row("A1", "c13-hire", credit_code=code)], roster)
    with pytest.raises(InputError) as info:
        read_roster(path)
    (p,) = info.value.problems
    assert (p.sheet, p.row, p.column) == ("人员名单", 2, "合同开始日期") and says in p.expected_zh
    assert (
        re.match(r"[a-z]", p.expected_en) and "date" in p.expected_en and "Traceback" not in str(info.value)
    )


def test_5_a_full_width_date_and_a_look_alike_person_id_are_read(tmp_path):
    code, person = valid_code(1), "22010219900101001X"
    wide = person.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}) + "\u200b"
    roster = [
        (person, code, "本科", "２０１７年３月１日", dt.date(2018, 2, 28), None),
        (wide, code, "本科", "2018-03-01", dt.date(2019, 2, 28), None),
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", [row("A1", "c13-hire", credit_code=code)], roster)
    frame = read_roster(path).frame
    assert frame["contract_start"].dt.date.tolist() == [dt.date(2017, 3, 1), dt.date(2018, 3, 1)]
    assert frame["person_hash"].nunique() == 1  # one person, however the id was typed


# ------------------------------------------------------------------ 5. CSV errors by the file's own line
CSV_HEAD = ",".join(ZH) + "\n"
CSV_CASES = [
    ("a quote left open on line 2", CSV_HEAD + f'A1,"甲公司,{C1},南关区,c07-other,1000\nA2,乙,{C2},南关区,c07-other,2000\n', 2, "引号不成对"),
    ("a quote left open after a two-line cell", CSV_HEAD + f'A1,"甲\n公司",{C1},南关区,c07-other,1\nA2,"乙,{C2},南关区,c07-other,2\n', 4, "引号不成对"),
    ("too many cells after a two-line cell", CSV_HEAD + f'A1,"甲\n公司",{C1},南关区,c07-other,1\nA2,乙,{C2},南关区,c07-other,2,3\n', 4, "本行有 7 个单元格，多于第一行的 6 个"),
    ("too many cells after blank lines", "\n\n" + CSV_HEAD + f"A1,甲,{C1},南关区,c07-other,1,x\n", 4, "本行有 7 个单元格"),
    ("a bad cell after a two-line cell", CSV_HEAD + f'A1,"甲\n公司",{C1},南关区,c07-other,1\nA2,乙,{C2},南关区,c07-other,abc\n', 4, "不是数字"),
    ("old Mac line ends (CR)", (CSV_HEAD + f'A1,"甲\n公司",{C1},南关区,c07-other,1\nA2,乙,{C2},南关区,c07-other,abc\n').replace("\n", "\r"), 4, "不是数字"),
]  # fmt: skip


@pytest.mark.parametrize("text, line, says", [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_5_csv_problems_name_the_physical_line(tmp_path, capsys, text, line, says):
    path = tmp_path / "apps.csv"
    path.write_bytes(text.encode("utf-8"))
    (p,) = problems_of(path)
    assert (p.sheet, p.row) == ("apps", line) and says in p.expected_zh
    assert "row " not in p.expected_en and "line 3" not in p.expected_en  # pandas' own numbers are not shown
    assert f"第{line}行" in cli_refuses(tmp_path, path, capsys)


def test_5_csv_rows_after_a_two_line_cell_keep_their_lines(tmp_path):
    text = CSV_HEAD + f'A1,"甲\n公司",{C1},南关区,c07-other,1\nA2,乙,{C2},南关区,c07-other,2\n'
    (tmp_path / "apps.csv").write_text(text, encoding="utf-8")
    df = read_applications(tmp_path / "apps.csv", POLICY).frame
    assert df["source_row"].tolist() == [2, 4] and df["applicant"].tolist() == ["甲\n公司", "乙"]


# ------------------------------------------------------------------ 5. more hostile cells and sheets
@pytest.mark.parametrize(
    "name",
    ["申报&lt;表&gt;&amp;&quot;", "\u202e表报申", "x" * 300, "😀", ""],
    ids=["xml-escapes", "bidi", "300-characters", "emoji", "empty"],
)
def test_5_odd_sheet_names_are_named_in_a_clean_error(tmp_path, capsys, name):
    path = package(tmp_path / "odd.xlsx", {name: table_xml([ZH[:4], GOOD[:4]])})
    (p,) = problems_of(path)
    shown = name.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"')
    assert (p.sheet, p.row, p.column) == (shown, 1, "支持事项") and "工作表名也不是支持事项" in p.expected_zh
    assert main(["validate", str(path)]) == 2 and "Traceback" not in capsys.readouterr().err


def test_5_merged_header_cells_name_the_column_left_without_a_header(tmp_path):
    path = book(tmp_path, {SHEET: [["申报编号", None, *ZH[2:]], GOOD]})
    wb = openpyxl.load_workbook(path)
    wb[SHEET].merge_cells("A1:B1")
    wb.save(path)
    probs = problems_of(path)
    assert [where(p) for p in probs] == [(SHEET, 1, "申报单位", None), (SHEET, 2, "B", "甲公司")]


@pytest.mark.parametrize(
    "value, says",
    [("nan", "不是数字"), ("inf", "不是数字"), ("-inf", "不是数字"), ("1e400", "不是数字"), ("9" * 400, "不是有限的数字"),
     ("１２万", "应写 120,000"), ("(1200)", "不是数字"), ("1,2,3", "不是数字"), ("1.2.3", "不是数字")],
)  # fmt: skip
def test_5_nan_inf_and_huge_numbers_as_csv_text(tmp_path, value, says):
    (p,) = problems_of(csv(tmp_path, [ZH, [*GOOD[:5], value]]))
    assert where(p)[:3] == ("apps", 2, "申请金额（元）") and says in p.expected_zh


def test_5_an_enormous_text_cell_in_a_csv(tmp_path):
    (p,) = problems_of(csv(tmp_path, [ZH, ["A1", "长" * 5_000_000, C1, "南关区", "c07-other", 1]]))
    assert (p.row, p.column) == (2, "申报单位") and "文本长 5,000,000 个字符" in p.expected_zh
    assert len(p.render()) < 2_000  # the value is shown cut


def test_5_credit_codes_across_rows_still_differ(tmp_path):
    """Folding is no looseness: two firms stay two firms."""
    rows = [ZH, GOOD, ["A2", "乙", C2, "南关区", "c07-other", 1], ["A3", "丙", C3, "南关区", "c07-other", 1]]
    df = read_applications(book(tmp_path, {SHEET: rows}), POLICY).frame
    assert df["credit_code"].tolist() == [C1, C2, C3]
