"""Cell values a whole column at a time: the text, numbers and widths every writer puts in its cells.

A list of 100,000 applications has millions of cells; converting them one call per cell took longer than
writing them. Each function here gives, for a whole column, exactly what the per-cell rule says (:func:`text`
for text, :func:`number` for numbers), taking a fast path only where the column's type makes the answer
certain (a column of strings, of integers, of floats) and falling back to the per-cell rule otherwise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

#: Integers up to this size are exact as floats; :func:`number` goes through float.
EXACT_INT = 2**53
#: The most a cell holds: 32,767 UTF-16 code units (xlsxwriter cuts longer text silently).
MAX_CELL_TEXT = 32_767
#: Characters that make Excel or WPS read typed text as a formula (a cell keeps them as text by its quote prefix).
FORMULA_START = "=+-@"
#: Control characters a cell cannot hold (C0 but tab, LF and CR; DEL): xlsxwriter writes them as ``_xHHHH_``.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def missing(value: object) -> bool:
    """None, NaN, ``pd.NA`` or ``pd.NaT``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def text(value: object) -> str:
    """Cell text: '' for None/NaN, whole floats without '.0'."""
    if missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number(value: object) -> int | float | None:
    """A number cell's value: whole numbers as int, None (a blank) for None, text, NaN and ±inf."""
    if value is None or isinstance(value, str):
        return None
    x = float(value)  # type: ignore[arg-type]
    if math.isnan(x) or math.isinf(x):
        return None
    return int(x) if x.is_integer() else x


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, as Excel counts: a character outside the BMP (e.g. 𠀀) counts 2."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def text_fault(s: str) -> str | None:
    """Why a text cannot go into a cell unchanged: "long" (over :data:`MAX_CELL_TEXT`), "control" (holds a
    :data:`CONTROL` character), or None. The usual text is printable and short: two C-speed tests."""
    if len(s) > MAX_CELL_TEXT // 2 and utf16_len(s) > MAX_CELL_TEXT:
        return "long"
    if not s.isprintable() and CONTROL.search(s):  # tab, LF, CR and U+3000 are not printable either
        return "control"
    return None


def first_text_fault(cells: list) -> tuple[int, str] | None:
    """The first cell of a column (str, or None for a blank) that :func:`text_fault` refuses, as (position,
    fault), or None. Checked for the whole column at once: its longest text and one search of the column's
    text joined together; only a column that may fail is looked at cell by cell, to say where."""
    texts = [c for c in cells if c]
    long = max(map(len, texts), default=0) > MAX_CELL_TEXT // 2
    if not long and not CONTROL.search("".join(texts)):
        return None
    for i, c in enumerate(cells):
        fault = text_fault(c) if c else None
        if fault:
            return i, fault
    return None  # long, but within the limit in UTF-16


def formula_like(cells: list) -> np.ndarray:
    """Positions of the cells (str, or None for a blank) whose text starts with a :data:`FORMULA_START`
    character, by column: the first characters as one numpy array (``U1`` keeps one character), no call per
    cell."""
    if not cells:
        return np.zeros(0, dtype=np.intp)
    first = np.array(cells, dtype="U1")  # None gives "N", never a formula start
    return np.flatnonzero(np.isin(first, np.array(list(FORMULA_START))))


def display_width(s: str) -> int:
    """Columns a string takes in a fixed-width font: East Asian wide characters count 2."""
    if s.isascii():  # no ASCII character is wide: ids, codes and numbers skip the table look-up
        return len(s)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


# ---------------------------------------------------------------- columns of a table
def only_strings(values: pd.Series) -> bool:
    """Every cell is a str (no blanks, no numbers): then :func:`text` of a cell is the cell."""
    if isinstance(values.dtype, pd.StringDtype):
        return not values.hasnans
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string"


def text_column(values: pd.Series) -> pd.Series:
    """:func:`text` of every cell, by column: a column holding only strings (and blanks) needs no call per
    cell; anything else (numbers, dates) goes cell by cell."""
    if isinstance(values.dtype, pd.StringDtype):  # str or NaN only
        return values.fillna("")
    if only_strings(values):
        return values
    return values.map(text)


def map_distinct(values: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``values.map(fn)`` with ``fn`` called once per distinct value (a few districts or statuses, not a
    call for each of 100,000 rows); for columns of strings, where equal values are the same text."""
    lookup = {v: fn(v) for v in values.unique()}
    return values.map(lookup)


def flags(values: pd.Series) -> pd.Series:
    """Each cell as bool; a blank is False."""
    if values.dtype == bool:
        return values.copy()
    return values.map(lambda v: bool(v) if not missing(v) else False)


def _exact_ints(values: pd.Series) -> bool:
    """A numpy integer or bool column whose numbers all survive :func:`number`'s trip through float."""
    if not isinstance(values.dtype, np.dtype) or values.dtype.kind not in "iub":
        return False
    return values.dtype.kind == "b" or len(values) == 0 or int(values.abs().max()) <= EXACT_INT


def number_cells(values: pd.Series) -> list:
    """:func:`number` of every cell (None: a blank)."""
    if _exact_ints(values):
        return values.astype("int64").tolist()
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
        return [None if not math.isfinite(x) else int(x) if x.is_integer() else x for x in values.tolist()]
    return [number(v) for v in values.tolist()]


def text_cells(values: pd.Series) -> list:
    """:func:`text` of every cell, None where that is '' (a blank)."""
    if only_strings(values):
        cells = values.tolist()
        return [c or None for c in cells] if "" in set(cells) else cells
    return [text(v) or None for v in values.tolist()]


# ---------------------------------------------------------------- widths
def widest_text(strings: Iterable[str], enough: int | None = None) -> int:
    """The largest :func:`display_width` of ``strings`` (0 for none); may stop early at ``enough`` or more
    (a column is never wider than its limit), and measures each distinct string at most once, longest
    first, stopping when no shorter one can be wider (a character is at most 2 columns)."""
    best = 0
    for s in sorted(set(strings), key=len, reverse=True):
        if 2 * len(s) <= best or (enough is not None and best >= enough):
            break
        best = max(best, display_width(s))
    return best


def widest_number(values: pd.Series, digits: int) -> int:
    """The longest ``f"{v:,.{digits}f}"`` over the cells that are numbers (int or float, not NaN); 0 if none.

    For a numeric column it is found from the extremes, as the text grows with the size of the number:
    negative numbers are longest at the minimum, positive ones at the maximum. A "-0" (``-0.0``, ``-0.3``) is
    counted whenever some value has a minus sign (then a value at least that long exists); ``±inf`` by
    their text. Any other column is measured cell by cell.
    """
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    if kind not in ("i", "u", "b", "f"):
        lengths = (len(f"{v:,.{digits}f}") for v in values.tolist() if isinstance(v, int | float) and v == v)
        return max(lengths, default=0)
    arr = values.to_numpy()
    if kind == "b":
        arr = arr.astype(np.int64)  # f"{True:,.0f}" is "1"
    longest = 0
    if kind == "f":
        arr = arr[~np.isnan(arr)]
        longest = max((len(f"{v:,.{digits}f}") for v in set(arr[np.isinf(arr)].tolist())), default=0)
        arr = arr[np.isfinite(arr)]
        if np.signbit(arr).any():
            longest = max(longest, len(f"{-0.0:,.{digits}f}"))
    if len(arr):
        longest = max(longest, *(len(f"{v:,.{digits}f}") for v in (arr.min().item(), arr.max().item())))
    return longest
