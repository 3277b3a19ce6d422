"""Below PARALLEL_FROM applications the charts are drawn in a forked child while the rest is written here
(issue 16, point 8): the same files in the same order as the serial path, the same errors, no leftovers."""

from __future__ import annotations

import multiprocessing
import os
import sys

import openpyxl
import pytest

import allocator.outputs as outputs
from allocator.core.errors import OutputError
from allocator.outputs import write_outputs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked children on Linux only")


@pytest.fixture
def aside(monkeypatch):
    """The small-run path: a fork may start, the workbook threshold is out of reach."""
    monkeypatch.setattr(outputs, "PARALLEL_FROM", 10**9)
    monkeypatch.setattr(outputs, "can_fork", lambda: True)
    yield
    assert multiprocessing.active_children() == []  # every child reaped


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_same_files_in_the_same_order_and_the_charts_come_from_the_child(
    small_result, tmp_path, monkeypatch, aside
):
    with monkeypatch.context() as serially:
        serially.setattr(outputs, "can_fork", lambda: False)
        serial = write_outputs(small_result, tmp_path / "serial")
    real, pids = outputs.write_charts, tmp_path / "pid"

    def recording(result, folder):
        pids.write_text(str(os.getpid()))
        return real(result, folder)

    monkeypatch.setattr(outputs, "write_charts", recording)
    aside_paths = write_outputs(small_result, tmp_path / "aside")
    assert int(pids.read_text()) != os.getpid()
    assert [p.relative_to(tmp_path / "aside") for p in aside_paths] == [
        p.relative_to(tmp_path / "serial") for p in serial
    ]
    for a, b in zip(serial, aside_paths, strict=True):
        if a.suffix == ".xlsx":
            assert _cells(a) == _cells(b), a.name
        elif a.suffix != ".pdf":  # the PDF carries its creation time
            assert a.read_bytes() == b.read_bytes(), a.name
    assert sorted(os.listdir(tmp_path)) == ["aside", "pid", "serial"]  # no staging folder left


def test_an_error_drawing_the_charts_is_raised_and_nothing_is_installed(
    small_result, tmp_path, monkeypatch, aside
):
    def broken(result, folder):
        raise OutputError("无法写出图表：磁盘已满", "cannot write the charts: disk full")

    monkeypatch.setattr(outputs, "write_charts", broken)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("OLD", encoding="utf-8")
    with pytest.raises(OutputError, match="磁盘已满"):
        write_outputs(small_result, out)
    assert os.listdir(out) == ["summary.json"] and (out / "summary.json").read_text(encoding="utf-8") == "OLD"
    assert os.listdir(tmp_path) == ["out"]


def test_an_error_in_a_workbook_stops_the_child(small_result, tmp_path, monkeypatch, aside):
    def broken(result, path):
        raise KeyError("district")

    monkeypatch.setattr(outputs, "write_allocation_xlsx", broken)
    with pytest.raises(KeyError, match="district"):
        write_outputs(small_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_when_the_charts_and_the_pdf_both_fail_the_charts_error_wins(
    small_result, tmp_path, monkeypatch, aside
):
    """As in the serial order, where the charts come before report.pdf."""

    def charts(result, folder):
        raise OutputError("图表", "charts")

    def pdf(*args, **kwargs):
        raise RuntimeError("pdf")

    monkeypatch.setattr(outputs, "write_charts", charts)
    monkeypatch.setattr(outputs, "write_report_pdf", pdf)
    with pytest.raises(OutputError, match="图表"):
        write_outputs(small_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_the_report_s_own_chart_is_drawn_once_while_the_child_draws(
    frontier_result, tmp_path, monkeypatch, aside
):
    """report.html's frontier chart is drawn before waiting for the child (draw_ahead), and the page
    then uses that drawing rather than drawing it again; the page is the serial path's, byte for byte."""
    from allocator.outputs import report_frontier, sweep_charts

    with monkeypatch.context() as serially:
        serially.setattr(outputs, "can_fork", lambda: False)
        serial = write_outputs(frontier_result, tmp_path / "serial")
    real, drawn = sweep_charts.draw_frontier, []

    def counting(frontier):
        drawn.append(os.getpid())
        return real(frontier)

    monkeypatch.setattr(sweep_charts, "draw_frontier", counting)
    monkeypatch.setattr(report_frontier, "_DRAWN", [])
    write_outputs(frontier_result, tmp_path / "aside")
    assert drawn == [os.getpid()]  # once, here (the pdf draws its own panel, not this chart)
    html = next(p for p in serial if p.name == "report.html")
    assert (tmp_path / "aside" / "report.html").read_bytes() == html.read_bytes()


def test_an_error_drawing_ahead_is_raised_after_the_child_and_nothing_is_installed(
    frontier_result, tmp_path, monkeypatch, aside
):
    def broken(result):
        raise OutputError("预算前沿图", "frontier chart")

    monkeypatch.setattr(outputs, "draw_ahead", broken)
    with pytest.raises(OutputError, match="预算前沿图"):
        write_outputs(frontier_result, tmp_path / "out")
    assert os.listdir(tmp_path) == []
