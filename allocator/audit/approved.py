"""``allocator verify``'s check 2: approved.xlsx (the list finance pays from) = the funded rows of
allocation.csv, and allocation.xlsx's 拟支持名单 the same, row by row — who is paid (申报单位, 统一社会信用代码),
for what (事项编号), how much (拟支持金额, the two cost shares) and, from batch 2 on, in which 批次.

Read cell by cell (:mod:`allocator.audit.xlsx`); a cell holding a formula counts as what the formula
computes (:mod:`allocator.audit.formula`), never as its cached value.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..core.errors import AllocatorError
from .excel_values import FormulaError
from .formula import Evaluator
from .xlsx import Book, XlError, dense, read_book

MONEY = ("award", "city_cost", "district_cost")
#: What a funded row says, compared field by field: the money, then who is paid and for what.
FIELDS = (*MONEY, "applicant", "credit_code", "item")
TEXT_HEADERS = {"applicant": "申报单位", "credit_code": "统一社会信用代码", "item": "事项编号"}
LABELS = {"award": "award", "city_cost": "city_cost", "district_cost": "district_cost"} | {
    k: f"{h} {k}" for k, h in TEXT_HEADERS.items()
}
LIST_SHEET = "拟支持名单"
#: Differences listed per check; the rest are counted.
SHOWN = 12


@lru_cache(maxsize=8)
def _loaded(path: str, stamp: tuple[int, int]) -> tuple[Book, dict]:
    book = read_book(path)
    return book, computed(book)


def load(path: Path) -> tuple[Book, dict]:
    """The workbook at ``path`` and what each of its formulas computes (read once per version of the file)."""
    st = path.stat()
    return _loaded(str(path), (st.st_mtime_ns, st.st_size))


def computed(book: Book) -> dict[str, dict[tuple[int, int], object]]:
    """Every formula cell's computed value, by sheet; one that cannot be computed as :class:`XlError`."""
    ev = Evaluator(book)
    out: dict[str, dict[tuple[int, int], object]] = {}
    for sheet in book.sheets:
        mine = out.setdefault(sheet.name, {})
        for (r, c), cell in sheet.cells.items():
            if cell.formula is not None:
                try:
                    mine[(r, c)] = ev.cell(sheet.name, r, c)
                except (FormulaError, RecursionError, OverflowError, ValueError) as exc:
                    mine[(r, c)] = XlError(f"#无法计算（{exc}）")
    return out


def rows_of(book: Book, values: dict, name: str | None = None) -> list[list] | None:
    """A sheet's rows (the first sheet when ``name`` is None), formulas as computed; None without it."""
    sheet = book.sheets[0] if name is None and book.sheets else book.sheet(name or "")
    if sheet is None:
        return None
    return dense(sheet, max(sheet.width(1), 1), values.get(sheet.name, {}))


def approved(path: Path, batch: int = 1) -> tuple[dict[str, tuple] | None, str, dict[str, object] | None]:
    """approved.xlsx's rows by 申报编号 (:data:`FIELDS`), of the year so far (its 累计拟支持名单 sheet, from
    batch 2 on, else its first), and each row's 批次 (None without the sheet); or None and why — also when
    the first sheet is not that sheet's rows of ``batch``."""
    from ..store.format import YTD_SHEET

    try:
        book, values = load(path)
    except FileNotFoundError:
        return None, f"{path.name} 不存在 / missing", None
    except AllocatorError as exc:
        return None, f"{exc.zh} / {exc.en}", None
    first = rows_of(book, values)
    if first is None:
        return None, f"{path.name} 没有工作表 / has no sheet", None
    ytd = rows_of(book, values, YTD_SHEET) if YTD_SHEET in book.names else None
    now, problem, _ = list_rows(path.name, first)
    if now is None or ytd is None:
        return now, problem, None
    year, problem, batches = list_rows(path.name, ytd)
    if year is None:
        return None, f"{YTD_SHEET}：{problem}", None
    if batches is None:
        return None, f"{path.name} {YTD_SHEET} 没有「批次」列 / no 批次 column", None
    this = {a: v for a, v in year.items() if batches[a] == batch}
    lines = differ(f"{path.name} 第一张表", now, this, f"{YTD_SHEET}中第 {batch} 批")
    if lines:
        return None, "；".join(lines[:SHOWN]), None
    return year, "", batches


def list_rows(name: str, rows: list) -> tuple[dict[str, tuple] | None, str, dict[str, object] | None]:
    """One list sheet's rows as :func:`approved` returns them, with its 批次 (None without the column)."""
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else [])]
    costs = [k for k, h in enumerate(header) if h.endswith("承担（元）")]
    texts = [header.index(h) if h in header else -1 for h in TEXT_HEADERS.values()]
    if "申报编号" not in header or "拟支持金额（元）" not in header or len(costs) != 2 or -1 in texts:
        return (
            None,
            f"{name} 的表头不是本工具写出的拟支持名单 / not an approved list written by allocator",
            None,
        )
    i, a = header.index("申报编号"), header.index("拟支持金额（元）")
    b = header.index("批次") if "批次" in header else None
    out: dict[str, tuple] = {}
    batches: dict[str, object] = {}
    for row in rows[1:]:
        app = str(row[i]).strip() if row[i] is not None else ""
        if app in ("", "（无）") or str(row[0]).strip() == "合计":
            continue
        out[app] = (*(whole(row[k]) for k in (a, *costs)), *(text(row[k]) for k in texts))
        if b is not None:
            batches[app] = whole(row[b])
    return out, "", (batches if b is not None else None)


def whole(value: object) -> object:
    """A number cell as int; anything else as it is (reported as recorded)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    return value


def text(value: object) -> str:
    return "" if value is None else str(value).strip()


def expected_rows(table: pd.DataFrame, funded_only: bool = True) -> dict[str, tuple]:
    """allocation.csv's (or a recomputed table's) rows as :func:`list_rows` reads a list sheet's."""
    rows = table[table["award"] > 0] if funded_only else table
    cols = [rows[c] if c in rows else pd.Series([""] * len(rows), index=rows.index) for c in FIELDS[3:]]
    return {
        str(app): (int(w), int(c), int(d), *(text(v) for v in rest))
        for app, w, c, d, *rest in zip(rows["application_id"], *(rows[m] for m in MONEY), *cols, strict=True)
    }


AGAINST_EN = {"重新计算": "recomputed"}


def differ(file: str, recorded: dict, expected: dict, against: str) -> list[str]:
    """Lines naming each application whose :data:`FIELDS` in ``file`` differ from what ``against`` says
    (``expected``), field by field."""
    lines = []
    en = AGAINST_EN.get(against.strip(), against.strip() or "expected")
    for app in sorted(expected.keys() - recorded.keys()):
        lines.append(
            f"{file} 缺少申报编号 {app}（{against}：award {expected[app][0]:,}）/ {file} lacks {app}"
        )
    for app in sorted(recorded.keys() - expected.keys()):
        lines.append(
            f"{file} 多出申报编号 {app}（award {num(recorded[app][0])}；{against}：无此项或未获支持）"
            f" / {file} has {app}, which {en} does not fund"
        )
    for app in sorted(recorded.keys() & expected.keys()):
        for field, got, want in zip(FIELDS, recorded[app], expected[app], strict=False):
            if got != want:
                lines.append(
                    f"{file} 申报编号 {app} {LABELS[field]}：记录 {num(got)}，{against}为 {num(want)}"
                    f" / {field} of {app}: recorded {num(got)}, {en} {num(want)}"
                )
    return lines


def batches_differ(recorded: dict, expected: dict, against: str) -> list[str]:
    """Lines naming each application whose 批次 in approved.xlsx is not what ``against`` says."""
    out = []
    for app in sorted(recorded.keys() & expected.keys()):
        want = expected[app]
        want = int(want) if str(want).strip().isdigit() else want
        if recorded[app] != want:
            out.append(
                f"approved.xlsx 申报编号 {app} 批次：记录 {recorded[app]}，{against}为 {want}"
                f" / batch of {app}: recorded {recorded[app]}, {AGAINST_EN.get(against.strip(), against.strip())} {want}"
            )
    return out


def num(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return f"{int(value):,}"
    return repr(value) if not isinstance(value, XlError) else str(value)


def shown(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= SHOWN:
        return tuple(lines)
    return (*lines[:SHOWN], f"…… 另有 {len(lines) - SHOWN} 处 / {len(lines) - SHOWN} more")
