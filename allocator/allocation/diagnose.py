"""Infeasible scenarios explained in policy terms.

When limits, overrides and the budget contradict each other, the model is solved again in elastic
form (allocator.model.build, ``elastic=True``): every limit gets a non-negative slack in yuan and the
objective minimises their sum. The limits whose slack is positive are the conflict, and each slack
is the smallest change in yuan that makes the scenario feasible.

Every party to a conflict is named: the awards decided before the solve ([[override]], earlier batches,
last year's commitments) that a limit cannot carry, each by application id and amount with the smallest
change of its own that would settle the conflict, and the planned administration and the reserve for
later batches where they take part. Problems found before the solve (administration over clause 十九's
limit) come in the same message (``also``), so one run lists everything to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ..config.scenario import Scenario
from ..core.errors import InfeasibleError
from ..model.build import SCALE, Budget, Model, build_model
from ..solve.run import solve

SHOWN = 10  # parties named one by one in a conflict's line; the rest are counted


@dataclass(frozen=True)
class Parties:
    """The awards decided before the solve, for naming them in a conflict (rows of the rules frame)."""

    fixed: dict[int, int]  # row -> award
    how: dict[int, str] = field(default_factory=dict)  # row -> how it was decided (Fixed.note)
    adjustable: frozenset[int] = frozenset()  # rows the scenario itself decides ([[override]])


def diagnose(
    frame: pd.DataFrame,
    budget: Budget,
    scenario: Scenario,
    fixed: dict[int, int],
    solver,
    floors: dict[int, int] | None = None,
    *,
    parties: Parties | None = None,
    also: tuple[tuple[str, str], ...] = (),
) -> InfeasibleError:
    """The :class:`InfeasibleError` to raise: which limits conflict, by how many yuan, and who takes part
    (``parties``; default: every fixed award, none adjustable). ``also``: (zh, en) lines found before the
    solve, listed first; the model is then built with the planned administration held to its limit."""
    parties = parties or Parties(fixed)
    if also:
        low = min(budget.admin_low, budget.admin_high, budget.available)
        budget = Budget(budget.available, low, budget.admin_high, budget.reserve, budget.fund_name)
    model = build_model(frame, budget, scenario.limits, fixed, floors, elastic=True)
    try:
        solve(model, solver, "elastic")
    except InfeasibleError:
        return InfeasibleError(
            "方案无可行解，且放宽各项限额后仍不可行（请检查决定支持的金额与管理费用）",
            "the scenario is infeasible even with every limit relaxed (check overrides and administration)",
        )
    lines_zh, lines_en = conflicts(model, frame, parties)
    if also:
        lines_zh, lines_en = [zh for zh, _ in also] + lines_zh, [en for _, en in also] + lines_en
    if not lines_zh:
        lines_zh, lines_en = (
            ["求解器判定无可行解，但放宽后无需任何调整（数值问题）"],
            ["infeasible, yet no limit needs relaxing"],
        )
    if len(lines_zh) > 1:
        lines_zh = [f"{i}. {line}" for i, line in enumerate(lines_zh, 1)]
        lines_en = [f"{i}. {line}" for i, line in enumerate(lines_en, 1)]
    return InfeasibleError(
        "方案约束互相矛盾，无法分配，未写出任何结果：\n  " + "\n  ".join(lines_zh),
        "the scenario's constraints contradict each other; nothing was written:\n  " + "\n  ".join(lines_en),
        "按上述最小调整修改方案文件后重新运行 / change the scenario by the amounts above and run again",
    )


def _share(model: Model, item: str) -> float:
    total = float(model.city.value() or 0.0) if model.city is not None else 0.0
    part = float(model.parts[item].value() or 0.0) if item in model.parts else 0.0
    return part / total if total > 0 else 0.0


def _named(frame: pd.DataFrame, parties: Parties, rows: list[int], kind: str, need: int, what: str):
    """(zh, en) naming the fixed awards among ``rows`` that put yuan on a limit, largest first, each with
    the award it would take alone to free ``need`` yuan of it. ``kind``: what the limit counts of an
    award — "award" itself, "city" (the fund's share, ⌈a × num / den⌉) or "district" (⌈a × (den − num) / den⌉);
    ``what``: its name for people (市级承担)."""
    ids = frame["application_id"].to_numpy()
    num, den = frame["share_num"].to_numpy(), frame["share_den"].to_numpy()

    def cost(r: int, a: int) -> int:  # both shares rounded up: as the model holds them, never less
        n, d = int(num[r]), int(den[r])
        return a if kind == "award" else -(-a * n // d) if kind == "city" else -(-a * (d - n) // d)

    mine = sorted(
        (r for r in rows if cost(r, int(parties.fixed[r])) > 0),
        key=lambda r: (-cost(r, int(parties.fixed[r])), str(ids[r])),
    )
    zh, en = [], []
    for r in mine[:SHOWN]:
        award = int(parties.fixed[r])
        c = cost(r, award)
        how = parties.how.get(r, "方案决定支持" if r in parties.adjustable else "已确定")
        head = f"申报编号 {ids[r]}（{how}，{award:,} 元" + (
            f"，其中{what} {c:,} 元）" if c != award else "）"
        )
        if r not in parties.adjustable:
            zh.append(head + "：不可调整")
            en.append(f"{ids[r]} ({award:,} yuan, decided earlier: fixed)")
        elif c >= need:
            lo, hi = 0, award  # the largest award whose cost is at most c − need (cost grows with the award)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if cost(r, mid) <= c - need else (lo, mid - 1)
            zh.append(head + f"：减至 {lo:,} 元即可")
            en.append(f"{ids[r]} ({award:,} yuan): down to {lo:,} yuan would do")
        else:
            zh.append(head + f"：即使不予支持仍差 {need - c:,} 元")
            en.append(f"{ids[r]} ({award:,} yuan): even at 0 short by {need - c:,} yuan")
    if len(mine) > SHOWN:
        zh.append(f"另有 {len(mine) - SHOWN} 项已确定的金额")
        en.append(f"and {len(mine) - SHOWN} more")
    return "；".join(zh), "; ".join(en)


def _append(zh: list[str], en: list[str], line_zh: str, line_en: str, who: tuple[str, str]) -> None:
    """A conflict's line, with the parties that could settle it instead (``who``: from :func:`_named`)."""
    zh.append(line_zh + (f"，或调整其中一项：{who[0]}" if who[0] else ""))
    en.append(line_en + (f", or change one of: {who[1]}" if who[1] else ""))


def conflicts(model: Model, frame: pd.DataFrame | None = None, parties: Parties | None = None):
    """(zh lines, en lines): each positive slack of the elastic model, with the parties it involves."""
    zh, en = [], []
    rows = sorted(parties.fixed) if frame is not None and parties is not None else []
    if rows:
        district = frame["district"].fillna("").astype(str).str.strip().to_numpy()
        codes = frame["credit_code"].fillna("").astype(str).to_numpy()
    for name, var in model.slacks.items():
        amount = math.ceil((var.varValue or 0.0) * SCALE - 0.5)  # yuan, to the yuan
        if amount <= 0:
            continue
        b = model.bounds[name]
        if b.kind == "budget":
            fund = model.budget.fund_name
            who_zh, who_en = _named(frame, parties, rows, "city", amount, f"{fund}承担") if rows else ("", "")
            budget = model.budget
            for label, label_en, held in (
                ("计划管理费用", "planned administration", budget.admin_low),
                ("预留后续批次资金", "reserve for later batches", budget.reserve),
            ):
                if held > 0:
                    fix = (
                        f"减少 {amount:,} 元即可"
                        if held >= amount
                        else f"即使减为 0 仍差 {amount - held:,} 元"
                    )
                    who_zh += ("；" if who_zh else "") + f"{label} {held:,} 元：{fix}"
                    who_en += ("; " if who_en else "") + f"{label_en} {held:,} yuan"
            zh.append(
                f"{b.zh}：决定支持的金额与管理费用超出可用资金 {amount:,} 元。可用资金至少须增加 {amount:,} 元，"
                f"或调整其中一项：{who_zh}"
            )
            en.append(
                f"budget: the fixed awards and administration exceed the available money by {amount:,} yuan; "
                f"add at least {amount:,} yuan, or change one of: {who_en}"
            )
        elif b.kind == "enterprise":
            mine = [r for r in rows if codes[r] == b.key]
            _append(
                zh, en,
                f"{b.zh}：决定支持的金额已超出该上限 {amount:,} 元，上限至少须提高 {amount:,} 元",
                f"per_enterprise for {b.key}: raise it by at least {amount:,} yuan",
                _named(frame, parties, mine, "award", amount, "金额") if mine else ("", ""),
            )  # fmt: skip
        elif b.kind == "district":
            mine = [r for r in rows if district[r] == b.key]
            _append(
                zh, en,
                f"{b.zh}：已承诺的配套资金超出该预算 {amount:,} 元，{b.key}配套资金至少须增加 {amount:,} 元",
                f"district_budget[{b.key}]: committed co-payments exceed it; raise it by at least {amount:,} yuan",
                _named(frame, parties, mine, "district", amount, "区级配套") if mine else ("", ""),
            )  # fmt: skip
        elif b.kind == "share_min":
            short = math.ceil(
                amount / (1 - b.limit)
            )  # a yuan more for the item moves the constraint by (1 − lo)
            best = _share(model, b.key)
            zh.append(
                f"{b.zh}：该事项的申请（及其他限额）最多只能吸收 {best:.1%}，至少差 {short:,} 元{model.budget.fund_name}资金；"
                f"请将最低比例降至 {math.floor(best * 1000) / 10:.1f}% 以下"
            )
            en.append(
                f"item_share min for {b.key}: its applications reach {best:.1%} at most; short by {short:,} yuan"
            )
        else:
            excess = math.ceil(amount / (1 - b.limit)) if b.limit < 1 else amount
            best = _share(model, b.key)
            zh.append(
                f"{b.zh}：决定支持的金额已使该事项占 {best:.1%}，至少超出 {excess:,} 元{model.budget.fund_name}资金；请提高最高比例"
            )
            en.append(
                f"item_share max for {b.key}: fixed awards already make it {best:.1%}; over by {excess:,} yuan"
            )
    return zh, en
