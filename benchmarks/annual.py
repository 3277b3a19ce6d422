"""``allocator run`` on seeded workloads, stage by stage, with peak memory.

    python -m benchmarks.annual [N[.suffix] ...]     (default: 1000 10000 100000 1000000.csv)

Each size runs in its own process (so that peak memory is that size's), through the real
``allocator.app.run.run`` with :mod:`allocator.core.timing` recording its stages: read (the file into
cells), validate (the intake's checks), caps, build (PuLP model, and handing it to HiGHS), solve
(HiGHS's own runs, every stage and re-solve), round+verify, explain, waitlist+ledger, frontier (the
report's seven budget points) and write (every workbook, CSV, chart and report). End to end is the
wall time of ``run``; "other" is what no stage claims. Workloads: :mod:`benchmarks.workload`.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from allocator.app.run import run
from allocator.core import timing
from allocator.intake.headers import normalise_header
from allocator.intake.read import SKIP_SHEETS
from allocator.intake.sources import read_tables

from .workload import scenario_file, workload

STAGES = (
    "read",
    "validate",
    "caps",
    "build",
    "solve",
    "round+verify",
    "explain",
    "waitlist+ledger",
    "frontier",
    "write",
    "other",
    "end to end",
)


def bench(n: int, workdir: Path, suffix: str = ".xlsx") -> dict[str, float]:
    """Stage seconds, peak RSS (MB) and the number funded for one run of ``n`` applications."""
    return bench_files(
        workload(n, suffix), scenario_file(n, suffix, workdir), workdir / f"out-{n}{suffix.replace('.', '-')}"
    )


def bench_files(path: Path, scenario: Path, out_dir: Path) -> dict[str, float]:
    """:func:`bench` for any applications file and a scenario that reads it: stage seconds (with
    the solver's fallback retries, ``retry`` stages, where there were any), peak RSS (MB), funded."""
    started = time.perf_counter()
    tables = list(
        read_tables(path, path.read_bytes(), skip=lambda name: normalise_header(name) in SKIP_SHEETS)
    )
    read = time.perf_counter() - started
    del tables
    with timing.recording() as t:
        started = time.perf_counter()
        result, _ = run(scenario, out_dir)
        total = time.perf_counter() - started
    out = {"read": read, "validate": max(t.pop("read+validate") - read, 0.0), **t}
    out["other"] = total - sum(out.values()) + read  # read was timed apart, outside run
    out["end to end"] = total
    self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak RSS MB"] = max(self, children) / 1024
    out["funded"] = result.summary.funded
    return out


def _one(spec: str) -> dict[str, float]:
    n, _, suffix = spec.partition(".")
    with tempfile.TemporaryDirectory() as tmp:
        return bench(int(n), Path(tmp), "." + (suffix or "xlsx"))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(_one(argv[1])))
        return
    specs = argv or ["1000", "10000", "100000", "1000000.csv"]
    results = {}
    for spec in specs:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.annual", "--one", spec],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        results[spec] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{spec}: {results[spec]['end to end']:.2f} s", file=sys.stderr, flush=True)
    print(
        f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    names = [f"{int(s.partition('.')[0]):,} ({s.partition('.')[2] or 'xlsx'})" for s in specs]
    print("| stage (seconds) | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(specs))
    for stage in (*STAGES, "peak RSS MB", "funded"):
        cells = []
        for s in specs:
            value = results[s].get(stage, 0.0)
            cells.append(f"{value:,.0f}" if stage in ("peak RSS MB", "funded") else f"{value:,.2f}")
        label = f"**{stage}**" if stage == "end to end" else stage
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
