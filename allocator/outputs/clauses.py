"""Clause citations for the fund-level rules, always from the result's own policy pack.

A pack's ``[fund]`` names the clause of each rule it has: ``annual_fund_clause`` (the fund and its amount),
``admin_clause`` with ``admin_rate`` (the administration limit) and ``carryover_clause`` (batches within a year
and the balance carried over). Where the pack has no such rule (heilongjiang-2008 has neither an
administration limit nor a carryover rule), the outputs say :data:`NOT_SET` and show the scenario's number
as an assumption (:data:`ASSUMED`); they never borrow another document's numbering, and never print an
empty ``条款（）``. Functions take a result, a plan or a policy (anything with ``.policy`` or ``.fund``).
"""

from __future__ import annotations

from fractions import Fraction

NOT_SET = "本政策未规定"
ASSUMED = "方案假设"
DEVIATES = "方案偏离政策"
UNSET_AMOUNT = "方案设定（本政策未规定金额）"


def _policy(source: object) -> object:
    return getattr(source, "policy", source)


def fund_of(source: object) -> object:
    """The pack's ``Fund`` (None when the source has no policy)."""
    return getattr(_policy(source), "fund", None)


def cite(no: object) -> str:
    """``条款（十九）``, or '' when there is no clause."""
    no = str(no or "").strip()
    return f"条款（{no}）" if no else ""


def admin_rate(source: object) -> Fraction | None:
    """The pack's administration limit as a share of the annual fund; None where the pack sets none."""
    rate = getattr(fund_of(source), "admin_rate", None)
    return None if rate is None else Fraction(rate)


def admin_clause(source: object) -> str:
    """The clause of the administration limit ('' where the pack sets no limit)."""
    return "" if admin_rate(source) is None else str(getattr(fund_of(source), "admin_clause", "") or "")


def carryover_clause(source: object) -> str:
    """The clause on batches and carryover ('' where the pack has none)."""
    return str(getattr(fund_of(source), "carryover_clause", "") or "")


def annual_fund_clause(source: object) -> str:
    return str(getattr(fund_of(source), "annual_fund_clause", "") or "")


def policy_fund(source: object) -> int:
    """The annual fund the pack's text names (0 where it names no amount)."""
    return int(getattr(fund_of(source), "annual_fund", 0) or 0)


def percent_text(rate: Fraction | float) -> str:
    """``1%``, ``0.5%``."""
    return f"{float(rate) * 100:g}%"


# ---------------------------------------------------------------- the annual fund
def fund_deviation(source: object, amount: int) -> str:
    """``年度专项资金 25,000,000 元，与条款（一）规定的 20,000,000 元不同（方案偏离政策）``; '' when the
    scenario's amount is the pack's, or the pack names none."""
    pack = policy_fund(source)
    if not pack or int(amount) == pack:
        return ""
    where = cite(annual_fund_clause(source)) or "政策"
    return f"年度专项资金 {int(amount):,} 元，与{where}规定的 {pack:,} 元不同（{DEVIATES}）"


def annual_fund_note(source: object, amount: int) -> str:
    """The note beside the scenario's annual fund: the pack's clause and amount, the deviation, or, where
    the pack names no amount, :data:`UNSET_AMOUNT`."""
    no = annual_fund_clause(source)
    if not policy_fund(source):
        setup = f"；{cite(no)}设立专项资金，未规定规模" if no else ""
        return f"{UNSET_AMOUNT}{setup}，本数为{ASSUMED}"
    deviation = fund_deviation(source, amount)
    if deviation:
        return deviation
    return f"{cite(no) or '政策'}规定每年 {policy_fund(source):,} 元"


# ---------------------------------------------------------------- administration
def admin_limit_note(source: object) -> str:
    """``条款（十九）：不超过年度专项资金的 1%``; where the pack sets no limit, :data:`NOT_SET`."""
    rate = admin_rate(source)
    if rate is None:
        return f"管理费用上限：{NOT_SET}；按年度专项资金计（{ASSUMED}）"
    return f"{cite(admin_clause(source)) or '政策规定'}：不超过年度专项资金的 {percent_text(rate)}"


def admin_limit_short(source: object) -> str:
    """For a card: ``（条款（十九））`` after the amount, or ``（本政策未规定上限）``."""
    if admin_rate(source) is None:
        return f"（{NOT_SET}上限）"
    no = admin_clause(source)
    return f"（{cite(no)}）" if no else ""


def admin_assumed(source: object) -> str:
    """'' where the pack limits administration; else a label saying the planned cost is an assumption."""
    return "" if admin_rate(source) is not None else f"（{ASSUMED}；管理费用：{NOT_SET}）"


# ---------------------------------------------------------------- batches and carryover
def carryover_in_note(source: object, extra: str = "") -> str:
    no = carryover_clause(source)
    if no:
        return f"{cite(no)}：上年结余结转下年使用 {extra}".strip()
    return f"结余结转：{NOT_SET}；上年结转为{ASSUMED}（[budget] carryover_in） {extra}".strip()


def carryover_out_note(source: object, fund_level: str) -> str:
    no = carryover_clause(source)
    formula = f"可用资金－{fund_level}承担－管理费用"
    return f"{cite(no)}：{formula}" if no else f"{formula}（结余结转：{NOT_SET}）"


def batch_note(source: object) -> str:
    """``条款（二十）：年度内分批次审批``, or the batch as the scenario's arrangement."""
    no = carryover_clause(source)
    return f"{cite(no)}：年度内分批次审批" if no else f"年度内分批次审批：{NOT_SET}（{ASSUMED}）"


# ---------------------------------------------------------------- items with a duty across years
def ledger_item(source: object) -> object | None:
    """The first item with a supervision duty (changchun-2017: c04-buy, clause 四), or None."""
    return next((it for it in getattr(_policy(source), "items", ()) or () if getattr(it, "ledger", "")), None)


def multi_year_item(source: object) -> object | None:
    """The first item paid for several consecutive years (changchun-2017: c04-rent, clause 四), or None."""
    return next(
        (it for it in getattr(_policy(source), "items", ()) or () if getattr(it, "years", 1) > 1), None
    )


def commitment_note(source: object, fund_level: str) -> str:
    """``条款（四）：连续2年补助，已计入市级承担``, from the pack's multi-year item."""
    it = multi_year_item(source)
    if it is None:
        return f"上年批准的续付补助，已计入{fund_level}承担"
    where = cite(getattr(it, "clause", ""))
    return f"{where}{'：' if where else ''}连续{it.years}年补助（{getattr(it, 'name', '')}），已计入{fund_level}承担"


def policy_notes(source: object, summary: object) -> list[str]:
    """Where the scenario goes beyond or against the pack's fund rules, in sentences for the report:
    the annual fund's deviation (or the amount the pack leaves open), the administration and the
    carryover the pack does not regulate."""
    out = []
    amount = int(getattr(summary, "annual_fund", 0) or 0)
    if fund_deviation(source, amount):
        out.append(fund_deviation(source, amount) + "。")
    elif not policy_fund(source):
        out.append(f"年度专项资金 {amount:,} 元为{UNSET_AMOUNT}，{ASSUMED}。")
    if admin_rate(source) is None:
        admin = int(getattr(summary, "admin", 0) or 0)
        out.append(f"管理费用上限：{NOT_SET}；本方案管理费用 {admin:,} 元为{ASSUMED}。")
    if not carryover_clause(source):
        carried = int(getattr(summary, "carryover_in", 0) or 0)
        tail = f"上年结转 {carried:,} 元为{ASSUMED}" if carried else "结转下年为本方案测算的未安排余额"
        out.append(f"分批次审批与结余结转：{NOT_SET}；{tail}。")
    return out
