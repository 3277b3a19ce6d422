"""The solve stage against raw HiGHS on the same matrix, for the LP and MILP variants of the model.

    python -m benchmarks.solver [N ...] [--only VARIANT]     (default: 1000 10000 100000, every variant)

Each variant is the annual model of a seeded workload of N applications under one rule and set of
limits. Every solver run of its stages is captured as the matrix HiGHS was given (``getLp()``); the
same matrix is then passed to a fresh raw ``highspy.Highs`` under each option set below and timed.
"ours" is the run with the options :mod:`allocator.solve` chooses (``LP_OPTIONS`` / ``MIP_OPTIONS``),
timed the same way (``Highs.run()`` only). An option set whose answer is not a proven optimum, or
whose objective differs from ours by more than the money tolerance, is marked rather than counted.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import highspy
import numpy as np

from allocator.highs import BulkHiGHS
from allocator.model import SCALE, Budget, build_model, rebudget
from allocator.objectives import optimise
from allocator.policy import load_policy
from allocator.rules import caps
from allocator.scenario import Limits, load_scenario
from allocator.solve import DUAL_TOL, MONEY_TOL

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
    """Our solver, keeping each run's matrix and time."""

    def __init__(self, **kwargs) -> None:
        super().__init__(msg=False, timeLimit=TIME_LIMIT, gapRel=0.0, **kwargs)
        self.runs: list[tuple[highspy.HighsLp, float, float]] = []

    def callSolver(self, lp) -> None:
        started = time.perf_counter()
        super().callSolver(lp)
        seconds = time.perf_counter() - started
        h = lp.solverModel
        self.runs.append((h.getLp(), seconds, h.getInfo().objective_function_value))


def raw(lp: highspy.HighsLp, options: dict, limit: float = TIME_LIMIT) -> tuple[float, str, float]:
    """Seconds of ``run()``, model status, objective: a fresh Highs given the matrix. The status is
    "Optimal" only for an answer that meets the standard allocator's own answers must meet: HiGHS's
    maximum primal infeasibility within the money tolerance and, for an LP, its dual infeasibility
    within ``DUAL_TOL`` (:mod:`allocator.solve`). PDLP and interior point without crossover call an
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
        optimise(model, capped, scenario, set(), solver)
        more = replace(budget, available=budget.available + 1_000_000)  # what another million buys
        optimise(rebudget(model, more), capped, scenario, set(), solver)
        for stage, (lp, ours, objective) in enumerate(solver.runs, 1):
            mip = bool(len(lp.integrality_)) and any(
                t != highspy.HighsVarType.kContinuous for t in lp.integrality_
            )
            timings = {}
            for label, options in (MIP_SETS if mip else LP_SETS).items():
                seconds, status, value = raw(lp, options, max(10.0, 20 * ours))  # slower cannot win
                close = abs(value - objective) <= OBJECTIVE_TOL * max(1.0, abs(objective))
                timings[label] = (seconds, status == "Optimal" and close, status)
            valid = {k: v[0] for k, v in timings.items() if v[1]}
            best = min(valid, key=valid.get) if valid else ""
            rows.append(
                {
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
            )
    return rows


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
