"""write_outputs with allocation.xlsx written by a forked child: the same files, the same errors, no leftovers.

The threshold (:data:`allocator.outputs.PARALLEL_FROM`) is lowered to 0 so the eight applications of the test
result take the parallel path.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

import openpyxl
import pytest

import allocator.outputs as outputs
from allocator.core.errors import OutputError
from allocator.outputs import write_outputs
from allocator.outputs._common import prepared, shared_tables
from allocator.outputs.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="allocation.xlsx is written in a forked child on Linux only"
)


@pytest.fixture
def parallel(monkeypatch):
    """Every run takes the parallel path (the test session may have threads of its own, e.g. Dask's)."""
    monkeypatch.setattr(outputs, "PARALLEL_FROM", 0)
    monkeypatch.setattr(outputs, "can_fork", lambda: True)
    yield
    assert multiprocessing.active_children() == []  # every child reaped


def cells(path):
    """Every cell of every sheet: value (formulas as written) and number format."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        for ws in wb.worksheets
    }


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_same_outputs_as_serial(small_result, tmp_path, monkeypatch, parallel):
    with monkeypatch.context() as serially:
        serially.setattr(outputs, "can_fork", lambda: False)
        serial = write_outputs(small_result, tmp_path / "serial")
    parent = os.getpid()
    real = outputs.write_allocation_xlsx
    pids = tmp_path / "pid"

    def recording(result, path):
        pids.write_text(str(os.getpid()))
        return real(result, path)

    monkeypatch.setattr(outputs, "write_allocation_xlsx", recording)
    parallel = write_outputs(small_result, tmp_path / "parallel")
    assert int(pids.read_text()) != parent  # written by the child
    assert [p.name for p in parallel] == [p.name for p in serial]  # same files, same order
    for a, b in zip(serial, parallel, strict=True):
        if a.suffix == ".xlsx":
            assert cells(a) == cells(b), a.name
        else:
            assert a.read_bytes() == b.read_bytes(), a.name
    assert sorted(os.listdir(tmp_path)) == ["parallel", "pid", "serial"]  # no staging folder left


def test_an_error_in_the_child_is_raised_as_it_was(small_result, tmp_path, monkeypatch, parallel):
    out = tmp_path / "out"

    def broken(result, path):
        raise OutputError(
            "无法写出 allocation.xlsx：磁盘已满", "cannot write allocation.xlsx: disk full", "清理磁盘"
        )

    monkeypatch.setattr(outputs, "write_allocation_xlsx", broken)
    with pytest.raises(OutputError) as caught:
        write_outputs(small_result, out)
    err = caught.value
    assert (err.zh, err.en, err.hint) == (
        "无法写出 allocation.xlsx：磁盘已满",
        "cannot write allocation.xlsx: disk full",
        "清理磁盘",
    )
    assert str(err) == str(OutputError(err.zh, err.en, err.hint))  # rendered once, not twice
    assert os.listdir(tmp_path) == []  # nothing installed, staging removed


def test_other_errors_keep_their_type(small_result, tmp_path, monkeypatch, parallel):
    def broken(result, path):
        raise KeyError("district")

    monkeypatch.setattr(outputs, "write_allocation_xlsx", broken)
    with pytest.raises(KeyError, match="district"):
        write_outputs(small_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_a_child_that_dies_is_an_output_error(small_result, tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(outputs, "write_allocation_xlsx", lambda result, path: os._exit(3))
    with pytest.raises(OutputError, match="退出码 3"):
        write_outputs(small_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_an_error_here_waits_for_the_child(small_result, tmp_path, monkeypatch, parallel):
    def boom(*args, **kwargs):
        raise RuntimeError("writer failed")

    monkeypatch.setattr(outputs, "write_charts", boom)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("OLD", encoding="utf-8")
    with pytest.raises(RuntimeError, match="writer failed"):
        write_outputs(small_result, out)
    assert listing(out) == {"summary.json"} and (out / "summary.json").read_text(encoding="utf-8") == "OLD"
    assert os.listdir(tmp_path) == ["out"]


def test_when_both_fail_the_first_writer_s_error_wins(small_result, tmp_path, monkeypatch, parallel):
    """As in the serial order: allocation.xlsx is written first."""

    def first(result, path):
        raise OutputError("第一个", "first")

    def later(*args, **kwargs):
        raise RuntimeError("later")

    monkeypatch.setattr(outputs, "write_allocation_xlsx", first)
    monkeypatch.setattr(outputs, "write_summary_json", later)
    with pytest.raises(OutputError, match="第一个"):
        write_outputs(small_result, tmp_path / "out")


def test_cancel_stops_the_child():
    book = Forked("sleep", time.sleep, 60)
    started = time.monotonic()
    book.cancel()
    assert time.monotonic() - started < 10
    assert multiprocessing.active_children() == []


def test_prepared_once_per_result_in_shared_tables(small_result, monkeypatch):
    import allocator.outputs._common as common

    calls = []
    real = common._prepare
    monkeypatch.setattr(common, "_prepare", lambda result: calls.append(1) or real(result))
    with shared_tables():
        a = prepared(small_result)
        a.loc[:, "applicant"] = "changed by one writer"
        b = prepared(small_result)
    assert len(calls) == 1
    assert b.equals(real(small_result))  # each caller has its own copy
    prepared(small_result)
    assert len(calls) == 2  # outside the block: prepared afresh


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        other.join()


def test_written_in_turn_when_no_process_can_start(small_result, tmp_path, monkeypatch, parallel):
    def no_fork(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(outputs, "Forked", no_fork)
    paths = write_outputs(small_result, tmp_path / "out")
    assert paths[0].name == "allocation.xlsx" and paths[0].is_file()


def test_the_report_s_frontier_is_worked_out_while_the_child_writes(
    small_result, tmp_path, monkeypatch, parallel
):
    """complete_and_write: the child starts before ``complete`` runs here; the report gets its answer."""
    import dataclasses

    import allocator.outputs._common as common
    from allocator.outputs import complete_and_write

    started = tmp_path / "child started"
    real = outputs.write_allocation_xlsx

    def child(result, path):
        started.write_text("yes")
        return real(result, path)

    def complete(result):
        for _ in range(200):  # the child is running by now (it starts at once)
            if started.exists():
                break
            time.sleep(0.05)
        assert started.exists()
        return dataclasses.replace(result, roster_exclusions=None, frontier=result.frontier)

    calls = []
    prepare = common._prepare
    monkeypatch.setattr(common, "_prepare", lambda result: calls.append(1) or prepare(result))
    monkeypatch.setattr(outputs, "write_allocation_xlsx", child)
    done, paths = complete_and_write(small_result, tmp_path / "out", complete)
    assert done is not small_result and done.table is small_result.table
    assert [p.name for p in paths][:2] == ["allocation.xlsx", "approved.xlsx"]
    assert len(calls) == 1  # the completed result shares the table prepared before the fork


def test_an_error_completing_stops_the_child_and_writes_nothing(
    small_result, tmp_path, monkeypatch, parallel
):
    from allocator.core.errors import SolverError
    from allocator.outputs import complete_and_write

    def complete(result):
        raise SolverError("前沿求解失败", "the frontier failed")

    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("OLD", encoding="utf-8")
    with pytest.raises(SolverError, match="前沿求解失败"):
        complete_and_write(small_result, out, complete)
    assert listing(out) == {"summary.json"} and (out / "summary.json").read_text(encoding="utf-8") == "OLD"
    assert os.listdir(tmp_path) == ["out"]  # no staging folder left


@pytest.mark.slow
def test_run_puts_the_frontier_in_the_report_on_either_path(tmp_path, monkeypatch, parallel):
    from pathlib import Path

    from allocator.app.run import run

    scenario = Path(__file__).parents[2] / "scenarios" / "changchun-2017.toml"
    result, paths = run(scenario, tmp_path / "parallel")
    assert result.frontier is not None and len(result.frontier.points) == 8  # 7 budgets and one million more
    assert "<h2>预算前沿</h2>" in (tmp_path / "parallel" / "report.html").read_text("utf-8")
    monkeypatch.setattr(outputs, "can_fork", lambda: False)
    again, _ = run(scenario, tmp_path / "serial")
    assert again.frontier.points.equals(result.frontier.points)
