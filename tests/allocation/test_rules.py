"""Every item's eligibility and cap, hand-computed from the clause text (edges included)."""

import pytest

from allocator.allocation.evaluate import caps
from allocator.core.errors import ScenarioError
from tests.builders import BUY, DOMESTIC, GLOBAL, NO, POLICY, SPINOFF, YES, frame, row, scenario

# (item, fields, eligible, cap, cap_basis)
CASES = [
    # 三: "建筑面积超过3万平方米" excludes 30,000 itself; "最高不超过200万元"
    ("c03-park", dict(certified=YES, building_area_m2=30_000), False, 0, None),
    ("c03-park", dict(certified=YES, building_area_m2=30_001), True, 2_000_000, "formula"),
    (
        "c03-park",
        dict(certified=YES, building_area_m2=50_000, requested=1_500_000),
        True,
        1_500_000,
        "requested",
    ),
    ("c03-park", dict(certified=NO, building_area_m2=50_000), False, 0, None),
    # 四 purchase: "注册资本2000万元以上" includes 20,000,000; 500 元/m², at most 500万
    ("c04-buy", dict(BUY, purchase_area_m2=8_000), True, 4_000_000, "formula"),
    ("c04-buy", dict(BUY, purchase_area_m2=12_000), True, 5_000_000, "cap"),
    ("c04-buy", dict(BUY, registered_capital=19_999_999, purchase_area_m2=100), False, 0, None),
    ("c04-buy", dict(BUY, has_land_cert=NO, purchase_area_m2=100), False, 0, None),
    ("c04-buy", dict(BUY, has_property_cert=None, purchase_area_m2=100), False, 0, None),
    # 四 rent: 20 元/m²/month, at most 100万 a year, only in a park
    ("c04-rent", dict(in_park=YES, rent_area_m2=1_000, rent_months=12), True, 240_000, "formula"),
    ("c04-rent", dict(in_park=YES, rent_area_m2=5_000, rent_months=12), True, 1_000_000, "cap"),
    ("c04-rent", dict(in_park=NO, rent_area_m2=1_000, rent_months=12), False, 0, None),
    # 五: 50% of the line fee, whole yuan downwards
    ("c05-line", dict(line_fee=123_457), True, 61_728, "formula"),
    ("c05-line", dict(line_fee=0), False, 0, None),
    # 六: 50% of investment, at most 200万 a sub-platform, certified only
    ("c06-platform", dict(certified=YES, platform_investment=5_000_000), True, 2_000_000, "cap"),
    ("c06-platform", dict(certified=YES, platform_investment=1_000_000), True, 500_000, "formula"),
    ("c06-platform", dict(certified=NO, platform_investment=1_000_000), False, 0, None),
    # 七: "达到" includes the threshold
    ("c07-global", GLOBAL, True, 1_000_000, "formula"),
    ("c07-global", dict(GLOBAL, employees=99), False, 0, None),
    ("c07-global", dict(GLOBAL, offshore_usd=4_999_999), False, 0, None),
    ("c07-global", dict(GLOBAL, global_top100=NO), False, 0, None),  # 全球百强企业
    ("c07-global", dict(GLOBAL, newly_settled=None), False, 0, None),  # 新入驻
    ("c07-domestic", dict(DOMESTIC, domestic_top100=NO), False, 0, None),
    ("c07-domestic", DOMESTIC, True, 500_000, "formula"),
    ("c07-domestic", dict(DOMESTIC, registered_capital=9_999_999), False, 0, None),
    # 七 other: "进入长春的其他服务外包企业，视条件" (the scenario's 200,000), neither top-100 kind
    ("c07-other", dict(newly_settled=YES), True, 200_000, "formula"),
    ("c07-other", dict(newly_settled=YES, requested=150_000), True, 150_000, "requested"),
    ("c07-other", dict(), False, 0, None),
    ("c07-other", dict(newly_settled=YES, domestic_top100=YES), False, 0, None),
    ("c07-hq", dict(is_headquarters=YES, offshore_usd=5_000_000), True, 1_000_000, "formula"),
    ("c07-hq", dict(is_headquarters=YES, offshore_usd=4_999_999), False, 0, None),
    # 八
    (
        "c08-spinoff",
        dict(SPINOFF, offshore_usd=3_000_000),  # 0.1 元 per dollar (the scenario's), at most 20万
        True,
        200_000,
        "cap",
    ),
    ("c08-spinoff", dict(SPINOFF, offshore_usd=300_000), True, 30_000, "formula"),
    ("c08-spinoff", dict(SPINOFF, state_owned_spinoff=NO, offshore_usd=300_000), False, 0, None),
    ("c08-spinoff", dict(SPINOFF, in_mofcom_system=NO, offshore_usd=300_000), False, 0, None),
    ("c08-spinoff", dict(SPINOFF, offshore_usd=0), False, 0, None),
    # 九: 0.2 元 per dollar of increment
    ("c09-offshore", dict(offshore_increment_usd=1_234_567), True, 246_913, "formula"),
    ("c09-offshore", dict(offshore_increment_usd=0), False, 0, None),
    # 十 (discretionary rate 0.5 in the test scenario)
    ("c10-expo", dict(expo_fee=80_000), True, 40_000, "formula"),
    # 十一, 十二 (discretionary amounts)
    ("c11-institution", dict(certified=YES), True, 300_000, "formula"),
    ("c11-institution", dict(certified=YES, requested=100_000), True, 100_000, "requested"),
    ("c11-institution", dict(certified=NO), False, 0, None),
    ("c12-talent-base", dict(), True, 1_000_000, "formula"),
    # 十三: 2,000 per hire, 1,000 per trainee
    ("c13-hire", dict(certified=YES, eligible_hires=37), True, 74_000, "formula"),
    ("c13-hire", dict(certified=YES, eligible_hires=0), False, 0, None),
    ("c13-hire", dict(certified=NO, eligible_hires=37), False, 0, None),  # 经认定的我市服务外包企业
    ("c13-train", dict(certified=YES, trained_hired=15), True, 15_000, "formula"),
    ("c13-train", dict(certified=None, trained_hired=15), False, 0, None),  # 经认定符合条件的服务外包培训机构
    # 十四 (discretionary per person)
    ("c14-talent", dict(talents=3), True, 90_000, "formula"),
    # 十五: 50% with caps 100万 / 50万
    ("c15-innovation", dict(project_investment=3_000_000), True, 1_000_000, "cap"),
    ("c15-innovation", dict(project_investment=800_000), True, 400_000, "formula"),
    ("c15-tech", dict(purchase_amount=2_000_000), True, 500_000, "cap"),
    ("c15-tech", dict(purchase_amount=600_001), True, 300_000, "formula"),
    # 十六: 50%, only the part not supported nationally/provincially; none if fully supported
    ("c16-cert", dict(cert_cost=100_000), True, 50_000, "formula"),
    ("c16-cert", dict(cert_cost=100_000, other_support=70_000), True, 30_000, "formula"),
    ("c16-cert", dict(cert_cost=100_000, other_support=100_000), False, 0, None),
    ("c16-cert", dict(cert_cost=100_000, fully_supported=YES), False, 0, None),
    # 十七, 十八 (discretionary amounts)
    ("c17-alliance", dict(), True, 200_000, "formula"),
    ("c18-services", dict(requested=800_000), True, 500_000, "formula"),
]


@pytest.mark.parametrize(("item", "fields", "eligible", "cap", "basis"), CASES)
def test_item_eligibility_and_cap(item, fields, eligible, cap, basis):
    out = caps(frame([row("A0001", item, **fields)]), POLICY, scenario()).frame.iloc[0]
    assert bool(out["eligible"]) is eligible
    assert out["cap"] == cap
    if eligible:
        assert out["cap_basis"] == basis
        assert out["ineligible_reason"] == ""
    else:
        assert out["ineligible_reason"]


def test_every_item_has_a_case():
    assert {c[0] for c in CASES} == {it.id for it in POLICY.items}


def test_ineligible_reason_names_clause_condition_and_value():
    fields = dict(BUY, registered_capital=18_000_000, purchase_area_m2=100)
    out = caps(frame([row("A0017", "c04-buy", **fields)]), POLICY, scenario()).frame.iloc[0]
    assert out["ineligible_reason"] == "不符合条款（四）：要求注册资本2000万元以上（注册资本 18,000,000 元）"
    assert out["failed_condition"] == "注册资本2000万元以上"


def test_city_share_of_premises_items_is_half():
    f = caps(
        frame([row("A1", "c04-buy", **BUY, purchase_area_m2=10), row("A2", "c13-hire", eligible_hires=1)]),
        POLICY,
        scenario(),
    ).frame
    assert f.set_index("application_id")["city_share"].to_dict() == {"A1": 0.5, "A2": 1.0}


def test_missing_discretionary_number_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="c10-expo"):
        caps(frame([row("A1", "c10-expo", expo_fee=1000)]), POLICY, scenario(discretionary={}))


def test_unknown_weight_item_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="c99"):
        caps(frame([row("A1", "c13-hire", eligible_hires=1)]), POLICY, scenario(weights={"c99": 2.0}))


def test_blank_score_takes_the_scenario_default_and_weights_multiply():
    rows = [
        row("A1", "c13-hire", eligible_hires=1, score=None),
        row("A2", "c13-hire", eligible_hires=1, score=90),
    ]
    f = caps(frame(rows), POLICY, scenario(default_score=50.0, weights={"c13-hire": 2.0})).frame
    assert f["value"].tolist() == [1.0, 1.8]
