"""``allocator verify``: a result folder checked file by file and cell by cell, and recomputed.

Modules: verify (the command), report (what it says: each check and the whole), files, inputs, summary,
approved, books, formula (with excel_values: values as Excel's formulas see them), xlsx, constraints, rederive
(one check each), differ (what differs between a file as recorded and as written again).
"""

__all__ = [
    "approved",
    "books",
    "constraints",
    "differ",
    "excel_values",
    "files",
    "formula",
    "inputs",
    "rederive",
    "report",
    "summary",
    "verify",
    "xlsx",
]
