"""Cell formats, safe cell writers, column widths and print setup shared by the workbooks.

Text is always written with ``write_string`` (never ``write``), so an applicant or a reason that starts with
``=``, ``+``, ``-`` or ``@`` stays text and is never run as a formula.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .cells import text, widest_text

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
MONEY_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = "#DDEBF7"
TOTAL_FILL = "#F2F2F2"


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


def styles(wb: Workbook) -> Styles:
    def fmt(**props: object) -> Format:
        return wb.add_format({"valign": "vcenter", **props})

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


def put_text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Text cell, never a formula, whatever it starts with ('' and NaN give a formatted blank)."""
    s = text(value)
    if s:
        ws.write_string(row, col, s, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


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
