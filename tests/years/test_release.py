"""Released money goes to the waitlist; nothing but the withdrawn awards and the waitlist's changes."""

import hashlib
import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from allocator.app.release import release
from allocator.app.run import run
from allocator.core.errors import ScenarioError
from allocator.years.release import released
from tests.builders import row, valid_code, write_workbook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def result_dir(tmp_path):
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    text = text.replace(
        "data/changchun-2017-applications.xlsx", str(ROOT / "scenarios/data/changchun-2017-applications.xlsx")
    )
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    run(tmp_path / "s.toml", tmp_path / "out")
    return tmp_path / "out"


def table(folder):
    return pd.read_csv(
        folder / "allocation.csv", dtype={"application_id": str}, encoding="utf-8-sig"
    ).set_index("application_id")


def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_release_changes_only_the_withdrawn_and_the_waitlist(result_dir):
    old = table(result_dir)
    waitlist = pd.read_csv(result_dir / "waitlist.csv", dtype={"application_id": str}, encoding="utf-8-sig")
    assert list(waitlist["rank"]) == list(range(1, len(waitlist) + 1))
    withdrawn = old[old["award"] > 100_000].index[:2].tolist()
    before = digest(result_dir)
    result, info, paths = release(result_dir, withdrawn, "公示期异议成立")
    new_dir = paths[0].parent
    assert info == json.loads((new_dir / "release.json").read_text(encoding="utf-8"))  # what was written
    assert new_dir != result_dir and new_dir.name.startswith(f"{result_dir.name}-release-")
    assert digest(result_dir) == before  # the old result is untouched
    new = table(new_dir)
    assert (new.loc[withdrawn, "award"] == 0).all() and (new.loc[withdrawn, "status"] == "overridden").all()
    assert new.loc[withdrawn, "reason"].str.contains("公示期异议成立").all()
    changed = new.index[new["award"] != old["award"]]
    assert set(changed) - set(withdrawn) <= set(waitlist["application_id"])
    others = changed.difference(withdrawn)
    assert len(others) > 0 and (new.loc[others, "award"] > old.loc[others, "award"]).all()
    released = int(old.loc[withdrawn, "city_cost"].sum())
    given = int((new.loc[others, "city_cost"] - old.loc[others, "city_cost"]).sum())
    assert 0 < given <= released
    old_carry = int(result.summary.available - old["city_cost"].sum() - result.summary.admin)
    assert result.summary.carryover_out == old_carry + released - given  # only released money was spent


def test_release_refuses_a_changed_scenario_or_unknown_ids(result_dir, tmp_path):
    with pytest.raises(ScenarioError):
        release(result_dir, ["NOPE"], "x")
    scenario = tmp_path / "s.toml"
    scenario.write_text(scenario.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="修改"):
        release(result_dir, [table(result_dir).index[0]], "x")


# ---- the waitlist tells the truth about release (依次递补) ------------------------------------------


def sample_dir(tmp_path, rule: str = "weighted") -> Path:
    """The shipped sample scenario (scenarios/changchun-2017.toml) under ``rule``, run into tmp_path/out."""
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    text = text.replace(
        "data/changchun-2017-applications.xlsx", str(ROOT / "scenarios/data/changchun-2017-applications.xlsx")
    ).replace('rule = "weighted"', f'rule = "{rule}"')
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    run(tmp_path / "s.toml", tmp_path / "out")
    return tmp_path / "out"


def read_waitlist(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "waitlist.csv", dtype={"application_id": str}, encoding="utf-8-sig")


def by_hand(waitlist: pd.DataFrame, old: pd.DataFrame, money: int) -> dict[str, int]:
    """What the waitlist promises ``money`` released city yuan buys, worked out from the sheet alone: down the
    ranks, each its next amount, the rank the money runs out at what is left (the city pays ⌈award × share⌉)."""
    out, left = {}, money
    for r in waitlist.itertuples():
        if left <= 0:
            break
        share = Fraction(float(old.at[r.application_id, "city_share"])).limit_denominator(100)
        now = -(-r.award * share.numerator // share.denominator)
        most = (left + now) * share.denominator // share.numerator - r.award  # city cost ≤ left
        gain = min(int(r.next_award), int(most))
        if gain > 0:
            out[r.application_id] = gain
            left -= -(-(r.award + gain) * share.numerator // share.denominator) - now
    return out


def withdrawals_reaching(folder, ranks: int) -> list[str]:
    """One or two funded applications (none of the first ``ranks`` + 1 on the waitlist: under maxmin every
    award is partial) whose city cost reaches exactly ``ranks`` ranks: more than the cumulative cost of rank
    ``ranks`` − 1, at most that of rank ``ranks``."""
    old, w = table(folder), read_waitlist(folder)
    cum = [0, *w["cumulative_city_cost"].tolist()]
    low, high = cum[ranks - 1], cum[ranks]
    first = w["application_id"].iloc[: ranks + 1]
    funded = old[(old["award"] > 0) & (old["status"] != "overridden") & ~old.index.isin(first)]
    cost = funded["city_cost"].sort_index()
    for a, ca in cost.items():
        if low < ca <= high:
            return [a]
    for a, ca in cost.items():
        for b, cb in cost.items():
            if a < b and low < ca + cb <= high:
                return [a, b]
    raise AssertionError(f"no withdrawal reaches exactly {ranks} ranks")


def check_release_follows_the_waitlist(folder, ranks: int):
    old, w = table(folder), read_waitlist(folder)
    withdrawn = withdrawals_reaching(folder, ranks)
    money = int(old.loc[withdrawn, "city_cost"].sum())
    promised = by_hand(w[~w["application_id"].isin(withdrawn)], old, money)
    assert list(promised) == w["application_id"].tolist()[:ranks]  # exactly the first `ranks` ranks
    result, info = released(folder, withdrawn, "公示期异议成立")
    new = result.table.set_index("application_id")
    expected = old["award"].copy()
    expected.loc[withdrawn] = 0
    for app, gain in promised.items():
        expected.at[app] += gain
    assert (new["award"] == expected).all(), new.loc[new["award"] != expected, "award"]
    assert info["given_city_cost"] == money == info["released_city_cost"]
    assert [g["application_id"] for g in info["waitlist"]] == list(promised)
    last = w["application_id"].iat[ranks - 1]  # the rank the money ran out at: its note says how far short
    if new.at[last, "award"] < new.at[last, "cap"]:
        short = int(new.at[last, "cap"] - new.at[last, "award"])
        assert f"按候补名单第 {ranks} 名递补" in new.at[last, "reason"]
        assert f"（差 {short:,} 元）" in new.at[last, "reason"] and "100.0%" not in new.at[last, "reason"]
    # the new waitlist goes on from where the money stopped
    after = result.waitlist
    assert after["application_id"].iat[0] == (last if short_of(new, last) else w["application_id"].iat[ranks])
    return result


def short_of(table_, app) -> bool:
    return bool(table_.at[app, "award"] < table_.at[app, "cap"])


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The shipped sample, weighted, run once for the tests below (they only read it)."""
    return sample_dir(tmp_path_factory.mktemp("sample"))


@pytest.mark.parametrize("ranks", [1, 2, 3])
def test_release_on_the_sample_gives_exactly_what_the_waitlist_promises(sample, ranks):
    check_release_follows_the_waitlist(sample, ranks)


@pytest.mark.slow
def test_release_under_maxmin_follows_its_waitlist_too(tmp_path):
    folder = sample_dir(tmp_path, "maxmin")  # its first ranks are 50/50 rent subsidies: the odd yuan
    for ranks in (1, 2, 3):
        check_release_follows_the_waitlist(folder, ranks)


def test_another_million_is_the_waitlists_first_million(sample):
    old, w = table(sample), read_waitlist(sample)
    summary = json.loads((sample / "summary.json").read_text(encoding="utf-8"))
    nm = summary["next_million"]
    assert {c["application_id"]: c["gain"] for c in nm["changed"]} == by_hand(w, old, 1_000_000)
    assert nm["city_cost_gain"] == 1_000_000


def test_the_reports_frontier_agrees_with_the_waitlist_at_one_million_more(sample):
    """Under the weighted rule a re-solve with 1,000,000 more gives what the waitlist gives (same value, same
    newly funded): the report's frontier row and its 「再增加100万元」 agree."""
    from allocator.app.run import result_for

    r = result_for(sample.parent / "s.toml")
    points = r.frontier.points.set_index("budget")
    own = r.summary.available
    assert points.at[own + 1_000_000, "value"] - points.at[own, "value"] == pytest.approx(
        r.next_million.value_gain, abs=0.01
    )
    assert points.at[own + 1_000_000, "funded"] == r.summary.funded + r.next_million.newly_funded


HIRES = [
    ("D", 10_000, 95),
    ("F", 60_000, 99),
    ("A", 80_000, 90),
    ("B", 60_000, 60),
    ("C", 20_000, 30),
    ("E", 30_000, 20),
]


@pytest.fixture
def small_dir(tmp_path):
    """Six new-hire subsidies (clause 十三, the city pays all), 160,000 yuan: F, D and A in full, B 10,000 of
    60,000; the waitlist is B (next 50,000, cumulative 50,000), C (20,000; 70,000), E (30,000; 100,000)."""
    rows = [
        row(app, "c13-hire", eligible_hires=cap // 2000, score=score, credit_code=valid_code(k))
        for k, (app, cap, score) in enumerate(HIRES)
    ]
    write_workbook(tmp_path / "apps.xlsx", rows)
    (tmp_path / "s.toml").write_text(
        '[scenario]\nname = "递补"\npolicy = "changchun-2017"\nyear = 2017\napplications = "apps.xlsx"\n'
        "[budget]\nannual_fund = 160_000\nadmin_fixed = 0\nadmin_per_application = 0\n",
        encoding="utf-8",
    )
    run(tmp_path / "s.toml", tmp_path / "out")
    return tmp_path / "out"


@pytest.mark.parametrize(
    ("withdrawn", "given"),
    [
        (["D"], {"B": 10_000}),  # 10,000 reaches rank 1 only
        (["F"], {"B": 50_000, "C": 10_000}),  # 60,000: rank 1 in full, rank 2 what is left
        (["D", "F"], {"B": 50_000, "C": 20_000}),  # 70,000: exactly ranks 1 and 2 in full
        (["A"], {"B": 50_000, "C": 20_000, "E": 10_000}),  # 80,000: three ranks
    ],
)
def test_release_of_a_hand_built_case_to_the_yuan(small_dir, withdrawn, given):
    w = read_waitlist(small_dir)
    assert w["application_id"].tolist() == ["B", "C", "E"]
    assert w["next_award"].tolist() == [50_000, 20_000, 30_000]
    assert w["cumulative_city_cost"].tolist() == [50_000, 70_000, 100_000]
    old = table(small_dir)
    assert by_hand(w, old, int(old.loc[withdrawn, "city_cost"].sum())) == given
    result, info = released(small_dir, withdrawn, "放弃")
    award = result.table.set_index("application_id")["award"]
    before = old["award"].to_dict()
    assert {a: int(award[a] - before[a]) for a in award.index if award[a] > before[a]} == given
    assert (award[withdrawn] == 0).all()
    assert info["given_city_cost"] == sum(given.values())
    partial = [a for a, g in given.items() if award[a] < old.at[a, "cap"]]
    for a in partial:  # e.g. C 10,000 of 20,000: 50.0%（差 10,000 元）
        reason = result.table.set_index("application_id").at[a, "reason"]
        assert f"（差 {int(old.at[a, 'cap'] - award[a]):,} 元）" in reason


def test_a_partial_award_never_reads_100_percent():
    from allocator.allocation.explain import percent, share_of_cap

    assert percent(963_990 / 964_000) == "99.9%"
    assert percent(35_993 / 36_000) == "99.9%" and percent(1.0) == "100%"
    assert percent(101_150 / 964_000) == "10.4%"  # 10.49…: rounded down, never up
    assert share_of_cap(963_990, 964_000) == "获核定上限 964,000 元的 99.9%（差 10 元）"
    assert share_of_cap(964_000, 964_000) == "获核定上限 964,000 元的 100%"
