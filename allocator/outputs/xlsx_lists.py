"""The list sheets (拟支持名单, 未支持名单, 不符合条件): one application a row, a 合计 row of SUM formulas.

Every list starts with its header in row 1 and its data in row 2; an empty list keeps one blank data row
(marked 「（无）」) so that the formulas that point at it are ordinary ranges.

An application fixed by an ``[[override]]`` reads 决定支持 in 拟支持名单, or 决定不予支持 in 未支持名单 when the
override set it to 0; its 说明/原因 is the override's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ._common import status_label
from .levels import COFUND_LEVEL, FUND_LEVEL
from .xlsx_style import Styles, fit_columns, print_setup, put_date, put_number, put_text

FUNDED_SHEET = "拟支持名单"
UNFUNDED_SHEET = "未支持名单"
INELIGIBLE_SHEET = "不符合条件"


@dataclass(frozen=True)
class Col:
    header: str
    key: str  # a table column, or '#seq' / '#status' / '#source'
    kind: str  # text, wrap, code, money, seq, area (m², summed in 合计), date (ISO text written as a date)


def list_columns(last: str, fund: str = FUND_LEVEL, cofund: str = COFUND_LEVEL) -> tuple[Col, ...]:
    """The columns of 拟支持名单 / 未支持名单: ``last`` heads the reason column; ``fund`` and ``cofund`` name
    the two cost levels (:func:`~allocator.outputs.levels.level_labels`), e.g. 市级承担（元）."""
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


def _cell_value(row: dict, col: Col, seq: int) -> object:
    if col.key == "#seq":
        return seq
    if col.key == "#status":
        return status_label(row["status"], int(row["award"]))
    if col.key == "#source":
        where = str(row["source_sheet"])
        line = row["source_row"]
        return f"{where} 第{int(line)}行" if pd.notna(line) and str(line) != "" else where
    return row[col.key]


def write_list(
    ws: Worksheet, st: Styles, df: pd.DataFrame, columns: tuple[Col, ...], title: str, total: bool = True
) -> ListRef:
    """Header, rows, optional 合计 row of SUM formulas; frozen header, filter, widths, print setup."""
    fmt_of: dict[str, Callable[[], object]] = {
        "text": lambda: st.text,
        "wrap": lambda: st.wrap,
        "code": lambda: st.code,
        "money": lambda: st.money,
        "seq": lambda: st.count,
        "area": lambda: st.area,
        "date": lambda: st.date,
    }
    ws.set_row(0, 32)
    for j, col in enumerate(columns):
        put_text(ws, 0, j, col.header, st.header)
    widths: list[list[str]] = [[c.header] for c in columns]
    for i, row in enumerate(df.to_dict("records"), start=1):  # dicts: far faster than iterrows
        for j, col in enumerate(columns):
            value = _cell_value(row, col, i)
            fmt = fmt_of[col.kind]()
            if col.kind in ("money", "seq", "area"):
                put_number(ws, i, j, value, fmt)  # type: ignore[arg-type]
                digits = 2 if col.kind == "area" else 0
                number = isinstance(value, int | float) and value == value
                widths[j].append(f"{value:,.{digits}f}" if number else "")
            elif col.kind == "date":
                put_date(ws, i, j, value, fmt)  # type: ignore[arg-type]
                widths[j].append("2000-01-01")
            else:
                put_text(ws, i, j, value, fmt)  # type: ignore[arg-type]
                widths[j].append(str(value) if col.kind != "wrap" else "")
    n = len(df)
    last = max(n, 1) + 1
    if n == 0:
        for j, col in enumerate(columns):
            fmt = fmt_of[col.kind]()
            put_text(ws, 1, j, "（无）" if col.key == "applicant" else "", fmt)  # type: ignore[arg-type]
    ref = ListRef(ws.name, columns, n, last, last + 1)
    if total:
        _total_row(ws, st, df, ref)
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, last - 1, len(columns) - 1)
    limits = {j: 48 for j, c in enumerate(columns) if c.kind == "wrap"}
    fit_columns(ws, widths, limits)
    for j, c in enumerate(columns):
        if c.kind == "wrap":
            ws.set_column(j, j, 48 if c.key == "reason" else 30)
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
