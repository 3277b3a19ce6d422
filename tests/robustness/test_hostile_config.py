"""Hostile scenario and policy files (issue 8, point 1, config part).

Each mistake gives one message naming the file, the line, the table and key (or the item and its
condition), the value and what was expected, in Chinese and English; ``allocator run`` exits 2 with no
traceback and writes nothing. No text in a pack can run code.
"""

import json
import os
import tomllib
from pathlib import Path

import pytest

from allocator.cli.main import main
from allocator.config import scenario as scenario_module
from allocator.config.scenario import load_scenario
from allocator.config.shape import KNOWN as _KNOWN
from allocator.core.errors import PolicyError, ScenarioError
from allocator.policy.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse, quote
from allocator.policy.pack import load_policy

ROOT = Path(__file__).resolve().parents[2]
APPLICATIONS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
SCENARIO = (
    (ROOT / "scenarios" / "changchun-2017.toml")
    .read_text(encoding="utf-8")
    .replace("data/changchun-2017-applications.xlsx", APPLICATIONS.as_posix())
)
PACK = (ROOT / "allocator" / "policies" / "changchun-2017.toml").read_text(encoding="utf-8")


def swap(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """The 1-based number of the ``nth`` line holding ``fragment``."""
    return [no for no, line in enumerate(text.splitlines(), 1) if fragment in line][nth]


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_fails(tmp_path: Path, capsys: pytest.CaptureFixture, scenario: Path) -> str:
    """``allocator run``: exit 2, 错误 and Error lines, no traceback, no output folder. Its stderr."""
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "错误：" in err and "\nError: " in err
    assert "Traceback" not in err
    assert not out.exists()
    return err


def scenario_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = caught.value.render()
    assert (
        caught.value.zh and caught.value.en and str(path) in caught.value.zh and str(path) in caught.value.en
    )
    return text


def at_line(text: str, line: int) -> None:
    assert f"第{line}行" in text and f"line {line}" in text


# ------------------------------------------------------------------------------ 1. TOML syntax


def test_syntax_error_names_line_column_and_quotes_the_line(tmp_path, capsys):
    text = swap(SCENARIO, 'name = "2017 年度基准方案"', 'name = "2017 年度基准方案')
    path = write(tmp_path, text)
    message = scenario_error(path)
    line = line_of(text, 'name = "2017 年度基准方案')
    assert f"第{line}行第" in message and f"line {line}, column " in message
    assert "TOML 语法错误：字符串缺少结尾的引号" in message and "a closing quote is missing" in message
    assert '该行为：name = "2017 年度基准方案' in message and 'the line reads: name = "2017' in message
    assert message == run_fails(tmp_path, capsys, path).strip()


@pytest.mark.parametrize(
    ("old", "new", "zh"),
    [
        ("annual_fund = 20_000_000", "annual_fund = 20 000 000", "一行只能写一个 键 = 值"),
        ('rule = "weighted"', "rule = weighted", "值无效"),
        ("[solver]", "[solver", "表头缺少结尾的「]」"),
        ('applications = "', 'applications = "C:\\data\\', "「\\」须写成「\\\\」"),
        ("c13-hire = 1.2", "事项 = 1.2", '含中文的键名须加英文双引号，如 "朝阳区"'),
        ("c13-hire = 1.2", "c13 hire = 1.2", "键后缺少「=」"),
    ],
)
def test_every_syntax_error_has_its_line_in_chinese(tmp_path, capsys, old, new, zh):
    text = swap(SCENARIO, old, new)
    path = write(tmp_path, text)
    message = scenario_error(path)
    at_line(message, line_of(text, new))
    assert zh in message and new.strip() in message
    run_fails(tmp_path, capsys, path)


def test_syntax_error_position_from_python_314_attributes(tmp_path):
    """From Python 3.14 TOMLDecodeError carries msg, lineno and colno; they are used as they are."""
    text = swap(SCENARIO, "admin_fixed = 50_000", "admin_fixed = 50_000 x")
    exc = tomllib.TOMLDecodeError("Expected newline or end of document after a statement")
    exc.msg, exc.lineno, exc.colno = exc.args[0], line_of(text, "50_000 x"), 22
    error = scenario_module.syntax_error(scenario_module.TomlText(tmp_path / "s.toml", text), exc)
    at_line(error.render(), line_of(text, "50_000 x"))
    assert "第22列" in error.zh and "column 22" in error.en and "admin_fixed = 50_000 x" in error.zh


# --------------------------------------------------------------------------- 2. duplicate keys


def test_duplicate_key_names_both_lines_and_the_key(tmp_path, capsys):
    text = swap(SCENARIO, "admin_fixed = 50_000", "admin_fixed = 50_000\nannual_fund = 10_000_000")
    path = write(tmp_path, text)
    message = scenario_error(path)
    first, second = line_of(text, "annual_fund = 20_000_000"), line_of(text, "annual_fund = 10_000_000")
    at_line(message, second)
    assert f"键 [budget] annual_fund 重复：第{first}行已写过，第{second}行又写了一次" in message
    assert f"key [budget] annual_fund is written on line {first} and again on line {second}" in message
    run_fails(tmp_path, capsys, path)


def test_duplicate_table_names_both_headers(tmp_path, capsys):
    text = SCENARIO + "\n[budget]\nreserve_for_later_batches = 0\n"
    path = write(tmp_path, text)
    message = scenario_error(path)
    first, second = line_of(text, "[budget]"), line_of(text, "[budget]", 1)
    at_line(message, second)
    assert f"表 [budget] 重复：第{first}行已写过" in message and "table [budget]" in message
    run_fails(tmp_path, capsys, path)


def test_duplicate_key_in_an_override_block(tmp_path):
    text = SCENARIO + '\n[[override]]\napplication_id = "A0001"\naward = 0\naward = "cap"\nreason = "纪要"\n'
    message = scenario_error(write(tmp_path, text))
    at_line(message, line_of(text, 'award = "cap"'))
    assert "[[override]] award 重复" in message and f"第{line_of(text, 'award = 0')}行已写过" in message


# ----------------------------------------------------------------------------- 3. unknown keys


@pytest.mark.parametrize(
    ("old", "new", "zh", "hint"),
    [
        (
            "admin_fixed = 50_000",
            "admin_fix = 50_000",
            "[budget] 中有未知的键 admin_fix",
            "did you mean: admin_fixed",
        ),
        ("[budget]", "[budgett]", "未知的表 [budgett]", "did you mean: budget"),
        (
            "year = 2017",
            "year = 2017\nannual_fund = 1",
            "[scenario] 中有未知的键 annual_fund",
            "belongs in [budget]",
        ),
        ("[scenario]", "annual_fund = 1\n[scenario]", "键 annual_fund 不在任何表中", "belongs in [budget]"),
        ('lists = "auto"', 'list = "auto"', "[output] 中有未知的键 list", "did you mean: lists"),
        (
            "[objective.weights]",
            "[objective.weight]",
            "[objective] 中有未知的键 weight",
            "did you mean: weights",
        ),
    ],
)
def test_unknown_key_names_line_key_and_the_known_keys(tmp_path, capsys, old, new, zh, hint):
    text = swap(SCENARIO, old, new)
    path = write(tmp_path, text)
    message = scenario_error(path)
    key = new.splitlines()[-1 if new.startswith("year") else 0]
    at_line(message, line_of(text, key))
    assert zh in message and hint in message and "可用 / known: " in message
    run_fails(tmp_path, capsys, path)


def test_unknown_key_in_an_override_block(tmp_path):
    text = SCENARIO + '\n[[override]]\napplication_id = "A0001"\naward = 0\nwhy = "纪要"\n'
    message = scenario_error(write(tmp_path, text))
    at_line(message, line_of(text, 'why = "纪要"'))
    assert "[[override]] 中有未知的键 why" in message and "application_id, award, reason" in message


# ----------------------------------------------------------------------------- 4. wrong types


WRONG_TYPES = [  # (old, new, the line the error is on, 中文, English)
    (
        "annual_fund = 20_000_000",
        'annual_fund = "20000000"',
        'annual_fund = "20000000"',
        "[budget] annual_fund 应为非负整数（元），实际为 '20000000'",
        "numbers go without quotes: annual_fund = 20_000_000",
    ),
    (
        'name = "highs"',
        'name = "highs"\ntime_limit = "fast"',
        'time_limit = "fast"',
        "[solver] time_limit 应为非负数字，实际为 'fast'",
        "[solver] time_limit must be a number ≥ 0, got 'fast'",
    ),
    (
        "annual_fund = 20_000_000",
        "annual_fund = { city = 20_000_000 }",
        "annual_fund = { city",
        "[budget] annual_fund 应为非负整数（元），实际为 {'city': 20000000}",
        "must be whole yuan ≥ 0",
    ),
    (
        "annual_fund = 20_000_000",
        "annual_fund = 2e7\nreserve_for_later_batches = -1",  # 2e7 is whole yuan
        "reserve_for_later_batches = -1",
        "[budget] reserve_for_later_batches 应为非负整数（元），实际为 -1",
        "got -1",
    ),
    ("annual_fund = 20_000_000", "annual_fund = nan", "annual_fund = nan", "实际为 nan", "got nan"),
    ("annual_fund = 20_000_000", "annual_fund = inf", "annual_fund = inf", "实际为 inf", "got inf"),
    ("annual_fund = 20_000_000", "annual_fund = true", "annual_fund = true", "实际为 True", "got True"),
    ("year = 2017", 'year = "2017"', 'year = "2017"', "[scenario] year 应为整数年份", "a whole year"),
    (
        'policy = "changchun-2017"',
        "policy = 2017",
        "policy = 2017",
        "[scenario] policy 应为文字（加引号）",
        "text (in quotes)",
    ),
    (
        "c13-hire = 1.2",
        "c13-hire = nan",
        "c13-hire = nan",
        "[objective.weights] c13-hire 应为非负数字",
        "nan",
    ),
    ("rate = 0.5", 'rate = "50%"', 'rate = "50%"', "[discretionary.c10-expo] rate 应为非负数字", "'50%'"),
    ("default_score = 60", "default_score = 600", "default_score = 600", "0–100 之间的数字", "0 to 100"),
    ('lists = "auto"', "lists = 1", "lists = 1", '[output] lists 应为 "auto"、"workbook" 或 "csv"', "got 1"),
    (
        "[objective.weights]",
        "weights = 1.2\n[x.weights]",
        "weights = 1.2",
        "[objective] weights 应为表，实际为 1.2",
        "must be a table",
    ),
]


@pytest.mark.parametrize(("old", "new", "on", "zh", "en"), WRONG_TYPES)
def test_wrong_type_names_line_key_value_and_what_was_expected(tmp_path, capsys, old, new, on, zh, en):
    text = swap(SCENARIO, old, new)
    path = write(tmp_path, text)
    message = scenario_error(path)
    at_line(message, line_of(text, on))
    assert zh in message and en in message
    run_fails(tmp_path, capsys, path)


def test_a_table_where_a_number_is_expected(tmp_path, capsys):
    text = swap(SCENARIO, "annual_fund = 20_000_000", "") + "\n[budget.annual_fund]\ncity = 20_000_000\n"
    path = write(tmp_path, text)
    message = scenario_error(path)
    at_line(message, line_of(text, "[budget.annual_fund]"))
    assert "[budget] annual_fund 应为非负整数（元），实际为 {'city': 20000000}" in message
    run_fails(tmp_path, capsys, path)


VALUES = ('"text"', "[1, 2]", "{ a = 1 }", "true", "-1", "nan", "inf", "1.5", "2017-01-01")
KEYS = [(t, k) for t, keys in _KNOWN.items() if keys for k in sorted(keys)]
KEYS += [("override", k) for k in ("application_id", "award", "reason")]


def with_key(text: str, table: str, key: str, value: str) -> str:
    """``text`` with ``key = value`` as the first line of ``[table]`` (any earlier setting removed)."""
    out, current = [], ""
    header = "[[override]]" if table == "override" else f"[{table}]"
    for line in text.splitlines():
        if line.startswith("["):
            current = line.split("#")[0].strip()
        if current == header and line.split("=")[0].strip() == key:
            continue
        out.append(line)
        if line.split("#")[0].strip() == header:
            out.append(f"{key} = {value}")
    return "\n".join(out) + "\n"


BASE = SCENARIO + (
    '\n[limits]\nmin_award = 0\n\n[[override]]\napplication_id = "A0001"\naward = 0\nreason = "纪要"\n'
)


@pytest.mark.parametrize(("table", "key"), KEYS)
def test_any_value_of_any_key_loads_or_is_refused_at_its_line(tmp_path, table, key):
    """No value makes the loader crash: it loads, or a ScenarioError points at the key's own line."""
    for value in VALUES:
        text = with_key(BASE, table, key, value)
        path = write(tmp_path, text)
        try:
            load_scenario(path)
        except ScenarioError as exc:
            line = line_of(text, f"{key} = {value}")
            assert f"第{line}行" in exc.zh and f"line {line}" in exc.en, (key, value, exc.render())
            assert key in exc.zh and key in exc.en, (key, value, exc.render())


# -------------------------------------------------------------------------- 5. missing budget


def test_missing_annual_fund_points_at_the_budget_table(tmp_path, capsys):
    text = swap(SCENARIO, "annual_fund = 20_000_000", "")
    path = write(tmp_path, text)
    message = scenario_error(path)
    at_line(message, line_of(text, "[budget]"))
    assert (
        "[budget] 缺少 annual_fund（年度专项资金，元）" in message and "[budget] needs annual_fund" in message
    )
    assert "add under [budget]: annual_fund = 20_000_000" in message
    run_fails(tmp_path, capsys, path)


def test_missing_budget_table_says_what_to_add(tmp_path, capsys):
    lines = [line for line in SCENARIO.splitlines() if not line.startswith(("[budget]", "annual_fund"))]
    text = "\n".join(line for line in lines if not line.startswith(("carryover_in", "admin_")))
    path = write(tmp_path, text)
    message = scenario_error(path)
    assert "缺少 [budget] 表（年度资金）" in message and "missing the [budget] table" in message
    assert f"方案文件 {path}：缺少 [budget] 表" in message  # no line: there is no table to point at
    assert "[budget]\n    annual_fund = 20_000_000" in message
    run_fails(tmp_path, capsys, path)


def test_annual_fund_in_the_wrong_table_says_where_it_belongs(tmp_path, capsys):
    text = swap(SCENARIO, "annual_fund = 20_000_000", "").replace(
        "year = 2017", "year = 2017\nannual_fund = 1"
    )
    message = run_fails(tmp_path, capsys, write(tmp_path, text))
    at_line(message, line_of(text, "annual_fund = 1"))
    assert "annual_fund 应写在 [budget] 表中" in message


# ------------------------------------------------------------------------------ other hostility


def test_a_bom_is_fine_and_a_gbk_file_is_refused_at_its_line(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SCENARIO.encode("utf-8"))  # Windows Notepad's UTF-8
    assert load_scenario(path).annual_fund == 20_000_000
    text = SCENARIO.replace("# 长春市", "# Changchun")  # the first bytes GBK and UTF-8 differ on:
    path.write_bytes(text.encode("gbk"))
    message = scenario_error(path)
    at_line(message, next(no for no, line in enumerate(text.splitlines(), 1) if not line.isascii()))
    assert "不是 UTF-8 编码的文本" in message and "save the file as UTF-8" in message
    run_fails(tmp_path, capsys, path)


def test_windows_line_endings_count_the_same_lines(tmp_path):
    text = swap(SCENARIO, "admin_fixed = 50_000", 'admin_fixed = "50,000"')
    path = tmp_path / "s.toml"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    message = scenario_error(path)
    at_line(message, line_of(text, 'admin_fixed = "50,000"'))
    assert "admin_fixed = 50_000" in message  # the hint: the number without quotes


def test_carryover_pointing_at_a_folder(tmp_path, capsys):
    (tmp_path / "last").mkdir()
    text = swap(SCENARIO, "carryover_in = 0", 'carryover_in = "last"')
    message = run_fails(tmp_path, capsys, write(tmp_path, text))
    at_line(message, line_of(text, 'carryover_in = "last"'))
    assert "carryover_out" in message


def test_deeply_nested_toml(tmp_path, capsys):
    text = SCENARIO + "\n[x]\ny = " + "[" * 5000 + "]" * 5000 + "\n"
    assert "嵌套过深" in run_fails(tmp_path, capsys, write(tmp_path, text))


def test_the_line_scanner_skips_strings_and_arrays():
    text = (
        '[scenario]\ndescription = """\n[budget]\nannual_fund = 1\n"""\ntiers = [\n  ["a"],\n]\n'
        '[limits.district_budget]\n"朝阳区" = 1\n[[override]]\naward = 1\n[[override]]\naward = "x"\n'
    )
    lines = scenario_module.TomlText(Path("s.toml"), text)
    assert lines.line(("budget", "annual_fund")) is None  # inside a multi-line string
    assert lines.line(("limits", "district_budget", "朝阳区")) == 10
    assert lines.line(("override", 1, "award")) == 14 and lines.line(("override", 0, "award")) == 12
    assert lines.line(("scenario", "name")) == 1  # not there: its table's header
    assert lines.line(("limits", "min_award")) == 9  # no [limits] header: the first line inside


# ----------------------------------------------------------------------------- 6. policy packs


def with_pack(tmp_path: Path, pack_text: str) -> Path:
    """A scenario whose policy is a pack file given by path (relative to the scenario)."""
    (tmp_path / "packs").mkdir(exist_ok=True)
    (tmp_path / "packs" / "ours.toml").write_text(pack_text, encoding="utf-8")
    return write(tmp_path, swap(SCENARIO, 'policy = "changchun-2017"', 'policy = "packs/ours.toml"'))


def item_of(text: str, line: int) -> str:
    """The id of the [[items]] block holding ``line`` (each block starts with its id)."""
    ids = [ln.split('"')[1] for ln in text.splitlines()[:line] if ln.startswith('id = "')]
    return ids[-1]


HOSTILE = [
    ('applicant.name == "x"', "属性访问「.」", "uses Attribute"),
    ('__import__("os")', "调用了 __import__", "calls __import__"),
    ("len(x) > 1", "调用了 len", "calls len"),
    (
        "registred_capital > 20_000_000",
        "'registred_capital' 不是已知字段或参数",
        "did you mean: registered_capital",
    ),
    (
        "__import__('os').system('touch {marker}')",
        "只能调用 min、max、fill",
        "only min, max and fill may be called",
    ),
    ("().__class__.__bases__[0].__subclasses__()", "只能调用 min、max、fill", "only min, max and fill"),
    ("(lambda: 1)() > 0", "只能调用 min、max、fill", "only min, max and fill"),
    ("open('{marker}', 'w')", "调用了 open", "calls open"),
    ("certified and x := 1", "表达式语法错误", "syntax error"),
    ("[c for c in certified]", "列表推导", "uses ListComp"),
    ("certified if certified else 1", "if … else", "uses IfExp"),
    ("registered_capital ** 99 > 1", "乘方「**」", "uses Pow"),
    ('certified == "yes"', "只能使用数字常量", "only numeric constants"),
]


@pytest.mark.parametrize(("condition", "zh", "en"), HOSTILE)
def test_a_hostile_condition_is_refused_naming_pack_line_item_and_text(
    tmp_path, capsys, monkeypatch, condition, zh, en
):
    marker = tmp_path / "pwned"
    condition = condition.replace("{marker}", marker.as_posix())
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(("system", a)) or 0)
    written = f"when = {json.dumps(condition)}"  # a TOML basic string, escaped as JSON escapes
    pack_text = swap(PACK, 'when = "certified"', written)
    scenario = with_pack(tmp_path, pack_text)
    pack = tmp_path / "packs" / "ours.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy("packs/ours.toml", base=tmp_path)
    message = caught.value.render()
    line = line_of(pack_text, written)
    item = item_of(pack_text, line)
    assert f"政策包 {pack} 第{line}行：事项 {item} 的条件（第1条）" in caught.value.zh
    assert f"policy pack {pack}, line {line}: item {item}, condition 1" in caught.value.en
    assert quote(condition) in caught.value.zh and quote(condition) in caught.value.en
    assert zh in message and en in message
    assert run_fails(tmp_path, capsys, scenario).strip() == message
    assert not marker.exists() and calls == []


def test_a_hostile_amount_formula_is_refused_at_its_line(tmp_path, capsys):
    written = 'amount = "2000 * eligible_hires.__class__.__mro__[1].__subclasses__()"'
    pack_text = swap(PACK, 'amount = "2000 * eligible_hires"', written)
    message = run_fails(tmp_path, capsys, with_pack(tmp_path, pack_text))
    line = line_of(pack_text, written)
    assert f"第{line}行：事项 {item_of(pack_text, line)} 的金额公式 amount" in message
    assert f"line {line}: item {item_of(pack_text, line)}, amount formula" in message


@pytest.mark.parametrize(
    "condition",
    [
        "-" * 500 + "1 > 0",
        "certified" + " + certified" * 150,
        "not " * 150 + "certified",
        "1" * (MAX_LENGTH + 1),
    ],
)
def test_huge_or_deep_conditions_are_refused_not_crashed(tmp_path, capsys, condition):
    with pytest.raises(ExprError):
        parse(condition, {"certified"})
    pack_text = swap(PACK, 'when = "certified"', f'when = "{condition}"')
    message = run_fails(tmp_path, capsys, with_pack(tmp_path, pack_text))
    assert "表达式" in message and "…" in message  # the condition is quoted, cut short
    assert len(message) < 2000


def test_depth_limit_leaves_real_formulas_alone():
    text = "min(" * 10 + "certified" + ", 1)" * 10
    assert parse(text, {"certified"}).names == {"certified"}
    with pytest.raises(ExprError, match="嵌套过深"):
        parse("min(" * MAX_DEPTH + "certified" + ", 1)" * MAX_DEPTH, {"certified"})


def test_a_pack_syntax_error_names_its_line(tmp_path, capsys):
    pack_text = swap(PACK, "cap = 5_000_000", "cap = 5 000 000")
    message = run_fails(tmp_path, capsys, with_pack(tmp_path, pack_text))
    line = line_of(pack_text, "cap = 5 000 000")
    assert f"第{line}行" in message and f"line {line}" in message and "TOML 语法错误" in message


def test_a_pack_with_a_wrong_type_names_its_line(tmp_path, capsys):
    pack_text = swap(PACK, "cap = 5_000_000", "cap = inf")
    message = run_fails(tmp_path, capsys, with_pack(tmp_path, pack_text))
    line = line_of(pack_text, "cap = inf")
    assert f"第{line}行" in message and "cap" in message and "allocator policy check" in message
