"""Charts: tested by their data and by the font that draws their Chinese text, not by pixels."""

from __future__ import annotations

import warnings
from pathlib import Path

import mplfonts
import pytest
from matplotlib import font_manager

from allocator.core.errors import OutputError
from allocator.outputs import charts
from allocator.outputs.charts import (
    chart_data_by_district,
    chart_data_by_item,
    chart_data_funding_status,
    chinese_font,
    write_charts,
)


def test_by_item_data_equals_table_aggregates(small_result):
    t = small_result.table
    df = chart_data_by_item(small_result)
    assert list(df["item"]) == ["c04-buy", "c13-hire", "c15-innovation"]  # policy order, items applied for
    award = t.groupby("item")["award"].sum()
    caps = t[t["eligible"]].groupby("item")["cap"].sum()
    for row in df.itertuples():
        assert row.award == award[row.item]
        assert row.cap_total == caps[row.item]
        assert row.award_wan == row.award / 10_000
    assert list(df["label"]) == [
        "（四）购买、自建办公用房补助",
        "（十三）新录用员工培训补助",
        "（十五）创新型项目补助",
    ]
    assert df["award"].sum() == small_result.summary.awarded
    assert df["cap_total"].sum() == small_result.summary.requested_total


def test_by_district_data(small_result):
    t = small_result.table
    df = chart_data_by_district(small_result)
    assert list(df["district"]) == ["朝阳区", "高新区"]  # largest award first
    for row in df.itertuples():
        rows = t[t["district"] == row.district]
        assert (row.award, row.city_cost, row.district_cost) == (
            rows["award"].sum(),
            rows["city_cost"].sum(),
            rows["district_cost"].sum(),
        )
        assert row.city_cost_wan + row.district_cost_wan == pytest.approx(row.award_wan)
    assert df["city_cost"].sum() == small_result.summary.city_cost


def test_funding_status_data(small_result):
    df = chart_data_funding_status(small_result)
    assert list(df["status_zh"]) == ["全额支持", "部分支持", "未获支持", "不符合条件"]
    assert list(df["count"]) == [5, 1, 1, 1]
    assert df["count"].sum() == len(small_result.table)


def test_files_written_without_missing_glyphs(small_result, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = write_charts(small_result, tmp_path / "charts")
    glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    assert glyphs == []
    assert sorted(p.name for p in paths) == sorted(
        f"{n}.{e}" for n in ("by_item", "by_district", "funding_status") for e in ("png", "svg")
    )
    for p in paths:
        assert p.stat().st_size > 10_000, p
        head = p.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if p.suffix == ".png" else b"<svg" in p.read_bytes()


def test_cjk_font_is_the_packaged_noto(small_result):
    name = chinese_font()
    assert name == "Noto Sans CJK SC"
    packaged = charts.font_path()
    assert packaged.name == "NotoSansCJKsc-Regular.otf"
    assert Path(mplfonts.__file__).parent in packaged.parents
    found = Path(font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False))
    # the packaged file, or the same family installed on the system (Debian's fonts-noto-cjk is a .ttc)
    families = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == found}
    assert found == packaged or name in families
    assert "DejaVu" not in found.name


def test_no_cjk_font_fails_loudly(monkeypatch):
    monkeypatch.setattr(charts, "FONT_FILES", ("no-such-font.otf",))
    charts.chinese_font.cache_clear()
    try:
        with pytest.raises(OutputError, match="中文字体"):
            charts.chinese_font()
    finally:
        monkeypatch.undo()
        charts.chinese_font.cache_clear()
    assert charts.chinese_font() == "Noto Sans CJK SC"


def test_empty_result_draws(small_result, tmp_path):
    import dataclasses

    empty = dataclasses.replace(small_result, table=small_result.table.iloc[0:0])
    paths = write_charts(empty, tmp_path)
    assert all(p.stat().st_size > 1_000 for p in paths)
