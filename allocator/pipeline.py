"""One year, one batch: applications + scenario → verified whole-yuan allocation.

``allocate`` is the public API a notebook calls; ``run`` adds reading the files and writing the
outputs. Nothing is written unless the allocation is a proven optimum that passed verification.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import InfeasibleError
from .explain import explain
from .model import add_tiebreak, build_model, tie_group
from .money import round_awards, verify
from .policy import Policy, load_policy
from .result import AllocationResult, NextMillion, SolverInfo, Summary
from .rules import caps
from .scenario import Scenario, load_scenario
from .solve import make_solver, solve

EXTRA = 1_000_000  # "what another million buys"


@dataclass(frozen=True)
class _Solution:
    award: np.ndarray  # whole yuan, every row of the rules frame
    admin: int
    info: SolverInfo


def allocate(
    scenario: Scenario,
    policy: Policy,
    applications: pd.DataFrame,
    *,
    manifest: dict | None = None,
    next_million: bool = True,
) -> AllocationResult:
    """Allocate the scenario's fund over ``applications`` (an intake frame)."""
    frame = caps(applications, policy, scenario).frame
    n = len(frame)
    available = scenario.available
    admin_low = scenario.admin_planned(n)
    admin_high = int(policy.fund.admin_rate * scenario.annual_fund)
    _check_admin(policy, admin_low, admin_high, available)
    solver = make_solver(scenario.solver, scenario.time_limit)
    solution = _optimise(frame, available, admin_low, admin_high, solver)
    table = explain(frame, solution.award, policy)
    summary = _summary(table, scenario, solution.admin, admin_low, admin_high)
    verify(
        table,
        shares={it.id: it.city_share for it in policy.items},
        admin=summary.admin,
        admin_low=admin_low,
        admin_high=admin_high,
        available=available,
        totals=summary.__dict__,
    )
    extra = None
    if next_million:
        more = _optimise(frame, available + EXTRA, admin_low, admin_high, solver)
        extra = _next_million(table, frame, solution, more)
    return AllocationResult(
        scenario=scenario,
        policy=policy,
        table=table,
        summary=summary,
        solver=solution.info,
        manifest=dict(manifest or {}),
        next_million=extra,
    )


def _check_admin(policy: Policy, low: int, high: int, available: int) -> None:
    clause = f"条款（{policy.fund.admin_clause}）"
    if low > high:
        raise InfeasibleError(
            f"计划管理费用 {low:,} 元超过{clause}规定的上限（年度专项资金的 {float(policy.fund.admin_rate):.0%}，即 {high:,} 元）；"
            f"至少须减少 {low - high:,} 元",
            f"planned administration {low:,} exceeds the clause {policy.fund.admin_clause} limit {high:,} by {low - high:,} yuan",
            "减少 [budget] admin_fixed 或 admin_per_application",
        )
    if low > available:
        raise InfeasibleError(
            f"计划管理费用 {low:,} 元超过可用资金 {available:,} 元",
            f"planned administration {low:,} exceeds the available money {available:,}",
        )


def _optimise(
    frame: pd.DataFrame, available: int, admin_low: int, admin_high: int, solver: object
) -> _Solution:
    model = build_model(frame, available, admin_low, admin_high)
    first = solve(model, solver, "value")
    x, seconds, stages = first.awards, first.seconds, 1
    tie = tie_group(frame, x, model.rows)
    if len(tie):
        best = float(sum(c * (v.varValue or 0.0) for v, c in model.value.items()))
        add_tiebreak(model, frame, best, tie)
        second = solve(model, solver, "tie-break")
        x, seconds, stages = second.awards, seconds + second.seconds, 2
    full = np.zeros(len(frame))
    full[model.rows] = x
    admin = min(max(admin_low, int(round(first.admin))), admin_high)
    award = round_awards(frame, full, admin, available)
    value = round(float(frame["value"].to_numpy() @ award), 4)
    info = SolverInfo(first.solver, first.version, "optimal", value, seconds, mip=False, stages=stages)
    return _Solution(award, admin, info)


def _summary(table: pd.DataFrame, scenario: Scenario, admin: int, admin_low: int, admin_high: int) -> Summary:
    city = int(table["city_cost"].sum())
    eligible = table["eligible"].to_numpy()
    return Summary(
        annual_fund=scenario.annual_fund,
        carryover_in=scenario.carryover_in,
        available=scenario.available,
        admin=admin,
        awarded=int(table["award"].sum()),
        city_cost=city,
        district_cost=int(table["district_cost"].sum()),
        carryover_out=scenario.available - city - admin,
        status="optimal",
        applications=len(table),
        funded=int((table["award"] > 0).sum()),
        eligible=int(eligible.sum()),
        requested_total=int(table.loc[eligible, "cap"].sum()),
        admin_planned=admin_low,
        admin_limit=admin_high,
    )


def _next_million(table: pd.DataFrame, frame: pd.DataFrame, now: _Solution, more: _Solution) -> NextMillion:
    from .money import city_cost

    num, den = frame["share_num"].to_numpy(), frame["share_den"].to_numpy()
    changed = more.award != now.award
    diff = table.loc[
        changed, ["application_id", "applicant", "item", "item_name", "district", "award"]
    ].copy()
    diff["award_after"] = more.award[changed]
    diff["gain"] = diff["award_after"] - diff["award"]
    return NextMillion(
        extra=EXTRA,
        value_gain=round(more.info.objective - now.info.objective, 4),
        awarded_gain=int(more.award.sum() - now.award.sum()),
        city_cost_gain=int(city_cost(more.award, num, den).sum() - city_cost(now.award, num, den).sum()),
        newly_funded=int(((now.award == 0) & (more.award > 0)).sum()),
        changed=diff.sort_values(["gain", "application_id"], ascending=[False, True]).reset_index(drop=True),
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    out = {"allocator": __version__, "python": platform.python_version()}
    for name in ("pulp", "highspy", "pandas", "numpy", "openpyxl", "xlsxwriter", "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest_for(scenario: Scenario, policy: Policy, applications_sha256: str) -> dict:
    policy_path = Path(policy.path)
    if policy_path.is_file():
        policy_sha = sha256_file(policy_path)
    else:
        from importlib import resources

        text = (resources.files("allocator") / "policies" / f"{policy.id}.toml").read_bytes()
        policy_sha = hashlib.sha256(text).hexdigest()
    return {
        "scenario_file": str(scenario.path),
        "scenario_sha256": sha256_file(scenario.path) if scenario.path.is_file() else "",
        "applications_file": str(scenario.applications),
        "applications_sha256": applications_sha256,
        "policy": policy.id,
        "policy_sha256": policy_sha,
        "versions": versions(),
        "command": " ".join(sys.argv[:1] + sys.argv[1:]) if sys.argv else "",
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def default_out_dir(scenario_path: Path) -> Path:
    return Path("reports") / Path(scenario_path).stem


def run(scenario_path: str | Path, out_dir: str | Path | None = None) -> tuple[AllocationResult, list[Path]]:
    """``allocator run``: read, validate, allocate, verify, then write every output."""
    from .intake import read_applications
    from .outputs import write_outputs

    scenario = load_scenario(scenario_path)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    apps = read_applications(scenario.applications, policy)
    result = allocate(scenario, policy, apps.frame, manifest=manifest_for(scenario, policy, apps.sha256))
    target = Path(out_dir) if out_dir is not None else default_out_dir(scenario.path)
    return result, write_outputs(result, target)
