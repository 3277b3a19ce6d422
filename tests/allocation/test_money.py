"""Whole-yuan rounding and the independent verifier."""

import numpy as np
import pytest

from allocator.allocation.constraints import Terms, verify
from allocator.allocation.evaluate import caps
from allocator.allocation.explain import explain
from allocator.allocation.rounding import city_cost, round_awards
from allocator.core.errors import VerificationError
from tests.builders import POLICY, frame, row, scenario

BUY = dict(certified=1.0, registered_capital=20_000_000, has_property_cert=1.0, has_land_cert=1.0)
SHARES = {it.id: it.city_share for it in POLICY.items}


def rules_frame(rows):
    return caps(frame(rows), POLICY, scenario()).frame


def test_city_cost_rounds_the_odd_yuan_to_the_city():
    assert city_cost(np.array([3, 4, 0]), np.array([1, 1, 1]), np.array([2, 2, 2])).tolist() == [2, 2, 0]


def test_floors_then_gives_the_residue_by_largest_remainder():
    f = rules_frame([row(f"A{i}", "c13-hire", eligible_hires=100) for i in range(3)])
    award = round_awards(f, np.array([100.4, 100.7, 99.9]), admin=0, available=301)
    assert award.tolist() == [100, 101, 100]  # 1 yuan left after flooring goes to the largest remainder


def test_half_share_never_breaks_the_budget():
    f = rules_frame([row(f"A{i}", "c04-buy", purchase_area_m2=100, **BUY) for i in range(4)])
    award = round_awards(f, np.array([1001.0, 1001.0, 1001.0, 1001.0]), admin=0, available=2002)
    cost = city_cost(award, f["share_num"].to_numpy(), f["share_den"].to_numpy())
    assert cost.sum() <= 2002
    assert cost.sum() == 2002 and award.sum() == 4004  # the odd yuan a 50/50 split leaves is used, not lost


def test_top_up_stops_at_cap():
    f = rules_frame([row("A1", "c13-hire", eligible_hires=1)])
    assert round_awards(f, np.array([1999.996]), admin=0, available=10_000).tolist() == [2000]


def good_table():
    f = rules_frame(
        [row("A1", "c13-hire", eligible_hires=10), row("A2", "c04-buy", purchase_area_m2=20, **BUY)]
    )
    return explain(f, np.array([20_000, 5_001]), POLICY, scenario())


def check(table, **kw):
    args = dict(shares=SHARES, admin=1_000, admin_low=1_000, admin_high=2_000, available=100_000, totals={})
    args.update(kw)
    verify(table, Terms(**args))


def test_a_correct_table_passes():
    t = good_table()
    assert t["city_cost"].tolist() == [20_000, 2_501]
    check(t, totals={"awarded": 25_001, "city_cost": 22_501, "carryover_out": 100_000 - 22_501 - 1_000})


@pytest.mark.parametrize(
    ("mutate", "kw"),
    [
        (lambda t: t.assign(award=t["award"] + [1, 0], city_cost=t["city_cost"] + [1, 0]), {}),  # above cap
        (
            lambda t: t.assign(city_cost=t["city_cost"] - [0, 1], district_cost=t["district_cost"] + [0, 1]),
            {},
        ),
        (lambda t: t.assign(district_cost=t["district_cost"] + 1), {}),
        (lambda t: t, {"available": 20_000}),  # over budget
        (lambda t: t, {"admin": 2_001}),  # clause 十九
        (lambda t: t, {"totals": {"awarded": 1}}),
        (lambda t: t.assign(award=t["award"].astype(float)), {}),
    ],
)
def test_verifier_catches_every_violation(mutate, kw):
    with pytest.raises(VerificationError):
        check(mutate(good_table()), **kw)
