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

:func:`write_outputs` writes them all into a temporary folder beside ``out_dir`` and only then moves each
file into place, so a writer that fails leaves the previous outputs as they were and no temporary files.
From :data:`PARALLEL_FROM` applications up (on Linux), the biggest workbook is written by a forked child
process into the same temporary folder while this process writes the others: allocation.xlsx when it holds
the lists, else approved.xlsx.

A multi-year plan (:func:`~allocator.outputs.plan.write_plan_outputs`) writes each year's outputs into
``<out_dir>/<year>/`` and plan.xlsx, plan.json and charts/plan.* beside them, staged the same way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from ..errors import OutputError
from ..result import AllocationResult
from ._common import prepared, shared_tables
from .charts import chinese_font, write_charts
from .excel import write_allocation_xlsx, write_approved_xlsx
from .forked import Forked, can_fork
from .lists import lists_in_workbook
from .report import write_report_html
from .report_pdf import write_report_pdf
from .tables import summary_dict, write_allocation_csv, write_summary_json, write_waitlist_csv

__all__ = [
    "chinese_font",
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


def _write_all(result: AllocationResult, folder: Path) -> list[Path]:
    """Every output into ``folder``; returns paths relative to it, in the order written.

    The table is prepared once for all of them (:func:`~allocator.outputs._common.shared_tables`), before any
    fork, so a table that cannot be written fails here, as it would in the first writer."""
    with shared_tables():
        prepared(result)
        if len(result.table) >= PARALLEL_FROM and can_fork():
            written = _write_in_two(result, folder)
        else:
            written = _write_in_turn(result, folder)
    return [p.relative_to(folder) for p in written]


def _write_in_turn(result: AllocationResult, folder: Path) -> list[Path]:
    return [
        write_allocation_xlsx(result, folder / "allocation.xlsx"),
        write_approved_xlsx(result, folder / "approved.xlsx"),
        *_write_rest(result, folder),
    ]


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


def _write_in_two(result: AllocationResult, folder: Path) -> list[Path]:
    """The biggest workbook in a forked child, the rest here at the same time: allocation.xlsx when it holds
    the lists (:func:`~allocator.outputs.lists.lists_in_workbook`), else approved.xlsx, the funded list in
    full; the paths come back in the serial order all the same.

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
        return _write_in_turn(result, folder)
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
    return [pair["allocation.xlsx"], pair["approved.xlsx"], *rest]  # type: ignore[list-item]


def _approved_rows(path: Path) -> list[tuple]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(r[1:]) for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()


def _keep_changed_approved(old: Path, new: Path) -> Path | None:
    """An approved list that a new run would change is kept beside it, never overwritten silently.

    Returns the kept copy (``approved.<its time>.xlsx``), or None when there was none or it is unchanged.
    """
    if not old.is_file():
        return None
    try:
        if _approved_rows(old) == _approved_rows(new):
            return None
    except Exception:  # an unreadable old list is kept too  # noqa: BLE001
        pass
    stamp = datetime.fromtimestamp(old.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    kept = old.with_name(f"approved.{stamp}.xlsx")
    n = 1
    while kept.exists():
        n += 1
        kept = old.with_name(f"approved.{stamp}-{n}.xlsx")
    shutil.copy2(old, kept)
    return kept


def staging_folder(out_dir: Path) -> Path:
    """A new empty folder beside ``out_dir`` (same file system, so moving out of it is atomic per file)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", suffix=".tmp", dir=out_dir.parent))


def install(staging: Path, relative: list[Path], out_dir: Path) -> list[Path]:
    """Move the staged files into ``out_dir``; a changed ``approved.xlsx`` in any folder is kept beside the
    new one first. Returns the paths written (kept copies first, in their folder's turn)."""
    out_dir.mkdir(exist_ok=True)
    written: list[Path] = []
    for rel in relative:
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.name == "approved.xlsx":
            kept = _keep_changed_approved(target, staging / rel)
            if kept is not None:
                written.append(kept)
        try:
            os.replace(staging / rel, target)
        except OSError as exc:
            done = "、".join(str(p.name) for p in written) or "无"
            raise OutputError(
                f"无法写入 {target}（文件是否正在 Excel/WPS 中打开？）：{exc}。已更新：{done}",
                f"cannot replace {target} (open in Excel/WPS?): {exc}; already replaced: {done}",
                "关闭该文件后重新运行 / close the file and run again",
            ) from exc
        written.append(target)
    return written


def write_outputs(result: AllocationResult, out_dir: str | Path) -> list[Path]:
    """Write every output into ``out_dir`` (created if needed); returns the paths written there."""
    out_dir = Path(out_dir)
    staging = staging_folder(out_dir)
    try:
        return install(staging, _write_all(result, staging), out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def __getattr__(name: str):
    if name == "write_plan_outputs":
        from .plan import write_plan_outputs

        return write_plan_outputs
    raise AttributeError(name)
