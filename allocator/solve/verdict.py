"""Whether a solve ended in a proven optimum, and whether its answer is sound.

The checks :mod:`allocator.solve.run`'s docstring describes: the status read from HiGHS's model status or
PuLP's (:func:`termination`), anything but an optimum an error (:func:`require_optimal`), and every row and
bound recomputed on the answer read back (:func:`require_sound`); each failure a
:class:`~allocator.core.errors.SolverError` or :class:`~allocator.core.errors.InfeasibleError` in Chinese
and English."""

from __future__ import annotations

from enum import StrEnum
from itertools import chain

import numpy as np
import pulp

from ..core.errors import InfeasibleError, SolverError
from ..model.build import SCALE, Model
from ..model.highs import BulkHiGHS

MONEY_TOL = 0.5  # yuan: the most an answer may lie outside a row or bound before it is doubtful
DUAL_TOL = 1e-5  # an LP's dual infeasibility (HiGHS's own tolerance is 1e-7)
CBC_DIGITS = 1e-8  # relative: CBC writes its answer with 8 significant digits


class Termination(StrEnum):
    """How a solve ended, whichever solver ran (as linopy's ``TerminationCondition``)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    OTHER = "other"


# HiGHS's model statuses in Chinese (HighsModelStatus member names; the English is HiGHS's own text)
HIGHS_ZH = {
    "kOptimal": "最优",
    "kInfeasible": "无可行解",
    "kUnboundedOrInfeasible": "无界或无可行解",
    "kUnbounded": "无界",
    "kTimeLimit": "达到时间上限",
    "kIterationLimit": "达到迭代次数上限",
    "kSolutionLimit": "达到解的个数上限",
    "kObjectiveBound": "达到目标界",
    "kObjectiveTarget": "达到目标值",
    "kInterrupt": "被中断",
    "kHighsInterrupt": "被中断",
    "kMemoryLimit": "内存不足",
    "kNotset": "未求解",
    "kLoadError": "模型载入出错",
    "kModelError": "模型有误",
    "kPresolveError": "预处理出错",
    "kSolveError": "求解出错",
    "kPostsolveError": "后处理出错",
    "kModelEmpty": "模型为空",
    "kUnknown": "状态未知",
}


PULP_ZH = {
    pulp.LpStatusNotSolved: "未求解完成",
    pulp.LpStatusOptimal: "最优",
    pulp.LpStatusInfeasible: "无可行解",
    pulp.LpStatusUnbounded: "无界",
    pulp.LpStatusUndefined: "未定义",
}


SOLUTION_ZH = {
    pulp.LpSolutionNoSolutionFound: "未找到解",
    pulp.LpSolutionOptimal: "最优解",
    pulp.LpSolutionIntegerFeasible: "可行解（未证明最优）",
    pulp.LpSolutionInfeasible: "无可行解",
    pulp.LpSolutionUnbounded: "无界",
}


def solver_name(solver: pulp.LpSolver) -> str:
    return "HiGHS" if isinstance(solver, pulp.HiGHS) else "CBC"


def termination(model: Model, solver: pulp.LpSolver) -> tuple[Termination, str, str]:
    """How the last solve of ``model`` ended, with the solver's status in Chinese and in English."""
    problem = model.problem
    status, solution = problem.status, problem.sol_status
    h = getattr(problem, "solverModel", None) if isinstance(solver, pulp.HiGHS) else None
    if h is not None:
        code = h.getModelStatus()
        zh, en = HIGHS_ZH.get(code.name, code.name), h.modelStatusToString(code)
        kind = {
            "kOptimal": Termination.OPTIMAL,
            "kInfeasible": Termination.INFEASIBLE,
            # every allocator variable is bounded, by itself or its rows: "unbounded or infeasible"
            # can only be infeasible (allocator.model.highs maps it so)
            "kUnboundedOrInfeasible": Termination.INFEASIBLE,
            "kUnbounded": Termination.UNBOUNDED,
            "kTimeLimit": Termination.TIME_LIMIT,
            "kIterationLimit": Termination.ITERATION_LIMIT,
        }.get(code.name, Termination.OTHER)
        if kind is Termination.OPTIMAL and solution != pulp.LpSolutionOptimal:
            kind = Termination.OTHER
        return kind, zh, en
    zh = f"{PULP_ZH.get(status, status)}，{SOLUTION_ZH.get(solution, solution)}"
    en = f"{pulp.LpStatus.get(status, status)}, {pulp.LpSolution.get(solution, solution)}"
    if status == pulp.LpStatusOptimal and solution == pulp.LpSolutionOptimal:
        return Termination.OPTIMAL, zh, en
    if status == pulp.LpStatusInfeasible:
        return Termination.INFEASIBLE, zh, en
    if status == pulp.LpStatusUnbounded:
        return Termination.UNBOUNDED, zh, en
    if solver.timeLimit is not None and status in (pulp.LpStatusNotSolved, pulp.LpStatusOptimal):
        return Termination.TIME_LIMIT, zh, en  # CBC "Stopped on time": no other limit is ever set
    return Termination.OTHER, zh, en


def require_optimal(model: Model, solver: pulp.LpSolver, stage: str) -> None:
    kind, zh, en = termination(model, solver)
    name = solver_name(solver)
    if kind is Termination.OPTIMAL:
        return
    if kind is Termination.INFEASIBLE:
        raise InfeasibleError(
            "方案无可行解：约束互相矛盾（例如计划管理费用超过管理费用上限"
            f" {model.budget.admin_high:,} 元，或超过可用资金）",
            f"the scenario is infeasible ({stage} stage): its constraints contradict each other",
            "检查 [budget] admin_fixed / admin_per_application 与 annual_fund",
        )
    if kind is Termination.UNBOUNDED:
        raise SolverError(
            f"模型无界（阶段：{stage}，{name} 状态：{zh}）：目标可无限增大，有效的方案不应如此，未写出任何结果",
            f"the model is unbounded ({stage} stage, {name} status: {en}): the objective can grow "
            "without limit, which no valid scenario allows; nothing was written",
            "这是程序错误：请保留方案文件与申报数据并报告 / a bug: please report it with the scenario and the workbook",
        )
    if kind is Termination.TIME_LIMIT:
        limit = f"{float(solver.timeLimit):g}"
        gap = "；混合整数模型也可设 mip_gap 允许一定的最优性间隙" if model.mip else ""
        gap_en = "; a MILP may also allow a gap with [solver] mip_gap" if model.mip else ""
        raise SolverError(
            f"求解达到时间上限 {limit} 秒（[solver] time_limit），{name} 在阶段 {stage} 未能证明最优解"
            f"（状态：{zh}），未写出任何结果",
            f"{name} reached the time limit of {limit} s ([solver] time_limit) in the {stage} stage "
            f"before proving an optimum (status: {en}); nothing was written",
            f"在方案 [solver] 中调大 time_limit（当前 {limit} 秒），或删去该项不限时间{gap} / "
            f"raise [solver] time_limit (now {limit} s) or remove it{gap_en}",
        )
    limit = kind is Termination.ITERATION_LIMIT
    raise SolverError(
        f"求解器{'达到迭代次数上限，' if limit else ''}未能证明最优解（阶段：{stage}，{name} 状态：{zh}），"
        "未写出任何结果",
        f"the solver {'reached its iteration limit and ' if limit else ''}did not prove an optimum "
        f"({stage} stage, {name} status: {en}); nothing was written",
        cross_check(name),
    )


def cross_check(name: str) -> str:
    other = "cbc" if name == "HiGHS" else "highs"
    return (
        f'可在方案中设 [solver] name = "{other}" 用另一求解器复核；若仍出现，请保留方案文件与申报数据并报告 / '
        f'cross-check with [solver] name = "{other}"; if it persists, report it with the scenario and the workbook'
    )


def residuals(problem: pulp.LpProblem) -> tuple[list, np.ndarray, np.ndarray]:
    """:meth:`BulkHiGHS.residuals` for any solver, read from PuLP's rows: (the rows then their
    columns, excess in solver units ≥ 0, Σ|a_ij·x_j| per row and |x_j| per column)."""
    rows = list(problem._constraints.values())
    nnz = np.fromiter(map(len, rows), np.int64, len(rows))
    total = int(nnz.sum())
    coef = np.fromiter(chain.from_iterable(r.values() for r in rows), float, total)
    value = np.fromiter((v.varValue or 0.0 for r in rows for v in r), float, total)
    terms = coef * value
    which = np.repeat(np.arange(len(rows)), nnz)
    constant = np.fromiter((r.constant for r in rows), float, len(rows))
    activity = np.bincount(which, terms, minlength=len(rows)) + constant  # the row is activity ⋚ 0
    sense = np.fromiter((r.sense for r in rows), np.int64, len(rows))
    row_excess = np.select(
        [sense == pulp.LpConstraintLE, sense == pulp.LpConstraintGE], [activity, -activity], np.abs(activity)
    )
    columns = list(dict.fromkeys(chain.from_iterable(rows)))
    x = np.fromiter((v.varValue or 0.0 for v in columns), float, len(columns))
    low = np.fromiter((-np.inf if v.lowBound is None else v.lowBound for v in columns), float, len(columns))
    high = np.fromiter((np.inf if v.upBound is None else v.upBound for v in columns), float, len(columns))
    excess = np.concatenate([row_excess, np.maximum(low - x, x - high)]).clip(0.0)
    size = np.concatenate([np.bincount(which, np.abs(terms), minlength=len(rows)), np.abs(x)])
    return rows + columns, excess, size


def require_sound(model: Model, solver: pulp.LpSolver, stage: str) -> None:
    """A :class:`SolverError` when the proven optimum is numerically doubtful (module docstring)."""
    problem = model.problem
    reported: dict[str, float] = {}
    if isinstance(solver, BulkHiGHS) and getattr(problem, "_bulk_solver", None) is solver:
        items, excess, size = solver.residuals(problem)
        allowed = np.full(len(excess), MONEY_TOL / SCALE)
        info = problem.solverModel.getInfo()
        if info.num_primal_infeasibilities >= 0:
            reported["primal"] = float(info.max_primal_infeasibility)
        if info.num_dual_infeasibilities >= 0 and not model.mip:
            reported["dual"] = float(info.max_dual_infeasibility)
    else:
        items, excess, size = residuals(problem)
        digits = CBC_DIGITS if isinstance(solver, pulp.LpSolver_CMD) else 0.0
        allowed = MONEY_TOL / SCALE + digits * size
    bad = np.flatnonzero(excess > allowed)
    primal_bad = reported.get("primal", 0.0) * SCALE > MONEY_TOL
    dual_bad = reported.get("dual", 0.0) > DUAL_TOL
    if not len(bad) and not primal_bad and not dual_bad:
        return
    name = solver_name(solver)
    zh, en = [], []
    if len(bad):
        worst = int(bad[np.argmax(excess[bad])])
        where_zh, where_en = _where(model, items[worst])
        more_zh = f"（共 {len(bad)} 处超出）" if len(bad) > 1 else ""
        more_en = f" ({len(bad)} rows or bounds outside)" if len(bad) > 1 else ""
        zh.append(
            f"按求解结果重算，{where_zh}超出 {excess[worst] * SCALE:,.2f} 元，"
            f"容许 {allowed[worst] * SCALE:,.2f} 元{more_zh}"
        )
        en.append(
            f"recomputed from the answer, {where_en} is off by {excess[worst] * SCALE:,.2f} yuan, "
            f"tolerance {allowed[worst] * SCALE:,.2f} yuan{more_en}"
        )
    if reported:
        primal = reported.get("primal", 0.0) * SCALE
        dual = reported.get("dual")
        zh.append(
            f"HiGHS 报告最大原始不可行度 {primal:.4g} 元（容许 {MONEY_TOL:g} 元）"
            + (f"、最大对偶不可行度 {dual:.3g}（容许 {DUAL_TOL:g}）" if dual is not None else "")
        )
        en.append(
            f"HiGHS reports a max primal infeasibility of {primal:.4g} yuan (tolerance {MONEY_TOL:g})"
            + (
                f" and a max dual infeasibility of {dual:.3g} (tolerance {DUAL_TOL:g})"
                if dual is not None
                else ""
            )
        )
    raise SolverError(
        f"数值上可疑的解（阶段：{stage}，求解器 {name}）：" + "；".join(zh) + "，未写出任何结果",
        f"numerically doubtful answer ({stage} stage, solver {name}): "
        + "; ".join(en)
        + "; nothing was written",
        cross_check(name),
    )


def _where(model: Model, item) -> tuple[str, str]:
    if isinstance(item, pulp.LpVariable):
        return f"变量 {item.name} 的上下限", f"the bounds of variable {item.name}"
    bound = model.bounds.get(item.name)
    label = f"（{bound.zh}）" if bound is not None else ""
    return f"约束 {item.name}{label}", f"constraint {item.name}"
