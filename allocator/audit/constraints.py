"""``allocator verify``'s constraint check (7): :func:`allocator.allocation.constraints.verify` on the recorded awards —
caps, eligibility, cost shares, admin, budget, ``[limits]``, overrides — with the policy pack's shares, from
the folder alone (allocation.csv and summary.json) and the pack."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import AllocatorError, VerificationError
from .approved import shown


def _discretionary(manifest: dict) -> dict:
    """The recorded scenario's discretionary numbers (a split of costs the text leaves open is one)."""
    from ..config.scenario import load_scenario

    try:
        return load_scenario(manifest.get("scenario_file", "")).discretionary
    except (AllocatorError, OSError, ValueError):
        return {}


def constraints(
    table: pd.DataFrame | None, csv_problem: str, summary: dict, manifest: dict
) -> tuple[str, tuple]:
    """(state, lines) of the check."""
    if table is None:
        return ("fail", (csv_problem,))
    from ..allocation.constraints import Terms, verify
    from ..config.scenario import Limits
    from ..policy.pack import load_policy

    policy_file = str(manifest.get("policy_file") or manifest.get("policy") or "")
    try:
        policy = load_policy(policy_file if Path(policy_file).is_file() else manifest.get("policy", ""))
    except AllocatorError as exc:
        return (
            "skip",
            (f"无法读取政策包，未校验 / the policy pack cannot be read: {exc.zh}",),
        )
    policy = policy.for_scenario(_discretionary(manifest))
    shares = {it.id: it.city_share for it in policy.items}
    unknown = sorted(set(table["item"]) - set(shares))
    if unknown:
        return (
            "fail",
            (f"allocation.csv 中的事项不在政策包中 / unknown items: {', '.join(unknown[:5])}",),
        )
    try:
        lim = summary.get("limits") or {}
        limits = Limits(
            min_award=int(lim.get("min_award") or 0),
            per_enterprise=lim.get("per_enterprise"),
            item_share={k: (float(v[0]), float(v[1])) for k, v in (lim.get("item_share") or {}).items()},
            district_budget={k: int(v) for k, v in (lim.get("district_budget") or {}).items()},
        )
        reserve = int(summary.get("reserve") or 0)
        frame = table.copy()
        for col in ("credit_code", "district"):
            if col not in frame:
                frame[col] = ""
        terms = Terms.of(
            policy,
            admin=int(summary["admin"]),
            admin_low=int(summary.get("admin_planned", summary["admin"])),
            admin_high=int(summary.get("admin_limit", summary["admin"])),
            available=int(summary["available"]) - reserve,
            totals={**summary, "carryover_out": int(summary["carryover_out"]) - reserve},
            limits=limits,
            overrides={
                str(o["application_id"]): int(o["award"])
                for o in summary.get("overrides") or ()
                if isinstance(o.get("award"), int)
            },
        )
        verify(frame, terms)
    except VerificationError as exc:
        found = exc.zh.split("：", 1)[-1].split("；")
        return "fail", shown(found)
    except (KeyError, TypeError, ValueError) as exc:
        return (
            "fail",
            (f"summary.json 缺少或写错了字段 / a field is missing or wrong: {exc}",),
        )
    return "pass", ()
