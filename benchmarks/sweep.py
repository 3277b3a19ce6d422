"""A 31-point budget sweep against one run, and against 31 separate runs of the same scenario.

    python -m benchmarks.sweep [N] [POINTS]        (default: 10000 applications, 31 points)

"One run" is ``allocator run`` on a seeded workload of N applications (read, check, allocate with its
re-solves and the report's frontier, write every output). "The sweep" is ``allocator sweep --budget``
over half to twice the fund, in this process, with its outputs (sweep.xlsx, frontier.csv, charts):
read and capped once, and one model per worker moved from budget to budget. Issue 7's target: the
sweep takes at most 5 times one run. "31 runs" is what an office would do without it (estimated as
31 × one run when N is large).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from allocator.app.run import run
from allocator.cli.main import main as cli

from .workload import fund_for, scenario_file


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 10_000
    points = int(argv[1]) if len(argv) > 1 else 31
    with tempfile.TemporaryDirectory() as tmp:
        scenario = scenario_file(n, ".xlsx", Path(tmp))
        run(scenario, Path(tmp) / "warm")  # the workload written and the caches warm for both
        started = time.perf_counter()
        run(scenario, Path(tmp) / "one")
        one = time.perf_counter() - started
        fund = fund_for(n)
        started = time.perf_counter()
        args = ["sweep", str(scenario), "--budget", f"{fund // 2}:{fund * 2}:{points}", "--out"]
        status = cli([*args, str(Path(tmp) / "sweep")])
        sweep = time.perf_counter() - started
        assert status == 0
    print("| what | seconds |\n| --- | ---: |")
    print(f"| one `allocator run`, {n:,} applications | {one:.2f} |")
    print(f"| `allocator sweep`, {points} budget points, with its outputs | {sweep:.2f} |")
    print(f"| {points} separate runs (estimated, {points} × one run) | {points * one:.2f} |")
    print(
        f"\nsweep / one run = {sweep / one:.2f}× (target ≤ 5×); {points} runs / sweep = {points * one / sweep:.0f}×"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
