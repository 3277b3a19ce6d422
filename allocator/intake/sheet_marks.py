"""What calamine does not say about an .xlsx sheet, read from its XML: the cells holding an Excel error,
formulas saved without their value, and the merged ranges."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import unescape

import defusedxml.ElementTree as safe_xml

from . import extent as intake_extent
from .cells import ExcelError, Uncached


@dataclass(frozen=True)
class Merged:
    """A merged range, 1-based and inclusive: ``ref`` as written (``A2:A5``)."""

    ref: str
    top: int
    left: int
    bottom: int
    right: int


_NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


_ERROR_CELL = re.compile(rb'<c\b[^>]*\bt="e"[^>]*>')


_VALUE = re.compile(rb"<v>([^<]*)</v>")


# A cell with a formula: its attributes, the formula's text, and its <v> if any (the schema's order is
# f, v, is). A cell without <v>, or with <v/> (openpyxl), has no result, unless t="str" says it is "".
_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v>([^<]*)</v>|(<v\s*/>))?")


_TYPE_STR = re.compile(rb'\bt="str"')


_MERGED = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"')


_QUOTES = {"&quot;": '"', "&apos;": "'"}


Marks = tuple[list[tuple[int, int, object]], list[Merged]]


def sheet_marks(data: bytes, names: list[str]) -> dict[str, Marks]:
    """What calamine leaves out of the named sheets: sheet -> (cells, merged ranges); cells are
    (row, column, value), 0-based, for error cells (``t="e"``) and formulas without a result.

    calamine reads both as empty. A sheet without either costs one decompression and two substring
    searches (and a look at its end for merged ranges), in a thread while calamine parses.
    """
    out: dict[str, Marks] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name, part in sheet_parts(z).items():
                if name not in names:
                    continue
                xml = z.read(part)
                cells = list(_errors_in(xml)) if b't="e"' in xml else []
                cells += _uncached_in(xml) if b"<f" in xml else []
                tail = max(xml.rfind(b"</sheetData>"), 0)  # <mergeCells> follows <sheetData>
                merged = _merged_in(xml[tail:]) if xml.find(b"<mergeCell", tail) >= 0 else []
                if cells or merged:
                    out[name] = (cells, merged)
    except Exception:  # a damaged or unusual package (zlib, zip, XML errors …): calamine reports what it
        return {}  # cannot read, and what it can read keeps its error cells blank
    return out


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from xl/workbook.xml and its relationships."""
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in safe_xml.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    }
    parts = {}
    for sheet in safe_xml.fromstring(z.read("xl/workbook.xml")).iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(_NS_R), "")
            parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _column(letters: bytes) -> int:
    """1-based column number of ``b"AB"``."""
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


def _at(attrs: bytes) -> tuple[int, int] | None:
    """A cell's position, 0-based, from the ``r`` among its tag's attributes, read as calamine reads it
    (and as :mod:`allocator.intake.guard` measured the sheet by); None without one."""
    text = intake_extent.attribute_r(attrs)
    at = intake_extent.ref(text) if text is not None else None
    return (at[0] - 1, at[1] - 1) if at and at[1] else None


def _errors_in(xml: bytes) -> Iterator[tuple[int, int, ExcelError]]:
    for m in _ERROR_CELL.finditer(xml):
        at = _at(m.group(0))
        end = xml.find(b"</c>", m.end())
        value = _VALUE.search(xml, m.end(), end) if at and end > 0 else None
        if value:
            text = value.group(1).decode("utf-8", "replace")
            yield at[0], at[1], ExcelError(text)


def _uncached_in(xml: bytes) -> list[tuple[int, int, Uncached]]:
    out = []
    for m in _FORMULA_CELL.finditer(xml):
        attrs, formula, value, empty = m.groups()
        if value is not None or (empty and _TYPE_STR.search(attrs)):
            continue  # a result, maybe "" (<v></v>, as Excel and xlsxwriter write a formula giving "")
        at = _at(attrs)
        if at:
            text = "=" + unescape((formula or b"").decode("utf-8", "replace"), _QUOTES)  # shared: "=" alone
            out.append((at[0], at[1], Uncached(text)))
    return out


def _merged_in(xml: bytes) -> list[Merged]:
    out = []
    for m in _MERGED.finditer(xml):
        a, r1, b, r2 = m.groups()
        b, r2 = (b, r2) if b else (a, r1)
        ref = f"{a.decode()}{int(r1)}:{b.decode()}{int(r2)}"
        out.append(Merged(ref, int(r1), _column(a), int(r2), _column(b)))
    return out
