"""The list sheets (拟支持名单, 未支持名单, 不符合条件): one application a row, a 合计 row of SUM formulas.

Every list starts with its header in row 1 and its data in row 2; an empty list keeps one blank data row
(marked 「（无）」) so that the formulas that point at it are ordinary ranges.

An application fixed by an ``[[override]]`` reads 决定支持 in 拟支持名单, or 决定不予支持 in 未支持名单 when the
override set it to 0; its 说明/原因 is the override's reason.

Every list ends with 批次 (the batch that decided the row: an earlier batch's approvals are in a later
batch's lists, fixed); 拟支持名单 and 未支持名单 then hold 合计上限组, hidden, the shared cap a row counts
against (``cap_group``), which the next batch reads back from approved.xlsx (:mod:`allocator.store.approved`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..core.result import Status
from ..policy.levels import COFUND_LEVEL, FUND_LEVEL
from ..store.format import BATCH_COLUMN_HEADER, GROUP_COLUMN_HEADER
from .cells import (
    display_width,
    formula_like,
    map_distinct,
    number_cells,
    only_strings,
    text_cells,
    widest_number,
    widest_text,
)
from .xlsx_style import MAX_WIDTH, Styles, check_column, column_width, print_setup, put_date, put_text, quoted

FUNDED_SHEET = "拟支持名单"
UNFUNDED_SHEET = "未支持名单"
INELIGIBLE_SHEET = "不符合条件"
#: 状态 of an application an ``[[override]]`` fixed at 0.
REFUSED_LABEL = "决定不予支持"
NUMBER_KINDS = ("money", "seq", "area")


@dataclass(frozen=True)
class Col:
    header: str
    key: str  # a table column, or '#seq' / '#status' / '#source'
    kind: str  # text, wrap, code, money, seq, area (m², summed in 合计), date (ISO text written as a date),
    # key (text for the program, the column hidden)


def list_columns(last: str, fund: str = FUND_LEVEL, cofund: str = COFUND_LEVEL) -> tuple[Col, ...]:
    """The columns of 拟支持名单 / 未支持名单: ``last`` heads the reason column; ``fund`` and ``cofund`` name
    the two cost levels (:func:`~allocator.policy.levels.level_labels`), e.g. 市级承担（元）."""
    return (
        Col("序号", "#seq", "seq"),
        Col("申报编号", "application_id", "text"),
        Col("申报单位", "applicant", "text"),
        Col("统一社会信用代码", "credit_code", "code"),
        Col("所在区", "district", "text"),
        Col("支持事项", "item_name", "text"),
        Col("事项编号", "item", "text"),
        Col("条款", "clause", "text"),
        Col("申请金额（元）", "requested", "money"),
        Col("政策上限（元）", "cap", "money"),
        Col("拟支持金额（元）", "award", "money"),
        Col(f"{fund}承担（元）", "city_cost", "money"),
        Col(f"{cofund}承担（元）", "district_cost", "money"),
        Col("状态", "#status", "text"),
        Col(last, "reason", "wrap"),
        Col(BATCH_COLUMN_HEADER, "batch", "seq"),
        Col(GROUP_COLUMN_HEADER, "cap_group", "key"),
    )


#: changchun-2017's (市级/区级); a result's own come from :func:`list_columns`.
FUNDED_COLUMNS = list_columns("说明")
UNFUNDED_COLUMNS = list_columns("原因")
INELIGIBLE_COLUMNS = (
    Col("序号", "#seq", "seq"),
    Col("申报编号", "application_id", "text"),
    Col("申报单位", "applicant", "text"),
    Col("所在区", "district", "text"),
    Col("支持事项", "item_name", "text"),
    Col("事项编号", "item", "text"),
    Col("条款", "clause", "text"),
    Col("未满足条件", "failed_condition", "wrap"),
    Col("原因", "reason", "wrap"),
    Col("来源", "#source", "text"),
    Col(BATCH_COLUMN_HEADER, "batch", "seq"),
)


@dataclass(frozen=True)
class ListRef:
    """Where a written list sits, for formulas on other sheets."""

    sheet: str
    columns: tuple[Col, ...]
    rows: int  # applications written
    last_row: int  # last data row, 1-based (2 when the list is empty)
    total_row: int  # 1-based row of 合计

    def col(self, key: str) -> str:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return xl_col_to_name(i)
        raise KeyError(key)

    def local(self, key: str) -> str:
        """``K2:K9``: the data rows of a column, never the 合计 row."""
        c = self.col(key)
        return f"{c}2:{c}{self.last_row}"

    def range(self, key: str, absolute: bool = False) -> str:
        """``'拟支持名单'!K2:K9`` or, absolute, ``'拟支持名单'!$K$2:$K$9``."""
        c = self.col(key)
        if absolute:
            return f"'{self.sheet}'!${c}$2:${c}${self.last_row}"
        return f"'{self.sheet}'!{self.local(key)}"


@dataclass(frozen=True)
class Cells:
    """One list column ready to write: ``values[i]`` goes to row ``i + 1`` (None: a formatted blank)."""

    values: list
    write: str  # "string", "number" or "date" (the raw value, for put_date)
    widest: int  # display width of its widest text, header not included (at most exact up to the limit)
    #: positions in ``values`` of the text starting with = + - @ (written with the quote prefix)
    formula_like: frozenset[int] = frozenset()


def _status_labels(df: pd.DataFrame) -> pd.Series:
    """:func:`~allocator.outputs._common.status_label` of every row: a label per status, 决定不予支持 where
    an override fixed the award at 0."""
    labels = map_distinct(df["status"], lambda s: Status(s).zh)
    refused = (df["status"] == Status.OVERRIDDEN) & (df["award"].astype("int64") <= 0)
    return labels.where(~refused, REFUSED_LABEL)


def _sources(df: pd.DataFrame) -> pd.Series:
    """``申报表 第12行``: the sheet and row an application came from (the sheet alone when the row is blank)."""
    lines = df["source_row"]
    if isinstance(lines.dtype, np.dtype) and lines.dtype.kind in "iu":
        rows = [f" 第{line}行" for line in lines.tolist()]
    else:
        rows = [f" 第{int(x)}行" if pd.notna(x) and str(x) != "" else "" for x in lines.tolist()]
    sheets = [str(x) for x in df["source_sheet"].tolist()]
    return pd.Series([a + b for a, b in zip(sheets, rows, strict=True)], index=df.index, dtype=object)


def _source_column(df: pd.DataFrame, col: Col) -> pd.Series:
    if col.key == "#status":
        return _status_labels(df)
    if col.key == "#source":
        return _sources(df)
    return df[col.key]


def list_cells(df: pd.DataFrame, col: Col) -> Cells:
    """A column's cells as :func:`~allocator.outputs.xlsx_style.put_text` / ``put_number`` / ``put_date``
    would write them one by one, and its widest text as the column widths count it."""
    if col.key == "#seq":
        n = len(df)
        return Cells(list(range(1, n + 1)), "number", len(f"{n:,}") if n else 0)
    raw = _source_column(df, col)
    if col.kind in NUMBER_KINDS:
        return Cells(number_cells(raw), "number", widest_number(raw, 2 if col.kind == "area" else 0))
    if col.kind == "date":
        return Cells(raw.tolist(), "date", display_width("2000-01-01") if len(raw) else 0)
    if col.kind == "wrap":
        widest = 0  # set to a fixed width, whatever it holds
    elif only_strings(raw):
        widest = widest_text(raw.tolist(), MAX_WIDTH - 2)
    else:
        widest = widest_text((str(v) for v in raw.tolist()), MAX_WIDTH - 2)
    values = text_cells(raw)
    return Cells(values, "string", widest, frozenset(formula_like(values).tolist()))


def write_rows(ws: Worksheet, columns: list[Cells], fmts: list[Format]) -> None:
    """Row after row from row 2: text with ``write_string`` (never a formula, whatever it starts with; the
    quote prefix where it starts like one), numbers with ``write_number``, None as a formatted blank; one
    tight loop over the prepared values. Text a cell cannot hold unchanged is refused first, a column at a
    time (:func:`~allocator.outputs.xlsx_style.check_column`)."""

    def date(row: int, col: int, value: object, fmt: Format) -> None:
        put_date(ws, row, col, value, fmt)

    def prefixed(rows: frozenset[int], twin: Format | None) -> object:
        """write_string with the quote-prefixed ``twin`` of the column's format on ``rows`` (0-based sheet
        rows: data starts in row 1)."""
        write = ws.write_string

        def put(row: int, col: int, value: str, fmt: Format) -> None:
            write(row, col, value, twin if row in rows else fmt)

        return put

    for j, c in enumerate(columns):
        if c.write == "string":
            check_column(ws, j, c.values)
    writers = {"string": ws.write_string, "number": ws.write_number, "date": date}
    plan = [
        (
            j,
            prefixed(frozenset(i + 1 for i in c.formula_like), quoted(fmt))
            if c.formula_like
            else writers[c.write],
            fmt,
        )
        for j, (c, fmt) in enumerate(zip(columns, fmts, strict=True))
    ]
    blank = ws.write_blank
    for i, row in enumerate(zip(*(c.values for c in columns), strict=True), start=1):
        for (j, write, fmt), value in zip(plan, row, strict=True):
            if value is None:
                blank(i, j, None, fmt)
            else:
                write(i, j, value, fmt)


def write_list(
    ws: Worksheet, st: Styles, df: pd.DataFrame, columns: tuple[Col, ...], title: str, total: bool = True
) -> ListRef:
    """Header, rows, optional 合计 row of SUM formulas; frozen header, filter, widths, print setup.

    The cells are converted a column at a time (:func:`list_cells`) and written in one loop
    (:func:`write_rows`): at 100,000 applications a call per cell through put_text/put_number took longer
    than xlsxwriter itself."""
    fmt_of = {
        "text": st.text,
        "wrap": st.wrap,
        "code": st.code,
        "money": st.money,
        "seq": st.count,
        "area": st.area,
        "date": st.date,
        "key": st.code,
    }
    fmts = [fmt_of[col.kind] for col in columns]
    ws.set_row(0, 32)
    for j, col in enumerate(columns):
        put_text(ws, 0, j, col.header, st.header)
    cells = [list_cells(df, col) for col in columns]
    write_rows(ws, cells, fmts)
    n = len(df)
    last = max(n, 1) + 1
    if n == 0:
        for j, col in enumerate(columns):
            put_text(ws, 1, j, "（无）" if col.key == "applicant" else "", fmts[j])
    ref = ListRef(ws.name, columns, n, last, last + 1)
    if total:
        _total_row(ws, st, df, ref)
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, last - 1, len(columns) - 1)
    for j, (col, c) in enumerate(zip(columns, cells, strict=True)):
        limit = 48 if col.kind == "wrap" else MAX_WIDTH
        ws.set_column(j, j, column_width(max(display_width(col.header), c.widest), limit))
    for j, c in enumerate(columns):
        if c.kind == "wrap":
            ws.set_column(j, j, 48 if c.key == "reason" else 30)
        elif c.kind == "key":
            ws.set_column(j, j, 20, None, {"hidden": True})
    print_setup(ws, title)
    return ref


def _total_row(ws: Worksheet, st: Styles, df: pd.DataFrame, ref: ListRef) -> None:
    r = ref.total_row - 1
    for j, col in enumerate(ref.columns):
        if col.kind in ("money", "area"):
            cached = pd.to_numeric(df[col.key], errors="coerce").sum() if len(df) else 0
            cached = int(cached) if float(cached).is_integer() else float(cached)
            fmt = st.total_money if col.kind == "money" else st.total_area
            ws.write_formula(r, j, f"=SUM({ref.local(col.key)})", fmt, cached)
        elif col.key == "applicant":
            ws.write_formula(r, j, f"=COUNTA({ref.local('application_id')})", st.total_items, ref.rows)
        elif j == 0:
            put_text(ws, r, j, "合计", st.total_label)
        else:
            ws.write_blank(r, j, None, st.total_label)
