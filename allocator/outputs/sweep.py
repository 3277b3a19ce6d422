"""Outputs of ``allocator sweep``: the budget frontier, the weight trade-off and the rules side by side.

Tables for people (``frontier.csv``, ``coverage.csv``, ``frontier_by_item.csv``, ``frontier_by_district.csv``,
``weights.csv``, ``rules.csv``, ``rules_by_district.csv``): Chinese headers, items and rules by their Chinese
names (never ids), money in whole yuan (:func:`frontier_table` and the other ``*_table`` functions). The
machine record is ``sweep.json`` (keys as in :mod:`allocator.analysis.sweep`). Charts (Chinese, 万元) label their axes
with item and rule names, are laid out by matplotlib's constrained layout, wrap long labels and keep legends
off the data, so no two labels are drawn over each other. Pure functions of the sweep's frames; no solver here.

Text in the tables (districts, item and group names) that a spreadsheet would read as a formula gets a leading
``'``, as in allocation.csv (:func:`~allocator.outputs.tables.csv_safe_frame`).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..analysis.sweep import SHARE_BANDS, Frontier
from ..config.scenario import RULES_ZH
from .charts import DPI, chart_rc
from .tables import csv_safe_frame

BLUE, ORANGE, GREY, GREEN = "#1F5F99", "#E8862A", "#7B8794", "#3E9651"
#: The fund paid by the allocation when the sweep is written without its policy.
FUND = "本级资金"
#: :data:`allocator.analysis.sweep.SHARE_BANDS` for people, with the colours of the rules chart.
SHARE_BANDS_ZH = {
    "share_full": ("全额（100%）", "#1F5F99"),
    "share_75": ("75%–不足100%", "#5B8FC7"),
    "share_50": ("50%–不足75%", "#A9C7E6"),
    "share_25": ("25%–不足50%", "#F2B77C"),
    "share_low": ("不足25%", "#E8862A"),
}
assert [k for k, _ in SHARE_BANDS] == list(SHARE_BANDS_ZH)

__all__ = [
    "RULES_ZH",
    "coverage_table",
    "draw_frontier",
    "draw_rules",
    "draw_weights",
    "frontier_table",
    "group_names",
    "item_names",
    "rules_district_table",
    "rules_table",
    "weights_table",
    "write_sweep",
]


# ---------------------------------------------------------------- names
def item_names(names: dict[str, str], ids: Iterable[str]) -> dict[str, str]:
    """Each id's Chinese name; a name two items share gets its id after it, so columns stay distinct."""
    ids = list(ids)
    said = [str(names.get(i) or i) for i in ids]
    return {i: (f"{n}（{i}）" if said.count(n) > 1 and n != i else n) for i, n in zip(ids, said, strict=True)}


def group_names(policy: object, ids: Iterable[str], most: int = 6) -> str:
    """The items of a ``--weights`` group by name: ``新录用员工培训补助、培训机构培训补助``; past ``most``
    items, ``… 等 7 项``. Ids the policy does not know are kept as they are."""
    names = {it.id: it.name for it in getattr(policy, "items", ()) or ()}
    said = [names.get(i, i) for i in ids]
    if len(said) > most:
        return "、".join(said[:most]) + f" 等 {len(said)} 项"
    return "、".join(said)


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


def _rule(rule: str) -> str:
    return RULES_ZH.get(rule, rule)


# ---------------------------------------------------------------- tables
def _yuan(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").fillna(0).round().astype("int64")


def frontier_table(frontier: Frontier, fund: str = FUND) -> pd.DataFrame:
    """frontier.csv: one row per fund size, yuan and projects first, the weighted value last."""
    p = frontier.points.sort_values("budget").reset_index(drop=True)
    out = pd.DataFrame({"可用资金（元）": _yuan(p["budget"])})
    out["获支持数（项）"] = p["funded"].astype("int64")
    if "awarded" in p:
        out["拟支持金额（元）"] = _yuan(p["awarded"])
    if "city_cost" in p:
        out[f"{fund}承担（元）"] = _yuan(p["city_cost"])
    if "carryover_out" in p:
        out["结转下年（元）"] = _yuan(p["carryover_out"])
    out["比上一行新增支持（项）"] = out["获支持数（项）"].diff().astype("Int64")
    if "拟支持金额（元）" in out:
        out["比上一行多支持（元）"] = out["拟支持金额（元）"].diff().astype("Int64")
    out["加权价值"] = p["value"].astype(float).round(2)
    if "extra_value" in p:
        out["每增加100万元的加权价值"] = p["extra_value"].astype(float).round(2)
    out["本方案"] = np.where(p["budget"] == frontier.scenario_budget, "是", "")
    return out


def _by_budget(frame: pd.DataFrame, names: dict[str, str], suffix: str) -> pd.DataFrame:
    named = item_names(names, [str(c) for c in frame.columns])
    out = frame.copy()
    out.columns = [f"{named[str(c)]}{suffix}" for c in frame.columns]
    out.index = pd.Index(_yuan(pd.Series(frame.index)).to_numpy(), name="可用资金（元）")
    return out


def coverage_table(frontier: Frontier) -> pd.DataFrame:
    """coverage.csv: one row per fund size, one column per item (by name): Σ award ÷ Σ cap, 0 to 1."""
    return _by_budget(frontier.coverage.astype(float).round(4), frontier.item_names, "覆盖率")


def frontier_by_item_table(frontier: Frontier) -> pd.DataFrame | None:
    """frontier_by_item.csv: Σ award of each item (by name) at each fund size, whole yuan."""
    if frontier.awarded is None:
        return None
    return _by_budget(frontier.awarded.fillna(0).round().astype("int64"), frontier.item_names, "（元）")


def frontier_by_district_table(frontier: Frontier) -> pd.DataFrame | None:
    """frontier_by_district.csv: Σ award in each district at each fund size, whole yuan."""
    if frontier.by_district is None:
        return None
    out = frontier.by_district.fillna(0).round().astype("int64")
    out = out.rename(columns=lambda d: f"{d}（元）")
    out.index = pd.Index(_yuan(pd.Series(frontier.by_district.index)).to_numpy(), name="可用资金（元）")
    return out


def weights_table(weights: pd.DataFrame, name_a: str, name_b: str) -> pd.DataFrame:
    """weights.csv: group A's weight multiple, then what each group gets (yuan, projects)."""
    heads = {
        "ratio": "甲组权重倍数",
        "awarded_a": f"甲组（{name_a}）获支持金额（元）",
        "awarded_b": f"乙组（{name_b}）获支持金额（元）",
        "funded_a": "甲组获支持数（项）",
        "funded_b": "乙组获支持数（项）",
        "awarded_other": "其他事项获支持金额（元）",
    }
    out = pd.DataFrame(
        {
            head: (weights[key].astype(float) if key == "ratio" else _yuan(weights[key]))
            for key, head in heads.items()
            if key in weights
        }
    )
    return out


RULE_HEADS = {
    "rule": "分配规则",
    "funded": "获支持数（项）",
    "awarded": "拟支持金额（元）",
    "share_min": "获支持申报所得占其上限：最低",
    "share_median": "获支持申报所得占其上限：中位数",
    **{key: f"所得占上限{label}（项）" for key, (label, _) in SHARE_BANDS_ZH.items()},
    "value": "加权价值",
    "coverage_gini": "覆盖率基尼系数（0为最均衡）",
    "min_coverage": "最小覆盖率",
    "top10_share": "前十大申报单位所获占比",
}


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    """rules.csv: one row per rule (by its Chinese name); shares as fractions 0 to 1, money in whole yuan."""
    out = {}
    for key, head in RULE_HEADS.items():
        if key not in rules:
            continue
        col = rules[key]
        if key == "rule":
            col = col.map(_rule)
        elif key in ("funded", "awarded") or key in SHARE_BANDS_ZH:
            col = _yuan(col)
        elif key == "value":
            col = col.astype(float).round(2)
        out[head] = col
    return pd.DataFrame(out)


def rules_district_table(shares: pd.DataFrame) -> pd.DataFrame:
    """rules_by_district.csv: each district's share of the money under each rule (by name), 0 to 1."""
    out = shares.rename(columns=lambda r: f"{_rule(str(r))}：占比")
    out.index = out.index.rename("所在区")
    return out


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
    names = [_wrap(_rule(r), 7) for r in rules["rule"]]
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
        ax.set_yticks(y, [_rule(r) for r in rules["rule"]], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, widest * 1.32)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(bands), frameon=False, fontsize=8)
    ax.set_xlabel("获支持申报数（项）")
    lower.suptitle("每件获支持申报所得占其政策上限的比例", fontsize=11)
    return fig


# ---------------------------------------------------------------- writing
def _csv(frame: pd.DataFrame, path: Path, index: bool) -> None:
    csv_safe_frame(frame).to_csv(path, index=index, encoding="utf-8-sig")


def write_sweep(
    out_dir: str | Path,
    frontier: Frontier | None = None,
    weights: tuple[pd.DataFrame, str, str] | None = None,
    rules: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    policy: object | None = None,
) -> list[Path]:
    """frontier.csv, coverage.csv, frontier_by_item.csv and frontier_by_district.csv (when the frontier has
    them), weights.csv, rules.csv, rules_by_district.csv, sweep.json, charts/. ``weights`` is (frame,
    group A's item ids comma-separated, group B's); with ``policy`` the groups are named by their items'
    names, and the fund by the policy's."""
    from .publish import install, staged

    out_dir = Path(out_dir)
    fund = str(getattr(policy, "fund_name", "") or FUND)
    with staged(out_dir) as staging:
        (staging / "charts").mkdir()
        written: list[Path] = []
        figures: dict[str, Figure] = {}
        summary: dict = {}
        with rc_context(chart_rc()):
            if frontier is not None:
                tables = {
                    "frontier.csv": (frontier_table(frontier, fund), False),
                    "coverage.csv": (coverage_table(frontier), True),
                    "frontier_by_item.csv": (frontier_by_item_table(frontier), True),
                    "frontier_by_district.csv": (frontier_by_district_table(frontier), True),
                }
                for name, (table, index) in tables.items():
                    if table is not None:
                        _csv(table, staging / name, index)
                        written.append(Path(name))
                figures["frontier"] = draw_frontier(frontier)
                summary["frontier"] = frontier.points.to_dict("records")
                summary["scenario_budget"] = frontier.scenario_budget
            if weights is not None:
                frame, a, b = weights
                name_a, name_b = (
                    (group_names(policy, a.split(",")), group_names(policy, b.split(",")))
                    if policy is not None
                    else (a, b)
                )
                _csv(weights_table(frame, name_a, name_b), staging / "weights.csv", False)
                written.append(Path("weights.csv"))
                figures["weights"] = draw_weights(frame, name_a, name_b)
                summary["weights"] = {"group_a": a, "group_b": b, "points": frame.to_dict("records")}
            if rules is not None:
                figures_frame, shares = rules
                _csv(rules_table(figures_frame), staging / "rules.csv", False)
                _csv(rules_district_table(shares), staging / "rules_by_district.csv", True)
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
