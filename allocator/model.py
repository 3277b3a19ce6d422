"""The allocation model, built in PuLP on whole columns (no solver here).

Mathematical formulation (money in solver units of 万元, ``SCALE`` yuan, so numbers stay near 1):

    variables   x_i ∈ [0, cap_i]             award of eligible application i
                a   ∈ [A_plan, r·F]          administration (clause 十九: r = 1 %, F = annual fund)
    budget      Σ_i s_i·x_i + a ≤ F + C      s_i = city share, C = carryover in     ``budget_city``
    stage 1     max Σ_i v_i·x_i − δ·a        v_i = weight_item × score_i / 100
    stage 2     max z   s.t.  Σ v_i·x_i ≥ V* − tol,  x_j ≥ z·cap_j  for j in the tie group T

Stage 2 is the fair tie-break: applications whose value per yuan of city money is exactly the
marginal one compete for the last money; instead of letting the solver (or the row order) pick,
they all get the same share of their cap. Applications are ordered by ``application_id`` before
the model is built, so the model — and its answer — does not depend on the workbook's row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

SCALE = 10_000  # yuan per solver unit
ADMIN_PENALTY = 1e-6  # keeps administration at its planned amount when money is left over
VALUE_TOL = 1e-9  # relative slack on the stage-1 value held in stage 2


@dataclass
class Model:
    problem: pulp.LpProblem
    x: list[pulp.LpVariable]
    rows: np.ndarray  # positions (in the caps frame) of the applications that have a variable
    admin: pulp.LpVariable
    value: pulp.LpAffineExpression
    available: int  # yuan
    labels: dict[str, str] = field(default_factory=dict)  # constraint name -> policy words


def build_model(frame: pd.DataFrame, available: int, admin_low: int, admin_high: int) -> Model:
    """One variable per eligible application with a positive cap, and the admin variable."""
    rows = np.flatnonzero(frame["eligible"].to_numpy() & (frame["cap"].to_numpy() > 0))
    cap = frame["cap"].to_numpy()[rows] / SCALE
    share = frame["city_share"].to_numpy()[rows]
    value = frame["value"].to_numpy()[rows]
    problem = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = [
        problem.add_variable(f"x{i:07d}", lowBound=0, upBound=float(c))
        for i, c in zip(rows, cap, strict=True)
    ]
    admin = problem.add_variable("admin", lowBound=admin_low / SCALE, upBound=admin_high / SCALE)
    value_expr = pulp.LpAffineExpression(zip(x, value.tolist(), strict=True))
    problem.setObjective(value_expr - ADMIN_PENALTY * admin)
    budget = pulp.LpAffineExpression([*zip(x, share.tolist(), strict=True), (admin, 1.0)])
    problem += (budget <= available / SCALE, "budget_city")
    labels = {"budget_city": "可用资金（年度专项资金＋上年结转，条款（一）（二十））"}
    return Model(problem, x, rows, admin, value_expr, available, labels)


def add_tiebreak(
    model: Model, frame: pd.DataFrame, best_value: float, tie_rows: np.ndarray
) -> pulp.LpVariable:
    """Stage 2: hold the stage-1 value, give the tie group the largest common share of their caps."""
    position = {int(r): k for k, r in enumerate(model.rows)}
    cap = frame["cap"].to_numpy() / SCALE
    z = model.problem.add_variable("tie_share", lowBound=0, upBound=1)
    tol = VALUE_TOL * max(1.0, abs(best_value))
    model.problem += (model.value >= best_value - tol, "hold_value")
    for r in tie_rows:
        model.problem += (model.x[position[int(r)]] - float(cap[r]) * z >= 0, f"tie_{int(r):07d}")
    model.problem.setObjective(z - ADMIN_PENALTY * model.admin)
    model.labels["hold_value"] = "保持第一阶段的最优加权价值"
    return z


def tie_group(frame: pd.DataFrame, awards: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Applications in a value-per-city-yuan class that the stage-1 answer split.

    A class is split when some of its members got money and some are short of their cap: the
    solver's choice among equals. ``awards`` are stage-1 awards in yuan for ``rows``.
    """
    cap = frame["cap"].to_numpy()[rows]
    ratio = (frame["value"].to_numpy()[rows] / frame["city_share"].to_numpy()[rows]).round(10)
    short = awards < cap - 0.5
    paid = awards > 0.5
    split = np.intersect1d(np.unique(ratio[short]), np.unique(ratio[paid]))
    split = split[split > 0]
    members = rows[np.isin(ratio, split)]
    return members if len(members) > 1 else members[:0]
