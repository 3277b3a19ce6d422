from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from allocator.authoring.demo import DISTRICTS, demo_frame, write_demo
from allocator.authoring.demo_profiles import MAY_BE_BLANK, PLATFORMS, demo_fields
from allocator.intake.creditcode import is_valid
from allocator.intake.read import COMMON_KEYS, item_fields, read_applications
from allocator.policy.fields import FIELDS, SOURCE_ROW, SOURCE_SHEET
from allocator.policy.pack import load_policy

POLICY = load_policy("changchun-2017")
DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
# Assumed scenario numbers for the discretionary items, only to size the oversubscription check.
PARAMS = {
    "c07-other": {"amount": 200_000},
    "c08-spinoff": {"per_usd": 0.1},
    "c10-expo": {"rate": 0.5},
    "c11-institution": {"amount": 200_000},
    "c12-talent-base": {"amount": 300_000},
    "c14-talent": {"per_person": 30_000},
    "c17-alliance": {"amount": 100_000},
    "c18-services": {"amount": 150_000},
}


@pytest.fixture(scope="module")
def frame():
    return demo_frame(320, POLICY, seed=2017)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_demo(path, 320, POLICY, seed=2017)
    return path


def rough_caps(df):
    """Per row: eligible, and min(amount, cap, requested) where eligible (a stand-in for the rules engine)."""
    eligible = np.zeros(len(df), dtype=bool)
    caps = np.zeros(len(df))
    for item in POLICY.items:
        rows = (df["item"] == item.id).to_numpy()
        sub = df[rows]
        env = {f.key: sub[f.key].to_numpy() for f in FIELDS if sub[f.key].dtype == float} | PARAMS.get(
            item.id, {}
        )
        ok = np.ones(len(sub), dtype=bool)
        for cond in item.conditions:
            ok &= cond.expr.truth(env)
        amount = (
            np.full(len(sub), np.inf)
            if item.amount is None
            else item.amount.evaluate(env) * np.ones(len(sub))
        )
        amount = np.minimum(amount, item.cap if item.cap is not None else np.inf)
        requested = sub["requested"].to_numpy()
        amount = np.where(np.isnan(requested), amount, np.minimum(amount, requested))
        eligible[rows] = ok
        caps[rows] = np.where(ok, np.nan_to_num(amount, posinf=0.0), 0.0) * float(item.city_share)
    return eligible, caps


def test_deterministic(frame):
    pd.testing.assert_frame_equal(frame, demo_frame(320, POLICY, seed=2017))
    other = demo_frame(320, POLICY, seed=1)
    assert not frame["applicant"].equals(other["applicant"])


def test_columns_and_ids(frame):
    assert list(frame.columns) == [f.key for f in FIELDS]
    assert frame["application_id"].tolist() == [f"A{i:04d}" for i in range(1, 321)]
    assert frame["application_id"].is_unique
    assert set(frame["district"]) <= set(DISTRICTS) and frame["district"].nunique() >= 10
    assert frame["score"].between(55, 98).all()
    assert frame["requested"].notna().mean() > 0.7


def test_every_item_with_several_applications(frame):
    counts = frame["item"].value_counts()
    assert set(counts.index) == {it.id for it in POLICY.items}
    assert counts.min() >= 3
    for item_id in (
        "c10-expo",
        "c11-institution",
        "c12-talent-base",
        "c14-talent",
        "c17-alliance",
        "c18-services",
    ):
        assert counts[item_id] >= 3


def test_only_used_fields_are_filled(frame):
    for item in POLICY.items:
        sub = frame[frame["item"] == item.id]
        allowed = set(COMMON_KEYS) | demo_fields(item)
        for f in FIELDS:
            if f.key not in allowed:
                assert sub[f.key].isna().all(), (item.id, f.key)
        for key in demo_fields(item) - {"other_support"} - MAY_BE_BLANK.get(item.id, set()):
            assert sub[key].notna().all(), (item.id, key)
    assert "platform_name" in demo_fields(POLICY.item("c06-platform"))  # the sub-platform's cap is by it


def test_credit_codes_valid_and_some_companies_apply_twice(frame):
    assert all(is_valid(c) for c in frame["credit_code"])
    per_code = frame.groupby("credit_code")["applicant"].nunique()
    assert (per_code == 1).all()  # one code, one name
    repeated = frame["credit_code"].value_counts()
    assert 3 <= (repeated > 1).sum() <= 40
    assert frame.drop_duplicates("credit_code")["applicant"].is_unique


def test_edges_and_ineligible_share(frame):
    eligible, caps = rough_caps(frame)
    buy = frame["item"] == "c04-buy"
    edge = buy & (frame["registered_capital"] == 20_000_000)
    assert edge.any() and eligible[edge.to_numpy()].all()  # 2000万元以上 includes 20,000,000
    below = buy & frame["registered_capital"].between(19_000_000, 19_999_999)
    assert below.any() and not eligible[below.to_numpy()].any()
    park = (frame["item"] == "c03-park") & (frame["building_area_m2"] == 30_000)
    assert park.any() and not eligible[park.to_numpy()].any()  # exactly 3万 is not 超过3万
    assert 0.05 <= 1 - eligible.mean() <= 0.15
    ratio = caps.sum() / POLICY.fund.annual_fund
    assert 1.8 <= ratio <= 3.0, ratio


@pytest.fixture(scope="module")
def big():
    return demo_frame(2_000, POLICY, seed=2017)


def yes_no_blank(sub, key):
    col = sub[key]
    return int((col == 1).sum()), int((col == 0).sum()), int(col.isna().sum())


def test_clause_seven_entries(big):
    """七: most global applicants are on the list and newly settled, a few not; domestic ones mostly on
    theirs; the other firms newly settled and on neither list (blank read as 否)."""
    g = big[big["item"] == "c07-global"]
    yes, no, blank = yes_no_blank(g, "global_top100")
    assert blank == 0 and 1 <= no < yes and yes / len(g) >= 0.7
    yes, no, blank = yes_no_blank(g, "newly_settled")
    assert blank == 0 and yes / len(g) >= 0.7
    assert g["domestic_top100"].isna().all()  # the global entry's form does not ask
    d = big[big["item"] == "c07-domestic"]
    yes, no, blank = yes_no_blank(d, "domestic_top100")
    assert blank == 0 and yes / len(d) >= 0.8
    assert d["global_top100"].isna().all() and d["newly_settled"].isna().all()
    o = big[big["item"] == "c07-other"]
    assert o["newly_settled"].notna().all() and (o["newly_settled"] == 1).mean() >= 0.8
    for key in ("global_top100", "domestic_top100"):
        yes, no, blank = yes_no_blank(o, key)
        assert yes <= len(o) * 0.1 and no > blank >= 1, key
    assert (o["global_top100"] != 1).all()
    # a firm on both lists files both entries: one firm, two of clause 七's entries
    both = big[big["item"].isin(["c07-global", "c07-domestic"])].groupby("credit_code")["item"].nunique()
    assert 1 <= (both == 2).sum() <= 3
    firm = big[big["credit_code"] == both[both == 2].index[0]].set_index("item")
    figures = ["registered_capital", "employees", "offshore_usd", "independent_entity"]
    assert firm.loc["c07-global", figures].tolist() == firm.loc["c07-domestic", figures].tolist()


def test_spinoffs_and_certified_hires(big):
    s = big[big["item"] == "c08-spinoff"]
    yes, no, blank = yes_no_blank(s, "state_owned_spinoff")
    assert blank == 0 and 1 <= no <= len(s) * 0.2
    for item_id in ("c13-hire", "c13-train"):
        sub = big[big["item"] == item_id]
        yes, no, blank = yes_no_blank(sub, "certified")
        assert blank == 0 and 1 <= no <= len(sub) * 0.1, item_id
    for key in ("global_top100", "domestic_top100", "newly_settled", "state_owned_spinoff", "platform_name"):
        users = {it.id for it in POLICY.items if key in demo_fields(it)}
        assert big.loc[~big["item"].isin(users), key].isna().all(), key


def test_sub_platforms_and_second_filings(big):
    c06 = big[big["item"] == "c06-platform"]
    assert c06["platform_name"].notna().all() and set(c06["platform_name"]) <= set(PLATFORMS)
    assert c06["platform_name"].nunique() >= 6
    assert big.loc[big["item"] != "c06-platform", "platform_name"].isna().all()
    per_firm = c06.groupby("credit_code")["platform_name"].agg(["size", "nunique"])
    assert (per_firm["size"] <= 2).all() and ((per_firm["size"] == 2) & (per_firm["nunique"] == 2)).sum() >= 2
    rent = big[big["item"] == "c04-rent"]
    twice = rent["credit_code"].value_counts()  # two rented premises
    assert twice.max() == 2 and 1 <= (twice == 2).sum() <= len(rent) * 0.2
    once = [it for it in POLICY.items if it.once_per]
    assert {it.id for it in once} == {"c04-buy", "c07-hq"}
    for item in once:  # 四's 一次性 purchase, 七's 首次: never a firm's second claim (issue 16, point 5)
        sub = big[big["item"] == item.id]
        assert len(sub) >= 10 and not sub.duplicated(list(item.once_per)).any(), item.id
    others = big[~big["item"].isin(["c04-rent", "c06-platform", "c07-global", "c07-domestic"])]
    assert not others.duplicated(["credit_code", "item"]).any()


def test_workbook_reads_back_without_problems(workbook, frame):
    apps = read_applications(workbook, POLICY)
    assert len(apps) == 320 >= 300
    assert apps.sheets == ("申报表", "培训机构培训补助", "创新型项目补助")
    pd.testing.assert_frame_equal(apps.frame.drop(columns=[SOURCE_SHEET, SOURCE_ROW]), frame)
    own = apps.frame[apps.frame[SOURCE_SHEET] == "创新型项目补助"]
    assert (own["item"] == "c15-innovation").all() and len(own) >= 3


def test_new_columns_in_the_workbook(workbook, frame):
    """七、八、六's columns under their Chinese headers: yes/no as 是/否, blank where not filled."""
    ws = openpyxl.load_workbook(workbook, read_only=True)["申报表"]
    rows = list(ws.iter_rows(values_only=True))
    headers, body = rows[0], rows[1:]
    item = headers.index("支持事项")
    for key in ("global_top100", "domestic_top100", "newly_settled", "state_owned_spinoff", "certified"):
        c = headers.index(POLICY.field(key).header)
        assert {r[c] for r in body} <= {"是", "否", None} and "是" in {r[c] for r in body}, key
    c = headers.index("子平台名称")
    names = [r[c] for r in body if r[item] == POLICY.item("c06-platform").name]
    assert names and set(names) <= set(PLATFORMS)
    assert all(r[c] is None for r in body if r[item] != POLICY.item("c06-platform").name)
    train = openpyxl.load_workbook(workbook, read_only=True)["培训机构培训补助"]
    assert "是否经认定" in next(train.iter_rows(max_row=1, values_only=True))  # 十三: 经认定的培训机构


def test_wan_sheet_headers(workbook):
    ws = openpyxl.load_workbook(workbook, read_only=True)["创新型项目补助"]
    headers = next(ws.iter_rows(max_row=1, values_only=True))
    assert "项目已投资额（万元）" in headers and "申请金额（万元）" in headers and "支持事项" not in headers


def test_fewer_rows_than_items():
    small = demo_frame(10, POLICY, seed=3)
    assert len(small) == 10 and small["item"].is_unique
    assert len(demo_frame(0, POLICY)) == 0


PACK = """
[policy]
id = "x-test"
name = "测试政策"
[fund]
annual_fund = 1_000_000
[[clauses]]
no = "一"
[[items]]
id = "x-hire"
name = "招聘补助"
clause = "一"
conditions = [{ when = "employees >= 10 and in_park", says = "从业人员10人以上" }]
amount = "1000 * employees + 0 * rent_months"
cap = 100_000
"""


def test_items_without_a_profile(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(PACK, encoding="utf-8")
    policy = load_policy(path)
    df = write_demo(tmp_path / "x.xlsx", 40, policy, seed=5)
    assert (df["item"] == "x-hire").all() and df["employees"].notna().all()
    assert df["in_park"].isin([0, 1]).all() and 0.8 <= df["in_park"].mean() < 1  # a bad row answers 否
    assert (df["rent_months"] == 12).all()
    assert set(df["district"]) <= set(DISTRICTS)  # no regions in the pack: the Changchun table
    back = read_applications(tmp_path / "x.xlsx", policy).frame
    pd.testing.assert_frame_equal(back.drop(columns=[SOURCE_SHEET, SOURCE_ROW]), df)


def test_workbook_bytes_are_reproducible(workbook, tmp_path):
    again = tmp_path / "again.xlsx"
    write_demo(again, 320, POLICY, seed=2017)
    assert again.read_bytes() == workbook.read_bytes()  # the shipped sample's sha256 is stable
    assert workbook.read_bytes() == (DATA / "changchun-2017-applications.xlsx").read_bytes()


@pytest.mark.parametrize(
    ("name", "pack", "n", "seed"),
    [(f"changchun-{y}", "changchun-2017", 320, y) for y in (2018, 2019, 2020)]
    + [("heilongjiang-2008", "heilongjiang-2008", 300, 2009)],
)
def test_every_shipped_sample_is_the_generators_output(tmp_path, name, pack, n, seed):
    """Each shipped sample is what ``allocator demo-data`` writes (the commands in :mod:`allocator.authoring.demo`),
    regenerated whenever the profiles change: so none holds what the intake refuses, such as a firm's
    second c04-buy (its 2020 sample once did) or a district outside the pack."""
    policy = load_policy(pack)
    again = tmp_path / "again.xlsx"
    df = write_demo(again, n, policy, seed=seed)
    assert again.read_bytes() == (DATA / f"{name}-applications.xlsx").read_bytes()
    assert set(df["district"]) <= set(policy.regions)
    for item in policy.items:
        if item.once_per:
            assert not df[df["item"] == item.id].duplicated(list(item.once_per)).any(), item.id


# ------------------------------------------------------------------ another pack: heilongjiang-2008
HLJ = load_policy("heilongjiang-2008")


@pytest.fixture(scope="module")
def hlj():
    return demo_frame(300, HLJ, seed=2009)


def test_heilongjiang_deterministic_with_every_item(hlj):
    pd.testing.assert_frame_equal(hlj, demo_frame(300, HLJ, seed=2009))
    assert list(hlj.columns) == [f.key for f in HLJ.fields]
    counts = hlj["item"].value_counts()
    assert set(counts.index) == {it.id for it in HLJ.items} and counts.min() >= 10


def test_heilongjiang_pack_fields_filled(hlj):
    pack_keys = {f.key for f in HLJ.extra_fields}
    for item in HLJ.items:
        sub = hlj[hlj["item"] == item.id]
        used = item_fields(item)
        for f in HLJ.fields:
            if f.key in used:
                assert sub[f.key].notna().all(), (item.id, f.key)
            elif f.key not in COMMON_KEYS:
                assert sub[f.key].isna().all(), (item.id, f.key)
    for key in pack_keys:  # every field the pack adds is used, so filled somewhere
        assert hlj[key].notna().any(), key
    assert hlj["requested"].notna().mean() > 0.8


def test_heilongjiang_places_codes_and_names(hlj):
    assert set(hlj["district"]) == set(HLJ.sample_regions) < set(HLJ.regions)  # the pack's sample cities
    assert hlj["district"].value_counts().index[0] == "哈尔滨市"
    assert all(is_valid(c) and c[2:8] == HLJ.division_code for c in hlj["credit_code"])
    names = hlj["applicant"]
    assert not names.str.contains("长春|吉林").any()
    assert names.str.startswith("黑龙江省").any() and names.str.startswith("哈尔滨").any()
    for region in ("大庆", "齐齐哈尔"):
        named = hlj[names.str.startswith(region)]
        assert len(named) and (named["district"] == region + "市").all()  # the name's city is its district
    assert hlj.drop_duplicates("credit_code")["applicant"].is_unique


def test_heilongjiang_some_ineligible_and_the_floor_exercised(hlj):
    bools = [f.key for f in HLJ.fields if f.kind == "bool"]
    said_no = (hlj[bools] == 0).any(axis=1)
    figures = [f.key for f in HLJ.fields if f.numeric and f.key not in COMMON_KEYS]
    zero = (hlj[figures] == 0).any(axis=1)
    assert 0.05 <= (said_no | zero).mean() <= 0.16
    cert = hlj[hlj["item"] == "h05-cert"]
    below = cert["requested"] < 200_000
    assert 1 <= below.sum() <= len(cert) // 3  # a few ask less than the floor: the floor refuses them
    assert (cert["requested"] == 200_000).any() and (cert["requested"] > 200_000).any()


def test_heilongjiang_workbook_reads_back_without_problems(hlj, tmp_path):
    path = tmp_path / "hlj.xlsx"
    assert write_demo(path, 300, HLJ, seed=2009).equals(hlj)
    apps = read_applications(path, HLJ)
    assert apps.sheets == ("申报表",)
    pd.testing.assert_frame_equal(apps.frame.drop(columns=[SOURCE_SHEET, SOURCE_ROW]), hlj)
    headers = next(
        openpyxl.load_workbook(path, read_only=True)["申报表"].iter_rows(max_row=1, values_only=True)
    )
    assert "取得国际资质认证" in headers and "专利申请及信息检索费用（元）" in headers
