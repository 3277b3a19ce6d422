"""The charts of allocator sweep: the budget frontier (with coverage by item as a heat map), the weight
trade-off between two groups of items, and the rules side by side."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..analysis.sweep import SHARE_BANDS, Frontier
from ..config.scenario import RULES_ZH


# ---------------------------------------------------------------- names
def item_names(names: dict[str, str], ids: Iterable[str]) -> dict[str, str]:
    """Each id's Chinese name; a name two items share gets its id after it, so columns stay distinct."""
    ids = list(ids)
    said = [str(names.get(i) or i) for i in ids]
    return {i: (f"{n}（{i}）" if said.count(n) > 1 and n != i else n) for i, n in zip(ids, said, strict=True)}


BLUE, ORANGE, GREY, GREEN = "#1F5F99", "#E8862A", "#7B8794", "#3E9651"
#: :data:`allocator.analysis.sweep.SHARE_BANDS` for people, with the colours of the rules chart.
SHARE_BANDS_ZH = {
    "share_full": ("全额（100%）", "#1F5F99"),
    "share_75": ("75%–不足100%", "#5B8FC7"),
    "share_50": ("50%–不足75%", "#A9C7E6"),
    "share_25": ("25%–不足50%", "#F2B77C"),
    "share_low": ("不足25%", "#E8862A"),
}
assert [k for k, _ in SHARE_BANDS] == list(SHARE_BANDS_ZH)


def _wrap(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, broken after a 、 or before a （ where it can be
    (CJK has no spaces to break at), else anywhere.

    >>> _wrap("新录用员工培训补助、培训机构培训补助", 12)
    '新录用员工培训补助、\\n培训机构培训补助'
    """
    pieces = re.findall(r"[^、（]+、?|（[^、（]*、?", text) or [text]
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    out = []
    for line in lines:
        out += textwrap.wrap(line, width, break_long_words=True, break_on_hyphens=False) or [line]
    return "\n".join(out)


def rule_name(rule: str) -> str:
    return RULES_ZH.get(rule, rule)


# ---------------------------------------------------------------- charts
def _wan(ax_axis) -> None:
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _next_step(points: pd.DataFrame, budget: int) -> tuple[int, int, int] | None:
    """(extra yuan, applications newly funded, yuan more awarded) at the frontier's next point after
    ``budget``; None at its end."""
    p = points.sort_values("budget")
    later, here = p[p["budget"] > budget], p[p["budget"] == budget]
    if later.empty or here.empty:
        return None
    nxt, at = later.iloc[0], here.iloc[0]
    more = int(nxt["awarded"] - at["awarded"]) if "awarded" in p else 0
    return int(nxt["budget"] - budget), int(nxt["funded"] - at["funded"]), more


def draw_frontier(frontier: Frontier) -> Figure:
    """Money awarded and applications funded against the fund (万元), the scenario's fund marked and what
    the next step of money buys; below, each item's coverage (award ÷ cap) at each fund size, the items
    named on the vertical axis."""
    p = frontier.points.sort_values("budget")
    wan = p["budget"] / 10_000
    cov = frontier.coverage.sort_index()
    named = item_names(frontier.item_names, [str(c) for c in cov.columns])
    n = max(len(cov.columns), 1)
    fig = Figure(figsize=(11, 4.6 + 0.3 * max(n, 4)), layout="constrained")
    top, heat = fig.subplots(2, 1, sharex=True, height_ratios=[4.0, 0.3 * max(n, 4) + 0.6])
    money = "拟支持金额（万元）"
    if "awarded" in p:
        top.plot(wan, p["awarded"] / 10_000, color=BLUE, marker="o", ms=3, label=money)
    top.set_ylabel(money, color=BLUE)
    _wan(top.yaxis)
    twin = top.twinx()
    twin.plot(wan, p["funded"], color=ORANGE, marker="s", ms=3, label="获支持数（项）")
    twin.set_ylabel("获支持数（项）", color=ORANGE)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    twin.spines["right"].set_visible(True)
    own = frontier.scenario_budget / 10_000
    for a in (top, heat):
        a.axvline(own, color=GREY, ls="--", lw=1)
    note = f"本方案资金 {own:,.0f} 万元"
    step = _next_step(p, frontier.scenario_budget)
    if step is not None:
        extra, newly, more = step
        note += f"\n再增加{extra / 10_000:,.0f}万元：新增支持 {newly:,} 项、多支持 {more / 10_000:,.2f} 万元"
    top.text(
        0.99,
        0.04,
        note,
        transform=top.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": GREY, "alpha": 0.9},
        zorder=5,
    )
    handles = top.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    top.legend(
        handles,
        [h.get_label() for h in handles],
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncols=2,
        frameon=False,
        borderaxespad=0,
    )
    fig.suptitle("预算前沿：可用资金与获支持数、拟支持金额")
    if len(cov.columns):
        x = cov.index.to_numpy(dtype=float) / 10_000
        edges = (
            np.concatenate([[x[0]], (x[:-1] + x[1:]) / 2, [x[-1]]])
            if len(x) > 1
            else np.array([x[0] - 1, x[0] + 1])
        )
        mesh = heat.pcolormesh(
            edges, np.arange(n + 1), cov.to_numpy(dtype=float).T * 100, cmap="Blues", vmin=0, vmax=100
        )
        heat.set_yticks(np.arange(n) + 0.5, [_wrap(named[str(c)], 14) for c in cov.columns], fontsize=8)
        heat.invert_yaxis()
        bar = fig.colorbar(mesh, ax=heat, pad=0.01, fraction=0.03)
        bar.set_label("覆盖率（%）")
    heat.set_xlabel("可用资金（万元）")
    heat.set_title("各事项覆盖率：获支持金额占政策上限的比例（%）", fontsize=10, loc="left")
    _wan(heat.xaxis)
    heat.xaxis.set_major_locator(MaxNLocator(8))
    return fig


def _thin(
    points: list[tuple[float, float, str]], xspan: float, yspan: float
) -> list[tuple[float, float, str]]:
    """The labels of :func:`draw_weights`: points at the same place share one label (``×2–×5``); the first
    and the last are kept, and any other closer than about a tenth of the axes to one already kept is left
    out, so none is drawn over another."""
    merged: list[tuple[float, float, list[str]]] = []
    for x, y, text in points:
        if merged and merged[-1][0] == x and merged[-1][1] == y:
            merged[-1][2].append(text)
        else:
            merged.append((x, y, [text]))
    kept: list[tuple[float, float, str]] = []
    ends_first = merged[:1] + merged[-1:] + merged[1:-1] if len(merged) > 1 else merged
    for x, y, texts in ends_first:
        label = texts[0] if len(texts) == 1 else f"{texts[0]}–{texts[-1]}"
        if all(abs(x - kx) > 0.12 * xspan or abs(y - ky) > 0.08 * yspan for kx, ky, _ in kept):
            kept.append((x, y, label))
    return kept


def draw_weights(weights: pd.DataFrame, name_a: str, name_b: str) -> Figure:
    """The Pareto curve between two item groups (by name) as group A's relative weight moves."""
    fig = Figure(figsize=(8, 6.5), layout="constrained")
    ax = fig.subplots()
    xa, yb = weights["awarded_a"] / 10_000, weights["awarded_b"] / 10_000
    ax.plot(xa, yb, color=BLUE, marker="o", ms=4)
    span = (max(float(xa.max() - xa.min()), 1e-9), max(float(yb.max() - yb.min()), 1e-9))
    labels = [(float(a), float(b), f"×{r:g}") for a, b, r in zip(xa, yb, weights["ratio"], strict=True)]
    for x, y, text in _thin(labels, *span):
        ax.annotate(text, (x, y), fontsize=8, xytext=(5, 5), textcoords="offset points")
    ax.margins(0.12)
    ax.set_xlabel(_wrap(f"甲组（{name_a}）获支持金额（万元）", 40))
    ax.set_ylabel(_wrap(f"乙组（{name_b}）获支持金额（万元）", 32))
    _wan(ax.xaxis)
    _wan(ax.yaxis)
    fig.suptitle("权重权衡：甲组相对权重变化时两组所获资金\n（×为甲组权重倍数）")
    return fig


def draw_rules(rules: pd.DataFrame) -> Figure:
    """The rules side by side: applications funded, weighted value and coverage Gini; below, what share of
    its cap each funded application gets under each rule (how many at 100%, 75% to 100%, …)."""
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    upper, lower = fig.subfigures(2, 1, height_ratios=[1.1, 1])
    names = [_wrap(rule_name(r), 7) for r in rules["rule"]]
    colours = [BLUE, ORANGE, GREY, GREEN][: len(rules)] or [BLUE]
    panels = [
        ("funded", "获支持申报数（项）", 1, "{:,.0f}"),
        ("value", "加权价值（万）", 10_000, "{:,.0f}"),
        ("coverage_gini", "覆盖率基尼系数（越小越均衡）", 1, "{:.3f}"),
    ]
    panels = [pn for pn in panels if pn[0] in rules]
    for ax, (col, title, scale, fmt) in zip(upper.subplots(1, len(panels)), panels, strict=True):
        values = rules[col].astype(float) / scale
        bars = ax.bar(range(len(rules)), values, color=colours * (len(rules) // len(colours) + 1))
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], fontsize=8, padding=2)
        ax.set_xticks(range(len(rules)), names, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.margins(y=0.15)
        ax.tick_params(axis="y", labelsize=8)
    upper.suptitle("分配规则对比：效率与公平", fontsize=12)
    ax = lower.subplots()
    bands = [k for k in SHARE_BANDS_ZH if k in rules]
    if bands:
        y = np.arange(len(rules))
        counts = rules[bands].to_numpy(dtype=float)
        widest = max(float(counts.sum(axis=1).max()), 1.0)
        left = np.zeros(len(rules))
        for j, key in enumerate(bands):
            label, colour = SHARE_BANDS_ZH[key]
            ax.barh(y, counts[:, j], left=left, color=colour, label=label, height=0.6)
            for k, c in enumerate(counts[:, j]):
                if c >= 0.07 * widest:  # a count only where its bar has room for it
                    ax.text(left[k] + c / 2, y[k], f"{c:,.0f}", ha="center", va="center", fontsize=8)
            left += counts[:, j]
        for k, r in enumerate(rules.itertuples(index=False)):
            said = f"中位数 {getattr(r, 'share_median', 0):.0%}，最低 {getattr(r, 'share_min', 0):.0%}"
            ax.text(left[k] + widest * 0.01, y[k], said, va="center", fontsize=8)
        ax.set_yticks(y, [rule_name(r) for r in rules["rule"]], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, widest * 1.32)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(bands), frameon=False, fontsize=8)
    ax.set_xlabel("获支持申报数（项）")
    lower.suptitle("每件获支持申报所得占其政策上限的比例", fontsize=11)
    return fig
