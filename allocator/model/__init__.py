"""The linear program, built in PuLP on whole columns; no solver is called here.

Modules: build (the allocation model), highs (PuLP's HiGHS interface with the model handed over in bulk).
"""

__all__ = ["build", "highs"]
