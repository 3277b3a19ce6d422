"""The one place that calls a solver: HiGHS through PuLP (highspy), CBC when HiGHS is missing.

Anything but a proven optimum is a :class:`SolverError`. PuLP maps HiGHS's time-limit and
iteration-limit stops to ``LpStatusOptimal`` with a merely feasible solution, so the check reads
the solution status too, and for HiGHS the model status itself.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import pulp

from . import timing
from .errors import InfeasibleError, SolverError
from .highs import BulkHiGHS
from .model import SCALE, Model


@dataclass(frozen=True)
class Solved:
    awards: np.ndarray  # yuan (float, unrounded) for model.rows
    admin: float  # yuan
    objective: float
    seconds: float
    solver: str
    version: str
    gap: float | None = None  # relative MIP gap proven (None for an LP)


def make_solver(name: str = "highs", time_limit: float | None = None, mip_gap: float = 0.0) -> pulp.LpSolver:
    """HiGHS, else CBC. ``mip_gap`` is the relative gap a MILP may stop at (0: proven optimum)."""
    if name == "highs":
        highs = BulkHiGHS(msg=False, timeLimit=time_limit, gapRel=mip_gap)
        if highs.available():
            return highs
    coin = pulp.COIN_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap)  # a CBC on the PATH or from cbcbox
    if coin.available():
        return coin
    with warnings.catch_warnings():  # PuLP 3 still ships CBC but calls the bundled copy deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap)
    if cbc.available():
        return cbc
    raise SolverError(
        "找不到可用的求解器（HiGHS 或 CBC）",
        "no solver available (neither HiGHS through highspy nor CBC)",
        "pip install highspy",
    )


def solver_version(solver: pulp.LpSolver) -> str:
    if isinstance(solver, pulp.HiGHS):
        return f"highspy {metadata.version('highspy')}"
    return f"CBC (pulp {pulp.__version__})"


def solve(model: Model, solver: pulp.LpSolver, stage: str = "value") -> Solved:
    started = time.perf_counter()
    try:
        model.problem.solve(solver)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"求解器运行失败：{exc}", f"the solver failed: {exc}") from None
    seconds = time.perf_counter() - started
    if isinstance(solver, BulkHiGHS):
        timing.add("build", solver.build_seconds)  # PuLP problem → HiGHS
        timing.add("solve", solver.run_seconds)
    else:
        timing.add("solve", seconds)
    _require_optimal(model, solver, stage)
    awards = np.array([v.varValue or 0.0 for v in model.x], dtype=float) * SCALE
    return Solved(
        awards=awards,
        admin=(model.admin.varValue or 0.0) * SCALE,
        objective=float(pulp.value(model.problem.objective) or 0.0),
        seconds=seconds,
        solver="HiGHS" if isinstance(solver, pulp.HiGHS) else "CBC",
        version=solver_version(solver),
        gap=_gap(model, solver),
    )


def _gap(model: Model, solver: pulp.LpSolver) -> float | None:
    if not model.mip:
        return None
    if isinstance(solver, pulp.HiGHS) and getattr(model.problem, "solverModel", None) is not None:
        return float(model.problem.solverModel.getInfo().mip_gap)
    return float(solver.optionsDict.get("gapRel") or 0.0)  # CBC proved the gap it was asked for


def _require_optimal(model: Model, solver: pulp.LpSolver, stage: str) -> None:
    problem = model.problem
    status = pulp.LpStatus.get(problem.status, str(problem.status))
    proven = problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal
    if proven and isinstance(solver, pulp.HiGHS) and getattr(problem, "solverModel", None) is not None:
        import highspy

        proven = problem.solverModel.getModelStatus() == highspy.HighsModelStatus.kOptimal
        status = problem.solverModel.modelStatusToString(problem.solverModel.getModelStatus())
    if proven:
        return
    if problem.status == pulp.LpStatusInfeasible:
        raise InfeasibleError(
            "方案无可行解：约束互相矛盾（例如计划管理费用超过条款（十九）规定的年度资金1%，或超过可用资金）",
            f"the scenario is infeasible ({stage} stage): its constraints contradict each other",
            "检查 [budget] admin_fixed / admin_per_application 与 annual_fund",
        )
    raise SolverError(
        f"求解器未能证明最优解（阶段：{stage}，状态：{status}），未写出任何结果",
        f"the solver did not prove an optimum ({stage} stage, status {status}); nothing was written",
        "可在方案 [solver] 中放宽 time_limit / raise [solver] time_limit",
    )
