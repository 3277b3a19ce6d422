"""A 31-point budget sweep against 31 separate runs of the same scenario.

    python -m benchmarks.sweep [SCENARIO] [N_POINTS]

"Separate runs" are what an office would otherwise do: ``allocator run`` at each fund size (read,
check, allocate with its extra solves, write every output). The sweep reads and caps once and solves
each point. Also timed: 31 calls of ``allocate`` alone, without reading or writing.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from allocator.intake import read_applications
from allocator.pipeline import allocate, run
from allocator.policy import load_policy
from allocator.scenario import load_scenario
from allocator.sweep import budget_frontier, capped, parse_range

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else ROOT / "scenarios" / "changchun-2017.toml"
    n = int(argv[1]) if len(argv) > 1 else 31
    scenario = load_scenario(path)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    budgets = [int(b) for b in parse_range(f"{scenario.available // 2}:{scenario.available * 2}:{n}")]

    start = time.perf_counter()
    frame = capped(scenario, policy, read_applications(scenario.applications, policy).frame)
    budget_frontier(scenario, policy, frame, budgets)
    sweep = time.perf_counter() - start

    apps = read_applications(scenario.applications, policy).frame
    start = time.perf_counter()
    for b in budgets:
        allocate(dataclasses.replace(scenario, annual_fund=b), policy, apps)
    allocations = time.perf_counter() - start

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for k, b in enumerate(budgets):
            text = (
                path.read_text(encoding="utf-8")
                .replace(f"annual_fund = {scenario.annual_fund:_}", f"annual_fund = {b}")
                .replace(str(scenario.applications.relative_to(path.parent)), str(scenario.applications))
            )
            one = Path(tmp) / f"s{k}.toml"
            one.write_text(text, encoding="utf-8")
            run(one, Path(tmp) / f"out{k}")
    runs = time.perf_counter() - start
    print(
        f"{n}-point sweep: {sweep:.2f} s; {n} allocate() calls: {allocations:.2f} s; {n} full runs: {runs:.2f} s"
    )
    print(f"full runs / sweep = {runs / sweep:.0f}×; allocate() calls / sweep = {allocations / sweep:.1f}×")


if __name__ == "__main__":
    main(sys.argv[1:])
