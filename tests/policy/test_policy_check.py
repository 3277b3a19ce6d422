"""``allocator policy check`` and ``allocator policy coverage``: every problem, with its line."""

from pathlib import Path

import pytest

from allocator.cli.main import main
from allocator.core.errors import PolicyError
from allocator.policy.check import PackProblem, check_pack, check_text
from allocator.policy.coverage import coverage, coverage_table
from allocator.policy.pack import load_policy

PACK = Path(__file__).resolve().parents[2] / "allocator" / "policies" / "changchun-2017.toml"
TEXT = PACK.read_text(encoding="utf-8")
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """The 1-based number of the ``nth`` line holding ``fragment``."""
    hits = [no for no, line in enumerate(text.splitlines(), 1) if fragment in line]
    return hits[nth]


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# one deliberate fault each: (where the problem is reported, a fragment of its line, which occurrence)
FAULTS = (
    ("items[1] c03-park.conditions[2].when", 'when = "building_size > 30_000"', 0),
    ("items[1] c03-park.cap", 'cap = "two million"', 0),
    ("items[2] c04-buy.conditions[1].when", 'when = "certified.__class__"', 0),
    ("items[3] c04-rent.max_years", "max_years = 3", 0),
    ("items[8] c07-other.clause", 'clause = "九十"', 0),
    ("items[9] c07-hq.conditions[1].when", "when = \"__import__('os')\"", 0),
    ("items[19] c15-innovation.id", 'id = "c15-innovation"', 1),
)


def broken_text() -> str:
    text = swap(TEXT, 'when = "building_area_m2 > 30_000"', 'when = "building_size > 30_000"')
    text = swap(text, "cap = 2_000_000", 'cap = "two million"')
    text = swap(
        text,
        '{ when = "certified", says = "经审核认定" }',
        '{ when = "certified.__class__", says = "经审核认定" }',
    )
    text = swap(text, "years = 2\n", "years = 2\nmax_years = 3\n")
    text = swap(text, 'id = "c07-other"\nname = "引进其他服务外包企业支持"\nclause = "七"', 'id = "c07-other"\nname = "引进其他服务外包企业支持"\nclause = "九十"')  # fmt: skip
    text = swap(text, '{ when = "is_headquarters"', "{ when = \"__import__('os')\"")
    return swap(text, 'id = "c15-tech"', 'id = "c15-innovation"')


def test_the_shipped_packs_check_clean():
    assert check_pack(PACK) == []
    assert check_pack(PACK.with_name("heilongjiang-2008.toml")) == []  # its own [[fields]], a floor


def test_a_broken_pack_gives_one_problem_per_fault_with_its_line(tmp_path):
    text = broken_text()
    bad = tmp_path / "our-city.toml"
    bad.write_text(text, encoding="utf-8")
    problems = check_pack(bad)
    got = [(p.where, p.line) for p in problems]
    want = sorted(((where, line_of(text, frag, nth)) for where, frag, nth in FAULTS), key=lambda w: w[1])
    assert got == want
    assert all(isinstance(p, PackProblem) and p.file == str(bad) for p in problems)
    assert all(p.message_zh and p.message_en for p in problems)
    by_where = {p.where: p for p in problems}
    cap = by_where["items[1] c03-park.cap"]
    assert cap.value == "two million" and "非负数字" in cap.message_zh and "number" in cap.message_en
    unknown = by_where["items[1] c03-park.conditions[2].when"]
    assert "building_size" in unknown.message_zh and unknown.message_en == "unknown name 'building_size'"
    assert "Attribute" in by_where["items[2] c04-buy.conditions[1].when"].message_en
    assert "min" in by_where["items[9] c07-hq.conditions[1].when"].message_en
    assert by_where["items[8] c07-other.clause"].value == "九十"
    with pytest.raises(PolicyError):  # the loader still refuses it, at the first fault
        load_policy(bad)


def test_a_toml_syntax_error_is_reported_at_its_line():
    text = TEXT + "\n[[items\n"
    (problem,) = check_text(text, "pack.toml")
    assert problem.line == line_of(text, "[[items", -1) and problem.where == "TOML"
    text = swap(TEXT, "cap = 5_000_000", "cap = 5 000 000")
    (problem,) = check_text(text, "pack.toml")
    assert problem.line == line_of(text, "cap = 5 000 000")
    assert problem.render().startswith(f"pack.toml:{problem.line}: TOML: TOML 语法错误")


def test_structure_problems_are_all_found():
    text = swap(TEXT, "admin_rate = 0.01", "admin_rate = 1.5")
    text = text.replace(
        'level_names = { city = "市级", district = "区级" }', 'level_names = { town = "镇级" }'
    )
    text += (
        '\n[extra]\nfoo = 1\n\n[[fields]]\nkey = "certified"\nzh = "经认定"\nkind = "code"\n'
        '\n[[items]]\nid = "z"\nname = "无金额事项"\nclause = "一"\nshares = { city = 0.5, town = 0.25 }\n'
        "floor = 30\ncap = 20\ndiscretionary = true\nyears = 1.5\n"
        'conditions = [{ when = "a / (b" }, { when = "fill(score)", hint = 1 }]\n'
    )
    problems = check_text(text, "p.toml")
    lines = text.splitlines()
    said = {(p.where, lines[p.line - 1] if p.line else None) for p in problems}
    assert said == {
        ("[policy].level_names", 'level_names = { town = "镇级" }'),
        ("[fund].admin_rate", "admin_rate = 1.5"),
        ("[extra]", "[extra]"),
        ("fields[1] certified.key", 'key = "certified"'),
        ("fields[1] certified.kind", 'kind = "code"'),
        ("items[23] z.shares", "shares = { city = 0.5, town = 0.25 }"),  # unknown level, and the sum
        ("items[23] z.floor", "floor = 30"),  # above the cap
        ("items[23] z.years", "years = 1.5"),
        ("items[23] z.discretionary", "discretionary = true"),  # without params
        ("items[23] z.conditions[1].when", lines[-1]),
        ("items[23] z.conditions[2].hint", lines[-1]),
        ("items[23] z.conditions[2].when", lines[-1]),
    }
    assert len(problems) == len(said) + 1  # two problems with the shares
    syntax = next(p for p in problems if p.where == "items[23] z.conditions[1].when")
    assert syntax.message_en == "syntax error in 'a / (b'"  # the formula's own "/" is not the separator
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_required_keys_and_items_without_money():
    text = TEXT + '\n[[items]]\nname = "无编号"\n\n[[items]]\nid = "q"\nname = "q"\nclause = "一"\n'
    problems = check_text(text, "p.toml")
    head = line_of(text, "[[items]]", -2)
    assert {(p.where, p.line) for p in problems} == {
        ("items[23].id", head),
        ("items[23].clause", head),
        ("items[23]", head),  # neither amount, cap nor params
        ("items[24] q", head + 3),
    }


def test_a_pack_may_declare_its_own_fields():
    text = TEXT + (
        '\n[[fields]]\nkey = "patents"\nzh = "授权专利"\nkind = "count"\nunit = "件"\n'
        '\n[[items]]\nid = "c15-patent"\nname = "专利奖励"\nclause = "十五"\n'
        'conditions = [{ when = "patents > 0", says = "有授权专利" }]\namount = "10_000 * patents"\n'
    )
    assert check_text(text) == []
    unknown = check_text(text.replace('key = "patents"', 'key = "patent_count"'))
    assert [p.where for p in unknown] == [
        "items[23] c15-patent.conditions[1].when",
        "items[23] c15-patent.amount",
    ]


def test_coverage_lists_every_clause_with_its_items_or_why_none():
    rows = coverage(load_policy("changchun-2017"))
    assert [c.no for c, _, _ in rows] == NUMERALS
    by_no = {c.no: (items, why) for c, items, why in rows}
    assert [it.id for it in by_no["四"][0]] == ["c04-buy", "c04-rent"] and by_no["四"][1] == ""
    for no in ("一", "二", "十九", "二十"):
        assert by_no[no][0] == [] and by_no[no][1].startswith("资金规则（"), no
    assert "20,000,000" in by_no["一"][1] and "1%" in by_no["十九"][1]
    table = coverage_table(load_policy("changchun-2017"))
    assert "条款（四）" in table and "c04-buy" in table and "租赁办公用房补助" in table
    assert "共 20 个条款" in table and "未实现 0 个" in table


def test_coverage_names_the_gaps(tmp_path):
    text = TEXT[: TEXT.index('[[items]]\nid = "c18-services"')]  # the last item, gone
    text = swap(text, 'title = "鼓励服务外包联盟发展"\nkind = "items"', 'title = "鼓励服务外包联盟发展"\nkind = "non-monetary"')  # fmt: skip
    text = text[: text.index('[[items]]\nid = "c17-alliance"')]
    pack = tmp_path / "gaps.toml"
    pack.write_text(text, encoding="utf-8")
    (gap,) = check_pack(pack)
    assert gap.where == "clauses[18] 十八" and "十八" in gap.message_zh
    by_no = {c.no: why for c, _, why in coverage(load_policy(pack))}
    assert by_no["十八"].startswith("未实现") and by_no["十七"] == "非资金条款"
    assert "未实现 1 个" in coverage_table(load_policy(pack))


def test_cli_policy_check_and_coverage(tmp_path, capsys):
    assert main(["policy", "check", str(PACK)]) == 0
    assert "未发现问题" in capsys.readouterr().out
    assert main(["policy", "check", "changchun-2017"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.toml"
    text = broken_text()
    bad.write_text(text, encoding="utf-8")
    assert main(["policy", "check", str(bad)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(FAULTS)
    first = min(line_of(text, frag, nth) for _, frag, nth in FAULTS)
    assert out[0].startswith(f"{bad}:{first}: items[1] c03-park.")
    assert all(" / " in line for line in out)
    assert main(["policy", "check", str(tmp_path / "missing.toml")]) == 2
    assert "找不到政策包文件" in capsys.readouterr().out
    assert main(["policy", "coverage", "changchun-2017"]) == 0
    assert "条款（二十）" in capsys.readouterr().out
    assert main(["policy", "coverage", str(bad)]) == 2  # a pack that does not load: the loader's error
    assert "错误" in capsys.readouterr().err
