"""``allocator sweep`` as a function: the scenario solved again and again — over budgets, over the weight
of one group of items against another, under each rationing rule — and the trade-offs written
(:func:`allocator.outputs.sweep.write_sweep`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis.sweep import (
    Frontier,
    budget_frontier,
    capped,
    groups,
    parse_range,
    rule_comparison,
    weight_sweep,
)
from ..config.scenario import Scenario, load_scenario
from ..intake.read import read_applications
from ..outputs.sweep import write_sweep
from ..policy.pack import load_policy
from ..policy.types import Policy
from .summaries import frontier_lines, rules_lines, weights_line, written_line


@dataclass(frozen=True)
class Sweep:
    """What ``sweep`` computed and wrote; ``lines`` is its summary, as the CLI prints it."""

    scenario: Scenario
    policy: Policy
    frontier: Frontier | None
    weights: tuple[pd.DataFrame, str, str] | None  # the points, group A's items, group B's items
    rules: tuple | None  # rule_comparison's (table, …)
    paths: list[Path]
    lines: list[str]


def default_sweep_dir(scenario_path: str | Path) -> Path:
    return Path("reports") / f"{Path(scenario_path).stem}-sweep"


def sweep(
    scenario_path: str | Path,
    *,
    budget: str | None = None,
    weights: str | None = None,
    rules: bool = False,
    out_dir: str | Path | None = None,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
) -> Sweep:
    """``budget`` a range (``LOW:HIGH:N``; the default, when nothing is asked for: half to twice the fund,
    31 points), ``weights`` the groups and range (``A=…;B=…;0:2:9``), ``rules`` every rationing rule."""
    scenario = load_scenario(scenario_path)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    frame = capped(scenario, policy, read_applications(scenario.applications, policy).frame)
    opts = {"jobs": jobs, "dask": dask, "progress": progress}
    lines: list[str] = []
    frontier = by_weight = by_rule = None
    if budget or not (weights or rules):
        spec = budget or f"{scenario.available // 2}:{scenario.available * 2}:31"
        frontier = budget_frontier(scenario, policy, frame, [int(b) for b in parse_range(spec)], **opts)
        lines += frontier_lines(frontier, scenario.available)
    if weights:
        _, a, b, spec = groups(weights, policy)
        points = weight_sweep(scenario, policy, frame, a, b, parse_range(spec), **opts)
        by_weight = (points, ",".join(a), ",".join(b))
        lines.append(weights_line(len(points), policy, a, b))
    if rules:
        by_rule = rule_comparison(scenario, policy, frame, **opts)
        lines += rules_lines(by_rule[0])
    out = Path(out_dir) if out_dir is not None else default_sweep_dir(scenario_path)
    paths = write_sweep(out, frontier, by_weight, by_rule, policy=policy)
    lines.append(written_line(paths, out))
    return Sweep(scenario, policy, frontier, by_weight, by_rule, paths, lines)


__all__ = ["Sweep", "default_sweep_dir", "sweep"]
