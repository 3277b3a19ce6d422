"""``python -m benchmarks``: every benchmark in turn, figures for benchmarks/README.md.

python -m benchmarks                 annual runs at 1,000 / 10,000 / 100,000 (.xlsx) and 1,000,000
                                     (.csv), the non-demo family at 10,000 / 100,000 (.xlsx) and
                                     300,000 (.csv), the solver against raw HiGHS, the sweeps, and
                                     the shipped sample against this machine's floor
python -m benchmarks quick           the same at 1,000 and 10,000 only (the family at 10,000)
python -m benchmarks.fuzz            the intake fuzzed for a time budget (not part of the above)
"""

from __future__ import annotations

import sys

from . import annual, family, floor, solver, sweep


def main(argv: list[str]) -> None:
    quick = argv[:1] == ["quick"]
    print("## allocator run, stage by stage\n")
    annual.main(["1000", "10000"] if quick else [])
    print("\n## Inputs nobody tuned for: the workload family\n")
    family.main(["10000"] if quick else ["10000", "100000", "300000.csv"])
    print("\n## The office's own size against the floor\n")
    floor.main(["--repeat", "3" if quick else "7"])
    print("\n## The solve stage against raw HiGHS\n")
    solver.main(["1000", "10000"] if quick else ["1000", "10000", "100000"])
    print("\n## Budget sweeps\n")
    sweep.main(["10000"] if quick else ["10000"])


if __name__ == "__main__":
    main(sys.argv[1:])
