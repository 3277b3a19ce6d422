"""The one place that calls a solver: HiGHS through PuLP, the fallback chain, CBC when HiGHS is missing.

Modules: run (solve a model; anything but a proven optimum is an error).
"""

__all__ = ["run"]
