"""Scenario files: every key of the contract, and clear errors for bad ones."""

import json

import pytest

from allocator.config.scenario import Override, load_scenario
from allocator.core.errors import ScenarioError

BASE = """
[scenario]
name = "测试"
policy = "changchun-2017"
year = 2017
applications = "apps.xlsx"

[budget]
annual_fund = 20_000_000
carryover_in = {carry}
admin_fixed = 50_000
admin_per_application = 100
"""

FULL = (
    BASE
    + """
[objective]
rule = "priority"
[objective.weights]
c13-hire = 1.5
[objective.priority]
tiers = [["c13-hire", "c13-train"], ["c09-offshore", "c05-line"]]
[limits]
min_award = 10000
per_enterprise = 3000000
[limits.item_share]
c13-hire = [0.05, 0.30]
[limits.district_budget]
"朝阳区" = 2000000
[[override]]
application_id = "A0001"
award = "cap"
reason = "市政府专题会议纪要〔2017〕12号"
[[override]]
application_id = "A0002"
award = 0
reason = "公示期异议成立"
[output]
lists = "csv"
"""
)


def write(tmp_path, text, carry="0"):
    path = tmp_path / "s.toml"
    path.write_text(text.replace("{carry}", carry), encoding="utf-8")
    return path


def test_every_key_of_the_contract(tmp_path):
    sc = load_scenario(write(tmp_path, FULL))
    assert (sc.rule, sc.weight("c13-hire"), sc.weight("c05-line")) == ("priority", 1.5, 1.0)
    assert sc.tiers == (("c13-hire", "c13-train"), ("c09-offshore", "c05-line"))
    assert sc.limits.min_award == 10_000 and sc.limits.per_enterprise == 3_000_000
    assert sc.limits.item_share == {"c13-hire": (0.05, 0.30)}
    assert sc.limits.district_budget == {"朝阳区": 2_000_000}
    assert sc.overrides == (
        Override("A0001", "cap", "市政府专题会议纪要〔2017〕12号"),
        Override("A0002", 0, "公示期异议成立"),
    )
    assert sc.applications == tmp_path / "apps.xlsx"
    assert sc.admin_planned(300) == 80_000 and sc.available == 20_000_000
    assert sc.lists == "csv"


@pytest.mark.parametrize("value", ["auto", "workbook", "csv"])
def test_output_lists(tmp_path, value):
    assert load_scenario(write(tmp_path, BASE)).lists == "auto"  # the default
    sc = load_scenario(write(tmp_path, BASE + f'[output]\nlists = "{value}"\n'))
    assert sc.lists == value


def test_a_carryover_file_that_is_no_result_of_allocator_is_refused(tmp_path):
    """A one-line forged summary once funded every application; a genuine one carries over
    (tests/robustness/test_redteam_scenarios.py)."""
    (tmp_path / "last.json").write_text(json.dumps({"carryover_out": 1_234_567}), encoding="utf-8")
    with pytest.raises(ScenarioError, match="不是 allocator 写出的结果"):
        load_scenario(write(tmp_path, BASE, carry='"last.json"'))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("[budget]", "[budgett]"), "budgett"),
        (lambda t: t.replace("admin_fixed", "admin_fix"), "admin_fix"),
        (lambda t: t.replace("annual_fund = 20_000_000", 'annual_fund = "lots"'), "annual_fund"),
        (lambda t: t.replace("annual_fund = 20_000_000\n", ""), "annual_fund"),
        (lambda t: t.replace('name = "测试"', 'name = "测试'), "TOML"),
        (lambda t: t.replace('rule = "priority"', 'rule = "lottery"'), "lottery"),
        (lambda t: t.replace("c13-hire = [0.05, 0.30]", "c13-hire = [0.4, 0.3]"), "item_share"),
        (lambda t: t.replace('reason = "公示期异议成立"', 'reason = ""'), "reason"),
        (lambda t: t.replace("min_award = 10000", "min_award = -1"), "min_award"),
        (
            lambda t: t.replace(
                'tiers = [["c13-hire", "c13-train"], ["c09-offshore", "c05-line"]]', "tiers = []"
            ),
            "tiers",
        ),
        (lambda t: t.replace('application_id = "A0002"', 'application_id = "A0001"'), "A0001"),
        (lambda t: t.replace('lists = "csv"', 'lists = "xlsx"'), "lists"),
        (lambda t: t.replace('lists = "csv"', "lists = true"), "lists"),
        (lambda t: t.replace('lists = "csv"', 'list = "csv"'), "list"),
    ],
)
def test_bad_scenarios_name_the_key(tmp_path, change, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, change(FULL)))
    assert message in err.value.render()
    assert "s.toml" in err.value.render()


def test_bad_output_lists_says_what_is_allowed(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, BASE + '[output]\nlists = "xlsx"\n'))
    text = err.value.render()
    assert "[output] lists" in text and "'xlsx'" in text
    assert '"auto"、"workbook" 或 "csv"' in text and 'must be "auto", "workbook" or "csv"' in text
    with pytest.raises(ScenarioError, match=r"\[output\] 应为表"):
        load_scenario(write(tmp_path, 'output = "csv"\n' + BASE))


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="找不到"):
        load_scenario(tmp_path / "none.toml")
