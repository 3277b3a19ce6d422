"""The benchmark scripts run (on small workloads) so that they cannot rot; their timings are not asserted."""

import math

import pytest

from benchmarks.annual import STAGES, bench
from benchmarks.solver import measure


@pytest.fixture(autouse=True)
def _workloads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_BENCH_DIR", str(tmp_path / "work"))


def test_annual_benchmark_times_every_stage_of_a_real_run(tmp_path):
    figures = bench(200, tmp_path)
    assert figures["funded"] > 0
    assert set(STAGES) <= set(figures)
    parts = sum(figures[s] for s in STAGES if s != "end to end") - figures["read"]
    assert math.isclose(parts, figures["end to end"], rel_tol=1e-9)  # read is timed apart, outside run


def test_annual_benchmark_reads_csv_workloads(tmp_path):
    assert bench(150, tmp_path, ".csv")["funded"] > 0


def test_solver_benchmark_compares_every_run_with_raw_highs():
    rows = measure(200)
    assert {r["variant"] for r in rows} >= {"weighted", "maxmin", "weighted, min_award (MILP)"}
    for r in rows:
        assert r["best"], r  # some raw option set reproduced our optimum
        assert r["ours"] > 0 and math.isfinite(r["ratio"])


def test_fuzz_script_counts_its_cases(capsys):
    from benchmarks.fuzz import main

    main(["--seconds", "2", "--seed", "7"])
    out = capsys.readouterr().out
    assert " cases in " in out and "0 escaped" in out


def test_floor_script_times_both_commands_and_their_ratio():
    from benchmarks.floor import measure, table

    figures = measure(1)
    assert len(figures["floor"]) == len(figures["allocator"]) == 1
    assert figures["ratio"] == figures["allocator"][0] / figures["floor"][0] > 0
    assert "ratio (median over median)" in table(figures)


def test_family_runs_every_mix_and_prints_min_median_max(tmp_path):
    """Every mix of the non-demo family (benchmarks.family) solves at a tiny size, at its own fund."""
    from benchmarks.family import MIXES, demand, mix_table, run_one, summary_table

    results = {}
    for name, load in MIXES.items():
        (tmp_path / name).mkdir()
        figures = run_one(name, 240, ".xlsx", tmp_path / name)
        assert figures["funded"] > 0 and figures["end to end"] > 0, name
        assert figures["fund"] == max(int(load.fund * demand(name, 240)) // 1000 * 1000, 1_000_000)
        results[(name, "240")] = [figures]
    assert len({demand(name, 240) for name in MIXES}) == len(MIXES)  # five different workloads
    table = summary_table(results)
    assert table.splitlines()[2].startswith("| 240 (xlsx) | 5 | ") and table.endswith(" | 0 |")
    assert all(f"| {name} | 240 (xlsx) |" in mix_table(results) for name in MIXES)
