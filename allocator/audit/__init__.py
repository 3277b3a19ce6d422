"""``allocator verify``: a result folder checked file by file and cell by cell, and recomputed.

Modules: verify (the command), files, inputs, summary, approved, books, formula, xlsx, constraints, rederive (one
check each), differ (what differs between a file as recorded and as written again).
"""

__all__ = [
    "approved",
    "books",
    "constraints",
    "differ",
    "files",
    "formula",
    "inputs",
    "rederive",
    "summary",
    "verify",
    "xlsx",
]
