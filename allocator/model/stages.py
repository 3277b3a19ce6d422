"""A lexicographic rule's stages on the model: a stage's optimum held while the next optimises something
else, its variables and rows taken off again, maxmin's floors, and the fair tie-break."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pulp

from .build import ADMIN_PENALTY, HOLD_ABS, MIP_HOLD_TOL, SCALE, VALUE_TOL, Bound, Budget, Model


def hold(
    model: Model, expr: pulp.LpAffineExpression, best: float, name: str, absolute: float = HOLD_ABS
) -> None:
    """Keep a stage's optimum while later stages optimise something else (:func:`held`).

    The slack is ``VALUE_TOL`` relative, and at least ``absolute`` so that an optimum at the level of
    the solver's own tolerance (a 1e-7 "amount" that is really 0) is not held as if it were exact.
    Money and value stages use ``HOLD_ABS`` (0.01 yuan); a ratio such as min coverage passes a
    tighter one, since a ratio of 1e-6 of a large cap is several yuan.
    """
    model.problem += (expr >= held(model, best, absolute), name)


def stage_variable(model: Model, name: str) -> pulp.LpVariable:
    """A rule's own variable in [0, 1] (a coverage, ratio or tie-break share), taken out of the problem
    again by :func:`rebudget` with the rows that use it."""
    var = model.problem.add_variable(name, lowBound=0, upBound=1)
    model.staged.append(var)
    return var


def forget(model: Model, variables: list[pulp.LpVariable]) -> None:
    """Take ``variables`` out of the problem once no row uses them any more. PuLP keeps every variable a
    row ever held, and writes one no row holds into CBC's model file as a bound without a column, which
    CBC refuses ("Current model not valid"): a re-solve with CBC after :func:`rebudget` failed so."""
    gone = {v.hash for v in variables}
    if not gone:
        return
    problem = model.problem
    problem._variables = [v for v in problem._variables if v.hash not in gone]  # PuLP 3.3: no public way
    for key in gone:
        problem._variable_ids.pop(key, None)
    model.staged = [v for v in model.staged if v.hash not in gone]


def held(model: Model, best: float, absolute: float = HOLD_ABS) -> float:
    """The least a later stage may bring a held optimum ``best`` down to (see :func:`hold`)."""
    relative = MIP_HOLD_TOL if model.mip else VALUE_TOL  # integrality tolerances make MILP optima looser
    return best - max(absolute * (100 if model.mip else 1), relative * abs(best))


def drop_stage(model: Model, rows: list[str], variables: list[pulp.LpVariable]) -> None:
    """Take a stage's rows named ``rows`` and its own ``variables`` out of the problem (maxmin's
    coverage rows x_j ≥ cap_j·t and t, once the coverage is held as floors by :func:`set_floors`)."""
    constraints = model.problem._constraints  # PuLP 3.3 has no public way to remove a constraint
    for name in rows:
        del constraints[name]
    forget(model, variables)


def set_floors(model: Model, positions: np.ndarray, floor: np.ndarray) -> None:
    """x_j ≥ floor_j (solver units) for ``positions``, over the lower bound each had from the build
    (kept in ``model.raised``, so that floors set again may also be lower); capped at the upper bound.

    maxmin holds its coverage t* so, as x_j ≥ cap_j·t_low in place of rows x_j ≥ cap_j·t with t held:
    the same answers, with one row per application fewer in every later stage (at 100,000
    applications the value stage then solves in hundredths of a second, not seconds).
    :func:`rebudget` (and :func:`lower_floors`) puts the bounds back."""
    from .highs import bounds_moved

    moved = []
    for j, f in zip(positions.tolist(), floor.tolist(), strict=True):
        var = model.x[j]
        own = model.raised.setdefault(j, var.lowBound)
        var.lowBound = min(max(f, own or 0.0), var.upBound)
        moved.append(var)
    bounds_moved(model.problem, moved)


def lower_floors(model: Model) -> None:
    """Undo :func:`set_floors`: every raised variable gets its lower bound from the build back."""
    from .highs import bounds_moved

    for j, low in model.raised.items():
        model.x[j].lowBound = low
    bounds_moved(model.problem, [model.x[j] for j in model.raised])
    model.raised.clear()


def tie_group(
    frame: pd.DataFrame,
    awards: np.ndarray,
    rows: np.ndarray,
    free: np.ndarray,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Applications in a value-per-city-yuan class that an answer split (some paid, some short).

    ``awards`` are yuan for ``rows``; ``free`` marks the rows the rule may still move (not overrides).
    ``floor`` (yuan for ``rows``; maxmin's held coverage): an application is paid when it got more than
    its floor, so the split is in what was shared out above the floor, not in the floor itself.
    """
    cap = frame["cap"].to_numpy()[rows]
    base = np.zeros(len(rows)) if floor is None else floor
    ratio = (frame["value"].to_numpy()[rows] / frame["city_share"].to_numpy()[rows]).round(10)
    short = free & (awards < cap - 0.5)
    paid = free & (awards > base + 0.5)
    split = np.intersect1d(np.unique(ratio[short]), np.unique(ratio[paid]))
    classes, counts = np.unique(ratio[free], return_counts=True)
    split = np.intersect1d(split[split > 0], classes[counts > 1])  # a class of one has no tie to break
    return rows[free & np.isin(ratio, split)]


def add_tiebreak_stage(
    model: Model, frame: pd.DataFrame, tie_rows: np.ndarray, floor: np.ndarray | None = None
) -> pulp.LpVariable:
    """The fair tie-break: every application of the tie group gets at least the same share z of its cap,
    or with ``floor`` (yuan for ``model.rows``) the same share z of what lies between its floor and cap:
    x_i ≥ f_i + (cap_i − f_i)·z."""
    position = {int(r): k for k, r in enumerate(model.rows)}
    cap = frame["cap"].to_numpy() / SCALE
    base = np.zeros(len(model.rows)) if floor is None else floor / SCALE
    z = stage_variable(model, "tie_share")
    for r in tie_rows:
        k = position[int(r)]
        f = float(base[k])
        model.problem += (model.x[k] - (float(cap[r]) - f) * z >= f, f"tie_{int(r):07d}")
    return z


def rebudget(model: Model, budget: Budget) -> Model:
    """The built model again, for another available amount (the same applications, limits and fixed
    awards): the stages' holds and rows are taken out and the budget row's right-hand side is moved.

    What another million buys and the shadow price re-solve the year's model twice more; building it
    anew each time costs more than solving it (a variable per application in PuLP), so it is reused.
    """
    if "budget_city" not in model.bounds:
        raise ValueError("rebudget needs the single-year budget row (not a plan's cumulative budgets)")
    rows = model.problem._constraints  # PuLP 3.3 has no public way to remove a constraint
    for name in list(rows)[model.built :]:
        del rows[name]
    lower_floors(model)
    forget(model, model.staged)
    usable = budget.available - budget.reserve
    rows["budget_city"].constant = -usable / SCALE
    old = model.bounds["budget_city"]
    model.bounds["budget_city"] = Bound(old.name, old.kind, old.key, usable, old.zh)
    model.budget = budget
    model.problem.setObjective(model.value - ADMIN_PENALTY * model.admin)
    return model
