"""Issue 15: every clause as the text says it, hand-computed to the yuan.

Caps that belong to a firm (四 purchase and rent, 六 per sub-platform), clause 七's three entries as
alternatives, the identity conditions (七 top-100 and newly settled, 八 state-owned spin-off, 十三
certified), scenario numbers within what they mean, and every reading stated.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.allocation.allocate import allocate
from allocator.allocation.evaluate import caps
from allocator.allocation.rounding import round_awards
from allocator.core.errors import ScenarioError
from allocator.model.build import Budget, build_model
from allocator.policy.pack import load_policy
from tests.builders import (
    BUY,
    DISCRETIONARY,
    DOMESTIC,
    GLOBAL,
    NO,
    POLICY,
    SPINOFF,
    YES,
    frame,
    row,
    scenario,
)

FIRM_A, FIRM_B = "91220101MA00000AAA", "91220101MA00000BBB"
RENT = dict(in_park=YES, rent_months=12)


def run(rows, **changes):
    sc = scenario(**({"annual_fund": 100_000_000} | changes))
    result = allocate(sc, POLICY, frame(rows), next_million=False)
    return result, dict(zip(result.table["application_id"], result.table["award"], strict=True))


def reason(result, app_id: str) -> str:
    return result.table.set_index("application_id").at[app_id, "reason"]


# ------------------------------------------------------------------ 1. caps that belong to a firm


def test_two_purchases_of_one_firm_share_its_5_million():
    """四: "最高补助额不超过500万元" is the enterprise's: 6,000 m² twice is 3,000,000 twice, 5,000,000 in all."""
    rows = [
        row("A1", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
        row("A2", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
        row("B1", "c04-buy", credit_code=FIRM_B, purchase_area_m2=6_000, **BUY),
    ]
    result, award = run(rows)
    assert award["A1"] + award["A2"] == 5_000_000
    assert award["A1"] == award["A2"] == 2_500_000  # the fair tie-break splits the firm's cap evenly
    assert award["B1"] == 3_000_000  # another firm keeps its own cap
    assert "受条款（四）每户最高补助额不超过500万元限制" in reason(result, "A1")
    assert "本企业本年另有 1 项购买、自建办公用房补助申报" in reason(result, "A1")
    table = result.table.set_index("application_id")
    assert table.at["A1", "cap_group"] == table.at["A2", "cap_group"] != table.at["B1", "cap_group"]
    assert result.summary.district_cost == 5_000_000 // 2 + 3_000_000 // 2  # 50/50 with the district


def test_rent_of_one_firm_is_at_most_1_million_a_year_in_all():
    """四 rent: 20 元/m²/month × 3,000 m² × 12 = 720,000 a row; two rows of one firm: 1,000,000 in all."""
    rows = [
        row("A1", "c04-rent", credit_code=FIRM_A, rent_area_m2=3_000, **RENT),
        row("A2", "c04-rent", credit_code=FIRM_A, rent_area_m2=3_000, **RENT),
        row("B1", "c04-rent", credit_code=FIRM_B, rent_area_m2=3_000, **RENT),
    ]
    _, award = run(rows)
    assert award["A1"] + award["A2"] == 1_000_000
    assert award["B1"] == 720_000


def test_sub_platforms_each_have_2_million_and_one_platform_twice_shares_it():
    """六: "单个子平台项目补助不超过200万元" per (enterprise, sub-platform); names compared as read."""
    invest = dict(certified=YES, platform_investment=3_000_000)  # 50 % = 1,500,000 a row
    rows = [
        row("A1", "c06-platform", credit_code=FIRM_A, platform_name="云众包平台", **invest),
        row("A2", "c06-platform", credit_code=FIRM_A, platform_name=" 云众包平台 ", **invest),
        row("A3", "c06-platform", credit_code=FIRM_A, platform_name="人才交流平台", **invest),
        row("B1", "c06-platform", credit_code=FIRM_B, platform_name="云众包平台", **invest),
    ]
    result, award = run(rows)
    assert award["A1"] + award["A2"] == 2_000_000
    assert award["A3"] == 1_500_000 and award["B1"] == 1_500_000
    assert "每个子平台" in reason(result, "A1") and "同一子平台名称" in reason(result, "A1")


def test_a_firm_cap_is_a_named_row_of_the_model_only_where_it_can_bind():
    rows = [
        row("A1", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
        row("A2", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
        row("B1", "c04-buy", credit_code=FIRM_B, purchase_area_m2=2_000, **BUY),
        row("B2", "c04-buy", credit_code=FIRM_B, purchase_area_m2=2_000, **BUY),  # 2,000,000 in all
    ]
    rules = caps(frame(rows), POLICY, scenario()).frame
    model = build_model(rules, Budget(20_000_000, 0, 200_000))
    shared = [b for b in model.bounds.values() if b.kind == "group_cap"]
    assert len(shared) == 1 and shared[0].limit == 5_000_000 and FIRM_A in shared[0].zh
    row_of = model.problem._constraints[shared[0].name]  # PuLP 3.3: no public lookup by name
    assert sorted(v.name for v in row_of) == ["x0000000", "x0000001"]
    assert row_of.constant == -500.0  # 5,000,000 yuan in solver units of 10,000


def test_rounding_never_leaves_a_firm_a_yuan_over_its_cap():
    rows = [
        row("A1", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
        row("A2", "c04-buy", credit_code=FIRM_A, purchase_area_m2=6_000, **BUY),
    ]
    rules = caps(frame(rows), POLICY, scenario()).frame
    solver_answer = np.array([2_500_000.995, 2_499_999.999])  # 5,000,000.99: within a solver's tolerance
    award = round_awards(rules, solver_answer, 0, 20_000_000)
    assert award.sum() == 5_000_000


# ------------------------------------------------------------------ 七: alternatives for one firm


def test_one_firm_gets_one_of_global_domestic_and_other_the_highest():
    both = dict(GLOBAL, domestic_top100=YES)
    rows = [
        row("A1", "c07-domestic", credit_code=FIRM_A, **both),
        row("A2", "c07-global", credit_code=FIRM_A, **both),
        row("A3", "c07-hq", credit_code=FIRM_A, is_headquarters=YES, **both),  # stands beside them
    ]
    result, award = run(rows)
    assert award == {"A1": 0, "A2": 1_000_000, "A3": 1_000_000}
    why = reason(result, "A1")
    assert why.startswith(
        "不符合条款（七）：同一企业在全球百强、国内100强、其他服务外包企业三档引进支持中每年只享受一档"
    )
    assert "A2（引进全球百强企业支持）" in why


# ------------------------------------------------------------------ 2. identity conditions


def test_only_a_newly_settled_global_top100_firm_gets_the_global_entry():
    rows = [
        row("A1", "c07-global", credit_code=FIRM_A, **GLOBAL),
        row("B1", "c07-global", credit_code=FIRM_B, **dict(GLOBAL, global_top100=NO)),
        row("C1", "c07-global", credit_code="C", **dict(GLOBAL, newly_settled=NO)),
        row("D1", "c07-domestic", credit_code="D", **DOMESTIC),
        row("E1", "c07-domestic", credit_code="E", **dict(DOMESTIC, domestic_top100=None)),
    ]
    result, award = run(rows)
    assert award == {"A1": 1_000_000, "B1": 0, "C1": 0, "D1": 500_000, "E1": 0}
    assert reason(result, "B1") == "不符合条款（七）：要求全球百强企业（全球百强企业：否）"
    assert reason(result, "C1").startswith("不符合条款（七）：要求新入驻并在长春市设立独立法人企业")
    assert reason(result, "E1") == "不符合条款（七）：要求国内100强企业（国内100强企业未填写）"


def test_other_entry_is_the_scenario_amount_for_a_newly_settled_firm_of_neither_list():
    rows = [
        row("A1", "c07-other", credit_code=FIRM_A, newly_settled=YES),
        row("B1", "c07-other", credit_code=FIRM_B, newly_settled=YES, global_top100=YES),
        row("C1", "c07-other", credit_code="C", newly_settled=NO),
    ]
    sc = {**DISCRETIONARY, "c07-other": {"amount": 150_000.0}}
    result, award = run(rows, discretionary=sc)
    assert award == {"A1": 150_000, "B1": 0, "C1": 0}
    assert "全球百强" in reason(result, "B1")


def test_spinoff_reward_is_the_scenario_rate_on_offshore_execution_capped_at_200000():
    rows = [
        row("A1", "c08-spinoff", credit_code=FIRM_A, offshore_usd=1_500_000, **SPINOFF),  # × 0.1 = 150,000
        row("B1", "c08-spinoff", credit_code=FIRM_B, offshore_usd=3_000_000, **SPINOFF),  # 300,000 → 200,000
        row("C1", "c08-spinoff", credit_code="C", offshore_usd=1, **SPINOFF),  # $1 earns 0.1 yuan: nothing
        row(
            "D1",
            "c08-spinoff",
            credit_code="D",
            offshore_usd=1_000_000,
            **dict(SPINOFF, state_owned_spinoff=NO),
        ),
    ]
    result, award = run(rows)
    assert award == {"A1": 150_000, "B1": 200_000, "C1": 0, "D1": 0}
    assert reason(result, "D1").startswith("不符合条款（八）：要求国有大型企业和机构剥离服务外包业务设立")


def test_hires_and_trainees_are_paid_to_certified_firms_and_institutions_only():
    rows = [
        row("A1", "c13-hire", credit_code=FIRM_A, certified=YES, eligible_hires=5),
        row("B1", "c13-hire", credit_code=FIRM_B, certified=NO, eligible_hires=5),
        row("C1", "c13-train", credit_code="C", certified=YES, trained_hired=3),
        row("D1", "c13-train", credit_code="D", certified=None, trained_hired=3),
    ]
    result, award = run(rows)
    assert award == {"A1": 10_000, "B1": 0, "C1": 3_000, "D1": 0}
    assert reason(result, "B1") == "不符合条款（十三）：要求经认定的我市服务外包企业（是否经认定：否）"


# ------------------------------------------------------------------ 5, 6. scenario numbers


HLJ = load_policy("heilongjiang-2008")


def hlj_scenario(**params):
    base = {
        "h05-cert": {"amount": 300_000.0},
        "h14-training": {"per_person": 1_500.0, "fund_share": 0.5},
    }
    for key, value in params.items():
        item, name = key.split("__")
        base.setdefault(item.replace("_", "-"), {})[name] = value
    return scenario(policy="heilongjiang-2008", discretionary=base)


def test_a_floor_item_amount_below_its_floor_is_a_scenario_error_naming_the_parameter():
    rows = [row("A1", "h05-cert", intl_certified=YES)]
    with pytest.raises(ScenarioError) as err:
        allocate(hlj_scenario(h05_cert__amount=150_000.0), HLJ, frame(rows, HLJ), next_million=False)
    assert "[discretionary.h05-cert] amount" in err.value.zh
    assert "不低于 200,000" in err.value.zh and "不低于20万元" in err.value.zh
    assert "150000.0" in err.value.zh and "at least 200,000" in err.value.en


def test_the_province_city_split_is_the_scenarios_assumption():
    rows = [row("A1", "h14-training", trained_hired=10)]
    sc = hlj_scenario(h14_training__fund_share=0.3)
    result = allocate(sc, HLJ, frame(rows, HLJ), next_million=False)
    (line,) = result.table.itertuples()
    assert (line.award, line.city_cost, line.district_cost) == (15_000, 4_500, 10_500)
    assert result.policy.item("h14-training").shares_from_scenario
    with pytest.raises(ScenarioError, match=r"fund_share.*0 至 1"):
        allocate(hlj_scenario(h14_training__fund_share=1.5), HLJ, frame(rows, HLJ), next_million=False)
    missing = scenario(policy="heilongjiang-2008", discretionary={"h14-training": {"per_person": 1_500.0}})
    with pytest.raises(ScenarioError, match="fund_share"):
        allocate(missing, HLJ, frame(rows, HLJ), next_million=False)


@pytest.mark.parametrize(
    ("item", "name", "value", "fields"),
    [
        ("c10-expo", "rate", 1.2, dict(expo_fee=10_000)),  # a share: 0–1
        ("c14-talent", "per_person", -1.0, dict(talents=1)),  # an amount: ≥ 0 …
        ("c14-talent", "per_person", 250_000.0, dict(talents=1)),  # … and within the pack's ceiling
        ("c07-other", "amount", 300_000.0, dict(newly_settled=YES)),  # the text's 20万
    ],
)
def test_a_parameter_outside_its_meaning_is_refused(item, name, value, fields):
    sc = scenario(discretionary={**DISCRETIONARY, item: {name: value}})
    with pytest.raises(ScenarioError) as err:
        caps(frame([row("A1", item, **fields)]), POLICY, sc)
    assert f"[discretionary.{item}] {name}" in err.value.zh


def test_an_unused_item_needs_no_number_but_one_in_range_is_fine():
    sc = scenario(discretionary={**DISCRETIONARY, "c10-expo": {"rate": 1.0}})
    rules = caps(frame([row("A1", "c10-expo", expo_fee=10_001)]), POLICY, sc).frame
    assert int(rules["cap"].iat[0]) == 10_001
    bare = dataclasses.replace(scenario(), discretionary={})
    assert caps(frame([row("A1", "c05-line", line_fee=10)]), POLICY, bare).frame["cap"].iat[0] == 5


# ------------------------------------------------------------------ 7. readings


def test_every_open_choice_has_its_reading_in_the_pack():
    stated = {where.split()[0].split("（")[0] for where, _, _ in POLICY.readings()}
    assert {
        "c04-buy",
        "c04-rent",
        "c06-platform",
        "c07-other",
        "c08-spinoff",
        "c13-hire",
        "c16-cert",
    } <= stated
    assert "c07-entry" in stated
    hlj = {where.split()[0] for where, _, _ in HLJ.readings()}
    assert {"h12-purchase", "h12-rent", "h14-training", "h14-placement", "h05-cert"} <= hlj


def test_policy_show_lists_the_readings(capsys):
    from allocator.cli.main import main

    assert main(["policy", "show", "changchun-2017"]) == 0
    out = capsys.readouterr().out
    assert "政策解读（条文未明确之处的取舍）" in out
    assert "c16-cert" in out and "未获支持部分的50%" in out
    assert "5,000,000（每户合计）" in out
    assert "c07-global、c07-domestic、c07-other" in out


def test_policy_check_warns_about_an_amount_left_to_discretion(tmp_path, capsys):
    from importlib import resources

    from allocator.cli.main import main
    from allocator.policy.check import check_pack

    text = (resources.files("allocator") / "policies" / "changchun-2017.toml").read_text(encoding="utf-8")
    assert check_pack_text_ok(text)
    bad = text.replace(
        'quote = "对服务外包企业参加经市商务局同意的国内国际展览、博览会的展位费、布展费，给予适当补助"\ndiscretionary = true',
        'quote = "对服务外包企业参加经市商务局同意的国内国际展览、博览会的展位费、布展费，给予适当补助"\ndiscretionary = false',
    )
    assert bad != text
    pack = tmp_path / "pack.toml"
    pack.write_text(bad, encoding="utf-8")
    (warning,) = check_pack(pack)
    assert warning.warning and "适当" in warning.message_zh and warning.where.endswith("c10-expo.quote")
    assert main(["policy", "check", str(pack)]) == 0  # a hint, not an error
    assert "适当" in capsys.readouterr().out


def check_pack_text_ok(text: str) -> bool:
    from allocator.policy.check import check_text

    return check_text(text, "changchun-2017.toml") == []


def test_the_packs_contract_year_reading_is_the_one_the_roster_applies():
    """十三: the reading the office sees (pack, 参数, policy show) is the rule allocator.intake.roster applies."""
    from allocator.intake.roster import READING_ZH

    reading = POLICY.item("c13-hire").reading
    assert reading.startswith(READING_ZH)
    assert "2017-03-01 至 2018-02-28" in reading and "2017-01-01 至 2017-12-31" in reading


def test_a_hand_typed_workbook_with_the_new_chinese_columns(tmp_path):
    """The office's own sheet: Chinese headers, 是/否, a sub-platform typed with a stray space."""
    import openpyxl

    from allocator.intake.read import read_applications
    from tests.builders import valid_code

    head = ["申报编号", "申报单位", "统一社会信用代码", "所在区", "支持事项", "是否经认定", "子平台名称",
            "平台开发投入（元）", "全球百强企业", "新入驻并在长春设立独立法人", "独立法人", "注册资本（万元）",
            "从业人员（人）", "离岸服务外包执行额（美元）"]  # fmt: skip
    firm = valid_code(7)
    rows = [
        ["P1", "甲公司", firm, "高新区", "c06-platform", "是", "云众包平台", "3,000,000"] + [None] * 6,
        ["P2", "甲公司", firm, "高新区", "公共服务平台建设补助", "是", "云众包平台 ", 3_000_000] + [None] * 6,
        ["P3", "甲公司", firm, "高新区", "c06-platform", "是", "人才交流平台", 1_000_000] + [None] * 6,
        [
            "G1",
            "乙公司",
            valid_code(8),
            "朝阳区",
            "c07-global",
            None,
            None,
            None,
            "是",
            "是",
            "是",
            2000,
            120,
            6e6,
        ],
    ]
    wb = openpyxl.Workbook()
    wb.active.append(head)
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "apps.xlsx")
    apps = read_applications(tmp_path / "apps.xlsx", POLICY).frame
    result = allocate(scenario(annual_fund=100_000_000), POLICY, apps, next_million=False)
    award = dict(zip(result.table["application_id"], result.table["award"], strict=True))
    assert apps.set_index("application_id")["platform_name"].to_dict() == {
        "P1": "云众包平台", "P2": "云众包平台", "P3": "人才交流平台", "G1": None
    }  # fmt: skip
    # one sub-platform twice shares its 2,000,000; another sub-platform of the firm has its own cap
    assert award == {"G1": 1_000_000, "P1": 1_000_000, "P2": 1_000_000, "P3": 500_000}


def test_a_wrong_yes_no_in_an_identity_column_is_named(tmp_path):
    import openpyxl

    from allocator.core.errors import InputError
    from allocator.intake.read import read_applications
    from tests.builders import valid_code

    wb = openpyxl.Workbook()
    wb.active.append(["申报编号", "申报单位", "统一社会信用代码", "所在区", "支持事项", "全球百强企业"])
    wb.active.append(["G1", "乙公司", valid_code(8), "朝阳区", "c07-global", "前100"])
    wb.save(tmp_path / "apps.xlsx")
    with pytest.raises(InputError) as err:
        read_applications(tmp_path / "apps.xlsx", POLICY)
    assert "全球百强企业" in str(err.value) and "前100" in str(err.value)


# ------------------------------------------------------------------ invariants beyond the demo profile

PLATFORMS = ("云众包平台", " 云众包平台", "人才交流平台", None)


@st.composite
def shared_cap_rows(draw):
    rows = []
    for k in range(draw(st.integers(1, 12))):
        firm = f"F{draw(st.integers(0, 2))}"
        item = draw(st.sampled_from(["c04-buy", "c04-rent", "c06-platform", "c07-global", "c07-domestic"]))
        fields = {
            "c04-buy": lambda: dict(BUY, purchase_area_m2=draw(st.integers(100, 12_000))),
            "c04-rent": lambda: dict(RENT, rent_area_m2=draw(st.integers(100, 6_000))),
            "c06-platform": lambda: dict(
                platform_name=draw(st.sampled_from(PLATFORMS)),
                platform_investment=draw(st.integers(1, 6_000_000)),
            ),
            "c07-global": lambda: dict(GLOBAL, domestic_top100=draw(st.sampled_from([YES, NO]))),
            "c07-domestic": lambda: dict(GLOBAL, domestic_top100=YES),
        }[item]()
        rows.append(row(f"A{k:03d}", item, credit_code=firm, score=draw(st.integers(0, 100)), **fields))
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=shared_cap_rows(), share=st.floats(0.1, 1.5), seed=st.integers(0, 2**16))
def test_shared_caps_and_alternatives_hold_at_any_fund(rows, share, seed):
    """Funds from a tenth to one and a half times the demand: no firm above a clause's cap, at most one
    clause 七 entry a firm, whole yuan, and the same awards whatever the row order."""
    demand = int(caps(frame(rows), POLICY, scenario()).frame["cap"].sum())
    sc = scenario(annual_fund=max(int(demand * share), 10_000))
    result = allocate(sc, POLICY, frame(rows), next_million=False)  # verify() checked every group already
    table = result.table.merge(frame(rows)[["application_id", "platform_name"]], on="application_id")
    for item, cap, keys in (
        ("c04-buy", 5_000_000, ["credit_code"]),
        ("c04-rent", 1_000_000, ["credit_code"]),
        ("c06-platform", 2_000_000, ["credit_code", "name"]),
    ):
        part = table[table["item"] == item].assign(name=lambda t: t["platform_name"].fillna("").str.strip())
        assert (part.groupby(keys)["award"].sum() <= cap).all()
    entry = table[table["item"].isin(["c07-global", "c07-domestic"]) & (table["award"] > 0)]
    assert not entry["credit_code"].duplicated().any()
    shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
    again = allocate(sc, POLICY, frame(shuffled), next_million=False)
    assert dict(zip(again.table["application_id"], again.table["award"], strict=True)) == dict(
        zip(result.table["application_id"], result.table["award"], strict=True)
    )
