"""charts/plan.png and charts/plan.svg: by year, the annual fund, the fund's spending (市级承担, or the policy's
first level's name; last year's commitments hatched) and the carryover.

The chain comes from :func:`allocator.outputs.plan.chain_frame`; :mod:`allocator.outputs.plan` imports this
module, so :func:`plan_chart_data` imports it when called.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..core.result import PlanResult
from ..policy.levels import level_labels
from .charts import BLUE, DPI, LIGHT, ORANGE, chart_rc, draw_empty, wan_axis
from .plan_frames import chain_frame

__all__ = ["HATCH_EDGE", "draw_plan", "plan_chart_labels", "plan_chart_data", "write_plan_chart"]


def plan_chart_data(plan: PlanResult) -> pd.DataFrame:
    """One row per year: year, label (``2017年``), annual_fund, city_cost, commitments_in, new_city_cost
    (city_cost − commitments_in), carryover_out (yuan), and each in 万元 (``*_wan``)."""

    chain = chain_frame(plan)
    df = chain[["year", "annual_fund", "city_cost", "commitments_in", "carryover_out"]].copy()
    df.insert(1, "label", [f"{y}年" for y in df["year"]])
    df["new_city_cost"] = df["city_cost"] - df["commitments_in"]
    for col in ("annual_fund", "city_cost", "commitments_in", "new_city_cost", "carryover_out"):
        df[f"{col}_wan"] = df[col] / 10_000
    return df.reset_index(drop=True)


HATCH_EDGE = "#B35900"


def plan_chart_labels(plan: PlanResult) -> dict[str, str]:
    """The plan chart's words in the policy's level names: ``title`` (without the plan's name), ``new`` and
    ``owed`` (the two parts of the fund's spending)."""
    fund, _ = level_labels(plan)
    return {
        "title": f"年度专项资金、{fund}支出与结转（万元）",
        "new": f"{fund}承担：当年新批",
        "owed": f"{fund}承担：上年承诺（租房补助第2年）",
    }


def _wan(v: float) -> str:
    return f"{v:,.1f}"


def draw_plan(plan: PlanResult) -> Figure:
    df = plan_chart_data(plan)
    fig = Figure(figsize=(max(7.5, 2.2 * len(df) + 3), 5.2), layout="constrained")
    ax = fig.add_subplot()
    words = plan_chart_labels(plan)
    ax.set_title(f"{plan.name}：{words['title']}", fontsize=14, loc="left")
    if df.empty:
        draw_empty(ax)
        return fig
    x = list(range(len(df)))
    w = 0.36
    fund = ax.bar([i - w / 2 for i in x], df["annual_fund_wan"], width=w, color=LIGHT, label="年度专项资金")
    ax.bar([i + w / 2 for i in x], df["new_city_cost_wan"], width=w, color=BLUE, label=words["new"])
    owed = ax.bar(
        [i + w / 2 for i in x],
        df["commitments_in_wan"],
        width=w,
        bottom=df["new_city_cost_wan"],
        color="white",
        edgecolor=[HATCH_EDGE if v > 0 else "none" for v in df["commitments_in_wan"]],
        hatch="///",
        linewidth=0.8,
    )
    ax.bar_label(
        fund, labels=[_wan(v) for v in df["annual_fund_wan"]], padding=3, fontsize=9, color="#52606D"
    )
    ax.bar_label(owed, labels=[_wan(v) for v in df["city_cost_wan"]], padding=3, fontsize=9)
    top = max(df["annual_fund_wan"].max(), df["city_cost_wan"].max(), df["carryover_out_wan"].max(), 1)
    (line,) = ax.plot(x, df["carryover_out_wan"], color=ORANGE, marker="o", linewidth=2, label="结转下年")
    for i, v in zip(x, df["carryover_out_wan"], strict=True):
        ax.annotate(
            _wan(v),
            (i, v),
            textcoords="offset points",
            xytext=(0, 9),
            ha="center",
            fontsize=9,
            color="#8A4B00",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": ORANGE, "lw": 0.6},
        )
    ax.set_xticks(x, df["label"])
    ax.set_xlim(-0.6, len(df) - 0.4)
    ax.set_ylabel("金额（万元）")
    ax.set_ylim(min(0, df["carryover_out_wan"].min() * 1.2), top * 1.18)
    wan_axis(ax, "y")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = [
        Patch(facecolor=LIGHT, label="年度专项资金"),
        Patch(facecolor=BLUE, label=words["new"]),
        Patch(facecolor="white", edgecolor=HATCH_EDGE, hatch="///", label=words["owed"]),
        line,
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    return fig


def write_plan_chart(plan: PlanResult, out_dir: str | Path) -> list[Path]:
    """``plan.png`` and ``plan.svg`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with rc_context(chart_rc()):
        fig = draw_plan(plan)
        for ext in ("png", "svg"):
            path = out_dir / f"plan.{ext}"
            meta = {"Software": "allocator"} if ext == "png" else {"Date": None}
            fig.savefig(path, dpi=DPI, format=ext, metadata=meta, facecolor="white")
            written.append(path)
    return written
