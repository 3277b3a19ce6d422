"""Time the annual allocation stage by stage on seeded workloads.

    python -m benchmarks.annual [N ...]        (default: 1000 10000)

Each workload is written by the demo generator as an .xlsx, then read, checked, capped, modelled,
solved, rounded and verified, and written out, the way ``allocator run`` does it. Figures go by hand
into benchmarks/README.md with the machine and date.
"""

from __future__ import annotations

import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from allocator.demo import write_demo
from allocator.intake import read_applications
from allocator.model import Budget, build_model
from allocator.outputs import write_outputs
from allocator.pipeline import allocate, manifest_for
from allocator.policy import load_policy
from allocator.rules import caps
from allocator.scenario import load_scenario
from allocator.solve import make_solver, solve

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "changchun-2017.toml"


def bench(n: int, workdir: Path) -> dict[str, float]:
    base = load_scenario(SCENARIO)
    policy = load_policy(base.policy)
    book = workdir / f"apps-{n}.xlsx"
    write_demo(book, n, policy, seed=2017)
    # the fund grows with the workload so that it stays oversubscribed about as the sample is
    scenario = base.__class__(
        **{**base.__dict__, "applications": book, "annual_fund": 20_000_000 * max(1, n // 320)}
    )
    t = {}
    start = time.perf_counter()
    apps = read_applications(book, policy)
    t["read+validate"] = time.perf_counter() - start

    start = time.perf_counter()
    frame = caps(apps.frame, policy, scenario).frame
    t["caps"] = time.perf_counter() - start

    start = time.perf_counter()
    model = build_model(
        frame, Budget(scenario.available, scenario.admin_planned(n), scenario.annual_fund // 100)
    )
    t["build"] = time.perf_counter() - start
    t["solve (stage 1)"] = solve(model, make_solver()).seconds

    start = time.perf_counter()
    result = allocate(scenario, policy, apps.frame, manifest=manifest_for(scenario, policy, apps.sha256))
    t["allocate (caps→verify, + next million)"] = time.perf_counter() - start

    start = time.perf_counter()
    write_outputs(result, workdir / f"out-{n}")
    t["write outputs"] = time.perf_counter() - start
    t["end to end (read→write)"] = (
        t["read+validate"] + t["allocate (caps→verify, + next million)"] + t["write outputs"]
    )
    t["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t["funded"] = result.summary.funded
    return t


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10000]
    print(
        f"# {platform.node()} · {platform.processor() or platform.machine()} · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            figures = bench(n, Path(tmp))
            print(f"\n## {n:,} applications")
            for stage, value in figures.items():
                print(
                    f"| {stage} | {value:,.2f} |" if isinstance(value, float) else f"| {stage} | {value:,} |"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
