"""Roster: the optional 人员名单 sheet, and clause （十三）'s per-hire rule counted from it.

Clause （十三） pays an enterprise up to 2,000 yuan for each newly hired college graduate (大专以上) with a
labour contract of at least one year, but "对被录用人员提前解除合同，并在原合同规定的1年期内，与其他服务
外包企业或原企业签订新的《劳动合同》的不再予以资金支持". With a roster the tool counts ``eligible_hires``
itself instead of trusting the declared number, and lists every contract it did not count, with why.

The sheet (named 人员名单 or ``roster``, see :data:`allocator.intake.ROSTER_SHEETS`) has one row per labour
contract. Headers are Chinese or English keys, tolerated as intake does (spaces, full-width brackets, a
leading ``*``, a bracketed suffix such as ``合同开始日期（年-月-日）``); other columns (a name, say) are
ignored and never read:

==================  ==============  ========  ==========================================================
header              key             needed    cell
==================  ==============  ========  ==========================================================
人员编号             person_id       yes       text, e.g. an ID card number; hashed on read (below)
统一社会信用代码      credit_code     yes       the hiring enterprise (GB 32100 check character)
学历                 education       no        博士、硕士、本科、大专/高职 … count; without the column: all do
合同开始日期          contract_start  yes       an Excel date, 2017-03-01, 2017/3/1 or 2017年3月1日
合同结束日期          contract_end    yes       a date, not before the start
提前解除日期          terminated_on   no        a date from the start up to before the end; blank: not ended early
==================  ==============  ========  ==========================================================

**Person ids are never kept in clear.** Each id (spaces removed, NFKC, upper case) is replaced on read by
``HMAC-SHA256(key = the workbook's SHA-256 digest, id)``, hex, first 16 characters: stable within one
workbook, so the rules can match a person across rows, yet not reversible by trying all ID numbers without
the workbook itself. The same person gets a different hash in a different workbook. Problems about an id
cell name its row, never its value.

Readings of the clause (:func:`apply_roster`), with ``S``/``E``/``T`` a contract's start, end and early
termination and ``A = S + 1 year`` its anniversary (same month and day; 29 Feb → 28 Feb):

- **one year** (1年以上（含1年）): ``E ≥ A``, the end date reaching the anniversary: 2017-03-01 → 2018-03-01
  is one year, 2017-03-01 → 2018-02-28 is not. A contract that writes its last day as the end
  (…至2018年2月28日) therefore falls one day short: record such contracts' end as the day after.
- **newly hired in the year**: ``S`` falls in the allocation ``year``; the signing date is read as ``S``.
- **a contract's period** is ``[S, T or E)``: one starting the day another ends or was terminated does not
  overlap it.

A contract starting in ``year`` is counted unless one of these rules excludes it (the first that applies,
in this order, is its reason; one row per excluded contract):

1. ``resigned`` (a) — the same person had another contract ``O`` (any enterprise, this one included) ended
   early with ``T_O ≤ S < A_O``: signed again within the original contract's one-year period after an early
   termination. The NEW contract is not paid; the original, if it starts in ``year``, still counts (the
   clause withholds support for the re-signing, and a terminated contract was still signed for a year).
2. ``overlap`` (b) — the same person's contract at another enterprise overlaps this one and started earlier:
   the later claim is excluded; on the same start date both are. The reason names the other enterprise's
   credit code, never the person. Every roster contract (any year, whether counted or not) is a claim.
3. ``duplicate`` — the same person's overlapping contracts at one enterprise are one hire (a repeated row,
   or a contract replacing another): the one kept is the one that qualifies by itself (one year, 大专以上),
   then the earliest start, the latest end, the latest termination, the first row; the others are excluded.
   The choice depends on the rows' contents, not their order.
4. ``short`` (c) — ``E < A``: the contract is shorter than one year.
5. ``education`` (d) — below 大专.

Contracts starting in other years are context (for rules 1–3) and are neither counted nor listed. So
no person is counted twice in a year: of two contracts starting in one year, the later one either overlaps
the earlier or follows its early termination within its first year.

Per application: ``eligible_hires = #{contracts of its enterprise starting in year, not excluded}``. An
enterprise with no roster row at all keeps its declared ``eligible_hires`` (a roster may cover only some
enterprises); :func:`hire_counts` says which applications were counted from the roster and which kept their
declared number. Two hiring applications of one enterprise with roster rows cannot be told apart: an
:class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl.utils.datetime import from_excel

from .errors import InputError, Problem
from .intake import EXPECT, ROSTER_SHEETS, _Bad, _blank, _code, _norm, _open, _read_bytes

#: The policy item whose ``eligible_hires`` a roster counts.
ITEM = "c13-hire"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool
    expect_zh: str
    expect_en: str
    aliases: tuple[str, ...] = ()


_DATE_ZH, _DATE_EN = (
    "日期，如 2017-03-01、2017/3/1 或 2017年3月1日",
    "a date, e.g. 2017-03-01, 2017/3/1 or 2017年3月1日",
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
    Column("contract_start", "合同开始日期", True, _DATE_ZH, _DATE_EN, ("合同起始日期",)),
    Column("contract_end", "合同结束日期", True, _DATE_ZH, _DATE_EN, ("合同截止日期",)),
    Column("terminated_on", "提前解除日期", False, f"空白（未提前解除）或{_DATE_ZH}", f"blank or {_DATE_EN}"),
)
_HEADERS = {_norm(name): c for c in COLUMNS for name in (c.key, c.zh, *c.aliases)}
_SUFFIX = re.compile(r"(.+?)\(([^()]*)\)")

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
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_SERIALS = (32874, 73051)  # Excel serial numbers of 1990-01-01 and 2100-01-01


class Rule(StrEnum):
    """Why a contract was not counted (``rule`` column of the exclusions)."""

    RESIGNED = "resigned"  # (a) re-signed within the original contract's year after an early termination
    OVERLAP = "overlap"  # (b) the same person claimed by another enterprise, overlapping
    DUPLICATE = "duplicate"  # the same person twice at one enterprise, overlapping
    SHORT = "short"  # (c) contract shorter than one year
    EDUCATION = "education"  # (d) below 大专


#: Each rule's reason (Chinese, English); they name enterprises, dates and roster rows, never a person.
REASONS: dict[Rule, tuple[str, str]] = {
    Rule.RESIGNED: (
        "提前解除合同后在原合同1年期内重新签约，按条款（十三）不再予以资金支持（原合同：企业 {code}，{start} 开始，{end} 提前解除）",
        "signed again within the original contract's first year after an early termination (original at {code}: "
        "started {start}, ended early {end}); clause 十三 gives no support",
    ),
    Rule.OVERLAP: (
        "同一人员同时被企业 {codes_zh} 申报且合同期重叠，{zh}",
        "the same person is claimed by {codes_en} with an overlapping contract; {en}",
    ),
    Rule.DUPLICATE: (
        "同一人员在本企业的合同与第{rows}行重复或期限重叠，只计算一次",
        "the same person's contract at this enterprise repeats or overlaps row(s) {rows}; counted once",
    ),
    Rule.SHORT: (
        "劳动合同不足1年（{start} 至 {end}）；条款（十三）要求签订1年以上（含1年）劳动合同",
        "the contract is shorter than one year ({start} to {end}); clause 十三 requires one year or more",
    ),
    Rule.EDUCATION: (
        "学历「{education}」低于大专；条款（十三）要求大专以上学历",
        "education {education!r} is below 大专 (college); clause 十三 requires college or above",
    ),
}


#: Columns of the exclusions frame: one row per roster contract starting in the year and not counted.
EXCLUSION_COLUMNS = (
    "person_hash",
    "credit_code",
    "application_id",  # the enterprise's hiring application, or None
    "reason_zh",
    "reason_en",
    "rule",  # a Rule value
    "source_sheet",
    "source_row",  # where the contract is in the roster (the row, never the id)
)
#: Columns of :func:`hire_counts`.
COUNT_COLUMNS = ("application_id", "credit_code", "declared", "counted", "excluded", "from_roster")


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
    text = "".join(unicodedata.normalize("NFKC", person_id).split()).upper()
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
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _Bad("不是日期", "not a date")
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:  # 20170301 typed as a number
            value = str(int(value))
        elif _SERIALS[0] <= value < _SERIALS[1]:
            return from_excel(value).date()
        else:
            raise _Bad("数字不是日期", "a number that is not a date")
    s = "".join(str(value).split())
    m = _DATE.fullmatch(s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise _Bad("不是日期", "not a date")
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise _Bad("日期不存在", "no such date") from None


def read_roster(path: str | Path) -> Roster | None:
    """Read and validate the roster sheet(s) of an applications workbook; None when it has none.

    Raises one :class:`InputError` listing every problem (sheet, row, column, value, expected).
    """
    path = Path(path)
    data = _read_bytes(path)
    reader = _Reader(path, hashlib.sha256(data).hexdigest())
    wb = _open(path, data)
    try:
        for ws in wb.worksheets:
            if _norm(ws.title) in ROSTER_SHEETS:  # read even when hidden
                reader.sheets.append(ws.title)
                try:
                    reader.sheet(ws)
                except (zipfile.BadZipFile, ParseError, KeyError) as exc:
                    reader.problem(ws.title, None, None, None, "unreadable", exc=exc)
    finally:
        wb.close()
    return reader.result() if reader.sheets else None


# Problems above the value level, as (Chinese, English) templates.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填，应为{expect_zh}", "required: {expect_en}"),
    "bad": ("{why_zh}；应为{expect_zh}", "{why_en}; expected {expect_en}"),
    "end": ("合同结束日期早于合同开始日期", "the contract ends before it starts"),
    "terminated": (
        "提前解除日期应不早于合同开始日期，且早于合同结束日期",
        "an early termination must be on or after the start and before the end",
    ),
    "dup_column": ("列重复：与「{first}」是同一列，请删除一列", "duplicate column: {first!r} is also {key}"),
    "no_header": (
        "表头行中没有可识别的列名（人员编号、统一社会信用代码、合同开始日期、合同结束日期）",
        "no known column in the header row (person_id, credit_code, contract_start, contract_end)",
    ),
    "missing_column": ("缺少必填列「{zh}」", "required column {key!r} is missing"),
    "unreadable": ("工作表无法读取（文件已损坏）：{exc}", "cannot read the sheet: {exc}"),
}


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
        zh, en = (t.format(**kw) for t in MESSAGES[msg])
        header = cell.header if isinstance(cell, _Cell) else cell
        key = (self.sheets.index(sheet), row or 0, cell.index if isinstance(cell, _Cell) else -1)
        self.problems.append((*key, Problem(self.path.name, sheet, row, header, value, zh, en)))

    def sheet(self, ws) -> None:
        ws.reset_dimensions()
        cols: dict[str, _Cell] | None = None
        for r, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1):
            if cols is None:
                if not all(_blank(v) for v in values):
                    cols = self.header(ws.title, r, values)
                    if not cols:
                        return
                continue
            cells = {k: (values[c.index] if c.index < len(values) else None) for k, c in cols.items()}
            if not all(_blank(v) for v in cells.values()):
                self.row(ws.title, r, cols, cells)

    def header(self, sheet: str, r: int, values: tuple) -> dict[str, _Cell]:
        cols: dict[str, _Cell] = {}
        for i, raw in enumerate(values):
            s = "" if _blank(raw) else _norm(raw)
            m = _SUFFIX.fullmatch(s)
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
                self.problem(sheet, r, c.zh, None, "missing_column", zh=c.zh, key=c.key)
        return cols

    def row(self, sheet: str, r: int, cols: dict[str, _Cell], cells: dict[str, object]) -> None:
        out: dict[str, object] = {"education": None, "qualified": True, "terminated_on": None}
        n = len(self.problems)
        for key, cell in cols.items():
            value = cells[key]
            if _blank(value):
                if cell.column.required or key == "education":  # a 学历 column, once there, is filled in
                    self.problem(sheet, r, cell, None, "required")
                continue
            try:
                if key == "person_id":  # hashed at once; never kept, never shown (problems name the row)
                    out["person_hash"] = person_hash(_person_id(value), self.sha256)
                elif key == "credit_code":
                    out[key] = _code(value)
                elif key == "education":
                    out[key], out["qualified"] = str(value).strip(), _qualified(value)
                else:
                    out[key] = parse_date(value)
            except _Bad as b:
                shown = None if key == "person_id" else value
                self.problem(sheet, r, cell, shown, "bad", why_zh=b.zh, why_en=b.en)
        start, end, term = out.get("contract_start"), out.get("contract_end"), out["terminated_on"]
        if start and end and end < start:
            self.problem(sheet, r, cols["contract_end"], cells["contract_end"], "end")
        elif start and end and term and not start <= term < end:
            self.problem(sheet, r, cols["terminated_on"], cells["terminated_on"], "terminated")
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
        raise _Bad("无法识别的学历", "unknown education") from None


def _person_id(value: object) -> str:
    if isinstance(value, bool):
        raise _Bad("不是人员编号", "not a person id")
    if isinstance(value, int | float):  # an ID number typed without text format loses digits past 15
        if float(value).is_integer() and abs(value) < 10**15:
            return str(int(value))
        raise _Bad(
            "人员编号被存成了数字，已丢失精度；请把该列设为文本格式后重新输入",
            "the id was stored as a number and has lost precision; format the column as text and re-enter it",
        )
    return str(value)


# ------------------------------------------------------------------------------------------- the rule
def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def judge(roster: Roster, year: int) -> pd.DataFrame:
    """Every roster contract with ``in_year``, ``rule`` (a :class:`Rule` or None), ``reason_zh``, ``reason_en``.

    Rules and their order: see the module docstring. Pure; the roster is not changed.
    """
    r = roster.frame.reset_index(drop=True)
    r = r.assign(
        i=range(len(r)),
        anniversary=r["contract_start"] + pd.DateOffset(years=1),
        until=r["terminated_on"].fillna(r["contract_end"]),
    )
    # which of one enterprise's overlapping contracts of a person is kept (rule 3): a lower rank
    unfit = (r["contract_end"] < r["anniversary"]) | ~r["qualified"]
    order = pd.DataFrame(
        {"u": unfit, "s": r["contract_start"], "e": r["contract_end"], "t": r["until"], "i": r["i"]}
    )
    order = order.sort_values(["u", "s", "e", "t", "i"], ascending=[True, True, False, False, True])
    r["rank"] = pd.Series(range(len(r)), index=order.index)
    m = r.merge(r, on="person_hash", suffixes=("", "_o"))
    m = m[m["i"] != m["i_o"]]
    start, start_o = m["contract_start"], m["contract_start_o"]
    resign = m[m["terminated_on_o"].notna() & (start >= m["terminated_on_o"]) & (start < m["anniversary_o"])]
    ov = m[(start < m["until_o"]) & (start_o < m["until"])]
    later = ov["contract_start"] > ov["contract_start_o"]
    tie = ov["contract_start"] == ov["contract_start_o"]
    same = ov["credit_code"] == ov["credit_code_o"]
    overlap = ov[~same & (later | tie)]
    duplicate = ov[same & (ov["rank"] > ov["rank_o"])]

    rules: dict[int, tuple[Rule, str, str]] = {}

    def mark(i: int, rule: Rule, **kw) -> None:
        rules.setdefault(i, (rule, *(t.format(**kw) for t in REASONS[rule])))

    for i, g in resign.sort_values("contract_start_o").groupby("i", sort=False):
        o = g.iloc[0]
        mark(
            i,
            Rule.RESIGNED,
            code=o["credit_code_o"],
            start=_day(o["contract_start_o"]),
            end=_day(o["terminated_on_o"]),
        )
    for i, g in overlap.groupby("i"):
        codes = sorted(set(g["credit_code_o"]))
        tie = bool((g["contract_start_o"] == g["contract_start"]).any())
        zh, en = (
            ("同日开始，双方均不计算", "both started the same day: neither counts")
            if tie
            else ("对方合同开始较早，本合同不计算", "the other started earlier: this one does not count")
        )
        mark(i, Rule.OVERLAP, codes_zh="、".join(codes), codes_en=", ".join(codes), zh=zh, en=en)
    for i, g in duplicate.groupby("i"):
        mark(i, Rule.DUPLICATE, rows=", ".join(str(x) for x in sorted(g["source_row_o"])))
    for i in r.index[r["contract_end"] < r["anniversary"]]:
        mark(i, Rule.SHORT, start=_day(r.at[i, "contract_start"]), end=_day(r.at[i, "contract_end"]))
    for i in r.index[~r["qualified"]]:
        mark(i, Rule.EDUCATION, education=r.at[i, "education"])
    picked = [rules.get(i, (None, None, None)) for i in r.index]
    return r.drop(columns=["i", "anniversary", "until", "rank"]).assign(
        in_year=r["contract_start"].dt.year == year,
        rule=pd.Series([p[0] for p in picked], dtype=object),
        reason_zh=pd.Series([p[1] for p in picked], dtype=object),
        reason_en=pd.Series([p[2] for p in picked], dtype=object),
    )


def hire_counts(frame: pd.DataFrame, roster: Roster | None, year: int, item: str = ITEM) -> pd.DataFrame:
    """One row per ``item`` application (:data:`COUNT_COLUMNS`, indexed like ``frame``): ``declared``
    eligible_hires, ``counted`` from the roster (NaN when its enterprise has no roster row), ``excluded``
    contracts of the year, and ``from_roster``. Raises :class:`InputError` when two such applications share
    an enterprise that has roster rows.
    """
    return _counts(frame, roster, None if roster is None else judge(roster, year), item)


def _counts(
    frame: pd.DataFrame, roster: Roster | None, judged: pd.DataFrame | None, item: str
) -> pd.DataFrame:
    apps = frame[frame["item"] == item]
    codes = apps["credit_code"]
    covered = codes.isin(set() if judged is None else set(judged["credit_code"]))
    if roster is not None:
        _check_unique(apps[covered], roster.path)
    kept, dropped = pd.Series(dtype="int64"), pd.Series(dtype="int64")
    if judged is not None:
        year_rows = judged[judged["in_year"]]
        kept = year_rows[year_rows["rule"].isna()]["credit_code"].value_counts()
        dropped = year_rows[year_rows["rule"].notna()]["credit_code"].value_counts()
    return pd.DataFrame(
        {
            "application_id": apps["application_id"].astype(object),
            "credit_code": codes.astype(object),
            "declared": apps["eligible_hires"].astype(float),
            "counted": codes.map(kept).fillna(0).astype(float).where(covered),
            "excluded": codes.map(dropped).fillna(0).astype("int64"),
            "from_roster": covered.astype(bool),
        },
        columns=list(COUNT_COLUMNS),
    )


def _check_unique(apps: pd.DataFrame, path: Path) -> None:
    dup = apps[apps["credit_code"].duplicated(keep=False)]
    problems = []
    for code, g in dup.groupby("credit_code", sort=False):
        ids = "、".join(g["application_id"].astype(str))
        zh = f"同一企业有多条条款（十三）新录用员工申报（{ids}），人员名单无法区分；请合并为一条申报"
        en = f"one enterprise has several clause 十三 hiring applications ({ids.replace('、', ', ')}); merge them"
        for _, a in g.iterrows():
            row = None if pd.isna(a.get("source_row")) else int(a["source_row"])
            problems.append(Problem(path.name, a.get("source_sheet"), row, "统一社会信用代码", code, zh, en))
    if problems:
        raise InputError(problems, file=str(path))


def apply_roster(
    frame: pd.DataFrame, roster: Roster | None, year: int, item: str = ITEM
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count ``eligible_hires`` of each ``item`` application from the roster; the rules are in the module
    docstring. Returns (the new frame, the exclusions: :data:`EXCLUSION_COLUMNS`, in roster order). Pure:
    ``frame`` is not changed; other rows, and applications whose enterprise has no roster row, keep their
    values. ``roster`` None (no roster sheet) gives the frame back unchanged and no exclusions.
    """
    out = frame.copy()
    if roster is None:
        empty = {c: pd.Series(dtype="int64" if c == "source_row" else object) for c in EXCLUSION_COLUMNS}
        return out, pd.DataFrame(empty)
    judged = judge(roster, year)
    counts = _counts(frame, roster, judged, item)
    hit = counts[counts["from_roster"]]
    out.loc[hit.index, "eligible_hires"] = hit["counted"].to_numpy(dtype=float)
    app_of = dict(zip(hit["credit_code"], hit["application_id"], strict=True))
    ex = judged[judged["in_year"] & judged["rule"].notna()]
    ex = ex.assign(
        application_id=pd.Series([app_of.get(c) for c in ex["credit_code"]], index=ex.index, dtype=object),
        rule=ex["rule"].map(str).astype(object),
    )
    return out, ex[list(EXCLUSION_COLUMNS)].reset_index(drop=True)
