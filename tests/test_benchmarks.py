"""The benchmark script runs (on a small workload) so that it cannot rot; its timings are not asserted."""

from benchmarks.annual import bench


def test_benchmark_runs_every_stage(tmp_path):
    figures = bench(200, tmp_path)
    assert figures["funded"] > 0
    assert {"read+validate", "caps", "build", "solve (stage 1)", "write outputs"} <= set(figures)
