"""Outputs of ``allocator run``: pure functions of an :class:`~allocator.core.result.AllocationResult`.

=================== ===========================================================
allocation.xlsx     :func:`~allocator.outputs.excel.write_allocation_xlsx`
approved.xlsx       :func:`~allocator.outputs.excel.write_approved_xlsx`
allocation.csv      :func:`~allocator.outputs.tables.write_allocation_csv`
waitlist.csv        :func:`~allocator.outputs.tables.write_waitlist_csv`
summary.json        :func:`~allocator.outputs.tables.write_summary_json`
charts/             :func:`~allocator.outputs.charts.write_charts`
report.html         :func:`~allocator.outputs.report.write_report_html`
report.pdf          :func:`~allocator.outputs.report_pdf.write_report_pdf` (the same, on one A4 page)
=================== ===========================================================

The per-application lists (拟支持名单, 未支持名单, 不符合条件, 候补名单) are sheets of allocation.xlsx, or, with
``[output] lists = "csv"`` or above :data:`~allocator.outputs.lists.WORKBOOK_LISTS_UP_TO` applications under
the default "auto", only allocation.csv and waitlist.csv; allocation.xlsx then holds the summaries alone
(:mod:`~allocator.outputs.lists`). approved.xlsx is always the full funded list.

Nothing is lost (issue 8):

* :func:`write_outputs` writes them all into a staging folder beside ``out_dir`` (:func:`staged`) and only
  then publishes them (:func:`~allocator.outputs.publish.install`): under the parent folder's lock, the old
  folder's complete set of files becomes the new complete set in one step (an atomic exchange of the two
  folders on Linux), whatever stops the process. A writer that fails, Ctrl-C or SIGTERM (the CLI turns it
  into :class:`KeyboardInterrupt`) leave the previous outputs as they were and the staging folder removed;
  a run killed outright leaves it to the next run, which removes it (or puts the old set back).
* Every temporary file of the run is made inside the staging folder: xlsxwriter puts a workbook's XML
  parts beside the workbook before zipping them (its ``tmpdir``, set by
  :func:`~allocator.outputs.xlsx_style.open_workbook`). The solver's files are in a folder of their own,
  removed after every solve (:mod:`allocator.solve.run`).
* An ``approved.xlsx`` (the list finance pays from) that the new outputs would change is never replaced
  without ``force``: :class:`~allocator.core.errors.OutputError` before anything in the folder changes. With
  ``force`` the old one is kept beside the new one as ``approved.<its time>.xlsx``. The same list again
  (a rerun) is simply rewritten. Two runs into one folder publish one after the other, the second
  compared against what the first wrote.
* Every folder carries ``manifest.json``: the SHA-256 of every file in it, written last, so that
  ``allocator verify`` tells an edited or mixed folder at once.

From :data:`PARALLEL_FROM` applications up (on Linux), the biggest workbook is written by a forked child
process into the same staging folder while this process writes the others: allocation.xlsx when it holds
the lists, else approved.xlsx. The child dies with this process (SIGKILL included). ``allocator run``
also works out the report's budget frontier here while the child writes (:func:`complete_and_write`):
neither workbook needs it.

A multi-year plan (:func:`~allocator.outputs.plan.write_plan_outputs`) writes each year's outputs into
``<out_dir>/<year>/`` and plan.xlsx, plan.json and charts/plan.* beside them, staged the same way.

Modules: the workbooks — excel (allocation.xlsx, approved.xlsx), xlsx_summary (汇总) and xlsx_rule_rows (its
rule and batch blocks), xlsx_groups (分条款, 分区), xlsx_lists (the list sheets), xlsx_registers (候补名单, 监管台账),
xlsx_params (参数), xlsx_style (formats and safe cell writers), cells (cell values by column), lists (sheets or
CSV for the lists); tables (the CSVs and summary.json); charts; report, report_frontier, report_rule,
html_parts and report_pdf (the leadership page); leaders (what another million buys); clauses (the fund-level
rules' citations from the pack); approved (whether a new approved.xlsx changes the list); publish (staging and
installing a folder whole), folder_lock (one run at a time), manifest_file (every file's SHA-256); forked (a
writer in a child process); plan, plan_frames, plan_xlsx, plan_chart (a multi-year plan); sweep and
sweep_charts (trade-offs); compare_xlsx, compare_layout, compare_chart, compare_words (two runs compared);
words (how a number, a time, a rule is said); limit_rows (the limits and overrides as rows); _common (what
every writer needs from a result).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.oserrors import os_error
from ..core.result import AllocationResult
from ._common import prepared, share_prepared, shared_tables
from .approved import approved_change
from .charts import chinese_font, write_charts
from .excel import write_allocation_xlsx, write_approved_xlsx
from .forked import Forked, can_fork
from .lists import lists_in_workbook
from .publish import STAGING, install, remove_stale_staging, staged, staged_file, staging_folder
from .report import write_report_html
from .report_frontier import draw_ahead
from .report_pdf import write_report_pdf
from .tables import summary_dict, write_allocation_csv, write_summary_json, write_waitlist_csv

__all__ = [
    "STAGING",
    "approved_change",
    "chinese_font",
    "install",
    "remove_stale_staging",
    "staged",
    "staged_file",
    "staging_folder",
    "summary_dict",
    "write_all",
    "write_allocation_csv",
    "write_allocation_xlsx",
    "write_approved_xlsx",
    "write_charts",
    "write_outputs",
    "write_report_html",
    "write_report_pdf",
    "write_summary_json",
    "write_waitlist_csv",
]


#: From this many applications up, the biggest workbook is written in a forked child while this process
#: writes the rest (:mod:`~allocator.outputs.forked`). On 2 cores: 3,000 applications 2.2 → 1.8 s, 10,000
#: 3.0 → 2.1 s, 100,000 16.3 → 8.5 s; a handful gain nothing from a second process.
PARALLEL_FROM = 2_000


def write_all(
    result: AllocationResult, folder: Path, complete: Callable | None = None
) -> tuple[AllocationResult, list[Path]]:
    """Every output into ``folder``; returns the completed result and the paths relative to ``folder``,
    in the order written.

    The table is prepared once for all of them (:func:`~allocator.outputs._common.shared_tables`), before any
    fork, so a table that cannot be written fails here, as it would in the first writer."""
    with shared_tables():
        prepared(result)
        if not can_fork():
            result = _completed(result, complete)
            written = _write_in_turn(result, folder)
        elif len(result.table) >= PARALLEL_FROM:
            result, written = _write_in_two(result, folder, complete)
        else:
            result, written = _charts_aside(result, folder, complete)
    return result, [p.relative_to(folder) for p in written]


def _completed(result: AllocationResult, complete: Callable | None) -> AllocationResult:
    if complete is None:
        return result
    done = complete(result)
    share_prepared(result, done)
    return done


def _write_in_turn(result: AllocationResult, folder: Path) -> list[Path]:
    return [
        write_allocation_xlsx(result, folder / "allocation.xlsx"),
        write_approved_xlsx(result, folder / "approved.xlsx"),
        *_write_rest(result, folder),
    ]


def _charts_aside(
    result: AllocationResult, folder: Path, complete: Callable | None = None
) -> tuple[AllocationResult, list[Path]]:
    """Below :data:`PARALLEL_FROM` applications the charts are the biggest job, not a workbook: they are drawn
    in a forked child (they need neither the frontier nor any other output) while this process completes the
    result and writes everything else; report.html, which embeds the charts, waits for them. The paths come
    back in the serial order. Errors as in the serial order: a failure here in a file that comes before the
    charts stops the child; after them, the child's error, if any, wins."""
    try:
        pictures = Forked("charts", write_charts, result, folder / "charts")
    except OSError:
        result = _completed(result, complete)
        return result, _write_in_turn(result, folder)
    try:
        result = _completed(result, complete)
        before = [
            write_allocation_xlsx(result, folder / "allocation.xlsx"),
            write_approved_xlsx(result, folder / "approved.xlsx"),
            write_allocation_csv(result, folder / "allocation.csv"),
            write_waitlist_csv(result, folder / "waitlist.csv"),
            write_summary_json(result, folder / "summary.json"),
        ]
    except BaseException:
        pictures.cancel()
        raise
    try:  # what comes after the charts in the serial order
        pdf = write_report_pdf(result, folder / "report.pdf", folder / "charts")
        draw_ahead(result)  # report.html's own chart, while the child still draws
    except Exception:
        pictures.result()  # the charts come first in the serial order: their error wins
        raise
    except BaseException:
        pictures.cancel()
        raise
    charts = pictures.result()
    html = write_report_html(result, folder / "report.html", folder / "charts")
    return result, [*before, *charts, html, pdf]  # type: ignore[misc]


def _write_rest(result: AllocationResult, folder: Path) -> list[Path]:
    """Everything after the two workbooks, in order."""
    charts = folder / "charts"
    return [
        write_allocation_csv(result, folder / "allocation.csv"),
        write_waitlist_csv(result, folder / "waitlist.csv"),
        write_summary_json(result, folder / "summary.json"),
        *write_charts(result, charts),
        write_report_html(result, folder / "report.html", charts),
        write_report_pdf(result, folder / "report.pdf", charts),
    ]


def _write_in_two(
    result: AllocationResult, folder: Path, complete: Callable | None = None
) -> tuple[AllocationResult, list[Path]]:
    """The biggest workbook in a forked child, the rest here at the same time: allocation.xlsx when it holds
    the lists (:func:`~allocator.outputs.lists.lists_in_workbook`), else approved.xlsx, the funded list in
    full; the paths come back in the serial order all the same. ``complete`` (the report's frontier) runs
    here first, while the child writes: neither workbook needs it.

    Errors are those of the serial order (allocation.xlsx, approved.xlsx, then the rest): when both fail,
    the error of the file written first; a failure here before the child's file is reached stops the child.
    The child is always finished or stopped before returning, so nothing writes into the folder afterwards.
    When no process can be started (out of memory or processes), everything is written here, in turn."""
    writers = {"allocation.xlsx": write_allocation_xlsx, "approved.xlsx": write_approved_xlsx}
    big, small = ("allocation.xlsx", "approved.xlsx")
    if not lists_in_workbook(result):
        big, small = small, big
    try:
        book = Forked(big, writers[big], result, folder / big)
    except OSError:
        result = _completed(result, complete)
        return result, _write_in_turn(result, folder)
    try:
        result = _completed(result, complete)
    except BaseException:  # before any writing in the serial order: the child's file is not wanted
        book.cancel()
        raise
    reached = big == "allocation.xlsx"  # the serial order has reached the child's file
    try:
        mine = writers[small](result, folder / small)
        reached = True
        rest = _write_rest(result, folder)
    except Exception:
        if not reached:  # allocation.xlsx failed here: approved.xlsx would never have been written
            book.cancel()
            raise
        book.result()  # raises the child's error if it failed too: its file comes first
        raise
    except BaseException:  # Ctrl-C: stop the child at once
        book.cancel()
        raise
    theirs = book.result()
    pair = {big: theirs, small: mine}
    return result, [pair["allocation.xlsx"], pair["approved.xlsx"], *rest]  # type: ignore[list-item]


def write_outputs(result: AllocationResult, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write every output into ``out_dir`` (created if needed); returns the paths written there.

    ``force``: replace an ``approved.xlsx`` this result changes (the old one is kept beside it); without
    it that is an :class:`~allocator.core.errors.OutputError` and nothing is written."""
    return complete_and_write(result, out_dir, force=force)[1]


def complete_and_write(
    result: AllocationResult,
    out_dir: str | Path,
    complete: Callable[[AllocationResult], AllocationResult] | None = None,
    *,
    force: bool = False,
) -> tuple[AllocationResult, list[Path]]:
    """:func:`write_outputs`, with ``complete(result)`` (what only the report needs: the budget frontier)
    worked out here while the biggest workbook, which does not need it, is already being written in a
    forked child; returns the completed result and the paths. An error in ``complete`` stops the child
    and nothing is written, as if it had come before any writing."""
    out_dir = Path(out_dir)
    with staged(out_dir) as staging:
        try:
            result, written = write_all(result, staging, complete)
        except OSError as exc:  # a full disk, a file the writer cannot create …: said as such
            raise os_error(exc, "写出结果", "writing the results", getattr(exc, "filename", None)) from exc
        return result, install(staging, written, out_dir, force=force)
