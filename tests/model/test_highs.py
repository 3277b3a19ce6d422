"""BulkHiGHS keeps one HiGHS model per problem between solves: what it changes in place must give the
answers a model built anew would."""

from __future__ import annotations

import pulp
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.model.highs import BulkHiGHS, bounds_moved


def knapsack(values: list[float], caps: list[float], budget: float):
    lp = pulp.LpProblem("k", pulp.LpMaximize)
    x = [lp.add_variable(f"x{i:03d}", lowBound=0, upBound=c) for i, c in enumerate(caps)]
    lp += (pulp.lpSum(x) <= budget, "budget")
    lp.setObjective(pulp.LpAffineExpression(zip(x, values, strict=True)))
    return lp, x


def solve(lp, solver) -> float:
    assert lp.solve(solver) == pulp.LpStatusOptimal
    return pulp.value(lp.objective)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 9), st.integers(1, 20), st.integers(0, 20)), min_size=2, max_size=12),
    st.integers(5, 60),
)
def test_moved_bounds_reach_the_kept_model(items, budget):
    values = [float(v) for v, _, _ in items]
    caps = [float(c) for _, c, _ in items]
    floors = [min(float(f), c) for (_, _, f), c in zip(items, caps, strict=True)]
    if sum(floors) > budget:
        floors = [0.0] * len(floors)
    lp, x = knapsack(values, caps, budget)
    kept = BulkHiGHS(msg=False)
    solve(lp, kept)
    for var, f in zip(x, floors, strict=True):
        var.lowBound = f
    bounds_moved(lp, x)
    raised = solve(lp, kept)
    assert all(v.varValue >= f - 1e-7 for v, f in zip(x, floors, strict=True))
    fresh, _ = knapsack(values, caps, budget)
    for var, f in zip(fresh.variables(), floors, strict=True):
        var.lowBound = f
    assert abs(raised - solve(fresh, BulkHiGHS(msg=False))) <= 1e-6
    for var in x:
        var.lowBound = 0.0
    bounds_moved(lp, x)
    assert abs(solve(lp, kept) - solve(knapsack(values, caps, budget)[0], BulkHiGHS(msg=False))) <= 1e-6


def test_a_problem_not_yet_built_keeps_no_note():
    lp, x = knapsack([1.0, 2.0], [1.0, 1.0], 1.0)
    bounds_moved(lp, x)  # nothing to tell: the first solve reads every bound
    assert "_bulk_moved" not in lp.__dict__
    x[1].upBound = 0.0
    assert solve(lp, BulkHiGHS(msg=False)) == 1.0


def test_no_highs_banner_on_the_console(tmp_path, capfd):
    """Issue 16 point 6: HiGHS prints "Running HiGHS … Copyright" from its C++ constructor to file
    descriptor 1; `allocator run` speaks to the office in Chinese only. Our own lines still get out."""
    from allocator.cli.main import main
    from allocator.model.highs import quiet_stdout

    capfd.readouterr()
    with quiet_stdout():
        import highspy

        highspy.Highs()
    print("之后的输出")
    out = capfd.readouterr().out
    assert "Running HiGHS" not in out and "之后的输出" in out
    assert main(["run", "scenarios/changchun-2017.toml", "--out", str(tmp_path / "out")]) == 0
    out = capfd.readouterr().out
    assert "Running HiGHS" not in out and "Copyright" not in out
    assert "拟支持金额" in out
