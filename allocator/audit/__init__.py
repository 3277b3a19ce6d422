"""``allocator verify``: a result folder checked file by file and cell by cell, and recomputed.

Modules: verify (the command), files, inputs, summary, approved, books, formula, xlsx, constraints, rederive (one
check each).
"""

__all__ = [
    "approved",
    "books",
    "constraints",
    "files",
    "formula",
    "inputs",
    "rederive",
    "summary",
    "verify",
    "xlsx",
]
