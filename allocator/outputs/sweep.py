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
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..analysis.sweep import Frontier
from ..config.scenario import RULES_ZH
from .charts import DPI, chart_rc
from .sweep_charts import SHARE_BANDS_ZH, draw_frontier, draw_rules, draw_weights, item_names, rule_name
from .tables import csv_safe_frame

#: The fund paid by the allocation when the sweep is written without its policy.
FUND = "本级资金"

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


def group_names(policy: object, ids: Iterable[str], most: int = 6) -> str:
    """The items of a ``--weights`` group by name: ``新录用员工培训补助、培训机构培训补助``; past ``most``
    items, ``… 等 7 项``. Ids the policy does not know are kept as they are."""
    names = {it.id: it.name for it in getattr(policy, "items", ()) or ()}
    said = [names.get(i, i) for i in ids]
    if len(said) > most:
        return "、".join(said[:most]) + f" 等 {len(said)} 项"
    return "、".join(said)


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
            col = col.map(rule_name)
        elif key in ("funded", "awarded") or key in SHARE_BANDS_ZH:
            col = _yuan(col)
        elif key == "value":
            col = col.astype(float).round(2)
        out[head] = col
    return pd.DataFrame(out)


def rules_district_table(shares: pd.DataFrame) -> pd.DataFrame:
    """rules_by_district.csv: each district's share of the money under each rule (by name), 0 to 1."""
    out = shares.rename(columns=lambda r: f"{rule_name(str(r))}：占比")
    out.index = out.index.rename("所在区")
    return out


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
