"""A floor instead of a cap ("不低于20万元") and a province/city split, on the Heilongjiang 2008 pack."""

from dataclasses import replace

import pytest

from allocator.allocation.allocate import allocate
from allocator.allocation.evaluate import caps
from allocator.policy.pack import load_policy
from tests.builders import frame, row, scenario

HLJ = load_policy("heilongjiang-2008")
NUMBERS = {
    "h05-cert": {"amount": 300_000.0},
    "h14-training": {"per_person": 1_501.0, "fund_share": 0.5},  # 省、市共同负担: the scenario's split
    "h14-placement": {"per_person": 500.0, "fund_share": 0.5},
}


def hlj(**changes):
    return replace(scenario(policy="heilongjiang-2008", discretionary=NUMBERS), **changes)


def cert(app_id, score, **kw):
    return row(app_id, "h05-cert", intl_certified=1.0, score=score, **kw)


def test_floor_means_zero_or_at_least_the_floor():
    rows = [cert("C1", 90), cert("C2", 80)]
    r = allocate(hlj(annual_fund=450_000), HLJ, frame(rows, HLJ), next_million=False)
    got = r.table.set_index("application_id")["award"].to_dict()
    # without the floor: C1 300,000 and C2 150,000; with it, C2 gets 200,000 or nothing — 200,000 is worth more
    assert got == {"C1": 250_000, "C2": 200_000}
    assert r.solver.mip


def test_floor_leaves_nothing_between_zero_and_two_hundred_thousand():
    rows = [cert(f"C{i}", 60 + i) for i in range(6)]
    for fund in (150_000, 199_999, 350_000, 610_000, 1_000_000):
        r = allocate(hlj(annual_fund=fund), HLJ, frame(rows, HLJ), next_million=False)
        awards = r.table["award"]
        assert ((awards == 0) | (awards >= 200_000)).all(), fund


def test_a_cap_below_the_floor_is_ineligible_with_the_reason():
    f = caps(frame([cert("C1", 90, requested=150_000)], HLJ), HLJ, hlj()).frame.iloc[0]
    assert not f["eligible"] and "不低于20万元" in f["ineligible_reason"]


def test_training_subsidies_are_shared_by_province_and_city():
    rows = [row("T1", "h14-training", trained_hired=1), row("T2", "h14-placement", trained_hired=7)]
    r = allocate(hlj(annual_fund=1_000_000), HLJ, frame(rows, HLJ), next_million=False)
    t = r.table.set_index("application_id")
    assert (t.at["T1", "award"], t.at["T1", "city_cost"], t.at["T1", "district_cost"]) == (1_501, 751, 750)
    assert (t.at["T2", "award"], t.at["T2", "city_cost"], t.at["T2", "district_cost"]) == (
        3_500,
        1_750,
        1_750,
    )
    assert r.summary.city_cost == 751 + 1_750  # the province's fund pays its half only


def test_every_clause_is_listed_and_the_floor_is_data():
    assert [c.no for c in HLJ.clauses][-1] == "二十一" and len(HLJ.clauses) == 21
    assert HLJ.item("h05-cert").floor == 200_000 and HLJ.levels == ("province", "city")
    with pytest.raises(KeyError):
        HLJ.item("c04-buy")


def test_rounding_never_drops_a_floor_award_to_zero_for_a_few_yuan():
    """Half-shared awards round their odd yuan up to the fund; the few yuan trimmed back must not come
    from an award sitting at its floor (which would have to drop to 0)."""
    import numpy as np

    from allocator.allocation.rounding import round_awards

    rows = [cert("C1", 70)] + [row(f"T{i}", "h14-training", trained_hired=1, score=90) for i in range(4)]
    f = caps(frame(rows, HLJ), HLJ, hlj()).frame  # T awards of 1,501: the province pays 751 of each
    x = np.where(f["item"] == "h05-cert", 200_000.0, 1_501.0)
    budget = 200_000 + 4 * 750  # what the LP spent with exact halves: rounding up needs 4 yuan more
    award = round_awards(f, x, admin=0, available=budget)
    got = dict(zip(f["application_id"], award.tolist(), strict=True))
    assert got["C1"] == 200_000  # the trim came from the training awards
    assert sum(-(-a // 2) for k, a in got.items() if k != "C1") + got["C1"] <= budget
