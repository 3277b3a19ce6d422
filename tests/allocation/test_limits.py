"""[limits] and [[override]]: each a named constraint, checked on the final yuan and explained."""

import pytest

from allocator.allocation.allocate import allocate
from allocator.config.scenario import Limits, Override
from allocator.core.errors import InfeasibleError, ScenarioError
from tests.builders import POLICY, frame, row, scenario

BUY = dict(certified=1.0, registered_capital=20_000_000, has_property_cert=1.0, has_land_cert=1.0)
CODE_A, CODE_B = "91220101MA00000001", "91220101MA00000002"


def run(rows, **changes):
    r = allocate(scenario(**changes), POLICY, frame(rows), next_million=False)
    return r.table.set_index("application_id"), r


def test_per_enterprise_limit_splits_fairly_and_says_why():
    rows = [row(f"E{i}", "c13-hire", eligible_hires=1000, credit_code=CODE_A) for i in (1, 2)]
    t, _ = run(rows, limits=Limits(per_enterprise=3_000_000))
    assert t["award"].to_dict() == {"E1": 1_500_000, "E2": 1_500_000}
    assert "单个企业支持总额上限 3,000,000 元" in t.at["E1", "reason"]


def test_item_share_max_and_min_of_city_cost():
    rows = [
        row("H", "c13-hire", eligible_hires=50, score=90),
        row("O", "c09-offshore", offshore_increment_usd=1_000_000, score=50),
    ]
    t, r = run(rows, annual_fund=100_000)
    assert t["award"].to_dict() == {"H": 100_000, "O": 0}
    t, r = run(rows, annual_fund=100_000, limits=Limits(item_share={"c13-hire": (0.0, 0.30)}))
    assert t.at["H", "award"] + t.at["O", "award"] == 100_000
    assert 0.299 <= t.at["H", "city_cost"] / r.summary.city_cost <= 0.30
    assert "占比上限 30%" in t.at["H", "reason"]
    t, r = run(rows, annual_fund=100_000, limits=Limits(item_share={"c09-offshore": (0.5, 1.0)}))
    assert 0.50 <= t.at["O", "city_cost"] / r.summary.city_cost <= 0.501


def test_district_budget_caps_the_co_payment():
    rows = [
        row("B", "c04-buy", purchase_area_m2=2_000, district="朝阳区", **BUY)
    ]  # cap 1,000,000, half district
    t, r = run(rows, limits=Limits(district_budget={"朝阳区": 200_000}))
    # the district pays exactly its 200,000; the city pays the odd yuan of the 50/50 split
    assert (t.at["B", "award"], t.at["B", "city_cost"], t.at["B", "district_cost"]) == (
        400_001,
        200_001,
        200_000,
    )
    assert "朝阳区配套资金上限 200,000 元" in t.at["B", "reason"]


def test_overrides_are_fixed_with_their_reason_and_the_rest_reoptimised():
    rows = [
        row("A1", "c13-hire", eligible_hires=50, score=40),
        row("A2", "c13-hire", eligible_hires=50, score=90),
    ]
    t, _ = run(rows, annual_fund=100_000)
    assert t["award"].to_dict() == {"A1": 0, "A2": 100_000}
    ov = (Override("A1", "cap", "市政府专题会议纪要〔2017〕12号"),)
    t, r = run(rows, annual_fund=100_000, overrides=ov)
    assert t["award"].to_dict() == {"A1": 100_000, "A2": 0}
    assert t.at["A1", "status"] == "overridden"
    assert "市政府专题会议纪要〔2017〕12号" in t.at["A1", "reason"]
    t, _ = run(rows, annual_fund=150_000, overrides=(Override("A2", 0, "公示期异议成立"),))
    assert t["award"].to_dict() == {"A1": 100_000, "A2": 0}
    assert t.at["A2", "status"] == "overridden"


def test_overrides_never_go_beyond_the_policy():
    rows = [
        row("A1", "c13-hire", eligible_hires=5),
        row("A2", "c03-park", certified=1.0, building_area_m2=30_000),
    ]
    with pytest.raises(ScenarioError, match="超过其核定上限"):
        run(rows, overrides=(Override("A1", 10_001, "x"),))
    with pytest.raises(ScenarioError, match="不符合条件"):
        run(rows, overrides=(Override("A2", "cap", "x"),))
    with pytest.raises(ScenarioError, match="A9"):
        run(rows, overrides=(Override("A9", 0, "x"),))


# ------------------------------------------------------------------ infeasible, explained


def test_overrides_above_the_available_money():
    rows = [row("A1", "c13-hire", eligible_hires=100), row("A2", "c13-hire", eligible_hires=10)]
    with pytest.raises(InfeasibleError) as err:
        run(rows, annual_fund=150_000, admin_fixed=1_000, overrides=(Override("A1", "cap", "会议决定"),))
    assert "可用资金至少须增加 51,000 元" in err.value.zh  # 200,000 + 1,000 admin − 150,000


def test_item_minimum_share_above_what_its_applications_absorb():
    rows = [row("H", "c13-hire", eligible_hires=5), row("O", "c09-offshore", offshore_increment_usd=500_000)]
    with pytest.raises(InfeasibleError) as err:
        run(
            rows,
            limits=Limits(item_share={"c13-hire": (0.5, 1.0)}),
            overrides=(Override("O", "cap", "决定"),),
        )
    # H can absorb 10,000 at most, 10/110 = 9.1 %; 50 % of (100,000 + H) needs H = 100,000: 90,000 short
    assert "事项 c13-hire 占市级资金的最低比例 50%" in err.value.zh
    assert "最多只能吸收 9.1%" in err.value.zh and "降至 9.0% 以下" in err.value.zh
    amount = int(err.value.zh.split("至少差 ")[1].split(" 元")[0].replace(",", ""))
    assert amount == 90_000


def test_district_budget_below_committed_co_payments():
    rows = [row("B", "c04-buy", purchase_area_m2=2_000, district="朝阳区", **BUY)]
    with pytest.raises(InfeasibleError) as err:
        run(
            rows,
            limits=Limits(district_budget={"朝阳区": 200_000}),
            overrides=(Override("B", "cap", "决定"),),
        )
    assert "朝阳区配套资金至少须增加 300,000 元" in err.value.zh


def test_per_enterprise_limit_below_overrides():
    rows = [row(f"E{i}", "c13-hire", eligible_hires=100, credit_code=CODE_B) for i in (1, 2)]
    ov = (Override("E1", "cap", "决定"), Override("E2", "cap", "决定"))
    with pytest.raises(InfeasibleError) as err:
        run(rows, limits=Limits(per_enterprise=300_000), overrides=ov)
    assert "上限至少须提高 100,000 元" in err.value.zh and CODE_B in err.value.zh
