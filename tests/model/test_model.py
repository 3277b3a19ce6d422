"""The model's matrix, checked without a solver."""

import pytest

from allocator.allocation.evaluate import caps
from allocator.model.build import SCALE, Budget, build_model
from tests.builders import POLICY, frame, row, scenario

BUY = dict(certified=1.0, registered_capital=20_000_000, has_property_cert=1.0, has_land_cert=1.0)


@pytest.fixture
def model():
    rows = [
        row("A3", "c13-hire", eligible_hires=10, score=90),  # cap 20,000
        row("A1", "c04-buy", purchase_area_m2=2_000, score=70, **BUY),  # cap 1,000,000, city half
        row("A2", "c03-park", certified=1.0, building_area_m2=30_000),  # ineligible: no variable
    ]
    f = caps(frame(rows), POLICY, scenario(weights={"c13-hire": 2.0})).frame
    return f, build_model(f, Budget(available=1_500_000, admin_low=50_000, admin_high=200_000))


def test_one_variable_per_eligible_application_in_id_order(model):
    f, m = model
    assert f["application_id"].tolist() == ["A1", "A2", "A3"]
    assert m.rows.tolist() == [0, 2]
    assert [v.upBound for v in m.x] == [1_000_000 / SCALE, 20_000 / SCALE]
    assert all(v.lowBound == 0 for v in m.x)
    assert (m.admin.lowBound, m.admin.upBound) == (50_000 / SCALE, 200_000 / SCALE)


def test_budget_row_uses_city_shares_and_scaled_money(model):
    _, m = model
    budget = m.problem.get_constraint_by_name("budget_city")
    coef = {v.name: c for v, c in budget.items()}
    assert coef == {"x0000000": 0.5, "x0000002": 1.0, "admin": 1.0}
    assert -budget.constant == pytest.approx(1_500_000 / SCALE)
    assert m.bounds["budget_city"].kind == "budget"


def test_objective_is_weight_times_score(model):
    _, m = model
    obj = {v.name: c for v, c in m.problem.objective.items()}
    assert obj["x0000000"] == pytest.approx(0.70)
    assert obj["x0000002"] == pytest.approx(2.0 * 0.90)
    assert obj["admin"] < 0  # administration costs, so it stays at its planned amount
