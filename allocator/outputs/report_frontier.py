"""report.html's 「预算前沿」 section: the budget frontier's chart (drawn ahead, while a child process
writes a workbook: :func:`draw_ahead`) and a few of its points as a table."""

from __future__ import annotations

import base64
import io
import math
from html import escape

import pandas as pd
from matplotlib import rc_context

from ..core.result import AllocationResult
from .charts import DPI, chart_rc
from .words import VALUE_SAYS, value_text, wan


def frontier_rows(frontier: object, most: int = 9) -> pd.DataFrame:
    """A few points of the frontier for a table: all of them when there are at most ``most``, else evenly
    spaced ones, always with the scenario's own fund and the point after it. Columns budget, value,
    funded, own (the scenario's fund) and extra_value: the weighted value of one more 1,000,000 yuan
    from the row above (NaN on the first row)."""
    p = frontier.points.sort_values("budget").reset_index(drop=True)  # type: ignore[attr-defined]
    own = int(frontier.scenario_budget)  # type: ignore[attr-defined]
    if len(p) > most:
        keep = {round(k * (len(p) - 1) / (most - 3)) for k in range(most - 2)}
        at = p.index[p["budget"] == own]
        if len(at):
            keep |= {int(at[0]), min(int(at[0]) + 1, len(p) - 1)}
        p = p.loc[sorted(keep)].reset_index(drop=True)
    out = p[["budget", "value", "funded", *(["awarded"] if "awarded" in p else [])]].copy()
    if "awarded" not in out:
        out["awarded"] = float("nan")
    out["own"] = out["budget"] == own
    out["extra_funded"] = out["funded"].diff()  # between the rows shown
    out["extra_awarded"] = out["awarded"].diff()
    out["extra_value"] = out["value"].diff() / out["budget"].diff() * 1_000_000
    return out


#: 「预算前沿」's chart and table: yuan and projects first, the weighted value last.
FRONTIER_ALT = "预算前沿：可用资金与获支持数、拟支持金额"


FRONTIER_HEADERS = (
    "可用资金（万元）",
    "获支持数",
    "拟支持金额（万元）",
    "新增支持（项）",
    "多支持（万元）",
    "加权价值",
    "每增加100万元的加权价值",
)


_DRAWN: list[tuple[object, bytes | None]] = []  # the frontier drawn last and its PNG: one slot


def frontier_png(frontier: object) -> bytes | None:
    """:func:`~allocator.outputs.sweep_charts.draw_frontier` as PNG; None when the scenario's fund is not a point
    of the frontier (the chart marks it). The last one drawn is kept, so that it can be drawn while the
    charts are drawn in another process (:func:`draw_ahead`) and the page put together afterwards."""
    from .sweep_charts import draw_frontier

    if _DRAWN and _DRAWN[0][0] is frontier:
        return _DRAWN[0][1]
    png = None
    if int(frontier.scenario_budget) in set(frontier.points["budget"].astype(int)):  # type: ignore[attr-defined]
        buf = io.BytesIO()
        with rc_context(chart_rc()):
            draw_frontier(frontier).savefig(  # type: ignore[arg-type]
                buf, dpi=DPI, format="png", metadata={"Software": "allocator"}, facecolor="white"
            )
        png = buf.getvalue()
    _DRAWN[:] = [(frontier, png)]
    return png


def has_frontier(result: AllocationResult) -> bool:
    frontier = result.frontier
    return not (frontier is None or getattr(frontier, "points", None) is None or frontier.points.empty)


def draw_ahead(result: AllocationResult) -> None:
    """Draw the page's own chart (the frontier) now, for :func:`report_html` to use as it is."""
    if has_frontier(result):
        frontier_png(result.frontier)


def frontier_section(result: AllocationResult) -> str:
    """「预算前沿」: the chart and a few points; '' when the run computed no frontier."""
    frontier = result.frontier
    if not has_frontier(result):
        return ""
    out = [
        "<h2>预算前沿</h2>",
        "<p>同一批申报、同一规则和限额，按不同的可用资金重新求解：资金越多，获支持数和拟支持金额如何变化。"
        "虚线为本方案的可用资金。</p>",
    ]
    png = frontier_png(frontier)
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure><img alt="{FRONTIER_ALT}" src="data:image/png;base64,{data}"></figure>')
    rows = []
    for r in frontier_rows(frontier).itertuples():
        budget = wan(r.budget) + ("（本方案）" if r.own else "")
        first = math.isnan(r.extra_value)
        cells = [
            budget,
            f"{int(r.funded):,}",
            wan(r.awarded),
            "—" if first else f"{int(r.extra_funded):+,}",
            "—" if first or math.isnan(r.extra_awarded) else f"{r.extra_awarded / 10_000:+,.2f}",
            value_text(r.value),
            "—" if first else value_text(r.extra_value),
        ]
        tds = f"<td>{escape(cells[0])}</td>" + "".join(f'<td class="m">{escape(c)}</td>' for c in cells[1:])
        rows.append(f'<tr class="own">{tds}</tr>' if r.own else f"<tr>{tds}</tr>")
    head = "".join(f"<th>{h}</th>" for h in FRONTIER_HEADERS)
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    out.append(
        '<p class="note">新增支持、多支持：与上一行相比。加权价值是测算用的指标，不是金额：'
        f"{escape(VALUE_SAYS)}；每增加100万元的加权价值为与上一行相比、可用资金每增加 100 万元所增加的加权价值。</p>"
    )
    return "".join(out)
