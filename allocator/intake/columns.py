"""A column of cells parsed at once: numpy over the common cells (numbers, plain text, credit codes, yes/no),
the per-cell parsers of :mod:`allocator.intake.cells` for the rest, with the same values and messages
either way."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from . import creditcode
from .cells import (
    ERROR_VALUES,
    MAX_NUMBER,
    MAX_TEXT,
    PARSERS,
    PLAIN,
    SUSPECT,
    TEXT_KINDS,
    UNITS,
    YESNO,
    CellProblem,
)

#: A bad cell of a column: its position in the column, its value (as messages show it) and why.
BadCell = tuple[int, object, CellProblem]


def blank_mask(cells: np.ndarray) -> np.ndarray:
    """Where a column is blank as :func:`is_blank` says. Sources give an empty cell as "" (never None:
    one comparison less per cell), so blank is "" or a string of spaces."""
    blank = cells == ""
    rest = np.flatnonzero(~blank)
    types = np.fromiter(map(type, cells[rest].tolist()), dtype=object, count=len(rest))
    strings = rest[np.equal(types, str)]
    spaces = np.fromiter(map(str.isspace, cells[strings].tolist()), dtype=bool, count=len(strings))
    blank[strings[spaces]] = True
    return blank


def parse_column(
    cells: np.ndarray, kind: str, scale: float = 1, shown: Callable[[object], object] = lambda v: v
) -> tuple[np.ndarray, list[BadCell]]:
    """The frame's values of non-blank ``cells`` of one kind, and the cells that are bad.

    Values are an object array (text kinds, None where bad) or float64 (NaN where bad). ``shown``
    turns a cell into the value its parser and messages see (an Excel date into a datetime, a whole
    float into an int), for the cells that go through the per-cell parser.
    """
    text = kind in TEXT_KINDS
    out = np.full(len(cells), None, dtype=object) if text else np.full(len(cells), np.nan)
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    fast = _FAST[kind](cells, types, kind, scale, out) if kind in _FAST else np.zeros(len(cells), bool)
    bad: list[BadCell] = []
    parser = PARSERS[kind]
    for i in np.flatnonzero(~fast).tolist():
        value = shown(cells[i])
        try:
            out[i] = parser(value, kind, scale)
        except CellProblem as why:
            bad.append((i, value, why))
    return out, bad


def _numbers_fast(cells, types, kind, scale, out) -> np.ndarray:
    """Numbers and plain digit strings in range; NaN, negatives, fractions of a count … left to parse_number."""
    number = np.equal(types, float) | np.equal(types, int)
    strings = np.flatnonzero(np.equal(types, str))
    plain = np.array([PLAIN.fullmatch(s) is not None for s in cells[strings].tolist()], dtype=bool)
    strings = strings[plain]
    where = np.concatenate([np.flatnonzero(number), strings])
    x = np.concatenate(
        [
            cells[number].astype(float),
            np.fromiter(map(float, cells[strings].tolist()), dtype=float, count=len(strings)),
        ]
    )
    ok = np.isfinite(x) & (x >= 0)
    if scale != 1:  # Python's round, as parse_number rounds: numpy's differs in the last place now and then
        x[ok] = [round(v * scale, 2) for v in x[ok].tolist()]
    ok &= x <= MAX_NUMBER
    if kind in ("count", "months"):
        ok &= np.floor(x) == x
    if kind == "months":
        ok &= x <= 12
    if kind == "score":
        ok &= x <= 100
    fast = np.zeros(len(cells), dtype=bool)
    fast[where[ok]] = True
    out[where[ok]] = x[ok]
    return fast


def _text_fast(cells, types, kind, scale, out) -> np.ndarray:
    """Strings, stripped (the caller has left blanks out), but those :func:`parse_text` may refuse: too
    long, or with a control character or ``#`` (an error value?). Those are found in all the strings
    joined: ``isprintable`` and ``in`` (C loops) for a clean column, else one regular expression —
    one per cell would cost more than the rest of the column."""
    strings = np.flatnonzero(np.equal(types, str))
    texts = cells[strings].tolist()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    slow = lengths >= MAX_TEXT
    joined = "".join(texts)
    if not joined.isprintable() or "#" in joined:
        starts = np.concatenate([[0], np.cumsum(lengths)])
        m = SUSPECT.search(joined)
        while m:
            i = int(np.searchsorted(starts, m.start(), side="right")) - 1
            if m.group() != "#" or texts[i].strip() in ERROR_VALUES:
                slow[i] = True
                m = SUSPECT.search(joined, int(starts[i + 1]))
            else:
                m = SUSPECT.search(joined, m.end())
    fast = np.zeros(len(cells), dtype=bool)
    if slow.any():
        keep = np.flatnonzero(~slow)
        texts, strings = [texts[i] for i in keep.tolist()], strings[keep]
    fast[strings] = True
    out[strings] = [t.strip() for t in texts]
    return fast


def _code_fast(cells, types, kind, scale, out) -> np.ndarray:
    """Strings that are already a valid code as written (no spaces, upper case)."""
    strings = np.flatnonzero(np.equal(types, str))
    valid = creditcode.valid_mask(cells[strings])
    fast = np.zeros(len(cells), dtype=bool)
    fast[strings[valid]] = True
    out[fast] = cells[fast]
    return fast


def _bool_fast(cells, types, kind, scale, out) -> np.ndarray:
    """Each distinct string once: a yes/no column holds a handful of them (是, 否, Y …)."""
    strings = np.flatnonzero(np.equal(types, str))
    codes, uniques = pd.factorize(cells[strings])
    table = np.array([YESNO.get("".join(u.split()).lower(), np.nan) for u in uniques] + [np.nan])
    x = table[codes]
    ok = ~np.isnan(x)
    fast = np.zeros(len(cells), dtype=bool)
    fast[strings[ok]] = True
    out[strings[ok]] = x[ok]
    return fast


_FAST: dict[str, Callable] = {"text": _text_fast, "code": _code_fast, "bool": _bool_fast} | dict.fromkeys(
    UNITS, _numbers_fast
)
