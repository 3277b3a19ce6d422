"""Outputs of ``allocator sweep``: the budget frontier, the weight trade-off and the rules side by side.

CSV tables (machine keys) and charts (Chinese, 万元), written atomically like every output. Pure
functions of the sweep's frames; no solver here. Text in the tables (districts, item ids, group names) that a
spreadsheet would read as a formula gets a leading ``'``, as in allocation.csv
(:func:`~allocator.outputs.tables.csv_safe_frame`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..sweep import Frontier
from .charts import DPI, chart_rc
from .tables import csv_safe_frame

BLUE, ORANGE, GREY = "#1F5F99", "#E8862A", "#7B8794"
RULES_ZH = {
    "weighted": "加权价值最大",
    "priority": "分档优先",
    "maxmin": "最小覆盖率最大",
    "prorata": "按比例削减",
}


def draw_frontier(frontier: Frontier, top_items: int = 6) -> Figure:
    """Weighted value and applications funded against the fund; coverage of the largest items below."""
    p = frontier.points
    wan = p["budget"] / 10_000
    fig = Figure(figsize=(11, 8.5))
    ax, cov = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax.plot(wan, p["value"] / 10_000, color=BLUE, marker="o", ms=3, label="加权价值（万）")
    ax.set_ylabel("加权价值（万）")
    twin = ax.twinx()
    twin.plot(wan, p["funded"], color=ORANGE, marker="s", ms=3, label="获支持申报数")
    twin.set_ylabel("获支持申报数（项）")
    own = frontier.scenario_budget / 10_000
    for a in (ax, cov):
        a.axvline(own, color=GREY, ls="--", lw=1)
    at = p.set_index("budget").loc[frontier.scenario_budget]
    ax.annotate(
        f"本方案资金 {own:,.0f} 万元\n再增加100万元：加权价值 +{_next(p, frontier.scenario_budget):,.0f}",
        xy=(own, at["value"] / 10_000),
        xytext=(12, -40),
        textcoords="offset points",
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": GREY},
    )
    ax.set_title("预算前沿：资金规模与加权价值、获支持数")
    lines = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left", frameon=False)
    largest = frontier.coverage.iloc[-1].sort_values(ascending=False).index[:top_items]
    for item in largest:
        cov.plot(wan, frontier.coverage[item] * 100, marker=".", label=frontier.item_names.get(item, item))
    cov.set_ylabel("覆盖率（%）")
    cov.set_xlabel("可用资金（万元）")
    cov.set_ylim(0, 105)
    cov.legend(fontsize=8, frameon=False, ncol=3, loc="lower right")
    fig.tight_layout()
    return fig


def _next(points: pd.DataFrame, budget: int) -> float:
    """Weighted value of the next million after ``budget`` on the frontier (0 at its end)."""
    later = points[points["budget"] > budget]
    if later.empty:
        return 0.0
    nxt = later.iloc[0]
    here = points.set_index("budget").loc[budget]
    return float((nxt["value"] - here["value"]) / (nxt["budget"] - budget) * 1_000_000)


def draw_weights(weights: pd.DataFrame, name_a: str, name_b: str) -> Figure:
    """The Pareto curve between two item groups as group A's relative weight moves."""
    fig = Figure(figsize=(8, 6.5))
    ax = fig.subplots()
    ax.plot(weights["awarded_a"] / 10_000, weights["awarded_b"] / 10_000, color=BLUE, marker="o", ms=4)
    for _, r in weights.iloc[:: max(1, len(weights) // 6)].iterrows():
        ax.annotate(
            f"×{r['ratio']:g}",
            (r["awarded_a"] / 10_000, r["awarded_b"] / 10_000),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel(f"甲组 {name_a} 获支持金额（万元）")
    ax.set_ylabel(f"乙组 {name_b} 获支持金额（万元）")
    ax.set_title("权重权衡：甲组相对权重变化时两组所获资金（×为甲组权重倍数）")
    fig.tight_layout()
    return fig


def draw_rules(rules: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(11, 4.5))
    axes = fig.subplots(1, 3)
    names = [RULES_ZH.get(r, r) for r in rules["rule"]]
    for ax, (col, title, scale) in zip(
        axes,
        (
            ("value", "加权价值（万）", 10_000),
            ("funded", "获支持申报数（项）", 1),
            ("coverage_gini", "覆盖率基尼系数（越小越均衡）", 1),
        ),
        strict=True,
    ):
        bars = ax.bar(names, rules[col] / scale, color=[BLUE, ORANGE, GREY, "#3E9651"][: len(rules)])
        ax.bar_label(bars, fmt="%.3g" if col == "coverage_gini" else "%.0f", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("分配规则对比：效率与公平")
    fig.tight_layout()
    return fig


def write_sweep(
    out_dir: str | Path,
    frontier: Frontier | None = None,
    weights: tuple[pd.DataFrame, str, str] | None = None,
    rules: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> list[Path]:
    """frontier.csv, coverage.csv, weights.csv, rules.csv, rules_by_district.csv, sweep.json, charts/."""
    from . import install, staged

    out_dir = Path(out_dir)
    with staged(out_dir) as staging:
        (staging / "charts").mkdir()
        written: list[Path] = []
        figures: dict[str, Figure] = {}
        summary: dict = {}
        with rc_context(chart_rc()):
            if frontier is not None:
                csv_safe_frame(frontier.points).to_csv(
                    staging / "frontier.csv", index=False, encoding="utf-8-sig"
                )
                csv_safe_frame(frontier.coverage).to_csv(staging / "coverage.csv", encoding="utf-8-sig")
                written += [Path("frontier.csv"), Path("coverage.csv")]
                figures["frontier"] = draw_frontier(frontier)
                summary["frontier"] = frontier.points.to_dict("records")
                summary["scenario_budget"] = frontier.scenario_budget
            if weights is not None:
                frame, a, b = weights
                csv_safe_frame(frame).to_csv(staging / "weights.csv", index=False, encoding="utf-8-sig")
                written.append(Path("weights.csv"))
                figures["weights"] = draw_weights(frame, a, b)
                summary["weights"] = {"group_a": a, "group_b": b, "points": frame.to_dict("records")}
            if rules is not None:
                figures_frame, shares = rules
                csv_safe_frame(figures_frame).to_csv(staging / "rules.csv", index=False, encoding="utf-8-sig")
                csv_safe_frame(shares).to_csv(staging / "rules_by_district.csv", encoding="utf-8-sig")
                written += [Path("rules.csv"), Path("rules_by_district.csv")]
                figures["rules"] = draw_rules(figures_frame)
                summary["rules"] = figures_frame.to_dict("records")
            for name, fig in figures.items():
                for ext in ("png", "svg"):
                    meta = {"Software": "allocator"} if ext == "png" else {"Date": None}
                    fig.savefig(
                        staging / "charts" / f"{name}.{ext}",
                        dpi=DPI,
                        format=ext,
                        metadata=meta,
                        facecolor="white",
                    )
                    written.append(Path("charts") / f"{name}.{ext}")
        (staging / "sweep.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2, default=float), encoding="utf-8"
        )
        written.append(Path("sweep.json"))
        return install(staging, written, out_dir)
