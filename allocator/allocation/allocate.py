"""One year, one batch: applications + scenario → verified whole-yuan allocation.

``allocate`` is the public API a notebook calls; ``run`` adds reading the files and writing the
outputs. Nothing is written unless the allocation is a proven optimum that passed verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config.scenario import Scenario
from ..core import timing
from ..core.errors import InfeasibleError
from ..core.result import AllocationResult, Fixed, NextMillion, RuleComparison, SolverInfo, Summary
from ..model.build import Budget, Model, build_model
from ..model.stages import rebudget
from ..policy.types import Policy
from ..solve.run import make_solver
from .constraints import Terms, verify
from .decisions import Decisions, decisions
from .diagnose import diagnose
from .evaluate import caps
from .explain import explain
from .rationing import optimise, tier_of
from .registers import ledger, waitlist
from .rounding import city_cost, round_awards

EXTRA = 1_000_000  # "what another million buys"
SHADOW_STEP = 10_000  # shadow price: weighted value of 10,000 more yuan, re-solved, per yuan


@dataclass(frozen=True)
class _Solution:
    award: np.ndarray  # whole yuan, every row of the rules frame
    admin: int
    info: SolverInfo
    order: np.ndarray  # the rule's priority per row (smaller first), for the waitlist


def allocate(
    scenario: Scenario,
    policy: Policy,
    applications: pd.DataFrame,
    *,
    manifest: dict | None = None,
    next_million: bool = True,
    fixed: Mapping[str, Fixed] | None = None,
    floors: Mapping[str, int] | None = None,
    decided: Mapping[str, int] | None = None,
    batch: int = 1,
    earlier: pd.DataFrame | None = None,
) -> AllocationResult:
    """Allocate the scenario's fund over ``applications`` (an intake frame) under its rule and limits.

    ``fixed``: awards decided before this run, by application id (earlier batches, last year's
    commitments); ``floors``: awards that may grow but not shrink (a release to the waitlist);
    ``decided``: awards chosen by a larger model (a joint multi-year plan), explained as usual;
    ``earlier``: the earlier batches' awards (:func:`allocator.store.approved.earlier_awards`), fixed, those the
    applications lack as rows of their own (:func:`allocator.allocation.earlier.join_earlier`); the table's ``batch``.
    """
    policy = policy.for_scenario(scenario.discretionary)  # shares the text leaves to the scenario
    with timing.stage("caps"):
        frame = caps(applications, policy, scenario).frame
    if earlier is not None:
        from .earlier import join_earlier

        frame, earlier_fixed = join_earlier(frame, earlier, policy, scenario, batch)
        fixed = {**earlier_fixed, **(fixed or {})}
    n = len(frame)
    budget = Budget(
        scenario.available,
        scenario.admin_planned(n),
        policy.fund.admin_cap(scenario.annual_fund),
        scenario.reserve,
        policy.fund_name,
    )
    admin_problems = _admin_problems(policy, budget)
    dec = decisions(frame, scenario, fixed or {}, floors or {}, decided or {})
    solver = make_solver(scenario.solver, scenario.time_limit, scenario.mip_gap)
    if admin_problems:  # and whatever else conflicts, in one message (allocator.allocation.diagnose)
        raise diagnose(
            frame, budget, scenario, dec.fixed, solver, dec.floors, parties=dec.parties(), also=admin_problems
        )
    with timing.stage("build"):
        model = build_model(frame, budget, scenario.limits, dec.fixed, dec.floors)
    solution = solve_budget(frame, scenario, budget, dec, solver, model)
    tier = tier_of(frame, scenario) if scenario.rule == "priority" else None
    with timing.stage("explain"):
        table = explain(
            frame, solution.award, policy, scenario, dec.overridden, solution.info.level, tier, dec.notes
        )
    table["batch"] = frame["batch"].to_numpy() if "batch" in frame else batch
    extra = comparison = None
    shadow = 0.0
    if next_million:
        shadow, comparison = _shadow_and_default(frame, scenario, budget, dec, solver, model, solution)
    commitments = int(table["city_cost"].to_numpy()[sorted(dec.commitment_rows)].sum())
    summary = _summary(table, scenario, budget, solution, shadow, batch, commitments)
    ids = frame["application_id"].to_numpy()
    with timing.stage("round+verify"):
        _verify(table, policy, budget, summary, scenario, dec, ids)
    with timing.stage("waitlist+ledger"):
        registers = _registers(frame, table, solution, scenario, policy, dec, batch)
    if next_million:  # down the waitlist, as a release of 1,000,000 would go (allocator.allocation.backfill)
        extra = _next_million(table, frame, registers[0], scenario.limits)
    return AllocationResult(
        scenario=scenario,
        policy=policy,
        table=table,
        summary=summary,
        solver=replace(solution.info, retries=tuple(getattr(solver, "retries", ()))),
        manifest=dict(manifest or {}),
        next_million=extra,
        comparison=comparison,
        waitlist=registers[0],
        ledger=registers[1],
    )


def _registers(frame, table, solution, scenario: Scenario, policy: Policy, dec, batch: int):
    """The 候补名单 (waitlist) and this batch's 监管台账 (an earlier batch's premises are in its own)."""
    now = table["batch"].to_numpy() == batch
    return (
        waitlist(frame, table, solution.order, scenario, set(dec.fixed) - dec.waiting),
        ledger(frame[now].reset_index(drop=True), table[now].reset_index(drop=True), policy, scenario),
    )


def _shadow_and_default(frame, scenario: Scenario, budget: Budget, dec, solver, model, solution):
    """The shadow price (the weighted value of one more yuan, from a re-solve ``SHADOW_STEP`` higher) and,
    under a rule other than the default, what the rule cost against the default rule."""
    step = replace(budget, available=budget.available + SHADOW_STEP)
    step = solve_budget(frame, scenario, step, dec, solver, model)
    shadow = round((step.info.objective - solution.info.objective) / SHADOW_STEP, 6)
    comparison = None
    if scenario.rule != "weighted":
        default = solve_budget(frame, replace(scenario, rule="weighted"), budget, dec, solver, model)
        comparison = _compare(frame, scenario.rule, solution, default, dec.fixed, scenario.limits.min_award)
    return shadow, comparison


def _verify(table, policy: Policy, budget: Budget, summary: Summary, scenario: Scenario, dec, ids) -> None:
    terms = Terms.of(
        policy,
        admin=summary.admin,
        admin_low=budget.admin_low,
        admin_high=budget.admin_high,
        available=budget.available - budget.reserve,
        totals={**summary.__dict__, "carryover_out": summary.carryover_out - budget.reserve},
        limits=scenario.limits,
        overrides={ids[r]: a for r, a in dec.fixed.items()},
        floors={ids[r]: a for r, a in dec.floors.items()},
    )
    verify(table, terms)


def _admin_problems(policy: Policy, budget: Budget) -> tuple[tuple[str, str], ...]:
    """(zh, en) for planned administration over its limit or over the money, each with its fix."""
    low, high, available = budget.admin_low, budget.admin_high, budget.available
    fund = policy.fund
    if fund.admin_rate is not None:  # the pack's clause, never another document's
        no = fund.admin_clause
        where, where_en = (f"条款（{no}）", f"clause {no}") if no else ("政策", "the policy's")
        zh = f"{where}规定的上限（年度专项资金的 {float(fund.admin_rate) * 100:g}%，即 {high:,} 元）"
        en = f"{where_en} limit {high:,}"
    else:  # the pack sets no limit: the annual fund itself bounds it
        zh = f"上限 {high:,} 元（管理费用上限：本政策未规定，按年度专项资金计）"
        en = f"the annual fund {high:,}"
    out = []
    if low > high:
        out.append((
            f"计划管理费用 {low:,} 元超过{zh}：管理费用（admin_fixed、admin_per_application）至少须减少 {low - high:,} 元",
            f"planned administration {low:,} exceeds {en} by {low - high:,} yuan: reduce admin_fixed or admin_per_application",
        ))  # fmt: skip
    if min(low, high) > available:
        out.append((
            f"计划管理费用 {min(low, high):,} 元超过可用资金 {available:,} 元：可用资金至少须增加 {min(low, high) - available:,} 元",
            f"planned administration {min(low, high):,} exceeds the available money {available:,}",
        ))  # fmt: skip
    return tuple(out)


def solve_budget(
    frame: pd.DataFrame,
    scenario: Scenario,
    budget: Budget,
    dec: Decisions,
    solver,
    model: Model | None = None,
) -> _Solution:
    """Staged solve, whole-yuan rounding. ``model``: one built for the same applications, limits and
    decisions, reused for this budget (:func:`~allocator.model.stages.rebudget`) instead of built anew."""
    with timing.stage("build"):
        if model is None:
            model = build_model(frame, budget, scenario.limits, dec.fixed, dec.floors)
        else:
            model = rebudget(model, budget)
    try:
        out = optimise(model, frame, scenario, set(dec.fixed), solver)
    except InfeasibleError:
        raise diagnose(
            frame, budget, scenario, dec.fixed, solver, dec.floors, parties=dec.parties()
        ) from None
    admin = min(max(budget.admin_low, int(round(out.admin))), budget.admin_high)
    with timing.stage("round+verify"):
        award = _round(frame, model, out, admin, budget, scenario, dec)
    value = round(float(frame["value"].to_numpy() @ award), 4)
    info = SolverInfo(
        out.solver,
        out.version,
        "optimal",
        value,
        out.seconds,
        mip=model.mip,
        stages=out.stages,
        gap=out.gap,
        rule=scenario.rule,
        level=out.level,
    )
    return _Solution(award, admin, info, out.order)


def _round(frame, model: Model, out, admin: int, budget: Budget, scenario: Scenario, dec: Decisions):
    """Whole yuan (allocator.allocation.rounding), every limit checked on the integers."""
    full = np.zeros(len(frame))
    full[model.rows] = out.awards
    least = np.zeros(len(frame), dtype=np.int64)
    for r, amount in dec.floors.items():
        least[r] = amount
    return round_awards(
        frame,
        full,
        admin,
        budget.available - budget.reserve,
        limits=scenario.limits,
        fixed=set(dec.fixed),
        order=out.order,
        fill=scenario.rule != "prorata",
        least=least,
    )


def _summary(
    table: pd.DataFrame,
    scenario: Scenario,
    budget: Budget,
    solution: _Solution,
    shadow: float,
    batch: int,
    commitments: int,
) -> Summary:
    city = int(table["city_cost"].sum())
    eligible = table["eligible"].to_numpy()
    return Summary(
        annual_fund=scenario.annual_fund,
        carryover_in=scenario.carryover_in,
        available=budget.available,
        admin=solution.admin,
        awarded=int(table["award"].sum()),
        city_cost=city,
        district_cost=int(table["district_cost"].sum()),
        carryover_out=budget.available - city - solution.admin,
        status="optimal",
        applications=len(table),
        funded=int((table["award"] > 0).sum()),
        eligible=int(eligible.sum()),
        requested_total=int(table.loc[eligible, "cap"].sum()),
        admin_planned=budget.admin_low,
        admin_limit=budget.admin_high,
        rule=scenario.rule,
        value=solution.info.objective,
        shadow_price=shadow,
        reserve=budget.reserve,
        batch=batch,
        commitments_in=commitments,
    )


def _compare(
    frame: pd.DataFrame, rule: str, ours: _Solution, default: _Solution, fixed: dict[int, int], min_award: int
) -> RuleComparison:
    cap = frame["cap"].to_numpy()
    mask = frame["eligible"].to_numpy() & (cap > 0) & (cap >= min_award)  # below min_award: never funded
    mask[list(fixed)] = False

    def coverage(award: np.ndarray) -> float:
        return round(float((award[mask] / cap[mask]).min()), 6) if mask.any() else 0.0

    return RuleComparison(
        rule=rule,
        value=ours.info.objective,
        default_value=default.info.objective,
        funded=int((ours.award > 0).sum()),
        default_funded=int((default.award > 0).sum()),
        min_coverage=coverage(ours.award),
        default_min_coverage=coverage(default.award),
    )


def _next_million(table: pd.DataFrame, frame: pd.DataFrame, waiting: pd.DataFrame, limits) -> NextMillion:
    """What 1,000,000 yuan more buys: the waitlist's walk (:func:`allocator.allocation.backfill.spend`), rank by rank,
    exactly what ``allocator release`` would give from 1,000,000 yuan released."""
    from .backfill import spend

    num, den = frame["share_num"].to_numpy(), frame["share_den"].to_numpy()
    now = table["award"].to_numpy(dtype=np.int64)
    position = pd.Index(table["application_id"])
    rows = position.get_indexer(waiting["application_id"]).astype(np.int64)
    gain = spend(frame, now, rows, waiting["next_award"].to_numpy(dtype=np.int64), EXTRA, limits)
    more = now.copy()
    more[rows] += gain
    changed = more != now
    diff = table.loc[
        changed, ["application_id", "applicant", "item", "item_name", "district", "award"]
    ].copy()
    diff["award_after"] = more[changed]
    diff["gain"] = diff["award_after"] - diff["award"]
    value = frame["value"].to_numpy()
    return NextMillion(
        extra=EXTRA,
        value_gain=round(float(value @ more) - float(value @ now), 4),
        awarded_gain=int(more.sum() - now.sum()),
        city_cost_gain=int(city_cost(more, num, den).sum() - city_cost(now, num, den).sum()),
        newly_funded=int(((now == 0) & (more > 0)).sum()),
        changed=diff.sort_values(["gain", "application_id"], ascending=[False, True]).reset_index(drop=True),
    )
