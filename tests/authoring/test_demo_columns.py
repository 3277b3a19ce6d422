"""The column-by-column demo generator: the same kind of applications as row by row, at any size."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.authoring import demo
from allocator.authoring.demo import DISTRICTS, demo_frame
from allocator.authoring.demo_columns import columns_frame
from allocator.authoring.demo_profiles import MAY_BE_BLANK, PLATFORMS, REFILE, demo_fields
from allocator.intake import creditcode
from allocator.intake.read import COMMON_KEYS
from allocator.policy.fields import FIELDS
from allocator.policy.pack import load_policy

from .test_demo import POLICY, rough_caps

N = 5_000
HLJ = load_policy("heilongjiang-2008")


@pytest.fixture(scope="module")
def frame():
    return columns_frame(N, POLICY, seed=2017)


def test_deterministic_and_used_above_the_row_by_row_limit(frame, monkeypatch):
    pd.testing.assert_frame_equal(frame, columns_frame(N, POLICY, seed=2017))
    assert not frame["applicant"].equals(columns_frame(N, POLICY, seed=1)["applicant"])
    monkeypatch.setattr(demo, "ROW_BY_ROW_MAX", N - 1)
    pd.testing.assert_frame_equal(demo_frame(N, POLICY, seed=2017), frame)


def test_columns_ids_and_ranges(frame):
    assert list(frame.columns) == [f.key for f in FIELDS]
    assert frame["application_id"].tolist() == [f"A{i:04d}" for i in range(1, N + 1)]
    assert set(frame["district"]) <= set(DISTRICTS) and frame["district"].nunique() >= 10
    assert (
        frame["score"].between(55, 98).all() and (frame["score"] * 10 == (frame["score"] * 10).round()).all()
    )
    assert 0.7 < frame["requested"].notna().mean() < 0.95
    counts = frame["item"].value_counts()
    assert set(counts.index) == {it.id for it in POLICY.items} and counts.min() >= 3
    own = frame["item"].isin(demo.OWN_SHEET_ITEMS).to_numpy()
    assert not own[: (~own).sum()].any()  # the own-sheet items last, as write_demo writes them


def test_only_used_fields_are_filled(frame):
    for item in POLICY.items:
        sub = frame[frame["item"] == item.id]
        allowed = set(COMMON_KEYS) | demo_fields(item)
        for f in FIELDS:
            if f.key not in allowed:
                assert sub[f.key].isna().all(), (item.id, f.key)
        for key in demo_fields(item) - {"other_support"} - MAY_BE_BLANK.get(item.id, set()):
            assert sub[key].notna().all(), (item.id, key)


def test_companies(frame):
    codes = frame["credit_code"]
    assert creditcode.valid_mask(codes.to_numpy()).all()
    assert (frame.groupby("credit_code")["applicant"].nunique() == 1).all()  # one code, one name
    assert frame.drop_duplicates("credit_code")["applicant"].is_unique  # one name, one code
    twice = (codes.value_counts() > 1).mean()
    assert 0.01 < twice < 0.1, twice  # some companies apply for more than one item
    twice = frame[frame.duplicated(["credit_code", "item"], keep=False)]
    assert set(twice["item"]) <= set(REFILE) | {"c07-global", "c07-domestic"}  # else never twice
    assert twice.groupby(["credit_code", "item"]).size().max() == 2  # at most twice
    institution = frame[frame["item"] == "c11-institution"]["applicant"]
    assert institution.str.contains("培训|学校").all()


def test_edges_and_ineligible_share(frame):
    eligible, caps = rough_caps(frame)
    buy = frame["item"] == "c04-buy"
    edge = buy & (frame["registered_capital"] == 20_000_000)
    assert edge.sum() == 1 and eligible[edge.to_numpy()].all()
    below = buy & frame["registered_capital"].between(19_000_000, 19_999_999)
    assert below.sum() == 1 and not eligible[below.to_numpy()].any()
    assert 0.05 <= 1 - eligible.mean() <= 0.15
    ratio = caps.sum() / POLICY.fund.annual_fund
    assert ratio > 10  # 5,000 applications: well oversubscribed


def test_new_columns_in_proportion(frame):
    """The columns clauses 六, 七, 八 and 十三 need, filled as row by row fills them."""

    def share(item_id, key, value=1.0):
        return (frame.loc[frame["item"] == item_id, key] == value).mean()

    assert 0.75 <= share("c07-global", "global_top100") < 1 and share("c07-global", "newly_settled") >= 0.75
    assert 0.8 <= share("c07-domestic", "domestic_top100") < 1
    assert 0.8 <= share("c07-other", "newly_settled") < 1
    other = frame[frame["item"] == "c07-other"]
    assert 0.2 <= other["global_top100"].isna().mean() <= 0.6 and (other["global_top100"] != 1).all()
    assert 0.75 <= share("c08-spinoff", "state_owned_spinoff") < 1
    assert 0.85 <= share("c13-hire", "certified") < 1 and 0.85 <= share("c13-train", "certified") < 1
    c06 = frame[frame["item"] == "c06-platform"]
    assert c06["platform_name"].isin(PLATFORMS).all()
    assert frame.loc[frame["item"] != "c06-platform", "platform_name"].isna().all()
    per_firm = c06.groupby("credit_code")["platform_name"].agg(["size", "nunique"])
    assert ((per_firm["size"] == 2) & (per_firm["nunique"] == 2)).sum() >= 3  # two sub-platforms
    assert 1 <= ((per_firm["size"] == 2) & (per_firm["nunique"] == 1)).sum() <= 5  # rarely one twice
    twice = frame.loc[frame["item"] == "c04-rent", "credit_code"].value_counts()  # two rented premises
    assert 2 <= (twice == 2).sum() <= 0.1 * twice.sum()
    once = [it for it in POLICY.items if it.once_per]
    assert {it.id for it in once} == {"c04-buy", "c07-hq"} and REFILE["c04-buy"] > 0
    for item in once:  # 四's 一次性 purchase, 七's 首次: never a firm's second claim (issue 16, point 5)
        sub = frame[frame["item"] == item.id]
        assert len(sub) >= 10 and not sub.duplicated(list(item.once_per)).any(), item.id
    both = frame[frame["item"].isin(["c07-global", "c07-domestic"])].groupby("credit_code")["item"].nunique()
    assert (both == 2).sum() >= 1  # a firm on both lists files both of clause 七's entries


def test_another_pack(tmp_path):
    hlj = columns_frame(3_000, HLJ, seed=2009)
    assert set(hlj["item"]) == {it.id for it in HLJ.items}
    assert set(hlj["district"]) == set(HLJ.sample_regions) < set(HLJ.regions)  # the pack's sample cities
    assert all(c[2:8] == HLJ.division_code for c in hlj["credit_code"])
    assert not hlj["applicant"].str.contains("长春|吉林").any()
    for region in ("大庆", "齐齐哈尔"):
        named = hlj[hlj["applicant"].str.startswith(region)]
        assert len(named) and (named["district"] == region + "市").all()
    cert = hlj[hlj["item"] == "h05-cert"]
    assert 1 <= (cert["requested"] < 200_000).sum() <= len(cert) // 3


def test_names_stay_unique_where_the_patterns_run_out():
    from allocator.authoring.demo_columns import Geography, _names

    category = np.array(["global"] * 3_000 + ["enterprise"] * 50_000, dtype=object)
    district = np.array(["朝阳区"] * len(category), dtype=object)
    names = _names(np.random.default_rng(0), Geography(POLICY), category, district)
    assert pd.Series(names).is_unique and not pd.Series(names).str.contains(r"（\d+）$").any()
    assert names[0].endswith("（长春）有限公司")  # 外资: {f}{b}（{c}）有限公司, 192 of them, then with words


@given(st.lists(st.text(alphabet=creditcode.CHARSET + "IOSZVa ", min_size=16, max_size=19), max_size=30))
def test_valid_mask_is_is_valid(codes):
    codes += ["91350100M000100Y43", "91220101MA14X0AB18"]
    mask = creditcode.valid_mask(np.array(codes, dtype=object))
    assert mask.tolist() == [creditcode.is_valid(c) for c in codes]
