"""Reading a result workbook cell by cell for ``allocator verify``: value, formula and number format.

openpyxl and calamine either drop the formula (the cached value alone) or the cached value (the formula
alone), and both fill in every empty cell of a sheet's declared range, so a cell at XFD1048576 costs
gigabytes. This reads the workbook's XML itself, with :mod:`defusedxml` (no DTD, no entity), streaming,
(the sheets with expat directly, DTDs and entity declarations refused as defusedxml does) and keeps only the
cells the sheet holds: each as :class:`Cell` (cached value, formula or None, number
format code). Sizes are checked from the zip's central directory first (:data:`MAX_TOTAL`,
:data:`MAX_MEMBERS`), the number of cells while reading (:data:`MAX_CELLS`).

A workbook that cannot be read so is :class:`~allocator.core.errors.AllocatorError` naming the file and why.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from xml.parsers import expat

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from ..core.errors import AllocatorError, InputError
from ..intake import guard as workbook_guard

#: At most this many bytes unpacked in all, this many parts, this many cells (a result workbook of
#: 100,000 applications is about 50 MB and 2 million cells).
MAX_TOTAL = 2 * 2**30
MAX_MEMBERS = 10_000
MAX_CELLS = 20_000_000
MAX_ROW, MAX_COL = 1_048_576, 16_384
REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True)
class XlError:
    """A cell holding an Excel error (``#DIV/0!`` …), told apart from text that reads the same."""

    code: str

    def __str__(self) -> str:
        return self.code


class Cell(NamedTuple):
    value: object  # the value, or a formula's cached value: int, float, str, bool, XlError or None
    formula: str | None  # without the leading "=", as stored; "" for a shared formula's follower
    fmt: str  # the number format's code ("General", "#,##0", …)


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (row, column), both 1-based

    def rows(self) -> list[int]:
        return sorted({r for r, _ in self.cells})

    def width(self, row: int) -> int:
        return max((c for r, c in self.cells if r == row), default=0)


@dataclass
class Book:
    path: Path
    sheets: list[Sheet]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def column_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=4096)
def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def coordinate(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unreadable(path: Path, zh: str, en: str) -> AllocatorError:
    return AllocatorError(f"{path.name} 无法逐格读取：{zh}", f"{path.name} cannot be read cell by cell: {en}")


def read_book(path: str | Path) -> Book:
    """Every sheet of the workbook at ``path``, in the workbook's order, with the cells it holds."""
    path = Path(path)
    try:
        data = path.read_bytes()
        # the same file-level guard as every other workbook reader: bombs, DTDs, extents too large to hold
        workbook_guard.check(path, data, "excel", hashlib.sha256(data).hexdigest())
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_TOTAL:
                raise _unreadable(path, "解压后过大（疑似压缩炸弹）", "it unpacks too large (a zip bomb?)")
            return _read(path, zf)
    except FileNotFoundError:
        raise AllocatorError(f"{path.name} 不存在", f"{path.name} is missing") from None
    except InputError as exc:  # the guard's refusal, said as what it is here: a result workbook altered
        raise _unreadable(
            path,
            "；".join(
                f"工作表「{q.sheet}」：{q.expected_zh}" if q.sheet else q.expected_zh for q in exc.problems
            ),
            "; ".join(
                f"sheet {q.sheet!r}: {q.expected_en}" if q.sheet else q.expected_en for q in exc.problems
            ),
        ) from None
    except AllocatorError:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise _unreadable(path, f"不是有效的 .xlsx（{exc}）", f"not a valid .xlsx ({exc})") from None
    except (_Declaration, DefusedXmlException):
        raise _unreadable(
            path,
            "含 DTD 或实体声明（XML 实体扩展攻击的写法，Excel 与本工具都不写），未展开",
            "it holds a DTD or an entity declaration (how XML entity attacks are made; neither Excel nor"
            " allocator writes one), not expanded",
        ) from None
    except (safe_xml.ParseError, expat.ExpatError) as exc:
        raise _unreadable(path, f"XML 有误或含 DTD（{exc}）", f"bad XML or a DTD ({exc})") from None


def _read(path: Path, zf: zipfile.ZipFile) -> Book:
    rels = _rels(zf, "xl/_rels/workbook.xml.rels")
    strings = _shared_strings(zf, rels)
    formats = _formats(zf, rels)
    sheets, count = [], 0
    root = _xml(zf, "xl/workbook.xml")
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
        target = rels.get(rid)
        if target is None:
            raise _unreadable(path, f"工作表「{el.get('name')}」没有对应的部件", "a sheet has no part")
        sheet = Sheet(str(el.get("name", "")))
        count = _cells(zf, target, sheet, strings, formats, count, path)
        sheets.append(sheet)
    return Book(path, sheets)


def _xml(zf: zipfile.ZipFile, name: str):
    with zf.open(name) as fh:
        return safe_xml.parse(fh).getroot()


def _rels(zf: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Relationship id → part name (``xl/worksheets/sheet1.xml``); the type's last word under ``#type``."""
    out: dict[str, str] = {}
    if name not in zf.namelist():
        return out
    for el in _xml(zf, name).iter():
        if _local(el.tag) == "Relationship":
            target = str(el.get("Target", ""))
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[str(el.get("Id", ""))] = part
            out[f"#{str(el.get('Type', '')).rsplit('/', 1)[-1]}"] = part
    return out


def _text(el) -> str:
    """The text of a string item: its ``t`` elements, phonetic runs (``rPh``) left out."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _shared_strings(zf: zipfile.ZipFile, rels: dict[str, str]) -> list[str]:
    name = rels.get("#sharedStrings", "xl/sharedStrings.xml")
    if name not in zf.namelist():
        return []
    return [_text(el) for el in _xml(zf, name) if _local(el.tag) == "si"]


def _formats(zf: zipfile.ZipFile, rels: dict[str, str]) -> list[str]:
    """The number format code of each cell style (``s`` index)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    name = rels.get("#styles", "xl/styles.xml")
    if name not in zf.namelist():
        return []
    root = _xml(zf, name)
    custom = {
        int(el.get("numFmtId", "0")): str(el.get("formatCode", ""))
        for el in root.iter()
        if _local(el.tag) == "numFmt"
    }
    out = []
    for xfs in root:
        if _local(xfs.tag) == "cellXfs":
            for xf in xfs:
                n = int(xf.get("numFmtId", "0"))
                out.append(custom.get(n) or BUILTIN_FORMATS.get(n, f"numFmtId {n}"))
    return out


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _value(kind: str, v: str | None, inline, strings: list[str]) -> object:
    if kind == "inlineStr":
        return _text(inline) if inline is not None else ""
    if v is None or (v == "" and kind not in ("str", "d")):  # openpyxl writes <v></v> for a formula
        return None
    if kind == "s":
        k = int(v)
        return strings[k] if 0 <= k < len(strings) else XlError(f"#共享字符串{k}")
    if kind == "b":
        return v.strip() == "1"
    if kind == "e":
        return XlError(v)
    if kind in ("str", "d"):
        return v
    return _number(v)


class _Declaration(Exception):
    """A DTD or an entity declaration in a sheet: allocator never writes one."""


def _forbid(*_: object) -> None:
    raise _Declaration


class _SheetReader:
    """expat callbacks filling a :class:`Sheet` (about four times faster than ElementTree's iterparse)."""

    def __init__(self, sheet: Sheet, strings: list[str], formats: list[str], count: int, path: Path) -> None:
        self.sheet, self.strings, self.formats, self.count, self.path = sheet, strings, formats, count, path
        self.row = self.col = 0
        self.cur: list | None = None  # [ref, type, style, v, f, inline texts]
        self.mode: str | None = None  # collecting the text of v, f or an inline t
        self.buf: list[str] = []
        self.phonetic = 0

    def start(self, tag: str, attrs: dict) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            self.cur = [attrs.get("r", ""), attrs.get("t", "n"), attrs.get("s", "0"), None, None, None]
        elif self.cur is None:
            return
        elif tag in ("v", "f"):
            self.mode, self.buf = tag, []
        elif tag == "is":
            self.cur[5] = []
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.cur[5] is not None and not self.phonetic:
            self.mode, self.buf = "t", []

    def text(self, data: str) -> None:
        if self.mode is not None:
            self.buf.append(data)

    def end(self, tag: str) -> None:
        if self.cur is None:
            return
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == self.mode:
            text = "".join(self.buf)
            if tag == "t":
                self.cur[5].append(text)
            else:
                self.cur[3 if tag == "v" else 4] = text
            self.mode = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c":
            self.cell(*self.cur)
            self.cur = None

    def cell(self, r: str, kind: str, style: str, v: str | None, f: str | None, inline: list | None) -> None:
        ref = REF.match(r)
        row, col = (int(ref[2]), column_number(ref[1])) if ref else (max(self.row, 1), self.col + 1)
        if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
            raise _unreadable(self.path, f"单元格 {r} 超出工作表范围", f"a cell beyond the sheet: {r}")
        self.row, self.col = row, col
        k = int(style) if style.isdigit() else 0
        fmt = self.formats[k] if k < len(self.formats) else "General"
        if kind == "inlineStr":
            value: object = "".join(inline or [])
        else:
            value = _value(kind, v, None, self.strings)
        self.sheet.cells[(row, col)] = Cell(value, f, fmt)
        self.count += 1
        if self.count > MAX_CELLS:
            raise _unreadable(self.path, f"单元格超过 {MAX_CELLS:,} 个", f"more than {MAX_CELLS:,} cells")


def _cells(zf, part: str, sheet: Sheet, strings, formats, count: int, path: Path) -> int:
    """Read the sheet's cells into ``sheet``; returns the cells read so far in the workbook. No DTD, no
    entity declaration, no external entity (as :mod:`defusedxml` refuses them)."""
    reader = _SheetReader(sheet, strings, formats, count, path)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    with zf.open(part) as fh:
        parser.ParseFile(fh)
    return reader.count


def dense(sheet: Sheet, width: int, values: dict[tuple[int, int], object] | None = None) -> list[list]:
    """The sheet's rows that hold a cell, each as a list of ``width`` values (columns past it left out):
    ``values`` where given (e.g. what each formula computes), else the cell's value as stored."""
    out: dict[int, list] = {}
    for (r, c), cell in sorted(sheet.cells.items()):
        if c <= width:
            row = out.setdefault(r, [None] * width)
            row[c - 1] = values[(r, c)] if values is not None and (r, c) in values else cell.value
    return [out[r] for r in sorted(out)]
