"""Hostile policy packs (issue 17, point 2 and the pack cases of point 5).

Every pack goes through one check, wherever it is loaded: ``load_policy`` (behind ``run``, ``validate``,
``sweep``, ``plan``, ``verify``, ``template``) and ``allocator policy check`` agree about every pack, and
anything that changes money is an error in both. Each hostile pack is the shipped changchun-2017 pack
with one edit; each is refused with a bilingual message naming the file, the key path and the value,
``allocator run`` on a scenario pointing at it exits 2 with no traceback and writes nothing, and
``policy check`` exits 2. A formula that divides by zero in one row refuses that row, with the formula
in the reason, never silently.
"""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from allocator.allocation.evaluate import caps
from allocator.cli.main import main
from allocator.core.errors import PolicyError, ScenarioError
from allocator.policy.check import check_pack
from allocator.policy.limits import MAX_PACK_BYTES
from allocator.policy.pack import load_policy
from tests.builders import frame, row, scenario

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "allocator" / "policies"
PACK = (PACKS / "changchun-2017.toml").read_text(encoding="utf-8")
APPLICATIONS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
SCENARIO = (
    (ROOT / "scenarios" / "changchun-2017.toml")
    .read_text(encoding="utf-8")
    .replace("data/changchun-2017-applications.xlsx", APPLICATIONS.as_posix())
)
RENT_CAP = 'cap = 1_000_000\ncap_says = "年度最高补助金额不超过100万元"'
RENT_CONDITIONS = 'conditions = [\n  { when = "in_park"'
BUY_SHARES = "shares = { city = 0.5, district = 0.5 }"
HIRE_AMOUNT = 'amount = "2000 * eligible_hires"'


def swap(old: str, new: str, text: str = PACK) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (case, the pack text, the key path the message names, a fragment of the Chinese, of the English)
HOSTILE = [
    ("cap typo capp", swap(RENT_CAP, RENT_CAP.replace("cap =", "capp =")), "items[3] c04-rent.capp", "是否应为 'cap'", "did you mean 'cap'"),
    ("cap typo capp, formula item", swap('cap = 1_000_000\ncap_says = "单个项目', 'capp = 1_000_000\ncap_says = "单个项目'), "items[18] c15-innovation.capp", "是否应为 'cap'", "did you mean 'cap'"),
    ("conditions typo", swap(RENT_CONDITIONS, RENT_CONDITIONS.replace("conditions", "conditons")), "items[3] c04-rent.conditons", "未知的键 'conditons'", "did you mean 'conditions'"),
    ("negative share", swap(BUY_SHARES, "shares = { city = -1, district = 2 }"), "items[2] c04-buy.shares", "0 至 1", "from 0 to 1"),
    ("shares not summing to 1", swap(BUY_SHARES, "shares = { city = 0.5, district = 0.4 }"), "items[2] c04-buy.shares", "合计须恰为 1", "add up to exactly 1"),
    ("shares summing to 1 only as floats", swap(BUY_SHARES, "shares = { city = 0.1, district = 0.9000000001 }"), "items[2] c04-buy.shares", "至多六位小数", "six decimals"),
    ("share of an unknown level", swap(BUY_SHARES, "shares = { city = 0.5, town = 0.5 }"), "items[2] c04-buy.shares", "town", "town"),
    ("years = -1", swap("years = 2\n", "years = -1\n"), "items[3] c04-rent.years", "1 至 10 之间的整数", "from 1 to 10"),
    ("years = 0", swap("years = 2\n", "years = 0\n"), "items[3] c04-rent.years", "现为 0", "not 0"),
    ("years = 100000", swap("years = 2\n", "years = 100000\n"), "items[3] c04-rent.years", "现为 100000", "not 100000"),
    ("years = 1.5", swap("years = 2\n", "years = 1.5\n"), "items[3] c04-rent.years", "整数", "whole number"),
    ("ledger_years = 100000", swap("ledger_years = 3", "ledger_years = 100000"), "items[2] c04-buy.ledger_years", "0 至 30", "from 0 to 30"),
    ("admin_rate = 5", swap("admin_rate = 0.01", "admin_rate = 5"), "[fund].admin_rate", "现为 5", "not 5"),
    ("admin_rate < 0", swap("admin_rate = 0.01", "admin_rate = -0.01"), "[fund].admin_rate", "0 至 1", "from 0 to 1"),
    ("admin_rate = nan", swap("admin_rate = 0.01", "admin_rate = nan"), "[fund].admin_rate", "nan", "nan"),
    ("admin_rate as text", swap("admin_rate = 0.01", 'admin_rate = "1%"'), "[fund].admin_rate", "'1%'", "'1%'"),
    ("annual_fund at the int64 limit", swap("annual_fund = 20_000_000", "annual_fund = 9223372036854775807"), "[fund].annual_fund", "不超过 1,000,000,000,000 元", "at most 1,000,000,000,000"),
    ("annual_fund = 1e308", swap("annual_fund = 20_000_000", "annual_fund = 1e308"), "[fund].annual_fund", "1e+308", "1e+308"),
    ("duplicate clause number", swap('no = "五"', 'no = "四"'), 'clauses[5] 四.no', "条款（四）重复列出", "listed twice"),
    ("duplicate item id", swap('id = "c15-tech"', 'id = "c15-innovation"'), "items[19] c15-innovation.id", "重复", "used twice"),
    ("look-alike item id (full-width)", swap('id = "c15-tech"', 'id = "ｃ15-innovation"'), "items[19] ｃ15-innovation.id", "重复", "used twice"),
    ("item id with a zero-width space", swap('id = "c15-tech"', 'id = "c15-tech\\u200b"'), "items[19] c15-tech\u200b.id", "不可见字符", "invisible characters"),
    ("levels = []", swap('levels = ["city", "district"]', "levels = []"), "[policy].levels", "现为 []", "not []"),
    ("three levels", swap('levels = ["city", "district"]', 'levels = ["city", "district", "street"]'), "[policy].levels", "1 至 2 个", "1 to 2"),
    ("a level twice", swap('levels = ["city", "district"]', 'levels = ["city", "city"]'), "[policy].levels", "不重复", "distinct"),
    ("cap = 1e308", swap("cap = 2_000_000", "cap = 1e308"), "items[1] c03-park.cap", "1e+308", "1e+308"),
    ("cap = inf", swap("cap = 2_000_000", "cap = inf"), "items[1] c03-park.cap", "inf", "inf"),
    ("cap = nan", swap("cap = 2_000_000", "cap = nan"), "items[1] c03-park.cap", "nan", "nan"),
    ("cap < 0", swap("cap = 2_000_000", "cap = -1"), "items[1] c03-park.cap", "非负数字", "number ≥ 0"),
    ("cap of half a yuan", swap("cap = 2_000_000", "cap = 2_000_000.5"), "items[1] c03-park.cap", "整数元", "whole yuan"),
    ("cap above 10^12", swap("cap = 2_000_000", "cap = 10_000_000_000_000"), "items[1] c03-park.cap", "1万亿元", "at most 1,000,000,000,000"),
    ("floor = 1e308", swap("cap = 2_000_000", "cap = 2_000_000\nfloor = 1e308"), "items[1] c03-park.floor", "1e+308", "1e+308"),
    ("floor above cap", swap("cap = 2_000_000", "cap = 2_000_000\nfloor = 3_000_000"), "items[1] c03-park.floor", "高于上限", "above cap"),
    ("divides by a literal 0", swap(HIRE_AMOUNT, 'amount = "eligible_hires / 0"'), "items[15] c13-hire.amount", "除以0", "divides by zero"),
    ("divides by a constant 0", swap(HIRE_AMOUNT, 'amount = "2000 * eligible_hires / (1 - 1)"'), "items[15] c13-hire.amount", "除数恒为0", "divides by zero"),
    ("overflows: 1e308 * 10", swap(HIRE_AMOUNT, 'amount = "1e308 * 10 * eligible_hires"'), "items[15] c13-hire.amount", "计算溢出", "overflows"),
    ("a literal beyond float: 1e309", swap('when = "registered_capital >= 20_000_000"', 'when = "registered_capital >= 1e309"'), "items[2] c04-buy.conditions[2].when", "超出可用范围", "out of range"),
    ("a literal above 10^15", swap(HIRE_AMOUNT, 'amount = "2000 * eligible_hires + 1e16"'), "items[15] c13-hire.amount", "10^15", "10^15"),
    ("a formula reading a text field", swap('when = "in_park"', 'when = "applicant > 0"'), "items[3] c04-rent.conditions[1].when", "文字字段 申报单位", "text field"),
    ("an unknown table", swap("[fund]\n", "[funds]\n"), "[funds]", "是否应为 'fund'", "did you mean 'fund'"),
    ("an unknown key in [policy]", swap("division_code =", "divison_code ="), "[policy].divison_code", "是否应为 'division_code'", "did you mean 'division_code'"),
    ("an unknown key in [fund]", swap("admin_rate = 0.01", "admin_rat = 0.01"), "[fund].admin_rat", "是否应为 'admin_rate'", "did you mean 'admin_rate'"),
    ("an unknown key in a clause", swap('kind = "fund"', 'kinds = "fund"'), "clauses[1] 一.kinds", "是否应为 'kind'", "did you mean 'kind'"),
    ("an unknown key in a condition", swap('says = "经审核认定"', 'say = "经审核认定"'), "items[2] c04-buy.conditions[1].say", "未知的键 'say'", "unknown key 'say'"),
    ("an unknown key in a parameter", swap('kind = "yuan", max = 200_000', 'kind = "yuan", maxx = 200_000'), "items[8] c07-other.params.amount.maxx", "未知的键", "unknown key 'maxx'"),
    ("a share parameter above 1", swap('kind = "share" }', 'kind = "share", max = 5 }'), "items[12] c10-expo.params.rate", "0 至 1", "from 0 to 1"),
    ("a parameter named like a function", swap('params = { amount = { says = "每家考评', 'params = { min = { says = "每家考评'), "items[13] c11-institution.params.min", "保留字", "expression language"),
    ("a parameter named like a field", swap('params = { amount = { says = "每家考评', 'params = { certified = { says = "每家考评'), "items[13] c11-institution.params.certified", "与申报表字段重名", "intake field"),
    ("discretionary as text", swap("discretionary = true", 'discretionary = "yes"'), "items[8] c07-other.discretionary", "true 或 false", "true or false"),
    ("alternatives listing one item twice", swap('items = ["c07-global", "c07-domestic", "c07-other"]', 'items = ["c07-global", "c07-global"]'), "alternatives[1] c07-entry.items", "不同的", "distinct"),
    ("no items at all", PACK[: PACK.index("[[items]]")], "items", "没有任何事项", "no [[items]]"),
    ("TOML syntax error", swap("cap = 5_000_000", "cap = 5 000 000"), "", "TOML 语法错误", "not valid TOML"),
    ("arrays nested 5000 deep", PACK + "\nextra = " + "[" * 5000 + "]" * 5000 + "\n", "", "嵌套过深", "nested too deeply"),
    ("tables nested 12 deep", PACK + "\n[policy.a.b.c.d.e.f.g.h.i.j.k]\nx = 1\n", "policy.a.b.c.d.e.f.g.h", "嵌套过深", "nested too deeply"),
]  # fmt: skip

# (case, the file's bytes, a fragment of the Chinese, of the English)
BYTES = [
    ("GBK, not UTF-8", PACK.encode("gbk"), "不是 UTF-8 编码", "not UTF-8"),
    ("UTF-16 from Notepad", PACK.encode("utf-16"), "UTF-16", "UTF-16"),
    ("a binary file (PNG)", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "不是文本文件", "not a text file"),
    ("an empty file", b"", "为空", "empty"),
    ("only comments", b"# nothing here\n\n# at all\n", "没有任何内容", "nothing but comments"),
    ("a 10 MB pack", PACK.encode() + b"#" * 10_000_000, "过大", "larger than"),
]  # fmt: skip

IDS = [case[0] for case in HOSTILE]
BYTE_IDS = [case[0] for case in BYTES]


def with_pack(tmp_path: Path, raw: bytes) -> Path:
    """A scenario whose policy is the pack file ``packs/ours.toml`` (by path, relative to the scenario)."""
    (tmp_path / "packs").mkdir(exist_ok=True)
    (tmp_path / "packs" / "ours.toml").write_bytes(raw)
    path = tmp_path / "s.toml"
    path.write_text(
        SCENARIO.replace('policy = "changchun-2017"', 'policy = "packs/ours.toml"'), encoding="utf-8"
    )
    return path


def run_refuses(tmp_path: Path, capsys: pytest.CaptureFixture, scenario_path: Path) -> str:
    """``allocator run``: exit 2, 错误 and Error lines, no traceback, no output folder. Its stderr."""
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["run", str(scenario_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "错误：" in err and "Error: " in err and "Traceback" not in err
    assert not out.exists()
    return err


def refused(pack: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(pack)
    error = caught.value
    assert str(pack) in error.zh and str(pack) in error.en  # names the file, in both languages
    return error


@pytest.mark.parametrize(("case", "text", "where", "zh", "en"), HOSTILE, ids=IDS)
def test_a_hostile_pack_is_refused_everywhere_naming_its_key(tmp_path, capsys, case, text, where, zh, en):
    scenario_path = with_pack(tmp_path, text.encode("utf-8"))
    pack = tmp_path / "packs" / "ours.toml"
    error = refused(pack)
    assert where in error.zh and where in error.en, (case, error.render())
    assert zh in error.zh, (case, error.zh)
    assert en in error.en, (case, error.en)
    assert run_refuses(tmp_path, capsys, scenario_path).strip() == error.render()
    errors = [p for p in check_pack(pack) if not p.warning]  # policy check: the same problems
    assert errors and all(p.file == str(pack) and p.code for p in errors)  # a stable code under each
    assert any(where in p.where or where in p.message_zh for p in errors) or not where
    assert main(["policy", "check", str(pack)]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and " / " in out.out


@pytest.mark.parametrize(("case", "raw", "zh", "en"), BYTES, ids=BYTE_IDS)
def test_a_pack_file_that_is_not_a_pack_is_one_clear_error(tmp_path, capsys, case, raw, zh, en):
    scenario_path = with_pack(tmp_path, raw)
    pack = tmp_path / "packs" / "ours.toml"
    error = refused(pack)
    assert zh in error.zh and en in error.en, (case, error.render())
    assert len(error.render()) < 1000
    assert run_refuses(tmp_path, capsys, scenario_path).strip() == error.render()
    (problem,) = check_pack(pack)
    assert zh in problem.message_zh and en in problem.message_en and problem.code
    assert main(["policy", "check", str(pack)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_gbk_pack_names_the_line_of_the_first_bad_byte(tmp_path):
    lines = PACK.splitlines(keepends=True)
    text = "# Changchun 2017\n" + "".join(lines[1:])  # lines 2 and 3 are ASCII: the first Chinese on line 4
    error = refused(with_pack(tmp_path, text.encode("gbk")).parent / "packs" / "ours.toml")
    assert "第4行" in error.zh and "line 4" in error.en and "GBK" in error.zh


@pytest.mark.parametrize(
    "case",
    [
        "cap typo capp",
        "divides by a literal 0",
        "GBK, not UTF-8",
        "a binary file (PNG)",
        "arrays nested 5000 deep",
    ],
)
def test_the_real_cli_exits_2_without_a_traceback(tmp_path, case):
    raw = {c[0]: c[1] for c in BYTES} | {c[0]: c[1].encode("utf-8") for c in HOSTILE}
    scenario_path = with_pack(tmp_path, raw[case])
    for argv in (
        ["run", str(scenario_path), "--out", str(tmp_path / "out")],
        ["policy", "check", str(tmp_path / "packs" / "ours.toml")],
        ["template", str(tmp_path / "t.xlsx"), "--policy", str(tmp_path / "packs" / "ours.toml")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "allocator", *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert "错误" in done.stderr or "处问题" in done.stderr  # policy check: the count after the list
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.xlsx").exists()


def test_every_problem_is_listed_at_once(tmp_path):
    text = swap(RENT_CAP, RENT_CAP.replace("cap =", "capp ="))
    text = swap("admin_rate = 0.01", "admin_rate = 5", text)
    text = swap("years = 2\n", "years = -1\n", text)
    error = refused(with_pack(tmp_path, text.encode()).parent / "packs" / "ours.toml")
    for where in ("items[3] c04-rent.capp", "[fund].admin_rate", "items[3] c04-rent.years"):
        assert where in error.zh and where in error.en
    assert "4 处问题" in error.zh and "4 problems" in error.en  # and cap_per without its cap


def ids(policy) -> list[tuple]:
    return [(it.id, it.cap, it.floor, it.years, dict(it.shares)) for it in policy.items]


@pytest.mark.parametrize("pack", ["changchun-2017", "heilongjiang-2008"])
def test_the_shipped_packs_load_and_check_clean(capsys, pack):
    policy = load_policy(pack)
    assert policy.items and ids(load_policy(PACKS / f"{pack}.toml")) == ids(policy)
    assert check_pack(PACKS / f"{pack}.toml") == []
    assert main(["policy", "check", pack]) == 0
    assert main(["policy", "check", str(PACKS / f"{pack}.toml")]) == 0
    assert "未发现问题" in capsys.readouterr().out


def test_a_byte_order_mark_is_accepted(tmp_path):
    pack = with_pack(tmp_path, codecs.BOM_UTF8 + PACK.encode()).parent / "packs" / "ours.toml"
    assert ids(load_policy(pack)) == ids(load_policy("changchun-2017"))
    assert check_pack(pack) == []


def test_a_pack_at_the_size_limit_still_loads(tmp_path):
    text = PACK + "#" * (MAX_PACK_BYTES - len(PACK.encode()) - 1) + "\n"
    assert len(text.encode()) == MAX_PACK_BYTES
    assert (
        load_policy(with_pack(tmp_path, text.encode()).parent / "packs" / "ours.toml").id == "changchun-2017"
    )


# ------------------------------------------------------------------ a division by a field that is 0


def divided_policy(tmp_path: Path, amount: str | None = None, when: str | None = None):
    text = PACK
    if amount is not None:
        text = swap(HIRE_AMOUNT, f'amount = "{amount}"', text)
    if when is not None:
        text = swap('{ when = "eligible_hires > 0"', f'{{ when = "{when}"', text)
    pack = with_pack(tmp_path, text.encode()).parent / "packs" / "ours.toml"
    return pack, load_policy(pack)


def hire_rows():
    return [
        row("H1", "c13-hire", eligible_hires=10, trained_hired=2),
        row("H2", "c13-hire", eligible_hires=10, trained_hired=0),  # the divisor is 0
        row("H3", "c13-hire", eligible_hires=10, trained_hired=None),  # the divisor is blank
    ]


def test_a_row_dividing_by_zero_is_refused_with_the_formula_in_its_reason(tmp_path):
    pack, policy = divided_policy(tmp_path, amount="2000 * eligible_hires / trained_hired")
    (warning,) = check_pack(pack)  # policy check says where a divisor may be 0; the pack loads
    assert warning.warning and "trained_hired" in warning.message_zh
    table = caps(frame(hire_rows()), policy, scenario()).frame.set_index("application_id")
    assert table.at["H1", "eligible"] and table.at["H1", "policy_amount"] == 10_000
    assert not table.at["H2", "eligible"] and table.at["H2", "cap"] == 0
    reason = table.at["H2", "ineligible_reason"]
    assert (
        "'2000 * eligible_hires / trained_hired'" in reason
        and "除数为0" in reason
        and "条款（十三）" in reason
    )
    assert table.at["H2", "failed_condition"] == "金额公式除数为0"
    assert "缺少计算补助金额所需的数据" in table.at["H3", "ineligible_reason"]  # blank is not a fault


def test_a_condition_dividing_by_zero_cannot_be_judged_and_says_so(tmp_path):
    _, policy = divided_policy(tmp_path, when="eligible_hires / trained_hired > 1")
    table = caps(frame(hire_rows()), policy, scenario()).frame.set_index("application_id")
    assert table.at["H1", "eligible"]
    assert not table.at["H2", "eligible"]
    reason = table.at["H2", "ineligible_reason"]
    assert (
        reason.startswith("无法判断是否符合条款（十三）") and "'eligible_hires / trained_hired > 1'" in reason
    )
    assert "除数为0" in reason


def test_a_scenario_number_of_0_as_a_divisor_refuses_every_row_saying_why(tmp_path):
    text = swap('amount = "rate * expo_fee"', 'amount = "expo_fee / rate"')
    policy = load_policy(with_pack(tmp_path, text.encode()).parent / "packs" / "ours.toml")
    given = {**scenario().discretionary, "c10-expo": {"rate": 0.0}}
    rows = [row("E1", "c10-expo", expo_fee=50_000), row("E2", "c10-expo", expo_fee=80_000)]
    table = caps(frame(rows), policy, scenario(discretionary=given)).frame
    assert not table["eligible"].any()
    assert all("'expo_fee / rate'" in r and "除数为0" in r for r in table["ineligible_reason"])


def test_a_guarded_division_is_no_fault(tmp_path):
    _, policy = divided_policy(tmp_path, when="trained_hired == 0 or eligible_hires / trained_hired > 1")
    table = caps(frame(hire_rows()[:2]), policy, scenario()).frame.set_index("application_id")
    assert table["eligible"].tolist() == [True, True]
    assert table["policy_amount"].tolist() == [20_000, 20_000]


def test_an_amount_beyond_any_cap_is_refused_not_wrapped_around(tmp_path):
    _, policy = divided_policy(tmp_path, amount="1e15 * eligible_hires")
    table = caps(frame(hire_rows()[:1]), policy, scenario()).frame
    assert not table.at[0, "eligible"] and table.at[0, "cap"] == 0
    assert "超出 1,000,000,000,000 元的合理上限" in table.at[0, "ineligible_reason"]
    assert (table["policy_amount"] >= 0).all()


def test_an_overflow_in_a_row_is_a_fault_not_inf(tmp_path):
    _, policy = divided_policy(tmp_path, amount="1e15 * eligible_hires * eligible_hires")
    rows = [row("H1", "c13-hire", eligible_hires=1e300)]
    table = caps(frame(rows), policy, scenario()).frame
    assert not table.at[0, "eligible"] and "计算结果溢出" in table.at[0, "ineligible_reason"]
    assert np.isfinite(table["policy_amount"].to_numpy(dtype=float)).all()


def test_a_scenario_share_is_exact_in_six_decimals():
    policy = load_policy("heilongjiang-2008")
    rows = [row("P1", "h14-training", trained_hired=3, district="哈尔滨市")]
    given = {"h14-training": {"per_person": 1000.0, "fund_share": 0.1234567}}
    with pytest.raises(ScenarioError) as caught:
        caps(frame(rows, policy), policy, scenario(policy="heilongjiang-2008", discretionary=given))
    assert "六位小数" in caught.value.zh and "six decimals" in caught.value.en
    given["h14-training"]["fund_share"] = 0.123456
    table = caps(frame(rows, policy), policy, scenario(policy="heilongjiang-2008", discretionary=given)).frame
    assert (table.at[0, "share_num"], table.at[0, "share_den"]) == (1929, 15625)  # 0.123456 exactly
