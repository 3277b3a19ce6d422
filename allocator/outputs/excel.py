"""``allocation.xlsx`` (for the fund manager and finance) and ``approved.xlsx`` (the list to publish and pay).

allocation.xlsx, sheets in this order:

========== ======================================================================================
汇总        fund figures; totals as formulas over the lists (cells in :data:`SUMMARY_CELLS`)
拟支持名单  award > 0, one row each, then 合计 (SUM formulas)
未支持名单  eligible, award 0, with the reason
不符合条件  the condition that failed, the reason, and where the row came from
分条款      per policy item: COUNTIF/SUMIF formulas over the lists, then 合计
分区        per district: likewise
候补名单    the waitlist: eligible applications cut or cut short, in the order released money reaches them
监管台账    purchased premises that may not be transferred for 3 years (clause 四), with the date
参数        scenario, policy, input hash, fund figures, weights, assumptions, solver, versions
========== ======================================================================================

The four per-application lists (拟支持名单, 未支持名单, 不符合条件, 候补名单) are in the workbook only when
:func:`~allocator.outputs.lists.lists_in_workbook` says so: the scenario's ``[output] lists``, by default up
to :data:`~allocator.outputs.lists.WORKBOOK_LISTS_UP_TO` applications. Without them allocation.xlsx holds
:data:`SUMMARY_SHEETS` (汇总, 分条款, 分区, 监管台账, 参数, and 人员核减 when there is one): 汇总's second row
says the lists are in allocation.csv and waitlist.csv, and the totals that were formulas over the lists are
plain numbers (the same values); the formulas within a sheet stay. At a million applications the lists
were 19 million cells, most of a run's time, in sheets near Excel's row limit.

approved.xlsx holds one sheet, 拟支持名单, with exactly the funded applications of this batch and the same
columns, always; from batch 2 on a second sheet, 累计拟支持名单 (:data:`~allocator.store.format.YTD_SHEET`), holds the
year so far: every batch's approvals, 批次 saying which (the next batch reads it back, :mod:`allocator.store.approved`).
Both are pure functions of the result: formulas carry cached values equal to ``summary.json``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.workbook import Workbook

from ..core.errors import OutputError
from ..core.oserrors import os_error
from ..core.result import AllocationResult
from ..intake.roster import ITEM as ROSTER_ITEM
from ..policy.levels import level_labels
from ..store.format import YTD_SHEET
from ._common import by_district, by_item, check_consistent, ledger_frame, prepared, split, waitlist_frame
from .clauses import carryover_clause, cite
from .lists import lists_in_workbook
from .xlsx_groups import DISTRICT_SHEET, ITEM_SHEET, write_groups
from .xlsx_lists import (
    FUNDED_COLUMNS,
    FUNDED_SHEET,
    INELIGIBLE_COLUMNS,
    INELIGIBLE_SHEET,
    UNFUNDED_COLUMNS,
    UNFUNDED_SHEET,
    Col,
    ListRef,
    list_columns,
    write_list,
)
from .xlsx_params import PARAMS_SHEET, write_params
from .xlsx_registers import (
    LEDGER_HEADERS,
    LEDGER_SHEET,
    WAITLIST_HEADERS,
    WAITLIST_SHEET,
    ledger_note,
    write_ledger,
    write_waitlist,
)
from .xlsx_style import gc_paused, open_workbook, styles
from .xlsx_summary import SUMMARY_CELLS, SUMMARY_SHEET, write_summary

SHEETS = (
    SUMMARY_SHEET,
    FUNDED_SHEET,
    UNFUNDED_SHEET,
    INELIGIBLE_SHEET,
    ITEM_SHEET,
    DISTRICT_SHEET,
    WAITLIST_SHEET,
    LEDGER_SHEET,
    PARAMS_SHEET,
)
#: The per-application list sheets, left out unless :func:`~allocator.outputs.lists.lists_in_workbook`.
LIST_SHEETS = (FUNDED_SHEET, UNFUNDED_SHEET, INELIGIBLE_SHEET, WAITLIST_SHEET)
#: allocation.xlsx's sheets without the lists (人员核减, when there is one, comes after them all).
SUMMARY_SHEETS = tuple(name for name in SHEETS if name not in LIST_SHEETS)

__all__ = [
    "FUNDED_COLUMNS",
    "INELIGIBLE_COLUMNS",
    "LEDGER_HEADERS",
    "LEDGER_SHEET",
    "LIST_SHEETS",
    "SHEETS",
    "SUMMARY_CELLS",
    "SUMMARY_SHEETS",
    "UNFUNDED_COLUMNS",
    "WAITLIST_HEADERS",
    "WAITLIST_SHEET",
    "write_allocation_xlsx",
    "write_approved_xlsx",
]


ROSTER_SHEET = "人员核减"
ROSTER_COLUMNS = (
    Col("序号", "#seq", "seq"),
    Col("人员（散列值）", "person_hash", "text"),
    Col("统一社会信用代码", "credit_code", "code"),
    Col("申报编号", "application_id", "text"),
    Col("核减原因", "reason_zh", "wrap"),
    Col("规则", "rule", "text"),
    Col("人员名单位置", "source_row", "seq"),
)


def _title(result: AllocationResult, what: str) -> str:
    sc = result.scenario
    return f"{getattr(sc, 'name', '')} {what}"


def write_allocation_xlsx(result: AllocationResult, path: str | Path) -> Path:
    """Write allocation.xlsx; see the module docstring for its sheets."""
    with gc_paused():
        return _write_allocation_xlsx(result, Path(path))


def _write_allocation_xlsx(result: AllocationResult, path: Path) -> Path:
    table = prepared(result)
    check_consistent(result, table)
    parts = split(table)
    levels = level_labels(result)
    with_lists = lists_in_workbook(result)
    wb = open_workbook(path)
    st = styles(wb)
    sheets = {name: wb.add_worksheet(name) for name in (SHEETS if with_lists else SUMMARY_SHEETS)}
    refs = _write_lists(sheets, st, result, parts, levels) if with_lists else None
    write_summary(sheets[SUMMARY_SHEET], st, result, parts, refs)
    write_groups(
        sheets[ITEM_SHEET],
        st,
        by_item(result, table),
        [("条款", "clause"), ("事项编号", "item"), ("支持事项", "item_name")],
        "item",
        refs,
        _title(result, "分条款汇总"),
        levels,
    )
    write_groups(
        sheets[DISTRICT_SHEET],
        st,
        by_district(result, table),
        [("所在区", "district")],
        "district",
        refs,
        _title(result, "分区汇总"),
        levels,
    )
    if with_lists:
        write_waitlist(
            sheets[WAITLIST_SHEET],
            st,
            waitlist_frame(result),
            _title(result, "候补名单"),
            levels[0],
            carryover_clause(result),
        )
    write_ledger(
        sheets[LEDGER_SHEET], st, ledger_frame(result), _title(result, "监管台账"), ledger_note(result)
    )
    write_params(sheets[PARAMS_SHEET], st, result)
    if result.roster_exclusions is not None:
        write_list(
            wb.add_worksheet(ROSTER_SHEET),
            st,
            result.roster_exclusions.fillna(""),
            ROSTER_COLUMNS,
            _title(result, f"人员核减（{_roster_clause(result)}人员编号仅以散列值记录）"),
            total=False,
        )
    sheets[SUMMARY_SHEET].activate()
    wb.set_properties(_stamped(result, {}))
    close_workbook(wb, path)
    return path


def _write_lists(sheets, st, result: AllocationResult, parts, levels) -> dict[str, ListRef]:
    """拟支持名单, 未支持名单 and 不符合条件名单; where each list's columns are, for the summaries' formulas."""
    return {
        "funded": write_list(
            sheets[FUNDED_SHEET],
            st,
            parts.funded,
            list_columns("说明", *levels),
            _title(result, "拟支持名单"),
        ),
        "unfunded": write_list(
            sheets[UNFUNDED_SHEET],
            st,
            parts.unfunded,
            list_columns("原因", *levels),
            _title(result, "未支持名单"),
        ),
        "ineligible": write_list(
            sheets[INELIGIBLE_SHEET],
            st,
            parts.ineligible,
            INELIGIBLE_COLUMNS,
            _title(result, "不符合条件名单"),
            total=False,
        ),
    }


def _stamped(result: AllocationResult, properties: dict) -> dict:
    """``properties`` with the run's own time as the workbook's creation time (xlsxwriter would write the
    time of writing): the same result gives the same bytes, so verify can compare a workbook written again
    byte for byte."""
    when = str((result.manifest or {}).get("generated_at") or "")
    try:
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return properties
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return {**properties, "created": moment}


def _roster_clause(result: AllocationResult) -> str:
    """``条款（十三），`` for the item a 人员名单 counts (changchun-2017: c13-hire), from the pack."""
    it = next((it for it in getattr(result.policy, "items", ()) if it.id == ROSTER_ITEM), None)
    no = cite(getattr(it, "clause", ""))
    return f"{no}，" if no else ""


def write_approved_xlsx(result: AllocationResult, path: str | Path) -> Path:
    """Write approved.xlsx: this batch's funded applications (award > 0) only, with a 合计 row of SUM
    formulas; from batch 2 on, the year so far on a second sheet."""
    with gc_paused():
        return _write_approved_xlsx(result, Path(path))


def _write_approved_xlsx(result: AllocationResult, path: Path) -> Path:
    table = prepared(result)
    check_consistent(result, table)
    parts = split(table)
    wb = open_workbook(path)
    st = styles(wb)
    ws = wb.add_worksheet(FUNDED_SHEET)
    columns = list_columns("说明", *level_labels(result))
    batch = int(getattr(result.summary, "batch", 1) or 1)
    funded = parts.funded
    title = _title(result, "专项资金拟支持名单" if batch == 1 else f"专项资金第 {batch} 批拟支持名单")
    write_list(ws, st, funded[funded["batch"] == batch], columns, title)
    if batch > 1:
        write_list(
            wb.add_worksheet(YTD_SHEET),
            st,
            funded,
            columns,
            _title(result, f"截至第 {batch} 批累计拟支持名单"),
        )
    wb.set_properties(
        _stamped(
            result,
            {"title": _title(result, "专项资金拟支持名单"), "subject": getattr(result.policy, "name", "")},
        )
    )
    close_workbook(wb, path)
    return path


def close_workbook(wb: Workbook, path: Path) -> None:
    """Zip the workbook onto ``path`` (a new file in the staging folder, which nothing else has open): a
    system error is said by what the system said (:func:`~allocator.core.oserrors.os_error`)."""
    try:
        wb.close()
    except OSError as exc:
        raise os_error(exc, f"写出 {path.name} ", f"writing {path.name}") from exc
    except XlsxWriterException as exc:
        cause = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
        if isinstance(cause, OSError):
            raise os_error(cause, f"写出 {path.name} ", f"writing {path.name}") from exc
        raise OutputError(f"无法写出 {path.name}：{exc}", f"cannot write {path.name}: {exc}") from exc
