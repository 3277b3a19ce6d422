"""The 分条款 and 分区 sheets: one row per policy item or district, counts and money, then 合计.

With the lists in the workbook each figure is a COUNTIF/SUMIF formula over them, written with its cached
value (the same figures as ``summary.json``); without them (:mod:`~allocator.outputs.lists`) the figures are
plain numbers. The 合计 row is a SUM of the rows above either way, so it recomputes in Excel, WPS and
LibreOffice.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..policy.levels import COFUND_LEVEL, FUND_LEVEL
from ._common import AGG_COLUMNS
from .xlsx_lists import ListRef
from .xlsx_style import Styles, fit_columns, print_setup, put_text

ITEM_SHEET = "分条款"
DISTRICT_SHEET = "分区"


def write_groups(
    ws: Worksheet,
    st: Styles,
    frame: pd.DataFrame,
    labels: list[tuple[str, str]],
    key: str,
    refs: dict[str, ListRef] | None,
    title: str,
    levels: tuple[str, str] = (FUND_LEVEL, COFUND_LEVEL),
) -> None:
    """One row per group: ``labels`` (header, frame column) first, then COUNTIF/SUMIF formulas over the
    lists for :data:`AGG_COLUMNS`, matching the group's ``key`` cell; a 合计 row of SUMs. ``levels`` names
    the two cost levels (:func:`~allocator.policy.levels.level_labels`). ``refs`` None (no lists in the
    workbook): the group rows are the frame's numbers; the 合计 row still SUMs them."""
    headers = [h for h, _ in labels] + [
        "申报数",
        "符合条件数",
        "获支持数",
        "政策上限合计（元）",
        "拟支持金额（元）",
        f"{levels[0]}承担（元）",
        f"{levels[1]}承担（元）",
    ]
    ws.set_row(0, 32)
    for j, h in enumerate(headers):
        put_text(ws, 0, j, h, st.header)
    key_col = xl_col_to_name([c for _, c in labels].index(key))
    widths: list[list[str]] = [[h] for h in headers]
    n = len(frame)
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        formulas = _group_formulas(refs, key, f'"="&${key_col}{r + 1}')
        for j, (_, col) in enumerate(labels):
            put_text(ws, r, j, getattr(row, col), st.text)
            widths[j].append(str(getattr(row, col)))
        for j, col in enumerate(AGG_COLUMNS, start=len(labels)):
            value = int(getattr(row, col))
            fmt = st.count if col in ("applications", "eligible", "funded") else st.money
            if formulas:
                ws.write_formula(r, j, formulas[col], fmt, value)
            else:
                ws.write_number(r, j, value, fmt)
            widths[j].append(f"{value:,}")
    last = max(n, 1) + 1
    if n == 0:
        put_text(ws, 1, 0, "（无）", st.text)
    total = last  # 0-based index of the row after the data
    put_text(ws, total, 0, "合计", st.total_label)
    for j in range(1, len(labels)):
        ws.write_blank(total, j, None, st.total_label)
    for j, col in enumerate(AGG_COLUMNS, start=len(labels)):
        c = xl_col_to_name(j)
        fmt = st.total_count if col in ("applications", "eligible", "funded") else st.total_money
        ws.write_formula(total, j, f"=SUM({c}2:{c}{last})", fmt, int(frame[col].sum()) if n else 0)
    ws.freeze_panes(1, len(labels))
    ws.autofilter(0, 0, last - 1, len(headers) - 1)
    fit_columns(ws, widths)
    print_setup(ws, title)


def _group_formulas(refs: dict[str, ListRef] | None, key: str, crit: str) -> dict[str, str]:
    """One group row's COUNTIF/SUMIF formulas over the lists, by :data:`AGG_COLUMNS`; none without them."""
    if refs is None:
        return {}
    f, u, i = refs["funded"], refs["unfunded"], refs["ineligible"]

    def countif(ref: ListRef) -> str:
        return f"COUNTIF({ref.range(key, True)},{crit})"

    def sumif(ref: ListRef, col: str) -> str:
        return f"SUMIF({ref.range(key, True)},{crit},{ref.range(col, True)})"

    return {
        "applications": f"={countif(f)}+{countif(u)}+{countif(i)}",
        "eligible": f"={countif(f)}+{countif(u)}",
        "funded": f"={countif(f)}",
        "cap_total": f"={sumif(f, 'cap')}+{sumif(u, 'cap')}",
        "award": f"={sumif(f, 'award')}",
        "city_cost": f"={sumif(f, 'city_cost')}",
        "district_cost": f"={sumif(f, 'district_cost')}",
    }
