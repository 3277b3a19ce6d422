"""Trade-offs for leadership: the scenario solved again and again, reusing intake and caps.

- :func:`budget_frontier`: the scenario at each fund size — weighted value, applications funded,
  coverage by item — and what each extra million buys. Value never decreases as the budget grows, and
  the point at the scenario's own fund is exactly what ``allocator run`` gives (same solve path).
- :func:`weight_sweep`: the relative weight of two item groups (talent against offshore growth) from
  ``lo`` to ``hi``: what each group receives, the Pareto curve between them.
- :func:`rule_comparison`: ``weighted``, ``maxmin`` and ``prorata`` side by side: value, funded,
  coverage Gini, the ten largest recipients' share, what share of its cap each funded application gets
  (:func:`share_of_cap`), share by district.

The applications are read and capped once; each point builds its (small) model and solves it. Points
run in this process, in ``jobs`` worker processes, or on a Dask cluster (``dask=ADDRESS``).
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..allocation.allocate import solve_budget
from ..allocation.decisions import decisions
from ..allocation.evaluate import caps
from ..allocation.rounding import city_cost
from ..config.scenario import Scenario
from ..core.errors import ScenarioError
from ..model.build import Budget, build_model
from ..policy.types import Policy
from ..solve.run import make_solver


@dataclass(frozen=True)
class Frontier:
    points: (
        pd.DataFrame
    )  # budget, value, funded, awarded, city_cost, carryover_out, extra_value, extra_funded
    coverage: pd.DataFrame  # one row per budget, one column per item: Σ award / Σ cap
    scenario_budget: int  # the scenario's own available money
    item_names: dict[str, str]
    awarded: pd.DataFrame | None = None  # one row per budget, one column per item: Σ award, whole yuan
    by_district: pd.DataFrame | None = None  # one row per budget, one column per district: Σ award


@dataclass(frozen=True)
class _Point:
    frame: pd.DataFrame  # the rules frame (capped once)
    scenario: Scenario
    budget: Budget


def _solve_points(points: list[_Point]) -> list[tuple[np.ndarray, int, float]]:
    """:func:`_each_point` as a list. Top level, so worker processes and Dask can run it."""
    return list(_each_point(points))


def _each_point(points: list[_Point]):
    """Solve points in turn: (awards, admin, weighted value) each. Consecutive points on the same
    frame and limits share one model, moved to each budget (:func:`~allocator.model.stages.rebudget`):
    building a model costs more than solving it."""
    model, last, solver, dec = None, None, None, None
    for point in points:
        sc = point.scenario
        same = last is not None and last.frame is point.frame
        if not same or (last.scenario.limits, last.scenario.overrides) != (sc.limits, sc.overrides):
            dec = decisions(point.frame, sc, {}, {}, {})
            model = build_model(point.frame, point.budget, sc.limits, dec.fixed, dec.floors)
        if solver is None or (last.scenario.solver, last.scenario.time_limit, last.scenario.mip_gap) != (
            sc.solver,
            sc.time_limit,
            sc.mip_gap,
        ):
            solver = make_solver(sc.solver, sc.time_limit, sc.mip_gap)  # one solver: HiGHS keeps its model
        solution = solve_budget(point.frame, sc, point.budget, dec, solver, model)
        yield solution.award, solution.admin, solution.info.objective
        last = point


def _chunks(points: list[_Point], n: int) -> list[list[_Point]]:
    """``n`` runs of consecutive points (so each worker builds its model once, not once per point)."""
    size = -(-len(points) // max(n, 1))
    return [points[i : i + size] for i in range(0, len(points), size)]


def _run(
    points: list[_Point], jobs: int = 1, dask: str | None = None, progress: bool = False, label: str = ""
):
    if dask:
        from dask.distributed import Client

        with Client(dask) as client:
            workers = max(len(client.scheduler_info().get("workers", {})), 1)
            futures = client.map(_solve_points, _chunks(points, workers), pure=False)
            if progress:
                from dask.distributed import progress as dask_progress

                dask_progress(futures)
            return [r for chunk in client.gather(futures) for r in chunk]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunks = _chunks(points, jobs)
            done = _bar(pool.map(_solve_points, chunks), len(chunks), progress, label)
            return [r for chunk in done for r in chunk]
    return list(_bar(_each_point(points), len(points), progress, label))


def _bar(iterable, total: int, show: bool, label: str):
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=label, unit="点", leave=False)


def capped(scenario: Scenario, policy: Policy, applications: pd.DataFrame) -> pd.DataFrame:
    """The rules frame, computed once for every point of a sweep."""
    return caps(applications, policy, scenario).frame


def _budget(frame: pd.DataFrame, scenario: Scenario, policy: Policy, available: int) -> Budget:
    return Budget(
        available,
        scenario.admin_planned(len(frame)),
        policy.fund.admin_cap(scenario.annual_fund),
        scenario.reserve,
        policy.fund_name,
    )


def budget_frontier(
    scenario: Scenario,
    policy: Policy,
    frame: pd.DataFrame,
    budgets: list[int],
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
) -> Frontier:
    """The scenario solved at each available amount in ``budgets`` (the scenario's own is added)."""
    own = scenario.available
    levels = sorted(set(int(b) for b in budgets) | {own})
    points = [_Point(frame, scenario, _budget(frame, scenario, policy, b)) for b in levels]
    results = _run(points, jobs, dask, progress, "预算前沿")
    cap = frame["cap"].to_numpy()
    num, den = frame["share_num"].to_numpy(), frame["share_den"].to_numpy()
    rows, coverage, awarded, by_district = [], {}, {}, {}
    districts = frame["district"].fillna("").astype(str).str.strip().replace("", "（未填）").to_numpy()
    for b, (award, admin, value) in zip(levels, results, strict=True):
        spent = int(city_cost(award, num, den).sum())
        rows.append(
            {
                "budget": b,
                "value": value,
                "funded": int((award > 0).sum()),
                "awarded": int(award.sum()),
                "city_cost": spent,
                "carryover_out": b - spent - admin,
            }
        )
        by_item = (
            pd.DataFrame({"item": frame["item"], "award": award, "cap": cap})
            .groupby("item")[["award", "cap"]]
            .sum()
        )
        coverage[b] = (by_item["award"] / by_item["cap"].where(by_item["cap"] > 0)).fillna(0.0)
        awarded[b] = by_item["award"].astype("int64")
        by_district[b] = pd.Series(award).groupby(districts).sum().astype("int64")
    points_frame = pd.DataFrame(rows)
    step = points_frame["budget"].diff()
    points_frame["extra_value"] = (points_frame["value"].diff() / step * 1_000_000).round(
        2
    )  # per extra million
    points_frame["extra_funded"] = points_frame["funded"].diff()
    names = dict(zip(frame["item"], frame["item_name"], strict=False))
    return Frontier(
        points_frame,
        pd.DataFrame(coverage).T.rename_axis("budget"),
        own,
        names,
        pd.DataFrame(awarded).T.rename_axis("budget"),
        pd.DataFrame(by_district).T.fillna(0).astype("int64").rename_axis("budget"),
    )


def parse_range(text: str) -> list[float]:
    """``LO:HI:N`` → N evenly spaced numbers from LO to HI (both included)."""
    try:
        lo, hi, n = text.split(":")
        lo_f, hi_f, count = float(lo), float(hi), int(n)
    except ValueError:
        raise ScenarioError(
            f"范围 {text!r} 应写作 起点:终点:点数，如 10000000:40000000:31",
            f"range {text!r} must be LO:HI:N, e.g. 10000000:40000000:31",
        ) from None
    if count < 2 or lo_f < 0 or hi_f <= lo_f:
        raise ScenarioError(
            f"范围 {text!r} 须 0 ≤ 起点 < 终点、点数 ≥ 2", f"range {text!r}: need 0 ≤ LO < HI and N ≥ 2"
        )
    return np.linspace(lo_f, hi_f, count).tolist()


def groups(text: str, policy: Policy) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    """``A/B=LO:HI:N`` with A and B comma-separated item ids or patterns (``c13-*,c14-talent``)."""
    try:
        pair, spec = text.split("=")
        a, b = pair.split("/")
    except ValueError:
        raise ScenarioError(
            f"--weights {text!r} 应写作 甲组/乙组=起点:终点:点数，如 c13-*,c14-talent/c09-offshore,c07-*=0.2:5:25",
            f"--weights {text!r} must be GROUP_A/GROUP_B=LO:HI:N",
        ) from None
    ids = [it.id for it in policy.items]

    def members(group: str) -> tuple[str, ...]:
        found = tuple(i for i in ids if any(fnmatch.fnmatch(i, p.strip()) for p in group.split(",")))
        if not found:
            raise ScenarioError(
                f"--weights 中的 {group!r} 不对应任何事项", f"{group!r} matches no item of {policy.id}"
            )
        return found

    ga, gb = members(a), members(b)
    if set(ga) & set(gb):
        raise ScenarioError("--weights 的两组事项不能重叠", "the two item groups overlap")
    return a, ga, gb, spec


def weight_sweep(
    scenario: Scenario,
    policy: Policy,
    frame: pd.DataFrame,
    group_a: tuple[str, ...],
    group_b: tuple[str, ...],
    ratios: list[float],
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Group A's weight × ratio against group B's (both relative to the scenario's weights)."""
    base = scenario.weight
    points = []
    for r in ratios:
        weights = dict(scenario.weights)
        for i in group_a:
            weights[i] = base(i) * r
        sc = replace(scenario, weights=weights)
        points.append(_Point(caps_with_weights(frame, sc), sc, _budget(frame, sc, policy, sc.available)))
    results = _run(points, jobs, dask, progress, "权重权衡")
    in_a = frame["item"].isin(group_a).to_numpy()
    in_b = frame["item"].isin(group_b).to_numpy()
    rows = []
    for r, (award, _admin, _value) in zip(ratios, results, strict=True):
        rows.append(
            {
                "ratio": round(float(r), 6),
                "awarded_a": int(award[in_a].sum()),
                "awarded_b": int(award[in_b].sum()),
                "funded_a": int((award[in_a] > 0).sum()),
                "funded_b": int((award[in_b] > 0).sum()),
                "awarded_other": int(award[~in_a & ~in_b].sum()),
            }
        )
    return pd.DataFrame(rows)


def caps_with_weights(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The rules frame with the scenario's weights applied again (weights move value, not caps)."""
    weight = frame["item"].map(scenario.weight).to_numpy(dtype=float)
    score = frame["score"].fillna(scenario.default_score).to_numpy(dtype=float)
    return frame.assign(
        weight=weight, value=np.round(weight * score / 100.0, 9)
    )  # as allocator.allocation.evaluate does


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative numbers (0: all equal)."""
    x = np.sort(np.asarray(x, dtype=float))
    if len(x) == 0 or x.sum() == 0:
        return 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


#: :func:`share_of_cap`'s bands of award ÷ cap among funded applications, from the top: each key counts the
#: funded applications at or above its floor and below the band before it. "Full" is the cap to the yuan
#: (an award one yuan short of its cap, from rounding, counts as full).
SHARE_BANDS = (
    ("share_full", 1.0),
    ("share_75", 0.75),
    ("share_50", 0.5),
    ("share_25", 0.25),
    ("share_low", 0.0),
)


def share_of_cap(award: np.ndarray, cap: np.ndarray) -> dict[str, float | int]:
    """What share of its cap each funded application (award > 0, cap > 0) gets: the lowest and the median
    share, and how many fall in each of :data:`SHARE_BANDS`.

    >>> share_of_cap(np.array([100, 99, 50, 10, 0]), np.array([100, 100, 100, 100, 100]))["share_50"]
    1
    """
    award, cap = np.asarray(award, dtype=float), np.asarray(cap, dtype=float)
    funded = (award > 0) & (cap > 0)
    share = np.where(award[funded] >= cap[funded] - 1, 1.0, award[funded] / np.maximum(cap[funded], 1))
    out: dict[str, float | int] = {
        "share_min": round(float(share.min()), 4) if len(share) else 0.0,
        "share_median": round(float(np.median(share)), 4) if len(share) else 0.0,
    }
    ceiling = np.inf
    for key, floor in SHARE_BANDS:
        out[key] = int(((share >= floor) & (share < ceiling)).sum())
        ceiling = floor
    return out


def rule_comparison(
    scenario: Scenario,
    policy: Policy,
    frame: pd.DataFrame,
    rules: tuple[str, ...] = ("weighted", "maxmin", "prorata"),
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each rule on the same budget and limits: (figures, share of awards by district)."""
    points = [
        _Point(frame, replace(scenario, rule=r), _budget(frame, scenario, policy, scenario.available))
        for r in rules
    ]
    results = _run(points, jobs, dask, progress, "规则对比")
    cap = frame["cap"].to_numpy()
    eligible = frame["eligible"].to_numpy() & (cap > 0)
    rows, shares = [], {}
    for rule, (award, _admin, value) in zip(rules, results, strict=True):
        coverage = award[eligible] / cap[eligible]
        by_applicant = (
            pd.Series(award).groupby(frame["credit_code"].to_numpy()).sum().sort_values(ascending=False)
        )
        total = max(int(award.sum()), 1)
        rows.append(
            {
                "rule": rule,
                "value": value,
                "funded": int((award > 0).sum()),
                "awarded": int(award.sum()),
                "coverage_gini": round(gini(coverage), 4),
                "min_coverage": round(float(coverage.min()) if len(coverage) else 0.0, 4),
                "top10_share": round(float(by_applicant.head(10).sum()) / total, 4),
                **share_of_cap(award[eligible], cap[eligible]),
            }
        )
        shares[rule] = pd.Series(award).groupby(frame["district"].to_numpy()).sum() / total
    return pd.DataFrame(rows), pd.DataFrame(shares).fillna(0.0).round(4)
