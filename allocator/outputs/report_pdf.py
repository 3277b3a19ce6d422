"""``report.pdf``: the leadership report on one A4 page (matplotlib, vector, Chinese fonts embedded).

Title, 「结论」 (the same sentences as report.html, :func:`~allocator.outputs.report.conclusion`), eight key
figures in 万元, and two charts: by item, and the budget frontier when ``result.frontier`` is set (else by
district). Everything is placed in inches on a fixed A4 page, so it always fits one page; the charts are
drawn afresh for the page (smaller type than the PNG charts) from the same data.

Fonts: the CJK font of :func:`~allocator.outputs.charts.font_path`. A TrueType font (``.ttf``) is embedded as
Type 42 (CID TrueType); a CFF-based OpenType font (Noto Sans CJK ``.otf``) as Type 3, because matplotlib
writes CFF outlines into a TrueType font program under Type 42, which viewers may reject.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..core.result import AllocationResult
from ..policy.levels import level_labels, level_short
from .charts import (
    BLUE,
    LIGHT,
    ORANGE,
    chart_data_by_district,
    chart_data_by_item,
    chart_labels_by_district,
    chart_rc,
    font_path,
)
from .clauses import admin_limit_short, policy_notes
from .lists import details_where
from .report import conclusion
from .report_frontier import has_frontier
from .words import generated_at, model_zh, percent, status_zh, wan

A4 = (8.27, 11.69)  # inches, portrait
FRONTIER_HEADING = "预算前沿：可用资金与拟支持金额、获支持数"
MARGIN = 0.5
INK, GREY, PALE, CARD = "#1F2933", "#52606D", "#D9E2EC", "#F5F7FA"
_TOKEN = re.compile(r"[0-9A-Za-z.,%+\-/_:·]+|\s+|.", re.S)
_NO_LINE_START = set("，。；：、）」』！？%,.;:)")


def pdf_rc() -> dict:
    """:func:`~allocator.outputs.charts.chart_rc` with the PDF font type that embeds the CJK font properly."""
    otf = font_path().suffix.lower() == ".otf"
    return {**chart_rc(), "pdf.fonttype": 3 if otf else 42, "pdf.compression": 9}


# ---------------------------------------------------------------- text
_ADVANCE: dict[tuple[str, float, float, str], float] = {}  # (font, dpi, size, character) -> inches


def _width(renderer, text: str, size: float) -> float:
    """Width of ``text`` in inches at ``size`` points, in the current font: the sum of its characters'
    advances, each measured once (the page wraps a few thousand trial lines; measuring each whole line
    anew was most of the page's time). Chinese has no kerning to lose; Latin digits lose at most a
    hundredth of an inch a line, inside the wrapping's margin."""
    family = str(matplotlib.rcParams["font.sans-serif"][:1])
    total = 0.0
    for ch in text:
        key = (family, renderer.dpi, size, ch)
        if key not in _ADVANCE:
            w, _, _ = renderer.get_text_width_height_descent(ch, FontProperties(size=size), ismath=False)
            _ADVANCE[key] = w / renderer.dpi
        total += _ADVANCE[key]
    return total


def wrap(renderer, text: str, size: float, width: float) -> list[str]:
    """Greedy line breaking for Chinese with numbers: breaks between characters, never inside a number, and
    no line starts with closing punctuation."""
    lines: list[str] = []
    line = ""
    for tok in _TOKEN.findall(text):
        if not line and tok.isspace():
            continue
        if line and tok[0] not in _NO_LINE_START and _width(renderer, line + tok, size) > width:
            lines.append(line.rstrip())
            line = "" if tok.isspace() else tok
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


class _Page:
    """Placement in inches from the top-left corner of the page."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=A4)
        FigureCanvasAgg(self.fig)  # text measurement
        self.renderer = self.fig.canvas.get_renderer()
        self.W, self.H = A4

    def text(self, x: float, y: float, s: str, size: float, **kw):
        """``s`` with its top-left at (x, y) inches from the page's top-left (``ha`` may change the anchor)."""
        kw.setdefault("va", "top")
        kw.setdefault("color", INK)
        return self.fig.text(x / self.W, 1 - y / self.H, s, fontsize=size, **kw)

    def box(self, x: float, y: float, w: float, h: float, **kw) -> None:
        """A (rounded) rectangle, in inches from the top-left."""
        kw.setdefault("boxstyle", "round,pad=0,rounding_size=0.06")
        patch = FancyBboxPatch((x, self.H - y - h), w, h, transform=self.fig.dpi_scale_trans, **kw)
        self.fig.add_artist(patch)

    def rule(self, x: float, y: float, w: float, colour: str = PALE, lw: float = 0.6) -> None:
        """A horizontal line."""
        self.fig.add_artist(
            Line2D([x, x + w], [self.H - y] * 2, transform=self.fig.dpi_scale_trans, color=colour, lw=lw)
        )

    def axes(self, x: float, y: float, w: float, h: float):
        return self.fig.add_axes((x / self.W, 1 - (y + h) / self.H, w / self.W, h / self.H))

    def paragraph(
        self, x: float, y: float, s: str, size: float, width: float, leading: float = 1.55
    ) -> float:
        """Wrapped text; returns the y below it."""
        step = size * leading / 72
        lines = wrap(self.renderer, s, size, width)
        for k, line in enumerate(lines):
            self.text(x, y + k * step, line, size)
        return y + len(lines) * step


# ---------------------------------------------------------------- pieces
def key_figures(result: AllocationResult) -> list[tuple[str, str, str]]:
    """Eight (label, value, note) for the page, money in 万元."""
    s = result.summary
    fund, cofund = level_labels(result)
    coverage = f"{s.awarded / s.requested_total:.1%}" if s.requested_total else "—"
    source = (
        f"年度 {wan(s.annual_fund)}＋结转 {wan(s.carryover_in)} 万元"
        if s.carryover_in
        else f"年度专项资金 {wan(s.annual_fund)} 万元"
    )
    return [
        ("可用资金", f"{wan(s.available)} 万元", source),
        ("拟支持金额", f"{wan(s.awarded)} 万元", f"获支持 {s.funded:,} 件"),
        (f"{fund}承担", f"{wan(s.city_cost)} 万元", f"由{fund}专项资金支付"),
        (f"{cofund}承担", f"{wan(s.district_cost)} 万元", f"由所在{level_short(cofund)}配套"),
        ("管理费用", f"{wan(s.admin)} 万元", f"上限 {wan(s.admin_limit)} 万元{admin_limit_short(result)}"),
        (
            "结转下年",
            f"{wan(s.carryover_out)} 万元",
            f"其中预留后续批次 {wan(s.reserve)} 万元" if s.reserve else "",
        ),
        ("申报数 / 获支持数", f"{s.applications:,} / {s.funded:,} 件", f"符合条件 {s.eligible:,} 件"),
        ("资金覆盖率", coverage, "占符合条件申请政策上限"),
    ]


def _frame(ax) -> None:
    ax.tick_params(labelsize=7, length=2, colors=GREY)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9AA5B1")


def _wan_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def draw_items(ax, result: AllocationResult) -> None:
    """One row per item: policy cap (light) with the award over it (blue), labelled 拟支持 / 上限."""
    df = chart_data_by_item(result)
    _frame(ax)
    if df.empty:
        ax.text(0.5, 0.5, "无数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    y = list(range(len(df)))
    ax.barh(y, df["cap_wan"], height=0.72, color=LIGHT, label="政策上限合计（符合条件）")
    ax.barh(y, df["award_wan"], height=0.42, color=BLUE, label="拟支持金额")
    top = max(df["cap_wan"].max(), df["award_wan"].max(), 1)
    size = 6.5 if len(df) <= 16 else 5.8
    for i, (a, c) in enumerate(zip(df["award_wan"], df["cap_wan"], strict=True)):
        ax.text(max(a, c) + top * 0.01, i, f"{a:,.1f} / {c:,.1f}", va="center", fontsize=size, color=INK)
    ax.set_yticks(y, df["label"], fontsize=size)
    ax.set_ylim(len(df) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.22)
    _wan_axis(ax.xaxis)
    ax.set_xlabel("金额（万元）；条末数字：拟支持 / 政策上限", fontsize=7, color=GREY)
    ax.grid(axis="x", color="#E4E7EB", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, fontsize=6.5, frameon=False)


def draw_frontier_panel(ax, frontier) -> None:
    """Money awarded (万元) and applications funded against the fund (万元), the scenario's fund marked,
    with what one more step of money buys in yuan and projects (the weighted value is in report.html)."""
    p = frontier.points.sort_values("budget")
    x = p["budget"] / 10_000
    _frame(ax)
    ax.plot(x, p["awarded"] / 10_000, color=BLUE, marker="o", ms=3, lw=1.4, label="拟支持金额（万元）")
    ax.set_ylabel("拟支持金额（万元）", fontsize=7, color=BLUE)
    ax.set_xlabel("可用资金（万元）", fontsize=7, color=GREY)
    _wan_axis(ax.xaxis)
    _wan_axis(ax.yaxis)
    twin = ax.twinx()
    twin.plot(x, p["funded"], color=ORANGE, marker="s", ms=3, lw=1.2, label="获支持数（件）")
    twin.set_ylabel("获支持数（件）", fontsize=7, color=ORANGE)
    twin.tick_params(labelsize=7, length=2, colors=GREY)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    twin.spines["top"].set_visible(False)
    own = frontier.scenario_budget
    ax.axvline(own / 10_000, color=GREY, ls="--", lw=0.8)
    here = p[p["budget"] == own]
    if len(here):
        later = p[p["budget"] > own]
        note = f"本方案 {own / 10_000:,.0f} 万元"
        if len(later):
            nxt, at = later.iloc[0], here.iloc[0]
            note += (
                f"\n再增加{(nxt['budget'] - own) / 10_000:,.0f}万元：新增支持 {int(nxt['funded'] - at['funded']):,} 项、"
                f"多支持 {(nxt['awarded'] - at['awarded']) / 10_000:,.2f} 万元"
            )
        ax.annotate(
            note,
            xy=(own / 10_000, here["awarded"].iloc[0] / 10_000),
            xytext=(8, -26),
            textcoords="offset points",
            fontsize=6.5,
            color=INK,
            arrowprops={"arrowstyle": "->", "color": GREY, "lw": 0.7},
        )
    ax.grid(color="#E4E7EB", linewidth=0.5)
    ax.set_axisbelow(True)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=6.5, frameon=False)


def draw_districts(ax, result: AllocationResult) -> None:
    """Award by district, the fund's and the co-funding level's shares stacked."""
    df = chart_data_by_district(result)
    words = chart_labels_by_district(result)
    _frame(ax)
    if df.empty:
        ax.text(0.5, 0.5, "无数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    y = list(range(len(df)))
    ax.barh(y, df["city_cost_wan"], color=BLUE, label=words["city_cost"])
    bars = ax.barh(
        y, df["district_cost_wan"], left=df["city_cost_wan"], color=ORANGE, label=words["district_cost"]
    )
    ax.bar_label(bars, labels=[f"{v:,.1f}" for v in df["award_wan"]], padding=2, fontsize=6.5)
    ax.set_yticks(y, df["district"], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, max(df["award_wan"].max(), 1) * 1.15)
    _wan_axis(ax.xaxis)
    ax.set_xlabel("金额（万元）", fontsize=7, color=GREY)
    ax.grid(axis="x", color="#E4E7EB", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, fontsize=6.5, frameon=False)


# ---------------------------------------------------------------- the page
def _heading(page: _Page, x: float, y: float, text: str) -> None:
    page.box(x, y + 0.01, 0.045, 0.16, facecolor=BLUE, edgecolor="none", boxstyle="square,pad=0")
    page.text(x + 0.1, y, text, 10)


def report_figure(result: AllocationResult) -> Figure:
    """The page as a matplotlib Figure (A4 portrait); call inside :func:`pdf_rc`."""
    page = _Page()
    sc, s, sv, policy = result.scenario, result.summary, result.solver, result.policy
    manifest = result.manifest or {}
    x0, width = MARGIN, A4[0] - 2 * MARGIN
    page.box(0, 0, A4[0], 0.1, facecolor=BLUE, edgecolor="none", boxstyle="square,pad=0")
    page.text(x0, 0.32, f"{getattr(sc, 'name', '')}：专项资金分配报告", 16, color=BLUE)
    sub = f"{getattr(sc, 'year', '')} 年度　政策：{getattr(policy, 'name', '')}"
    y = page.paragraph(x0, 0.7, sub, 7, width, leading=1.45)
    when = f"方案状态：{status_zh(s.status)}　生成时间：{generated_at(manifest)}"
    y = page.paragraph(x0, y, when, 7, width, leading=1.45) + 0.1

    # 结论
    size, step = 8.6, 8.6 * 1.6 / 72
    said = conclusion(result)
    first = said[0] if said and said[0].startswith("再增加") else ""  # the lead line, on lines of its own
    rest = said[1:] if first else said
    # the CJK font has one weight: the lead line stands out by its colour (a bold request would fall back)
    lead = [(line, BLUE) for line in (wrap(page.renderer, first, size, width - 0.32) if first else [])]
    lines = lead + [(line, INK) for line in wrap(page.renderer, "".join(rest), size, width - 0.32)]
    height = 0.38 + len(lines) * step + 0.06
    page.box(x0, y, width, height, facecolor="#FFF6EA", edgecolor="none")
    page.box(x0, y, 0.05, height, facecolor=ORANGE, edgecolor="none", boxstyle="square,pad=0")
    page.text(x0 + 0.18, y + 0.1, "结论", 10.5)
    for k, (line, colour) in enumerate(lines):
        page.text(x0 + 0.18, y + 0.38 + k * step, line, size, color=colour)
    y += height + 0.14

    # key figures: 4 × 2
    gap, cols, ch = 0.1, 4, 0.64
    cw = (width - gap * (cols - 1)) / cols
    for k, (label, value, note) in enumerate(key_figures(result)):
        cx, cy = x0 + (k % cols) * (cw + gap), y + (k // cols) * (ch + gap)
        page.box(cx, cy, cw, ch, facecolor=CARD, edgecolor=PALE, linewidth=0.6)
        page.text(cx + 0.1, cy + 0.08, label, 7, color=GREY)
        page.text(cx + 0.1, cy + 0.22, value, 12.5, color=BLUE)
        if note:
            page.text(cx + 0.1, cy + 0.48, wrap(page.renderer, note, 6, cw - 0.16)[0], 6, color="#7B8794")
    y += 2 * ch + gap + 0.22
    notes = policy_notes(result, s)  # the fund rules the scenario departs from or the pack leaves open
    if notes:
        y = page.paragraph(x0, y - 0.08, "".join(notes), 6.5, width, leading=1.45) + 0.1

    # two charts in what is left above the footer: by item, then the frontier (else by district)
    footer = A4[1] - MARGIN - 0.16
    room = footer - 0.2 - y
    n_items = max(len(chart_data_by_item(result)), 1)
    if has_frontier(result):
        want = 3.3
    else:
        want = 1.0 + 0.3 * max(len(chart_data_by_district(result)), 1)
    second = min(want, max(2.0, room * 0.42))
    first = min(room - second, 1.0 + 0.17 * n_items)
    second = min(room - first, want)
    _heading(page, x0, y, "分事项：拟支持金额与政策上限（万元）")
    draw_items(page.axes(x0 + 2.3, y + 0.3, width - 2.35, first - 0.72), result)
    y += first
    if has_frontier(result):
        _heading(page, x0, y, FRONTIER_HEADING)
        draw_frontier_panel(page.axes(x0 + 0.6, y + 0.3, width - 1.2, second - 0.72), result.frontier)
    else:
        _heading(page, x0, y, chart_labels_by_district(result)["title"])
        draw_districts(page.axes(x0 + 0.8, y + 0.3, width - 0.85, second - 0.72), result)

    # footer
    page.rule(x0, footer - 0.06, width)
    gap_text = f"，最优性间隙 {percent(sv.gap)}" if sv.mip else ""
    foot = (
        f"金额单位：万元。求解：{sv.name} {sv.version}，{model_zh(sv.mip)}{gap_text}，状态：{status_zh(sv.status)}。"
        f"{details_where(result)}，完整报告见 report.html。"
    )
    page.paragraph(x0, footer, foot, 6.2, width, leading=1.4)
    return page.fig


def write_report_pdf(
    result: AllocationResult, path: str | Path, charts_dir: str | Path | None = None
) -> Path:
    """Write ``report.pdf``: one A4 page. ``charts_dir`` is accepted for symmetry with
    :func:`~allocator.outputs.report.write_report_html`; the page draws its charts itself, as vectors."""
    path = Path(path)
    with rc_context(pdf_rc()):
        fig = report_figure(result)
        title = f"{getattr(result.scenario, 'name', '')}：专项资金分配报告"
        page = io.BytesIO()  # drawn in memory, then written: a full disk is then an OSError, not a zlib error
        fig.savefig(
            page,
            format="pdf",
            facecolor="white",
            metadata={"Title": title, "Creator": "allocator", "Producer": "allocator", "CreationDate": None},
        )
    path.write_bytes(page.getvalue())
    return path


__all__ = ["key_figures", "pdf_rc", "report_figure", "wrap", "write_report_pdf"]
