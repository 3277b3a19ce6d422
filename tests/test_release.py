"""Released money goes to the waitlist; nothing but the withdrawn awards and the waitlist's changes."""

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from allocator.errors import ScenarioError
from allocator.pipeline import run
from allocator.release import release

ROOT = Path(__file__).resolve().parents[1]


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
    result, paths = release(result_dir, withdrawn, "公示期异议成立")
    new_dir = paths[0].parent
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
