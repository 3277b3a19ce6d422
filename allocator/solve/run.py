"""The one place that calls a solver: HiGHS through PuLP (highspy), CBC when HiGHS is missing.

Anything but a proven optimum is an error, and nothing is written:

- a time limit reached (``[solver] time_limit``), an unbounded or other non-optimal status: a
  :class:`SolverError` naming the status in Chinese and English; an infeasible model: an
  :class:`InfeasibleError` (the pipeline then says which limits conflict, allocator.allocation.diagnose).
  PuLP maps HiGHS's time-limit and iteration-limit stops to ``LpStatusOptimal`` with a merely
  feasible solution, so the check reads the solution status too, and for HiGHS the model status;
- a numerically doubtful answer: every row and column is checked again on the values read back
  (allocator.model.highs keeps HiGHS's rows as arrays; for CBC they are read from PuLP's rows)::

      excess_r = max(low_r − Σ_j a_rj·x_j, Σ_j a_rj·x_j − high_r, 0)   (the same for a column's bounds)
      doubtful  when  SCALE·excess_r > MONEY_TOL + SCALE·CBC_DIGITS·Σ_j |a_rj·x_j|

  (the last term for CBC only, which writes its answer with 8 significant digits), and for HiGHS
  also when its own maximum primal infeasibility is above ``MONEY_TOL`` in yuan or its maximum dual
  infeasibility (an LP) above ``DUAL_TOL``;
- a missing solver: ``[solver] name = "highs"`` (the default) falls back to CBC when highspy is
  missing, as the shipped scenarios say ("不可用时自动改用 CBC"), and every output names the solver
  that ran; ``name = "cbc"`` asks for CBC only; neither available is a :class:`SolverError` with
  the ``pip`` command that fixes it.

A command-line solver (CBC) writes the model and reads its answer through files; they go to a
temporary folder of their own, removed after each solve, whether it succeeded or failed.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import metadata
from itertools import chain

import numpy as np
import pulp

from ..core import timing
from ..core.errors import InfeasibleError, SolverError
from ..model.build import SCALE, Model
from ..model.highs import DUAL, BulkHiGHS

MONEY_TOL = 0.5  # yuan: the most an answer may lie outside a row or bound before it is doubtful
DUAL_TOL = 1e-5  # an LP's dual infeasibility (HiGHS's own tolerance is 1e-7)
CBC_DIGITS = 1e-8  # relative: CBC writes its answer with 8 significant digits
CBC_FIX = 'python -m pip install "pulp[cbc]"'
HIGHS_FIX = "python -m pip install highspy"


@dataclass(frozen=True)
class Fallback:
    """One retry of a stage whose solve ended without an answer (``options``: HiGHS's, on the same
    model from nothing; None: CBC, on PuLP's model)."""

    key: str
    zh: str
    en: str
    options: dict[str, object] | None


#: A stage whose HiGHS run ends without an answer — a status HiGHS cannot name (kUnknown), a solve or
#: postsolve error, an iteration limit — is retried with these, in this order, before it is an error.
#: The first run that ends with a definite status (optimal; infeasible, unbounded, the scenario's
#: time limit) stands and is checked as any first run is. A time limit reached, infeasible, unbounded
#: or a numerically doubtful answer is never retried: those are the model's or the scenario's.
FALLBACKS: tuple[Fallback, ...] = (
    Fallback("presolve", "从头求解（预处理，对偶单纯形）", "from nothing with presolve (dual simplex)",
             {"solver": "simplex", "presolve": "on", "simplex_strategy": DUAL}),
    Fallback("ipm", "内点法加交叉（从头求解）", "interior point with crossover, from nothing",
             {"solver": "ipm", "presolve": "on", "run_crossover": "on"}),
    Fallback("cbc", "CBC", "CBC", None),
)  # fmt: skip


@dataclass(frozen=True)
class Retry:
    """One fallback run (:data:`FALLBACKS`): the stage, what the run before it ended with, how it ended."""

    stage: str
    attempt: str  # Fallback.key
    after_zh: str  # the status that sent the stage on to this attempt
    after_en: str
    status_zh: str  # this attempt's own end ("最优" when it rescued the stage)
    status_en: str
    rescued: bool
    seconds: float
    solver: str = ""  # "HiGHS" or "CBC" (version included), "" when it could not run

    def as_dict(self) -> dict:
        """For summary.json's manifest."""
        return {
            "stage": self.stage,
            "attempt": self.attempt,
            "after": self.after_en,
            "status": self.status_en,
            "rescued": self.rescued,
            "seconds": round(self.seconds, 3),
            "solver": self.solver,
        }

    def zh(self) -> str:
        """For the 参数 sheet's solver line."""
        how = {f.key: f.zh for f in FALLBACKS}.get(self.attempt, self.attempt)
        end = "得到最优解" if self.rescued else f"仍未成功（{self.status_zh}）"
        return f"阶段 {self.stage} 状态「{self.after_zh}」，改用{how}{end}"


RETRIED = frozenset({"other", "iteration_limit"})  # Termination values a fallback is tried for


@dataclass(frozen=True)
class Solved:
    awards: np.ndarray  # yuan (float, unrounded) for model.rows
    admin: float  # yuan
    objective: float
    seconds: float
    solver: str
    version: str
    gap: float | None = None  # relative MIP gap proven (None for an LP)


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


# -- which solver ---------------------------------------------------------------------------------


def make_solver(name: str = "highs", time_limit: float | None = None, mip_gap: float = 0.0) -> pulp.LpSolver:
    """``highs``: HiGHS, else CBC; ``cbc``: CBC only. ``mip_gap`` is the relative gap a MILP may stop
    at (0: proven optimum)."""
    if name not in ("highs", "cbc"):
        raise SolverError(f"不支持的求解器 {name!r}", f"unsupported solver {name!r}", "highs 或 cbc")
    if name == "highs" and highs_available():
        return BulkHiGHS(msg=False, timeLimit=time_limit, gapRel=mip_gap)
    cbc = _cbc(time_limit, mip_gap)
    if cbc is not None:
        return cbc
    if name == "cbc":
        raise SolverError(
            '找不到方案指定的求解器 CBC（[solver] name = "cbc"），未写出任何结果',
            'the scenario asks for CBC ([solver] name = "cbc"), which is not available; nothing was written',
            f"{CBC_FIX}；或删去 [solver] name，使用 HiGHS / or remove [solver] name to use HiGHS",
        )
    raise SolverError(
        "找不到可用的求解器：HiGHS（highspy）与 CBC 均不可用，未写出任何结果",
        "no solver available: neither HiGHS (the highspy package) nor CBC; nothing was written",
        f"{HIGHS_FIX}（推荐 / recommended）；或 / or {CBC_FIX}",
    )


def highs_available() -> bool:
    """True when highspy imports (PuLP decides HiGHS's availability once, when it is imported)."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return BulkHiGHS(msg=False).available()


def _cbc(time_limit: float | None, mip_gap: float) -> pulp.LpSolver | None:
    coin = pulp.COIN_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap)  # a CBC on the PATH or from cbcbox
    if coin.available():
        return coin
    with warnings.catch_warnings():  # PuLP 3 still ships CBC but calls the bundled copy deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap)
    return cbc if cbc.available() else None


def solver_name(solver: pulp.LpSolver) -> str:
    return "HiGHS" if isinstance(solver, pulp.HiGHS) else "CBC"


def solver_version(solver: pulp.LpSolver) -> str:
    """``highspy 1.15.1``; ``cbc 2.10.3 (pulp 3.3.2)`` for the CBC shipped with PuLP."""
    if isinstance(solver, pulp.HiGHS):
        return f"highspy {metadata.version('highspy')}"
    own = f"cbc {_cbc_version(str(solver.path))}"
    return f"{own} (pulp {pulp.__version__})" if isinstance(solver, pulp.PULP_CBC_CMD) else own


@cache
def _cbc_version(path: str) -> str:
    try:
        banner = subprocess.run(
            [path, "-quit"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "(version unknown)"
    found = re.search(r"Version:\s*(\S+)", banner)
    return found.group(1) if found else "(version unknown)"


# -- one solve ------------------------------------------------------------------------------------


def solve(model: Model, solver: pulp.LpSolver, stage: str = "value") -> Solved:
    seconds, used = _run_or_retry(model, solver, stage, (Termination.OPTIMAL,))
    _require_optimal(model, used, stage)
    with timing.stage("solve"):
        _require_sound(model, used, stage)
    awards = np.array([v.varValue or 0.0 for v in model.x], dtype=float) * SCALE
    return Solved(
        awards=awards,
        admin=(model.admin.varValue or 0.0) * SCALE,
        objective=float(pulp.value(model.problem.objective) or 0.0),
        seconds=seconds,
        solver=solver_name(solver),
        version=solver_version(solver),
        gap=_gap(model, used),
    )


def feasible(model: Model, solver: pulp.LpSolver, stage: str) -> tuple[bool, float]:
    """Solve ``model`` as :func:`solve` does, to learn whether it is feasible: (False, seconds) for
    an infeasible model, where :func:`solve` raises; (True, seconds) for a proven optimum; any other
    end raises as in :func:`solve`. The answer itself is not checked: a search that asks this
    (allocator.allocation.maxmin_search) ends with a stage that :func:`solve` checks."""
    seconds, used = _run_or_retry(model, solver, stage, (Termination.OPTIMAL, Termination.INFEASIBLE))
    if termination(model, used)[0] is Termination.INFEASIBLE:
        return False, seconds
    _require_optimal(model, used, stage)
    return True, seconds


def _run_or_retry(
    model: Model, solver: pulp.LpSolver, stage: str, answers: tuple[Termination, ...]
) -> tuple[float, pulp.LpSolver]:
    """One run, and where HiGHS ended it without an answer (:data:`RETRIED`) the fallbacks in turn
    (:data:`FALLBACKS`) until one ends with a definite status. Returns (seconds of every run, the
    solver whose run stands). Each fallback is booked in :mod:`allocator.core.timing` as
    ``retry <stage> (<key>)`` and kept on ``solver.retries``; when every one ends without an answer
    too, a :class:`SolverError` names the stage and each attempt."""
    seconds = _run(model, solver, stage)
    kind, zh, en = termination(model, solver)
    if kind not in RETRIED or not isinstance(solver, BulkHiGHS):
        return seconds, solver
    tried = [(f"HiGHS（{stage} 阶段的选项）", f"HiGHS ({stage} stage's options)", zh, en)]
    for fallback in FALLBACKS:
        runner = _fallback_solver(solver, fallback)
        if runner is None:
            tried.append((fallback.zh, fallback.en, "不可用", "not available"))
            solver.retries.append(Retry(stage, fallback.key, zh, en, "不可用", "not available", False, 0.0))
            continue
        try:
            took = _run(model, runner, stage, f"retry {stage} ({fallback.key})")
        finally:
            solver.retry = None
        seconds += took
        if runner is not solver:
            solver.forget_basis(model.problem)  # the HiGHS model holds the run that failed
        next_kind, next_zh, next_en = termination(model, runner)
        solver.retries.append(
            Retry(
                stage, fallback.key, zh, en, next_zh, next_en, next_kind in answers, took,
                f"{solver_name(runner)} {solver_version(runner)}",
            )
        )  # fmt: skip
        if next_kind not in RETRIED:
            return seconds, runner
        tried.append((fallback.zh, fallback.en, next_zh, next_en))
        kind, zh, en = next_kind, next_zh, next_en
    raise SolverError(
        f"求解器未能证明最优解（阶段：{stage}），依次尝试均未成功："
        + "；".join(f"{i}. {a_zh}：{s_zh}" for i, (a_zh, _, s_zh, _) in enumerate(tried, 1))
        + "，未写出任何结果",
        f"the solver did not prove an optimum ({stage} stage); every attempt failed: "
        + "; ".join(f"{i}. {a_en}: {s_en}" for i, (_, a_en, _, s_en) in enumerate(tried, 1))
        + "; nothing was written",
        "请保留方案文件与申报数据并报告 / please report it with the scenario and the workbook",
    )


def _fallback_solver(solver: BulkHiGHS, fallback: Fallback) -> pulp.LpSolver | None:
    """The solver that runs ``fallback``: ``solver`` itself with the fallback's options for one run,
    or CBC with the same time limit and gap (None when CBC is not available)."""
    if fallback.options is not None:
        solver.retry = dict(fallback.options)
        return solver
    return _cbc(solver.timeLimit, float(solver.optionsDict.get("gapRel") or 0.0))


def _run(model: Model, solver: pulp.LpSolver, stage: str, book: str | None = None) -> float:
    """One solver run, its time booked (allocator.core.timing: build and solve, or all of it as ``book``);
    returns its seconds."""
    started = time.perf_counter()
    with _scratch(solver):
        try:
            model.problem.solve(solver)
        except pulp.PulpSolverError as exc:
            raise SolverError(
                f"求解器 {solver_name(solver)} 运行失败（阶段：{stage}）：{exc}，未写出任何结果",
                f"the solver {solver_name(solver)} failed ({stage} stage): {exc}; nothing was written",
                f"检查求解器的安装 / check the solver's installation: {HIGHS_FIX}",
            ) from None
    seconds = time.perf_counter() - started
    if book is not None:
        timing.add(book, seconds)
    elif isinstance(solver, BulkHiGHS):
        timing.add("build", solver.build_seconds)  # PuLP problem → HiGHS
        timing.add("solve", solver.run_seconds)
    else:
        timing.add("solve", seconds)
    return seconds


@contextmanager
def _scratch(solver: pulp.LpSolver) -> Iterator[None]:
    """A command-line solver's files (``<uuid>-pulp.mps``, ``.sol``) in a folder of their own, removed
    after the solve even when it fails (PuLP leaves them behind when CBC fails)."""
    if not isinstance(solver, pulp.LpSolver_CMD) or solver.keepFiles:
        yield
        return
    previous = solver.tmpDir
    with tempfile.TemporaryDirectory(prefix="allocator-solver-", ignore_cleanup_errors=True) as folder:
        solver.tmpDir = folder
        try:
            yield
        finally:
            solver.tmpDir = previous


def _gap(model: Model, solver: pulp.LpSolver) -> float | None:
    if not model.mip:
        return None
    if isinstance(solver, pulp.HiGHS) and getattr(model.problem, "solverModel", None) is not None:
        return float(model.problem.solverModel.getInfo().mip_gap)
    return float(solver.optionsDict.get("gapRel") or 0.0)  # CBC proved the gap it was asked for


# -- a proven optimum -----------------------------------------------------------------------------


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


def _require_optimal(model: Model, solver: pulp.LpSolver, stage: str) -> None:
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
        _cross_check(name),
    )


def _cross_check(name: str) -> str:
    other = "cbc" if name == "HiGHS" else "highs"
    return (
        f'可在方案中设 [solver] name = "{other}" 用另一求解器复核；若仍出现，请保留方案文件与申报数据并报告 / '
        f'cross-check with [solver] name = "{other}"; if it persists, report it with the scenario and the workbook'
    )


# -- a sound answer -------------------------------------------------------------------------------


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


def _require_sound(model: Model, solver: pulp.LpSolver, stage: str) -> None:
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
        _cross_check(name),
    )


def _where(model: Model, item) -> tuple[str, str]:
    if isinstance(item, pulp.LpVariable):
        return f"变量 {item.name} 的上下限", f"the bounds of variable {item.name}"
    bound = model.bounds.get(item.name)
    label = f"（{bound.zh}）" if bound is not None else ""
    return f"约束 {item.name}{label}", f"constraint {item.name}"
