"""Where the per-application lists go: sheets of allocation.xlsx, or only allocation.csv and waitlist.csv.

The lists (拟支持名单, 未支持名单, 不符合条件, 候补名单) hold about 19 cells per application; at a million
applications writing them is most of a run and the workbook is near Excel's 1,048,576-row limit. The scenario
chooses with ``[output] lists`` (:data:`allocator.config.scenario.LISTS`):

========== ===============================================================================================
workbook   the list sheets in allocation.xlsx; its totals are formulas over them
csv        allocation.xlsx holds 汇总, 分条款, 分区, 监管台账, 参数 (and 人员核减) with the totals as numbers;
           the lists are allocation.csv (every application, status and reason) and waitlist.csv
auto       workbook up to :data:`WORKBOOK_LISTS_UP_TO` applications, csv above (the default)
========== ===============================================================================================

approved.xlsx is the full funded list either way (finance pays from it). Every writer asks
:func:`lists_in_workbook`, so the workbook, the forked writer and the report agree.
"""

from __future__ import annotations

from ..core.result import AllocationResult

#: ``[output] lists = "auto"`` puts the lists in allocation.xlsx up to this many applications.
WORKBOOK_LISTS_UP_TO = 200_000


def lists_choice(result: AllocationResult) -> str:
    """The scenario's ``[output] lists`` ("auto" when the scenario does not say)."""
    return str(getattr(result.scenario, "lists", "auto") or "auto")


def lists_in_workbook(result: AllocationResult) -> bool:
    """Whether allocation.xlsx holds the per-application list sheets."""
    choice = lists_choice(result)
    if choice == "workbook":
        return True
    if choice == "csv":
        return False
    return len(result.table) <= WORKBOOK_LISTS_UP_TO


def lists_why(result: AllocationResult) -> str:
    """Why the lists are not in the workbook: the scenario's choice, or the number of applications."""
    if lists_choice(result) == "csv":
        return '方案设定 [output] lists = "csv"'
    return f"申报数 {len(result.table):,} 项，超过 {WORKBOOK_LISTS_UP_TO:,} 项"


def lists_note(result: AllocationResult) -> str:
    """The line 汇总 shows when the lists are not in allocation.xlsx ('' when they are)."""
    if lists_in_workbook(result):
        return ""
    fix = '（如需列入本工作簿，可在方案中设 [output] lists = "workbook"）'
    return (
        f"逐项名单不在本工作簿：{lists_why(result)}。逐项名单见 allocation.csv（全部申报，含状态与原因）"
        f"与 waitlist.csv（候补名单）；拟支持名单见 approved.xlsx。"
        + (fix if lists_choice(result) == "auto" else "")
    )


def details_where(result: AllocationResult) -> str:
    """Where the details are, for the report's footer."""
    if lists_in_workbook(result):
        return "明细见 allocation.xlsx，拟支持名单见 approved.xlsx"
    return (
        "汇总见 allocation.xlsx，逐项名单见 allocation.csv（全部申报）与 waitlist.csv（候补名单），"
        "拟支持名单见 approved.xlsx"
    )
