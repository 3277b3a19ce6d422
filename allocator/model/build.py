"""The allocation model, built in PuLP on whole columns (no solver here).

Mathematical formulation (money in solver units of 万元, ``SCALE`` yuan, so numbers stay near 1):

    variables  x_i ∈ [0, cap_i]               award of eligible application i (fixed for an override)
               a   ∈ [A_plan, r·F]            administration (clause 十九: r = 1 %, F = annual fund)
               y_i ∈ {0, 1}                   with a minimum m_i ([limits] min_award, or the item's floor
                                              "不低于…"): x_i ≥ m_i·y_i, x_i ≤ cap_i·y_i
    budget_city         Σ_i s_i·x_i + a ≤ F + C                    s_i city share, C carryover in
    group_cap[g]        Σ_{i in g} x_i ≤ G_g                       a clause's cap of an enterprise (or of
                                                                   its sub-platform) over its applications
                                                                   of that item (rules' cap_group; no slack)
    enterprise[k]       Σ_{i of credit code k} x_i ≤ L             [limits] per_enterprise
    district_budget[d]  Σ_{i in district d} (1 − s_i)·x_i ≤ D_d    [limits.district_budget] (clause 二)
    item_share_min[j]   Σ_{i of item j} s_i·x_i ≥ lo_j·Σ_i s_i·x_i [limits.item_share]
    item_share_max[j]   Σ_{i of item j} s_i·x_i ≤ hi_j·Σ_i s_i·x_i

The objective is the rule's (allocator.allocation.rationing). Rounding to whole yuan can move a share by a few
yuan across its bound; allocator.allocation.rounding repairs that on the integers before anything is checked.

With ``elastic=True`` every limit gets a non-negative slack in yuan and the objective minimises their
sum: the smallest change that would make a contradictory scenario feasible (allocator.allocation.diagnose).
Applications are ordered by ``application_id`` before the model is built, so neither the model nor
its answer depends on the workbook's row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from ..config.scenario import Limits

SCALE = 10_000  # yuan per solver unit
ADMIN_PENALTY = 1e-6  # keeps administration at its planned amount when money is left over
VALUE_TOL = 1e-9  # relative slack on a stage's optimum held in later stages …
HOLD_ABS = 1e-6  # … and at least this much (solver units; HiGHS's feasibility tolerance is 1e-7)
MIP_HOLD_TOL = 1e-7  # relative, for a MILP (x ≤ cap·y with y within 1e-6 of integral is a few yuan loose)


@dataclass(frozen=True)
class Budget:
    available: int  # yuan: annual fund + carryover in
    admin_low: int  # planned administration
    admin_high: int  # clause 十九
    reserve: int = 0  # kept unspent for later batches (clause 二十)
    fund_name: str = "市级"  # the allocated fund's level, for messages (Policy.fund_name)


@dataclass(frozen=True)
class Bound:
    """A named constraint in policy terms, for messages, reports and the elastic re-solve."""

    name: str
    kind: str  # budget | group_cap | enterprise | district | share_min | share_max
    key: str  # the credit code, district or item it is about ("" for the budget)
    limit: float  # yuan, or a share for share_min / share_max
    zh: str


@dataclass
class Model:
    problem: pulp.LpProblem
    x: list[pulp.LpVariable]
    rows: np.ndarray  # positions (in the rules frame) of the applications that have a variable
    admin: pulp.LpVariable
    value: pulp.LpAffineExpression  # Σ v_i·x_i
    budget: Budget
    bounds: dict[str, Bound] = field(default_factory=dict)
    slacks: dict[str, pulp.LpVariable] = field(default_factory=dict)  # elastic mode
    y: list[pulp.LpVariable] = field(default_factory=list)
    mip: bool = False
    city: pulp.LpAffineExpression | None = None  # Σ s_i·x_i
    minimum: np.ndarray | None = None  # per variable: the least non-zero award (min_award or floor)
    parts: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)  # item -> its city cost
    built: int = 0  # constraints the build made; the rule's stages add theirs after them
    raised: dict[int, float] = field(default_factory=dict)  # variable -> its lower bound before set_floors
    staged: list[pulp.LpVariable] = field(default_factory=list)  # a rule's own variables (stage_variable)


def build_model(
    frame: pd.DataFrame,
    budget: Budget,
    limits: Limits | None = None,
    fixed: dict[int, int] | None = None,
    floors: dict[int, int] | None = None,
    elastic: bool = False,
    cumulative: list[tuple[str, np.ndarray, int]] | None = None,
) -> Model:
    """Variables for eligible applications with a positive cap.

    ``fixed`` maps a row to an award decided outside the model; ``floors`` to an award it keeps at least.
    """
    limits = limits or Limits()
    fixed = fixed or {}
    floors = floors or {}
    cap_all = frame["cap"].to_numpy()
    modelled = frame["eligible"].to_numpy() & (cap_all > 0)
    for r, amount in fixed.items():
        modelled[r] = amount > 0
    rows = np.flatnonzero(modelled)
    cap = cap_all[rows] / SCALE
    share = frame["city_share"].to_numpy()[rows]
    value = frame["value"].to_numpy()[rows]
    low = np.zeros(len(rows))
    for k, r in enumerate(rows):
        if int(r) in fixed:
            low[k] = cap[k] = fixed[int(r)] / SCALE
        elif int(r) in floors:
            low[k] = min(floors[int(r)], cap_all[r]) / SCALE
    floor = frame["floor"].to_numpy()[rows] if "floor" in frame else np.zeros(len(rows))
    minimum = np.maximum(limits.min_award, floor)  # [limits] min_award, or the item's "不低于…" floor
    small = (cap_all[rows] < minimum) & ~np.isin(rows, list(fixed))
    cap = np.where(small, 0.0, cap)  # below the minimum award: nothing can be given

    problem = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = [
        problem.add_variable(f"x{r:07d}", lowBound=float(lo), upBound=float(c))
        for r, lo, c in zip(rows, low, cap, strict=True)
    ]
    admin = problem.add_variable(
        "admin", lowBound=budget.admin_low / SCALE, upBound=budget.admin_high / SCALE
    )
    model = Model(
        problem, x, rows, admin, pulp.LpAffineExpression(zip(x, value.tolist(), strict=True)), budget
    )
    slack = _slack_maker(model, elastic)

    city = pulp.LpAffineExpression(zip(x, share.tolist(), strict=True))
    model.city = city
    _budget_rows(model, budget, share, slack, cumulative)
    if "cap_group" in frame:
        _group_caps(model, frame, cap_all)
    if limits.per_enterprise is not None:
        _enterprise(model, frame, cap_all, limits.per_enterprise, slack)
    if limits.district_budget:
        _districts(model, frame, share, limits.district_budget, slack)
    if limits.item_share:
        _shares(model, frame, share, city, limits.item_share, slack)
    model.minimum = minimum
    if (minimum > 0).any():
        _min_award(model, cap, minimum, set(fixed), small)
    if elastic:
        problem.sense = pulp.LpMinimize
        problem.setObjective(pulp.lpSum(model.slacks.values()))
    else:
        problem.setObjective(model.value - ADMIN_PENALTY * admin)
    model.built = len(problem.constraints())
    return model


def _budget_rows(model: Model, budget: Budget, share: np.ndarray, slack, cumulative) -> None:
    """The fund's row: city money + administration within what is available (less the reserve); for a
    multi-year plan, what is spent up to year t within what was available up to year t, year by year."""
    if cumulative is None:
        usable = budget.available - budget.reserve
        label = "可用资金（年度专项资金＋上年结转）" + (
            f"，预留后续批次 {budget.reserve:,} 元" if budget.reserve else ""
        )
        _add(
            model,
            model.city + model.admin - slack("budget_city") <= usable / SCALE,
            Bound("budget_city", "budget", "", usable, label),
        )
        return
    for year, mask, usable in cumulative:
        spent = pulp.LpAffineExpression((model.x[k], share[k]) for k in np.flatnonzero(mask[model.rows]))
        name = f"budget_upto_{year}"
        label = f"截至 {year} 年的可用资金（各年专项资金＋期初结转－管理费用）"
        _add(model, spent - slack(name) <= usable / SCALE, Bound(name, "budget", year, usable, label))


def _slack_maker(model: Model, elastic: bool):
    def slack(name: str) -> pulp.LpAffineExpression | float:
        if not elastic:
            return 0.0
        var = model.problem.add_variable(f"slack_{len(model.slacks):05d}", lowBound=0)
        model.slacks[name] = var
        return var

    return slack


def _add(model: Model, constraint: pulp.LpConstraint, bound: Bound) -> None:
    model.problem += (constraint, bound.name)
    model.bounds[bound.name] = bound


def _groups(frame: pd.DataFrame, column: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Positions in ``rows`` (the variables) grouped by the value of ``column``."""
    keys = frame[column].to_numpy()[rows]
    out: dict[str, list[int]] = {}
    for k, key in enumerate(keys):
        if key is not None and key == key:
            out.setdefault(str(key), []).append(k)
    return {key: np.asarray(v) for key, v in sorted(out.items())}


def _enterprise(model: Model, frame: pd.DataFrame, cap_all: np.ndarray, limit: int, slack) -> None:
    for n, (code, pos) in enumerate(_groups(frame, "credit_code", model.rows).items()):
        if cap_all[model.rows[pos]].sum() <= limit:
            continue  # cannot bind
        total = pulp.lpSum(model.x[k] for k in pos)
        name = f"enterprise_{n:05d}"
        _add(model, total - slack(name) <= limit / SCALE,
             Bound(name, "enterprise", code, limit, f"单个企业（统一社会信用代码 {code}）支持总额上限 {limit:,} 元"))  # fmt: skip


def _group_caps(model: Model, frame: pd.DataFrame, cap_all: np.ndarray) -> None:
    """A clause's cap that an enterprise's applications share (``cap_per`` in the pack): one row per
    group whose caps together exceed it. Policy, not a scenario's limit: never elastic."""
    limit_all = frame["group_limit"].to_numpy()
    clause = frame["clause"].to_numpy()
    name_of = frame["item_name"].to_numpy()
    code = frame["credit_code"].to_numpy()
    keys = frame["cap_group"].to_numpy()[model.rows]
    shared = np.flatnonzero(keys != "")
    if not len(shared):
        return
    groups = pd.Series(shared).groupby(keys[shared], sort=True).indices
    for n, (group, where) in enumerate(groups.items()):
        pos = shared[where]
        rows = model.rows[pos]
        limit = int(limit_all[rows[0]])
        if cap_all[rows].sum() <= limit:
            continue  # cannot bind
        name = f"group_cap_{n:05d}"
        zh = f"条款（{clause[rows[0]]}）{name_of[rows[0]]}合计上限 {limit:,} 元（企业 {code[rows[0]]}，{len(rows)} 项申报）"
        _add(
            model,
            pulp.lpSum(model.x[k] for k in pos) <= limit / SCALE,
            Bound(name, "group_cap", group, limit, zh),
        )


def _districts(model: Model, frame: pd.DataFrame, share: np.ndarray, budgets: dict[str, int], slack) -> None:
    groups = _groups(frame, "district", model.rows)
    for n, (district, limit) in enumerate(sorted(budgets.items())):
        pos = groups.get(district, np.array([], dtype=int))
        pos = pos[share[pos] < 1] if len(pos) else pos
        if not len(pos):
            continue
        total = pulp.LpAffineExpression((model.x[k], 1.0 - share[k]) for k in pos)
        name = f"district_{n:05d}"
        _add(model, total - slack(name) <= limit / SCALE,
             Bound(name, "district", district, limit, f"{district}配套资金上限 {limit:,} 元（方案 [limits.district_budget]）"))  # fmt: skip


def _shares(model, frame, share, city, bounds: dict[str, tuple[float, float]], slack) -> None:
    """Item shares against one variable for the fund's total, defined once (``city_total``): written
    against Σ s_i·x_i itself, each share row would hold every application and the matrix would grow
    with items × applications (1.4 million coefficients for 8 items at 100,000 applications)."""
    groups = _groups(frame, "item", model.rows)
    total = model.problem.add_variable("city_total", lowBound=0)
    model.problem += (city - total == 0, "city_total")
    city = total
    for n, (item, (lo, hi)) in enumerate(sorted(bounds.items())):
        pos = groups.get(item, np.array([], dtype=int))
        part = pulp.LpAffineExpression((model.x[k], share[k]) for k in pos)
        model.parts[item] = part
        if lo > 0:
            name = f"share_min_{n:05d}"
            _add(model, part - lo * city + slack(name) >= 0,
                 Bound(name, "share_min", item, lo, f"事项 {item} 占{model.budget.fund_name}资金的最低比例 {lo:.0%}"))  # fmt: skip
        if hi < 1:
            name = f"share_max_{n:05d}"
            _add(model, part - hi * city - slack(name) <= 0,
                 Bound(name, "share_max", item, hi, f"事项 {item} 占{model.budget.fund_name}资金的最高比例 {hi:.0%}"))  # fmt: skip


def _min_award(
    model: Model, cap: np.ndarray, minimum: np.ndarray, fixed: set[int], small: np.ndarray
) -> None:
    """x_i = 0 or x_i ≥ m_i, with a binary y_i (the model becomes a MILP)."""
    for k, r in enumerate(model.rows):
        if int(r) in fixed or small[k] or minimum[k] <= 0:
            continue
        m = float(minimum[k]) / SCALE
        y = model.problem.add_variable(f"y{r:07d}", lowBound=0, upBound=1, cat=pulp.LpBinary)
        model.problem += (model.x[k] - m * y >= 0, f"min_award_lo_{r:07d}")
        model.problem += (model.x[k] - float(cap[k]) * y <= 0, f"min_award_hi_{r:07d}")
        model.y.append(y)
    model.mip = bool(model.y)
