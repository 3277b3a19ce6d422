"""``allocator run`` as a function: read the scenario, its pack and the applications, allocate
(:func:`allocator.allocation.allocate.allocate`), then write every output; :func:`result_for` is the same without
writing (``allocator verify`` recomputes with it). The report's budget frontier is worked out here, the
one place that needs both the allocation and the analysis (:mod:`allocator.analysis.sweep`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..allocation.allocate import EXTRA, allocate
from ..config.manifest import manifest_for
from ..config.scenario import Scenario, load_scenario
from ..core import timing
from ..core.errors import OutputError, ScenarioError
from ..core.provenance import absolute, sha256_file
from ..core.result import AllocationResult
from ..policy.pack import load_policy


def default_out_dir(scenario_path: Path) -> Path:
    return Path("reports") / Path(scenario_path).stem


def batch_out_dir(scenario_path: Path, batch: int, out: Path | None, approved: Path) -> Path:
    target = out if out is not None else Path("reports") / f"{Path(scenario_path).stem}-batch-{batch}"
    if target.resolve() == Path(approved).resolve().parent:
        raise OutputError(
            f"第 {batch} 批的输出目录 {target} 就是前批次的结果目录，不会覆盖前批次的文件",
            f"batch {batch} would write into the earlier batch's folder {target}; choose another --out",
        )
    return target


def run(
    scenario_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    batch: int = 1,
    approved: str | Path | None = None,
    force: bool = False,
) -> tuple[AllocationResult, list[Path]]:
    """``allocator run``: read, validate, allocate, verify, then write every output.

    With ``batch`` > 1 and ``approved`` (the earlier batch's approved.xlsx), its awards are fixed and
    the outputs go to ``reports/<stem>-batch-<n>/`` unless ``out_dir`` says otherwise. ``force``: replace
    an approved.xlsx in the output folder that this run changes (the old one is kept beside it).
    """
    from ..outputs import complete_and_write

    if (batch > 1) != (approved is not None):
        raise ScenarioError(
            "分批次审批须同时给出 --batch（第几批，≥2）和 --approved（前批次的 approved.xlsx）",
            "a later batch needs both --batch N (N ≥ 2) and --approved PATH/approved.xlsx",
        )
    if approved is not None:
        target = batch_out_dir(Path(scenario_path), batch, Path(out_dir) if out_dir else None, Path(approved))
    else:
        target = Path(out_dir) if out_dir is not None else default_out_dir(Path(scenario_path))
    result, frontier = _allocation(scenario_path, batch=batch, approved=approved, report=True)
    with timing.stage("write"):  # the frontier is worked out while the biggest workbook is written
        return complete_and_write(result, target, frontier, force=force)


def result_for(
    scenario_path: str | Path,
    *,
    batch: int = 1,
    approved: str | Path | None = None,
    report: bool = True,
) -> AllocationResult:
    """What :func:`run` writes, without writing it: the scenario's allocation with its manifest.
    ``report=False``: the allocation alone, without what only the report needs (the next million, the
    shadow price, the rule comparison, the budget frontier) — ``allocator verify`` recomputes with it."""
    result, frontier = _allocation(scenario_path, batch=batch, approved=approved, report=report)
    return frontier(result) if frontier is not None else result


def _allocation(
    scenario_path: str | Path, *, batch: int, approved: str | Path | None, report: bool
) -> tuple[AllocationResult, Callable[[AllocationResult], AllocationResult] | None]:
    """:func:`result_for` without the budget frontier, and what adds it (None when the report has none)."""
    from ..intake.read import read_applications
    from ..store.approved import earlier_awards

    scenario = load_scenario(scenario_path)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    earlier = earlier_awards(approved, batch) if approved is not None else None
    with timing.stage("read+validate"):
        apps = read_applications(scenario.applications, policy)
        frame, excluded = _roster(apps, scenario)
    manifest = manifest_for(scenario, policy, apps.sha256)
    if approved is not None:
        manifest["approved_from"] = absolute(approved)
        manifest["approved_sha256"] = sha256_file(Path(approved))
    result = allocate(
        scenario, policy, frame, manifest=manifest, earlier=earlier, batch=batch, next_million=report
    )
    if excluded is not None:
        result = replace(result, roster_exclusions=excluded)
    if apps.warnings:
        result = replace(result, intake_warnings=apps.warnings)
    if not (report and earlier is None and scenario.available > 0):
        return result, None

    def frontier(result: AllocationResult) -> AllocationResult:
        """The report's frontier: half to twice the fund, and one million more."""
        from ..analysis.sweep import budget_frontier, capped

        budgets = [int(scenario.available * k / 10) for k in range(5, 21, 3)] + [scenario.available + EXTRA]
        with timing.stage("frontier"):
            points = budget_frontier(scenario, policy, capped(scenario, policy, frame), budgets)
        return replace(result, frontier=points)

    return result, frontier


def _roster(apps, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """With a 人员名单 sheet, clause 十三's new hires are counted from it, person by person."""
    from ..intake.roster import apply_roster, read_roster

    roster = read_roster(apps.path)
    if roster is None:
        return apps.frame, None
    return apply_roster(apps.frame, roster, scenario.year)


__all__ = ["default_out_dir", "result_for", "run"]
