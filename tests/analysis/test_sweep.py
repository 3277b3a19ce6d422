"""Trade-offs: the budget frontier, the weight trade-off, rules side by side; in parallel and on Dask."""

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.allocation.allocate import allocate
from allocator.analysis.sweep import (
    SHARE_BANDS,
    budget_frontier,
    capped,
    gini,
    groups,
    parse_range,
    rule_comparison,
    share_of_cap,
    weight_sweep,
)
from allocator.cli.main import main
from allocator.config.scenario import load_scenario
from allocator.intake.read import read_applications
from allocator.outputs.sweep import write_sweep
from allocator.policy.pack import load_policy

ROOT = Path(__file__).resolve().parents[2]


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


# ---------------------------------------------------------------- what people read: tables and charts
ITEM_IDS = re.compile(r"\bc\d{2}-[a-z-]+\b")


@pytest.fixture(scope="module")
def swept(sample, tmp_path_factory):
    """A small sweep of the shipped scenario, written with its policy, as ``allocator sweep`` writes it."""
    sc, policy, _, frame = sample
    frontier = budget_frontier(sc, policy, frame, [int(b) for b in parse_range("10000000:30000000:5")])
    _, a, b, spec = groups("c13-*,c14-talent/c09-offshore,c07-*=0.2:5:9", policy)
    weights = (weight_sweep(sc, policy, frame, a, b, parse_range(spec)), ",".join(a), ",".join(b))
    rules = rule_comparison(sc, policy, frame)
    out = tmp_path_factory.mktemp("sweep")
    write_sweep(out, frontier, weights, rules, policy=policy)
    return out, policy, frontier, weights, rules


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def test_sweep_tables_have_chinese_headers_item_names_and_whole_yuan(swept):
    out, policy, frontier, _, rules = swept
    names = {it.id: it.name for it in policy.items}
    for name in ("frontier", "coverage", "frontier_by_item", "frontier_by_district", "weights", "rules"):
        text = (out / f"{name}.csv").read_text(encoding="utf-8-sig")
        header = text.splitlines()[0].split(",")
        assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header), (name, header)
        assert not ITEM_IDS.search(text), name  # items by name, never by id
        money = [h for h in header if h.endswith("（元）")]
        assert money or name == "coverage", name
        rows = list(csv.reader(text.splitlines()[1:]))
        for h in money:  # whole yuan as written: digits only (blank where there is no row before)
            cells = [row[header.index(h)] for row in rows]
            assert cells and all(re.fullmatch(r"-?\d+", c) or (c == "" and "比上一行" in h) for c in cells), (
                name,
                h,
                cells,
            )
    f = read_table(out / "frontier.csv")
    assert list(f.columns[:4]) == ["可用资金（元）", "获支持数（项）", "拟支持金额（元）", "市级承担（元）"]
    assert f["拟支持金额（元）"].tolist() == frontier.points["awarded"].tolist()
    assert f.loc[f["本方案"] == "是", "可用资金（元）"].tolist() == [frontier.scenario_budget]
    assert f["比上一行多支持（元）"].iloc[1:].tolist() == np.diff(frontier.points["awarded"]).tolist()
    by_item = read_table(out / "frontier_by_item.csv")
    assert f"{names['c13-hire']}（元）" in by_item.columns
    assert by_item.drop(columns="可用资金（元）").sum(axis=1).tolist() == frontier.points["awarded"].tolist()
    cov = read_table(out / "coverage.csv")
    assert f"{names['c09-offshore']}覆盖率" in cov.columns and cov.iloc[:, 1:].le(1).all().all()
    w = read_table(out / "weights.csv")
    assert (
        w.columns[1]
        == f"甲组（{names['c13-hire']}、{names['c13-train']}、{names['c14-talent']}）获支持金额（元）"
    )
    r = read_table(out / "rules.csv")
    assert r["分配规则"].tolist() == ["加权价值最大", "最小覆盖率最大（公平优先）", "按比例同等削减"]
    assert r["拟支持金额（元）"].tolist() == rules[0]["awarded"].tolist()
    bands = [c for c in r.columns if c.startswith("所得占上限")]
    assert len(bands) == 5 and (r[bands].sum(axis=1) == r["获支持数（项）"]).all()
    d = read_table(out / "rules_by_district.csv")
    assert d.columns[0] == "所在区" and "加权价值最大：占比" in d.columns


def test_share_of_cap_counts_each_funded_application_once():
    award = np.array([100, 99, 80, 50, 30, 10, 0, 5])
    cap = np.array([100, 100, 100, 100, 100, 100, 100, 0])
    got = share_of_cap(award, cap)
    assert (got["share_full"], got["share_75"], got["share_50"], got["share_25"], got["share_low"]) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert got["share_min"] == 0.1 and got["share_median"] == pytest.approx(0.65)
    assert share_of_cap(np.array([0]), np.array([10])) == {
        "share_min": 0.0,
        "share_median": 0.0,
        **{k: 0 for k, _ in SHARE_BANDS},
    }


def test_rules_by_maxmin_give_every_funded_application_at_least_the_common_share(sample):
    sc, policy, _, frame = sample
    r = rule_comparison(sc, policy, frame)[0].set_index("rule")
    assert r.at["maxmin", "share_min"] == pytest.approx(r.at["maxmin", "min_coverage"], abs=1e-3)
    assert r.at["weighted", "share_median"] == 1.0  # the weighted rule funds most in full
    for rule in r.index:
        assert sum(int(r.at[rule, k]) for k, _ in SHARE_BANDS) == r.at[rule, "funded"]


def drawn_texts(fig, monkeypatch) -> list:
    """Every non-empty text the figure draws, in drawing order (laid out as when saved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    drawn, draw = [], Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    FigureCanvasAgg(fig)
    monkeypatch.setattr(Text, "draw", record)
    fig.canvas.draw()
    monkeypatch.setattr(Text, "draw", draw)
    return drawn


def overlaps(fig, monkeypatch) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap (by more than a pixel), and texts past the figure's edge."""
    texts = drawn_texts(fig, monkeypatch)
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(1, 1).padded(-1)) for t in texts]
    page = fig.bbox.padded(1)
    out = [(s, "（图外）") for s, b in boxes if not (page.contains(b.x0, b.y0) and page.contains(b.x1, b.y1))]
    for i, (s, a) in enumerate(boxes):
        out += [(s, t) for t, b in boxes[i + 1 :] if a.overlaps(b)]
    return out


def test_sweep_charts_name_items_and_rules_and_print_no_label_over_another(swept, monkeypatch):
    from matplotlib import rc_context

    from allocator.outputs.charts import chart_rc
    from allocator.outputs.sweep import group_names
    from allocator.outputs.sweep_charts import draw_frontier, draw_rules, draw_weights

    _, policy, frontier, (wframe, a, b), (rules, _) = swept
    names = {it.id: it.name for it in policy.items}
    with rc_context(chart_rc()):
        figures = {
            "frontier": draw_frontier(frontier),
            "weights": draw_weights(
                wframe, group_names(policy, a.split(",")), group_names(policy, b.split(","))
            ),
            "rules": draw_rules(rules),
        }
        said = {}
        for name, fig in figures.items():
            assert overlaps(fig, monkeypatch) == [], name
            said[name] = " ".join(t.get_text() for t in drawn_texts(fig, monkeypatch))
            assert not ITEM_IDS.search(said[name]), name
    ticks = [t.get_text().replace("\n", "") for t in figures["frontier"].axes[1].get_yticklabels()]
    assert names["c13-hire"] in ticks and names["c09-offshore"] in ticks
    assert (
        "再增加" in said["frontier"] and "新增支持" in said["frontier"] and "加权价值" not in said["frontier"]
    )
    weights = said["weights"].replace("\n", "")
    assert names["c13-hire"] in weights and names["c09-offshore"] in weights
    assert "每件获支持申报所得占其政策上限的比例" in said["rules"] and "全额（100%）" in said["rules"]
    assert "中位数 100%" in said["rules"]  # the weighted rule's median funded application gets its whole cap


def test_a_crowded_weight_curve_keeps_its_labels_apart(monkeypatch):
    from matplotlib import rc_context

    from allocator.outputs.charts import chart_rc
    from allocator.outputs.sweep_charts import draw_weights

    ratios = [0.2, 0.3, 0.4, 0.5, 1, 2, 3, 4, 5]
    frame = pd.DataFrame(
        {
            "ratio": ratios,
            "awarded_a": [0, 0, 1_000, 2_000, 2_000, 5_000_000, 5_001_000, 5_002_000, 5_002_000],
            "awarded_b": [9_000_000, 9_000_000, 8_999_000, 8_998_000, 8_998_000, 100, 50, 0, 0],
        }
    )
    long = "、".join(["引进高层次人才住房交通补助"] * 4) + " 等 6 项"
    with rc_context(chart_rc()):
        fig = draw_weights(frame, long, "离岸服务外包业务增量补助")
        assert overlaps(fig, monkeypatch) == []
        labels = [t.get_text() for t in drawn_texts(fig, monkeypatch) if t.get_text().startswith("×")]
    assert labels[0] == "×0.2–×0.3" and labels[1] == "×4–×5"  # the ends, each once
