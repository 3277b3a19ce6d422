"""``python -m benchmarks``: every benchmark in turn, figures for benchmarks/README.md.

python -m benchmarks                 annual runs at 1,000 / 10,000 / 100,000 (.xlsx) and 1,000,000
                                     (.csv), the solver against raw HiGHS, and the sweeps
python -m benchmarks quick           the same at 1,000 and 10,000 only
python -m benchmarks.fuzz            the intake fuzzed for a time budget (not part of the above)
"""

from __future__ import annotations

import sys

from . import annual, solver, sweep


def main(argv: list[str]) -> None:
    quick = argv[:1] == ["quick"]
    print("## allocator run, stage by stage\n")
    annual.main(["1000", "10000"] if quick else [])
    print("\n## The solve stage against raw HiGHS\n")
    solver.main(["1000", "10000"] if quick else ["1000", "10000", "100000"])
    print("\n## Budget sweeps\n")
    sweep.main(["10000"] if quick else ["10000"])


if __name__ == "__main__":
    main(sys.argv[1:])
