"""Intake: read the applications workbook into one validated frame.

The workbook may have any number of sheets; each row is one application for one item. The first
non-empty row of a sheet is its header. A header is a field's English key or its Chinese header
(:mod:`allocator.fields`), with spaces (also full-width), full-width brackets, a leading ``*`` and a
unit suffix tolerated: ``注册资本（万元）`` is read in ten-thousands of yuan and multiplied by 10,000.
The item of a row is its ``item`` / 支持事项 cell (id or Chinese name) or, where the sheet has no such
column, the sheet's name. Instruction sheets (填写说明, instructions), the template's option list (选项)
and hidden sheets are skipped; unknown columns are ignored.

A field an item does not use is ignored: only the common fields (:data:`COMMON_KEYS`) and the fields
named in the item's conditions and amount formula (:func:`item_fields`) are validated and kept; the
others are blank in the frame.

Validation is lazy: every bad cell becomes a :class:`~allocator.errors.Problem` (file, sheet, Excel
row, header as written, value, what was expected) and all of them are raised in one
:class:`~allocator.errors.InputError`.

The frame has one row per application and a column for every key in :data:`allocator.fields.FIELDS`:
text kinds (text, item, code) as ``str`` or ``None`` in object dtype, ``item`` as the item id,
numbers as float64 with NaN for blank, yes/no as float64 1.0/0.0/NaN; plus ``source_sheet`` (str)
and ``source_row`` (int, the Excel row).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from . import creditcode
from .errors import InputError, Problem
from .fields import BY_KEY, FIELDS, SOURCE_ROW, SOURCE_SHEET, Field
from .policy import Item, Policy

#: Sheets that never hold applications (compared after stripping spaces, case-insensitively).
ROSTER_SHEETS = frozenset({"人员名单", "roster"})  # read by allocator.roster, not as applications
SKIP_SHEETS = (
    frozenset({"填写说明", "填表说明", "说明", "instructions", "readme", "选项", "options"}) | ROSTER_SHEETS
)
#: Fields every row carries, whatever its item.
COMMON_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.required or f.key in ("requested", "score"))
TEXT_KINDS = frozenset({"text", "item", "code"})

#: Units a header may name, per kind, and the factor to the frame's unit (yuan, USD, m², people, months).
UNITS: dict[str, dict[str, float]] = {
    "yuan": {"元": 1, "人民币元": 1, "yuan": 1, "cny": 1, "rmb": 1, "万元": 10_000},
    "usd": {"美元": 1, "usd": 1, "us$": 1, "$": 1, "万美元": 10_000},
    "area": {"平方米": 1, "平米": 1, "㎡": 1, "m2": 1, "m²": 1, "sqm": 1},
    "count": {"人": 1, "名": 1, "个": 1},
    "months": {"月": 1, "个月": 1},
    "score": {"分": 1},
}
_YESNO = dict.fromkeys(("是", "y", "yes", "true", "1", "√", "✓", "✔"), 1.0) | dict.fromkeys(
    ("否", "n", "no", "false", "0", "×", "✗", "✘"), 0.0
)
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "＊": "*"})
_SUFFIX = re.compile(r"(.+?)\(([^()]*)\)")

# What a cell of each kind must hold (Chinese, English).
EXPECT: dict[str, tuple[str, str]] = {
    "text": ("非空文本", "non-empty text"),
    "code": ("18位统一社会信用代码（GB 32100），单元格设为文本格式", "an 18-character credit code, as text"),
    "yuan": ("不小于0的金额（元），如 1200000 或 1,200,000", "yuan ≥ 0, e.g. 1200000 or 1,200,000"),
    "usd": ("不小于0的美元金额，如 5,000,000", "US dollars ≥ 0, e.g. 5,000,000"),
    "area": ("不小于0的面积（平方米）", "an area in m² ≥ 0"),
    "count": ("不小于0的整数", "a whole number ≥ 0"),
    "months": ("0到12的整数（月）", "a whole number of months from 0 to 12"),
    "score": ("0到100之间的分数", "a score from 0 to 100"),
    "bool": ("是 或 否（也可写 Y/N、TRUE/FALSE、1/0、√/×）", "yes or no: 是/否, Y/N, TRUE/FALSE, 1/0, √/×"),
}
# Problems above the cell level, as (Chinese, English) templates.
MESSAGES: dict[str, tuple[str, str]] = {
    "unit": (
        "表头单位「{unit}」不适用于此列，应为 {allowed} 之一",
        "unit {unit!r} does not fit this column ({allowed})",
    ),
    "dup_column": (
        "列重复：与第{letter}列「{first}」是同一列 {key}，请删除一列",
        "duplicate column: column {letter} ({first!r}) is also {key}",
    ),
    "no_header": (
        "表头行中没有可识别的列名（如 申报编号、申报单位、支持事项）；若此表不是申报数据，请删除或隐藏它",
        "no known column in the header row (e.g. application_id); delete or hide sheets without applications",
    ),
    "missing_column": ("缺少必填列「{header}」", "required column {key!r} is missing"),
    "sheet_item": (
        "工作表没有「支持事项」列，工作表名也不是支持事项；应为{item_zh}",
        "the sheet has no item column and its name is not an item; expected {item_en}",
    ),
    "unknown_item": ("未知的支持事项，应为{item_zh}", "unknown item; expected {item_en}"),
    "required": ("必填，应为{expect_zh}", "required: {expect_en}"),
    "bad": ("{why_zh}；应为{expect_zh}", "{why_en}; expected {expect_en}"),
    "dup_id": (
        "申报编号重复：{places_zh} 也是 {value}；申报编号在整个工作簿中须唯一",
        "duplicate application id: {places_en} also has {value}; ids must be unique in the workbook",
    ),
    "unreadable": ("工作表无法读取（文件已损坏）：{exc}", "cannot read the sheet: {exc}"),
    "no_rows": ("工作簿中没有申报数据行（表头下方为空）", "the workbook has no application rows"),
}


@dataclass(frozen=True, eq=False)
class Applications:
    """A validated applications workbook: the frame, and which file (and bytes) it came from."""

    frame: pd.DataFrame
    path: Path
    sha256: str
    sheets: tuple[str, ...]  # the sheets that held application rows, in workbook order

    def __len__(self) -> int:
        return len(self.frame)


def item_fields(item: Item) -> frozenset[str]:
    """The field keys an item's conditions and amount formula use (parameters left out)."""
    names: set[str] = set()
    for cond in item.conditions:
        names |= cond.expr.names
    if item.amount is not None:
        names |= item.amount.names
    return frozenset(names - set(item.params))


def read_applications(path: str | Path, policy: Policy) -> Applications:
    """Read and validate an applications workbook (.xlsx).

    Raises one :class:`InputError` listing every problem (also for a missing or unreadable file).
    """
    path = Path(path)
    data = _read_bytes(path)
    reader = _Reader(path, policy)
    reader.read(data)
    return reader.result(hashlib.sha256(data).hexdigest())


def validate_file(path: str | Path, policy: Policy) -> Applications:
    """What ``allocator validate`` runs: :func:`read_applications`, every problem in one error."""
    return read_applications(path, policy)


def _file_error(path: Path, zh: str, en: str) -> InputError:
    return InputError([Problem(path.name, None, None, None, None, zh, en)], file=str(path))


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise _file_error(path, f"找不到文件 {path}", f"file not found: {path}")
    if not path.is_file():
        raise _file_error(path, f"{path} 不是文件", f"{path} is not a file")
    data = path.read_bytes()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error(
            path,
            "这是旧版 Excel 97-2003（.xls）或加密的工作簿；请在 Excel/WPS 中另存为 .xlsx（不设密码）",
            "this is an old Excel 97-2003 (.xls) or encrypted workbook; save it as .xlsx without a password",
        )
    return data


def _open(path: Path, data: bytes) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise _file_error(
            path,
            f"不是有效的 Excel 工作簿（.xlsx）：{type(exc).__name__}；请在 Excel/WPS 中另存为 .xlsx",
            f"not a valid Excel workbook (.xlsx): {type(exc).__name__}: {exc}; save it as .xlsx",
        ) from None


def _norm(text: object) -> str:
    """Header text without spaces, with half-width brackets, without a leading ``*``, lower case."""
    return "".join(str(text).split()).translate(_BRACKETS).lstrip("*").lower()


def _headers(fields: tuple[Field, ...]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in fields:
        out[f.key.lower()] = f
        out[_norm(f.zh)] = f
    return out


_HEADERS = _headers(FIELDS)


def match_header(text: object, headers: dict[str, Field] | None = None) -> tuple[Field | None, str | None]:
    """The field a header names and the unit in its suffix (None when it has none).

    >>> f, unit = match_header(" 注册资本（万元）　")
    >>> f.key, unit
    ('registered_capital', '万元')
    >>> match_header("备注")
    (None, None)
    """
    headers = _HEADERS if headers is None else headers
    s = _norm(text)
    if s in headers:
        return headers[s], None
    m = _SUFFIX.fullmatch(s)
    if m and m.group(1) in headers:
        return headers[m.group(1)], m.group(2)
    return None, None


@dataclass(frozen=True)
class _Column:
    index: int  # 0-based position in the row
    field: Field
    header: str  # as written
    scale: float


class _Bad(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object, kind: str = "text", scale: float = 1) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object, kind: str, scale: float) -> float:
    if isinstance(value, bool):
        raise _Bad("是/否值不能作为数字", "a yes/no value is not a number")
    if isinstance(value, int | float):
        x = float(value)
    elif isinstance(value, str):
        s = "".join(value.split()).replace("，", ",").lower().lstrip("¥￥$")
        units = [u for u, f in UNITS.get(kind, {}).items() if f == scale]  # "1,200,000元" under （元）
        for unit in sorted(units, key=len, reverse=True):
            if s.endswith(unit):
                s = s[: -len(unit)]
                break
        if not _NUMBER.fullmatch(s):
            raise _Bad("不是数字", "not a number")
        x = float(s.replace(",", ""))
    else:
        raise _Bad(f"不是数字（{type(value).__name__}）", f"not a number ({type(value).__name__})")
    if not math.isfinite(x):
        raise _Bad("不是有限的数字", "not a finite number")
    if x < 0:
        raise _Bad("不能为负数", "must not be negative")
    if scale != 1:
        x = round(x * scale, 2)
    if kind in ("count", "months") and not x.is_integer():
        raise _Bad("应为整数", "must be a whole number")
    if kind == "months" and x > 12:
        raise _Bad("超过12个月", "more than 12 months")
    if kind == "score" and x > 100:
        raise _Bad("超过100分", "more than 100")
    return x


def _bool(value: object, kind: str = "bool", scale: float = 1) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        if value in (0, 1):
            return float(value)
        raise _Bad("不是是/否值", "not a yes/no value")
    s = "".join(str(value).split()).lower()
    if s in _YESNO:
        return _YESNO[s]
    raise _Bad("不是是/否值", "not a yes/no value")


def _code(value: object, kind: str = "code", scale: float = 1) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Bad(
            "统一社会信用代码被存成了数字，已丢失精度；请把该列设为文本格式后重新输入",
            "the credit code was stored as a number and has lost precision; "
            "format the column as text and re-enter it",
        )
    code = "".join(str(value).split()).upper()
    why = creditcode.problem(code)
    if why is not None:
        raise _Bad(*why)
    return code


_PARSERS = {"text": _text, "code": _code, "bool": _bool} | dict.fromkeys(UNITS, _number)


class _Reader:
    def __init__(self, path: Path, policy: Policy) -> None:
        self.path, self.file, self.policy = path, path.name, policy
        self.problems: list[tuple[int, int, int, Problem]] = []  # (sheet no., row, column no., problem)
        self.fields = policy.fields  # the standard data dictionary and the pack's own [[fields]]
        self.headers = _headers(self.fields)
        self.columns: dict[str, list] = {f.key: [] for f in self.fields}
        self.source_sheet: list[str] = []
        self.source_row: list[int] = []
        self.sheets: list[str] = []  # sheets that held rows
        self.order: list[str] = []  # every sheet read, for sorting problems
        self.ids: dict[str, list[tuple[str, int, _Column]]] = {}
        self.used = {it.id: frozenset(COMMON_KEYS) | item_fields(it) for it in policy.items}
        ids = "、".join(it.id for it in policy.items)
        self.item_zh = f"政策 {policy.id} 的支持事项编号或中文名称（{ids}；中文名称见填写说明）"
        self.item_en = f"an item id or Chinese item name of policy {policy.id} ({ids.replace('、', ', ')})"

    def problem(self, sheet: str | None, row: int | None, col: _Column | str | None, value, msg: str, **kw):
        """Record one problem; ``msg`` names a template in :data:`MESSAGES`, filled from ``kw``."""
        kw = {"item_zh": self.item_zh, "item_en": self.item_en, "value": value, **kw}
        zh, en = (text.format(**kw) for text in MESSAGES[msg])
        index = col.index if isinstance(col, _Column) else -1
        header = col.header if isinstance(col, _Column) else col
        key = (len(self.order) if sheet is None else self.order.index(sheet), row or 0, index)
        self.problems.append((*key, Problem(self.file, sheet, row, header, value, zh, en)))

    def read(self, data: bytes) -> None:
        wb = _open(self.path, data)
        try:
            for ws in wb.worksheets:
                if _norm(ws.title) in SKIP_SHEETS or getattr(ws, "sheet_state", "visible") != "visible":
                    continue
                self.order.append(ws.title)
                try:
                    self.sheet(ws)
                except (zipfile.BadZipFile, ParseError, KeyError) as exc:
                    self.problem(ws.title, None, None, None, "unreadable", exc=exc)
        finally:
            wb.close()

    def sheet(self, ws) -> None:
        name = ws.title
        ws.reset_dimensions()  # trust the rows, not the file's <dimension> tag
        n_before = len(self.source_row)
        cols: dict[str, _Column] | None = None
        sheet_item: str | None = None
        for r, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1):
            if cols is None:
                if all(_blank(v) for v in values):
                    continue
                cols = self.header(name, r, values)
                if not cols:
                    return
                sheet_item = self.policy.resolve_item(name)
                if "item" not in cols and sheet_item is None:
                    self.problem(name, r, BY_KEY["item"].header, name, "sheet_item")
                continue
            cells = {k: (values[c.index] if c.index < len(values) else None) for k, c in cols.items()}
            if not all(_blank(v) for v in cells.values()):
                self.row(name, r, cols, cells, sheet_item)
        if len(self.source_row) > n_before:
            self.sheets.append(name)

    def header(self, sheet: str, r: int, values: tuple) -> dict[str, _Column]:
        cols: dict[str, _Column] = {}
        for i, raw in enumerate(values):
            field, unit = (None, None) if _blank(raw) else match_header(raw, self.headers)
            if field is None:
                continue  # a blank header or a column the data dictionary does not know: ignored
            col = _Column(i, field, str(raw), 1.0)
            if field.numeric and unit:
                table = UNITS[field.kind]
                if unit not in table:
                    self.problem(sheet, r, col, col.header, "unit", unit=unit, allowed="、".join(table))
                    continue
                col = _Column(i, field, str(raw), table[unit])
            if field.key in cols:
                first = cols[field.key]
                letter = get_column_letter(first.index + 1)
                self.problem(
                    sheet, r, col, col.header, "dup_column", letter=letter, first=first.header, key=field.key
                )
                continue
            cols[field.key] = col
        if not cols:
            self.problem(sheet, r, None, None, "no_header")
        for f in self.fields:
            if cols and f.required and f.key not in cols and f.key != "item":
                self.problem(sheet, r, f.header, None, "missing_column", header=f.header, key=f.key)
        return cols

    def row(
        self, sheet: str, r: int, cols: dict[str, _Column], cells: dict[str, object], item_id: str | None
    ):
        if "item" in cols:
            col, cell = cols["item"], cells["item"]
            if not _blank(cell):
                item_id = self.policy.resolve_item("".join(str(cell).split()))
                if item_id is None:
                    self.problem(sheet, r, col, cell, "unknown_item")
            elif item_id is None:  # blank, and the sheet's name is no item either
                self.problem(sheet, r, col, None, "required", expect_zh=self.item_zh, expect_en=self.item_en)
        keys = self.used.get(item_id, COMMON_KEYS) if item_id else COMMON_KEYS
        values: dict[str, object] = {"item": item_id}
        for key, col in cols.items():  # in the sheet's column order
            if key not in keys or key == "item":
                continue
            value, kind = cells[key], col.field.kind
            expect_zh, expect_en = EXPECT[kind]
            if _blank(value):
                if col.field.required:
                    self.problem(sheet, r, col, None, "required", expect_zh=expect_zh, expect_en=expect_en)
                continue
            try:
                values[key] = _PARSERS[kind](value, kind, col.scale)
            except _Bad as bad:
                kw = {"why_zh": bad.zh, "why_en": bad.en, "expect_zh": expect_zh, "expect_en": expect_en}
                self.problem(sheet, r, col, value, "bad", **kw)
        app_id = values.get("application_id")
        if app_id is not None:
            self.ids.setdefault(app_id, []).append((sheet, r, cols["application_id"]))
        for f in self.fields:
            self.columns[f.key].append(values.get(f.key, None if f.kind in TEXT_KINDS else math.nan))
        self.source_sheet.append(sheet)
        self.source_row.append(r)

    def duplicates(self) -> None:
        for app_id, places in self.ids.items():
            for sheet, r, col in places if len(places) > 1 else ():
                others = [(s, n) for s, n, _ in places if (s, n) != (sheet, r)]
                zh = "、".join(f"工作表「{s}」第{n}行" for s, n in others)
                en = ", ".join(f"sheet {s!r} row {n}" for s, n in others)
                self.problem(sheet, r, col, app_id, "dup_id", places_zh=zh, places_en=en)

    def result(self, sha256: str) -> Applications:
        self.duplicates()
        if not self.source_row and not self.problems:
            self.problem(None, None, None, None, "no_rows")
        if self.problems:
            raise InputError([p for *_, p in sorted(self.problems, key=lambda t: t[:3])], file=str(self.path))
        data: dict[str, object] = {}
        for f in self.fields:
            values = self.columns[f.key]
            data[f.key] = (
                pd.Series(values, dtype=object) if f.kind in TEXT_KINDS else np.array(values, dtype=float)
            )
        data[SOURCE_SHEET] = pd.Series(self.source_sheet, dtype=object)
        data[SOURCE_ROW] = np.array(self.source_row, dtype=np.int64)
        return Applications(pd.DataFrame(data), self.path, sha256, tuple(self.sheets))
