"""The applications, read and checked: a workbook, CSV or Parquet file into one validated frame.

Modules: read (read_applications), headers (which field a header names), opening (a file opened: exists,
bytes, hash), guard (what every input file goes through first), extent, sources (cells from
.xlsx/.csv/.parquet), sheet_marks (error cells, uncached formulas and merged ranges from the XML), cells (what
a cell of each kind may hold), columns (a column parsed at once), checks (mistakes that would change money),
ids (keys as a person types them), creditcode (GB 32100), lines, messages, roster / roster_read (the 人员名单
sheet).
"""

__all__ = [
    "cells",
    "checks",
    "columns",
    "creditcode",
    "extent",
    "guard",
    "headers",
    "ids",
    "lines",
    "messages",
    "opening",
    "read",
    "roster",
    "roster_read",
    "sheet_marks",
    "sources",
]
