"""The office's own size against this machine's floor (issue 16, point 8).

    python -m benchmarks.floor [--repeat N]          (default: 7 runs of each)

The **floor** is the least any tool could do with the shipped sample: a fresh Python process that imports
pandas, HiGHS (highspy) and matplotlib, reads ``scenarios/data/changchun-2017-applications.xlsx`` into a
DataFrame, and writes one bar chart (PNG) and one workbook of the rows. **allocator** is the whole command a
fund manager types, ``allocator run scenarios/changchun-2017.toml`` into a fresh folder, also a fresh process.
Both are timed end to end, wall clock, as the user waits for them; the figure is the median of ``--repeat``
runs and the ratio is allocator's median over the floor's. The target is a ratio of at most 1.8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
TARGET = 1.8

FLOOR_SCRIPT = """
import sys
import highspy  # noqa: F401  (the solver the run loads)
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

sample, out = sys.argv[1], sys.argv[2]
df = pd.read_excel(sample, sheet_name=0, engine="calamine")
counts = df.iloc[:, 0].astype(str).str[:2].value_counts()
fig, ax = plt.subplots(figsize=(8, 4.2))
ax.bar(counts.index.astype(str), counts.to_numpy())
fig.savefig(out + "/chart.png", dpi=150)
with pd.ExcelWriter(out + "/rows.xlsx", engine="xlsxwriter") as xw:
    df.to_excel(xw, index=False)
"""


#: The commands run as on an office's machine, where Python keeps the bytecode it compiles: a sandbox's
#: PYTHONDONTWRITEBYTECODE=1 would have every run compile allocator's modules afresh (0.2-0.4 s).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _seconds(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    return time.perf_counter() - started


def floor_once(workdir: Path) -> float:
    out = Path(tempfile.mkdtemp(dir=workdir))
    return _seconds([sys.executable, "-c", FLOOR_SCRIPT, str(SAMPLE), str(out)])


def allocator_once(workdir: Path) -> float:
    out = Path(tempfile.mkdtemp(dir=workdir)) / "out"
    return _seconds([sys.executable, "-m", "allocator", "run", str(SCENARIO), "--out", str(out)])


def measure(repeat: int) -> dict[str, object]:
    """Each command ``repeat`` times, alternating so that a busy moment hurts both alike."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floor_once(work), allocator_once(work)  # warm the file cache and the bytecode, not counted
        floors, runs = [], []
        for _ in range(repeat):
            floors.append(floor_once(work))
            runs.append(allocator_once(work))
    floor, ours = statistics.median(floors), statistics.median(runs)
    return {"floor": floors, "allocator": runs, "ratio": ours / floor}


def table(figures: dict[str, object]) -> str:
    def row(name: str, xs: list[float]) -> str:
        return f"| {name} | {min(xs):.2f} | {statistics.median(xs):.2f} | {max(xs):.2f} |"

    lines = [
        "| seconds, end to end | min | median | max |",
        "| --- | ---: | ---: | ---: |",
        row("floor (import, read, one chart, one workbook)", figures["floor"]),  # type: ignore[arg-type]
        row("`allocator run scenarios/changchun-2017.toml`", figures["allocator"]),  # type: ignore[arg-type]
        "",
        f"ratio (median over median): **{figures['ratio']:.2f}** (target ≤ {TARGET})",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(table(measure(args.repeat)))


if __name__ == "__main__":
    main(sys.argv[1:])
