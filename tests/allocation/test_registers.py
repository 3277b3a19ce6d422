"""The waitlist (候补名单) and the supervision ledger (监管台账)."""

import pandas as pd

from allocator.allocation.allocate import allocate
from allocator.allocation.evaluate import caps
from allocator.config.scenario import Limits
from tests.builders import POLICY, frame, row, scenario

BUY = dict(certified=1.0, registered_capital=20_000_000, has_property_cert=1.0, has_land_cert=1.0)


def hire(app_id, cap, score, **kw):
    return row(app_id, "c13-hire", eligible_hires=cap // 2000, score=score, **kw)


def test_waitlist_ranks_who_would_get_released_money_next():
    rows = [hire("A", 80_000, 90), hire("B", 60_000, 60), hire("C", 20_000, 30), hire("D", 10_000, 95)]
    r = allocate(scenario(annual_fund=100_000), POLICY, frame(rows), next_million=False)
    assert r.table.set_index("application_id")["award"].to_dict() == {
        "A": 80_000,
        "B": 10_000,
        "C": 0,
        "D": 10_000,
    }
    w = r.waitlist
    assert w["application_id"].tolist() == ["B", "C"]  # by value per yuan: B (0.6) before C (0.3)
    assert w["rank"].tolist() == [1, 2]
    assert w["shortfall"].tolist() == [50_000, 20_000] and w["next_award"].tolist() == [50_000, 20_000]
    assert w["cumulative_city_cost"].tolist() == [50_000, 70_000]


def test_waitlist_next_award_respects_limits():
    code = "91220101MA00000013"
    rows = [hire("A", 80_000, 90, credit_code=code), hire("B", 80_000, 60, credit_code=code)]
    r = allocate(
        scenario(annual_fund=50_000, limits=Limits(per_enterprise=60_000)),
        POLICY,
        frame(rows),
        next_million=False,
    )
    w = r.waitlist.set_index("application_id")
    assert w.at["A", "next_award"] == 10_000  # 50,000 now; the enterprise may take 60,000 in all


def test_ledger_lists_purchased_premises_until_three_years_on():
    rows = [row("P", "c04-buy", purchase_area_m2=1_000, **BUY), hire("H", 2_000, 80)]
    r = allocate(scenario(approval_date="2020-02-29"), POLICY, frame(rows), next_million=False)
    led = r.ledger
    assert led["application_id"].tolist() == ["P"]
    assert led.iloc[0]["award"] == 500_000 and led.iloc[0]["purchase_area_m2"] == 1_000
    assert (led.iloc[0]["approved_on"], led.iloc[0]["no_transfer_until"]) == ("2020-02-29", "2023-02-28")
    assert "不得转让" in led.iloc[0]["note"]
    default = allocate(scenario(), POLICY, frame(rows), next_million=False).ledger
    assert default.iloc[0]["no_transfer_until"] == "2020-12-31"  # approved 31 December 2017 by default


RENT = dict(in_park=1.0, rent_months=12, rent_area_m2=1_000)  # 240,000 a year by the formula, 50/50
FIRM_A, FIRM_B = "91220101MA00000AAA", "91220101MA00000BBB"


def _district_case(**limits):
    """H (share 1, value 1.0) is funded; R1 (0.8 a city yuan) and R2 (0.6) wait, both in 朝阳区, 50/50."""
    rows = [
        hire("H", 10_000, 100),
        row("R1", "c04-rent", credit_code=FIRM_A, requested=100_001, score=40, **RENT),
        row("R2", "c04-rent", credit_code=FIRM_B, requested=80_000, score=30, **RENT),
    ]
    sc = scenario(annual_fund=10_000, limits=Limits(**limits))
    rules = caps(frame(rows), POLICY.for_scenario(sc.discretionary), sc).frame
    return allocate(sc, POLICY, frame(rows), next_million=True), rules


def test_waitlist_does_not_promise_a_districts_room_twice():
    # 朝阳区 co-pays at most 60,000: R1's whole 100,001 costs it ⌊100,001 / 2⌋ = 50,000 (the city pays the
    # odd yuan: 50,001), which leaves 10,000 for R2: at most 20,001 yuan (district 10,000, city 10,001)
    r, _ = _district_case(district_budget={"朝阳区": 60_000})
    assert r.table.set_index("application_id")["award"].to_dict() == {"H": 10_000, "R1": 0, "R2": 0}
    w = r.waitlist
    assert w["application_id"].tolist() == ["R1", "R2"]
    assert w["next_award"].tolist() == [100_001, 20_001]
    assert w["next_city_cost"].tolist() == [50_001, 10_001]
    assert w["cumulative_city_cost"].tolist() == [50_001, 60_002]
    # another million goes down the same list: exactly the two next amounts, and nothing else
    nm = r.next_million
    assert dict(zip(nm.changed["application_id"], nm.changed["gain"], strict=True)) == {
        "R1": 100_001,
        "R2": 20_001,
    }
    assert (nm.awarded_gain, nm.city_cost_gain, nm.newly_funded) == (120_002, 60_002, 2)


def test_released_money_goes_down_the_waitlist_to_the_yuan():
    from allocator.allocation.backfill import spend

    r, rules = _district_case(district_budget={"朝阳区": 60_000})
    w = r.waitlist
    rows = pd.Index(rules["application_id"]).get_indexer(w["application_id"])
    award = r.table["award"].to_numpy()
    nexts = w["next_award"].to_numpy()
    given = {m: spend(rules, award, rows, nexts, m, r.scenario.limits).tolist() for m in (1, 50_001, 60_000)}
    assert given[1] == [2, 0]  # 2 yuan cost the city ⌈2 / 2⌉ = 1
    assert given[50_001] == [100_001, 0]  # reaches rank 1 exactly
    assert given[60_000] == [100_001, 19_998]  # rank 2: ⌈19,998 / 2⌉ = 9,999 of the 9,999 left
