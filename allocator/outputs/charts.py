"""Charts for leadership: by item, by district, and how many applications were funded.

Each chart is drawn from a small DataFrame (``chart_data_*``) so tests check the numbers, not pixels, and is
saved as PNG (150 dpi) and SVG. Chinese text uses Noto Sans CJK SC from the ``mplfonts`` package (SimHei as
a fallback), so it renders on a machine without Chinese fonts. Figures are built with the object API
(:class:`matplotlib.figure.Figure`, Agg renderer): no pyplot state, no global backend switch.

Labels are user text (districts, item names, plan and run names), drawn as it is: :func:`chart_rc` turns
mathtext off (``text.parse_math``), so a ``$`` in a name is a dollar sign, never TeX that garbles the label
or stops the chart (``$x^$`` raises in mathtext). Every chart is drawn under :func:`chart_rc`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..core.errors import OutputError
from ..core.result import AllocationResult, Status
from ..policy.levels import level_labels, sharing_zh
from ._common import by_district, by_item, prepared, status_counts
from .words import item_label

FONT_FILES = ("NotoSansCJKsc-Regular.otf", "SimHei.ttf")
DPI = 150
CHARTS = ("by_item", "by_district", "funding_status")
BLUE, LIGHT, ORANGE = "#1F5F99", "#BFD7EA", "#F28E2B"
STATUS_COLOURS = {
    Status.FUNDED: "#2E7D32",
    Status.PARTIAL: "#7CB342",
    Status.OVERRIDDEN: "#8E24AA",
    Status.UNFUNDED: "#F9A825",
    Status.INELIGIBLE: "#9E9E9E",
}


def font_path() -> Path:
    """The CJK font file shipped by mplfonts (Noto Sans CJK SC, else SimHei)."""
    try:
        root = resources.files("mplfonts") / "fonts"
    except ModuleNotFoundError:
        root = None
    for name in FONT_FILES:
        if root is not None and (root / name).is_file():
            return Path(str(root / name))
    raise OutputError(
        "找不到中文字体（mplfonts 包中的 NotoSansCJKsc-Regular.otf 或 SimHei.ttf），图表中的中文无法显示",
        "no CJK font found (NotoSansCJKsc-Regular.otf or SimHei.ttf from the mplfonts package)",
        "pip install mplfonts",
    )


@lru_cache(maxsize=1)
def chinese_font() -> str:
    """Register the CJK font with matplotlib and return its family name (e.g. ``Noto Sans CJK SC``)."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def chart_rc() -> dict:
    family = chinese_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "text.parse_math": False,  # user text with $ _ ^ is drawn as written, not as mathtext
        "svg.fonttype": "path",
        "svg.hashsalt": "allocator",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


# ---------------------------------------------------------------- data
def chart_data_by_item(result: AllocationResult) -> pd.DataFrame:
    """Items with at least one application: label, clause, item, item_name, cap_total and award (yuan),
    cap_wan and award_wan (万元)."""
    df = by_item(result)
    df = df[df["applications"] > 0].copy()
    df["label"] = [item_label(c, n) for c, n in zip(df["clause"], df["item_name"], strict=True)]
    df["cap_wan"] = df["cap_total"] / 10_000
    df["award_wan"] = df["award"] / 10_000
    cols = ["label", "clause", "item", "item_name", "cap_total", "award", "cap_wan", "award_wan"]
    return df[cols].reset_index(drop=True)


def chart_data_by_district(result: AllocationResult) -> pd.DataFrame:
    """district, award, city_cost, district_cost (yuan) and the same in 万元 (``*_wan``)."""
    df = by_district(result)[["district", "award", "city_cost", "district_cost"]].copy()
    for col in ("award", "city_cost", "district_cost"):
        df[f"{col}_wan"] = df[col] / 10_000
    return df


def chart_labels_by_district(result: AllocationResult) -> dict[str, str]:
    """The by-district chart's words in the policy's level names: ``title``, and the legend of the
    ``city_cost`` and ``district_cost`` bars (市级承担 / 区级承担; 省级承担 / 市级承担 for heilongjiang-2008)."""
    fund, cofund = level_labels(result)
    return {
        "title": f"分区：拟支持金额及{sharing_zh(result)}（万元）",
        "city_cost": f"{fund}承担",
        "district_cost": f"{cofund}承担",
    }


def chart_data_funding_status(result: AllocationResult) -> pd.DataFrame:
    """status, status_zh, count."""
    return status_counts(prepared(result))


# ---------------------------------------------------------------- drawing
def wan_axis(ax, axis: str = "x") -> None:
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def draw_empty(ax, message: str = "无数据") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, transform=ax.transAxes)
    ax.set_axis_off()


def draw_by_item(result: AllocationResult) -> Figure:
    df = chart_data_by_item(result)
    fig = Figure(figsize=(10, 1.6 + 0.6 * max(len(df), 1)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title("分事项：政策上限与拟支持金额（万元）", fontsize=14, loc="left")
    if df.empty:
        draw_empty(ax)
        return fig
    y = range(len(df))
    h = 0.38
    caps = ax.barh(
        [i - h / 2 for i in y], df["cap_wan"], height=h, color=LIGHT, label="政策上限合计（符合条件）"
    )
    bars = ax.barh([i + h / 2 for i in y], df["award_wan"], height=h, color=BLUE, label="拟支持金额")
    ax.bar_label(caps, labels=[f"{v:,.1f}" for v in df["cap_wan"]], padding=3, fontsize=9, color="#52606D")
    ax.bar_label(bars, labels=[f"{v:,.1f}" for v in df["award_wan"]], padding=3, fontsize=9)
    ax.set_yticks(list(y), df["label"])
    ax.set_ylim(len(df) - 0.4, -0.6)  # first item on top, little empty space
    ax.set_xlabel("金额（万元）")
    ax.set_xlim(0, max(df["cap_wan"].max(), df["award_wan"].max(), 1) * 1.12)
    wan_axis(ax)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def draw_by_district(result: AllocationResult) -> Figure:
    df = chart_data_by_district(result)
    words = chart_labels_by_district(result)
    fig = Figure(figsize=(9, 1.8 + 0.6 * max(len(df), 1)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(words["title"], fontsize=14, loc="left")
    if df.empty:
        draw_empty(ax)
        return fig
    y = list(range(len(df)))
    top = max(df["award_wan"].max(), 1)
    city = ax.barh(y, df["city_cost_wan"], color=BLUE, label=words["city_cost"])
    dist = ax.barh(
        y, df["district_cost_wan"], left=df["city_cost_wan"], color=ORANGE, label=words["district_cost"]
    )
    for segs, values in ((city, df["city_cost_wan"]), (dist, df["district_cost_wan"])):
        inside = [f"{v:,.1f}" if v >= 0.12 * top else "" for v in values]
        ax.bar_label(segs, labels=inside, label_type="center", color="white", fontsize=9)
    ax.bar_label(dist, labels=[f"合计 {v:,.1f}" for v in df["award_wan"]], padding=3, fontsize=9)
    ax.set_yticks(y, df["district"])
    ax.invert_yaxis()
    ax.set_xlabel("金额（万元）")
    ax.set_xlim(0, top * 1.2)
    wan_axis(ax)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def draw_funding_status(result: AllocationResult) -> Figure:
    df = chart_data_funding_status(result)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    total = int(df["count"].sum())
    ax.set_title(f"申报项目支持情况（共 {total} 件）", fontsize=14, loc="left")
    colours = [STATUS_COLOURS[Status(s)] for s in df["status"]]
    bars = ax.bar(df["status_zh"], df["count"], color=colours, width=0.6)
    ax.bar_label(bars, labels=[f"{c} 件" for c in df["count"]], padding=3)
    ax.set_ylabel("申报数（件）")
    ax.set_ylim(0, max(int(df["count"].max()), 1) * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


DRAW: dict[str, Callable[[AllocationResult], Figure]] = {
    "by_item": draw_by_item,
    "by_district": draw_by_district,
    "funding_status": draw_funding_status,
}


def write_charts(result: AllocationResult, out_dir: str | Path) -> list[Path]:
    """Write ``<chart>.png`` and ``<chart>.svg`` for each of :data:`CHARTS` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with rc_context(chart_rc()):
        for name in CHARTS:
            fig = DRAW[name](result)
            for ext in ("png", "svg"):
                path = out_dir / f"{name}.{ext}"
                meta = {"Software": "allocator"} if ext == "png" else {"Date": None}
                fig.savefig(path, dpi=DPI, format=ext, metadata=meta, facecolor="white")
                written.append(path)
                fig.set_layout_engine(
                    "none"
                )  # laid out once: the SVG keeps the PNG's positions (20 % faster)
    return written
