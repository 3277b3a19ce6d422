"""maxmin's coverage found over the floors (allocator.allocation.maxmin_search) is the one LP's t*, under every limit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocator.allocation.maxmin_search as coverage
import allocator.allocation.rationing as objectives
from allocator.allocation.allocate import allocate
from allocator.config.scenario import Limits
from allocator.core.errors import InfeasibleError, SolverError
from tests.allocation.test_pipeline import BUY, applications
from tests.builders import POLICY, frame, row, scenario

INF = np.inf


def level(rows, sc, floors=None, search=True, monkeypatch=None):
    """t* and the awards, found by the search or (``search=False``) as the one LP."""
    if not search:
        monkeypatch.setattr(objectives, "searchable", lambda *_: False)
    try:
        r = allocate(sc, POLICY, frame(rows), floors=floors, next_million=False)
    finally:
        if not search:
            monkeypatch.undo()
    return r.solver.level, r


def spread(rows) -> list[dict]:
    for k, r in enumerate(rows):  # a few enterprises and two districts
        r["credit_code"] = f"91220101MA0000000{k % 3}"
        r["district"] = "朝阳区" if k % 2 else "南关区"
    return rows


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=applications(),
    fund=st.integers(0, 6_000_000),
    per_enterprise=st.sampled_from([None, 300_000, 2_000_000]),
    district=st.sampled_from([None, 0, 150_000, 600_000]),
    share=st.sampled_from([None, (0.0, 0.3), (0.1, 1.0), (0.3, 0.6)]),
    floor=st.sampled_from([None, 0.2, 0.9]),
)
@pytest.mark.slow
def test_the_search_finds_the_one_lps_coverage(
    monkeypatch, rows, fund, per_enterprise, district, share, floor
):
    limits = Limits(
        per_enterprise=per_enterprise,
        district_budget={} if district is None else {"朝阳区": district},
        item_share={} if share is None else {"c13-hire": share},
    )
    sc = scenario(annual_fund=fund, rule="maxmin", limits=limits)
    rows = spread(rows)
    floors = None if floor is None else {"A000": int(floor * 1_000_000)}  # a release: an award kept at least
    try:
        lp, by_lp = level(rows, sc, floors, search=False, monkeypatch=monkeypatch)
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            level(rows, sc, floors)
        return
    found, by_search = level(rows, sc, floors)
    # HiGHS calls a row met within 1e-7 solver units (0.001 yuan): on an application with a cap of a
    # few yuan that is a coverage a thousandth apart, on 10,000 yuan or more under 1e-7
    t = by_search.table
    smallest = t.loc[t["eligible"] & (t["cap"] > 0), "cap"].min() if (t["cap"] > 0).any() else 1.0
    assert abs(found - lp) <= 1e-9 + 0.002 / smallest
    value = by_search.summary.value  # the same value stage's optimum, each award rounded to the yuan
    assert abs(value - by_lp.summary.value) <= 1e-6 * abs(value) + 2 * len(rows)


HIRES = [row(f"H{i}", "c13-hire", eligible_hires=10 * (i + 1), score=50 + 5 * i) for i in range(6)]


def test_the_budget_alone_takes_one_re_solve():
    found, r = level(HIRES, scenario(annual_fund=200_000, rule="maxmin"))
    caps = r.table["cap"].sum()
    assert found == pytest.approx(200_000 / caps, abs=1e-12)  # the budget row's own ceiling
    assert r.solver.stages == 1  # the floors alone meet every row there: no re-solve, the value stage


def limited() -> tuple[list[dict], object]:
    """Purchases (half city) may take at most 30 % of the city's money, next to 120,000 yuan of hires:
    the share row, the city total's and the budget row together set t* (no row alone does)."""
    buys = [row(f"B{i}", "c04-buy", purchase_area_m2=200 * (i + 1), score=60 + i, **BUY) for i in range(3)]
    hires = [row(f"H{i}", "c13-hire", eligible_hires=10 * (i + 1), score=50) for i in range(3)]
    limits = Limits(item_share={"c04-buy": (0.0, 0.3)})
    return buys + hires, scenario(annual_fund=2_000_000, rule="maxmin", limits=limits)


def test_a_binding_limit_is_found_from_harvested_ceilings_or_by_bisection(monkeypatch):
    rows, sc = limited()
    with_rays, r = level(rows, sc)
    by_lp, _ = level(rows, sc, search=False, monkeypatch=monkeypatch)
    assert with_rays == pytest.approx(by_lp, abs=1e-9) and with_rays < 0.2
    monkeypatch.setattr(coverage, "_ray_ceiling", lambda *_: INF)  # as if HiGHS gave no ray
    halving, r2 = level(rows, sc)
    assert halving == pytest.approx(by_lp, abs=1e-7)  # bisection ends where HiGHS's tolerance does
    assert r.solver.stages < r2.solver.stages


def test_a_search_that_does_not_end_is_an_error(monkeypatch):
    rows, sc = limited()
    monkeypatch.setattr(coverage, "_ray_ceiling", lambda *_: INF)
    monkeypatch.setattr(coverage, "PROBES", 3)
    with pytest.raises(SolverError, match="未收敛"):
        level(rows, sc)


def test_an_infeasible_model_is_the_same_error_as_the_one_lps(monkeypatch):
    sc = scenario(annual_fund=100_000, rule="maxmin")
    kept = {"H5": 120_000}  # a release keeps H5's 120,000: more than the fund
    with pytest.raises(InfeasibleError) as searched:
        level(HIRES, sc, kept)
    with pytest.raises(InfeasibleError) as one_lp:
        level(HIRES, sc, kept, search=False, monkeypatch=monkeypatch)
    assert searched.value.zh == one_lp.value.zh


def test_each_rows_ceiling():
    # rows: 2·x0 + 3·x1 ≤ 10;  x0 − x2 ≥ −1 (x2 ≤ 4);  x1 + x2 ≤ inf
    rows = np.array([0, 0, 1, 1, 2, 2])
    index = np.array([0, 1, 0, 2, 1, 2])
    coef = np.array([2.0, 3.0, 1.0, -1.0, 1.0, 1.0])
    low, high = np.array([-INF, -1.0, -INF]), np.array([10.0, INF, INF])
    col_low, col_high = np.array([0.0, 0.0, 0.0]), np.array([5.0, 2.0, 4.0])
    slope = np.array([0.0, 2.0, 0.0])  # x1 ≥ 2·t
    got = coverage.ceiling(rows, index, coef, low, high, col_low, col_high, slope)
    # row 0: 3·2·t ≤ 10 − 0  →  t ≤ 5/3;  row 1: no covered column;  row 2: no upper bound;
    # columns: x1's own 2·t ≤ 2  →  t ≤ 1
    assert got.tolist() == pytest.approx([10 / 6, INF, INF, INF, 1.0, INF])
    # x2 ≥ 3·t in a row that must reach −1: x0 − x2 at most 5 − 3·t ≥ −1  →  t ≤ 2
    slope = np.array([0.0, 0.0, 3.0])
    got = coverage.ceiling(rows, index, coef, low, high, col_low, col_high, slope)
    assert got[1] == pytest.approx(2.0)
