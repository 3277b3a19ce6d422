"""Joint multi-year plans: one model over all years, with foresight.

Every year's applications go into one model (allocator.model.build, ``cumulative=``) whose budget rows say
that what has been spent up to year t never exceeds what has been available up to year t:

    Σ_{τ ≤ t} Σ_i s_i·x_{τ,i}  ≤  C_0 + Σ_{τ ≤ t} (F_τ − A_τ)        for every year t

with F the annual funds, A the planned administration and C_0 the carryover into the first year.
Limits hold within each year (their keys are qualified by year). A rent subsidy (clause 四, 2 years)
chosen in year t is paid again in year t + 1: x_{t+1,c} = x_{t,i} for its continuation c (the same
applicant's application for the same premises, or the row carried in). The rule's objective runs
over all years at once, so money can be kept for a better year.

The answer is rounded year by year (the carryover of each year is what the next year gets, to the
yuan) and each year is then written as an ordinary allocation whose awards were decided here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..allocation.allocate import allocate
from ..allocation.evaluate import caps
from ..allocation.rationing import optimise
from ..allocation.rounding import round_awards
from ..config.manifest import manifest_for
from ..config.scenario import Limits
from ..core.errors import InfeasibleError
from ..core.result import COMMITMENT_COLUMNS, Fixed, YearOutcome
from ..intake.read import read_applications
from ..model.build import Budget, build_model
from ..policy.fields import SOURCE_ROW, SOURCE_SHEET
from ..solve.run import make_solver
from .plan_result import COMMITMENT_NOTE, commitments_from, plan_result

if TYPE_CHECKING:
    from .plan import PlanSpec


def solve_joint(spec: PlanSpec):
    policy = spec.policy
    multi = {it.id: it.years for it in policy.items if it.years > 1}
    frames, pairs, hashes = _frames(spec, multi)
    rules = [
        caps(f, policy, sc).frame.assign(_year=t)
        for t, (f, (_, sc)) in enumerate(zip(frames, spec.years, strict=True))
    ]
    combined = pd.concat(rules, ignore_index=True)
    offset = np.cumsum([0] + [len(r) for r in rules])
    index = {(t, a): offset[t] + k for t, r in enumerate(rules) for k, a in enumerate(r["application_id"])}
    base = spec.years[0][1]
    keyed = combined.assign(
        credit_code=combined["_year"].astype(str) + "|" + combined["credit_code"].astype(str),
        district=combined["_year"].astype(str) + "|" + combined["district"].astype(str),
        item=combined["_year"].astype(str) + "|" + combined["item"].astype(str),
        cap_group=np.where(  # an enterprise's clause cap is a year's
            combined["cap_group"] != "", combined["_year"].astype(str) + "|" + combined["cap_group"], ""
        ),
    )
    admins = [sc.admin_planned(len(r)) for r, (_, sc) in zip(rules, spec.years, strict=True)]
    for (year, sc), a in zip(spec.years, admins, strict=True):
        if a > policy.fund.admin_cap(sc.annual_fund):
            no = policy.fund.admin_clause if policy.fund.admin_rate is not None else ""
            raise InfeasibleError(
                f"{year} 年计划管理费用 {a:,} 元超过"
                + (f"条款（{no}）规定的上限" if no else f"上限 {policy.fund.admin_cap(sc.annual_fund):,} 元"),
                f"planned administration in {year} exceeds the "
                + (f"clause {no} limit" if no else "limit (the year's annual fund)"),
            )
    cumulative, usable = [], spec.carryover_in
    for t, (year, sc) in enumerate(spec.years):
        usable += sc.annual_fund - admins[t]
        cumulative.append((str(year), combined["_year"].to_numpy() <= t, usable))
    years_n = len(spec.years)
    keyed_scenario = replace(
        base, limits=_keyed_limits(base.limits, years_n), tiers=_keyed_tiers(base.tiers, years_n)
    )
    fixed = {index[(t, c)]: 0 for t, c, s in pairs if not _modelled(combined, index[(t - 1, s)])}
    budget = Budget(available=usable, admin_low=0, admin_high=0, fund_name=policy.fund_name)
    model = build_model(keyed, budget, keyed_scenario.limits, fixed, cumulative=cumulative)
    position = {int(r): k for k, r in enumerate(model.rows)}
    for t, c, s in pairs:
        rc, rs = index[(t, c)], index[(t - 1, s)]
        if rc in position and rs in position:
            model.problem += (model.x[position[rc]] - model.x[position[rs]] == 0, f"commit_{rc:07d}")
    solver = make_solver(base.solver, base.time_limit, base.mip_gap)
    out = optimise(model, keyed, keyed_scenario, set(fixed), solver)
    full = np.zeros(len(combined))
    full[model.rows] = out.awards
    return _years(spec, rules, frames, full, out.order, pairs, admins, hashes)


def _frames(spec: PlanSpec, multi: dict[str, int]):
    """Each year's intake frame, with a continuation row for every multi-year application of the year before."""
    frames, pairs, hashes = [], [], []
    served: dict[tuple[int, str], int] = {}
    for t, (year, sc) in enumerate(spec.years):
        apps = read_applications(sc.applications, spec.policy)
        frame = apps.frame
        hashes.append(apps.sha256)
        if t > 0:
            prev = frames[-1]
            carried = []
            for src in prev[prev["item"].isin(set(multi))].to_dict("records"):
                n = served.get((t - 1, src["application_id"]), 0)
                if n + 1 >= multi[src["item"]]:
                    continue
                same = frame[
                    (frame["credit_code"] == src["credit_code"])
                    & (frame["item"] == src["item"])
                    & np.isclose(
                        frame["rent_area_m2"].to_numpy(dtype=float),
                        float(src["rent_area_m2"]),
                        equal_nan=True,
                    )
                ]
                if len(same):
                    cid = str(same["application_id"].iloc[0])
                else:
                    cid = f"{src['application_id']}-{year}"
                    carried.append(
                        {**src, "application_id": cid, SOURCE_SHEET: f"{year - 1}年承诺", SOURCE_ROW: 0}
                    )
                pairs.append((t, cid, src["application_id"]))
                served[(t, cid)] = n + 1
            if carried:
                frame = pd.concat(
                    [frame, pd.DataFrame(carried, columns=frame.columns).astype(frame.dtypes.to_dict())],
                    ignore_index=True,
                )
        frames.append(frame)
    return frames, pairs, hashes


def _modelled(frame: pd.DataFrame, row: int) -> bool:
    return bool(frame["eligible"].iat[row]) and int(frame["cap"].iat[row]) > 0


def _keyed_limits(limits: Limits, years: int) -> Limits:
    return replace(
        limits,
        item_share={f"{t}|{k}": v for t in range(years) for k, v in limits.item_share.items()},
        district_budget={f"{t}|{k}": v for t in range(years) for k, v in limits.district_budget.items()},
    )


def _keyed_tiers(tiers, years: int):
    return tuple(tuple(f"{t}|{i}" for t in range(years) for i in tier) for tier in tiers)


def _years(spec, rules, frames, full, order, pairs, admins, hashes):
    """Round year by year along the carryover chain, then write each year as a decided allocation."""
    offset = np.cumsum([0] + [len(r) for r in rules])
    carry = spec.carryover_in
    outcomes = []
    rounded: dict[tuple[int, str], int] = {}
    for t, (year, sc) in enumerate(spec.years):
        rf = rules[t]
        x = full[offset[t] : offset[t + 1]].copy()
        ids = rf["application_id"].tolist()
        owed = {c: s for tt, c, s in pairs if tt == t}
        fixed_rows = set()
        for k, a in enumerate(ids):
            if a in owed:
                x[k] = rounded.get((t - 1, owed[a]), 0)
                fixed_rows.add(k)
        available = sc.annual_fund + carry
        award = round_awards(
            rf,
            x,
            admins[t],
            available,
            limits=sc.limits,
            fixed=fixed_rows,
            order=order[offset[t] : offset[t + 1]],
            fill=False,
        )
        rounded.update({(t, a): int(v) for a, v in zip(ids, award, strict=True)})
        items = dict(zip(ids, rf["item"], strict=True))
        fixed = {}
        sources = {}
        for c, src in owed.items():
            amount = int(award[ids.index(c)])
            if amount > 0:
                item = spec.policy.item(items[c])
                note = COMMITMENT_NOTE.format(
                    clause=item.clause_label,
                    years=item.years,
                    from_year=year - 1,
                    source=src,
                    to_year=year,
                    n=2,
                )
                fixed[c] = Fixed(amount, note, "commitment")
                sources[c] = src
        carried = frames[t][SOURCE_SHEET].astype(str).str.endswith("年承诺").to_numpy()
        unpaid = carried & frames[t]["application_id"].isin({c for c in owed if c not in fixed}).to_numpy()
        frame_t = frames[t][~unpaid]  # a carried continuation of an unfunded rent is no application
        dropped = set(frames[t]["application_id"][unpaid])
        decided = {a: int(v) for a, v in zip(ids, award, strict=True) if a not in fixed and a not in dropped}
        year_sc = replace(sc, carryover_in=carry, carryover_source=f"{year - 1} 年结转（多年联合）")
        result = allocate(
            year_sc, spec.policy, frame_t, manifest=manifest_for(year_sc, spec.policy, hashes[t]),
            fixed=fixed, decided=decided, next_million=False,
        )  # fmt: skip
        cin = _commitments(result, sources, year)
        outcomes.append(YearOutcome(year, result, cin, pd.DataFrame(columns=list(COMMITMENT_COLUMNS))))
        carry = result.summary.carryover_out
    for t in range(len(outcomes) - 1):  # what each year owes the next
        outcomes[t] = replace(outcomes[t], commitments_out=outcomes[t + 1].commitments_in.copy())
    last = outcomes[-1]
    served = {a for a in last.commitments_in["application_id"]}
    outcomes[-1] = replace(
        last, commitments_out=commitments_from(last.result, spec.policy, last.year, dict.fromkeys(served, 1))
    )
    return plan_result(spec, outcomes)


def _commitments(result, sources: dict[str, str], year: int) -> pd.DataFrame:
    t = result.table.set_index("application_id")
    rows = [
        {
            "application_id": c,
            "source_id": src,
            "applicant": t.at[c, "applicant"],
            "credit_code": t.at[c, "credit_code"],
            "district": t.at[c, "district"],
            "item": t.at[c, "item"],
            "from_year": year - 1,
            "to_year": year,
            "award": int(t.at[c, "award"]),
            "city_cost": int(t.at[c, "city_cost"]),
        }
        for c, src in sources.items()
    ]
    return pd.DataFrame(rows, columns=list(COMMITMENT_COLUMNS))
