"""Infeasible scenarios explained in policy terms.

When limits, overrides and the budget contradict each other, the model is solved again in elastic
form (allocator.model, ``elastic=True``): every limit gets a non-negative slack in yuan and the
objective minimises their sum. The limits whose slack is positive are the conflict, and each slack
is the smallest change in yuan that makes the scenario feasible.
"""

from __future__ import annotations

import math

import pandas as pd

from .errors import InfeasibleError
from .model import SCALE, Budget, Model, build_model
from .scenario import Scenario
from .solve import solve


def diagnose(
    frame: pd.DataFrame,
    budget: Budget,
    scenario: Scenario,
    fixed: dict[int, int],
    solver,
    floors: dict[int, int] | None = None,
) -> InfeasibleError:
    """The :class:`InfeasibleError` to raise: which limits conflict, and by how many yuan."""
    model = build_model(frame, budget, scenario.limits, fixed, floors, elastic=True)
    try:
        solve(model, solver, "elastic")
    except InfeasibleError:
        return InfeasibleError(
            "方案无可行解，且放宽各项限额后仍不可行（请检查决定支持的金额与管理费用）",
            "the scenario is infeasible even with every limit relaxed (check overrides and administration)",
        )
    lines_zh, lines_en = conflicts(model)
    if not lines_zh:
        lines_zh, lines_en = (
            ["求解器判定无可行解，但放宽后无需任何调整（数值问题）"],
            ["infeasible, yet no limit needs relaxing"],
        )
    return InfeasibleError(
        "方案约束互相矛盾，无法分配，未写出任何结果：\n  " + "\n  ".join(lines_zh),
        "the scenario's constraints contradict each other; nothing was written:\n  " + "\n  ".join(lines_en),
        "按上述最小调整修改方案文件后重新运行 / change the scenario by the amounts above and run again",
    )


def _share(model: Model, item: str) -> float:
    total = float(model.city.value() or 0.0) if model.city is not None else 0.0
    part = float(model.parts[item].value() or 0.0) if item in model.parts else 0.0
    return part / total if total > 0 else 0.0


def conflicts(model: Model) -> tuple[list[str], list[str]]:
    zh, en = [], []
    for name, var in model.slacks.items():
        amount = math.ceil((var.varValue or 0.0) * SCALE - 0.5)  # yuan, to the yuan
        if amount <= 0:
            continue
        b = model.bounds[name]
        if b.kind == "budget":
            zh.append(
                f"{b.zh}：决定支持的金额与管理费用超出可用资金，可用资金至少须增加 {amount:,} 元（或相应减少决定支持的金额）"
            )
            en.append(
                f"budget: the fixed awards and administration exceed the available money; add at least {amount:,} yuan"
            )
        elif b.kind == "enterprise":
            zh.append(f"{b.zh}：决定支持的金额已超出该上限，上限至少须提高 {amount:,} 元")
            en.append(f"per_enterprise for {b.key}: raise it by at least {amount:,} yuan")
        elif b.kind == "district":
            zh.append(f"{b.zh}：已承诺的配套资金超出该预算，{b.key}配套资金至少须增加 {amount:,} 元")
            en.append(
                f"district_budget[{b.key}]: committed co-payments exceed it; raise it by at least {amount:,} yuan"
            )
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
