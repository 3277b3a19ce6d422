"""Where application cells come from: an Excel workbook, a CSV or a Parquet file, read into tables.

:func:`read_tables` turns a file into :class:`Table` s — one per sheet of a workbook, one for a CSV or
Parquet file — each with its header row as written and its cells column by column, so that
:mod:`allocator.intake.read` checks every format with one set of rules. Nothing here judges a cell.

**Excel** (.xlsx, .xlsm) is read with python-calamine (Rust) directly rather than through
``pandas.read_excel(engine="calamine")``, which wraps the same parser: calamine's sheet metadata
says which sheets are hidden (read_excel cannot tell), ``to_python(skip_empty_area=False)`` keeps
every cell at its real Excel row and column (read_excel's text parser drops blank rows, so row numbers
in messages would be wrong), and the rows go straight into one numpy array where read_excel would
convert every cell once more in Python (2.9 million calls at 100,000 rows, about as long as the whole
validation). calamine, like openpyxl before it, gives the cached value of a formula, booleans as bool
and dates as dates; it differs in three ways, each undone so that values and messages stay as they
were: whole numbers arrive as floats and dates without a time as ``date`` (:func:`excel_value` shows
them as openpyxl did: ``2`` not ``2.0``, a datetime), and error cells (``#DIV/0!``, ``#N/A``) arrive
empty — :func:`sheet_marks` finds them in the sheet's XML (in a thread, beside calamine's own parse)
and puts them back as :class:`~allocator.intake.cells.ExcelError` (their text), so a formula error is a
problem in any column, never a silent blank. The same pass finds what calamine hides or cannot say:
a formula saved without its result (a ``<f>`` with no ``<v>``, as openpyxl and scripts write them;
calamine reads it as empty) comes back as :class:`~allocator.intake.cells.Uncached`, and merged ranges
(``<mergeCell>``) go with the table, because only a range's top-left cell holds its value.

calamine reads every ``<row>``/``<c>`` wherever it stands, whatever ``<dimension ref>`` says (WPS
writes ``A1``, or a range far too small or large), and keeps no row for a formatted empty ``<row>``:
a million of them after the data cost nothing in memory. Hidden rows are read like any other.
The file has passed :mod:`allocator.intake.guard` before it gets here.

**CSV** is decoded as UTF-8 (with or without BOM) or, failing that, GB18030 (GBK, as Excel and WPS
in China save it), and every cell is read as text — a credit code keeps its leading zeros, and the
same per-cell rules apply as to typed-in Excel cells. Its one table is named after the file's stem;
rows are numbered by the line they start on, as an editor shows the file (header = 1; a quoted cell
that spans lines makes its row two lines), and so are parse errors (:mod:`allocator.intake.lines`).

**Parquet** is read with pyarrow through pandas. Columns arrive typed: numbers as numbers (so a
credit code stored as a number gets the same message as in Excel), yes/no as bool; null and NaN are
blank. A binary column's cells are read as UTF-8 text where they are; a cell of a nested type (list,
struct, map) or binary that is no text is a :class:`~allocator.intake.cells.Nested`, refused by every
parser with the column's type named. The table is named after the file's stem, rows numbered as if
the header were row 1.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine

from . import lines as intake_lines
from .cells import Nested, is_blank
from .sheet_marks import Merged, sheet_marks

#: Suffix (lower case) -> reader. An .xls is an Excel file: :mod:`allocator.intake.guard` refuses an
#: Excel 97-2003 one with a message that says how to save it as .xlsx.
KINDS = {".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".csv": "csv", ".parquet": "parquet"}


class SourceError(Exception):
    """The file cannot be read as its kind. ``key`` names a message in
    :data:`allocator.intake.messages.MESSAGES`, filled from ``kw``; ``row`` is the line it happened on,
    where known."""

    def __init__(self, key: str, row: int | None = None, **kw: object) -> None:
        super().__init__(key)
        self.key, self.row, self.kw = key, row, kw


def _same(value: object) -> object:
    return value


@dataclass(frozen=True)
class Table:
    """One sheet, or a whole CSV or Parquet file: the header row and the cells below it."""

    name: str  # sheet name; for a CSV or Parquet file its stem
    header_row: int | None  # 1-based; None when the sheet holds nothing
    header: tuple[object, ...]  # the header cells as written
    rows: np.ndarray  # 1-based row (line) numbers of the rows below the header
    column: Callable[[int], np.ndarray]  # 0-based position -> its cells below the header (object, "" empty)
    shown: Callable[[object], object] = _same  # a cell as messages and the per-cell parsers see it
    merged: tuple[Merged, ...] = ()  # the sheet's merged ranges


@dataclass(frozen=True)
class Unreadable:
    """A sheet the workbook lists but that cannot be parsed."""

    name: str
    error: Exception


def kind_of(path: Path) -> str:
    """Which reader a file goes to, by its suffix; :class:`SourceError` ``suffix`` for any other."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise SourceError(
            "suffix", name=path.name, suffix_zh=path.suffix or "无扩展名", suffix_en=path.suffix or "(none)"
        )
    return kind


def read_tables(path: Path, data: bytes, skip: Callable[[str], bool]) -> Iterator[Table | Unreadable]:
    """The tables of the file ``path`` whose bytes are ``data``; sheets for which ``skip(name)`` holds,
    hidden sheets and chart sheets are left out. Raises :class:`SourceError` (when iterated)."""
    reader = {"excel": _workbook, "csv": _csv, "parquet": _parquet}[kind_of(path)]
    return reader(path, data, skip)


def _empty(name: str) -> Table:
    return Table(name, None, (), np.empty(0, np.int64), lambda i: np.empty(0, dtype=object))


# ---------------------------------------------------------------------------------------------- Excel
def excel_value(value: object) -> object:
    """A cell as openpyxl gave it: a whole float as int, a date as a datetime at midnight."""
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _workbook(path: Path, data: bytes, skip: Callable[[str], bool]) -> Iterator[Table | Unreadable]:
    try:
        wb = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises CalamineError, ZipError, XmlError … for what is no workbook
        raise SourceError("not_xlsx", kind=type(exc).__name__, exc=exc) from None
    names = [
        m.name
        for m in wb.sheets_metadata
        if m.typ == calamine.SheetTypeEnum.WorkSheet
        and m.visible == calamine.SheetVisibleEnum.Visible
        and not skip(m.name)
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        marks = pool.submit(sheet_marks, data, names)  # both release the GIL: it runs beside calamine
        try:
            for name in names:
                try:
                    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                except calamine.CalamineError as exc:
                    yield Unreadable(name, exc)
                    continue
                cells, merged = marks.result().get(name, ((), ()))
                for r, c, value in cells:
                    _put(rows, r, c, value)
                yield _sheet(name, rows, tuple(merged))
        finally:
            wb.close()


def _put(rows: list[list], r: int, c: int, value: object) -> None:
    """Cell (r, c), 0-based, set to ``value``; rows are added, and all rows widened, where calamine's
    grid ends before it (a formula without a result at the edge of the sheet is not in the grid)."""
    if r >= len(rows):
        width = len(rows[0]) if rows else 0
        rows.extend([""] * width for _ in range(r + 1 - len(rows)))
    if c >= len(rows[r]):
        pad = [""] * (c + 1 - len(rows[r]))
        for row in rows:
            row.extend(pad)
    rows[r][c] = value


def _sheet(name: str, rows: list[list], merged: tuple[Merged, ...] = ()) -> Table:
    top = next((i for i, row in enumerate(rows) if not all(map(is_blank, row))), None)
    if top is None:
        return _empty(name)
    header = tuple(excel_value(v) for v in rows[top])
    body = rows[top + 1 :]
    grid = np.array(body, dtype=object).reshape(len(body), len(header))  # calamine's rows are all as wide
    numbers = np.arange(top + 2, top + 2 + len(body), dtype=np.int64)
    return Table(name, top + 1, header, numbers, lambda i: grid[:, i], excel_value, merged)


# ------------------------------------------------------------------------------------------------ CSV
def _utf8(data: bytes) -> bytes:
    """The file as UTF-8: as it is when it is UTF-8 (a BOM is left for the parser), else decoded as
    GB18030 — a superset of the GBK Excel and WPS in China save CSV in — and encoded again."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise SourceError("csv_encoding") from None


def _csv(path: Path, data: bytes, skip: Callable[[str], bool]) -> Iterator[Table]:
    data = _utf8(data)
    lead = 0  # blank lines before the first line with text: pandas would take a blank first line as 1 column
    for line in io.BytesIO(data.removeprefix(b"\xef\xbb\xbf")):
        if line.decode("utf-8").strip():
            break
        lead += 1
    try:
        frame = pd.read_csv(
            io.BytesIO(data),  # bytes, not text: pandas re-encodes a StringIO in quadratic time
            encoding="utf-8-sig",
            header=None,
            dtype=object,  # str cells in plain object columns (dtype=str makes Arrow strings: slower)
            na_filter=False,  # every cell a string, "" when empty: no NaN, no "NA" -> NaN
            skip_blank_lines=False,  # a blank line keeps its number
            skiprows=lead,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        yield _empty(path.stem)
        return
    except pd.errors.ParserError as exc:
        line, key, kw = intake_lines.parse_error(data, str(exc))
        raise SourceError(key, row=line, **kw) from None
    yield _frame_table(path.stem, frame, intake_lines.record_lines(frame, data, lead))


def _frame_table(name: str, frame: pd.DataFrame, lines: np.ndarray) -> Table:
    """The table of a frame of text cells whose records start on ``lines`` (1-based)."""
    top = next((i for i in range(len(frame)) if not all(map(is_blank, frame.iloc[i].tolist()))), None)
    if top is None:
        return _empty(name)
    header = tuple(frame.iloc[top].tolist())
    body = frame.iloc[top + 1 :]
    numbers = lines[top + 1 :]
    return Table(name, int(lines[top]), header, numbers, lambda i: body.iloc[:, i].to_numpy(dtype=object))


# -------------------------------------------------------------------------------------------- Parquet
def _parquet(path: Path, data: bytes, skip: Callable[[str], bool]) -> Iterator[Table]:
    try:
        import pyarrow.parquet as pq  # pandas reads Parquet with it
    except ImportError:
        raise SourceError("parquet_missing") from None
    try:
        schema = pq.read_schema(io.BytesIO(data))
        twice = sorted({n for n in schema.names if schema.names.count(n) > 1})
        if twice:  # pandas would fail with pyarrow's schema dump: say which column it is
            raise SourceError("parquet_twice", name=twice[0], n=schema.names.count(twice[0]))
        frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except SourceError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError … for a file that is not Parquet
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        raise SourceError("not_parquet", exc=f"{type(exc).__name__}: {first}") from None
    numbers = np.arange(2, len(frame) + 2, dtype=np.int64)
    odd = _odd_types(schema)
    columns = tuple(frame.columns)
    yield Table(path.stem, 1, columns, numbers, lambda i: _python(frame.iloc[:, i], odd.get(columns[i])))


def _odd_types(schema) -> dict[str, str]:
    """Column -> its type, for the columns of a nested or binary type (list, struct, map, union,
    binary), whose cells hold no single value."""
    import pyarrow as pa

    odd = {}
    for field in schema:
        t = field.type
        binary = pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
        if pa.types.is_nested(t) or binary:
            odd[field.name] = str(t)
    return odd


def _python(column: pd.Series, odd: str | None = None) -> np.ndarray:
    """A typed column as Python values (int, float, bool, str …), "" where null or NaN. In a column of
    the ``odd`` type a cell is UTF-8 text if it is binary that decodes, else :class:`Nested`."""
    cells = np.fromiter(column.tolist(), dtype=object, count=len(column))
    if odd is not None:
        return np.array([_odd(v, odd) for v in cells.tolist()], dtype=object)
    cells[pd.isna(cells)] = ""
    return cells


def _odd(value: object, type_: str) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return Nested(repr(value)[:200], type_)
    shown = value.tolist() if isinstance(value, np.ndarray) else value
    return Nested(str(shown)[:200], type_)
