"""The linear program, built in PuLP on whole columns; no solver is called here.

Modules: build (the allocation model), stages (a rule's stages on it: holds, floors, the tie-break, the model
re-budgeted), highs (PuLP's HiGHS interface with the model handed over in bulk).
"""

__all__ = ["build", "highs", "stages"]
