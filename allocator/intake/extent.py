"""How much a sheet makes its reader allocate, told from its XML while the guard inflates it.

calamine builds a dense grid of a sheet's used extent (``Range::from_sparse``: every row from 1 to the
last row holding a value, every column from A to the last column holding one, about 32 bytes a cell),
and :meth:`~python_calamine.CalamineSheet.to_python` turns it into as many Python lists. One cell at
XFD1048576 in a 5 KB workbook so asks for 17,179,869,184 cells, 512 GiB: the process aborts. openpyxl
in read-only mode pads every row it yields to the sheet's declared ``<dimension ref>``. So for every
part of a workbook :class:`Extent` finds, in the pieces :mod:`allocator.intake.guard` inflates:

- the **used extent**: the last row and the last column of a cell holding anything (a ``<c>`` that is
  not empty; a self-closing ``<c r="…" s="1"/>`` is formatting, which neither reader keeps);
- the **cells present** (the same cells, counted);
- the **declared dimension**'s last column.

:func:`verdict` then refuses a sheet whose extent is beyond Excel's own limits (1,048,576 rows, 16,384
columns), wider than :data:`MAX_COLUMNS`, or whose area (last row × the wider of the used and the
declared last column) is above :data:`MAX_AREA`, or above :data:`FREE_AREA` while fewer than one cell
in :data:`DENSITY` of it holds anything. Genuine workbooks are far from these: the 100,000-row demo
workbook's sheet is 88,705 rows × 38 columns (3.4 million cells, one in 4.3 filled); a full sheet of
1,048,575 rows of the data dictionary's columns is about 40 million cells, nearly all filled.

**Three looks, each finer and slower** (:class:`Extent`'s modes; :func:`measure` picks):

1. ``bound``, while the guard inflates the part (numpy over each 1 MiB piece): every cell tag must be ``<c r="AB12"…`` with no other ``r``
   attribute anywhere but the rows' own (``<row r="…``) — as Excel, WPS, openpyxl and xlsxwriter
   write them. The largest column and row among those references, formatting cells included, bound
   the extent; a sheet whose bound is within :data:`FREE_AREA` and the column limit is done.
2. ``cells``, reading the part again: each cell tag's end and quotes are looked at, so formatting
   cells (``/>``) are left out and the extent is exact, for a large but genuine sheet.
3. ``exact``, for anything else — a cell without ``r`` (calamine then counts on from the row's ``r``
   and the cell before), a second ``r`` (calamine takes a cell's last), a namespace prefix
   (``<x:c``), single quotes, spaces around ``=``, lower-case letters, leading zeros: a regular
   expression follows calamine's own rules (row and column counters, attributes one after the other,
   ``r`` read from the right with letters of either case). Such files are small or rare.

A tag starts at ``<``, which never stands raw in text or in an attribute value (in a comment or a
CDATA section it may: such text can only add cells, never hide one), so text that looks like
`` r="XFD1"`` is never taken for a reference, and a tag is complete once the next begins.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np

from .messages import size_text

#: Excel's own limits: no genuine sheet goes past them.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
#: More columns than this is no applications sheet: the data dictionary has 38 (column SR is the 512th).
MAX_COLUMNS = 512
#: Rows × columns above this is refused however full: 1,048,576 rows of 64 columns (about 2 GiB in
#: calamine, 4–8 GB in all; a full sheet of the data dictionary's columns is 40 million cells).
MAX_AREA = 2**26
#: Rows × columns up to this are read however empty (about 130 MB in calamine): one stray cell at
#: D1048576 still reads, and its row is reported like any other.
FREE_AREA = 2**22
#: Above FREE_AREA at least one cell in DENSITY must hold something (the demo sheet: one in 4.3).
DENSITY = 16
#: A tag longer than this is refused (Excel writes tags of a few dozen bytes).
MAX_TAG = 16 * 2**20
BYTES_PER_CELL = 32  # calamine's Data, as it allocates the grid

_TERM = np.zeros(256, dtype=bool)  # what may follow a tag's name
_TERM[[0x20, 0x09, 0x0A, 0x0D, 0x3E, 0x2F]] = True
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[0x20, 0x09, 0x0A, 0x0D]] = True
_UPPER = np.zeros(256, dtype=bool)
_UPPER[ord("A") : ord("Z") + 1] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_WIDTH = 12  # bytes looked at after r=": three letters, seven digits, the closing quote, one more

# a tag's attributes, leniently (a quoted value may hold ">"), then "/>" or ">"
_ATTRS = rb"((?:[^<>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>"
_ANY_TAG = re.compile(rb"<" + _ATTRS)
_TAG = re.compile(rb"<(/?)(?:[^\s<>/:!?]+:)?(row|c|sheetData)(?=[\s/>])" + _ATTRS)
_ATTR = re.compile(rb"([^\s=<>\"'/]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DIM = re.compile(rb"<(?:[^\s<>/:!?]+:)?dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']*)[\"']")


def ref(text: bytes) -> tuple[int, int | None] | None:
    """A reference read as calamine reads it (from the right: digits, then letters of either case):
    (row, column), 1-based, column None for a row number alone; None where calamine refuses it.

    >>> ref(b"XFD1048576"), ref(b"a1"), ref(b"12"), ref(b"A0"), ref(b"1A")
    ((1048576, 16384), (1, 1), (12, None), None, None)
    """
    row = col = 0
    pow_ = 1
    digits = True
    for ch in reversed(text):
        if 0x30 <= ch <= 0x39:
            if not digits:
                return None
            row += (ch - 0x30) * pow_
            pow_ *= 10
        elif 0x41 <= ch <= 0x5A or 0x61 <= ch <= 0x7A:
            if digits:
                if row == 0:
                    return None
                digits, pow_ = False, 1
            col += ((ch & 0xDF) - 0x40) * pow_
            pow_ *= 26
        else:
            return None
    if row == 0:
        return None
    return row, (col or None)


def attribute_r(attrs: bytes, last: bool = True) -> bytes | None:
    r"""The value of the attribute ``r`` among a tag's ``attrs``, read one attribute after the other
    (so that `` r="A1"`` inside another attribute's quoted value is never taken for it). calamine
    takes a cell's last ``r`` (``<c r="A1" r="AZ9">`` is at AZ9) and a row's first (``last=False``).

    >>> attribute_r(b' foo=\'r="A1"\' r = "XFD9" s="1"'), attribute_r(b' s="1"')
    (b'XFD9', None)
    >>> attribute_r(b' r="A1"r="AZ9"'), attribute_r(b' r="1" r="9"', last=False)
    (b'AZ9', b'1')
    """
    found = None
    for m in _ATTR.finditer(attrs):
        if m.group(1) == b"r":
            found = m.group(2) if m.group(2) is not None else m.group(3)
            if not last:
                break
    return found


def letters(col: int) -> str:
    """``28`` -> ``"AB"``."""
    out = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


class Extent:
    """What one part's cells make a reader allocate, fed piece by piece (:meth:`feed`), in one of three
    modes, each finer and slower than the one before (see the module's notes):

    - ``bound``: every cell tag is ``<c r="…`` (as Excel, WPS, openpyxl and xlsxwriter write them); the
      largest column and row among them, formatting-only cells included, bound the extent;
    - ``cells``: the cells holding something, with their tags' ends and quotes looked at;
    - ``exact``: calamine's rules, with a regular expression.

    ``holds`` turns False where a mode cannot place every cell: a finer one must read the part again.
    """

    def __init__(self, mode: str = "bound") -> None:
        self.mode = mode
        self.holds = True
        self.rest = b""
        self.sheet_data = False  # <sheetData> seen: no <dimension> after it counts
        self.declared = 0  # the declared dimension's last column
        self.cells = 0  # cells holding something (in "bound" mode: every cell tag)
        self.rows = self.columns = 0  # the used extent, 1-based
        self.too_long = False
        self.row_at = self.col_at = 0  # "exact": calamine's counters, 0-based

    def feed(self, piece: bytes, last: bool) -> None:
        text = self.rest + piece
        done, self.rest = (text, b"") if last else _split(text)
        if len(self.rest) > MAX_TAG:
            self.too_long, self.rest = True, b""
        if not self.sheet_data:
            self._dimension(done)
        if self.holds and done:
            {"bound": self._bound, "cells": self._cells, "exact": self._exact}[self.mode](done)

    def large(self) -> bool:
        """Whether the extent is beyond what is read without a closer look (:data:`FREE_AREA`)."""
        area = self.rows * max(self.columns, self.declared)
        return self.columns > MAX_COLUMNS or self.rows > EXCEL_ROWS or area > FREE_AREA

    def _dimension(self, done: bytes) -> None:
        if b"dimension" in done:
            for m in _DIM.finditer(done):
                last = ref(m.group(1).rsplit(b":", 1)[-1])
                if last and last[1]:
                    self.declared = max(self.declared, last[1])
        if b"sheetData" in done:
            self.sheet_data = True

    def _tags(self, done: bytes, a: np.ndarray, ordered: bool = False) -> np.ndarray:
        """Where the cell tags ``<c`` start (in order if ``ordered``); none, and ``holds`` False, where
        one has a namespace prefix (``<x:c``). Found as two-byte words at even and odd offsets."""
        colon = _pairs(done, 0x633A)  # ":c"
        if len(colon) and _TERM[a[colon + 2]].any():
            self.holds = False
            return colon[:0]
        c = _pairs(done, 0x633C)  # "<c"
        c = c[_TERM[a[c + 2]]]
        return np.sort(c) if ordered else c

    def _bound(self, done: bytes) -> None:
        a = np.frombuffer(done + b"\0" * _WIDTH, dtype=np.uint8)
        tags = self._tags(done, a)
        if not len(tags):
            return
        if not (
            (a[2:][tags] == 0x20) & (a[3:][tags] == 0x72) & (a[4:][tags] == 0x3D) & (a[5:][tags] == 0x22)
        ).all():
            self.holds = False  # a cell tag that is not <c r="…
            return
        if not self._only_r(done, a, tags + 3):
            self.holds = False  # another r somewhere (calamine takes a cell's last r): look closer
            return
        self._refs(a, tags + 6)

    def _only_r(self, done: bytes, a: np.ndarray, cell_r: np.ndarray) -> bool:
        """Whether every ``r="`` after a space or quote (an attribute r, as calamine reads them) is
        either a cell's leading one (at ``cell_r``) or a row's (``<row r="``): no cell has a second."""
        n = len(done)
        r = _pairs(done, 0x3D72)  # "r="
        r = r[(r > 0) & (a[2:][r] == 0x22)]
        r = r[_SPACE[a[r - 1]] | (a[r - 1] == 0x22) | (a[r - 1] == 0x27)]
        rows = _pairs(done, 0x723C)  # "<r"
        rows = rows[(a[2:][rows] == 0x6F) & (a[3:][rows] == 0x77) & (a[4:][rows] == 0x20)]
        rows = rows[(a[5:][rows] == 0x72) & (a[6:][rows] == 0x3D)] + 5  # <row r=
        if len(r) != len(cell_r) + len(rows):
            return False
        mark = np.zeros(n + _WIDTH, dtype=bool)
        mark[cell_r] = True
        mark[rows] = True
        return bool(mark[r].all())

    def _cells(self, done: bytes) -> None:
        a, n = np.frombuffer(done + b"\0" * _WIDTH, dtype=np.uint8), len(done)
        tags = self._tags(done, a, ordered=True)
        if not len(tags):
            return
        gt = np.flatnonzero(a[:n] == 0x3E)
        at = np.searchsorted(gt, tags)
        if at[-1] >= len(gt):
            self.holds = False  # a cell tag without its end (in a comment or CDATA section?)
            return
        ends = gt[at]
        quotes = np.flatnonzero(a[:n] == 0x22)
        inner = np.searchsorted(quotes, ends) - np.searchsorted(quotes, tags)
        if (inner % 2).any() or _inside(np.flatnonzero(a[:n] == 0x27), tags, ends).any():
            self.holds = False  # a ">" inside a quoted value, or single quotes
            return
        r = np.flatnonzero(a[:n] == 0x72)
        r = r[r > 0]
        r = r[(a[r + 1] == 0x3D) & (a[r + 2] == 0x22)]  # 'r="' after a space or a quote: an attribute
        r = r[_SPACE[a[r - 1]] | (a[r - 1] == 0x22) | (a[r - 1] == 0x27)]
        r = r[_inside(r, tags, ends)]
        t = np.searchsorted(tags, r, side="right") - 1
        if len(r) != len(tags) or (np.bincount(t, minlength=len(tags)) != 1).any():
            self.holds = False  # a cell tag without r (or with two)
            return
        self._refs(a, r[a[ends[t] - 1] != 0x2F] + 3)  # not self-closing: the cell holds something

    def _refs(self, a: np.ndarray, s: np.ndarray) -> None:
        """Count the references starting at ``s`` (after ``r="``) and widen the extent to them: the
        widest column is among those with the most letters, the last row among those with the most
        digits (no leading zero)."""
        if not len(s):
            return
        if not _UPPER[a[s]].all():
            self.holds = False
            return
        two = _UPPER[a[1:][s]]  # a[k:][s] is a[s + k] without an index array of its own
        three = two & _UPPER[a[2:][s]]
        if (three & _UPPER[a[3:][s]]).any():
            self.holds = False  # four letters: past XFD
            return
        nl = 1 + two.astype(np.int8) + three
        d = s + nl
        nd = np.zeros(len(s), dtype=np.int8)
        alive = np.ones(len(s), dtype=bool)
        for k in range(8):
            alive &= _DIGIT[a[k:][d]]
            if not alive.any():
                break
            nd += alive
        if (nd < 1).any() or (nd > 7).any() or (a[d + nd] != 0x22).any() or (a[d] == 0x30).any():
            self.holds = False  # no row, eight digits, a leading zero, more after the digits …
            return
        self.cells += len(s)
        top, most = int(nl.max()), int(nd.max())
        self.columns = max(self.columns, _widest(a, s[nl == top], top, 26, 64))
        self.rows = max(self.rows, _widest(a, d[nd == most], most, 10, 48))

    def _exact(self, done: bytes) -> None:
        """Follow calamine through ``done``: ``<row r>`` sets the row, ``</row>`` (or ``<row/>``) moves
        to the next one; a cell is at its ``r`` or, without one, at the next column of its row."""
        for m in _TAG.finditer(done):
            close, name, attrs, empty = m.groups()
            if close:
                if name == b"row":
                    self.row_at, self.col_at = self.row_at + 1, 0
                continue
            got = attribute_r(attrs, last=name == b"c")
            at = ref(got) if got is not None else None
            if name == b"row":
                if at:
                    self.row_at = at[0] - 1
                if empty:
                    self.row_at, self.col_at = self.row_at + 1, 0
            elif name == b"c":
                if got is not None and (at is None or at[1] is None):
                    continue  # calamine refuses the sheet: nothing is allocated
                row, col = (at[0], at[1]) if at else (self.row_at + 1, self.col_at + 1)
                self.col_at = col
                if not empty:
                    self.cells += 1
                    self.rows, self.columns = max(self.rows, row), max(self.columns, col)


def _pairs(done: bytes, word: int) -> np.ndarray:
    """Where the two bytes ``word`` (little-endian: 0x633C is "<c") stand in ``done``, unordered."""
    even = np.frombuffer(done, dtype=np.uint16, count=len(done) // 2)
    odd = np.frombuffer(done, dtype=np.uint16, count=(len(done) - 1) // 2, offset=1)
    return np.concatenate([np.flatnonzero(even == word) * 2, np.flatnonzero(odd == word) * 2 + 1])


def _inside(at: np.ndarray, tags: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which positions ``at`` fall inside a tag (from its start to its ``>``)."""
    t = np.searchsorted(tags, at, side="right") - 1
    return (t >= 0) & (at < ends[np.maximum(t, 0)])


def _widest(a: np.ndarray, starts: np.ndarray, width: int, base: int, zero: int) -> int:
    """The largest of the numbers written in ``width`` characters from ``starts`` (letters: base 26
    from "A" = 1; digits: base 10): the largest first character, then among those the largest second …"""
    value = 0
    for k in range(width):
        chars = a[k:][starts]
        top = chars.max()
        starts = starts[chars == top]
        value = value * base + int(top) - zero
    return value


def _split(text: bytes) -> tuple[bytes, bytes]:
    """``text`` cut before a tag it ends inside of: (what can be looked at, what waits for more)."""
    at = text.rfind(b"<")
    if at < 0 or _ANY_TAG.match(text, at):
        return text, b""
    return text[:at], text[at:]


def measure(z: zipfile.ZipFile, info: zipfile.ZipInfo, first: Extent, chunk: int) -> Extent:
    """The part's extent: ``first`` (the bound, taken as the guard inflated the part) when it is within
    :data:`FREE_AREA` and the column limit, else the part read again (it has passed its CRC), finer."""
    if first.too_long or (first.holds and not first.large()):
        return first
    if first.holds:
        cells = _read(z, info, chunk, "cells")
        if cells.holds:
            return cells
    return _read(z, info, chunk, "exact")


def _read(z: zipfile.ZipFile, info: zipfile.ZipInfo, chunk: int, mode: str) -> Extent:
    out = Extent(mode)
    with z.open(info) as f:
        while True:
            piece = f.read(chunk)
            out.feed(piece, last=not piece)
            if not piece:
                return out


def verdict(e: Extent) -> tuple[str, dict[str, object]] | None:
    """The message key of :mod:`allocator.intake.guard` and what fills it, or None if the part reads."""
    if e.too_long:
        return "long_tag", {"limit": f"{MAX_TAG // 2**20} MB"}
    width = max(e.columns, e.declared)
    area = e.rows * width
    kw: dict[str, object] = {
        "ref": f"A1:{letters(e.columns or 1)}{max(e.rows, 1)}",
        "rows": e.rows,
        "columns": e.columns,
        "cells": e.cells,
        "area": area,
        "memory": size_text(area * BYTES_PER_CELL),
        "max_columns": MAX_COLUMNS,
        "max_column": letters(MAX_COLUMNS),
    }
    if e.rows > EXCEL_ROWS or e.columns > EXCEL_COLUMNS:
        return "extent_excel", kw
    if e.columns > MAX_COLUMNS:
        return "extent_columns", kw
    if area > MAX_AREA or (area > FREE_AREA and area > DENSITY * e.cells):
        if e.declared > e.columns:
            kw["declared"] = f"A1:{letters(e.declared)}{max(e.rows, 1)}"
            return "extent_declared", kw
        return "extent_area", kw
    return None
