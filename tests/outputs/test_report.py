"""report.html: one self-contained Chinese page."""

from __future__ import annotations

import re

from allocator.outputs.report import conclusion, write_report_html
from allocator.outputs.report_frontier import frontier_rows
from tests.conftest import SCRIPT_APPLICANT, build_frontier, build_result, build_rule_result


def test_self_contained_chinese_page(small_result, tmp_path):
    path = write_report_html(small_result, tmp_path / "report.html", tmp_path / "charts")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    assert "<title>2017 年度测试方案：专项资金分配报告</title>" in html
    assert "长春市关于促进全市服务外包产业加快发展的若干意见" in html
    for bad in ("http://", "https://", 'src="file', "<link", "<script", "url("):
        assert bad not in html, bad
    srcs = re.findall(r'src="([^"]*)"', html)
    assert len(srcs) == 3 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert (tmp_path / "charts" / "by_item.png").is_file()  # drawn because the folder was empty


def test_key_figures(small_result, tmp_path):
    html = write_report_html(small_result, tmp_path / "report.html", tmp_path / "charts").read_text("utf-8")
    for text in (
        "3,250,000 元",  # 可用资金
        "4,710,000 元",  # 拟支持金额
        "3,210,000 元",  # 市级承担
        "1,500,000 元",  # 区级承担
        "20,800 元",  # 管理费用
        "19,200 元",  # 结转下年
        "8 / 6 件",  # 申报数 / 获支持数
        "89.0%",  # 4,710,000 / 5,290,000
        "471.00 万元",
    ):
        assert text in html, text
    for label in ("可用资金", "拟支持金额", "市级承担", "区级承担", "管理费用", "结转下年", "资金覆盖率"):
        assert f'<div class="k">{label}' in html
    assert "（十三）新录用员工培训补助" in html and "朝阳区" in html


def test_next_million_section(small_result, tmp_path):
    html = write_report_html(small_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    section = html.split("再增加100万元可支持什么", 1)[1]
    assert "1,000,000 元" in section and "580,000 元" in section and "新增获支持 <b>1 件</b>" in section
    assert "A004" in section and "A005" in section


def test_user_text_is_escaped(small_result, tmp_path):
    html = write_report_html(small_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    assert SCRIPT_APPLICANT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;软件有限公司" in html


def test_next_million_not_computed(tmp_path):
    result = build_result(next_million=False)
    html = write_report_html(result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    assert "未测算" in html.split("再增加100万元可支持什么", 1)[1]


# ---------------------------------------------------------------- what a leader reads first
def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_conclusion_and_frontier_come_first(frontier_result, tmp_path):
    html = write_report_html(frontier_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    order = [
        "<h1>",
        "<h2>结论</h2>",
        '<section class="cards">',
        "<h2>预算前沿</h2>",
        "<h2>分配规则</h2>",
        "<h2>图表</h2>",
        "<h2>分事项</h2>",
        "<h2>分区</h2>",
        "<h2>再增加100万元可支持什么</h2>",
    ]
    at = [html.index(h) for h in order]
    assert at == sorted(at)
    lead = plain(html.split("<h2>结论</h2>", 1)[1].split('<section class="cards">', 1)[0])
    for text in (
        "本次可用资金 325.00 万元（年度专项资金 300.00 万元＋上年结转 25.00 万元）。",
        "拟支持 6 件申报（符合条件 7 件），拟支持金额 471.00 万元，其中市级承担 321.00 万元、区级承担 150.00 万元。",
        "结转下年 1.92 万元；符合条件的申报中仍有 1 件未获支持、1 件部分支持",
        "（529.00 万元）的 89.0%",
        "本方案按默认规则「加权价值最大」分配。",
    ):
        assert text in lead, text
    # it leads with yuan and projects (the waitlist's million: the frontier here has no by-item figures)
    assert lead.startswith(
        "再增加100万元：新增支持 1 项、多支持 580,000 元，主要流向 创新型项目补助 500,000 元、"
        "新录用员工培训补助 80,000 元；按区：高新区 500,000 元、朝阳区 80,000 元。"
        "按候补名单依次递补 100.00 万元测算"
    )
    assert "影子价格" not in lead and "加权价值提高" not in lead and "（weighted）" not in html


def test_frontier_section(frontier_result, tmp_path):
    html = write_report_html(frontier_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    for bad in ("http://", "https://", "<link", "<script", "url("):
        assert bad not in html, bad
    srcs = re.findall(r'src="([^"]*)"', html)
    assert len(srcs) == 4 and all(s.startswith("data:image/png;base64,") for s in srcs)
    section = html.split("<h2>预算前沿</h2>", 1)[1].split("<h2>分配规则</h2>", 1)[0]
    assert 'alt="预算前沿：可用资金与获支持数、拟支持金额"' in section
    assert re.findall(r"<th>([^<]*)</th>", section) == [  # yuan and projects first, the weighted value last
        "可用资金（万元）",
        "获支持数",
        "拟支持金额（万元）",
        "新增支持（项）",
        "多支持（万元）",
        "加权价值",
        "每增加100万元的加权价值",
    ]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", section)[1:]]
    assert rows == [
        ["225.00", "5", "365.00", "—", "—", "2,500,000.00", "—"],
        ["325.00（本方案）", "6", "465.00", "+1", "+100.00", "3,412,345.00", "912,345.00"],
        ["425.00", "7", "565.00", "+1", "+100.00", "3,794,345.00", "382,000.00"],
    ]
    assert "加权价值是测算用的指标，不是金额" in section
    assert section.count('<tr class="own">') == 1


def test_no_frontier_no_section(small_result, tmp_path):
    html = write_report_html(small_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    assert "<h2>结论</h2>" in html and "预算前沿" not in html


def test_conclusion_says_what_the_rule_costs(rule_result, tmp_path):
    html = write_report_html(rule_result, tmp_path / "r.html", tmp_path / "charts").read_text("utf-8")
    lead = plain(html.split("<h2>结论</h2>", 1)[1].split('<section class="cards">', 1)[0])
    assert (
        "本方案采用「最小覆盖率最大（公平优先）」规则，与默认规则「加权价值最大」相比：加权价值少 400,000.00"
        "（占默认规则的 11.76%），获支持数多 1 件，最小覆盖率由 0.00% 变为 50.00%。"
    ) in lead
    assert "未获支持" not in lead  # A005 is overridden at 0, not cut by the budget


def test_conclusion_without_comparison_or_next_million():
    text = "".join(conclusion(build_rule_result(comparison=False)))
    assert "本方案采用「最小覆盖率最大（公平优先）」规则（本次未测算与默认规则的比较）。" in text
    assert "再增加" not in "".join(conclusion(build_result(next_million=False)))


def test_frontier_rows_keep_the_scenario_fund():
    points = [(1_000_000 * k, 900_000.0 * k, 10 * k) for k in range(1, 21)]  # 20 points
    rows = frontier_rows(build_frontier(points, own=13_000_000), most=7)
    assert len(rows) <= 7
    assert list(rows["budget"])[0] == 1_000_000 and list(rows["budget"])[-1] == 20_000_000
    assert {13_000_000, 14_000_000} <= set(rows["budget"]) and rows["own"].sum() == 1
    assert rows["extra_value"].iloc[1:].round(2).eq(900_000.0).all()  # per million, between the rows shown
