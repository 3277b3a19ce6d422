"""maxmin's minimum coverage, found over the floors instead of as one linear program.

The coverage t* is the largest t for which every covered application can get at least cap_j·t:

    t* = max t   s.t.   x_j ≥ cap_j·t  (j covered),  every row and bound of the model

Written as one LP, t is a column in every coverage row, and at 100,000 applications that column made
the LP hard (benchmarks/README.md, "Figures behind the code"). Here t is never a column. For a given t the floors
x_j ≥ cap_j·t are lower bounds, and whether the model is feasible with them is one warm re-solve by
the dual simplex; t* is found by a search on t:

1. **a ceiling from each row alone.** For a row low ≤ Σ_j a_j·x_j ≤ high with every x_j in its bounds
   and the covered ones at least cap_j·t, the least the row can be is
   t·Σ_{covered, a_j>0} a_j·cap_j + Σ_{others, a_j>0} a_j·lower_j + Σ_{a_j<0} a_j·upper_j, and it must
   not exceed ``high`` (and the most it can be must reach ``low``): a bound t ≤ ceiling (covered
   applications with a positive lower bound of their own are counted at cap_j·t, which can only lower
   that least value, so the ceiling stays valid). The budget row alone gives t* whenever no other
   limit binds. Just under the lowest ceiling (at held(t, 1e-9), where the stages after the search
   hold the floors), every column at its lower bound may already meet every row: a feasible point,
   so t* is that ceiling without any solve. Otherwise a re-solve there says.
2. **a ceiling from a proof of infeasibility.** When the re-solve at t says infeasible, HiGHS's dual
   ray y is a combination of rows that no x within the floors satisfies; the combined row
   Σ_r y_r·(row r) is a row like any other, with bounds Σ y_r·high_r or Σ y_r·low_r by the sign of
   y_r, and step 1 gives its ceiling: valid for every t, since it was derived from the rows and bounds
   alone (both of the combined row's bounds are used, so HiGHS's sign convention does not matter).
   The next re-solve is just under that ceiling; a feasible one there ends the search with t* equal
   to it. (At the ceiling itself, the sums of a million terms can break the row by more than a
   tolerance: at 1,000,000 applications presolve called the budget's own ceiling infeasible.)
3. **bisection** between the highest feasible t and the lowest ceiling, when a ray gives no ceiling
   below t, until the highest feasible t is just under the lowest ceiling.

Each re-solve keeps the value stage's objective and leaves its floors for that stage to start from
(allocator.model.highs gives the options: the dual simplex at a feasibility tolerance of 1e-9, from the
last basis). The budget alone needs no solve, and 8 item shares with 4 district limits take two
re-solves (benchmarks/README.md).
t* is the one LP's, within what HiGHS's tolerance allows (tests/allocation/test_coverage.py).

Only HiGHS through :class:`~allocator.model.highs.BulkHiGHS` gives a ray and a warm re-solve, and only an
LP has one; CBC and a MILP (a minimum award) solve the one LP (allocator.allocation.rationing).
"""

from __future__ import annotations

import numpy as np
import pulp

from ..core.errors import SolverError
from ..model.build import Model
from ..model.highs import PROBE_TOLERANCE, BulkHiGHS
from ..model.stages import held, set_floors
from ..solve.run import feasible, solve

# Each floor is then held FLOOR_SLACK below cap·t (1e-8 solver units: 0.0001 yuan). A re-solve calls
# floors feasible that break a row by up to its tolerance (PROBE_TOLERANCE, 1e-9); without the slack,
# a stage after the search could find no room at all where a row holds only floors (seen with caps of a
# few yuan: the tie-break then called the model infeasible). A larger slack shows in whole yuan: with
# 0.01 yuan, a floor of 12,500 yuan held at 12,499.99 was rounded to 12,499.
FLOOR_SLACK = 10 * PROBE_TOLERANCE
TOLERANCE = 1e-9  # how far under t* the floors are held: objectives' held(t*, 1e-9), relative above 1
STEP = 1e-12  # slack on "the highest feasible t is just under the lowest ceiling", which ends the search
STREAK = 5  # ray ceilings tried in a row before a bisection step
PROBES = 250  # at most this many re-solves (bisection alone needs about 35)


def held_level(model: Model, t: float) -> float:
    """Just under a coverage t: where the stages after it hold the floors, and where the search asks."""
    return max(0.0, held(model, t, TOLERANCE))


def held_floors(model: Model, cap: np.ndarray, t: float) -> np.ndarray:
    """The floors (solver units) the stages after the coverage t hold, for caps ``cap``: cap·held_level(t),
    less ``FLOOR_SLACK``."""
    return np.maximum(cap * held_level(model, t) - FLOOR_SLACK, 0.0)


def searchable(model: Model, solver: pulp.LpSolver) -> bool:
    """True when t* can be found here (HiGHS through BulkHiGHS, an LP)."""
    return isinstance(solver, BulkHiGHS) and not model.mip


def max_coverage(
    model: Model, positions: np.ndarray, cap: np.ndarray, solver: BulkHiGHS, stage: str
) -> tuple[float, int, float]:
    """(t*, re-solves, seconds) for the covered variables ``positions`` (into ``model.x``) with caps
    ``cap`` (solver units, one per position), under the model's objective as it stands. t* is the
    lowest ceiling found; the floors just under it, at ``held(t*, TOLERANCE)`` (what the stages after
    the search hold, allocator.allocation.rationing), were found feasible. The floors are left as the last
    re-solve had them: the caller sets those it holds.
    An infeasible model (no t ≥ 0 is feasible) raises :class:`~allocator.core.errors.InfeasibleError` as
    :func:`~allocator.solve.run.solve` would."""
    solver.probing = True
    try:
        return _search(model, positions, cap, solver, stage)
    finally:
        solver.probing = False


def _search(model: Model, positions: np.ndarray, cap: np.ndarray, solver: BulkHiGHS, stage: str):
    problem = model.problem
    solver.sync(problem)
    state = problem._bulk_highs
    columns = np.array([model.x[j].index for j in positions.tolist()], dtype=np.int64)
    slope = np.zeros(len(state.columns))
    slope[columns] = cap
    low = state.col_low.copy()
    low[columns] = np.where(slope[columns] > 0, 0.0, low[columns])  # the t term stands in for them
    limits = (low, state.col_high, slope)
    rows = np.repeat(np.arange(len(state.rows)), state.nnz)
    ceilings = ceiling(rows, state.index, state.coef, state.row_low, state.row_high, *limits)
    top = min(1.0, float(ceilings.min(initial=np.inf)))  # no t above it is feasible

    t = held_level(model, top)
    if _at_floors_alone(state, rows, columns, cap * t):  # a feasible point, no solve needed
        return top, 0, 0.0
    best = None  # the highest t found feasible
    probes, seconds, streak = 0, 0.0, 0  # streak: ray ceilings in a row found infeasible
    while True:
        set_floors(model, positions, cap * t)
        ok, took = feasible(model, solver, stage)
        probes, seconds = probes + 1, seconds + took
        if not ok and t == 0.0:  # infeasible without floors: the model itself is
            solve(model, solver, stage)  # raises the InfeasibleError the one LP would
            ok = True  # (only if HiGHS found it feasible the second time)
        if ok:
            best = t
        else:
            top = min(top, t, _ray_ceiling(problem, state, limits))
        if best is not None and best >= held_level(model, top) - STEP:
            break
        if probes >= PROBES:
            raise SolverError(
                f"最低支持比例的搜索在 {probes} 次求解后仍未收敛（阶段：{stage}），未写出任何结果",
                f"the search for the minimum coverage did not converge after {probes} solves "
                f"({stage} stage); nothing was written",
                '可在方案中设 [solver] name = "cbc" 用另一求解器复核 / cross-check with [solver] name = "cbc"',
            )
        # next just under the ray's ceiling (feasible there ends the search), or halfway when the ray
        # gave none below t, and after STREAK ceilings in a row were infeasible, so that the interval
        # at least halves every STREAK + 1 re-solves
        streak = streak + 1 if not ok and top < t and streak < STREAK else 0
        t = held_level(model, top) if streak else ((0.0 if best is None else best) + top) / 2
        if best is None and top <= STEP:
            t = 0.0
    return top, probes, seconds


def _at_floors_alone(state, rows: np.ndarray, columns: np.ndarray, floors: np.ndarray) -> bool:
    """True when every column at its lower bound, the covered ones at ``floors`` (or their own lower
    bound, if higher), meets every row within ``PROBE_TOLERANCE``: then those floors are feasible. So it
    is at the budget row's ceiling when no other limit binds and nothing is tied to an equation (item
    shares add one, for the fund's total), and the search needs no solve at all."""
    x = state.col_low.copy()
    x[columns] = np.maximum(x[columns], floors)
    if not np.isfinite(x).all():
        return False
    activity = np.bincount(rows, state.coef * x[state.index], minlength=len(state.rows))
    return bool(
        np.all(activity >= state.row_low - PROBE_TOLERANCE)
        and np.all(activity <= state.row_high + PROBE_TOLERANCE)
    )


def ceiling(
    rows: np.ndarray,
    index: np.ndarray,
    coef: np.ndarray,
    row_low: np.ndarray,
    row_high: np.ndarray,
    col_low: np.ndarray,
    col_high: np.ndarray,
    slope: np.ndarray,
) -> np.ndarray:
    """Per row, the largest t it allows (inf: none), for entries (rows[k], index[k], coef[k]) and
    columns with bounds [col_low, col_high] whose least value is ``slope``·t where slope > 0
    (col_low is then not counted). Also each covered column's own: t ≤ col_high / slope."""
    n = len(row_low)
    lo, hi, s = col_low[index], col_high[index], slope[index]
    pos, cov = coef > 0, s > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        # the least Σ a·x: the t part, and the rest (−inf when a column is unbounded that way)
        least_t = np.bincount(rows, np.where(pos & cov, coef * s, 0.0), minlength=n)
        least = np.bincount(rows, np.where(pos, np.where(cov, 0.0, coef * lo), coef * hi), minlength=n)
        most_t = np.bincount(rows, np.where(~pos & cov, coef * s, 0.0), minlength=n)  # ≤ 0
        most = np.bincount(rows, np.where(pos, coef * hi, np.where(cov, 0.0, coef * lo)), minlength=n)
        upper = np.where(least_t > 0, (row_high - least) / least_t, np.inf)
        lower = np.where(most_t < 0, (most - row_low) / -most_t, np.inf)
        own = np.where(slope > 0, col_high / slope, np.inf)
    out = np.fmin(upper, lower)  # nan (inf − inf: no bound that way) drops out
    return np.concatenate([np.where(np.isnan(out), np.inf, out), own])


def _ray_ceiling(problem: pulp.LpProblem, state, limits: tuple) -> float:
    """The ceiling of the row combination HiGHS proved infeasible (inf when it gives none)."""
    _, has_ray, ray = problem.solverModel.getDualRay()
    if not has_ray:
        return np.inf
    y = np.asarray(ray, dtype=float)[: len(state.rows)]
    weight = np.repeat(y, state.nnz)
    keep = weight != 0
    n = len(state.columns)
    combined = np.bincount(state.index[keep], weight[keep] * state.coef[keep], minlength=n)
    where = np.flatnonzero(combined)
    with np.errstate(invalid="ignore"):
        high = np.where(y > 0, y * state.row_high, np.where(y < 0, y * state.row_low, 0.0)).sum()
        low = np.where(y > 0, y * state.row_low, np.where(y < 0, y * state.row_high, 0.0)).sum()
    bounds = ceiling(
        np.zeros(len(where), dtype=np.int64),
        where,
        combined[where],
        np.array([low]),
        np.array([high]),
        *limits,
    )
    return float(bounds[0]) if np.isfinite(bounds[0]) else np.inf
