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
from operator import attrgetter

import numpy as np
import pulp

from . import timing
from .errors import InfeasibleError, SolverError
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


#: HiGHS options for this model's structure (benchmarks/README.md has the measurements behind them).
HIGHS_OPTIONS: dict[str, object] = {}


class BulkHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface, with the model handed over in bulk.

    PuLP's own ``buildSolverModel`` adds one column per Python call, and ``LpProblem.variables()`` walks
    and sorts every constraint several times per solve: at 100,000 applications that is most of a
    second per solve for a knapsack HiGHS finishes in a few hundredths. This class builds the same
    model (same columns in PuLP's order, by name; same rows; zero coefficients dropped) from arrays
    in one ``addCols`` and one ``addRows`` call, and reads the solution back the same way. Everything
    else (options, statuses, ``lp.solverModel``) is PuLP's.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.build_seconds = 0.0  # PuLP problem → HiGHS model, last solve
        self.run_seconds = 0.0  # HiGHS's own run, last solve

    def actualSolve(self, lp):  # type: ignore[override]
        started = time.perf_counter()
        self.createAndConfigureSolver(lp)
        columns = self.buildSolverModel(lp)
        ran = time.perf_counter()
        self.callSolver(lp)
        self.run_seconds = time.perf_counter() - ran
        status, sol_status = self._read_solution(lp, columns)
        lp.assignStatus(status, sol_status)
        self.build_seconds = time.perf_counter() - started - self.run_seconds
        return status

    def buildSolverModel(self, lp) -> list[pulp.LpVariable]:  # type: ignore[override]
        import highspy

        inf = highspy.kHighsInf
        objective = lp.objective if lp.objective is not None else pulp.LpAffineExpression()
        rows = list(lp._constraints.values())
        seen = dict.fromkeys(objective)
        for row in rows:
            seen.update(dict.fromkeys(row))
        columns = sorted(seen, key=attrgetter("name"))  # PuLP's column order, so answers do not move
        for i, var in enumerate(columns):
            var.index = i
        n = len(columns)
        lower = np.fromiter((-inf if v.lowBound is None else v.lowBound for v in columns), float, n)
        upper = np.fromiter((inf if v.upBound is None else v.upBound for v in columns), float, n)
        cost = np.zeros(n)
        index = attrgetter("index")
        if len(objective):
            where = np.fromiter(map(index, objective.keys()), np.int64, len(objective))
            sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            np.add.at(cost, where, sign * np.fromiter(objective.values(), float, len(objective)))
        h = lp.solverModel
        h.addCols(n, cost, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        if self.mip:
            integer = np.flatnonzero(np.fromiter((v.cat == pulp.LpInteger for v in columns), bool, n))
            if len(integer):
                kind = np.full(len(integer), highspy.HighsVarType.kInteger.value, dtype=np.uint8)
                h.changeColsIntegrality(len(integer), integer.astype(np.int32), kind)
        if rows:
            self._add_rows(h, rows, index, inf)
        return columns

    @staticmethod
    def _add_rows(h, rows: list, index, inf: float) -> None:
        starts, indices, values, low, high = [0], [], [], [], []
        for i, row in enumerate(rows):
            k = len(row)
            col = np.fromiter(map(index, row.keys()), np.int32, k)
            coef = np.fromiter(row.values(), float, k)
            keep = coef != 0
            indices.append(col[keep])
            values.append(coef[keep])
            starts.append(starts[-1] + int(keep.sum()))
            lb, ub = row.getLb(), row.getUb()
            low.append(-inf if lb is None else lb)
            high.append(inf if ub is None else ub)
            row.index = i
        h.addRows(
            len(rows),
            np.array(low),
            np.array(high),
            starts[-1],
            np.array(starts[:-1], dtype=np.int32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.concatenate(values) if values else np.zeros(0),
        )

    def _read_solution(self, lp, columns: list[pulp.LpVariable]) -> tuple[int, int]:
        import highspy

        h = lp.solverModel
        status = h.getModelStatus()
        solution = h.getSolution()
        for var, value in zip(columns, solution.col_value, strict=False):
            var.varValue = value
            var.modified = False
        values, duals = solution.row_value, solution.row_dual
        for row in lp._constraints.values():
            if row.index < len(values):
                row.slack = row.constant + values[row.index]
                if row.sense == pulp.LpConstraintLE:
                    row.slack *= -1.0
                row.pi = duals[row.index]
            row.modifier = False
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if status == S.kUnbounded:
            return pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        if status in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kObjectiveBound, S.kObjectiveTarget):
            return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible  # stopped early: never "optimal"
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


def make_solver(name: str = "highs", time_limit: float | None = None, mip_gap: float = 0.0) -> pulp.LpSolver:
    """HiGHS, else CBC. ``mip_gap`` is the relative gap a MILP may stop at (0: proven optimum)."""
    if name == "highs":
        highs = BulkHiGHS(msg=False, timeLimit=time_limit, gapRel=mip_gap, **HIGHS_OPTIONS)
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
