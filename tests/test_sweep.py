"""Trade-offs: the budget frontier, the weight trade-off, rules side by side; in parallel and on Dask."""

from pathlib import Path

import numpy as np
import pytest

from allocator.cli import main
from allocator.intake import read_applications
from allocator.pipeline import allocate
from allocator.policy import load_policy
from allocator.scenario import load_scenario
from allocator.sweep import budget_frontier, capped, gini, groups, parse_range, rule_comparison, weight_sweep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample():
    sc = load_scenario(ROOT / "scenarios" / "changchun-2017.toml")
    policy = load_policy(sc.policy)
    apps = read_applications(sc.applications, policy).frame
    return sc, policy, apps, capped(sc, policy, apps)


def test_frontier_never_decreases_and_meets_the_run_at_the_scenarios_fund(sample):
    sc, policy, apps, frame = sample
    f = budget_frontier(sc, policy, frame, [int(b) for b in parse_range("10000000:40000000:31")])
    p = f.points
    assert len(p) == 31 and (np.diff(p["value"]) >= -1e-6).all() and (np.diff(p["funded"]) >= -5).all()
    run = allocate(sc, policy, apps, next_million=False)
    own = p.set_index("budget").loc[sc.available]
    assert own["value"] == run.summary.value and own["funded"] == run.summary.funded
    assert own["awarded"] == run.summary.awarded
    assert (f.coverage.to_numpy() <= 1 + 1e-9).all() and (
        f.coverage.iloc[-1] >= f.coverage.iloc[0] - 1e-9
    ).all()


def test_parallel_and_dask_give_the_same_frontier(sample):
    sc, policy, _, frame = sample
    budgets = [int(b) for b in parse_range("15000000:25000000:5")]
    one = budget_frontier(sc, policy, frame, budgets)
    two = budget_frontier(sc, policy, frame, budgets, jobs=2)
    assert one.points.equals(two.points)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        on_dask = budget_frontier(sc, policy, frame, budgets, dask=cluster.scheduler_address)
    assert one.points.equals(on_dask.points)


def test_weight_trade_off_moves_money_between_the_groups(sample):
    sc, policy, _, frame = sample
    _, a, b, spec = groups("c13-*,c14-talent/c09-offshore,c07-*=0.2:5:9", policy)
    w = weight_sweep(sc, policy, frame, a, b, parse_range(spec))
    assert (np.diff(w["awarded_a"]) >= 0).all() and (np.diff(w["awarded_b"]) <= 0).all()
    assert w["awarded_a"].iloc[-1] > w["awarded_a"].iloc[0]


def test_rules_side_by_side(sample):
    sc, policy, _, frame = sample
    rules, shares = rule_comparison(sc, policy, frame)
    r = rules.set_index("rule")
    assert (
        r.at["weighted", "value"] >= r.at["maxmin", "value"]
        and r.at["weighted", "value"] >= r.at["prorata", "value"]
    )
    assert r.at["maxmin", "coverage_gini"] <= r.at["weighted", "coverage_gini"]
    assert r.at["maxmin", "funded"] >= r.at["weighted", "funded"]
    assert np.allclose(shares.sum(), 1.0, atol=1e-3)


def test_gini():
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 1.0])) == pytest.approx(2 / 3)


def test_sweep_command_writes_tables_and_charts(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(ROOT / "scenarios" / "changchun-2017.toml"), "--budget", "10000000:30000000:5"]
    args += ["--weights", "c13-*/c09-offshore=0.5:2:3", "--rules", "--out", str(out)]
    assert main(args) == 0
    names = {p.name for p in out.rglob("*")}
    assert {
        "frontier.csv",
        "weights.csv",
        "rules.csv",
        "sweep.json",
        "frontier.png",
        "weights.png",
        "rules.png",
    } <= names
    assert (
        main(
            ["sweep", str(ROOT / "scenarios" / "changchun-2017.toml"), "--budget", "3:1:2", "--out", str(out)]
        )
        == 2
    )
