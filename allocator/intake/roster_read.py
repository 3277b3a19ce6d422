"""Reading the roster (人员名单) sheet: :func:`read_roster` validates it into a :class:`Roster`, person ids
hashed on read (:func:`person_hash`), dates and education parsed (:func:`parse_date`, :func:`qualifies`).

The sheet's columns, the hashing, the reading of the contract dates (both ends inclusive: the end and an
early termination are the contract's last day) and the rules counted from a roster: see
:mod:`allocator.intake.roster`. :data:`HEADERS_ZH` is the header row to write: each date column says how its date
is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl.utils.datetime import from_excel
from python_calamine import CalamineWorkbook

from ..core.errors import InputError, Problem
from . import ids as intake_ids
from .cells import plain_digits, refuse_formula
from .headers import UNIT_SUFFIX, normalise_header
from .messages import ROSTER_MESSAGES
from .opening import load_checked, open_roster_workbook, require_file
from .read import EXPECT, ROSTER_SHEETS, CellProblem, is_blank, parse_code
from .sources import KINDS


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool
    expect_zh: str
    expect_en: str
    aliases: tuple[str, ...] = ()
    hint: str = ""  # how the cell is written, shown in brackets in the header a template writes

    @property
    def header(self) -> str:
        """The Chinese header to write: ``合同结束日期（最后一日，年-月-日）``; read back like ``zh`` itself."""
        return f"{self.zh}（{self.hint}）" if self.hint else self.zh


_DATE_ZH, _DATE_EN = (
    "日期，如 2017-03-01、2017/3/1 或 2017年3月1日",
    "a date, e.g. 2017-03-01, 2017/3/1 or 2017年3月1日",
)
_END_ZH, _END_EN = (
    "合同最后一日的日期（含当日，不早于合同开始日期），如 2017-03-01 开始的1年合同写 2018-02-28、2018/2/28 或 2018年2月28日",
    "the contract's last day (inclusive, not before the start), e.g. 2018-02-28 for a one-year contract "
    "starting 2017-03-01 (2018/2/28 or 2018年2月28日 also read)",
)
_TERM_ZH, _TERM_EN = (
    "空白（未提前解除）或合同提前解除后的最后工作日（含当日，不早于合同开始日期、早于合同结束日期），"
    "如 2017-06-30、2017/6/30 或 2017年6月30日",
    "blank (not ended early) or the last day worked before an early termination (inclusive, on or after "
    "the start and before the end), e.g. 2017-06-30, 2017/6/30 or 2017年6月30日",
)
COLUMNS: tuple[Column, ...] = (
    Column(
        "person_id",
        "人员编号",
        True,
        "非空的人员编号（如身份证号），单元格设为文本格式",
        "a person id (e.g. an ID card number), as text",
        ("身份证号", "身份证号码", "证件号码"),
    ),
    Column("credit_code", "统一社会信用代码", True, *EXPECT["code"]),
    Column(
        "education",
        "学历",
        False,
        "学历：博士、硕士、本科、大专（高职）、中专、高中、初中等",
        "education: 博士, 硕士, 本科, 大专 … or doctor, master, bachelor, college, high school",
        ("最高学历",),
    ),
    Column("contract_start", "合同开始日期", True, _DATE_ZH, _DATE_EN, ("合同起始日期",), "年-月-日"),
    Column("contract_end", "合同结束日期", True, _END_ZH, _END_EN, ("合同截止日期",), "最后一日，年-月-日"),
    Column("terminated_on", "提前解除日期", False, _TERM_ZH, _TERM_EN, (), "最后工作日，年-月-日"),
)
#: The header row a roster sheet is written with (a template, a test): each date column says how its date
#: is written. Any bracketed suffix is read back, so ``合同结束日期（最后一日，年-月-日）`` is ``contract_end``.
HEADERS_ZH: tuple[str, ...] = tuple(c.header for c in COLUMNS)
_HEADERS = {normalise_header(name): c for c in COLUMNS for name in (c.key, c.zh, *c.aliases)}

# 大专以上 (counts) and below, matched inside the cell (大学本科, 硕士研究生, 全日制大专 …); English exactly.
_ABOVE = ("博士", "硕士", "研究生", "本科", "学士", "大专", "专科", "高职")
_BELOW = (
    "中专",
    "中职",
    "职高",
    "技校",
    "中技",
    "高中",
    "初中",
    "小学",
    "以下",
)  # 大专以下: neither, a problem
_ABOVE_EN = frozenset({"phd", "doctor", "doctorate", "master", "masters", "bachelor", "college", "associate"})
_BELOW_EN = frozenset({"highschool", "secondary", "vocational", "middleschool", "primary"})
_DATE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII
)
_SERIALS = (32874, 73051)  # Excel serial numbers of 1990-01-01 and 2100-01-01
_YEARS = (1949, 2100)  # a contract outside these years is a typing error (or a negative serial: 1899-12-25)


@dataclass(frozen=True, eq=False)
class Roster:
    """A validated roster. ``frame``: person_hash, credit_code, education (str or None), qualified (bool),
    contract_start, contract_end, terminated_on (datetime64, NaT when blank), source_sheet, source_row.
    """

    frame: pd.DataFrame
    path: Path
    sha256: str
    sheets: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.frame)


def person_hash(person_id: str, workbook_sha256: str) -> str:
    """The stored form of a person id: HMAC-SHA256 keyed with the workbook's digest, 16 hex characters.

    >>> h = person_hash(" 22010219900101001x ", "00" * 32)
    >>> len(h), h == person_hash("22010219900101001X", "00" * 32), h == person_hash("22010219900101001X", "11" * 32)
    (16, True, False)
    """
    text = "".join(intake_ids.fold(person_id).split()).upper()
    return hmac.new(bytes.fromhex(workbook_sha256), text.encode(), hashlib.sha256).hexdigest()[:16]


def qualifies(education: str) -> bool:
    """True for 大专 and above, False below; :class:`ValueError` when the text is neither.

    >>> qualifies("大学本科"), qualifies("硕士研究生"), qualifies("高职"), qualifies("中专"), qualifies("Bachelor")
    (True, True, True, False, True)
    """
    s = "".join(unicodedata.normalize("NFKC", education).split())
    above, below = any(w in s for w in _ABOVE), any(w in s for w in _BELOW)
    low = s.lower().replace("'", "").replace("’", "")
    above |= low in _ABOVE_EN or low.startswith(("bachelor", "master", "doctor"))
    below |= low in _BELOW_EN or "highschool" in low
    if above == below:
        raise ValueError(education)
    return above


def parse_date(value: object) -> dt.date:
    """A date from an Excel date cell, its serial number, or text (2017-03-01, 2017/3/1, 2017年3月1日).

    >>> parse_date("2017年3月1日"), parse_date(" 2017/3/1 "), parse_date(42795)
    (datetime.date(2017, 3, 1), datetime.date(2017, 3, 1), datetime.date(2017, 3, 1))
    """
    date = _date(value)
    if not _YEARS[0] <= date.year <= _YEARS[1]:
        raise CellProblem(
            f"日期 {date:%Y-%m-%d} 超出合理范围（{_YEARS[0]}–{_YEARS[1]} 年）",
            f"the date {date:%Y-%m-%d} is out of range ({_YEARS[0]}-{_YEARS[1]})",
        )
    return date


def _date(value: object) -> dt.date:
    refuse_formula(value, "不是日期（超出 Excel 日期范围的序号也读作 #VALUE!）", "not a date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("不是日期", "not a date")
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:  # 20170301 typed as a number
            value = str(int(value))
        elif _SERIALS[0] <= value < _SERIALS[1]:
            return from_excel(value).date()
        else:
            raise CellProblem("数字不是日期", "a number that is not a date")
    s = "".join(str(value).split())
    plain_digits(s, "不是日期", "not a date")  # ２０１７年３月１日 is read, 2017年3月１⁰日 is not
    s = unicodedata.normalize("NFKC", s)
    m = _DATE.fullmatch(s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s, re.ASCII)
    if not m:
        raise CellProblem("不是日期", "not a date")
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise CellProblem("日期不存在", "no such date") from None


def read_roster(path: str | Path) -> Roster | None:
    """Read and validate the roster sheet(s) of an applications workbook; None when it has none.

    Raises one :class:`InputError` listing every problem (sheet, row, column, value, expected).
    """
    path = Path(path)
    require_file(path)
    if KINDS.get(path.suffix.lower()) != "excel":  # a CSV or Parquet file: one table, no roster
        return None
    data, digest = load_checked(path)  # the guard (workbook_guard) passes the bytes before calamine sees them
    if not _may_have_roster(data):
        return None
    reader = _Reader(path, digest)
    wb = open_roster_workbook(path, data, digest)
    try:
        with warnings.catch_warnings():  # openpyxl warns of a date out of range; #VALUE! is said per cell
            warnings.simplefilter("ignore", UserWarning)
            for ws in wb.worksheets:
                if normalise_header(ws.title) in ROSTER_SHEETS:  # read even when hidden
                    reader.sheets.append(ws.title)
                    try:
                        reader.sheet(ws)
                    except (zipfile.BadZipFile, ParseError, KeyError) as exc:
                        reader.problem(ws.title, None, None, None, "unreadable", exc=exc)
    finally:
        wb.close()
    return reader.result() if reader.sheets else None


def _may_have_roster(data: bytes) -> bool:
    """False for a workbook without a roster sheet, told from its sheet names by calamine in a fraction
    of a second; openpyxl takes seconds to open a 100,000-row workbook only to find none. Anything
    calamine cannot open goes on to openpyxl."""
    try:
        names = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    except Exception:  # openpyxl reports it, as it always did
        return True
    return any(normalise_header(name) in ROSTER_SHEETS for name in names)


@dataclass(frozen=True)
class _Cell:
    index: int
    column: Column
    header: str  # as written


class _Reader:
    def __init__(self, path: Path, sha256: str) -> None:
        self.path, self.sha256 = path, sha256
        self.sheets: list[str] = []
        self.problems: list[tuple[int, int, int, Problem]] = []
        self.rows: list[dict] = []

    def problem(self, sheet: str, row: int | None, cell: _Cell | str | None, value, msg: str, **kw) -> None:
        if isinstance(cell, _Cell):
            kw = {"expect_zh": cell.column.expect_zh, "expect_en": cell.column.expect_en, **kw}
        zh, en = (t.format(**kw) for t in ROSTER_MESSAGES[msg])
        header = cell.header if isinstance(cell, _Cell) else cell
        key = (self.sheets.index(sheet), row or 0, cell.index if isinstance(cell, _Cell) else -1)
        self.problems.append((*key, Problem(self.path.name, sheet, row, header, value, zh, en)))

    def sheet(self, ws) -> None:
        ws.reset_dimensions()
        cols: dict[str, _Cell] | None = None
        for r, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1):
            if cols is None:
                if not all(is_blank(v) for v in values):
                    cols = self.header(ws.title, r, values)
                    if not cols:
                        return
                continue
            cells = {k: (values[c.index] if c.index < len(values) else None) for k, c in cols.items()}
            if not all(is_blank(v) for v in cells.values()):
                self.row(ws.title, r, cols, cells)

    def header(self, sheet: str, r: int, values: tuple) -> dict[str, _Cell]:
        cols: dict[str, _Cell] = {}
        for i, raw in enumerate(values):
            s = "" if is_blank(raw) else normalise_header(raw)
            m = UNIT_SUFFIX.fullmatch(s)
            column = _HEADERS.get(s) or (_HEADERS.get(m.group(1)) if m else None)
            if column is None:
                continue  # blank, or a column such as a name: ignored, never read
            cell = _Cell(i, column, str(raw))
            if column.key in cols:
                self.problem(
                    sheet,
                    r,
                    cell.header,
                    cell.header,
                    "dup_column",
                    first=cols[column.key].header,
                    key=column.key,
                )
            else:
                cols[column.key] = cell
        if not cols:
            self.problem(sheet, r, None, None, "no_header")
        for c in COLUMNS if cols else ():
            if c.required and c.key not in cols:
                self.problem(sheet, r, c.zh, None, "missing_column", zh=c.zh, key=c.key, header=c.header)
        return cols

    def row(self, sheet: str, r: int, cols: dict[str, _Cell], cells: dict[str, object]) -> None:
        out: dict[str, object] = {"education": None, "qualified": True, "terminated_on": None}
        n = len(self.problems)
        for key, cell in cols.items():
            value = cells[key]
            if is_blank(value):
                if cell.column.required or key == "education":  # a 学历 column, once there, is filled in
                    self.problem(sheet, r, cell, None, "required")
                continue
            try:
                if key in ("person_id", "education"):  # #REF! is no id; dates and codes say it themselves
                    refuse_formula(value, "不是有效值", "not a value")
                if key == "person_id":  # hashed at once; never kept, never shown (problems name the row)
                    out["person_hash"] = person_hash(_person_id(value), self.sha256)
                elif key == "credit_code":
                    out[key] = parse_code(value)
                elif key == "education":
                    out[key], out["qualified"] = str(value).strip(), _qualified(value)
                else:
                    out[key] = parse_date(value)
            except CellProblem as b:
                shown = None if key == "person_id" else value
                self.problem(sheet, r, cell, shown, "bad", why_zh=b.zh, why_en=b.en)
        # both dates are days of the contract (its first and its last); an early termination is its last day
        # worked, so S <= T < E: terminated on the end date is no early termination
        start, end, term = out.get("contract_start"), out.get("contract_end"), out["terminated_on"]
        days = {k: f"{d:%Y-%m-%d}" for k, d in (("start", start), ("end", end), ("term", term)) if d}
        if start and end and end < start:
            self.problem(sheet, r, cols["contract_end"], cells["contract_end"], "end", **days)
        elif start and end and term and not start <= term < end:
            self.problem(sheet, r, cols["terminated_on"], cells["terminated_on"], "terminated", **days)
        if len(self.problems) == n:
            self.rows.append(out | {"source_sheet": sheet, "source_row": r})

    def result(self) -> Roster:
        if self.problems:
            raise InputError([p for *_, p in sorted(self.problems, key=lambda t: t[:3])], file=str(self.path))
        col = {
            k: [x[k] for x in self.rows] for k in ("person_hash", "credit_code", "education", "source_sheet")
        }
        frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in col.items() if k != "source_sheet"})
        frame["qualified"] = pd.Series([x["qualified"] for x in self.rows], dtype=bool)
        for k in ("contract_start", "contract_end", "terminated_on"):
            frame[k] = pd.Series(pd.to_datetime([x[k] for x in self.rows]), dtype="datetime64[ns]")
        frame["source_sheet"] = pd.Series(col["source_sheet"], dtype=object)
        frame["source_row"] = pd.Series([x["source_row"] for x in self.rows], dtype="int64")
        return Roster(frame, self.path, self.sha256, tuple(self.sheets))


def _qualified(value: object) -> bool:
    try:
        return qualifies(str(value))
    except ValueError:
        raise CellProblem("无法识别的学历", "unknown education") from None


def _person_id(value: object) -> str:
    if isinstance(value, bool):
        raise CellProblem("不是人员编号", "not a person id")
    if isinstance(value, int | float):  # an ID number typed without text format loses digits past 15
        if float(value).is_integer() and abs(value) < 10**15:
            return str(int(value))
        raise CellProblem(
            "人员编号被存成了数字，已丢失精度；请把该列设为文本格式后重新输入",
            "the id was stored as a number and has lost precision; format the column as text and re-enter it",
        )
    try:  # one person however the id is typed; a line break or a bidirectional control is refused
        return intake_ids.key(str(value).strip())
    except intake_ids.KeyProblem as why:
        raise CellProblem(why.zh, why.en) from None
