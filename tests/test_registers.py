"""The waitlist (候补名单) and the supervision ledger (监管台账)."""

from allocator.pipeline import allocate
from allocator.scenario import Limits
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
