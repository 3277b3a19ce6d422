"""Where application cells come from: an Excel workbook, a CSV or a Parquet file, read into tables.

:func:`read_tables` turns a file into :class:`Table` s — one per sheet of a workbook, one for a CSV or
Parquet file — each with its header row as written and its cells column by column, so that
:mod:`allocator.intake` checks every format with one set of rules. Nothing here judges a cell.

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
empty — :func:`_error_cells` finds them in the sheet's XML (in a thread, beside calamine's own parse)
and puts their text back, so a formula error in an amount is still "not a number", never a silent
blank.

**CSV** is decoded as UTF-8 (with or without BOM) or, failing that, GB18030 (GBK, as Excel and WPS
in China save it), and every cell is read as text — a credit code keeps its leading zeros, and the
same per-cell rules apply as to typed-in Excel cells. Its one table is named after the file's stem;
rows are numbered by line (header = 1; a quoted cell that spans lines shifts the later numbers).

**Parquet** is read with pyarrow through pandas. Columns arrive typed: numbers as numbers (so a
credit code stored as a number gets the same message as in Excel), yes/no as bool; null and NaN are
blank. The table is named after the file's stem, rows numbered as if the header were row 1.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine as calamine

from .parsers import _blank

#: Suffix (lower case) -> reader. .xls goes to the Excel reader, which refuses it with a message
#: that says how to save it as .xlsx.
KINDS = {".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".csv": "csv", ".parquet": "parquet"}


class SourceError(Exception):
    """The file cannot be read as its kind. ``key`` names a message in :data:`allocator.intake.MESSAGES`,
    filled from ``kw``; ``row`` is the line it happened on, where known."""

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
        errors = pool.submit(_error_cells, data, names)  # both release the GIL: it runs beside calamine
        try:
            for name in names:
                try:
                    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                except calamine.CalamineError as exc:
                    yield Unreadable(name, exc)
                    continue
                for r, c, text in errors.result().get(name, ()):
                    if r < len(rows) and c < len(rows[r]):
                        rows[r][c] = text
                yield _sheet(name, rows)
        finally:
            wb.close()


def _sheet(name: str, rows: list[list]) -> Table:
    top = next((i for i, row in enumerate(rows) if not all(map(_blank, row))), None)
    if top is None:
        return _empty(name)
    header = tuple(excel_value(v) for v in rows[top])
    body = rows[top + 1 :]
    grid = np.array(body, dtype=object).reshape(len(body), len(header))  # calamine's rows are all as wide
    numbers = np.arange(top + 2, top + 2 + len(body), dtype=np.int64)
    return Table(name, top + 1, header, numbers, lambda i: grid[:, i], excel_value)


_NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_ERROR_CELL = re.compile(rb'<c\b[^>]*\bt="e"[^>]*>')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _error_cells(data: bytes, names: list[str]) -> dict[str, list[tuple[int, int, str]]]:
    """Error cells (``t="e"``) of the named sheets: sheet -> [(row, column, text)], 0-based.

    calamine reads an error as empty; openpyxl read its text. A sheet without errors costs one
    decompression and one substring search, in a thread while calamine parses.
    """
    out: dict[str, list[tuple[int, int, str]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name, part in _sheet_parts(z).items():
                if name not in names:
                    continue
                xml = z.read(part)
                if b't="e"' in xml:
                    out[name] = list(_errors_in(xml))
    except Exception:  # a damaged or unusual package (zlib, zip, XML errors …): calamine reports what it
        return {}  # cannot read, and what it can read keeps its error cells blank
    return out


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from xl/workbook.xml and its relationships."""
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    }
    parts = {}
    for sheet in ElementTree.fromstring(z.read("xl/workbook.xml")).iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(_NS_R), "")
            parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _errors_in(xml: bytes) -> Iterator[tuple[int, int, str]]:
    for m in _ERROR_CELL.finditer(xml):
        ref = _REF.search(m.group(0))
        end = xml.find(b"</c>", m.end())
        value = _VALUE.search(xml, m.end(), end) if ref and end > 0 else None
        if value:
            col = 0
            for ch in ref.group(1):
                col = col * 26 + ch - 64
            yield int(ref.group(2)) - 1, col - 1, value.group(1).decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------ CSV
_LINE = re.compile(r"(?:line|row) (\d+)")


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
        m = _LINE.search(str(exc))
        raise SourceError("csv_parse", row=int(m.group(1)) if m else None, exc=str(exc).strip()) from None
    yield _frame_table(path.stem, frame, lead)


def _frame_table(name: str, frame: pd.DataFrame, lead: int) -> Table:
    """The table of a frame of text cells whose first row is line ``lead + 1``."""
    top = next((i for i in range(len(frame)) if not all(map(_blank, frame.iloc[i].tolist()))), None)
    if top is None:
        return _empty(name)
    header = tuple(frame.iloc[top].tolist())
    body = frame.iloc[top + 1 :]
    numbers = np.arange(lead + top + 2, lead + top + 2 + len(body), dtype=np.int64)
    return Table(name, lead + top + 1, header, numbers, lambda i: body.iloc[:, i].to_numpy(dtype=object))


# -------------------------------------------------------------------------------------------- Parquet
def _parquet(path: Path, data: bytes, skip: Callable[[str], bool]) -> Iterator[Table]:
    try:
        import pyarrow  # noqa: F401  (pandas reads Parquet with it)
    except ImportError:
        raise SourceError("parquet_missing") from None
    try:
        frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError … for a file that is not Parquet
        raise SourceError("not_parquet", exc=f"{type(exc).__name__}: {exc}") from None
    numbers = np.arange(2, len(frame) + 2, dtype=np.int64)
    yield Table(path.stem, 1, tuple(frame.columns), numbers, lambda i: _python(frame.iloc[:, i]))


def _python(column: pd.Series) -> np.ndarray:
    """A typed column as Python values (int, float, bool, str …), "" where null or NaN."""
    cells = np.fromiter(column.tolist(), dtype=object, count=len(column))
    cells[pd.isna(cells)] = ""
    return cells
