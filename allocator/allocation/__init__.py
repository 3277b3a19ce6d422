"""One year, one batch: applications + scenario → a verified whole-yuan allocation.

Modules: allocate (allocate()), decisions (overrides and fixed awards, before the solve), evaluate
(eligibility, cap and cost share per application), rationing (how an oversubscribed fund is shared, as solver
stages), maxmin_search, rounding (to whole yuan, every constraint kept), constraints (the independent check on
the final numbers), explain (each status and its reason), earlier (an earlier batch's awards as fixed rows),
registers (候补名单 and 监管台账), backfill (依次递补), diagnose (infeasible scenarios in policy terms).
"""

__all__ = [
    "allocate",
    "backfill",
    "constraints",
    "decisions",
    "diagnose",
    "earlier",
    "evaluate",
    "explain",
    "maxmin_search",
    "rationing",
    "registers",
    "rounding",
]
