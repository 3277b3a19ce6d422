"""PuLP's HiGHS interface, with the model handed over in bulk and re-solves started where the last ended.

PuLP's own ``buildSolverModel`` adds one column per Python call, ``LpProblem.variables()`` walks and
sorts every constraint several times per solve, and every solve builds a new HiGHS model from
nothing: at 100,000 applications far more than HiGHS needs for the solve itself, and a lexicographic rule solves the same model several times (a stage, a hold row,
the next stage; the re-solves for another million and the shadow price move one right-hand side).

:class:`BulkHiGHS` builds the same model as PuLP (columns in PuLP's order, by name; the same rows;
zero coefficients dropped) from arrays in one ``addCols`` and one ``addRows`` call. On the next solve
of the same problem it changes only what changed: rows added at the end (a hold, tie-break rows), rows
taken off the end (:func:`allocator.model.stages.rebudget`), right-hand sides, the objective; new columns go
after the old ones. A column's bounds are read when it is added, and again only where the model says it
moved them (:func:`bounds_moved`: maxmin holds its coverage as lower bounds); reading every column's
bounds on every solve would cost more than some solves. HiGHS then starts from the last basis (an LP)
or the last solution (a MILP, as its first incumbent). Anything it cannot follow — a row changed in place,
rows reordered — is rebuilt from nothing, as PuLP would.

The rows are kept as arrays (column, coefficient, bounds) as they were handed over, so that
:meth:`BulkHiGHS.residuals` can check the answer read back against the model PuLP holds, without
walking PuLP's rows again (allocator.solve.run's check of a numerically doubtful answer).

Options (measured by ``python -m benchmarks.solver``; figures in benchmarks/README.md):

- a new LP: the interior-point method, presolve off, crossover on. Presolve finds little in a
  knapsack and costs up to half the solve; simplex took 40 times longer on the max-min coverage rows;
  crossover ends on a vertex, so the optimum is exact and its basis starts the next stage;
- PDLP is not used: its "optimal" answers lay outside a row by whole yuan, and crossover from them
  to a vertex was fast on one model and a hundred times slower on the same model a million yuan later;
- a rule's next stage (rows added: a hold, tie-break rows): the primal simplex from the last basis,
  presolve off. The last answer satisfies every new row (a hold at the optimum just found, a tie row
  at z = 0), so the old basis with the new rows' slacks is primal feasible and the primal simplex goes
  on from it. From ``LARGE_STAGE_FROM`` columns up it is solved from nothing with presolve instead,
  which is faster there;
- a changed right-hand side (the next million, a sweep's next budget): the dual simplex from the last
  basis, which stays dual feasible;
- rows taken off with bounds raised in their place (maxmin's floors from the one LP): as a new LP;
- a search's feasibility question (maxmin's coverage, allocator.allocation.maxmin_search: only bounds move between
  re-solves): the dual simplex from the last basis, presolve off, with a primal feasibility tolerance
  of 1e-9 instead of HiGHS's 1e-7 (``PROBE_OPTIONS``), so that floors found feasible leave the stages
  after the search room within theirs. The first re-solve starts from nothing. Presolve first was
  tried: it leaves no basis and no ray when it finds the floors infeasible. Each re-solve keeps the
  value stage's objective: from its basis, HiGHS's dual ray of an infeasible re-solve named the exact
  t* at once, where with no objective it named none. Interior point for a re-solve with no basis ended
  in a segmentation fault inside highspy 1.16 (not pursued);
- a rule's stage or a re-solve with no basis to go on from (the model was built, or its rows replaced,
  and the search then found its floors without solving): as a new LP;
- a MILP (a minimum award: x = 0 or m ≤ x ≤ cap): presolve off. With it, HiGHS had not proved the
  optimum of a 100,000-application MILP within minutes; without it, it proves it at the root.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import pulp

DUAL, PRIMAL = 1, 4  # HiGHS's simplex_strategy: the dual simplex (its default), the primal simplex
TOLERANCE = 1e-7  # HiGHS's primal feasibility tolerance (its default; solver units, 0.001 yuan) …
PROBE_TOLERANCE = 1e-9  # … and a search's, so that what it finds feasible the stages after it find too
LP_OPTIONS: dict[str, object] = {
    "solver": "ipm",
    "presolve": "off",
    "run_crossover": "on",
    "simplex_strategy": DUAL,
    "primal_feasibility_tolerance": TOLERANCE,
}
STAGE_OPTIONS: dict[str, object] = {
    "solver": "simplex",
    "presolve": "off",
    "simplex_strategy": PRIMAL,
    "primal_feasibility_tolerance": TOLERANCE,
}
RESOLVE_OPTIONS: dict[str, object] = {**STAGE_OPTIONS, "simplex_strategy": DUAL}
#: From this many columns up, a rule's next stage is solved from nothing with presolve (``LARGE_STAGE_OPTIONS``)
#: instead of continuing by the primal simplex: the weighted tie-break took 0.10 s warm against 0.27 s at
#: 100,000 applications, 0.53 s against 0.56 s at 300,000, and 5.4 s against 2.0 s at 1,000,000.
LARGE_STAGE_FROM = 300_000
LARGE_STAGE_OPTIONS: dict[str, object] = {**RESOLVE_OPTIONS, "presolve": "on"}
PROBE_OPTIONS: dict[str, object] = {**RESOLVE_OPTIONS, "primal_feasibility_tolerance": PROBE_TOLERANCE}
MIP_OPTIONS: dict[str, object] = {
    "presolve": "off",
    "simplex_strategy": DUAL,
    "primal_feasibility_tolerance": TOLERANCE,
}

_index = attrgetter("index")


def bounds_moved(lp: pulp.LpProblem, variables) -> None:
    """Note that ``variables``' bounds changed since the last solve of ``lp``: the next solve through
    :class:`BulkHiGHS` passes their new bounds to the HiGHS model it keeps. (Other solvers read every
    bound from PuLP on every solve and need no note, nor does a problem BulkHiGHS has not yet built.)"""
    if getattr(lp, "_bulk_highs", None) is not None:
        lp.__dict__.setdefault("_bulk_moved", []).extend(variables)


@dataclass
class _State:
    """What the HiGHS model held after the last solve of a problem."""

    columns: list = field(default_factory=list)  # LpVariable per HiGHS column
    position: dict = field(default_factory=dict)  # LpVariable -> column
    rows: list = field(default_factory=list)  # LpConstraint per HiGHS row
    sizes: list = field(default_factory=list)  # coefficients per row, as given
    constants: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mip: bool = False
    fresh: bool = True  # no run since the model was built or its solver cleared: no basis to go on from
    # the matrix as handed over: per row its non-zero count, then columns and coefficients row by row
    nnz: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_high: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_high: np.ndarray = field(default_factory=lambda: np.zeros(0))


@contextmanager
def quiet_stdout():
    """File descriptor 1 to the null device for the block (what C++ code prints there is dropped);
    Python's own buffered output is flushed first, so nothing of ours is lost."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 (a service without a console): nothing to keep quiet
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


class BulkHiGHS(pulp.HiGHS):
    """HiGHS through PuLP, built from arrays and updated in place between solves (module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.build_seconds = 0.0  # PuLP problem → HiGHS model, last solve
        self.run_seconds = 0.0  # HiGHS's own run, last solve
        self.probing = False  # a search's re-solves (allocator.allocation.maxmin_search) take PROBE_OPTIONS
        self.retry: dict[str, object] | None = None  # a fallback's options (allocator.solve.run.FALLBACKS)
        self.retries: list = []  # every fallback this solver ran (allocator.solve.run.Retry), for the manifest

    def createAndConfigureSolver(self, lp):  # type: ignore[override]
        """PuLP's, with the licence banner HiGHS prints from its constructor ("Running HiGHS 1.16.0 …
        Copyright …") kept off the office's console: the constructor writes it to file descriptor 1
        before any option can switch logging off, so that descriptor points at the null device for
        the constructor alone."""
        with quiet_stdout():
            super().createAndConfigureSolver(lp)

    def actualSolve(self, lp):  # type: ignore[override]
        import highspy

        started = time.perf_counter()
        mode = self.sync(lp)
        state: _State = lp._bulk_highs
        h = lp.solverModel
        options = {None: LP_OPTIONS, "first": LP_OPTIONS, "stage": STAGE_OPTIONS, "warm": RESOLVE_OPTIONS}
        if mode in ("stage", "warm") and state.fresh:
            mode = "first"  # nothing to go on from (a search found its floors without solving)
        chosen = MIP_OPTIONS if state.mip else options[mode]
        if mode == "stage" and not state.mip and len(state.columns) >= LARGE_STAGE_FROM:
            h.clearSolver()
            chosen = LARGE_STAGE_OPTIONS
        if self.probing and not state.mip:
            chosen = PROBE_OPTIONS
        saved: dict[str, object] = {}
        if self.retry is not None:  # a fallback: from nothing, the model's base options and its own
            h.clearSolver()
            chosen = {**(MIP_OPTIONS if state.mip else LP_OPTIONS), **self.retry}
            if self.probing and not state.mip:
                chosen["primal_feasibility_tolerance"] = PROBE_TOLERANCE
            saved = {key: h.getOptionValue(key)[1] for key in chosen}  # put back after the run
        for key, value in {**chosen, **self.optionsDict}.items():  # the caller's own options win
            h.setOptionValue(key, value)
        if self.timeLimit is not None:
            h.setOptionValue("time_limit", float(self.timeLimit))
        ran = time.perf_counter()
        try:
            self.callSolver(lp)
        finally:
            for key, value in saved.items():  # a later stage sets only the options its own set names
                h.setOptionValue(key, value)
        state.fresh = False
        self.run_seconds = time.perf_counter() - ran
        status, sol_status = self._read_solution(lp, state, highspy)
        lp.assignStatus(status, sol_status)
        self.build_seconds = time.perf_counter() - started - self.run_seconds
        return status

    def forget_basis(self, lp) -> None:
        """The next solve of ``lp`` starts as a new LP, not from the last run (after another solver
        answered in HiGHS's place, the HiGHS model holds a run that ended without an optimum)."""
        state: _State | None = getattr(lp, "_bulk_highs", None)
        if state is not None and getattr(lp, "_bulk_solver", None) is self:
            lp.solverModel.clearSolver()
            state.fresh = True

    def sync(self, lp) -> str | None:
        """Bring the HiGHS model this solver keeps for ``lp`` in line with it, without solving, and
        say how the next solve starts (:meth:`_update`; None: a model built from nothing). The
        arrays of the model as handed over are then ``lp._bulk_highs`` (:class:`_State`)."""
        state: _State | None = getattr(lp, "_bulk_highs", None)
        mode = None
        if (
            state is not None
            and getattr(lp, "solverModel", None) is not None
            and getattr(lp, "_bulk_solver", None) is self
        ):
            mode = self._update(lp, state)
        if mode is None:
            lp.__dict__.pop("_bulk_moved", None)  # a new model reads every bound
            self.createAndConfigureSolver(lp)
            state = self._build(lp)
            lp._bulk_highs, lp._bulk_solver = state, self
        assert state is not None
        if mode == "first" and not state.mip:
            lp.solverModel.clearSolver()  # rows replaced: the old basis says little about the new model
            state.fresh = True
        return mode

    # -- a model from nothing -------------------------------------------------------------------

    def _build(self, lp) -> _State:
        objective = lp.objective if lp.objective is not None else pulp.LpAffineExpression()
        rows = list(lp._constraints.values())
        seen = dict.fromkeys(objective)
        for row in rows:
            seen.update(dict.fromkeys(row))
        state = _State()
        self._add_columns(lp, state, sorted(seen, key=attrgetter("name")))  # PuLP's order
        self._add_rows(lp.solverModel, state, rows)
        self._set_objective(lp, state)
        return state

    def _add_columns(self, lp, state: _State, columns: list) -> None:
        import highspy

        if not columns:
            return
        inf = highspy.kHighsInf
        first, n = len(state.columns), len(columns)
        for i, var in enumerate(columns, first):
            var.index = i
            state.position[var] = i
        state.columns += columns
        lower = np.fromiter((-inf if v.lowBound is None else v.lowBound for v in columns), float, n)
        upper = np.fromiter((inf if v.upBound is None else v.upBound for v in columns), float, n)
        state.col_low = np.concatenate([state.col_low, lower])
        state.col_high = np.concatenate([state.col_high, upper])
        h = lp.solverModel
        empty = np.zeros(0, np.int32)
        h.addCols(n, np.zeros(n), lower, upper, 0, empty, empty, np.zeros(0))
        integer = np.flatnonzero(np.fromiter((v.cat == pulp.LpInteger for v in columns), bool, n))
        if self.mip and len(integer):
            kind = np.full(len(integer), highspy.HighsVarType.kInteger.value, dtype=np.uint8)
            h.changeColsIntegrality(len(integer), (integer + first).astype(np.int32), kind)
            state.mip = True

    @staticmethod
    def _add_rows(h, state: _State, rows: list) -> None:
        import highspy

        if not rows:
            return
        inf = highspy.kHighsInf
        starts, indices, values, low, high = [0], [], [], [], []
        for i, row in enumerate(rows, len(state.rows)):
            k = len(row)
            col = np.fromiter(map(_index, row.keys()), np.int32, k)
            coef = np.fromiter(row.values(), float, k)
            keep = coef != 0
            indices.append(col[keep])
            values.append(coef[keep])
            starts.append(starts[-1] + int(keep.sum()))
            lb, ub = row.getLb(), row.getUb()
            low.append(-inf if lb is None else lb)
            high.append(inf if ub is None else ub)
            row.index = i
            state.sizes.append(k)
        state.rows += rows
        state.constants = np.concatenate([state.constants, [r.constant for r in rows]])
        index, value = np.concatenate(indices), np.concatenate(values)
        state.nnz = np.concatenate([state.nnz, np.diff(starts)])
        state.index = np.concatenate([state.index, index])
        state.coef = np.concatenate([state.coef, value])
        state.row_low = np.concatenate([state.row_low, low])
        state.row_high = np.concatenate([state.row_high, high])
        h.addRows(
            len(rows),
            np.array(low),
            np.array(high),
            starts[-1],
            np.array(starts[:-1], dtype=np.int32),
            index,
            value,
        )

    @staticmethod
    def _set_objective(lp, state: _State) -> None:
        objective = lp.objective if lp.objective is not None else pulp.LpAffineExpression()
        n = len(state.columns)
        cost = np.zeros(n)
        if len(objective):
            where = np.fromiter(map(_index, objective.keys()), np.int64, len(objective))
            sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            np.add.at(cost, where, sign * np.fromiter(objective.values(), float, len(objective)))
        lp.solverModel.changeColsCost(n, np.arange(n, dtype=np.int32), cost)

    # -- the same model, changed ----------------------------------------------------------------

    def _update(self, lp, state: _State) -> str | None:
        """Bring the HiGHS model in line with ``lp``. Returns "warm" when only right-hand sides, bounds
        or the objective changed, or rows came off the end (a re-solve); "stage" when rows were added
        (a rule's next stage); "first" when rows came off and others were added (a rule's first stage
        again, after :func:`~allocator.model.stages.rebudget`), or came off with bounds moved in their place
        (maxmin's floors); None when only a rebuild can."""
        import highspy

        h = lp.solverModel
        rows = list(lp._constraints.values())
        kept = 0
        for old, new in zip(state.rows, rows, strict=False):
            if old is not new:
                break
            kept += 1
        if any(len(state.rows[i]) != state.sizes[i] for i in range(kept)):
            return None  # a row's coefficients changed in place
        dropped = len(state.rows) - kept
        if dropped:
            if set(map(id, state.rows[kept:])) & set(map(id, rows[kept:])):
                return None  # rows reordered, not only taken off the end
            h.deleteRows(dropped, np.arange(kept, len(state.rows), dtype=np.int32))
            del state.rows[kept:], state.sizes[kept:]
            state.constants = state.constants[:kept]
            end = int(state.nnz[:kept].sum())
            state.nnz, state.index, state.coef = state.nnz[:kept], state.index[:end], state.coef[:end]
            state.row_low, state.row_high = state.row_low[:kept], state.row_high[:kept]
        constants = np.fromiter((r.constant for r in state.rows), float, kept)
        moved = np.flatnonzero(constants != state.constants)
        if len(moved):
            inf = highspy.kHighsInf
            low = [state.rows[i].getLb() for i in moved]
            high = [state.rows[i].getUb() for i in moved]
            low_new = np.array([-inf if v is None else v for v in low], dtype=float)
            high_new = np.array([inf if v is None else v for v in high], dtype=float)
            h.changeRowsBounds(len(moved), moved.astype(np.int32), low_new, high_new)
            state.row_low[moved], state.row_high[moved] = low_new, high_new
            state.constants = constants
        moved = self._move_bounds(h, state, lp.__dict__.pop("_bulk_moved", ()))
        objective = lp.objective if lp.objective is not None else pulp.LpAffineExpression()
        fresh: dict = {}
        for expr in (objective, *rows[kept:]):
            fresh.update((v, None) for v in expr if v not in state.position)
        self._add_columns(lp, state, list(fresh))
        self._add_rows(h, state, rows[kept:])
        self._set_objective(lp, state)
        if state.mip:
            previous = np.fromiter((v.varValue or 0.0 for v in state.columns), float, len(state.columns))
            h.setSolution(len(previous), np.arange(len(previous), dtype=np.int32), previous)
        if len(rows) == kept:  # bounds raised in place of rows (maxmin's floors): the old basis is far off
            return "first" if moved and dropped else "warm"
        return "first" if dropped else "stage"  # rows replaced (rebudget, a rule's first stage) or added

    @staticmethod
    def _move_bounds(h, state: _State, moved) -> int:
        """Pass the bounds of the columns :func:`bounds_moved` named (those already in the model);
        returns how many."""
        import highspy

        columns = np.fromiter(
            dict.fromkeys(state.position[v] for v in moved if v in state.position), np.int32
        )
        if not len(columns):
            return 0
        inf = highspy.kHighsInf
        variables = [state.columns[i] for i in columns]
        low = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
        high = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
        h.changeColsBounds(len(columns), columns, low, high)
        state.col_low[columns], state.col_high[columns] = low, high
        return len(columns)

    # -- the answer -------------------------------------------------------------------------------

    @staticmethod
    def residuals(lp) -> tuple[list, np.ndarray, np.ndarray]:
        """How far the answer lies outside each row's and then each column's bounds (solver units, ≥ 0),
        recomputed from the columns' values as PuLP holds them, with each row's Σ|a_ij·x_j| (|x_j| for
        a column). Returns (the rows then the columns, excess, size), in HiGHS's order.

            activity_r = Σ_j a_rj·x_j,   excess_r = max(low_r − activity_r, activity_r − high_r, 0)
        """
        state: _State = lp._bulk_highs
        n = len(state.columns)
        x = np.fromiter((v.varValue or 0.0 for v in state.columns), float, n)
        which = np.repeat(np.arange(len(state.rows)), state.nnz)
        terms = state.coef * x[state.index]
        activity = np.bincount(which, terms, minlength=len(state.rows))
        size = np.bincount(which, np.abs(terms), minlength=len(state.rows))
        rows = np.maximum(state.row_low - activity, activity - state.row_high)
        cols = np.maximum(state.col_low - x, x - state.col_high)
        excess = np.concatenate([rows, cols]).clip(0.0)
        return state.rows + state.columns, excess, np.concatenate([size, np.abs(x)])

    @staticmethod
    def _read_solution(lp, state: _State, highspy) -> tuple[int, int]:
        h = lp.solverModel
        status = h.getModelStatus()
        solution = h.getSolution()
        for var, value in zip(state.columns, solution.col_value, strict=False):
            var.varValue = value
        values, duals = solution.row_value, solution.row_dual
        for i, row in enumerate(state.rows):
            if i < len(values):
                row.slack = row.constant + values[i]
                if row.sense == pulp.LpConstraintLE:
                    row.slack *= -1.0
                row.pi = duals[i]
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
