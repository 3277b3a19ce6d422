"""What a multi-year plan's years add up to, shared by the sequential plan (:mod:`allocator.years.plan`) and the
joint one (:mod:`allocator.years.joint`): the commitments a year owes the next, and the :class:`PlanResult`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..core.result import CHAIN_COLUMNS, COMMITMENT_COLUMNS, AllocationResult, PlanResult, YearOutcome

if TYPE_CHECKING:
    from ..policy.types import Policy
    from .plan import PlanSpec


def commitments_from(
    result: AllocationResult, policy: Policy, year: int, served: dict[str, int]
) -> pd.DataFrame:
    """Awards in ``year`` that an item paid for several consecutive years owes again in ``year + 1``.

    ``served``: years an application's award already continues (a commitment itself owes again only
    while its item has years left).
    """
    t = result.table
    multi = {it.id: it.years for it in policy.items if it.years > 1}
    funded = t[t["item"].isin(set(multi)) & (t["award"] > 0)]
    rows = [
        {
            "application_id": r.application_id,
            "source_id": r.application_id,
            "applicant": r.applicant,
            "credit_code": r.credit_code,
            "district": r.district,
            "item": r.item,
            "from_year": year,
            "to_year": year + 1,
            "award": int(r.award),
            "city_cost": int(r.city_cost),
        }
        for r in funded.itertuples(index=False)
        if served.get(r.application_id, 0) + 1 < multi[r.item]
    ]
    return pd.DataFrame(rows, columns=list(COMMITMENT_COLUMNS)).astype(
        {"award": "int64", "city_cost": "int64"}
    )


COMMITMENT_NOTE = (
    "{clause}连续{years}年补助：{from_year} 年已批准（{source}），{to_year} 年续付（第 {n} 年，承诺优先安排）"
)


def plan_result(
    spec: PlanSpec, outcomes: list[YearOutcome], foresight_frame: pd.DataFrame | None = None
) -> PlanResult:
    chain = []
    for o in outcomes:
        s = o.result.summary
        chain.append(
            {
                "year": o.year,
                "annual_fund": s.annual_fund,
                "carryover_in": s.carryover_in,
                "available": s.available,
                "admin": s.admin,
                "city_cost": s.city_cost,
                "district_cost": s.district_cost,
                "awarded": s.awarded,
                "commitments_in": int(o.commitments_in["city_cost"].sum()) if len(o.commitments_in) else 0,
                "commitments_out": int(o.commitments_out["city_cost"].sum()) if len(o.commitments_out) else 0,
                "carryover_out": s.carryover_out,
                "funded": s.funded,
                "applications": s.applications,
                "value": s.value,
            }
        )
    return PlanResult(
        name=spec.name,
        policy=spec.policy,
        mode=spec.mode,
        years=tuple(outcomes),
        chain=pd.DataFrame(chain, columns=list(CHAIN_COLUMNS)),
        carryover_in=spec.carryover_in,
        foresight=foresight_frame,
        path=str(spec.path),
    )


__all__ = ["COMMITMENT_NOTE", "commitments_from", "plan_result"]
