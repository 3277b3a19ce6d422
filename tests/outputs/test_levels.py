"""The cost levels in what a person reads: the policy's level names (省级/市级 for heilongjiang-2008), never
changchun-2017's 市级/区级 hard-coded; the machine names (city_cost, district_cost) stay."""

from __future__ import annotations

import dataclasses
import json

import openpyxl
import pytest

from allocator.outputs.charts import chart_data_by_district, chart_labels_by_district, draw_by_district
from allocator.outputs.excel import write_allocation_xlsx, write_approved_xlsx
from allocator.outputs.limit_rows import limit_rows
from allocator.outputs.plan import plan_dict, write_plan_xlsx
from allocator.outputs.plan_chart import draw_plan, plan_chart_labels
from allocator.outputs.report import report_html
from allocator.outputs.tables import summary_dict, write_allocation_csv
from allocator.policy.levels import cofund_clause, level_labels
from allocator.policy.pack import load_policy
from tests.conftest import build_plan


def cells(path) -> dict[str, list[str]]:
    """Every text cell of every sheet, by sheet."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return {
        ws.title: [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        for ws in wb.worksheets
    }


def header(path, sheet: str) -> list:
    return [c.value for c in openpyxl.load_workbook(path)[sheet][1]]


def summary_rows(path) -> dict[str, tuple]:
    """汇总: label in column A → (value, note)."""
    ws = openpyxl.load_workbook(path, data_only=True)["汇总"]
    return {r[0]: (r[1], r[2]) for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}


def legend(fig) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


# ---------------------------------------------------------------- the helper
def test_level_labels():
    assert level_labels(load_policy("changchun-2017")) == ("市级", "区级")
    assert level_labels(load_policy("heilongjiang-2008")) == ("省级", "市级")
    assert cofund_clause(load_policy("changchun-2017")) == "二"
    assert cofund_clause(load_policy("heilongjiang-2008")) == ""


def test_level_labels_fall_back_without_levels(small_result):
    class Bare:  # a hand-built policy: no levels, no level names
        items = ()

    class Unnamed:  # levels without names: the usual names of the ids
        levels = ("province", "county")
        level_names: dict = {}

    assert level_labels(dataclasses.replace(small_result, policy=Bare())) == ("市级", "区级")
    assert level_labels(Unnamed()) == ("省级", "县级")


# ---------------------------------------------------------------- heilongjiang-2008
def test_heilongjiang_workbook_says_its_levels(heilongjiang_result, tmp_path):
    path = write_allocation_xlsx(heilongjiang_result, tmp_path / "allocation.xlsx")
    for sheet in ("拟支持名单", "未支持名单", "分条款", "分区"):
        head = header(path, sheet)
        assert "省级承担（元）" in head and "市级承担（元）" in head, sheet
        assert head.index("省级承担（元）") < head.index("市级承担（元）")
    rows = summary_rows(path)
    assert rows["省级承担"] == (3_210_000, "由省级专项资金支付")
    assert rows["市级承担"] == (1_500_000, "由所在市配套资金支付")  # no co-funding clause to cite
    assert "省级承担" in rows["结转下年"][1]
    assert "核对：省级＋市级＝拟支持金额" in rows
    waitlist = header(path, "候补名单")
    assert "所需省级资金（元）" in waitlist and "累计所需省级资金（元）" in waitlist
    params = cells(path)["参数"]
    assert "资金分担" in params and "省级、市级" in params
    assert any("哈尔滨市配套资金上限" in c for c in params)
    assert any("省级资金占比" in c for c in params)
    for sheet, texts in cells(path).items():
        assert not [t for t in texts if "区级" in t], sheet
    approved = write_approved_xlsx(heilongjiang_result, tmp_path / "approved.xlsx")
    assert "省级承担（元）" in header(approved, "拟支持名单")
    assert not [t for t in cells(approved)["拟支持名单"] if "区级" in t]


def test_heilongjiang_limits_name_the_fund(heilongjiang_result):
    rows = {r.key: r for r in limit_rows(heilongjiang_result)}
    share = rows["[limits.item_share] h05-cert"]
    assert share.label.endswith("省级资金占比") and "省级承担" in share.note
    budget = rows["[limits.district_budget] 哈尔滨市"]
    assert budget.note == "该市承担的配套资金合计不超过此额"


def test_heilongjiang_report_says_its_levels(heilongjiang_result, tmp_path):
    html = report_html(heilongjiang_result, tmp_path / "charts")
    assert "省级承担" in html and "市级承担" in html
    assert "由省级专项资金支付" in html and "由所在市配套" in html
    assert "省级承担（元）" in html and "其中省级承担增加" in html
    assert "分区：拟支持金额及省、市分担" in html
    assert "区级" not in html


def test_heilongjiang_chart_says_its_levels(heilongjiang_result):
    words = chart_labels_by_district(heilongjiang_result)
    assert words == {
        "title": "分区：拟支持金额及省、市分担（万元）",
        "city_cost": "省级承担",
        "district_cost": "市级承担",
    }
    data = chart_data_by_district(heilongjiang_result)
    assert list(data["district"]) == ["哈尔滨市", "大庆市"]
    assert list(data["city_cost"]) == [2_360_000, 850_000] and list(data["district_cost"]) == [1_500_000, 0]
    fig = draw_by_district(heilongjiang_result)
    assert legend(fig) == ["省级承担", "市级承担"]
    assert fig.axes[0].get_title(loc="left") == words["title"]


def test_heilongjiang_machine_names_stay(heilongjiang_result, tmp_path):
    """The CSV/JSON contract keeps city_cost / district_cost whatever the levels are called."""
    summary = summary_dict(heilongjiang_result)
    assert summary["city_cost"] == 3_210_000 and summary["district_cost"] == 1_500_000
    csv = write_allocation_csv(heilongjiang_result, tmp_path / "allocation.csv").read_text("utf-8-sig")
    head = csv.splitlines()[0].split(",")
    assert "city_cost" in head and "district_cost" in head
    assert "省级" not in head and "区级" not in csv


def test_heilongjiang_plan_says_its_levels(tmp_path):
    plan = dataclasses.replace(build_plan(), policy=load_policy("heilongjiang-2008"))
    path = write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    chain = header(path, "年度资金链")
    assert "省级承担（元）" in chain and "市级承担（元）" in chain
    assert "省级承担（元）" in header(path, "承诺")
    for sheet, texts in cells(path).items():
        assert not [t for t in texts if "区级" in t], sheet
    words = plan_chart_labels(plan)
    assert words["new"] == "省级承担：当年新批" and words["title"] == "年度专项资金、省级支出与结转（万元）"
    assert legend(draw_plan(plan))[:3] == [
        "年度专项资金",
        "省级承担：当年新批",
        "省级承担：上年承诺（租房补助第2年）",
    ]
    assert "city_cost" in json.dumps(plan_dict(plan))


# ---------------------------------------------------------------- changchun-2017 unchanged
@pytest.fixture
def changchun_book(rule_result, tmp_path):
    return write_allocation_xlsx(rule_result, tmp_path / "allocation.xlsx")


def test_changchun_workbook_keeps_city_and_district(changchun_book):
    for sheet in ("拟支持名单", "未支持名单", "分条款", "分区"):
        head = header(changchun_book, sheet)
        assert "市级承担（元）" in head and "区级承担（元）" in head, sheet
    rows = summary_rows(changchun_book)
    assert rows["市级承担"] == (3_210_000, "由市级专项资金支付")
    assert rows["区级承担"] == (1_500_000, "由所在区配套资金支付（条款二）")
    assert rows["结转下年"][1] == "条款（二十）：可用资金－市级承担－管理费用"
    assert "核对：市级＋区级＝拟支持金额" in rows
    assert "累计所需市级资金（元）" in header(changchun_book, "候补名单")
    assert not [t for t in sum(cells(changchun_book).values(), []) if "省级" in t]


def test_changchun_limits_report_and_chart(rule_result, tmp_path):
    rows = {r.key: r for r in limit_rows(rule_result)}
    assert rows["[limits.district_budget] 朝阳区"].note == "该区承担的配套资金合计不超过此额（条款（二））"
    assert rows["[limits.item_share] c13-hire"].note == "该事项市级承担占全部市级承担的比例范围"
    html = report_html(rule_result, tmp_path / "charts")
    assert "由市级专项资金支付" in html and "由所在区配套" in html
    assert "其中市级承担增加" in html and "分区：拟支持金额及市、区分担" in html
    assert "省级" not in html
    fig = draw_by_district(rule_result)
    assert legend(fig) == ["市级承担", "区级承担"]
    assert fig.axes[0].get_title(loc="left") == "分区：拟支持金额及市、区分担（万元）"
