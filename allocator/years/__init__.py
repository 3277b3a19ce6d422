"""More than one year: multi-year plans, joint plans and released money.

Modules: plan / plan_result (year after year with carryover), joint (one model over all years), release
(released money down the waitlist, computed; :mod:`allocator.app.release` writes it).
"""

__all__ = ["joint", "plan", "plan_result", "release"]
