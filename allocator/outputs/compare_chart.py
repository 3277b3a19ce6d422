"""The comparison's charts: diverging bars of the change in award (B − A, 万元) by item and by district.

Gains and losses get two colours (blue and orange: neither red nor green, which read oppositely in Chinese
and Western finance), each bar is labelled with its signed amount, and the title says which run is A and which
is B. Drawn from :func:`chart_data` so tests check the numbers, with the CJK font of :mod:`.charts`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .charts import BLUE, DPI, ORANGE, chart_rc, draw_empty, wan_axis
from .words import item_label

GAIN, LOSS = BLUE, ORANGE
CHARTS = ("compare_by_item", "compare_by_district")


def chart_data(comparison, by: str = "item") -> pd.DataFrame:
    """One bar per item (``by="item"``, labelled ``（四）购买、自建办公用房补助``) or district: label, key,
    award_a, award_b, change (yuan, B − A) and change_wan (万元); largest gain on top, largest loss at the
    bottom."""
    if by == "item":
        src = comparison.by_item
        labels = [item_label(c, n) for c, n in zip(src["clause"], src["item_name"], strict=True)]
        keys = src["item"]
    elif by == "district":
        src = comparison.by_district
        labels = list(src["district"])
        keys = src["district"]
    else:
        raise ValueError(f"by must be 'item' or 'district', not {by!r}")
    df = pd.DataFrame(
        {
            "label": labels,
            "key": list(keys),
            "award_a": src["award_a"].astype("int64").to_numpy(),
            "award_b": src["award_b"].astype("int64").to_numpy(),
            "change": src["change"].astype("int64").to_numpy(),
        }
    )
    df["change_wan"] = df["change"] / 10_000
    df = df.sort_values(["change", "label"], ascending=[False, True], kind="stable")
    return df.reset_index(drop=True)


def _signed(v: float) -> str:
    """``+12.3``, ``-4.5`` (万元); under 500 yuan in yuan (``+120 元``); ``持平`` for no change."""
    if v == 0:
        return "持平"
    if round(v, 1) == 0:
        return f"{v * 10_000:+,.0f} 元"
    return f"{v:+,.1f}"


def draw(comparison, by: str = "item") -> Figure:
    df = chart_data(comparison, by)
    what = "分事项" if by == "item" else "分区"
    n = max(len(df), 1)
    fig = Figure(figsize=(10 if by == "item" else 9, 2.0 + 0.45 * n), layout="constrained")
    ax = fig.add_subplot()
    fig.suptitle(f"{what}：拟支持金额变化（万元，B − A）", fontsize=14, x=0.01, ha="left")
    net = float(df["change_wan"].sum())
    net_text = _signed(net) + (" 万元" if round(net, 1) != 0 else "")
    ax.set_title(
        f"A：{comparison.name_a}    B：{comparison.name_b}    合计变化 {net_text}",
        fontsize=10,
        loc="left",
        color="#52606D",
    )
    if df.empty:
        draw_empty(ax)
        return fig
    y = list(range(len(df)))
    colours = [GAIN if v > 0 else LOSS for v in df["change_wan"]]
    bars = ax.barh(y, df["change_wan"], color=colours, height=0.62)
    ax.bar_label(bars, labels=[_signed(v) for v in df["change_wan"]], padding=3, fontsize=9)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, df["label"])
    ax.set_ylim(len(df) - 0.5, -0.5)  # largest gain on top
    lo, hi = min(float(df["change_wan"].min()), 0.0), max(float(df["change_wan"].max()), 0.0)
    span = max(hi - lo, 1.0)
    ax.set_xlim(lo - 0.16 * span if lo < 0 else -0.04 * span, hi + 0.16 * span if hi > 0 else 0.04 * span)
    ax.set_xlabel("变化金额（万元）：右为增加，左为减少")
    wan_axis(ax)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = [Patch(color=GAIN, label="B 较 A 增加"), Patch(color=LOSS, label="B 较 A 减少")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def write_compare_charts(comparison, out_dir: str | Path) -> list[Path]:
    """``compare_by_item.{png,svg}`` and ``compare_by_district.{png,svg}`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with rc_context(chart_rc()):
        for name, by in zip(CHARTS, ("item", "district"), strict=True):
            fig = draw(comparison, by)
            for ext in ("png", "svg"):
                path = out_dir / f"{name}.{ext}"
                meta = {"Software": "allocator"} if ext == "png" else {"Date": None}
                fig.savefig(path, dpi=DPI, format=ext, metadata=meta, facecolor="white")
                written.append(path)
    return written
