"""``allocator verify``'s workbook check, from the folder alone: no formula shows one number and computes
another, no formula stands where allocator writes a value, each list's 合计 is the sum of its rows, and
allocation.xlsx says what allocation.csv and summary.json say.

* Every formula of approved.xlsx and allocation.xlsx is computed from the workbook's plain values
  (:mod:`allocator.audit.formula`) and must equal its cached value: the workbooks ask for a recalculation on
  open, so a reader sees the computed number while a program reading the file sees the cached one.
* In a list sheet (a header with 申报编号: 拟支持名单, 未支持名单, 不符合条件, 候补名单, 监管台账, 累计拟支持名单)
  formulas stand only in its one 合计 row, each ``=SUM(X2:X<n>)`` of its own column or ``=COUNTA(B2:B<n>)``
  over the 申报编号 column, ``n`` the row above: what :func:`allocator.outputs.xlsx_lists.write_list` writes.
* allocation.xlsx's 拟支持名单 holds the funded rows of allocation.csv (:data:`~allocator.audit.approved.FIELDS`),
  and its 汇总 figures (:data:`~allocator.outputs.xlsx_summary.SUMMARY_CELLS`), as computed, are
  summary.json's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..core.errors import AllocatorError
from .approved import differ, expected_rows, list_rows, load, num, rows_of
from .excel_values import same
from .xlsx import Book, Sheet, XlError, column_letter, column_number, coordinate

TOTAL = "合计"
#: 汇总 cells compared with summary.json (whole numbers; the checks and the status are words).
FIGURES = (
    "annual_fund",
    "carryover_in",
    "available",
    "admin_limit",
    "admin_planned",
    "admin",
    "awarded",
    "city_cost",
    "district_cost",
    "carryover_out",
    "applications",
    "eligible",
    "funded",
    "requested_total",
)
TOTAL_FORMULA = re.compile(r"^(SUM|COUNTA)\(([A-Z]{1,3})2:([A-Z]{1,3})([0-9]+)\)$")


def workbook_lines(folder: Path, table: pd.DataFrame | None, summary: dict) -> list[str]:
    """Every problem of approved.xlsx and allocation.xlsx this module's docstring names."""
    lines: list[str] = []
    for name in ("approved.xlsx", "allocation.xlsx"):
        path = folder / name
        if not path.is_file():
            lines.append(f"{name} 不存在 / {name} is missing")
            continue
        try:
            book, values = load(path)
        except AllocatorError as exc:
            lines.append(f"{exc.zh} / {exc.en}")
            continue
        lines += formula_lines(name, book, values)
        if name == "allocation.xlsx":
            lines += _allocation_lines(book, values, table, summary)
    return lines


def formula_lines(name: str, book: Book, values: dict) -> list[str]:
    out = []
    for sheet in book.sheets:
        mine = values.get(sheet.name, {})
        header = {c: str(cell.value).strip() for (r, c), cell in sheet.cells.items() if r == 1}
        listed = "申报编号" in header.values()
        if listed:
            out += _list_formulas(name, sheet, header, mine)
        uncached: list[str] = []
        for (r, c), cell in sorted(sheet.cells.items()):
            if cell.formula is None:
                continue
            got = mine.get((r, c))
            where = f"{name} 工作表「{sheet.name}」{coordinate(r, c)}"
            if cell.value is None and got is not None and not isinstance(got, XlError):
                uncached.append(coordinate(r, c))
            elif isinstance(got, XlError) and str(got).startswith("#无法计算"):
                out.append(
                    f"{where} 的公式 ={cell.formula} {got.code[1:]}：本工具不写这样的公式"
                    f" / {sheet.name}!{coordinate(r, c)}: a formula allocator does not write"
                )
            elif not same(got, cell.value):
                out.append(
                    f"{where} 的公式 ={cell.formula} 计算得 {num(got)}，缓存值（未重新计算时显示）为 {num(cell.value)}"
                    f" / {sheet.name}!{coordinate(r, c)}: the formula computes {num(got)}, its cached value"
                    f" shows {num(cell.value)}"
                )
        if uncached:
            out.append(uncached_line(name, sheet.name, uncached))
    return out


def uncached_line(name: str, sheet: str, cells: list[str]) -> str:
    """Formulas without a cached value: allocator writes every formula with one; another program saved it."""
    return (
        f"{name} 工作表「{sheet}」有 {len(cells)} 个公式没有缓存值（如 {', '.join(cells[:3])}）："
        f"文件经其他程序（如 openpyxl）保存过，不是本工具写出的原样 / {sheet}: {len(cells)} formula(s) carry no"
        f" cached value (e.g. {cells[0]}): the file was saved by another program"
    )


def _list_formulas(name: str, sheet: Sheet, header: dict[int, str], values: dict) -> list[str]:
    """A list sheet's formulas: only in its one 合计 row, each the total of the rows above it."""
    id_col = next(c for c, h in header.items() if h == "申报编号")
    totals = sorted(r for (r, c), cell in sheet.cells.items() if c == 1 and str(cell.value).strip() == TOTAL)
    out = []
    for r in totals[1:]:
        out.append(
            f"{name} 工作表「{sheet.name}」第{r}行又是一行「合计」（第{totals[0]}行已有）：本工具只写一行合计"
            f" / {sheet.name} row {r}: a second 合计 row (row {totals[0]} is the total)"
        )
    for (r, c), cell in sorted(sheet.cells.items()):
        if cell.formula is None or r == 1:
            continue
        col = header.get(c, column_letter(c))
        if totals and r == totals[0]:
            m = TOTAL_FORMULA.match(cell.formula.replace("$", ""))
            letter = column_letter(id_col) if m and m[1] == "COUNTA" else column_letter(c)
            want = f"{m[1] if m else 'SUM'}({letter}2:{letter}{r - 1})"
            if cell.formula.replace("$", "") != want:
                out.append(
                    f"{name} 工作表「{sheet.name}」第{r}行（合计）列「{col}」的公式 ={cell.formula} 不是本工具写的"
                    f" ={want}（第2–{r - 1}行之和）/ {sheet.name} row {r} ({TOTAL}) column {col}: the formula"
                    f" is not ={want}, the total of the rows above"
                )
            continue
        app = sheet.cells.get((r, id_col))
        who = f"（申报编号 {app.value}）" if app is not None and app.value not in (None, "") else ""
        out.append(
            f"{name} 工作表「{sheet.name}」第{r}行{who}列「{col}」是公式 ={cell.formula}"
            f"（缓存值 {num(cell.value)}，重新计算后显示 {num(values.get((r, c)))}）；本工具在此写的是数值"
            f" / {sheet.name} row {r}{' ' + str(app.value) if who else ''} column {col}: a formula where"
            " allocator writes a value"
        )
    return out


def _allocation_lines(book: Book, values: dict, table: pd.DataFrame | None, summary: dict) -> list[str]:
    """allocation.xlsx's 拟支持名单 against allocation.csv; its 汇总 figures against summary.json."""
    from ..outputs.xlsx_summary import SUMMARY_CELLS, SUMMARY_SHEET

    out: list[str] = []
    rows = rows_of(book, values, "拟支持名单")
    if rows is not None and table is not None:
        listed, problem, _ = list_rows("allocation.xlsx 拟支持名单", rows)
        if listed is None:
            out.append(problem)
        else:
            out += differ("allocation.xlsx 拟支持名单", listed, expected_rows(table), "allocation.csv ")
    sheet = book.sheet(SUMMARY_SHEET)
    if sheet is None:
        return [*out, f"allocation.xlsx 没有工作表「{SUMMARY_SHEET}」/ no {SUMMARY_SHEET} sheet"]
    mine = values.get(sheet.name, {})
    for key in FIGURES:
        m = re.fullmatch(r"([A-Z]+)([0-9]+)", SUMMARY_CELLS[key])
        pos = (int(m[2]), column_number(m[1]))  # type: ignore[index]
        cell = sheet.cells.get(pos)
        got = mine.get(pos, cell.value if cell is not None else None)
        want = summary.get(key)
        if isinstance(want, int) and isinstance(got, int | float) and not isinstance(got, bool):
            if not same(got, want):
                out.append(
                    f"allocation.xlsx 工作表「{SUMMARY_SHEET}」{SUMMARY_CELLS[key]}（{key}）为 {num(got)}，"
                    f"summary.json 为 {want:,} / {SUMMARY_SHEET}!{SUMMARY_CELLS[key]} ({key}) says {num(got)},"
                    f" summary.json {want:,}"
                )
    return out
