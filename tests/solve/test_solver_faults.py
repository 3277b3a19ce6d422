"""Solver faults (allocator.solve.run): each a clear error in Chinese and English, nothing written.

A time limit reached, an unbounded or other non-optimal status, an infeasible scenario, a missing
solver (CBC when HiGHS is missing; the outputs say which ran), a numerically doubtful answer; and
CBC's scratch files removed whether the solve succeeds or fails. Each through ``allocator run`` as
well as at the function level.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pulp
import pytest

from allocator.allocation.allocate import allocate
from allocator.allocation.evaluate import caps
from allocator.cli.main import main
from allocator.config.scenario import Limits
from allocator.core.errors import InfeasibleError, SolverError
from allocator.model.build import SCALE, Budget, Model, build_model
from allocator.model.highs import BulkHiGHS
from allocator.solve.run import make_solver, solve
from allocator.solve.verdict import MONEY_TOL, residuals
from tests.builders import POLICY, frame, row, scenario, valid_code, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "changchun-2017.toml"
TINY = 1e-9  # seconds: HiGHS and CBC both stop before they start


# -- inputs ---------------------------------------------------------------------------------------


def applications(n: int) -> list[dict]:
    """``n`` hire applications, 2,000 yuan per hire (caps 2,000 … 34,000), scores 50 … 86."""
    return [row(f"A{i:04d}", "c13-hire", eligible_hires=1 + i % 17, score=50 + i % 37) for i in range(n)]


def rules_frame(n: int):
    return caps(frame(applications(n)), POLICY, scenario()).frame


def scenario_file(
    tmp_path: Path, n: int = 8, solver: str = 'name = "highs"\n', extra: str = "", score: int | None = None
) -> Path:
    """The shipped scenario on a small workbook, with its ``[solver]`` table replaced (``score``: every
    application's, instead of 60, 61, …)."""
    apps = [
        {
            "application_id": f"H{i}",
            "applicant": f"长春{i}号信息技术有限公司",
            "credit_code": valid_code(100 + i),
            "district": "朝阳区",
            "item": "c13-hire",
            "certified": "是",
            "eligible_hires": 5 + 3 * i,
            "score": 60 + i if score is None else score,
        }
        for i in range(n)
    ]
    book = write_workbook(tmp_path / "apps.xlsx", apps)
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "data/changchun-2017-applications.xlsx", book.as_posix()
    )
    text, found = re.subn(r"(?m)^\[solver\]\n(?:name = .*\n)?", "[solver]\n" + solver, text)
    assert found == 1
    path = tmp_path / "s.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def run(tmp_path: Path, scenario_path: Path, capsys) -> tuple[int, str, str, Path]:
    out = tmp_path / "out"
    code = main(["run", str(scenario_path), "--out", str(out)])
    printed = capsys.readouterr()
    return code, printed.out, printed.err, out


def assert_fails_cleanly(code: int, err: str, out: Path, *needles: str) -> None:
    assert code == 2
    assert "错误：" in err and "Error:" in err and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()  # nothing written


def hand_built(sense: int = pulp.LpMaximize, budget_row: str = "unbounded") -> Model:
    """A one-application model built by hand: unbounded (x only bounded below) or infeasible."""
    problem = pulp.LpProblem("hand_built", sense)
    x = problem.add_variable("x0000000", lowBound=0)
    admin = problem.add_variable("admin", lowBound=0, upBound=0)
    if budget_row == "unbounded":
        problem += (x - admin >= 0, "budget_city")
    else:
        problem += (x + admin <= -1, "budget_city")
    problem.setObjective(x)
    return Model(problem, [x], np.array([0]), admin, pulp.LpAffineExpression([(x, 1.0)]), Budget(0, 0, 0))


@pytest.fixture
def no_highspy(monkeypatch):
    """HiGHS missing: ``import highspy`` fails."""
    monkeypatch.setitem(sys.modules, "highspy", None)


@pytest.fixture
def no_cbc(monkeypatch):
    """CBC missing: neither on the PATH nor shipped with PuLP (PULP_CBC_CMD asks COIN_CMD)."""
    monkeypatch.setattr(pulp.COIN_CMD, "available", lambda self: False)


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The system's temporary folder, for this test only (tempfile and PuLP's own default)."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.delenv("TMP", raising=False)
    return folder


def solver_leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if "-pulp." in p.name or p.name.startswith("allocator-solver-")]


# -- 1. a time limit reached ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("solver", "min_award"),
    [("highs", 0), ("highs", 10_000), ("cbc", 10_000)],  # CBC may finish an LP before it looks at the clock
)
def test_time_limit_reached_is_an_error_naming_the_limit(solver, min_award):
    sc = scenario(annual_fund=1_000_000, solver=solver, time_limit=TINY, limits=Limits(min_award=min_award))
    for _ in range(5):  # the same answer every time: the solver stops before it starts
        with pytest.raises(SolverError) as err:
            allocate(sc, POLICY, frame(applications(300)), next_million=False)
        e = err.value
        assert "时间上限 1e-09 秒" in e.zh and "[solver] time_limit" in e.zh
        assert "time limit of 1e-09 s" in e.en and "nothing was written" in e.en
        assert "调大 time_limit" in e.hint and "raise [solver] time_limit" in e.hint
        assert ("mip_gap" in e.hint) == bool(min_award)


def test_time_limit_through_the_cli_writes_nothing(tmp_path, capsys):
    path = scenario_file(
        tmp_path, solver='name = "highs"\ntime_limit = 1e-9\n', extra="\n[limits]\nmin_award = 10_000\n"
    )
    code, _, err, out = run(tmp_path, path, capsys)
    assert_fails_cleanly(
        code, err, out, "求解达到时间上限 1e-09 秒", "reached the time limit", "调大 time_limit"
    )


# -- 2. unbounded, infeasible, another status ------------------------------------------------------


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_an_unbounded_model_is_a_solver_error_naming_the_status(solver):
    with pytest.raises(SolverError) as err:
        solve(hand_built(), make_solver(solver), "value")
    e = err.value
    assert "模型无界" in e.zh and "无界" in e.zh.split("状态：")[1]
    assert "unbounded" in e.en and "Unbounded" in e.en
    assert "Traceback" not in e.render() and e.render().startswith("错误：")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_an_infeasible_model_is_an_infeasible_error(solver):
    with pytest.raises(InfeasibleError, match="无可行解"):
        solve(hand_built(budget_row="infeasible"), make_solver(solver), "value")


def test_an_iteration_limit_is_retried_and_the_answer_checked_as_any(no_cbc):
    """Iteration limits of 0 (the caller's options hold for every fallback too): the warm run stops at
    once; HiGHS's presolve, from nothing, then settles this small knapsack without an iteration."""
    expected = solve(build_model(rules_frame(40), Budget(100_000, 0, 1_000)), make_solver("highs"), "value")
    model = build_model(rules_frame(40), Budget(100_000, 0, 1_000))
    solver = BulkHiGHS(msg=False, ipm_iteration_limit=0, simplex_iteration_limit=0)
    solved = solve(model, solver, "value")
    (retry,) = solver.retries
    assert (retry.attempt, retry.rescued, retry.after_zh) == ("presolve", True, "达到迭代次数上限")
    np.testing.assert_allclose(solved.awards, expected.awards, atol=MONEY_TOL)
    assert round(solved.awards.sum()) == 100_000  # the fund, spent whole (no administration planned)


def test_contradicting_limits_through_the_cli_name_the_conflict(tmp_path, capsys):
    path = scenario_file(tmp_path, n=3)
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("annual_fund = 20_000_000", "annual_fund = 10_000"),
        ("admin_fixed = 50_000", "admin_fixed = 0"),
        ("admin_per_application = 100", "admin_per_application = 0"),
    ):
        assert old in text
        text = text.replace(old, new)
    # H2: 11 hires at 2,000 yuan, decided in full: 22,000 yuan against 10,000 available
    text += '\n[[override]]\napplication_id = "H2"\naward = "cap"\nreason = "会议决定"\n'
    path.write_text(text, encoding="utf-8")
    code, _, err, out = run(tmp_path, path, capsys)
    assert_fails_cleanly(code, err, out, "方案约束互相矛盾", "contradict", "12,000")


# -- 3. a missing solver --------------------------------------------------------------------------


def test_cbc_runs_when_highs_is_missing(no_highspy):
    solver = make_solver("highs")
    assert isinstance(solver, pulp.COIN_CMD)
    r = allocate(scenario(annual_fund=300_000), POLICY, frame(applications(30)), next_million=False)
    assert r.solver.name == "CBC" and r.solver.version.startswith("cbc ")


def test_explicit_cbc_runs_cbc_and_names_its_version():
    r = allocate(
        scenario(annual_fund=300_000, solver="cbc"), POLICY, frame(applications(30)), next_million=False
    )
    assert r.solver.name == "CBC"
    assert re.fullmatch(r"cbc \d+\.\d+(\.\d+)? \(pulp .+\)", r.solver.version), r.solver.version


def test_cli_says_cbc_ran_in_the_console_the_params_sheet_and_summary_json(
    tmp_path, capsys, no_highspy, scratch
):
    code, printed, err, out = run(tmp_path, scenario_file(tmp_path), capsys)
    assert code == 0, err
    line = next(s for s in printed.splitlines() if s.startswith("求解器："))
    assert line.startswith("求解器：CBC cbc ") and "未找到 HiGHS，已自动改用 CBC" in line
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["solver"]["name"] == "CBC" and summary["solver"]["version"].startswith("cbc ")
    sheet = openpyxl.load_workbook(out / "allocation.xlsx", read_only=True)["参数"]
    found = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == "求解器"]
    assert found and found[0][1] == "CBC" and str(found[0][2]).startswith("cbc ")
    assert solver_leftovers(scratch) == []  # CBC's .mps/.sol went to a folder removed after each solve


def test_cli_with_explicit_cbc_says_so_without_a_fallback_note(tmp_path, capsys):
    code, printed, err, _ = run(tmp_path, scenario_file(tmp_path, solver='name = "cbc"\n'), capsys)
    assert code == 0, err
    line = next(s for s in printed.splitlines() if s.startswith("求解器："))
    assert line.startswith("求解器：CBC cbc ") and "改用" not in line


def test_neither_highs_nor_cbc_is_an_error_with_the_fix(no_highspy, no_cbc):
    with pytest.raises(SolverError) as err:
        make_solver("highs")
    e = err.value
    assert "HiGHS" in e.zh and "CBC" in e.zh and "neither HiGHS" in e.en
    assert "pip install highspy" in e.hint and 'pip install "pulp[cbc]"' in e.hint


def test_explicit_cbc_missing_is_an_error_naming_it(no_cbc):
    with pytest.raises(SolverError) as err:
        make_solver("cbc")
    assert '[solver] name = "cbc"' in err.value.zh and 'pip install "pulp[cbc]"' in err.value.hint


def test_no_solver_through_the_cli_writes_nothing(tmp_path, capsys, no_highspy, no_cbc):
    code, _, err, out = run(tmp_path, scenario_file(tmp_path), capsys)
    assert_fails_cleanly(code, err, out, "找不到可用的求解器", "no solver available", "pip install highspy")


# -- 4. a numerically doubtful answer --------------------------------------------------------------


def nudge_admin_after_highs(monkeypatch, yuan: float, above_bound: bool = False) -> None:
    """HiGHS "optimal", but the administration read back is ``yuan`` more (or above its bound)."""
    original = BulkHiGHS._read_solution

    def doubtful(lp, state, highspy):
        out = original(lp, state, highspy)
        admin = next(v for v in state.columns if v.name == "admin")
        admin.varValue = (admin.upBound if above_bound else admin.varValue) + yuan / SCALE
        return out

    monkeypatch.setattr(BulkHiGHS, "_read_solution", staticmethod(doubtful))


def nudge_admin_after_cbc(monkeypatch, yuan: float) -> None:
    original = pulp.COIN_CMD.actualSolve

    def doubtful(self, lp, **kwargs):
        status = original(self, lp, **kwargs)
        admin = lp.variablesDict()["admin"]
        admin.varValue += yuan / SCALE
        return status

    monkeypatch.setattr(pulp.COIN_CMD, "actualSolve", doubtful)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_an_answer_over_the_budget_row_is_numerically_doubtful(solver, monkeypatch):
    (nudge_admin_after_highs if solver == "highs" else nudge_admin_after_cbc)(monkeypatch, 12.5)
    model = build_model(rules_frame(300), Budget(1_000_000, 0, 10_000))  # oversubscribed: the row binds
    with pytest.raises(SolverError) as err:
        solve(model, make_solver(solver), "value")
    e = err.value
    assert e.zh.startswith("数值上可疑的解（阶段：value")
    assert "约束 budget_city（可用资金" in e.zh and "超出 12.50 元" in e.zh
    assert re.search(r"容许 0\.5\d 元", e.zh)  # CBC's also allows 1e-8 of the row's 1,000,000 yuan
    assert "constraint budget_city is off by 12.50 yuan" in e.en


def test_a_little_under_the_money_tolerance_is_not_doubtful(monkeypatch):
    nudge_admin_after_highs(monkeypatch, MONEY_TOL * 0.8)
    model = build_model(rules_frame(300), Budget(1_000_000, 0, 10_000))
    solved = solve(model, make_solver("highs"), "value")
    assert solved.admin == pytest.approx(MONEY_TOL * 0.8)


@pytest.mark.parametrize(
    ("primal", "dual", "needle"),
    [(2e-4, 0.0, "最大原始不可行度 2 元"), (0.0, 1e-3, "最大对偶不可行度 0.001")],
)
def test_highs_own_infeasibility_figures_make_an_answer_doubtful(monkeypatch, primal, dual, needle):
    import highspy

    real = highspy.Highs.getInfo

    def info(self):
        out = real(self)
        out.max_primal_infeasibility, out.num_primal_infeasibilities = primal, int(primal > 0)
        out.max_dual_infeasibility, out.num_dual_infeasibilities = dual, int(dual > 0)
        return out

    monkeypatch.setattr(highspy.Highs, "getInfo", info)
    with pytest.raises(SolverError, match="数值上可疑的解") as err:
        solve(build_model(rules_frame(40), Budget(100_000, 0, 1_000)), make_solver("highs"), "value")
    assert needle in err.value.zh and "HiGHS reports" in err.value.en


def test_a_doubtful_answer_through_the_cli_writes_nothing(tmp_path, capsys, monkeypatch):
    nudge_admin_after_highs(monkeypatch, 3.0, above_bound=True)  # administration 3 yuan above clause 19
    code, _, err, out = run(tmp_path, scenario_file(tmp_path), capsys)
    assert_fails_cleanly(
        code, err, out, "数值上可疑的解", "变量 admin 的上下限超出 3.00 元", "numerically doubtful"
    )


def test_cbc_eight_significant_digits_are_not_doubtful():
    """CBC writes 123456.79 for 123456.789012 (10 yuan over the bound in solver units of 10,000 yuan):
    its print precision is allowed for, so a 12-亿 answer is not called doubtful."""
    problem = pulp.LpProblem("large", pulp.LpMaximize)
    x = problem.add_variable("x0000000", lowBound=0, upBound=123456.789012)
    admin = problem.add_variable("admin", lowBound=0, upBound=1 / 3)
    problem += (x + admin <= 123456.789012 + 1 / 3, "budget_city")
    problem.setObjective(x + admin)
    model = Model(problem, [x], np.array([0]), admin, pulp.LpAffineExpression([(x, 1.0)]), Budget(0, 0, 0))
    solved = solve(model, make_solver("cbc"), "value")
    assert abs(solved.awards[0] - 1_234_567_890.12) < 100


def test_residuals_from_pulp_rows_match_the_highs_arrays():
    model = build_model(rules_frame(120), Budget(400_000, 0, 4_000), Limits(min_award=10_000))
    solver = make_solver("highs")
    solve(model, solver, "value")
    ours, theirs = solver.residuals(model.problem), residuals(model.problem)
    rows = len(model.problem._constraints)
    assert [r.name for r in ours[0][:rows]] == [r.name for r in theirs[0][:rows]]
    np.testing.assert_allclose(ours[1][:rows], theirs[1][:rows], atol=1e-9)
    np.testing.assert_allclose(ours[2][:rows], theirs[2][:rows], rtol=1e-12)
    assert ours[1].max() * SCALE < MONEY_TOL


# -- the solver's scratch files -------------------------------------------------------------------


def test_cbc_files_go_to_a_folder_removed_after_a_solve(scratch, monkeypatch):
    solver = make_solver("cbc")
    seen = []
    original = pulp.COIN_CMD.actualSolve

    def spy(self, lp, **kwargs):
        seen.append(self.tmpDir)
        return original(self, lp, **kwargs)

    monkeypatch.setattr(pulp.COIN_CMD, "actualSolve", spy)
    solve(build_model(rules_frame(40), Budget(100_000, 0, 1_000)), solver, "value")
    assert Path(seen[0]).parent == scratch and Path(seen[0]).name.startswith("allocator-solver-")
    assert solver.tmpDir == str(scratch)  # PuLP's own default, put back
    assert list(scratch.iterdir()) == []


def test_cbc_files_are_removed_when_cbc_fails(scratch, tmp_path):
    broken = tmp_path / "cbc"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    solver = make_solver("cbc")
    solver.path = str(broken)
    with pytest.raises(SolverError) as err:
        solve(build_model(rules_frame(40), Budget(100_000, 0, 1_000)), solver, "value")
    assert "求解器 CBC 运行失败" in err.value.zh and "failed" in err.value.en
    assert list(scratch.iterdir()) == []  # PuLP left its .mps behind; the folder went with it


def test_cbc_files_are_removed_when_the_status_is_not_optimal(scratch):
    model = build_model(rules_frame(40), Budget(100_000, 0, 1_000), Limits(min_award=10_000))  # a MILP
    with pytest.raises(SolverError, match="时间上限"):
        solve(model, make_solver("cbc", TINY), "value")
    assert list(scratch.iterdir()) == []


# -- 5. a stage that ends without an answer, retried (allocator.solve.run.FALLBACKS) ---------------------


def spoil_runs(monkeypatch, which) -> list[str]:
    """HiGHS reports "unknown" (kUnknown: what issue 16 saw in the tie-break) after every run that
    ``which(solver, lp)`` picks; returns the log of runs (``retry`` key or "first") as they happen."""
    import highspy

    real_call, real_status = BulkHiGHS.callSolver, highspy.Highs.getModelStatus
    spoiled: set[int] = set()
    runs: list[str] = []

    def call(self, lp):
        real_call(self, lp)
        runs.append("first" if self.retry is None else str(self.retry["solver"]))
        (spoiled.add if which(self, lp) else spoiled.discard)(id(lp.solverModel))

    def status(h):
        return highspy.HighsModelStatus.kUnknown if id(h) in spoiled else real_status(h)

    monkeypatch.setattr(BulkHiGHS, "callSolver", call)
    monkeypatch.setattr(highspy.Highs, "getModelStatus", status)
    return runs


def tie_rows(lp) -> bool:
    return any(name.startswith("tie_") for name in lp._constraints)


def tied_applications(n: int) -> list[dict]:
    """``n`` hire applications of one value class (score 70), caps 2,000 … 34,000 yuan."""
    return [row(f"T{i:04d}", "c13-hire", eligible_hires=1 + i % 17, score=70) for i in range(n)]


def test_a_tie_break_ending_unknown_is_rescued_by_the_first_fallback(monkeypatch):
    sc = scenario(annual_fund=300_000)
    apps = frame(tied_applications(60))
    expected = allocate(sc, POLICY, apps, next_million=False)
    runs = spoil_runs(monkeypatch, lambda solver, lp: solver.retry is None and tie_rows(lp))
    from allocator.core import timing

    with timing.recording() as seconds:
        got = allocate(sc, POLICY, apps, next_million=False)
    assert runs == ["first", "first", "simplex"]  # value, tie-break (spoiled), tie-break from nothing
    np.testing.assert_array_equal(got.table["award"].to_numpy(), expected.table["award"].to_numpy())
    assert got.summary.awarded == expected.summary.awarded == 300_000  # the fund, spent whole
    (retry,) = got.solver.retries
    assert (retry.stage, retry.attempt, retry.rescued) == ("tie-break", "presolve", True)
    assert (retry.after_zh, retry.after_en, retry.status_zh) == ("状态未知", "Unknown", "最优")
    assert got.solver.name == "HiGHS" and retry.solver.startswith("HiGHS highspy ")
    assert "retry tie-break (presolve)" in seconds and "solve" in seconds


def test_a_stage_every_highs_fallback_fails_is_rescued_by_cbc(monkeypatch):
    sc = scenario(annual_fund=300_000)
    apps = frame(tied_applications(60))
    expected = allocate(sc, POLICY, apps, next_million=False)
    runs = spoil_runs(monkeypatch, lambda solver, lp: tie_rows(lp))
    got = allocate(sc, POLICY, apps, next_million=True)  # the next stages go on after CBC's answer
    assert runs[:4] == ["first", "first", "simplex", "ipm"]
    np.testing.assert_array_equal(got.table["award"].to_numpy(), expected.table["award"].to_numpy())
    first = got.solver.retries[:3]
    assert [(r.attempt, r.rescued) for r in first] == [("presolve", False), ("ipm", False), ("cbc", True)]
    assert first[2].solver.startswith("CBC cbc ") and got.solver.name == "HiGHS"
    assert got.next_million is not None  # another million and the shadow price: their tie-breaks by CBC too
    assert {r.stage for r in got.solver.retries} == {"tie-break"}


def test_a_stage_every_fallback_fails_is_an_error_naming_the_stage_and_each_attempt(monkeypatch):
    spoil_runs(monkeypatch, lambda solver, lp: tie_rows(lp))
    original = pulp.COIN_CMD.actualSolve

    def no_answer(self, lp, **kwargs):
        status = original(self, lp, **kwargs)
        lp.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
        return status

    monkeypatch.setattr(pulp.COIN_CMD, "actualSolve", no_answer)
    with pytest.raises(SolverError) as err:
        allocate(scenario(annual_fund=300_000), POLICY, frame(tied_applications(60)), next_million=False)
    e = err.value
    assert e.zh == (
        "求解器未能证明最优解（阶段：tie-break），依次尝试均未成功：1. HiGHS（tie-break 阶段的选项）：状态未知；"
        "2. 从头求解（预处理，对偶单纯形）：状态未知；3. 内点法加交叉（从头求解）：状态未知；"
        "4. CBC：未求解完成，未找到解，未写出任何结果"
    )
    assert e.en == (
        "the solver did not prove an optimum (tie-break stage); every attempt failed: 1. HiGHS (tie-break "
        "stage's options): Unknown; 2. from nothing with presolve (dual simplex): Unknown; 3. interior point "
        "with crossover, from nothing: Unknown; 4. CBC: Not Solved, No Solution Found; nothing was written"
    )
    assert "报告" in e.hint and "report" in e.hint


def test_a_rescued_stage_is_in_the_manifest_the_params_sheet_and_timings(tmp_path, capsys, monkeypatch):
    path = scenario_file(tmp_path, n=12, score=70)
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("annual_fund = 20_000_000", "annual_fund = 300_000"),
        ("admin_fixed = 50_000", "admin_fixed = 0"),
        ("admin_per_application = 100", "admin_per_application = 0"),
    ):
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    spoil_runs(monkeypatch, lambda solver, lp: solver.retry is None and tie_rows(lp))
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out), "--timings"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "retry tie-break (presolve)" in printed.out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    retries = summary["manifest"]["solver"]["retries"]
    assert retries and {r["stage"] for r in retries} == {"tie-break"}
    assert retries[0]["attempt"] == "presolve" and retries[0]["after"] == "Unknown" and retries[0]["rescued"]
    sheet = openpyxl.load_workbook(out / "allocation.xlsx", read_only=True)["参数"]
    line = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "求解器")
    assert (
        line[1] == "HiGHS"
        and "阶段 tie-break 状态「状态未知」，改用从头求解（预处理，对偶单纯形）得到最优解" in line[2]
    )
