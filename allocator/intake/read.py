"""Intake: read the applications (an .xlsx workbook, a .csv or a .parquet file) into one validated frame.

The workbook may have any number of sheets; each row is one application for one item. The first
non-empty row of a sheet is its header. A header is a field's English key or its Chinese header
(:mod:`allocator.policy.fields`), compared after NFKC (full-width letters, digits and brackets as half-width:
``ＩＤ``, ``（元）``) without spaces (also U+3000), a leading ``*`` or case, with a unit suffix
tolerated: ``注册资本（万元）`` is read in ten-thousands of yuan and multiplied by 10,000.
The item of a row is its ``item`` / 支持事项 cell (id or Chinese name) or, where the sheet has no such
column, the sheet's name. Instruction sheets (填写说明, instructions), the template's option list (选项)
and hidden sheets are skipped. A header close to a known one whose column the sheet lacks (评审分数
for 评审得分) is a problem naming the known header; any other unknown header is the office's own column,
ignored with a warning (:attr:`Applications.warnings`). Keys — the application id, the credit code and
the fields a pack shares caps or once-only claims by — are read as a person reads them
(:mod:`allocator.intake.ids`: NFKC, no zero-width characters; line breaks and bidirectional controls
refused), so ``Ａ0001`` and ``A0001`` are one id and a duplicate. 所在区 must be one of the pack's regions, and a
once-only item (``once_per``) claimed twice by one firm is a problem on both rows
(:mod:`allocator.intake.checks`).

A field an item does not use is ignored: only the common fields (:data:`COMMON_KEYS`) and the fields
named in the item's conditions and amount formula (:func:`item_fields`) are validated and kept; the
others are blank in the frame. A blank header over a column that holds data is a problem (naming the
column's letter), as is a merged range below the header over a known column: only its top-left cell
holds the value, the other rows would read as blank. Hidden rows are read like any other row: their
data is there, and a fund manager who hides a row has not withdrawn it. Hidden sheets are skipped.

Before anything is parsed, every file goes through :func:`allocator.intake.guard.check` (empty file,
legacy .xls or password, zip bomb, XML declarations); the roster reader goes through it too.

The file's suffix decides how it is read (:mod:`allocator.intake.sources`): .xlsx and .xlsm with
python-calamine, .csv (UTF-8 or GBK, every cell as text) and .parquet; any other suffix is refused. A
CSV or Parquet file is one table named after the file's stem (``c13-hire.csv`` without an item column
holds c13-hire applications), its rows numbered by line with the header as row 1.

Validation is lazy: every bad cell becomes a :class:`~allocator.core.errors.Problem` (file, sheet, Excel
row, header as written, value, what was expected) and all of them are raised in one
:class:`~allocator.core.errors.InputError`.

Validation runs on whole columns (:func:`allocator.intake.columns.parse_column`): numpy for the common cells,
the per-cell parsers for the others, with the same values and messages either way; which rows a
column is checked on follows each row's item (what that costs: benchmarks/README.md, "Figures behind
the code").

The frame has one row per application and a column for every key in :data:`allocator.policy.fields.FIELDS`:
text kinds (text, item, code) as ``str`` or ``None`` in object dtype, ``item`` as the item id,
numbers as float64 with NaN for blank, yes/no as float64 1.0/0.0/NaN; plus ``source_sheet`` (str)
and ``source_row`` (int, the Excel row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..core.errors import InputError, Problem
from ..policy.fields import BY_KEY, FIELDS, SOURCE_ROW, SOURCE_SHEET, Field
from ..policy.types import Item, Policy
from . import checks as intake_checks
from . import ids as intake_ids
from .cells import TEXT_KINDS, UNITS, refuse_formula

# The per-cell rules live in parsers; roster_read and the tests take these from here.
from .cells import CellProblem as CellProblem
from .cells import is_blank as is_blank
from .cells import parse_code as parse_code
from .cells import parse_number as parse_number
from .columns import blank_mask, parse_column
from .headers import header_map, match_header, normalise_header
from .messages import EXPECT, MESSAGES
from .opening import load_checked, require_file
from .sources import SourceError, Table, Unreadable, read_tables

#: Sheets that never hold applications (compared after stripping spaces, case-insensitively).
ROSTER_SHEETS = frozenset({"人员名单", "roster"})  # read by allocator.intake.roster, not as applications
SKIP_SHEETS = (
    frozenset({"填写说明", "填表说明", "说明", "instructions", "readme", "选项", "options"}) | ROSTER_SHEETS
)
#: Fields every row carries, whatever its item.
COMMON_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.required or f.key in ("requested", "score"))


@dataclass(frozen=True, eq=False)
class Applications:
    """A validated applications workbook: the frame, and which file (and bytes) it came from."""

    frame: pd.DataFrame
    path: Path
    sha256: str
    sheets: tuple[str, ...]  # the sheets that held application rows, in workbook order
    warnings: tuple[Problem, ...] = ()  # what was read but ignored (a column of the office's own)

    def __len__(self) -> int:
        return len(self.frame)


def item_fields(item: Item) -> frozenset[str]:
    """The field keys an item's conditions, amount formula and cap scope use (parameters left out): a
    sub-platform's name decides how clause 六's cap is shared, so it is read like any other field."""
    names: set[str] = set(item.cap_per)
    for cond in item.conditions:
        names |= cond.expr.names
    if item.amount is not None:
        names |= item.amount.names
    return frozenset(names - set(item.params) - set(COMMON_KEYS))


def read_applications(path: str | Path, policy: Policy) -> Applications:
    """Read and validate applications: an .xlsx/.xlsm workbook, a .csv or a .parquet file.

    Raises one :class:`InputError` listing every problem (also for a missing or unreadable file, or a
    suffix that is none of these).
    """
    path = Path(path)
    require_file(path)
    try:
        data, digest = load_checked(path)
        reader = _Reader(path, policy)
        reader.read(data)
    except SourceError as exc:
        zh, en = (text.format(**exc.kw) for text in MESSAGES[exc.key])
        sheet = path.stem if exc.row is not None else None
        raise InputError([Problem(path.name, sheet, exc.row, None, None, zh, en)], file=str(path)) from None
    return reader.result(digest)


def validate_file(path: str | Path, policy: Policy) -> Applications:
    """What ``allocator validate`` runs: :func:`read_applications`, every problem in one error."""
    return read_applications(path, policy)


def _kept(columns) -> np.ndarray:
    """Positions of the rows with something in at least one of ``columns`` (the sheet's known columns).

    Decided column by column, each looked at only for the rows still blank so far: after the first
    (usually the id) that is the few blank rows, not the whole sheet again."""
    columns = list(columns)
    blank = np.arange(len(columns[0]))
    for cells in columns:
        blank = blank[blank_mask(cells[blank])]
    kept = np.ones(len(columns[0]), dtype=bool)
    kept[blank] = False
    return np.flatnonzero(kept)


def _clip(text: str, limit: int = 200) -> str:
    """A value as a message shows it: a very long text cut, with its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text):,} 个字符 / {len(text):,} characters）"


@dataclass(frozen=True)
class _Column:
    index: int  # 0-based position in the row
    field: Field
    header: str  # as written
    scale: float


class _Reader:
    def __init__(self, path: Path, policy: Policy) -> None:
        self.path, self.file, self.policy = path, path.name, policy
        self.problems: list[tuple[int, int, int, Problem]] = []  # (sheet no., row, column no., problem)
        self.warnings: list[tuple[int, int, int, Problem]] = []  # the same, for what is only a warning
        self.fields = policy.fields  # the standard data dictionary and the pack's own [[fields]]
        self.headers = header_map(self.fields)
        self.parts: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []  # per table: rows, columns
        self.read_cols: list[dict[str, _Column]] = []  # per table: its columns as read (for the headers)
        self.ids: list[tuple] = []  # per table: name, rows, ids (as keys), column, ids as written, shown
        self.sheets: list[str] = []  # sheets that held rows
        self.order: list[str] = []  # every sheet read, for sorting problems
        self.used = {it.id: frozenset(COMMON_KEYS) | item_fields(it) for it in policy.items}
        # keys: compared as a person reads them (allocator.intake.ids); the credit code by its own parser
        self.keys = {"application_id"} | {k for it in policy.items for k in (*it.cap_per, *it.once_per)}
        ids = "、".join(it.id for it in policy.items)
        self.item_zh = f"政策 {policy.id} 的支持事项编号或中文名称（{ids}；中文名称见填写说明）"
        self.item_en = f"an item id or Chinese item name of policy {policy.id} ({ids.replace('、', ', ')})"

    def problem(
        self, sheet: str | None, row: int | None, col: _Column | str | None, value, msg: str, _to=None, **kw
    ):
        """Record one problem; ``msg`` names a template in :data:`MESSAGES`, filled from ``kw``."""
        if isinstance(value, str):
            value = _clip(value)
        kw = {"item_zh": self.item_zh, "item_en": self.item_en, "value": value, **kw}
        zh, en = (text.format(**kw) for text in MESSAGES[msg])
        index = col.index if isinstance(col, _Column) else -1
        header = col.header if isinstance(col, _Column) else col
        key = (len(self.order) if sheet is None else self.order.index(sheet), row or 0, index)
        to = self.problems if _to is None else _to
        to.append((*key, Problem(self.file, sheet, row, header, value, zh, en)))

    def warn(self, sheet: str, row: int | None, col: _Column | str | None, value, msg: str, **kw):
        """Record one warning (reported, but the workbook is still read)."""
        self.problem(sheet, row, col, value, msg, _to=self.warnings, **kw)

    def read(self, data: bytes) -> None:
        for sheet in read_tables(self.path, data, skip=lambda name: normalise_header(name) in SKIP_SHEETS):
            self.order.append(sheet.name)
            if isinstance(sheet, Unreadable):
                self.problem(sheet.name, None, None, None, "unreadable", exc=sheet.error)
            elif sheet.header_row is not None:
                self.table(sheet)

    def table(self, t: Table) -> None:
        """Validate one sheet (or CSV/Parquet file) column by column; rows blank in every known column
        are skipped, and each row is checked on the columns its item uses."""
        cols = self.header(t.name, t.header_row, t.header)
        if not cols:
            return
        sheet_item = self._item(t.name)
        if "item" not in cols and sheet_item is None:
            self.problem(t.name, t.header_row, BY_KEY["item"].header, t.name, "sheet_item")
        cells = {key: t.column(col.index) for key, col in cols.items()}
        self.unheaded(t)
        self.merged(t, cols)
        kept = _kept(cells.values())
        if not len(kept):
            return
        rows = t.rows[kept]
        items = self.items(t, rows, cols, cells["item"][kept] if "item" in cols else None, sheet_item)
        codes, uniques = pd.factorize(items)  # None -> -1, the last entry of each mask's table
        out: dict[str, np.ndarray] = {"item": items}
        for key, col in cols.items():  # in the sheet's column order
            if key == "item":
                continue
            table = [key in self.used.get(u, COMMON_KEYS) for u in uniques] + [key in COMMON_KEYS]
            at = np.flatnonzero(np.array(table, dtype=bool)[codes])  # the rows whose item uses the column
            out[key] = self.column(t, rows, col, cells[key][kept[at]], at)
        if "district" in out:
            intake_checks.districts(self, t.name, rows, out["district"], cols["district"])
        if "application_id" in cols:
            raw = cells["application_id"][kept]  # as written: shown for a duplicate written differently
            self.ids.append((t.name, rows, out["application_id"], cols["application_id"], raw, t.shown))
        self.parts.append((t.name, rows, out))
        self.read_cols.append(cols)
        self.sheets.append(t.name)

    def unheaded(self, t: Table) -> None:
        """A column with data under a blank header: one problem, at its first value."""
        for i, head in enumerate(t.header):
            if not is_blank(head):
                continue
            given = np.flatnonzero(~blank_mask(t.column(i)))
            if len(given):
                letter = get_column_letter(i + 1)
                value = t.shown(t.column(i)[given[0]])
                self.problem(t.name, int(t.rows[given[0]]), letter, value, "blank_header", letter=letter)

    def merged(self, t: Table, cols: dict[str, _Column]) -> None:
        """Merged ranges reaching below the header over a known column."""
        known = sorted(cols.values(), key=lambda c: c.index)
        for m in t.merged:
            inside = [c for c in known if m.left <= c.index + 1 <= m.right]
            if m.bottom > t.header_row and inside and (m.bottom > m.top or m.right > m.left):
                self.problem(t.name, max(m.top, t.header_row + 1), inside[0], m.ref, "merged")

    def header(self, sheet: str, r: int, values: tuple) -> dict[str, _Column]:
        cols: dict[str, _Column] = {}
        unknown: list[tuple[str, str]] = []
        for i, raw in enumerate(values):
            field, unit = (None, None) if is_blank(raw) else match_header(raw, self.headers)
            if field is None:  # a blank header (unheaded), or one the data dictionary does not know
                if not is_blank(raw):
                    unknown.append((str(raw), normalise_header(raw)))
                continue
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
        else:
            intake_checks.unknown_headers(self, sheet, r, unknown, set(cols))
        for f in self.fields:
            if cols and f.required and f.key not in cols and f.key != "item":
                self.problem(sheet, r, f.header, None, "missing_column", header=f.header, key=f.key)
        return cols

    def items(self, t: Table, rows, cols, cells, sheet_item: str | None) -> np.ndarray:
        """Each row's item id: its item cell (id or Chinese name, each distinct text resolved once) or,
        where that is blank or the sheet has no item column, the sheet's name (None if neither)."""
        items = np.full(len(rows), sheet_item, dtype=object)
        if "item" not in cols:
            return items
        col, blank = cols["item"], blank_mask(cells)
        given = np.flatnonzero(~blank)
        raw = cells[given]
        texts = np.equal(np.fromiter(map(type, raw.tolist()), dtype=object, count=len(raw)), str)
        codes, uniques = pd.factorize(raw[texts])
        resolved = np.array([self._item(u) for u in uniques] + [None], dtype=object)
        items[given[texts]] = resolved[codes]
        items[given[~texts]] = [self._item(t.shown(v)) for v in raw[~texts].tolist()]
        for i in np.flatnonzero(np.equal(items[given], None)).tolist():
            value = t.shown(raw[i])
            try:
                refuse_formula(value, "不是支持事项", "not an item")
            except CellProblem as why:  # an error value or a formula without its result
                kw = {
                    "why_zh": why.zh,
                    "why_en": why.en,
                    "expect_zh": self.item_zh,
                    "expect_en": self.item_en,
                }
                self.problem(t.name, int(rows[given[i]]), col, value, "bad", **kw)
                continue
            self.problem(t.name, int(rows[given[i]]), col, value, "unknown_item")
        if sheet_item is None:  # blank, and the sheet's name is no item either
            for r in rows[blank].tolist():
                self.problem(t.name, r, col, None, "required", expect_zh=self.item_zh, expect_en=self.item_en)
        return items

    def _item(self, cell: object) -> str | None:
        """The item a cell (or a sheet's name) names, read as a key: ``ｃ07-other`` is c07-other."""
        text = "".join(str(cell).split())
        return self.policy.resolve_item(text) or self.policy.resolve_item(intake_ids.fold(text))

    def column(self, t: Table, rows, col: _Column, cells, at) -> np.ndarray:
        """One column of the frame for one table: ``cells`` are those of the rows ``at`` (the rows whose
        item uses the column), parsed; every other row is blank."""
        kind = col.field.kind
        expect_zh, expect_en = EXPECT[kind]
        blank = blank_mask(cells)
        if col.field.required:
            for r in rows[at[blank]].tolist():
                self.problem(t.name, r, col, None, "required", expect_zh=expect_zh, expect_en=expect_en)
        at, cells = at[~blank], cells[~blank]
        values, bad = parse_column(cells, kind, col.scale, t.shown)
        if kind == "text" and col.field.key in self.keys:  # Ａ0001 and A0001+U+200B are A0001
            values, wrong = intake_ids.keys(values)
            bad += [(i, t.shown(cells[i]), CellProblem(why.zh, why.en)) for i, why in wrong]
        out = np.full(len(rows), None, dtype=object) if kind in TEXT_KINDS else np.full(len(rows), np.nan)
        out[at] = values
        for i, value, why in bad:
            kw = {"why_zh": why.zh, "why_en": why.en, "expect_zh": expect_zh, "expect_en": expect_en}
            self.problem(t.name, int(rows[at[i]]), col, value, "bad", **kw)
        return out

    def result(self, sha256: str) -> Applications:
        intake_checks.duplicate_ids(self)
        intake_checks.once_only(
            self, [(*part, cols) for part, cols in zip(self.parts, self.read_cols, strict=True)]
        )
        if not self.parts and not self.problems:
            self.problem(None, None, None, None, "no_rows")
        if self.problems:
            raise InputError([p for *_, p in sorted(self.problems, key=lambda t: t[:3])], file=str(self.path))
        data: dict[str, object] = {}
        for f in self.fields:
            text = f.kind in TEXT_KINDS
            pieces = [
                out[f.key]
                if f.key in out
                else np.full(len(rows), None if text else np.nan, object if text else float)
                for _, rows, out in self.parts
            ]
            column = np.concatenate(pieces)
            data[f.key] = pd.Series(column, dtype=object) if text else column.astype(float)
        sheets = [np.full(len(rows), name, dtype=object) for name, rows, _ in self.parts]
        data[SOURCE_SHEET] = pd.Series(np.concatenate(sheets), dtype=object)
        data[SOURCE_ROW] = np.concatenate([rows for _, rows, _ in self.parts]).astype(np.int64)
        warnings = tuple(p for *_, p in sorted(self.warnings, key=lambda t: t[:3]))
        return Applications(pd.DataFrame(data), self.path, sha256, tuple(self.sheets), warnings)
