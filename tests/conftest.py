"""Shared fixtures: a small allocation result built by hand (no solver), with exact whole-yuan figures.

Scenario: annual fund 3,000,000 + carryover 250,000 = 3,250,000 available; admin 20,000 + 100 × 8 = 20,800
(limit 1% = 30,000).

====  ======  ===============  =========  =========  ==========  ==========  ============================
id    区       item             cap        award      city        district    status
====  ======  ===============  =========  =========  ==========  ==========  ============================
A001  朝阳区   c04-buy (½ city) 3,000,000  3,000,000  1,500,000   1,500,000   funded
A002  高新区   c13-hire           300,000    300,000    300,000           0   funded
A003  朝阳区   c15-innovation     800,000    800,000    800,000           0   funded
A004  高新区   c15-innovation   1,000,000    500,000    500,000           0   partial
A005  朝阳区   c13-hire            80,000          0          0           0   unfunded ('<script>' applicant)
A006  高新区   c04-buy                  0          0          0           0   ineligible (注册资本)
A007  朝阳区   c13-hire            60,000     60,000     60,000           0   funded ('=' name, '-' reason)
A008  高新区   c13-hire            50,000     50,000     50,000           0   funded
====  ======  ===============  =========  =========  ==========  ==========  ============================

awarded 4,710,000 = city 3,210,000 + district 1,500,000; carryover_out = 3,250,000 − 3,210,000 − 20,800
= 19,200; eligible caps 5,290,000. Another 1,000,000 would raise A004 to 1,000,000 and fund A005 (80,000).

:func:`build_rule_result` is the same allocation under the rule ``maxmin`` with limits and two overrides:
A003 fixed at its cap (800,000, 拟支持名单) and A005 fixed at 0 (未支持名单), both status ``overridden``; a
MILP (min_award 50,000) with gap 0.12%, and a :class:`RuleComparison` with the default rule (value
3,000,000 against 3,400,000: cost 400,000, 11.76%).
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from allocator.config.scenario import Limits, Override, Scenario
from allocator.core.result import (
    TABLE_COLUMNS,
    AllocationResult,
    NextMillion,
    RuleComparison,
    SolverInfo,
    Status,
    Summary,
)
from allocator.policy.pack import load_policy

# CI must not find a new random example on its own: derandomised there (the seed follows the test),
# random on a developer's machine, where a new failure is worth finding.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

NAN = math.nan
EVIL_APPLICANT = "=SUM(A1)外包服务有限公司"
SCRIPT_APPLICANT = "<script>alert(1)</script>软件有限公司"
DASH_REASON = "-按条款（十三）全额支持：30人×2,000元"
DIGIT_CODE = "912201011234567897"
# fmt: off
ROWS = [
    # id, applicant, credit_code, district, item, requested, score, eligible, failed_condition,
    #   policy_amount, cap, city_share, award, status, reason
    ("A001", "长春启明软件有限公司", "91220101MA0Y3K7L2G", "朝阳区", "c04-buy", 3_000_000, 85.0, True, "",
     3_000_000, 3_000_000, 0.5, 3_000_000, Status.FUNDED, "按条款（四）全额支持：购买6,000平方米×500元"),
    ("A002", "吉林数联信息技术有限公司", DIGIT_CODE, "高新区", "c13-hire", 300_000, 80.0, True, "",
     300_000, 300_000, 1.0, 300_000, Status.FUNDED, "按条款（十三）全额支持：150人×2,000元"),
    ("A003", "长春云帆科技有限公司", "91220104MA14XQ0N89", "朝阳区", "c15-innovation", NAN, 75.0, True, "",
     800_000, 800_000, 1.0, 800_000, Status.FUNDED, "按条款（十五）全额支持：投资额的50%"),
    ("A004", "北方外包服务股份有限公司", "91220102MA17R5WT3F", "高新区", "c15-innovation", 1_200_000, 70.0,
     True, "", 1_500_000, 1_000_000, 1.0, 500_000, Status.PARTIAL, "预算余额有限：部分支持（上限100万元）"),
    ("A005", SCRIPT_APPLICANT, "91220106MA0YBQ4E60", "朝阳区", "c13-hire", 80_000, 40.0, True, "",
     80_000, 80_000, 1.0, 0, Status.UNFUNDED, "预算已用完：评审得分较低（40分）"),
    ("A006", "长春恒信数据有限公司", "91220104702413658U", "高新区", "c04-buy", 2_000_000, NAN, False,
     "注册资本2000万元以上", 0, 0, 0.5, 0, Status.INELIGIBLE,
     "不符合条款（四）：注册资本 18,000,000 元低于 2000万元以上"),
    ("A007", EVIL_APPLICANT, "91220101MA14U9JD19", "朝阳区", "c13-hire", 60_000, 65.0, True, "",
     60_000, 60_000, 1.0, 60_000, Status.FUNDED, DASH_REASON),
    ("A008", "长春智汇人力资源有限公司", "912201063200567899", "高新区", "c13-hire", 50_000, 60.0, True, "",
     50_000, 50_000, 1.0, 50_000, Status.FUNDED, "按条款（十三）全额支持：25人×2,000元"),
]
# fmt: on


def build_table(policy) -> pd.DataFrame:
    records = []
    for i, row in enumerate(ROWS):
        aid, applicant, code, district, item, requested, score, eligible, failed = row[:9]
        amount, cap, share, award, status, reason = row[9:]
        it = policy.item(item)
        city = int(award * share)
        weight = 1.0
        records.append(
            {
                "application_id": aid,
                "applicant": applicant,
                "credit_code": code,
                "district": district,
                "item": item,
                "item_name": it.name,
                "clause": it.clause,
                "source_sheet": "申报表",
                "source_row": i + 2,
                "requested": float(requested),
                "score": score,
                "eligible": eligible,
                "failed_condition": failed,
                "policy_amount": amount,
                "cap": cap,
                "city_share": share,
                "weight": weight,
                "value": weight * (60.0 if math.isnan(score) else score) / 100,
                "award": award,
                "city_cost": city,
                "district_cost": award - city,
                "status": status,
                "reason": reason,
            }
        )
    table = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    for col in ("policy_amount", "cap", "award", "city_cost", "district_cost"):
        table[col] = table[col].astype("int64")
    return table


def build_result(next_million: bool = True) -> AllocationResult:
    policy = load_policy("changchun-2017")
    scenario = Scenario(
        name="2017 年度测试方案",
        policy="changchun-2017",
        year=2017,
        applications=Path("data/test-applications.xlsx"),
        path=Path("scenarios/test.toml"),
        annual_fund=3_000_000,
        carryover_in=250_000,
        carryover_source="250000",
        admin_fixed=20_000,
        admin_per_application=100,
        weights={"c13-hire": 1.0},
        discretionary={"c10-expo": {"rate": 0.5}},
        discretionary_notes={"c10-expo": "假设：展位费、布展费按50%补助"},
    )
    table = build_table(policy)
    summary = Summary(
        annual_fund=3_000_000,
        carryover_in=250_000,
        available=3_250_000,
        admin=20_800,
        awarded=4_710_000,
        city_cost=3_210_000,
        district_cost=1_500_000,
        carryover_out=19_200,
        status="optimal",
        applications=8,
        funded=6,
        eligible=7,
        requested_total=5_290_000,
        admin_planned=20_800,
        admin_limit=30_000,
    )
    changed = pd.DataFrame(
        {
            "application_id": ["A004", "A005"],
            "applicant": ["北方外包服务股份有限公司", SCRIPT_APPLICANT],
            "item": ["c15-innovation", "c13-hire"],
            "item_name": ["创新型项目补助", "新录用员工培训补助"],
            "district": ["高新区", "朝阳区"],
            "award": [500_000, 0],
            "award_after": [1_000_000, 80_000],
            "gain": [500_000, 80_000],
        }
    )
    nm = NextMillion(
        extra=1_000_000,
        value_gain=382_000.0,
        awarded_gain=580_000,
        city_cost_gain=580_000,
        newly_funded=1,
        changed=changed,
    )
    return AllocationResult(
        scenario=scenario,
        policy=policy,
        table=table,
        summary=summary,
        solver=SolverInfo("HiGHS", "1.7.2", "optimal", 3_412_345.0, 0.12, mip=False, stages=2),
        manifest={
            "scenario": "scenarios/test.toml",
            "applications": {"path": "data/test-applications.xlsx", "sha256": "ab" * 32},
            "versions": {"allocator": "0.1.0", "pulp": "2.8.0", "highspy": "1.7.2", "python": "3.11.9"},
            "generated_at": "2017-09-01T10:00:00+08:00",
        },
        next_million=nm if next_million else None,
    )


OVERRIDE_REASON = "市政府专题会议纪要〔2017〕12号"
ZERO_REASON = "<b>领导小组会议决定暂缓</b>"  # markup: must be escaped in report.html


def build_rule_result(comparison: bool = True) -> AllocationResult:
    """:func:`build_result` under ``maxmin``, with limits, overrides, a MILP and the default-rule comparison."""
    base = build_result()
    scenario = dataclasses.replace(
        base.scenario,
        rule="maxmin",
        tiers=(("c13-hire",), ("c15-innovation", "c04-buy")),
        limits=Limits(
            min_award=50_000,
            per_enterprise=3_000_000,
            item_share={"c13-hire": (0.05, 0.30)},
            district_budget={"朝阳区": 2_000_000},
        ),
        overrides=(Override("A003", "cap", OVERRIDE_REASON), Override("A005", 0, ZERO_REASON)),
        mip_gap=0.001,
    )
    table = base.table.copy()
    for aid, reason in (("A003", OVERRIDE_REASON), ("A005", ZERO_REASON)):
        k = table.index[table["application_id"] == aid][0]
        table.at[k, "status"] = Status.OVERRIDDEN
        table.at[k, "reason"] = f"决定支持 {int(table.at[k, 'award']):,} 元：{reason}"
    summary = dataclasses.replace(base.summary, rule="maxmin", value=3_000_000.0, shadow_price=0.8512)
    solver = SolverInfo(
        "HiGHS",
        "1.7.2",
        "optimal",
        3_000_000.0,
        0.31,
        mip=True,
        stages=3,
        gap=0.0012,
        rule="maxmin",
        level=0.5,
    )
    cmp = RuleComparison(
        rule="maxmin",
        value=3_000_000.0,
        default_value=3_400_000.0,
        funded=6,
        default_funded=5,
        min_coverage=0.5,
        default_min_coverage=0.0,
    )
    return dataclasses.replace(
        base,
        scenario=scenario,
        table=table,
        summary=summary,
        solver=solver,
        comparison=cmp if comparison else None,
    )


@pytest.fixture
def small_result() -> AllocationResult:
    return build_result()


@pytest.fixture
def rule_result() -> AllocationResult:
    return build_rule_result()


# ---------------------------------------------------------------- batches, waitlist, ledger, plans
#: 候补名单 of :func:`build_batch_result`: A004 (cut short) then A005 (cut), as another 1,000,000 would reach them.
WAITLIST_ROWS = [
    # rank, id, applicant, item, district, cap, award, next_award, next_city_cost
    (1, "A004", "北方外包服务股份有限公司", "c15-innovation", "高新区", 1_000_000, 500_000, 500_000, 500_000),
    (2, "A005", SCRIPT_APPLICANT, "c13-hire", "朝阳区", 80_000, 0, 80_000, 80_000),
]
LEDGER_UNTIL = "2020-12-31"


def build_waitlist() -> pd.DataFrame:
    from allocator.core.result import WAITLIST_COLUMNS

    records, cumulative = [], 0
    for rank, aid, applicant, item, district, cap, award, nxt, city in WAITLIST_ROWS:
        cumulative += city
        records.append(
            {
                "rank": rank,
                "application_id": aid,
                "applicant": applicant,
                "item": item,
                "item_name": "",  # filled from the policy by the writers
                "district": district,
                "cap": cap,
                "award": award,
                "shortfall": cap - award,
                "next_award": nxt,
                "next_city_cost": city,
                "cumulative_city_cost": cumulative,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(WAITLIST_COLUMNS))


def build_ledger() -> pd.DataFrame:
    from allocator.core.result import LEDGER_COLUMNS

    return pd.DataFrame(
        [
            {
                "application_id": "A001",
                "applicant": "长春启明软件有限公司",
                "credit_code": DIGIT_CODE,
                "district": "朝阳区",
                "purchase_area_m2": 6_000.5,
                "award": 3_000_000,
                "approved_on": "2017-12-31",
                "no_transfer_until": LEDGER_UNTIL,
                "clause": "四",
                "note": "自用未满3年的不得转让出售和出租",
            }
        ],
        columns=list(LEDGER_COLUMNS),
    )


def build_batch_result() -> AllocationResult:
    """:func:`build_result` as batch 2 with 10,000 reserved for later batches (part of the 19,200 carried
    over), 50,000 of city cost owed from last year, the waitlist and the ledger."""
    base = build_result()
    summary = dataclasses.replace(base.summary, reserve=10_000, batch=2, commitments_in=50_000)
    return dataclasses.replace(base, summary=summary, waitlist=build_waitlist(), ledger=build_ledger())


@pytest.fixture
def batch_result() -> AllocationResult:
    return build_batch_result()


#: The years of :func:`build_plan`: (year, annual fund, commitments_in city cost); each year's allocation is
#: :func:`build_result`'s (city cost 3,210,000, admin 20,800), so the carryover runs
#: 250,000 → 19,200 → 88,400 → 57,600.
PLAN_YEARS = ((2017, 3_000_000, 50_000), (2018, 3_300_000, 120_000), (2019, 3_200_000, 0))
PLAN_CARRYOVER_IN = 250_000


def _commitment(aid, source, from_year, to_year, award, applicant="长春租赁外包有限公司") -> dict:
    return {
        "application_id": aid,
        "source_id": source,
        "applicant": applicant,
        "credit_code": "91220101MA0RENT01X",
        "district": "南关区",
        "item": "c04-rent",
        "from_year": from_year,
        "to_year": to_year,
        "award": award,
        "city_cost": award // 2,
    }


def build_plan(foresight: bool = True):
    """A three-year plan by hand: commitments owed from 2016 into 2017 (100,000; city 50,000), from 2017 into
    2018 (240,000; city 120,000), and from 2019 beyond the plan into 2020 (200,000; city 100,000)."""
    from allocator.core.result import CHAIN_COLUMNS, COMMITMENT_COLUMNS, PlanResult, YearOutcome

    def frame(rows):
        return pd.DataFrame(rows, columns=list(COMMITMENT_COLUMNS))

    owed_in = {
        2017: [_commitment("A101", "R16-01", 2016, 2017, 100_000)],
        2018: [_commitment("B201", "A901", 2017, 2018, 240_000, "长春云租信息有限公司")],
        2019: [],
    }
    owed_out = {
        2017: [_commitment("B201", "A901", 2017, 2018, 240_000, "长春云租信息有限公司")],
        2018: [],
        2019: [_commitment("", "C301", 2019, 2020, 200_000, "长春远景外包有限公司")],
    }
    years, chain, carry = [], [], PLAN_CARRYOVER_IN
    base = build_result()
    for year, fund, owed in PLAN_YEARS:
        s = base.summary
        available = fund + carry
        out = available - s.city_cost - s.admin
        summary = dataclasses.replace(
            s,
            annual_fund=fund,
            carryover_in=carry,
            available=available,
            carryover_out=out,
            commitments_in=owed,
        )
        scenario = dataclasses.replace(base.scenario, name=f"{year} 年度测试方案", year=year)
        result = dataclasses.replace(
            base,
            scenario=scenario,
            summary=summary,
            ledger=build_ledger().assign(approved_on=f"{year}-12-31", no_transfer_until=f"{year + 3}-12-31")
            if year != 2018
            else None,
        )
        years.append(YearOutcome(year, result, frame(owed_in[year]), frame(owed_out[year])))
        row = {c: getattr(summary, c, 0) for c in CHAIN_COLUMNS if c != "year"}
        row.update(
            year=year,
            commitments_in=owed,
            commitments_out=sum(c["city_cost"] for c in owed_out[year]),
            value=1_234_567.5 + year,
        )
        chain.append(row)
        carry = out
    fs = None
    if foresight:
        fs = pd.DataFrame(
            {
                "year": [y for y, _, _ in PLAN_YEARS],
                "value_joint": [3_400_000.25, 3_500_000.5, 3_300_000.0],
                "value_sequential": [3_350_000.0, 3_450_000.0, 3_300_000.0],
                "awarded_joint": [4_710_000, 4_800_000, 4_600_000],
                "awarded_sequential": [4_650_000, 4_700_000, 4_600_000],
                "carryover_out_joint": [19_200, 88_400, 57_600],
                "carryover_out_sequential": [79_200, 148_400, 57_600],
            }
        )
    return PlanResult(
        name="2017—2019 年度规划测试",
        policy=base.policy,
        mode="joint" if foresight else "sequential",
        years=tuple(years),
        chain=pd.DataFrame(chain, columns=list(CHAIN_COLUMNS)),
        carryover_in=PLAN_CARRYOVER_IN,
        foresight=fs,
        path="plans/test.toml",
    )


@pytest.fixture
def plan_result():
    return build_plan()


# ---------------------------------------------------------------- another policy pack's levels
#: :func:`build_result`'s items as heilongjiang-2008 items with the same shares (c04-buy ½ / ½, the others the
#: fund alone), so every figure stays; its districts as that pack's regions (cities).
HLJ_ITEMS = {"c04-buy": "h12-purchase", "c13-hire": "h05-cert", "c15-innovation": "h11-rd"}
HLJ_DISTRICTS = {"朝阳区": "哈尔滨市", "高新区": "大庆市"}


def build_heilongjiang_result() -> AllocationResult:
    """:func:`build_rule_result` (limits, overrides) with a waitlist, under heilongjiang-2008: levels 省级 (the
    fund, ``city_cost``) and 市级 (the co-funding cities, ``district_cost``)."""
    base = build_rule_result()
    policy = load_policy("heilongjiang-2008")

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["item"] = out["item"].map(HLJ_ITEMS)
        out["district"] = out["district"].map(HLJ_DISTRICTS)
        if "item_name" in out:
            out["item_name"] = [policy.item(i).name for i in out["item"]]
        if "clause" in out:
            out["clause"] = [policy.item(i).clause for i in out["item"]]
        return out

    limits = dataclasses.replace(
        base.scenario.limits, item_share={"h05-cert": (0.05, 0.30)}, district_budget={"哈尔滨市": 2_000_000}
    )
    scenario = dataclasses.replace(
        base.scenario,
        name="2008 年度黑龙江测试方案",
        policy="heilongjiang-2008",
        year=2008,
        tiers=(("h05-cert",), ("h11-rd", "h12-purchase")),
        weights={"h05-cert": 1.0},
        discretionary={},
        discretionary_notes={},
        limits=limits,
    )
    nm = dataclasses.replace(base.next_million, changed=relabel(base.next_million.changed))
    return dataclasses.replace(
        base,
        scenario=scenario,
        policy=policy,
        table=relabel(base.table),
        next_million=nm,
        waitlist=relabel(build_waitlist()).assign(item_name=""),
    )


@pytest.fixture
def heilongjiang_result() -> AllocationResult:
    return build_heilongjiang_result()


# ---------------------------------------------------------------- the budget frontier (report.html, report.pdf)
#: :func:`build_frontier`'s points: (available, weighted value, funded); the scenario's own fund is the middle
#: one. Each extra million buys 912,345.00 of weighted value up to the fund, 382,000.00 after it.
FRONTIER_POINTS = ((2_250_000, 2_500_000.0, 5), (3_250_000, 3_412_345.0, 6), (4_250_000, 3_794_345.0, 7))


def build_frontier(points=FRONTIER_POINTS, own: int = 3_250_000):
    """A small :class:`allocator.analysis.sweep.Frontier` by hand, around :func:`build_result`'s 3,250,000."""
    from allocator.analysis.sweep import Frontier

    frame = pd.DataFrame(
        [
            {
                "budget": b,
                "value": v,
                "funded": f,
                "awarded": b + 1_400_000,
                "city_cost": b - 40_000,
                "carryover_out": 19_200,
            }
            for b, v, f in points
        ]
    )
    step = frame["budget"].diff()
    frame["extra_value"] = (frame["value"].diff() / step * 1_000_000).round(2)
    frame["extra_funded"] = frame["funded"].diff()
    n = len(points)
    coverage = pd.DataFrame(
        {
            "c04-buy": [min(1.0, 0.6 + 0.2 * k) for k in range(n)],
            "c13-hire": [min(1.0, 0.7 + 0.15 * k) for k in range(n)],
            "c15-innovation": [min(1.0, 0.4 + 0.3 * k) for k in range(n)],
        },
        index=pd.Index([b for b, _, _ in points], name="budget"),
    )
    names = {
        "c04-buy": "购买、自建办公用房补助",
        "c13-hire": "新录用员工培训补助",
        "c15-innovation": "创新型项目补助",
    }
    return Frontier(frame, coverage, own, names)


def build_frontier_result() -> AllocationResult:
    """:func:`build_result` with :func:`build_frontier`, as ``allocator run`` sets it."""
    return dataclasses.replace(build_result(), frontier=build_frontier())


@pytest.fixture
def frontier_result() -> AllocationResult:
    return build_frontier_result()


#: The cross-cutting suites, each in its own folder, marked by where they are (``pytest -m "not slow"``).
FOLDER_MARKS = {"e2e": ("e2e", "slow"), "robustness": ("robustness", "slow")}


def pytest_collection_modifyitems(config, items):
    """Mark the tests of tests/e2e/ and tests/robustness/ (every one of them ``slow`` too)."""
    here = Path(__file__).resolve().parent
    for item in items:
        parts = Path(item.fspath).resolve().relative_to(here).parts
        for name in FOLDER_MARKS.get(parts[0] if len(parts) > 1 else "", ()):
            item.add_marker(getattr(pytest.mark, name))
