"""What a leader reads first: another 1,000,000 yuan in yuan and projects (allocator.outputs.leaders)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from allocator.analysis.sweep import Frontier
from allocator.outputs.leaders import lead, lead_line, lead_source
from tests.conftest import build_frontier, build_result

OWN = 3_250_000


def frontier_with_figures() -> Frontier:
    """:func:`build_frontier` with Σ award by item and by district at each fund size (whole yuan), by hand:
    one million more gives 创新型项目补助 +600,000 and 新录用员工培训补助 +300,000 (900,000 in all, the
    rest of the million stays unspent), 高新区 +600,000, 朝阳区 +200,000, 南关区 +100,000."""
    budgets = pd.Index([2_250_000, OWN, 4_250_000], name="budget")
    awarded = pd.DataFrame(
        {
            "c04-buy": [3_000_000] * 3,
            "c13-hire": [150_000, 410_000, 710_000],
            "c15-innovation": [500_000, 1_300_000, 1_900_000],
        },
        index=budgets,
    )
    by_district = pd.DataFrame(
        {
            "高新区": [2_000_000, 3_000_000, 3_600_000],
            "朝阳区": [1_650_000, 1_710_000, 1_910_000],
            "南关区": [0, 0, 100_000],
        },
        index=budgets,
    )
    f = build_frontier()
    points = f.points.copy()
    points["awarded"] = awarded.sum(axis=1).to_numpy()
    points["city_cost"] = points["awarded"] - 1_500_000
    points["funded"] = [5, 6, 8]
    return dataclasses.replace(f, points=points, awarded=awarded, by_district=by_district)


def test_the_waitlist_leads_even_with_a_frontier_one_million_above():
    """What release would do with the money (the walk) is what the lead line says; the frontier's re-solve
    may reach other applications, and would then contradict the 候补名单."""
    result = dataclasses.replace(build_result(), frontier=frontier_with_figures())
    assert lead(result).source == "next_million"
    assert lead_line(result, "市级") == lead_line(build_result(), "市级")


def test_the_frontier_leads_when_there_is_no_waitlist_figure():
    result = dataclasses.replace(build_result(), frontier=frontier_with_figures(), next_million=None)
    it = lead(result)
    assert (it.source, it.extra, it.newly_funded, it.awarded_gain, it.city_gain) == (
        "frontier",
        1_000_000,
        2,
        900_000,
        900_000,
    )
    assert it.items == (("创新型项目补助", 600_000), ("新录用员工培训补助", 300_000))  # c04-buy did not move
    assert it.districts == (("高新区", 600_000), ("朝阳区", 200_000), ("南关区", 100_000))
    assert lead_line(result, "市级") == (
        "再增加100万元：新增支持 2 项、多支持 900,000 元，主要流向 创新型项目补助 600,000 元、"
        "新录用员工培训补助 300,000 元；按区：高新区 600,000 元、朝阳区 200,000 元、南关区 100,000 元。"
    )
    assert "整体重新测算" in lead_source(result)


def test_the_waitlist_leads_without_a_frontier():
    result = build_result()  # no frontier: the waitlist's million (A004 +500,000, A005 +80,000)
    assert lead(result).source == "next_million"
    line = lead_line(result, "市级")
    assert line.startswith(
        "再增加100万元：新增支持 1 项、多支持 580,000 元，主要流向 创新型项目补助 500,000 元"
    )
    assert "依次递补" in lead_source(result)
    far = dataclasses.replace(build_frontier(), scenario_budget=OWN + 1)  # no point at the fund + 1,000,000
    assert lead(dataclasses.replace(result, frontier=far)).source == "next_million"


def test_the_co_fund_share_is_said_when_the_fund_pays_less():
    nm = dataclasses.replace(build_result().next_million, city_cost_gain=400_000)
    line = lead_line(dataclasses.replace(build_result(), next_million=nm), "市级")
    assert "多支持 580,000 元（其中市级承担 400,000 元）" in line


def test_nothing_more_to_buy_or_nothing_worked_out():
    nm = dataclasses.replace(
        build_result().next_million, awarded_gain=0, city_cost_gain=0, newly_funded=0, changed=None
    )
    said = lead_line(dataclasses.replace(build_result(), next_million=nm))
    assert said == "再增加100万元：拟支持金额不会增加（其余申报已获上限，或受限额约束）。"
    none = build_result(next_million=False)
    assert lead(none) is None and lead_line(none) == "" and lead_source(none) == ""
