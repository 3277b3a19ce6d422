"""A CSV file's rows by the line they start on, as an editor shows the file, and its errors likewise.

pandas numbers what it reads by record, not by line, and not always from 1: "EOF inside string starting
at row 1" is the second record, counted from 0, and "Expected 6 fields in line 3" is the third, counted
from 1; a quoted cell that holds a line break makes its record two lines, so every later number falls
behind by one. A message must name the line the office can find, so:

- :func:`record_lines` gives each record's first line: record k + 1 plus the line breaks quoted inside
  the records before it (counted only when the file holds more line breaks than records);
- :func:`parse_error` turns pandas' error into the line its record starts on (the records' first lines
  found with the :mod:`csv` module, which splits records as pandas does) and says what is wrong there
  in words of its own: a quote never closed, or more cells than the first line has.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

_RECORD = re.compile(r"(?:starting at row|at row|in row) (\d+)")  # 0-based
_LINE = re.compile(r"\bline (\d+)")  # 1-based
_FIELDS = re.compile(r"Expected (\d+) fields in line \d+, saw (\d+)")


def _break(data: bytes) -> bytes:
    return b"\n" if b"\n" in data or b"\r" not in data else b"\r"


def record_lines(frame: pd.DataFrame, data: bytes, lead: int) -> np.ndarray:
    """The 1-based line on which each of ``frame``'s records starts; ``lead`` lines were skipped before
    the first. Text cells hold a quoted line break as it was written, so counting them is enough."""
    n = len(frame)
    lines = np.arange(lead + 1, lead + 1 + n, dtype=np.int64)
    nl = _break(data)
    plain = lead + n - (0 if data.endswith(nl) else 1)  # the line breaks of a file without quoted ones
    if b'"' not in data or data.count(nl) <= plain:
        return lines
    ch = nl.decode()
    inside = np.zeros(n, dtype=np.int64)
    for i in range(frame.shape[1]):
        cells = frame.iloc[:, i].astype(str)
        if cells.str.contains(ch, regex=False).any():
            inside += cells.str.count(ch).to_numpy(dtype=np.int64)
    lines[1:] += np.cumsum(inside)[:-1]
    return lines


def _starts(text: str) -> list[int]:
    """The 1-based line each record of ``text`` starts on (blank lines are records, as pandas reads
    them with ``skip_blank_lines=False``); a quote left open runs to the end, as in pandas."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts = []
    while True:
        before = reader.line_num
        try:
            next(reader)
        except StopIteration:
            return starts
        except csv.Error:  # a NUL byte or a field over the size limit: where it happened
            starts.append(before + 1)
            return starts
        starts.append(before + 1)


def parse_error(data: bytes, message: str) -> tuple[int | None, str, dict[str, object]]:
    """pandas' ``message`` for the UTF-8 ``data`` as (line, message key, what fills it): the line its
    record starts on, None where it names none."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    m = _RECORD.search(message)
    record = int(m.group(1)) if m else None
    if record is None:
        m = _LINE.search(message)
        record = int(m.group(1)) - 1 if m else None
    limit = csv.field_size_limit(2**31 - 1)  # a cell may be long (pandas has no limit)
    try:
        starts = _starts(text)
    except Exception:  # the locating is a courtesy: pandas' message stands without it
        starts = []
    finally:
        csv.field_size_limit(limit)
    line = starts[record] if record is not None and 0 <= record < len(starts) else None
    fields = _FIELDS.search(message)
    if "EOF inside string" in message and line is not None:
        return line, "csv_quote", {}
    if fields and line is not None:
        return line, "csv_fields", {"width": int(fields.group(1)), "saw": int(fields.group(2))}
    return line, "csv_parse", {"exc": message.strip()}
