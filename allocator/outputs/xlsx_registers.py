"""The 候补名单 (waitlist; changchun-2017 clause 二十) and 监管台账 (supervision ledger; changchun-2017 clause
四) sheets of allocation.xlsx. The notes cite the result's own pack (:mod:`.clauses`), or say 本政策未规定.

Both are lists like 拟支持名单: header in row 1, one row each from row 2, frozen header, filter and print
setup; an empty register keeps one row reading 「（无）」. A note under each says what the register is for.

* 候补名单: eligible applications cut or cut short, in the order released money (an award given up, a later
  batch) would reach them; 累计所需市级资金 is the fund's money needed to reach down to that rank (the
  level's name is the policy's: 累计所需省级资金 for heilongjiang-2008).
* 监管台账: purchased or self-built premises funded under clause 四, which the applicant may not transfer,
  sell or let before 不得转让截止日期; 合计 row of SUM formulas for the area and the award.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..policy.levels import FUND_LEVEL
from ._common import ledger_says
from .clauses import NOT_SET, carryover_clause, cite, ledger_item
from .xlsx_lists import Col, ListRef, write_list
from .xlsx_style import Styles, merge_text

WAITLIST_SHEET = "候补名单"
LEDGER_SHEET = "监管台账"


def waitlist_headers(fund: str = FUND_LEVEL) -> tuple[Col, ...]:
    """候补名单's columns; ``fund`` names the fund's level (所需市级资金)."""
    return (
        Col("排名", "rank", "seq"),
        Col("申报编号", "application_id", "text"),
        Col("申报单位", "applicant", "text"),
        Col("支持事项", "item_name", "text"),
        Col("所在区", "district", "text"),
        Col("核定上限（元）", "cap", "money"),
        Col("已拟支持（元）", "award", "money"),
        Col("缺口（元）", "shortfall", "money"),
        Col("下一步可获（元）", "next_award", "money"),
        Col(f"所需{fund}资金（元）", "next_city_cost", "money"),
        Col(f"累计所需{fund}资金（元）", "cumulative_city_cost", "money"),
    )


#: changchun-2017's (市级).
WAITLIST_HEADERS = waitlist_headers()

LEDGER_HEADERS = (
    Col("序号", "#seq", "seq"),
    Col("申报编号", "application_id", "text"),
    Col("申报单位", "applicant", "text"),
    Col("统一社会信用代码", "credit_code", "code"),
    Col("所在区", "district", "text"),
    Col("购买自建面积（平方米）", "purchase_area_m2", "area"),
    Col("拟支持金额（元）", "award", "money"),
    Col("批准日期", "approved_on", "date"),
    Col("不得转让截止日期", "no_transfer_until", "date"),
    Col("条款", "clause", "text"),
    Col("说明", "note", "wrap"),
)


def waitlist_note(fund: str = FUND_LEVEL, clause: str = "") -> str:
    """The note under 候补名单; ``clause`` is the pack's carryover clause (changchun-2017: 二十), '' where the
    pack has none."""
    rule = (
        f"{cite(clause)}专项资金可分批次审批，结余结转下年使用。"
        if clause
        else f"分批次审批与结余结转：{NOT_SET}。"
    )
    return (
        f"注：{rule}本表为符合条件但未获支持或未获全额支持的申报，"
        f"按释放资金（如已支持项目放弃、后续批次）时依次递补的顺序排列；「累计所需{fund}资金」为递补至该名次所需的"
        f"{fund}资金。收回的资金再分配与「再增加100万元」均按本表：逐名给足「下一步可获」，"
        f"资金用完处的名次获余下部分（低于最低支持额的跳过，由下一名递补）。"
    )


def waitlist_note_of(source: object, fund: str = FUND_LEVEL) -> str:
    """:func:`waitlist_note` with the clause of ``source``'s pack (a result, a plan or a policy)."""
    return waitlist_note(fund, carryover_clause(source))


def ledger_note(source: object) -> str:
    """The note under 监管台账, from the pack's item with a supervision duty (changchun-2017: c04-buy,
    clause 四); where the pack has none, 本政策未规定."""
    it = ledger_item(source)
    if it is None:
        return f"注：须登记监管的补助事项（如所购房屋不得转让）：{NOT_SET}，本表无记录。"
    years = int(getattr(it, "ledger_years", 0) or 0)
    until = f"「不得转让截止日期」＝批准日期＋{years}年；" if years else ""
    return (
        f"注：{cite(getattr(it, 'clause', ''))}{it.name}，{it.ledger}。本表为受此约束的拟支持项目，"
        f"{until}期满前请核查房屋自用情况。"
    )


def _note(ws: Worksheet, st: Styles, row: int, last_col: int, note: str) -> None:
    ws.set_row(row, 48)
    merge_text(ws, row, 0, last_col, note, st.wrap)


def write_waitlist(
    ws: Worksheet, st: Styles, frame: pd.DataFrame, title: str, fund: str = FUND_LEVEL, clause: str = ""
) -> ListRef:
    """Rank 1 first; no 合计 row (the last 累计所需市级资金 is the total); a note two rows below. ``fund``
    names the fund's level, ``clause`` the pack's carryover clause ('' where it has none)."""
    headers = waitlist_headers(fund)
    ref = write_list(ws, st, frame, headers, title, total=False)
    _note(ws, st, ref.last_row + 1, len(headers) - 1, waitlist_note(fund, clause))
    return ref


def write_ledger(ws: Worksheet, st: Styles, frame: pd.DataFrame, title: str, note: str) -> ListRef:
    """One row per purchased premises, 合计 (SUM of area and award), then ``note``
    (:func:`ledger_note`, citing the pack's clause)."""
    ref = write_list(ws, st, frame, LEDGER_HEADERS, title)
    _note(ws, st, ref.total_row + 1, len(LEDGER_HEADERS) - 1, note)
    return ref


__all__ = [
    "LEDGER_HEADERS",
    "LEDGER_SHEET",
    "WAITLIST_HEADERS",
    "WAITLIST_SHEET",
    "ledger_note",
    "ledger_says",
    "waitlist_headers",
    "waitlist_note",
    "waitlist_note_of",
    "write_ledger",
    "write_waitlist",
]
