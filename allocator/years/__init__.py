"""More than one batch or year: batches, multi-year plans, joint plans and released money.

Modules: batches (earlier batches' awards fixed), plan / plan_result (year after year with carryover), joint (one
model over all years), release (released money down the waitlist).
"""

__all__ = ["batches", "joint", "plan", "plan_result", "release"]
