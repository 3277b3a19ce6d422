"""How the outputs say a number, a time, a rule and a model in Chinese: yuan and 万元, 北京时间, the rule's name
and what it does, percentages and the weighted value."""

from __future__ import annotations

from datetime import datetime

from ..config.scenario import RULES_ZH
from ..core.result import AllocationResult
from .cells import missing as _missing

SOLVER_STATUS_ZH = {"optimal": "已证明最优"}


def yuan(amount: int | float) -> str:
    """``12,345,678``"""
    return f"{round(amount):,}"


def wan(amount: int | float, digits: int = 2) -> str:
    """Ten-thousands of yuan: ``1,234.57``"""
    return f"{amount / 10_000:,.{digits}f}"


def generated_at(manifest: dict) -> str:
    """When the run was made, for people: ``2026-12-02 15:30（北京时间）`` (:func:`beijing_time`)."""
    for key in ("generated_at", "generated", "created_at", "timestamp"):
        if manifest.get(key):
            return beijing_time(manifest[key])
    return beijing_time(datetime.now().astimezone())


def beijing_time(when: object) -> str:
    """An ISO timestamp (or aware datetime) in Asia/Shanghai: ``2026-12-02 15:30（北京时间）``; a naive
    one is taken as UTC; text that is not a time is returned as it is."""
    from zoneinfo import ZoneInfo

    try:
        moment = (
            when if isinstance(when, datetime) else datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        )
    except ValueError:
        return str(when)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def item_label(clause: str, name: str) -> str:
    """``（四）购买、自建办公用房补助``"""
    return f"（{clause}）{name}" if clause else name


def status_zh(status: str) -> str:
    """The solver's end in Chinese: ``已证明最优`` for ``optimal``."""
    return SOLVER_STATUS_ZH.get(status, status)


# ---------------------------------------------------------------- rule, limits, overrides
DEFAULT_RULE = "weighted"


RULE_SAYS = {
    "weighted": "按事项权重×评审得分，使全部拟支持金额的加权价值最大",
    "priority": "按分档优先：先尽量满足第一档事项，再依次满足下一档，同档内按加权价值",
    "maxmin": "先使各项获支持金额占核定上限的最低比例尽量高（公平优先），再在此基础上使加权价值最大",
    "prorata": "各项符合条件的申报按核定上限同一比例支持（同等削减）",
}


VALUE_SAYS = "加权价值＝Σ 事项权重 × 评审得分 ÷ 100 × 拟支持金额"


def rule_of(result: AllocationResult) -> str:
    """The rule id the result was allocated under (the summary's, else the scenario's)."""
    return str(getattr(result.summary, "rule", "") or getattr(result.scenario, "rule", "") or DEFAULT_RULE)


def rule_zh(rule: str) -> str:
    """``最小覆盖率最大（公平优先）``"""
    return RULES_ZH.get(rule, rule)


def model_zh(mip: bool) -> str:
    return "混合整数规划（MILP）" if mip else "线性规划（LP）"


def percent(ratio: float | None, digits: int = 2) -> str:
    """``18.76%``; '—' for None/NaN."""
    if ratio is None or _missing(ratio):
        return "—"
    return f"{ratio:.{digits}%}"


def value_text(value: float) -> str:
    """A weighted value: ``16,902,140.14``"""
    return f"{value:,.2f}"


def shadow_text(shadow: float) -> str:
    """The shadow price in plain Chinese."""
    if shadow <= 0:
        return "增加预算不会提高加权价值（其余申报已获上限，或受限额约束）"
    return (
        f"可用资金每增加 1 元，加权价值约增加 {shadow:.4f}；每增加 1 万元约增加 {value_text(shadow * 10_000)}"
    )


def cost_ratio(comparison: object) -> float | None:
    """The rule's cost as a share of the default rule's weighted value."""
    default = float(getattr(comparison, "default_value", 0) or 0)
    return float(comparison.cost) / default if default else None  # type: ignore[attr-defined]
