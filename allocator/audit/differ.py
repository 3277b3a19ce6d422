"""What differs between a file as recorded and as written again from the inputs, line by line in Chinese and
English: workbooks cell by cell, CSV field by field, JSON key by key, the report's text."""

from __future__ import annotations

import csv
import difflib
from html.parser import HTMLParser
from pathlib import Path

from .approved import num
from .books import uncached_line
from .excel_values import same
from .xlsx import Book, Cell, Sheet, coordinate

UNCACHED = ("", "")  # a formula saved without its cached value: said once a sheet


ROW_FIELDS = 3  # differing fields said per CSV row; the rest counted


# ---------------------------------------------------------------- workbooks
def book_lines(rel: str, got: Book, want: Book) -> list[str]:
    out = []
    if got.names != want.names:
        out.append(
            f"{rel} 的工作表为 {got.names}，本工具写的是 {want.names} / {rel}: other sheets than allocator writes"
        )
    for sheet in want.sheets:
        mine = got.sheet(sheet.name)
        if mine is not None:
            out += sheet_lines(rel, mine, sheet)
    return out


def _blank(cell: Cell | None) -> bool:
    return cell is None or (cell.formula is None and cell.value in (None, ""))


def sheet_lines(rel: str, got: Sheet, want: Sheet) -> list[str]:
    listed = any(r == 1 and c.value == "申报编号" for (r, _), c in want.cells.items())
    id_col = next((c for (r, c), cell in want.cells.items() if r == 1 and cell.value == "申报编号"), None)
    by_row: dict[int, set[int]] = {}
    for r, c in (*got.cells, *want.cells):
        by_row.setdefault(r, set()).add(c)
    out: list[str] = []
    uncached: list[str] = []
    for r in sorted(by_row):
        pairs = [(c, got.cells.get((r, c)), want.cells.get((r, c))) for c in sorted(by_row[r])]
        if all(_blank(w) for _, _, w in pairs) and not all(_blank(g) for _, g, _ in pairs):
            text = "，".join(
                f"{coordinate(r, c)} {num(g.value) if g.formula is None else '=' + g.formula}"
                for c, g, _ in pairs
                if not _blank(g)
            )
            out.append(
                f"{rel} 工作表「{got.name}」多出第{r}行（{text[:80]}）：本工具未写此行 / {got.name} row {r}: a row allocator did not write"
            )
            continue
        ident = want.cells.get((r, id_col)) if id_col else None
        who = (
            f"（申报编号 {ident.value}）"
            if ident is not None and ident.value not in (None, "", "申报编号")
            else ""
        )
        for c, g, w in pairs:
            what = _cell_differs(g, w)
            if what is None:
                continue
            if what == UNCACHED:
                uncached.append(coordinate(r, c))
                continue
            head = want.cells.get((1, c)) if listed else want.cells.get((r, 1))
            label = (
                f"列「{head.value}」"
                if listed and head is not None
                else (f"「{head.value}」" if head else "")
            )
            out.append(
                f"{rel} 工作表「{got.name}」第{r}行{who}{label}（{coordinate(r, c)}）：{what[0]}"
                f" / {got.name}!{coordinate(r, c)}{' ' + str(ident.value) if who else ''}: {what[1]}"
            )
    if uncached:
        out.append(uncached_line(rel, got.name, uncached))
    return out


def _cell_differs(g: Cell | None, w: Cell | None) -> tuple[str, str] | None:
    if _blank(g) and _blank(w):
        return None
    g = g or Cell(None, None, "General")
    w = w or Cell(None, None, "General")
    gv, wv = num(g.value), num(w.value)
    if g.formula is not None and w.formula is None:
        return (
            f"是公式 ={g.formula}（缓存值 {gv}），本工具写的是数值 {wv}",
            f"a formula ={g.formula} (cached {gv}) where allocator writes the value {wv}",
        )
    if g.formula is None and w.formula is not None:
        return (
            f"是数值 {gv}，本工具写的是公式 ={w.formula}（{wv}）",
            f"the value {gv}, allocator writes ={w.formula}",
        )
    if g.formula != w.formula:
        return (
            f"公式 ={g.formula}，本工具写的是 ={w.formula}",
            f"formula ={g.formula}, allocator writes ={w.formula}",
        )
    if g.formula is not None and g.value is None and w.value is not None:
        return UNCACHED
    if not same(g.value, w.value):
        kind = "缓存值" if g.formula is not None else "记录"
        return f"{kind} {gv}，按输入重新写出为 {wv}", f"recorded {gv}, written again from the inputs {wv}"
    if g.fmt != w.fmt and not _blank(w):
        return (
            f"数字格式 {g.fmt!r}，本工具写的是 {w.fmt!r}（显示的数字会不同）",
            f"number format {g.fmt!r}, allocator writes {w.fmt!r}",
        )
    return None


# ---------------------------------------------------------------- CSV, JSON, HTML
def csv_lines(rel: str, got: str, want: str) -> list[str]:
    a, b = list(csv.reader(got.splitlines())), list(csv.reader(want.splitlines()))
    if not a or not b or a[0] != b[0]:
        return [f"{rel} 的表头与本工具写的不同 / {rel}: its header is not allocator's"]
    header = b[0]
    keys = [header.index(k) for k in ("rank", "application_id") if k in header]
    out = []
    for k in range(1, max(len(a), len(b))):
        x, y = (a[k] if k < len(a) else None), (b[k] if k < len(b) else None)
        ident = "，".join(f"{header[i]} {(y or x)[i]}" for i in keys if i < len(y or x or []))  # type: ignore[index]
        if x is None or y is None:
            which = ("缺少", "lacks") if x is None else ("多出", "has an extra")
            out.append(f"{rel} {which[0]}第{k + 1}行（{ident}）/ {rel} {which[1]} row {k + 1}")
            continue
        cols = [(col, x[i] if i < len(x) else None, y[i]) for i, col in enumerate(header)]
        diff = [(col, gx, want) for col, gx, want in cols if gx != want]
        for col, gx, want in diff[:ROW_FIELDS]:
            out.append(
                f"{rel} 第{k + 1}行（{ident}）列 {col}：记录 {gx!r}，按输入重新写出为 {want!r}"
                f" / {rel} row {k + 1} ({ident}) {col}: recorded {gx!r}, written again {want!r}"
            )
        if len(diff) > ROW_FIELDS:
            rest = len(diff) - ROW_FIELDS
            out.append(
                f"    {rel} 第{k + 1}行另有 {rest} 列不同 / {rest} more field(s) of row {k + 1} differ"
            )
        if len(x) > len(header):
            out.append(f"{rel} 第{k + 1}行（{ident}）多出列 / row {k + 1} has extra fields")
    return out


def _flat(value: object, path: str, out: dict) -> dict:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flat(v, f"{path}[{i}]", out)
        if not value:
            out[path] = []
    else:
        out[path] = value
    return out


def json_lines(rel: str, got: object, want: object) -> list[str]:
    a, b = _flat(got, "", {}), _flat(want, "", {})
    out = []
    order = {k: i for i, k in enumerate(b)}
    for key in sorted(a.keys() | b.keys(), key=lambda k: (order.get(k, len(order)), k)):
        if key not in b:
            out.append(f"{rel} 多出键 {key}（{short(a[key])}）/ {rel} has an extra key {key}")
        elif key not in a:
            out.append(f"{rel} 缺少键 {key}（应为 {short(b[key])}）/ {rel} lacks the key {key}")
        elif a[key] != b[key] or type(a[key]) is not type(b[key]):
            if key == "released_from" and Path(str(a[key])).resolve() == Path(str(b[key])).resolve():
                continue
            out.append(
                f"{rel} {key}：记录 {short(a[key])}，按输入重新计算为 {short(b[key])}"
                f" / {rel} {key}: recorded {short(a[key])}, recomputed {short(b[key])}"
            )
    return out


class _Text(HTMLParser):
    BLOCK = {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "br", "section", "caption", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> list[str]:
    """A page's text, tags stripped, one line per block, blanks squeezed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [" ".join(line.split()) for line in "".join(parser.parts).split("\n") if line.strip()]


def text_lines(rel: str, got: list[str], want: list[str]) -> list[str]:
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, got, want, autojunk=False).get_opcodes():
        if op != "equal":
            x, y = " ".join(got[i1:i2]), " ".join(want[j1:j2])
            out.append(
                f"{rel} 文字不同：记录「{_clip(x)}」，按输入重新写出为「{_clip(y)}」"
                f" / {rel} text differs: recorded {_clip(x)!r}, written again {_clip(y)!r}"
            )
    return out


def _clip(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def short(value: object) -> str:
    text = num(value) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)
    return _clip(text, 70)
