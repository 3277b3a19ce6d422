"""Rationing rules: how an oversubscribed fund is shared, as a sequence of solver stages.

With v_i = weight × score / 100, cap_i the application's cap and x_i its award:

``weighted``  max Σ v_i·x_i; then the fair tie-break: applications of a split value class all get
              the same share z of their cap (max z, holding the value).
``priority``  for each tier k in turn: max Σ_{i∈T_k} x_i, hold it; max Σ_{i∈T_k} v_i·x_i, hold it.
              Items in no tier form a last tier. Then the tie-break.
``maxmin``    max t s.t. x_i ≥ t·cap_i for every eligible application; hold t as floors x_i ≥ t·cap_i
              (lower bounds); max Σ v_i·x_i; the tie-break above the floors. With HiGHS and no
              minimum award, t* is found by re-solves over the floors (allocator.allocation.maxmin_search), else as
              the one LP whose rows x_i ≥ t·cap_i then give way to the floors.
``prorata``   x_i = r·cap_i for every eligible application, max r. With a minimum award m an
              application whose share r·cap_i would fall below m gets 0 instead:
              x_i ≤ r·cap_i, x_i ≥ r·cap_i − cap_i·(1 − y_i), x_i ≥ m·y_i, y_i ≥ r − m / cap_i.

Overridden applications are fixed and take no part in a rule's coverage or shares.

Each rule is a :class:`Rule` of the registry :data:`RULES`, its stages one function of one signature
(:class:`Stages`, as pabutools' rules share theirs); :func:`optimise` runs the scenario's rule and then,
unless the rule shares equally, the fair tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import pulp

from ..config.scenario import Scenario
from ..model.build import ADMIN_PENALTY, HOLD_ABS, SCALE, Model
from ..model.stages import add_tiebreak_stage, drop_stage, hold, set_floors, stage_variable, tie_group
from ..solve.run import Solved, solve
from .maxmin_search import held_floors, max_coverage, searchable


@dataclass
class Outcome:
    awards: np.ndarray  # yuan for model.rows
    admin: float
    seconds: float = 0.0
    stages: int = 0
    gap: float | None = None
    level: float | None = None  # t* for maxmin, r* for prorata
    order: np.ndarray = field(default_factory=lambda: np.zeros(0))  # rounding priority: smaller first
    solver: str = ""
    version: str = ""


class Stages(Protocol):
    """A rationing rule: the solver stages it adds to ``model`` for the ``free`` (not fixed) variables,
    each solved and held in turn (``out`` gathers the awards, stages, seconds and the level); returns the
    floors (yuan per variable) the tie-break must keep, or None."""

    def __call__(
        self, model: Model, frame: pd.DataFrame, scenario: Scenario, free: np.ndarray, out: Outcome, solver
    ) -> np.ndarray | None: ...


@dataclass(frozen=True)
class Rule:
    """A rationing rule of the registry (:data:`RULES`): its stages, and whether the fair tie-break follows."""

    name: str
    stages: Stages
    tie_break: bool = True


def optimise(model: Model, frame: pd.DataFrame, scenario: Scenario, fixed: set[int], solver) -> Outcome:
    """The scenario's rule (:data:`RULES`) solved on ``model``, the rows in ``fixed`` kept as they are."""
    free = ~np.isin(model.rows, list(fixed))
    ratio = frame["value"].to_numpy() / frame["city_share"].to_numpy()
    out = Outcome(awards=np.zeros(len(model.rows)), admin=0.0, order=-ratio)
    rule = RULES[scenario.rule]
    floor = rule.stages(model, frame, scenario, free, out, solver)
    if rule.tie_break:
        tie = tie_group(frame, out.awards, model.rows, free, floor)
        if len(tie):
            z = add_tiebreak_stage(model, frame, tie, floor)
            _stage(model, out, z, solver, "tie-break", keep=False)
    return out


def weighted(model, frame, scenario, free, out, solver) -> None:
    """max Σ v_i·x_i."""
    _stage(model, out, model.value, solver, "value")


def priority(model, frame, scenario, free, out, solver) -> None:
    """Tier by tier: the most money to the tier, held; then the most value within it, held."""
    tier = tier_of(frame, scenario)
    out.order = tier * 1e6 + out.order
    for k in np.unique(tier[model.rows[free]]):
        pos = [j for j in np.flatnonzero(free) if tier[model.rows[j]] == k]
        amount = pulp.lpSum(model.x[j] for j in pos)
        _stage(model, out, amount, solver, f"tier{int(k)}-amount")
        value = pulp.LpAffineExpression((model.x[j], float(frame["value"].iat[model.rows[j]])) for j in pos)
        _stage(model, out, value, solver, f"tier{int(k)}-value")


def maxmin(model, frame, scenario, free, out, solver) -> np.ndarray:
    """The highest share t* of its cap every payable application gets, held as floors; then the value."""
    # every free application that can be paid (upBound 0: below the minimum award)
    covered = np.array([j for j in np.flatnonzero(free) if model.x[j].upBound], dtype=int)
    cap = frame["cap"].to_numpy()[model.rows[covered]] / SCALE
    out.level = _coverage(model, out, covered, cap, solver)
    lowest = held_floors(model, cap, out.level)  # what the hold t ≥ t* − tol would allow
    set_floors(model, covered, lowest)
    floor = np.zeros(len(model.rows))
    floor[covered] = lowest * SCALE
    _stage(model, out, model.value, solver, "value")
    return floor


def prorata(model, frame, scenario, free, out, solver) -> None:
    """The same share r of its cap for every application, max r (equal shares: no tie-break)."""
    out.level = _prorata(model, frame, scenario, free, out, solver)


#: The rationing rules by name (``[objective] rule`` of a scenario; :data:`allocator.config.scenario.RULES`).
RULES: dict[str, Rule] = {
    "weighted": Rule("weighted", weighted),
    "priority": Rule("priority", priority),
    "maxmin": Rule("maxmin", maxmin),
    "prorata": Rule("prorata", prorata, tie_break=False),
}


def tier_of(frame: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Tier number per application (0 first); items in no tier form the last tier."""
    lookup = {item: k for k, tier in enumerate(scenario.tiers) for item in tier}
    return frame["item"].map(lambda i: lookup.get(i, len(scenario.tiers))).to_numpy(dtype=float)


def _stage(
    model: Model, out: Outcome, expr, solver, name: str, keep: bool = True, tol: float = HOLD_ABS
) -> float:
    model.problem.setObjective(expr - ADMIN_PENALTY * model.admin)
    solved: Solved = solve(model, solver, name)
    out.awards, out.admin = solved.awards, solved.admin
    out.seconds += solved.seconds
    out.stages += 1
    out.solver, out.version = solved.solver, solved.version
    if solved.gap is not None:
        out.gap = max(out.gap or 0.0, solved.gap)
    best = float(pulp.value(expr) or 0.0)
    if keep:
        hold(
            model,
            expr if not isinstance(expr, pulp.LpVariable) else pulp.LpAffineExpression(expr),
            best,
            f"hold_{name}",
            tol,
        )
    return best


def _coverage(model: Model, out: Outcome, covered: np.ndarray, cap: np.ndarray, solver) -> float:
    """maxmin's t*: found over the floors with HiGHS (allocator.allocation.maxmin_search), else as the one LP
    max t s.t. x_j ≥ cap_j·t, whose rows and t are then taken out again (:func:`drop_stage`)."""
    if searchable(model, solver):
        objective = (
            model.value - ADMIN_PENALTY * model.admin
        )  # the value stage's (allocator.allocation.maxmin_search)
        model.problem.setObjective(objective)
        level, probes, seconds = max_coverage(model, covered, cap, solver, "min-coverage")
        out.stages += probes
        out.seconds += seconds
        return level
    t = stage_variable(model, "coverage")
    names = [f"coverage_{int(model.rows[j]):07d}" for j in covered]
    for j, c, name in zip(covered.tolist(), cap.tolist(), names, strict=True):
        model.problem += (model.x[j] - c * t >= 0, name)
    level = _stage(model, out, t, solver, "min-coverage", keep=False)
    drop_stage(model, names, [t])
    return level


def _prorata(
    model: Model, frame: pd.DataFrame, scenario: Scenario, free: np.ndarray, out: Outcome, solver
) -> float:
    r = stage_variable(model, "ratio")
    cap = frame["cap"].to_numpy()
    minimum = dict(zip(model.rows.tolist(), model.minimum.tolist(), strict=True))
    ys = {int(v.name[1:]): v for v in model.y}
    for j in np.flatnonzero(free):
        row = int(model.rows[j])
        c = float(cap[row]) / SCALE
        if row in ys:  # 0 or the common share; 0 only where the share would be below the minimum award
            y = ys[row]
            model.problem += (model.x[j] - c * r <= 0, f"prorata_hi_{row:07d}")
            model.problem += (model.x[j] - c * r + c * (1 - y) >= 0, f"prorata_lo_{row:07d}")
            model.problem += (y - r >= -minimum[row] / float(cap[row]), f"prorata_y_{row:07d}")
        elif model.x[j].upBound:  # (an application below the minimum award has upBound 0)
            model.problem += (model.x[j] - c * r == 0, f"prorata_{row:07d}")
    return _stage(model, out, r, solver, "ratio", keep=False)
