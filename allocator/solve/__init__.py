"""The one place that calls a solver: HiGHS through PuLP, the fallback chain, CBC when HiGHS is missing.

Modules: run (solve a model; a stage that ends without an optimum retried along the fallback chain), verdict
(whether a solve ended in a proven optimum and its answer is sound; anything else an error).
"""

__all__ = ["run", "verdict"]
