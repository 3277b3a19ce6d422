"""The app layer (issue 18, point 3): each command a function of plain arguments that returns data — the
result, the paths written, the lines of its summary — and the CLI prints exactly those lines."""

from __future__ import annotations

from pathlib import Path

import pytest

import allocator
from allocator.app.summaries import compare_lines, run_lines
from allocator.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
APPLICATIONS = SCENARIOS / "data" / "changchun-2017-applications.xlsx"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("app")
    a = allocator.run(SCENARIOS / "changchun-2017.toml", out / "a")
    b = allocator.run(SCENARIOS / "changchun-2017-limits.toml", out / "b")
    return out, a, b


@pytest.mark.slow
def test_run_returns_the_result_and_its_summary_is_what_the_cli_prints(two_runs, capsys):
    out, (result, paths), _ = two_runs
    assert {p.name for p in paths} >= {"allocation.xlsx", "approved.xlsx", "summary.json", "manifest.json"}
    lines = run_lines(result, paths, out / "a")
    assert f"拟支持金额：{result.summary.awarded:>14,} 元" in lines
    assert lines[-1] == f"已写出 {len(paths)} 个文件到 {out / 'a'}"
    assert main(["run", str(SCENARIOS / "changchun-2017.toml"), "--out", str(out / "a")]) == 0
    printed = capsys.readouterr().out.splitlines()
    solver = next(k for k, line in enumerate(lines) if line.startswith("求解器："))  # its seconds differ
    assert printed[:solver] == lines[:solver] and printed[solver + 1 :] == lines[solver + 1 :]


def test_compare_returns_the_comparison_and_the_files(two_runs, capsys):
    out, _, _ = two_runs
    comparison, paths = allocator.compare(out / "a", out / "b", out / "cmp")
    assert comparison.totals.loc["awarded", "change"] == (
        comparison.b.summary["awarded"] - comparison.a.summary["awarded"]
    )
    assert {p.name for p in paths} >= {"compare.xlsx", "compare_by_item.png"}
    lines = compare_lines(comparison, paths, out / "cmp")
    assert main(["compare", str(out / "a"), str(out / "b"), "--out", str(out / "cmp")]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_sweep_returns_its_points_paths_and_lines(two_runs, capsys):
    from allocator.app.sweep import sweep

    out, (result, _), _ = two_runs
    available = result.summary.available
    spec = f"{available // 2}:{available}:3"
    done = sweep(SCENARIOS / "changchun-2017.toml", budget=spec, out_dir=out / "sweep")
    assert available in set(done.frontier.points["budget"]) and done.weights is None and done.rules is None
    assert done.paths and all(p.is_file() for p in done.paths)
    assert done.lines[0].startswith(f"预算前沿 {len(done.frontier.points)} 点")
    argv = ["sweep", str(SCENARIOS / "changchun-2017.toml"), "--budget", spec, "--out", str(out / "sweep")]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == done.lines


def test_validate_returns_the_applications_and_what_it_found(capsys):
    from allocator.app.validate import validate

    apps, lines = validate(APPLICATIONS, "changchun-2017")
    assert len(apps.frame) == 320 and "未发现问题" in lines[0]
    assert (
        sum(int(line.rsplit("：", 1)[1].removesuffix(" 条")) for line in lines if line.startswith("  "))
        == 320
    )
    assert main(["validate", str(APPLICATIONS)]) == 0
    assert capsys.readouterr().out.splitlines() == lines
