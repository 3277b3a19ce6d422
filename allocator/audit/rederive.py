"""``allocator verify``: every output written again from the recomputed result, and compared with the folder.

manifest.json's hashes prove a folder is as written, not that it is right (manifest.json can be written
again too). So the result recomputed from the inputs is written into a temporary folder by
:func:`allocator.outputs.write_outputs`, with what cannot be recomputed taken from summary.json: the
manifest's ``command``, ``generated_at`` and ``versions`` (every other manifest key must be what the
inputs give) and the solver's ``seconds``. Each output is then compared with the folder's:

* byte for byte — the writers are deterministic once those are given, except a workbook's
  ``docProps/core.xml`` (xlsxwriter stamps the time of writing): a workbook whose other parts are byte-identical
  passes;
* else by content, to name what differs: workbooks cell by cell, every sheet — value (a formula's cached value),
  formula and number format (:mod:`allocator.audit.xlsx`); CSV row by row; JSON key by key; report.html's
  text, tags stripped. Content that is the same in bytes that are not is a note when a package that writes
  the file (xlsxwriter, pandas, matplotlib, Python) is not the version recorded, else a failure; report.pdf
  and the PNG/SVG charts, drawn by matplotlib, are compared by bytes alone.

A file of the folder that the writers do not write (besides manifest.json, kept copies of an earlier
approved.xlsx, office lock files and a release's release.json, compared too) fails the check, unless
manifest.json lists it: publishing carries the entries of the old folder the new set does not replace (the
office's own files), and those are a note — their content is not allocator's to check.
"""

from __future__ import annotations

import csv
import difflib
import json
import tempfile
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from ..core.errors import AllocatorError
from .approved import load, num
from .books import uncached_line
from .files import folder_files, kept_copy, office_lock, read_manifest
from .formula import same
from .xlsx import Book, Cell, Sheet, coordinate

#: Manifest keys a recomputation cannot give back: taken from summary.json as recorded.
RUN_KEYS = ("command", "generated_at", "versions")
#: The packages whose version decides a file's bytes, by suffix.
WRITERS = {
    ".xlsx": ("xlsxwriter",),
    ".csv": ("pandas", "numpy"),
    ".json": ("python",),
    ".html": ("matplotlib", "python"),
    ".pdf": ("matplotlib",),
    ".png": ("matplotlib",),
    ".svg": ("matplotlib",),
}
CORE = "docProps/core.xml"
UNCACHED = ("", "")  # a formula saved without its cached value: said once a sheet
PER_FILE = 8
MAX_COMPARED = 1 << 30  #: bytes; a bigger file is compared by its hash alone
ROW_FIELDS = 3  # differing fields said per CSV row; the rest counted


def as_recorded(result, summary: dict):
    """(``result`` with summary.json's run-only fields, a line for each other manifest key that differs)."""
    recorded = summary.get("manifest")
    lines = []
    if isinstance(recorded, dict):
        now = result.manifest or {}
        for key in sorted((now.keys() | recorded.keys()) - {*RUN_KEYS, "solver"}):  # solver: the writers
            if now.get(key) != recorded.get(key):
                lines.append(
                    f"✗ summary.json manifest.{key}：记录 {_short(recorded.get(key))}，按输入为 {_short(now.get(key))}"
                    f" / manifest.{key}: recorded {_short(recorded.get(key))}, the inputs give {_short(now.get(key))}"
                )
        result = replace(result, manifest={**now, **{k: recorded[k] for k in RUN_KEYS if k in recorded}})
    seconds = (summary.get("solver") or {}).get("seconds")
    if isinstance(seconds, float):
        result = replace(result, solver=replace(result.solver, seconds=seconds))
    return result, lines


def rederive(
    folder: Path, result, summary: dict, release_info: dict | None = None
) -> tuple[str, tuple[str, ...]]:
    """(state, lines) of the check; ``release_info``: release.json's content, for a release's folder."""
    from ..core.provenance import versions
    from ..outputs import write_outputs

    result, bad = as_recorded(result, summary)
    then = (summary.get("manifest") or {}).get("versions") or {}
    now = versions()
    moved = {k for k in then if str(then[k]) != str(now.get(k))}
    with tempfile.TemporaryDirectory(prefix="allocator-verify-") as tmp:
        out = Path(tmp) / "out"
        try:
            write_outputs(result, out)
            if release_info is not None:
                text = json.dumps(release_info, ensure_ascii=False, indent=2)
                (out / "release.json").write_text(text, encoding="utf-8")
        except (AllocatorError, OSError) as exc:
            why = exc.zh if isinstance(exc, AllocatorError) else str(exc)
            return "fail", (f"无法重新写出结果 / cannot write the outputs again: {why}",)
        return _compare_all(folder, out, moved, bad)


def _compare_all(folder: Path, out: Path, moved: set[str], bad: list[str]) -> tuple[str, tuple[str, ...]]:
    expected = set(folder_files(out))
    present = {r for r in folder_files(folder) if not (kept_copy(r) or office_lock(r))}
    notes, same_files = [], []
    for rel in sorted(expected - present):
        bad.append(
            f"✗ 缺少 {rel}：本工具会为此结果写出它 / {rel} is missing: allocator writes it for this result"
        )
    listed, _ = read_manifest(folder)
    for rel in sorted(present - expected):
        if listed is not None and rel in listed:  # carried from before by the publishing, or the office's own
            notes.append(
                f"ℹ {rel}：不是本工具为此结果写出的文件（manifest.json 中有记录：此前就在目录中），未核对内容"
                f" / {rel} is not an output of this result (listed in manifest.json: it was in the folder"
                " before); its content is not checked"
            )
        else:
            bad.append(f"✗ {rel} 不是本工具为此结果写出的文件 / {rel} is not an output of this result")
    for rel in sorted(expected & present):
        state, lines = compare_file(rel, folder / rel, out / rel, moved)
        if state == "pass":
            same_files.append(rel)
        (notes if state == "note" else bad).extend(lines)
    head = []
    if same_files:
        head.append(f"✓ 与按输入重新写出的相同 / as written again from the inputs: {', '.join(same_files)}")
    return ("fail" if bad else "note" if notes else "pass"), (*head, *bad, *notes)


def compare_file(rel: str, got: Path, want: Path, moved: set[str]) -> tuple[str, list[str]]:
    """pass (the same), note (the same content, bytes of another package version) or fail, with lines."""
    from ..core.provenance import sha256_file

    if got.stat().st_size > MAX_COMPARED or want.stat().st_size > MAX_COMPARED:
        if sha256_file(got) == sha256_file(want):
            return "pass", []
        return "fail", [
            f"✗ {rel}：与按输入重新写出的不同（文件过大，未逐项比对）/ {rel} differs (too big to compare)"
        ]
    a, b = got.read_bytes(), want.read_bytes()
    if a == b:
        return "pass", []
    kind = Path(rel).suffix.lower()
    if kind == ".xlsx" and _parts_same(got, want):
        return "pass", []
    lines = _differences(rel, kind, got, want, a, b)
    if lines:
        shown = lines[:PER_FILE]
        if len(lines) > PER_FILE:
            shown.append(f"    …… {rel} 另有 {len(lines) - PER_FILE} 处不同 / {len(lines) - PER_FILE} more")
        return "fail", [f"✗ {line}" if not line.startswith("    ") else line for line in shown]
    packages = sorted(set(WRITERS.get(kind, ())) & moved)
    if packages:
        return "note", [
            f"ℹ {rel}：字节与重新写出的不同，可能因 {', '.join(packages)} 版本与生成时不同，未能逐字节核对"
            f" / {rel}: its bytes differ, likely because {', '.join(packages)} is not the recorded version"
        ]
    if kind in (".pdf", ".png", ".svg"):
        return "fail", [
            f"✗ {rel}：与按输入重新绘制的不同（软件版本相同），已被替换或改动"
            f" / {rel} differs from the one drawn again from the inputs (same versions): replaced or edited"
        ]
    return "fail", [
        f"✗ {rel}：内容与重新写出的相同，但字节不同（格式、写法或嵌入的图表被改动）"
        f" / {rel}: same content, other bytes (formatting, layout or embedded charts changed)"
    ]


def _differences(rel: str, kind: str, got: Path, want: Path, a: bytes, b: bytes) -> list[str]:
    try:
        if kind == ".xlsx":
            return book_lines(rel, load(got)[0], load(want)[0])
        if kind == ".csv":
            return csv_lines(rel, a.decode("utf-8-sig"), b.decode("utf-8-sig"))
        if kind == ".json":
            return json_lines(rel, json.loads(a.decode("utf-8")), json.loads(b.decode("utf-8")))
        if kind == ".html":
            return text_lines(rel, html_text(a.decode("utf-8")), html_text(b.decode("utf-8")))
    except AllocatorError as exc:
        return [f"{exc.zh} / {exc.en}"]
    except (UnicodeDecodeError, ValueError, RecursionError, csv.Error) as exc:
        return [f"{rel} 无法按格式读取：{str(exc)[:120]} / {rel} cannot be read as a {kind} file"]
    return []


def _parts_same(got: Path, want: Path) -> bool:
    """Two workbooks alike in every zip part but the time stamped in docProps/core.xml."""
    import re

    stamp = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
    try:
        with zipfile.ZipFile(got) as za, zipfile.ZipFile(want) as zb:
            names = za.namelist()
            if names != zb.namelist() or sum(i.file_size for i in za.infolist()) > 2**31:
                return False
            for name in names:
                x, y = za.read(name), zb.read(name)
                if name == CORE:
                    x, y = stamp.sub(b"", x), stamp.sub(b"", y)
                if x != y:
                    return False
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError):
        return False
    return True


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
            out.append(f"{rel} 多出键 {key}（{_short(a[key])}）/ {rel} has an extra key {key}")
        elif key not in a:
            out.append(f"{rel} 缺少键 {key}（应为 {_short(b[key])}）/ {rel} lacks the key {key}")
        elif a[key] != b[key] or type(a[key]) is not type(b[key]):
            if key == "released_from" and Path(str(a[key])).resolve() == Path(str(b[key])).resolve():
                continue
            out.append(
                f"{rel} {key}：记录 {_short(a[key])}，按输入重新计算为 {_short(b[key])}"
                f" / {rel} {key}: recorded {_short(a[key])}, recomputed {_short(b[key])}"
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


def _short(value: object) -> str:
    text = num(value) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)
    return _clip(text, 70)
