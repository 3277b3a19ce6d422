"""report.pdf: the leadership report on one A4 page, Chinese embedded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from allocator.outputs.charts import font_path
from allocator.outputs.report_pdf import key_figures, pdf_rc, write_report_pdf

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "changchun-2017.toml"


def pages(path: Path) -> int:
    """Page objects in the file (pdfinfo agrees when it is installed)."""
    data = path.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == count
    return count


def text_of(path: Path) -> str | None:
    """The page's text by pdftotext (None when poppler is not installed); fails on font warnings."""
    if not shutil.which("pdftotext"):
        return None
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    assert "Mismatch" not in done.stderr and "font" not in done.stderr.lower(), done.stderr
    return done.stdout


def check_page(path: Path) -> bytes:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pages(path) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)  # A4 in points
    assert font_path().stem.encode() in data  # the CJK font (NotoSansCJKsc-Regular), subset and embedded
    assert b"/FontFile2" not in data or font_path().suffix.lower() == ".ttf"  # no CFF inside a TrueType slot
    return data


def test_one_page_with_the_frontier(frontier_result, tmp_path):
    path = write_report_pdf(frontier_result, tmp_path / "report.pdf", tmp_path / "charts")
    check_page(path)
    text = text_of(path)
    if text is not None:
        flat = re.sub(r"\s+", "", text)
        assert "2017年度测试方案：专项资金分配报告" in flat
        assert "结论" in flat and "本次可用资金325.00万元" in flat
        lead = flat.split("结论", 1)[1]
        assert lead.startswith("再增加100万元：新增支持1项、多支持580,000元，主要流向创新型项目补助500,000元")
        assert (
            "预算前沿：可用资金与拟支持金额、获支持数" in flat
            and "分事项：拟支持金额与政策上限（万元）" in flat
        )
        assert "状态：已证明最优" in flat and "optimal" not in flat  # no English status word on the page
        assert "分区：" not in flat


def test_by_district_without_a_frontier(small_result, tmp_path):
    path = write_report_pdf(small_result, tmp_path / "report.pdf", tmp_path / "charts")
    check_page(path)
    text = text_of(path)
    if text is not None:
        flat = re.sub(r"\s+", "", text)
        assert "分区：拟支持金额及市、区分担（万元）" in flat and "预算前沿" not in flat


def test_rule_cost_and_other_levels(heilongjiang_result, tmp_path):
    path = write_report_pdf(heilongjiang_result, tmp_path / "report.pdf", None)
    check_page(path)
    text = text_of(path)
    if text is not None:
        flat = re.sub(r"\s+", "", text)
        assert "加权价值少400,000.00（占默认规则的11.76%）" in flat
        assert "省级承担" in flat and "区级" not in flat


def test_key_figures_in_wan(small_result):
    figures = key_figures(small_result)
    assert 6 <= len(figures) <= 8
    values = {k: v for k, v, _ in figures}
    assert values["可用资金"] == "325.00 万元" and values["拟支持金额"] == "471.00 万元"
    assert values["市级承担"] == "321.00 万元" and values["申报数 / 获支持数"] == "8 / 6 件"


def test_font_type_embeds_the_font():
    """A CFF .otf as Type 42 would be written into a TrueType slot: Type 3 then; a .ttf as Type 42."""
    assert pdf_rc()["pdf.fonttype"] == (3 if font_path().suffix.lower() == ".otf" else 42)


@pytest.mark.skipif(not SCENARIO.is_file(), reason="no changchun-2017 scenario")
def test_real_run_fits_one_page(tmp_path):
    """The real scenario: 22 items and a frontier of 8 points still fit one page."""
    from allocator.app.run import run

    result, paths = run(SCENARIO, tmp_path / "out")
    assert result.frontier is not None
    assert tmp_path / "out" / "report.pdf" in paths
    check_page(tmp_path / "out" / "report.pdf")
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "<h2>结论</h2>" in html and "<h2>预算前沿</h2>" in html and "（本方案）" in html
