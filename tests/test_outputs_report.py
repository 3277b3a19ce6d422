"""report.html: one self-contained Chinese page."""

from __future__ import annotations

import re

from allocator.outputs.report import write_report_html
from tests.conftest import SCRIPT_APPLICANT, build_result


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
