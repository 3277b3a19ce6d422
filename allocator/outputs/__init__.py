"""Outputs of ``allocator run``: pure functions of an :class:`~allocator.result.AllocationResult`.

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
  then moves each file into place, so a writer that fails, Ctrl-C or SIGTERM (the CLI turns it into
  :class:`KeyboardInterrupt`) leave the previous outputs as they were and the staging folder removed. The
  moves themselves run with SIGINT/SIGTERM held back (:func:`install`), so a folder is never half replaced.
* Every temporary file of the run is made inside the staging folder: xlsxwriter puts a workbook's XML
  parts beside the workbook before zipping them (its ``tmpdir``, set by
  :func:`~allocator.outputs.xlsx_style.open_workbook`). (Measured at 100,000 applications: the parts on
  disk in the staging folder 9.0–9.2 s and 583 MB peak, the same as in /tmp; ``in_memory`` 9.5–10.0 s and
  795 MB.) The solver's files are in a folder of their own, removed after every solve (:mod:`allocator.solve`).
* A staging folder is named after the process that owns it (``.<out>.allocator-<pid>@<host>.<random>.tmp``):
  SIGKILL cannot be caught, so the next write into the same parent folder removes the staging folders of
  processes on this host that are gone (:func:`remove_stale_staging`).
* An ``approved.xlsx`` (the list finance pays from) that the new outputs would change is never replaced
  without ``force``: :class:`~allocator.errors.OutputError` before anything in the folder changes. With
  ``force`` the old one is kept beside the new one as ``approved.<its time>.xlsx``. The same list again
  (a rerun) is simply rewritten.
* Every staging folder has a name of its own, so runs into different folders never meet.

From :data:`PARALLEL_FROM` applications up (on Linux), the biggest workbook is written by a forked child
process into the same staging folder while this process writes the others: allocation.xlsx when it holds
the lists, else approved.xlsx. The child dies with this process (SIGKILL included). ``allocator run``
also works out the report's budget frontier here while the child writes (:func:`complete_and_write`):
neither workbook needs it, and at 100,000 applications that took 21.6 s end to end down to 17.9 s.

A multi-year plan (:func:`~allocator.outputs.plan.write_plan_outputs`) writes each year's outputs into
``<out_dir>/<year>/`` and plan.xlsx, plan.json and charts/plan.* beside them, staged the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..errors import OutputError
from ..result import AllocationResult
from ._common import prepared, share_prepared, shared_tables
from .charts import chinese_font, write_charts
from .excel import write_allocation_xlsx, write_approved_xlsx
from .forked import Forked, can_fork
from .lists import lists_in_workbook
from .report import draw_ahead, write_report_html
from .report_pdf import write_report_pdf
from .tables import summary_dict, write_allocation_csv, write_summary_json, write_waitlist_csv

__all__ = [
    "approved_change",
    "chinese_font",
    "install",
    "remove_stale_staging",
    "staged",
    "staged_file",
    "staging_folder",
    "summary_dict",
    "write_allocation_csv",
    "write_allocation_xlsx",
    "write_approved_xlsx",
    "write_charts",
    "write_outputs",
    "write_plan_outputs",
    "write_report_html",
    "write_report_pdf",
    "write_summary_json",
    "write_waitlist_csv",
]


#: From this many applications up, the biggest workbook is written in a forked child while this process
#: writes the rest (:mod:`~allocator.outputs.forked`). On 2 cores: 3,000 applications 2.2 → 1.8 s, 10,000
#: 3.0 → 2.1 s, 100,000 16.3 → 8.5 s; a handful gain nothing from a second process.
PARALLEL_FROM = 2_000


def _write_all(
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


def _approved_rows(path: Path) -> list[tuple]:
    """approved.xlsx's rows as read back, without the 序号 column (header and 合计 included)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(r[1:]) for r in wb.worksheets[0].iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def approved_change(old: Path, new: Path) -> tuple[str, str] | None:
    """None when ``new`` holds the approved list ``old`` holds (row for row), else what differs, in Chinese
    and in English: applications added, removed, and changed (award or any other cell)."""
    try:
        before = _approved_rows(old)
    except Exception:  # noqa: BLE001 — an unreadable list is replaced only on purpose too
        return "原文件无法读取，视为不同", "the old file cannot be read, so it counts as different"
    after = _approved_rows(new)
    if before == after:
        return None
    a, b = _by_id(before), _by_id(after)
    if a is None or b is None:
        return "内容不同", "its content differs"
    added = len(b.keys() - a.keys())
    removed = len(a.keys() - b.keys())
    changed = sum(a[k] != b[k] for k in a.keys() & b.keys())
    zh = f"新增 {added} 项、移出 {removed} 项、金额或内容不同 {changed} 项"
    en = f"{added} added, {removed} removed, {changed} changed"
    if not (added or removed or changed):
        zh, en = "表头或合计不同", "its header or total row differs"
    return zh, en


def _by_id(rows: list[tuple]) -> dict[object, tuple] | None:
    """Data rows by 申报编号 (the first column after 序号); None when the ids are not unique."""
    data = [r for r in rows[1:] if r and r[0] not in (None, "", "（无）")]
    out = {r[0]: r for r in data}
    return out if len(out) == len(data) else None


def _kept_copy(old: Path) -> Path:
    """Copy ``old`` beside itself as ``approved.<its time>.xlsx`` (``-2``, ``-3`` … when taken)."""
    stamp = datetime.fromtimestamp(old.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    kept = old.with_name(f"approved.{stamp}.xlsx")
    n = 1
    while kept.exists():
        n += 1
        kept = old.with_name(f"approved.{stamp}-{n}.xlsx")
    shutil.copy2(old, kept)
    return kept


# ---------------------------------------------------------------- staging
STAGING = re.compile(r"^\..*\.allocator-(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)\.[A-Za-z0-9_]+\.tmp$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs (a zombie does not). Not known outside POSIX: True."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would stop it on Windows; keep the folder, the user may remove it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: killed but not yet reaped
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return True


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose process (on this host) is gone: a run killed with
    SIGKILL, or a crash, leaves one. Returns those removed."""
    removed: list[Path] = []
    host = _host()
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = STAGING.match(entry.name)
        if m is None or m["host"] != host or not entry.is_dir() or _alive(int(m["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def staging_folder(out_dir: Path) -> Path:
    """A new empty folder beside ``out_dir`` (same file system, so moving out of it is atomic per file),
    named after this process; stale ones of dead processes are removed first."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir.parent)
    prefix = f".{out_dir.name}.allocator-{os.getpid()}@{_host()}."
    return Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=out_dir.parent))


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A :func:`staging_folder` for ``out_dir``, removed on leaving (whatever happened). Workbooks written
    in it keep their XML parts in it too (:func:`~allocator.outputs.xlsx_style.open_workbook`), so none is
    left behind in /tmp."""
    staging = staging_folder(out_dir)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def staged_file(target: str | Path) -> Iterator[Path]:
    """For a command that writes one file (``allocator template``, ``allocator demo-data``): a path in a
    :func:`staged` folder beside ``target`` to write it at, moved onto ``target`` only when the block ends
    without an error. A failed or interrupted write leaves an earlier ``target`` as it was."""
    target = Path(target)
    with staged(target) as staging:
        temp = staging / target.name
        yield temp
        with _signals_held():
            os.replace(temp, target)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (main thread only): moving the files into place is
    never cut short by Ctrl-C or a kill, so a folder holds the old outputs or the new ones. A signal that
    came meanwhile is raised again on leaving, to the handler there was before.

    Held by Python handlers, not by blocking the signals: numpy's native threads do not block them, and
    the kernel would hand the signal to one of those."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    numbers = [getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)]
    before = {n: signal.signal(n, lambda number, frame: came.append(number)) for n in numbers}
    try:
        yield
    finally:
        for n, handler in before.items():
            signal.signal(n, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        if came:
            signal.raise_signal(came[0])


def _refuse(changes: dict[Path, tuple[str, str]]) -> OutputError:
    zh = "；".join(f"{p}（{c[0]}）" for p, c in changes.items())
    en = "; ".join(f"{p} ({c[1]})" for p, c in changes.items())
    return OutputError(
        f"拟支持名单 {zh}已存在，本次结果会改变它。财政据此拨付，不加 --force 不会替换；"
        "未写出任何文件，原有结果未改动",
        f"{en}: an approved list exists and this run would change it; finance pays from it, so it is not "
        "replaced without --force. Nothing was written",
        "确认替换时加 --force 重新运行（Python：force=True），原文件保留为 approved.<时间>.xlsx / use --force "
        "to replace it; the old one is then kept as approved.<time>.xlsx",
    )


def install(staging: Path, relative: list[Path], out_dir: Path, *, force: bool = False) -> list[Path]:
    """Move the staged files into ``out_dir``. An ``approved.xlsx`` (in any folder) that would change is
    refused before anything moves (:class:`~allocator.errors.OutputError`), or with ``force`` kept beside
    the new one first. Returns the paths written (kept copies first, in their folder's turn)."""
    changes = {}
    for rel in relative:
        target = out_dir / rel
        if rel.name == "approved.xlsx" and target.is_file():
            change = approved_change(target, staging / rel)
            if change is not None:
                changes[target] = change
    if changes and not force:
        raise _refuse(changes)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    done = False
    try:
        with _signals_held():
            for rel in relative:
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if target in changes:
                    written.append(_kept_copy(target))
                try:
                    os.replace(staging / rel, target)
                except OSError as exc:
                    moved = "、".join(str(p.name) for p in written) or "无"
                    raise OutputError(
                        f"无法写入 {target}（文件是否正在 Excel/WPS 中打开？）：{exc}。已更新：{moved}",
                        f"cannot replace {target} (open in Excel/WPS?): {exc}; already replaced: {moved}",
                        "关闭该文件后重新运行 / close the file and run again",
                    ) from exc
                written.append(target)
            done = True
    except KeyboardInterrupt as exc:  # held back while moving: it came after every file was in place
        if done:
            exc.written_to = out_dir  # type: ignore[attr-defined]
        raise
    return written


def write_outputs(result: AllocationResult, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write every output into ``out_dir`` (created if needed); returns the paths written there.

    ``force``: replace an ``approved.xlsx`` this result changes (the old one is kept beside it); without
    it that is an :class:`~allocator.errors.OutputError` and nothing is written."""
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
        result, written = _write_all(result, staging, complete)
        return result, install(staging, written, out_dir, force=force)


def __getattr__(name: str):
    if name == "write_plan_outputs":
        from .plan import write_plan_outputs

        return write_plan_outputs
    raise AttributeError(name)
