"""``allocator plan`` as a function: a plan file in, each year allocated in turn (or jointly), the
plan's outputs written (:func:`allocator.outputs.plan.write_plan_outputs`)."""

from __future__ import annotations

from pathlib import Path

from ..outputs.plan import write_plan_outputs
from ..years.plan import load_plan, plan_joint, plan_sequential
from ..years.plan_result import PlanResult


def default_plan_dir(plan_path: str | Path) -> Path:
    return Path("reports") / Path(plan_path).stem


def run_plan(
    plan_path: str | Path, out_dir: str | Path | None = None, *, force: bool = False
) -> tuple[PlanResult, list[Path]]:
    """Read the plan, allocate its years (``mode = "joint"``: one model over all of them), write every
    output into ``out_dir`` (default ``reports/<plan stem>/``); the plan and the files written."""
    spec = load_plan(plan_path)
    result = plan_joint(spec) if spec.mode == "joint" else plan_sequential(spec)
    target = Path(out_dir) if out_dir is not None else default_plan_dir(plan_path)
    return result, write_plan_outputs(result, target, force=force)


__all__ = ["default_plan_dir", "run_plan"]
