"""The Changchun 2017 pack against the document itself."""

import re
import unicodedata
from pathlib import Path

import pytest

from allocator.app.policy import policy_table
from allocator.core.errors import PolicyError
from allocator.policy.pack import builtin_policies, load_policy

#: The two policy documents, kept in the repository so that every checkout (CI's too) checks the packs'
#: quotes against them; ``shared/seeds/`` beside the checkout, where the packs' ``source`` points, is
#: the original, and where it is present the copies must be it byte for byte.
TEXTS = Path(__file__).resolve().parents[1] / "data" / "policy-texts"
SHARED = Path(__file__).resolve().parents[3]
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()
POLICY = load_policy("changchun-2017")


def normalise(text: str) -> str:
    """Without white space, full-width forms as their ASCII ones (NFKC: ，／％（ → , / % (), as the two
    documents mix both."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_every_clause_of_the_document_is_listed_once():
    assert [c.no for c in POLICY.clauses] == NUMERALS
    assert {c.kind for c in POLICY.clauses} <= {"items", "fund", "non-monetary"}
    for clause in POLICY.clauses:
        assert clause.kind != "items" or POLICY.items_of(clause.no), clause.no


def test_item_ids_are_the_designs():
    assert [it.id for it in POLICY.items] == [
        "c03-park", "c04-buy", "c04-rent", "c05-line", "c06-platform", "c07-global", "c07-domestic",
        "c07-other", "c07-hq", "c08-spinoff", "c09-offshore", "c10-expo", "c11-institution",
        "c12-talent-base", "c13-hire", "c13-train", "c14-talent", "c15-innovation", "c15-tech",
        "c16-cert", "c17-alliance", "c18-services",
    ]  # fmt: skip


@pytest.mark.parametrize("pack", ["changchun-2017", "heilongjiang-2008"])
def test_every_quote_is_the_documents_own_words(pack):
    policy = load_policy(pack)
    text = (TEXTS / f"{pack}.txt").read_bytes()
    original = SHARED / policy.source
    if original.is_file():
        assert original.read_bytes() == text, f"{TEXTS / pack}.txt is not {policy.source}"
    source = normalise(text.decode("utf-8"))
    for clause in policy.clauses:
        no = clause.no
        assert f"（{no}）" in source or f"({no})" in source or f"{no}、" in source, (pack, no)
    for item in policy.items:
        for fragment in re.split(r"……|…", item.quote):
            assert normalise(fragment) in source, (item.id, fragment)


def test_discretionary_items_take_their_numbers_from_the_scenario():
    open_ended = {it.id for it in POLICY.items if it.discretionary}
    assert open_ended == {
        "c07-other",  # 七 "视条件给予不超过20万元"
        "c08-spinoff",  # 八 "根据当年实现的离岸服务外包执行额给予不超过20万元"
        "c10-expo",
        "c11-institution",
        "c12-talent-base",
        "c14-talent",
        "c17-alliance",
        "c18-services",
    }
    assert all(POLICY.item(i).params for i in open_ended)


def test_fund_rules():
    assert POLICY.fund.annual_fund == 20_000_000
    assert float(POLICY.fund.admin_rate) == 0.01
    assert (POLICY.fund.admin_clause, POLICY.fund.carryover_clause) == ("十九", "二十")


def test_policy_show_prints_the_item_table_in_chinese():
    text = policy_table(POLICY)
    assert "购买、自建办公用房补助" in text and "5,000,000" in text and "50%" in text and "酌定" in text


def test_packs_load_from_a_path_and_bad_ones_are_errors(tmp_path):
    assert "changchun-2017" in builtin_policies()
    good = tmp_path / "pack.toml"
    text = (Path(__file__).resolve().parents[2] / "allocator" / "policies" / "changchun-2017.toml").read_text(
        encoding="utf-8"
    )
    good.write_text(text.replace('id = "changchun-2017"', 'id = "our-city"'), encoding="utf-8")
    assert load_policy(good).id == "our-city"
    for broken in (
        text.replace('when = "certified"', 'when = "certified.__class__"', 1),
        text.replace('when = "certified"', 'when = "__import__(1)"', 1),
        text.replace('when = "certified"', 'when = "unknown_field > 1"', 1),
        text.replace("cap = 2_000_000", 'cap = "two million"', 1),
        text.replace('clause = "三"', 'clause = "九十"', 1),
        text.replace("shares = { city = 0.5, district = 0.5 }", "shares = { city = 0.5 }", 1),
        text + "\n[[items\n",
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(broken, encoding="utf-8")
        with pytest.raises(PolicyError):
            load_policy(bad)
    with pytest.raises(PolicyError):
        load_policy(tmp_path / "missing.toml")
