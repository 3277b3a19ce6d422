"""Cell formats, safe cell writers, column widths and print setup shared by the workbooks.

No text becomes a formula, and none is changed on its way into a cell:

* Text is always written with ``write_string`` (never ``write``; :data:`WORKBOOK_OPTIONS` turns xlsxwriter's
  guessing off as well), so an applicant or a reason that starts with ``=``, ``+``, ``-`` or ``@`` is a
  string cell, never a formula.
* Such a cell also gets its format's twin with the *quote prefix* set (:func:`quoted`): Excel and WPS then
  keep it as text when someone edits the cell and presses Enter, instead of running it then. Other cells
  keep their formats as they are.
* Text over Excel's 32,767 characters (xlsxwriter would cut it silently) or holding a control character
  (xlsxwriter would write ``_x0001_``) is refused with an :class:`~allocator.core.errors.OutputError` naming the
  sheet, the cell and the text's start (:func:`text_error`); the intake refuses both, so it is never met
  in a run. A column of a list is checked at once (:func:`check_column`), other cells one by one in
  :func:`put_text`.
"""

from __future__ import annotations

import gc
import io
import math
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..core.errors import OutputError
from .cells import FORMULA_START, MAX_CELL_TEXT, first_text_fault, text, text_fault, utf16_len, widest_text

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
MONEY_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = "#DDEBF7"
TOTAL_FILL = "#F2F2F2"


class _Book(Workbook):
    """A workbook zipped in memory and written to its file in one go when closed: the XML parts are made
    on disk (``tmpdir``), only the finished zip (a few MB) is held. A disk that fills up then fails one
    plain write, said as an :class:`OSError`; zipping straight onto a full disk fails inside
    :mod:`zipfile`, whose half-closed archive raises again when it is collected, long after."""

    def __init__(self, path: Path, options: dict) -> None:
        self.target = path
        super().__init__(io.BytesIO(), options)

    def close(self) -> None:
        super().close()
        self.target.write_bytes(self.filename.getvalue())


def open_workbook(path: str | Path) -> Workbook:
    """An xlsxwriter workbook for ``path`` with :data:`WORKBOOK_OPTIONS`, its XML parts made beside it
    (``tmpdir``) rather than in the system's temporary folder: outputs are written into a staging folder,
    which is removed whatever happens, so a failed or killed run leaves no part behind in /tmp. The file
    is written when the workbook is closed (:class:`_Book`)."""
    path = Path(path)
    return _Book(path, {**WORKBOOK_OPTIONS, "tmpdir": str(path.parent)})


@dataclass(frozen=True)
class Styles:
    title: Format
    header: Format
    section: Format
    text: Format
    wrap: Format
    code: Format
    money: Format
    count: Format
    ratio: Format
    percent: Format  # 0.00%: gaps, costs
    number: Format
    decimal: Format  # #,##0.00: weighted values
    price: Format  # 0.0000: the shadow price
    area: Format  # #,##0.00: square metres
    date: Format  # yyyy-mm-dd
    batch: Format  # 第0批
    label: Format
    total_label: Format
    total_money: Format
    total_count: Format
    total_items: Format
    total_area: Format
    total_decimal: Format


#: Each format made by :func:`add_format` → the same format with the quote prefix set.
_QUOTED: weakref.WeakKeyDictionary[Format, Format] = weakref.WeakKeyDictionary()


def add_format(wb: Workbook, props: dict) -> Format:
    """``wb.add_format(props)``, with a twin that also sets the quote prefix for :func:`quoted` (a twin no
    cell uses is not written to the file)."""
    fmt = wb.add_format(props)
    _QUOTED[fmt] = wb.add_format({**props, "quote_prefix": True})
    return fmt


def quoted(fmt: Format | None) -> Format | None:
    """The format for a text cell that starts with ``=``, ``+``, ``-`` or ``@``: ``fmt`` with the quote
    prefix set (``fmt`` itself if it was not made by :func:`add_format`)."""
    return _QUOTED.get(fmt, fmt) if fmt is not None else None


def styles(wb: Workbook) -> Styles:
    def fmt(**props: object) -> Format:
        return add_format(wb, {"valign": "vcenter", **props})

    cell = {"border": 1}
    total = {"bold": True, "bg_color": TOTAL_FILL, "top": 6, "bottom": 1, "left": 1, "right": 1}
    return Styles(
        title=fmt(bold=True, font_size=14),
        header=fmt(bold=True, bg_color=HEADER_FILL, border=1, text_wrap=True, align="center"),
        section=fmt(bold=True, bg_color=HEADER_FILL, border=1),
        text=fmt(**cell),
        wrap=fmt(text_wrap=True, **cell),
        code=fmt(num_format="@", **cell),
        money=fmt(num_format=MONEY_FORMAT, **cell),
        count=fmt(num_format="0", **cell),
        ratio=fmt(num_format="0.0%", **cell),
        percent=fmt(num_format="0.00%", **cell),
        number=fmt(num_format="General", align="right", **cell),
        decimal=fmt(num_format="#,##0.00", **cell),
        price=fmt(num_format="0.0000", **cell),
        area=fmt(num_format="#,##0.00", **cell),
        date=fmt(num_format=DATE_FORMAT, align="center", **cell),
        batch=fmt(num_format='"第"0"批"', **cell),
        label=fmt(bold=True, **cell),
        total_label=fmt(align="center", **total),
        total_money=fmt(num_format=MONEY_FORMAT, **total),
        total_count=fmt(num_format="0", **total),
        total_items=fmt(num_format='"共"0"项"', **total),
        total_area=fmt(num_format="#,##0.00", **total),
        total_decimal=fmt(num_format="#,##0.00", **total),
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off while a workbook is built, back as it was after.

    xlsxwriter keeps a tuple for every cell until it closes the file; with millions of them the collector's
    repeated passes over the growing heap took a quarter of the time (allocation.xlsx at 100,000
    applications: 11.9 → 9.2 s) and found nothing to free. Any cycle left meanwhile is collected once the
    collector is back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def text_error(sheet: str, row: int, col: int, s: str, fault: str) -> OutputError:
    """The error for text a cell cannot hold unchanged (``fault`` from :func:`~.cells.text_fault`): the
    sheet, the cell (``C12``) and the first characters of the text, shown with escapes."""
    cell = xl_rowcol_to_cell(row, col)
    head = repr(s[:40]) + ("…" if len(s) > 40 else "")
    where = f"工作表「{sheet}」单元格 {cell}"
    if fault == "long":
        n = utf16_len(s)  # what Excel counts: a character outside the BMP is 2
        return OutputError(
            f"{where} 的文字长 {n:,} 个字符，超过 Excel 单元格上限 {MAX_CELL_TEXT:,}，未写出（不截断）：{head}",
            f"sheet {sheet!r} cell {cell}: text of {n:,} characters (UTF-16) is over Excel's "
            f"{MAX_CELL_TEXT:,}; not written (never cut short): {head}",
            "请在输入数据中缩短该文字 / shorten this text in the input",
        )
    return OutputError(
        f"{where} 的文字含控制字符，未写出：{head}",
        f"sheet {sheet!r} cell {cell}: text holds a control character; not written: {head}",
        "请删除输入数据中的控制字符 / remove the control character from the input",
    )


def check_column(ws: Worksheet, col: int, cells: list, first_row: int = 1) -> None:
    """Refuse a column of text (str, or None for a blank) going to rows ``first_row``… of ``col`` if any
    cell is too long or holds a control character (one check for the whole column)."""
    found = first_text_fault(cells)
    if found is not None:
        i, fault = found
        raise text_error(ws.name, first_row + i, col, cells[i], fault)


def put_text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Text cell, never a formula, whatever it starts with ('' and NaN give a formatted blank); text that
    starts like a formula gets the quote prefix (:func:`quoted`); text a cell cannot hold unchanged is
    refused (:func:`text_error`)."""
    s = text(value)
    if not s:
        ws.write_blank(row, col, None, fmt)
        return
    fault = text_fault(s)
    if fault:
        raise text_error(ws.name, row, col, s, fault)
    ws.write_string(row, col, s, quoted(fmt) if s[0] in FORMULA_START else fmt)


def put_number(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Number cell; None/NaN/inf give a formatted blank."""
    if value is None or isinstance(value, str):
        ws.write_blank(row, col, None, fmt)
        return
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number) or math.isinf(number):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, int(number) if number.is_integer() else number, fmt)


def put_date(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """A real Excel date from ISO text (``2020-12-31``); other text stays text, blanks stay blank."""
    s = text(value).strip()
    try:
        day = date.fromisoformat(s[:10]) if len(s) >= 10 else None
    except ValueError:
        day = None
    if day is not None:
        ws.write_datetime(row, col, datetime(day.year, day.month, day.day), fmt)
    else:
        put_text(ws, row, col, s, fmt)


#: The widest a column is made (characters), unless a limit of its own is given.
MAX_WIDTH = 40


def column_width(widest: int, limit: int = MAX_WIDTH) -> int:
    """A column's width for its widest text: 2 more, within 6–``limit``. Text at least ``limit - 2`` wide
    gives ``limit`` whatever its width, so it need not be measured exactly."""
    return min(max(widest + 2, 6), limit)


def fit_columns(ws: Worksheet, columns: list[list[str]], limits: dict[int, int] | None = None) -> None:
    """Width of each column from its longest text (header included), CJK counted double, within 6–40."""
    limits = limits or {}
    for i, cells in enumerate(columns):
        limit = limits.get(i, MAX_WIDTH)
        ws.set_column(i, i, column_width(widest_text(cells, limit - 2), limit))


def print_setup(ws: Worksheet, title: str, landscape: bool = True, header_rows: int | None = 0) -> None:
    """A4, fit to one page wide, header row repeated, title and sheet name on top, 第 n 页 共 m 页 below."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(header_rows)
    safe = title.replace("&", "&&")[:120]
    ws.set_header(f"&L{safe}&R&A")
    ws.set_footer("&C第 &P 页 共 &N 页")


def merge_text(ws: Worksheet, row: int, first: int, last: int, value: object, fmt: Format) -> None:
    """Merged cells holding text (written with write_string, like every text cell)."""
    ws.merge_range(row, first, row, last, "", fmt)
    put_text(ws, row, first, value, fmt)
