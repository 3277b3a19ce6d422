"""Contradictions name every party (issue 16, point 3): each fixed award a limit cannot carry by id and
amount with its own smallest fix, and every conflict of the scenario in one message.

The fixes are checked by doing them: the amount a line names, applied alone, makes the run feasible,
and one yuan less does not."""

from __future__ import annotations

import dataclasses
import re

import pytest

from allocator.allocation.allocate import allocate
from allocator.config.scenario import Limits, Override
from allocator.core.errors import InfeasibleError
from tests.builders import POLICY, frame, row, scenario, valid_code

# Hires (c13-hire, the city pays all): 2,000 yuan a hire. Rent (c04-rent): 20 yuan/m² a month, the
# city and the district half each.
APPS = [
    row("H1", "c13-hire", eligible_hires=400, credit_code=valid_code(1)),  # cap 800,000
    row("H2", "c13-hire", eligible_hires=300, credit_code=valid_code(2)),  # cap 600,000
    row("H3", "c13-hire", eligible_hires=50, credit_code=valid_code(3)),  # cap 100,000
    row("R1", "c04-rent", in_park=1.0, rent_area_m2=2_501, rent_months=10, credit_code=valid_code(4)),
]  # R1: cap 500,200, the city's half 250,100


def decide(*pairs) -> tuple[Override, ...]:
    return tuple(Override(app, amount, "领导小组会议决定") for app, amount in pairs)


def run(sc):
    return allocate(sc, POLICY, frame(APPS), next_million=False)


def error_of(sc) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as err:
        run(sc)
    return err.value


def down_to(message: str, app: str) -> int:
    """The award a conflict line says ``app`` may keep."""
    return int(
        re.search(rf"申报编号 {app}（[^）]*）：减至 ([\d,]+) 元即可", message).group(1).replace(",", "")
    )


def test_overrides_over_the_fund_are_named_each_with_the_award_that_settles_it():
    sc = scenario(annual_fund=1_000_000, overrides=decide(("H1", 800_000), ("R1", 500_200), ("H2", 300_000)))
    e = error_of(sc)
    # city cost 800,000 + 250,100 + 300,000 = 1,350,100 against 1,000,000: over by 350,100
    assert "超出可用资金 350,100 元" in e.zh and "可用资金至少须增加 350,100 元" in e.zh
    assert "申报编号 H1（方案决定支持，800,000 元）：减至 449,900 元即可" in e.zh
    assert (
        "申报编号 R1（方案决定支持，500,200 元，其中市级承担 250,100 元）：即使不予支持仍差 100,000 元"
        in e.zh
    )
    assert "申报编号 H2（方案决定支持，300,000 元）：即使不予支持仍差 50,100 元" in e.zh
    assert "H1 (800,000 yuan): down to 449,900 yuan would do" in e.en
    assert e.zh.index("H1") < e.zh.index("H2") < e.zh.index("R1")  # the largest city cost first
    for amount, ok in ((down_to(e.zh, "H1"), True), (down_to(e.zh, "H1") + 1, False)):
        fixed = decide(("H1", amount), ("R1", 500_200), ("H2", 300_000))
        if ok:
            assert run(dataclasses.replace(sc, overrides=fixed)).summary.city_cost == 1_000_000
        else:
            with pytest.raises(InfeasibleError):
                run(dataclasses.replace(sc, overrides=fixed))


def test_a_half_shared_award_is_cut_to_the_yuan_its_city_half_allows():
    sc = scenario(annual_fund=400_000, overrides=decide(("R1", 500_200), ("H3", 100_000), ("H2", 100_000)))
    e = error_of(sc)  # 250,100 + 100,000 + 100,000 = 450,100: over by 50,100
    kept = down_to(e.zh, "R1")
    assert kept == 400_000  # city half 200,000 = 250,100 − 50,100
    fixed = decide(("R1", kept), ("H3", 100_000), ("H2", 100_000))
    assert run(dataclasses.replace(sc, overrides=fixed)).summary.city_cost == 400_000
    with pytest.raises(InfeasibleError):
        run(dataclasses.replace(sc, overrides=decide(("R1", kept + 2), ("H3", 100_000), ("H2", 100_000))))


def test_administration_over_its_limit_and_overrides_over_the_fund_come_in_one_message():
    sc = scenario(
        annual_fund=1_000_000, admin_fixed=30_000, admin_per_application=0,
        overrides=decide(("H1", 800_000), ("H2", 300_000)),
    )  # fmt: skip
    e = error_of(sc)
    lines = [line.strip() for line in e.zh.splitlines()[1:]]
    assert len(lines) == 2 and lines[0].startswith("1. 计划管理费用 30,000 元超过条款（十九）")
    assert "至少须减少 20,000 元" in lines[0]  # 1 % of 1,000,000 is 10,000
    # with administration at its 10,000: 800,000 + 300,000 + 10,000 − 1,000,000 = 110,000 over
    assert lines[1].startswith("2. ") and "超出可用资金 110,000 元" in lines[1]
    assert "申报编号 H1（方案决定支持，800,000 元）：减至 690,000 元即可" in lines[1]
    assert "申报编号 H2（方案决定支持，300,000 元）：减至 190,000 元即可" in lines[1]
    assert "计划管理费用 10,000 元：即使减为 0 仍差 100,000 元" in lines[1]
    assert e.en.splitlines()[1].strip().startswith("1. planned administration 30,000")
    fixed = dataclasses.replace(sc, admin_fixed=10_000, overrides=decide(("H1", 690_000), ("H2", 300_000)))
    assert run(fixed).summary.awarded == 990_000  # both fixes done: feasible, the fund spent whole


def test_administration_alone_over_its_limit_is_one_line_with_its_fix():
    e = error_of(scenario(annual_fund=1_000_000, admin_fixed=30_000))
    assert "计划管理费用 30,000 元超过条款（十九）" in e.zh and "1. " not in e.zh
    assert "至少须减少 20,000 元" in e.zh


def test_a_district_budget_names_the_awards_that_co_pay_in_it():
    sc = scenario(
        annual_fund=5_000_000,
        limits=Limits(district_budget={"朝阳区": 200_000}),
        overrides=decide(("R1", 500_200)),
    )
    e = error_of(sc)  # the district's half: 250,100 against 200,000
    assert "朝阳区配套资金至少须增加 50,100 元" in e.zh
    kept = down_to(e.zh, "R1")
    assert "申报编号 R1（方案决定支持，500,200 元，其中区级配套 250,100 元）" in e.zh
    assert run(dataclasses.replace(sc, overrides=decide(("R1", kept)))).summary.awarded >= kept
    with pytest.raises(InfeasibleError):
        run(dataclasses.replace(sc, overrides=decide(("R1", kept + 1))))


def test_a_per_enterprise_limit_names_the_firm_s_decided_awards():
    apps_firm = [dict(a, credit_code=valid_code(7)) for a in APPS[:2]]
    sc = scenario(limits=Limits(per_enterprise=1_000_000), overrides=decide(("H1", 800_000), ("H2", 600_000)))
    with pytest.raises(InfeasibleError) as err:
        allocate(sc, POLICY, frame(apps_firm), next_million=False)
    e = err.value
    assert "上限至少须提高 400,000 元" in e.zh
    assert "申报编号 H1（方案决定支持，800,000 元）：减至 400,000 元即可" in e.zh
    assert "申报编号 H2（方案决定支持，600,000 元）：减至 200,000 元即可" in e.zh
