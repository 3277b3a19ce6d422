"""Multi-year plans: the carryover chain to the yuan, and rent commitments honoured the next year."""

from pathlib import Path

import pytest

from allocator.core.errors import ScenarioError
from allocator.years.plan import load_plan, plan_sequential
from tests.builders import valid_code, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "changchun-2017-2020-plan.toml"


def app(app_id, item, n, **fields):
    return {
        "application_id": app_id,
        "applicant": f"企业{n}",
        "credit_code": valid_code(n),
        "district": "朝阳区",
        "item": item,
        "certified": "是",  # 十三: 经认定的服务外包企业
        **fields,
    }


@pytest.fixture
def small_plan(tmp_path):
    write_workbook(
        tmp_path / "y1.xlsx",
        [
            app(
                "R1", "c04-rent", 1, in_park="是", rent_area_m2=1000, rent_months=12, score=80
            ),  # 240,000; city 120,000
            app("H1", "c13-hire", 2, eligible_hires=100, score=50),  # 200,000
        ],
    )
    write_workbook(tmp_path / "y2.xlsx", [app("H2", "c13-hire", 3, eligible_hires=50, score=90)])  # 100,000
    (tmp_path / "plan.toml").write_text(
        """
[plan]
name = "测试计划"
policy = "changchun-2017"
carryover_in = 10_000
[plan.years.2017]
annual_fund = 290_000
applications = "y1.xlsx"
[plan.years.2018]
annual_fund = 150_000
applications = "y2.xlsx"
""",
        encoding="utf-8",
    )
    return tmp_path / "plan.toml"


def test_hand_solved_two_years_with_a_rent_commitment(small_plan):
    plan = plan_sequential(load_plan(small_plan), next_million=False)
    y1, y2 = (o.result.table.set_index("application_id") for o in plan.years)
    # 2017: 300,000 available; rent first (1.6 per city yuan), then hires get the rest
    assert y1["award"].to_dict() == {"H1": 180_000, "R1": 240_000}
    # 2018: 150,000 available; the rent's second year is owed first, H2 gets what is left
    assert y2["award"].to_dict() == {"H2": 30_000, "R1-2018": 240_000}
    assert "承诺" in y2.at["R1-2018", "reason"] and "2017" in y2.at["R1-2018", "reason"]
    chain = plan.chain.set_index("year")
    assert chain.at[2018, "commitments_in"] == 120_000 and chain.at[2017, "commitments_out"] == 120_000
    assert chain.at[2018, "commitments_out"] == 0  # the rent subsidy runs 2 consecutive years, no more
    assert (
        chain.at[2017, "carryover_in"] == 10_000
        and chain.at[2018, "carryover_in"] == chain.at[2017, "carryover_out"]
    )


def test_shipped_plan_chain_balances_to_the_yuan():
    plan = plan_sequential(load_plan(SHIPPED), next_million=False)
    c = plan.chain
    assert list(c["year"]) == [2017, 2018, 2019, 2020]
    assert (c["carryover_in"].iloc[1:].to_numpy() == c["carryover_out"].iloc[:-1].to_numpy()).all()
    assert (c["available"] == c["annual_fund"] + c["carryover_in"]).all()
    assert (c["carryover_out"] == c["available"] - c["city_cost"] - c["admin"]).all()
    funds = int(c["annual_fund"].sum()) + plan.carryover_in
    assert funds == int((c["city_cost"] + c["admin"]).sum()) + int(c["carryover_out"].iloc[-1])


def test_shipped_plan_honours_every_commitment():
    plan = plan_sequential(load_plan(SHIPPED), next_million=False)
    for before, after in zip(plan.years, plan.years[1:], strict=False):
        owed = before.commitments_out
        assert len(owed) > 0
        got = after.result.table.set_index("application_id")
        for c in after.commitments_in.itertuples(index=False):
            assert got.at[c.application_id, "award"] == c.award
        assert sorted(after.commitments_in["award"]) == sorted(owed["award"])
        assert int(after.commitments_in["city_cost"].sum()) == after.result.summary.commitments_in


def test_bad_plans_are_clear(tmp_path, small_plan):
    text = small_plan.read_text(encoding="utf-8")
    for broken, word in (
        (text.replace('name = "测试计划"', 'name = "测试计划"\nmode = "psychic"'), "mode"),
        (text.replace("[plan.years.2018]", "[plan.years.2019]"), "连续"),
        (text.replace('applications = "y2.xlsx"', ""), "applications"),
        (text.replace("annual_fund = 150_000", "annual_fund = -1"), "annual_fund"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(broken, encoding="utf-8")
        with pytest.raises(ScenarioError, match=word):
            load_plan(bad)


def test_joint_plan_keeps_money_for_a_better_year(small_plan, tmp_path):
    from allocator.years.plan import plan_joint

    text = small_plan.read_text(encoding="utf-8").replace(
        'name = "测试计划"', 'name = "测试计划"\nmode = "joint"'
    )
    # year 2 brings a far better application; foresight keeps money for it
    write_workbook(tmp_path / "y2.xlsx", [app("H2", "c13-hire", 3, eligible_hires=50, score=100)])
    text = text.replace("annual_fund = 150_000", "annual_fund = 40_000")
    joint_file = tmp_path / "joint.toml"
    joint_file.write_text(text, encoding="utf-8")
    plan = plan_joint(load_plan(joint_file))
    y1, y2 = (o.result.table.set_index("application_id") for o in plan.years)
    # sequential: 2017 spends everything (R1 240,000 + H1 180,000); 2018 owes R1's 120,000 and
    # cannot pay it with 40,000 → the sequential plan is infeasible; the joint plan sees it coming
    assert y1.at["R1", "award"] == y2.at["R1-2018", "award"]
    c = plan.chain.set_index("year")
    assert c.at[2017, "carryover_out"] == c.at[2018, "carryover_in"] > 0
    funds = int(c["annual_fund"].sum()) + plan.carryover_in
    assert funds == int((c["city_cost"] + c["admin"]).sum()) + int(c["carryover_out"].iloc[-1])
    assert plan.foresight is None and "逐年分配不可行" in plan.sequential_note


def test_joint_shipped_plan_balances_honours_and_beats_sequential(tmp_path):
    from allocator.years.plan import plan_joint

    text = SHIPPED.read_text(encoding="utf-8").replace('mode = "sequential"', 'mode = "joint"')
    text = text.replace('base = "changchun-2017.toml"', f'base = "{SHIPPED.parent / "changchun-2017.toml"}"')
    text = text.replace('applications = "data/', f'applications = "{SHIPPED.parent}/data/')
    path = tmp_path / "joint.toml"
    path.write_text(text, encoding="utf-8")
    plan = plan_joint(load_plan(path))
    c = plan.chain
    assert (c["carryover_in"].iloc[1:].to_numpy() == c["carryover_out"].iloc[:-1].to_numpy()).all()
    funds = int(c["annual_fund"].sum()) + plan.carryover_in
    assert funds == int((c["city_cost"] + c["admin"]).sum()) + int(c["carryover_out"].iloc[-1])
    for before, after in zip(plan.years, plan.years[1:], strict=False):
        prev = before.result.table.set_index("application_id")["award"]
        now = after.result.table.set_index("application_id")["award"]
        for x in after.commitments_in.itertuples(index=False):
            assert now[x.application_id] == prev[x.source_id] > 0
    f = plan.foresight
    assert f["value_joint"].sum() > f["value_sequential"].sum()  # foresight is worth something
