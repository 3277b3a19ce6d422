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
from functools import cache
from importlib import metadata

import numpy as np
import pulp

from ..core import timing
from ..core.errors import SolverError
from ..model.build import SCALE, Model
from ..model.highs import DUAL, BulkHiGHS
from .verdict import (
    Termination,
    require_optimal,
    require_sound,
    solver_name,
    termination,
)

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
    require_optimal(model, used, stage)
    with timing.stage("solve"):
        require_sound(model, used, stage)
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
    require_optimal(model, used, stage)
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
