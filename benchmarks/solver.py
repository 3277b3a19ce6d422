"""The solve stage against raw HiGHS on the same matrix, for the LP and MILP variants of the model.

    python -m benchmarks.solver [N ...] [--only VARIANT]     (default: 1000 10000 100000, every variant)

Each variant is the annual model of a seeded workload of N applications under one rule and set of
limits. Every solver run of its stages is captured as the matrix HiGHS was given (``getLp()``); the
same matrix is then passed to a fresh raw ``highspy.Highs`` under each option set below and timed.
"ours" is the run with the options :mod:`allocator.solve.run` chooses (``LP_OPTIONS`` / ``MIP_OPTIONS``),
timed the same way (``Highs.run()`` only). An option set whose answer is not a proven optimum, or
whose objective differs from ours by more than the money tolerance, is marked rather than counted.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from unittest import mock

import highspy
import numpy as np

import allocator.allocation.rationing
import allocator.solve.run
from allocator.allocation.evaluate import caps
from allocator.allocation.rationing import optimise
from allocator.config.scenario import Limits, load_scenario
from allocator.core.errors import SolverError
from allocator.model.build import SCALE, Budget, build_model
from allocator.model.highs import BulkHiGHS
from allocator.model.stages import rebudget
from allocator.policy.pack import load_policy
from allocator.solve.verdict import DUAL_TOL, MONEY_TOL

from .workload import SCENARIO, applications_frame, fund_for

LP_SETS: dict[str, dict] = {
    "default": {},
    "simplex": {"solver": "simplex"},
    "simplex, no presolve": {"solver": "simplex", "presolve": "off"},
    "ipm": {"solver": "ipm"},
    "ipm, no presolve, crossover": {"solver": "ipm", "presolve": "off", "run_crossover": "on"},
    "ipm, no presolve, no crossover": {"solver": "ipm", "presolve": "off", "run_crossover": "off"},
    "pdlp": {"solver": "pdlp"},
}
MIP_SETS: dict[str, dict] = {"default": {}, "no presolve": {"presolve": "off"}}
TIME_LIMIT = 120.0
OBJECTIVE_TOL = 1e-6  # relative; the objective is in 万元 × value, so 1e-6 is well under a yuan


class Recorder(BulkHiGHS):
    """Our solver, keeping each run's stage, matrix, time and objective."""

    def __init__(self, **kwargs) -> None:
        super().__init__(msg=False, timeLimit=TIME_LIMIT, gapRel=0.0, **kwargs)
        self.runs: list[tuple[str, highspy.HighsLp, float, float, str]] = []
        self.stage = ""
        self.searches: list[
            float
        ] = []  # wall seconds of each maxmin coverage search (allocator.allocation.maxmin_search)

    def callSolver(self, lp) -> None:
        started = time.perf_counter()
        super().callSolver(lp)
        seconds = time.perf_counter() - started
        h = lp.solverModel
        status = h.modelStatusToString(h.getModelStatus())
        self.runs.append((self.stage, h.getLp(), seconds, h.getInfo().objective_function_value, status))


@contextmanager
def naming(solver: Recorder, one_lp: bool = False):
    """Tell ``solver`` each run's stage (allocator.solve.run names it); with ``one_lp``, maxmin finds its
    coverage as the one LP max t s.t. x_j ≥ cap_j·t instead of by the search (allocator.allocation.maxmin_search)."""
    run = allocator.solve.run._run
    search = allocator.allocation.rationing.max_coverage

    def named(model, s, stage):
        s.stage = stage
        return run(model, s, stage)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return search(*args, **kwargs)
        finally:
            solver.searches.append(time.perf_counter() - started)

    one = (
        mock.patch.object(allocator.allocation.rationing, "searchable", lambda *_: False)
        if one_lp
        else nullcontext()
    )
    with (
        mock.patch.object(allocator.solve.run, "_run", named),
        mock.patch.object(allocator.allocation.rationing, "max_coverage", timed),
        one,
    ):
        yield


def raw(lp: highspy.HighsLp, options: dict, limit: float = TIME_LIMIT) -> tuple[float, str, float]:
    """Seconds of ``run()``, model status, objective: a fresh Highs given the matrix. The status is
    "Optimal" only for an answer that meets the standard allocator's own answers must meet: HiGHS's
    maximum primal infeasibility within the money tolerance and, for an LP, its dual infeasibility
    within ``DUAL_TOL`` (:mod:`allocator.solve.run`). PDLP and interior point without crossover call an
    answer optimal at looser tolerances; such an answer is "Optimal, but outside tolerance" here."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.passModel(lp)
    for key, value in options.items():
        h.setOptionValue(key, value)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    mip = any(t != highspy.HighsVarType.kContinuous for t in lp.integrality_)
    loose = info.max_primal_infeasibility * SCALE > MONEY_TOL or (
        not mip and info.max_dual_infeasibility > DUAL_TOL
    )
    if status == "Optimal" and loose:
        primal, dual = info.max_primal_infeasibility * SCALE, info.max_dual_infeasibility
        status = f"Optimal, but outside tolerance (primal {primal:.3g} yuan, dual {dual:.2g})"
    return seconds, status, info.objective_function_value


def variants(n: int):
    """(name, scenario) pairs: the shipped scenario's weighted LP, with limits, maxmin, and the MILP."""
    base = load_scenario(SCENARIO)
    base = replace(base, annual_fund=fund_for(n))
    frame = applications_frame(n)
    policy = load_policy(base.policy)
    items = sorted(frame["item"].dropna().unique())[:8]
    districts = sorted(frame["district"].dropna().unique())[:4]
    scale = max(1, n // 320)
    limits = Limits(
        item_share={i: (0.02, 0.4) for i in items},
        district_budget={d: 2_000_000 * scale for d in districts},
    )
    yield "weighted", base, policy, frame
    yield "weighted, 8 item shares + 4 districts", replace(base, limits=limits), policy, frame
    yield "maxmin", replace(base, rule="maxmin"), policy, frame
    yield "maxmin, 8 item shares + 4 districts", replace(base, rule="maxmin", limits=limits), policy, frame
    yield "weighted, min_award (MILP)", replace(base, limits=replace(limits, min_award=10_000)), policy, frame


def measure(n: int, only: str = "") -> list[dict]:
    rows = []
    for name, scenario, policy, frame in variants(n):
        if only and name not in only.split("|"):
            continue
        capped = caps(frame, policy, scenario).frame
        budget = Budget(
            scenario.available, scenario.admin_planned(n), policy.fund.admin_cap(scenario.annual_fund)
        )
        model = build_model(capped, budget, scenario.limits)
        solver = Recorder()
        with naming(solver):
            optimise(model, capped, scenario, set(), solver)
            more = replace(budget, available=budget.available + 1_000_000)  # what another million buys
            solver.runs.append(("+1M", None, 0.0, 0.0, ""))
            optimise(rebudget(model, more), capped, scenario, set(), solver)
        rows += _runs(n, name, solver.runs)
        if scenario.rule == "maxmin":
            rows += _one_lp(n, name, scenario, capped, budget, solver.searches)
    return rows


def _one_lp(n, name, scenario, capped, budget, searches) -> list[dict]:
    """maxmin's coverage as the one LP max t s.t. x_j ≥ cap_j·t, under every raw option set, against
    our search's wall time for the same t* (the first budget's)."""
    model = build_model(capped, budget, scenario.limits)
    solver = Recorder()
    with naming(solver, one_lp=True), mock.patch.object(solver, "timeLimit", 1.0):
        try:  # only the LP's matrix is wanted: its stage may stop at the time limit
            optimise(model, capped, scenario, set(), solver)
        except SolverError:
            pass
    lp = solver.runs[0][1]
    ours = searches[0]  # the first budget's search, wall time: its re-solves and everything around them
    timings = {}
    for label, options in LP_SETS.items():
        seconds, status, _ = raw(lp, options, max(10.0, 20 * ours))
        timings[label] = (seconds, status == "Optimal", status)
    return [_row(n, name, "min-coverage: our search vs the one LP", lp, ours, timings)]


def _runs(n, name, runs) -> list[dict]:
    """Each of our runs against raw HiGHS on its own matrix."""
    rows, after = [], ""
    for stage, lp, ours, objective, status in runs:
        if stage == "+1M":
            after = ", +1M"
            continue
        mip = bool(len(lp.integrality_)) and any(
            t != highspy.HighsVarType.kContinuous for t in lp.integrality_
        )
        timings = {}
        for label, options in (MIP_SETS if mip else LP_SETS).items():
            seconds, theirs, value = raw(lp, options, max(10.0, 20 * ours))  # slower cannot win
            close = abs(value - objective) <= OBJECTIVE_TOL * max(1.0, abs(objective))
            # a search's re-solve may be infeasible (allocator.allocation.maxmin_search): so must the raw run be
            same = theirs == status == "Infeasible" or (theirs == "Optimal" and close)
            timings[label] = (seconds, same, theirs)
        rows.append(_row(n, name, stage + after, lp, ours, timings))
    return rows


def _row(n, name, stage, lp, ours, timings) -> dict:
    valid = {k: v[0] for k, v in timings.items() if v[1]}
    best = min(valid, key=valid.get) if valid else ""
    return {
        "n": n,
        "variant": name,
        "stage": stage,
        "columns": lp.num_col_,
        "rows": lp.num_row_,
        "ours": ours,
        "best": best,
        "best_seconds": valid.get(best, float("nan")),
        "ratio": ours / valid[best] if best else float("nan"),
        "all": timings,
    }


def main(argv: list[str]) -> None:
    only = argv[argv.index("--only") + 1] if "--only" in argv else ""  # e.g. --only "weighted|maxmin"
    sizes = [int(a) for a in argv if a.isdigit()] or [1000, 10000, 100000]
    print("| N | variant | stage | columns × rows | ours (s) | best raw HiGHS (s) | options | ours / best |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |")
    details = []
    for n in sizes:
        for r in measure(n, only):
            print(
                f"| {r['n']:,} | {r['variant']} | {r['stage']} | {r['columns']:,} × {r['rows']:,} | "
                f"{r['ours']:.3f} | {r['best_seconds']:.3f} | {r['best']} | {r['ratio']:.2f} |",
                flush=True,
            )
            details.append(r)
    print("\nEvery option set (seconds; ✗ = not a proven optimum or a different objective):")
    for r in details:
        cells = ", ".join(
            f"{k} {s:.3f}{'' if ok else ' ✗ ' + status}" for k, (s, ok, status) in r["all"].items()
        )
        print(f"- {r['n']:,} {r['variant']} stage {r['stage']}: {cells}")
    print(f"\nhighspy {highspy.__version__ if hasattr(highspy, '__version__') else ''}", np.__version__)


if __name__ == "__main__":
    main(sys.argv[1:])
