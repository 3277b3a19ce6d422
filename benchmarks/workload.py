"""Seeded workloads for the benchmarks: demo applications of N rows, and a scenario file for them.

Workloads are written once into ``$ALLOCATOR_BENCH_DIR`` (default: the system's temp folder,
``allocator-bench/``) and reused: generating 100,000 rows as .xlsx takes longer than allocating them.
The fund grows with the workload (20,000,000 yuan per 320 applications, the shipped sample's ratio)
so that every size is oversubscribed about as the sample is.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from allocator.authoring.demo import write_sample
from allocator.intake.read import read_applications
from allocator.policy.pack import load_policy

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
SEED = 2017


def folder() -> Path:
    path = Path(os.environ.get("ALLOCATOR_BENCH_DIR", Path(tempfile.gettempdir()) / "allocator-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def fund_for(n: int) -> int:
    return 20_000_000 * max(1, n // 320)


def workload(n: int, suffix: str = ".xlsx") -> Path:
    """The demo applications of ``n`` rows (seed 2017) as .xlsx, .csv or .parquet, written once."""
    path = folder() / f"apps-{n}-seed{SEED}{suffix}"
    if not path.exists():
        partial = path.with_name(f".part-{path.name}")
        write_sample(partial, n, load_policy("changchun-2017"), seed=SEED)
        partial.replace(path)
    return path


def applications_frame(n: int) -> pd.DataFrame:
    """The intake frame of the workload (read once, then kept as a pickle beside it)."""
    suffix = ".csv" if n > 100_000 else ".xlsx"
    cached = folder() / f"frame-{n}-seed{SEED}.pkl"
    if cached.exists():
        return pd.read_pickle(cached)
    frame = read_applications(workload(n, suffix), load_policy("changchun-2017")).frame
    frame.to_pickle(cached)
    return frame


def scenario_file(n: int, suffix: str, where: Path) -> Path:
    """The shipped 2017 scenario, pointed at the workload, with the fund scaled to it."""
    text = SCENARIO.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^applications = ".*"$', f"applications = {str(workload(n, suffix))!r}", text)
    text = re.sub(r"(?m)^annual_fund = [\d_]+", f"annual_fund = {fund_for(n)}", text)
    path = where / f"bench-{n}{suffix.replace('.', '-')}.toml"
    path.write_text(text, encoding="utf-8")
    return path
