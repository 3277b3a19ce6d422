"""Roster: the optional 人员名单 sheet, and clause （十三）'s per-hire rule counted from it.

Clause （十三） pays an enterprise up to 2,000 yuan for each newly hired college graduate (大专以上) with a
labour contract of at least one year, but "对被录用人员提前解除合同，并在原合同规定的1年期内，与其他服务
外包企业或原企业签订新的《劳动合同》的不再予以资金支持". With a roster the tool counts ``eligible_hires``
itself instead of trusting the declared number, and lists every contract it did not count, with why.

The sheet (named 人员名单 or ``roster``, see :data:`allocator.intake.read.ROSTER_SHEETS`) has one row per labour
contract. Headers are Chinese or English keys, tolerated as intake does (spaces, full-width brackets, a
leading ``*``, any bracketed suffix); a template writes :data:`allocator.intake.roster_read.HEADERS_ZH`, the
Chinese headers with how each date is written. Other columns (a name, say) are ignored and never read:

======================================  ==============  ======  ============================================
header as written                       key             needed  cell
======================================  ==============  ======  ============================================
人员编号                                person_id       yes     text, e.g. an ID card number; hashed on read (below)
统一社会信用代码                        credit_code     yes     the hiring enterprise (GB 32100 check character)
学历                                    education       no      博士、硕士、本科、大专/高职 … count; without the column: all do
合同开始日期（年-月-日）                contract_start  yes     the contract's first day: an Excel date, 2017-03-01,
                                                                2017/3/1 or 2017年3月1日
合同结束日期（最后一日，年-月-日）      contract_end    yes     the contract's last day (a date), not before the start
提前解除日期（最后工作日，年-月-日）    terminated_on   no      the last day worked, when ended early: from the start
                                                                up to before the end; blank: not ended early
======================================  ==============  ======  ============================================

**Person ids are never kept in clear.** Each id (spaces removed, NFKC, upper case) is replaced on read by
``HMAC-SHA256(key = the workbook's SHA-256 digest, id)``, hex, first 16 characters: stable within one
workbook, so the rules can match a person across rows, yet not reversible by trying all ID numbers without
the workbook itself. The same person gets a different hash in a different workbook. Problems about an id
cell name its row, never its value.

Readings of the clause (:func:`judge`, :func:`apply_roster`; :data:`READING_ZH` says them in Chinese), with
``S``/``E``/``T`` a contract's start, end and early termination:

- **dates are days of the contract, both ends included**, as Chinese contracts write them
  (…2017年3月1日至2018年2月28日): ``S`` is the first day, ``E`` the last day, and ``T`` the last day worked
  when the contract was ended early. The reader requires ``S ≤ E`` and ``S ≤ T < E`` (a contract ended on
  ``E`` was not ended early: leave ``T`` blank).
- **a contract's period** is ``[S, (T or E) + 1 day)``: the days from ``S`` to its last day, inclusive. Two
  contracts overlap when they share a day: one starting the day after another's last day (``T`` or ``E``)
  does not overlap it; one starting on that last day does.
- **the first year** of a contract is ``[S, A)``, ``A = S + 1 year`` its anniversary (same month and day;
  ``pd.DateOffset(years=1)`` would put 29 Feb on 28 Feb, but a year from 29 Feb runs through 28 Feb, so its
  anniversary is 1 March). Its last day is ``A − 1 day``: 2017-03-01 → 2018-02-28, 2017-01-01 → 2017-12-31,
  2016-02-29 → 2017-02-28, 2015-03-01 → 2016-02-29.
- **one year** (1年以上（含1年）): ``E + 1 day ≥ A``, i.e. the contract runs through its first year's last
  day: 2017-03-01 至 2018-02-28 and 2017-01-01 至 2017-12-31 are one year, 2017-03-01 至 2018-02-27 is not;
  2016-02-29 至 2017-02-28 is one year, 至 2017-02-27 is not. The end date decides, not ``T``: a contract
  signed for a year and ended early was still signed for a year.
- **newly hired in the year**: ``S`` falls in the allocation ``year``; the signing date is read as ``S``.
- **an early termination** is a ``T`` (before ``E``). Re-signing "在原合同规定的1年期内" means a new contract
  whose ``S`` lies in the original's first year and not before its termination: ``T_O ≤ S < A_O``.

A contract starting in ``year`` is counted unless one of these rules excludes it (the first that applies,
in this order, is its reason; one row per excluded contract):

1. ``resigned`` (a) — the same person had another contract ``O`` (any enterprise, this one included) ended
   early with ``T_O ≤ S < A_O``: signed again on or after ``O``'s last day worked and before ``O``'s
   anniversary, i.e. within the original contract's one-year period ``[S_O, A_O)`` after its early
   termination (a start the day after ``T_O`` is the usual case). The NEW contract is not paid; the
   original, if it starts in ``year``, still counts (the clause withholds support for the re-signing, and a
   terminated contract was still signed for a year).
2. ``overlap`` (b) — the same person's contract at another enterprise overlaps this one (shares a day) and
   started earlier: the later claim is excluded; on the same start date both are. The reason names the other
   enterprise's credit code, never the person. Every roster contract (any year, whether counted or not) is a
   claim.
3. ``duplicate`` — the same person's overlapping contracts (sharing a day) at one enterprise are one hire (a
   repeated row, or a contract replacing another): the one kept is the one that qualifies by itself (one
   year, 大专以上), then the earliest start, the latest end, the latest last day (``T`` or ``E``), the first
   row; the others are excluded. The choice depends on the rows' contents, not their order. A contract
   starting the day after another's last day at the same enterprise is a contract of its own.
4. ``short`` (c) — ``E + 1 day < A``: the contract ends before its first year's last day.
5. ``education`` (d) — below 大专.

Contracts starting in other years are context (for rules 1–3) and are neither counted nor listed. So
no person is counted twice in a year: of two of a person's contracts starting in one year, the later one
either shares a day with the earlier (rule 2 or 3) or starts after the earlier's last day. If that last day
is a ``T``, the later one starts before the earlier's anniversary, which is in the next year: rule 1. If it
is ``E``, the earlier one ends before the later one starts, in the same calendar year, so before its own
first year's last day: rule 4.

Per application: ``eligible_hires = #{contracts of its enterprise starting in year, not excluded}``. An
enterprise with no roster row at all keeps its declared ``eligible_hires`` (a roster may cover only some
enterprises); :func:`hire_counts` says which applications were counted from the roster and which kept their
declared number. Two hiring applications of one enterprise with roster rows cannot be told apart: an
:class:`InputError`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pandas as pd

from ..core.errors import InputError, Problem
from .messages import ROSTER_MESSAGES as MESSAGES
from .roster_read import COLUMNS, HEADERS_ZH, Column, Roster, parse_date, person_hash, qualifies, read_roster

__all__ = [
    "COLUMNS",
    "COUNT_COLUMNS",
    "EXCLUSION_COLUMNS",
    "HEADERS_ZH",
    "ITEM",
    "MESSAGES",
    "READING_EN",
    "READING_ZH",
    "REASONS",
    "Column",
    "Roster",
    "Rule",
    "anniversary",
    "apply_roster",
    "hire_counts",
    "judge",
    "parse_date",
    "person_hash",
    "qualifies",
    "read_roster",
]
#: The reading's doctests, run by ``doctest.testmod`` on this module as before the split.
__test__ = {"person_hash": person_hash, "qualifies": qualifies, "parse_date": parse_date}

#: The policy item whose ``eligible_hires`` a roster counts.
ITEM = "c13-hire"

#: The reading of clause 十三's contract dates (the module docstring), in Chinese, for the policy pack and
#: the outputs to quote.
READING_ZH = (
    "劳动合同起止日期均含当日（合同结束日期为合同最后一日）：结束日期不早于开始日期满1年对应日的前一日即为"
    "“1年以上（含1年）”，如 2017-03-01 至 2018-02-28、2017-01-01 至 2017-12-31 为1年，"
    "2017-03-01 至 2018-02-27 不足1年；2月29日开始的合同须至次年2月28日。"
    "提前解除日期为合同最后工作日（含当日），应不早于开始日期且早于结束日期；提前解除的合同仍按结束日期判断是否满1年。"
    "原合同提前解除后，自解除日期起至原合同满1年对应日的前一日止（即原合同规定的1年期内）与其他服务外包企业或原企业"
    "新签的劳动合同不予资金支持：如原合同 2017-01-01 开始、2017-05-31 提前解除，2017-05-31 至 2017-12-31 间开始的"
    "新合同（通常自 2017-06-01 起）不予支持；原合同若在本年度签订仍予计算。"
    "同一人员的两份合同有共同的日期即为重叠：在另一份合同最后一日（结束日期或提前解除日期）的次日开始的不重叠，"
    "在该日当天开始的重叠。"
)
#: :data:`READING_ZH` in English.
READING_EN = (
    "A labour contract's start and end dates are both days of the contract (the end is its last day): it is "
    "'one year or more' when its end is no earlier than the day before its first anniversary, so 2017-03-01 "
    "to 2018-02-28 and 2017-01-01 to 2017-12-31 are one year and 2017-03-01 to 2018-02-27 is not; a contract "
    "starting 29 February must run to 28 February. An early termination date is the last day worked "
    "(inclusive), on or after the start and before the end; a contract ended early is still judged by its "
    "end date. After an early termination, a new contract (at another enterprise or the same one) starting "
    "from the termination date up to the day before the original's first anniversary (within the "
    "original's one-year period) is not paid: an original starting 2017-01-01 and ended 2017-05-31, a new "
    "contract starting 2017-05-31 to 2017-12-31 (usually from 2017-06-01); the original, if signed in the year, still counts. Two "
    "contracts of one person overlap when they share a day: one starting the day after the other's last day "
    "(its end or early termination) does not overlap it, one starting on that day does."
)


class Rule(StrEnum):
    """Why a contract was not counted (``rule`` column of the exclusions)."""

    RESIGNED = (
        "resigned"  # (a) re-signed within the original contract's first year after an early termination
    )
    OVERLAP = "overlap"  # (b) the same person claimed by another enterprise, the periods sharing a day
    DUPLICATE = "duplicate"  # the same person twice at one enterprise, the periods sharing a day
    SHORT = "short"  # (c) contract shorter than one year (ends before its first year's last day)
    EDUCATION = "education"  # (d) below 大专


#: Each rule's reason (Chinese, English); they name enterprises, dates and roster rows, never a person.
REASONS: dict[Rule, tuple[str, str]] = {
    Rule.RESIGNED: (
        "提前解除合同后在原合同1年期内重新签约，按条款（十三）不再予以资金支持（原合同：企业 {code}，{start} 开始，"
        "{end} 提前解除，1年期至 {last}）",
        "signed again within the original contract's first year after an early termination (original at {code}: "
        "started {start}, ended early {end}, first year through {last}); clause 十三 gives no support",
    ),
    Rule.OVERLAP: (
        "同一人员同时被企业 {codes_zh} 申报且合同期重叠，{zh}",
        "the same person is claimed by {codes_en} with an overlapping contract; {en}",
    ),
    Rule.DUPLICATE: (
        "同一人员在本企业的合同与第{rows}行重复或期限重叠，只计算一次",
        "the same person's contract at this enterprise repeats or overlaps row(s) {rows}; counted once",
    ),
    Rule.SHORT: (
        "劳动合同不足1年（{start} 至 {end}，起止日均含当日；满1年须至少至 {need}）；条款（十三）要求签订1年以上（含1年）劳动合同",
        "the contract is shorter than one year ({start} to {end}, both days included; one year runs at least "
        "through {need}); clause 十三 requires one year or more",
    ),
    Rule.EDUCATION: (
        "学历「{education}」低于大专；条款（十三）要求大专以上学历",
        "education {education!r} is below 大专 (college); clause 十三 requires college or above",
    ),
}


#: Columns of the exclusions frame: one row per roster contract starting in the year and not counted.
EXCLUSION_COLUMNS = (
    "person_hash",
    "credit_code",
    "application_id",  # the enterprise's hiring application, or None
    "reason_zh",
    "reason_en",
    "rule",  # a Rule value
    "source_sheet",
    "source_row",  # where the contract is in the roster (the row, never the id)
)
#: Columns of :func:`hire_counts`.
COUNT_COLUMNS = ("application_id", "credit_code", "declared", "counted", "excluded", "from_roster")


# ------------------------------------------------------------------------------------------- the rule
_ONE_DAY = pd.Timedelta(days=1)


def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def anniversary(start: pd.Series) -> pd.Series:
    """``A = S + 1 year``, the first day after a contract's first year ``[S, A)``: the same month and day a
    year on, and 1 March for a 29 February start (``pd.DateOffset(years=1)`` alone gives 28 February, which
    would end the year on 27 February).

    >>> s = pd.Series(pd.to_datetime(["2017-03-01", "2017-01-01", "2016-02-29", "2015-03-01"]))
    >>> [f"{d:%Y-%m-%d}" for d in anniversary(s)]
    ['2018-03-01', '2018-01-01', '2017-03-01', '2016-03-01']
    """
    a = start + pd.DateOffset(years=1)
    leap_day = (start.dt.month == 2) & (start.dt.day == 29)
    return a.where(~leap_day, a + _ONE_DAY)


def judge(roster: Roster, year: int) -> pd.DataFrame:
    """Every roster contract with ``in_year``, ``rule`` (a :class:`Rule` or None), ``reason_zh``, ``reason_en``.

    Rules and their order: see the module docstring. Pure; the roster is not changed.
    """
    r = roster.frame.reset_index(drop=True)
    # the dates are days of the contract: its period is [S, (T or E) + 1 day), its first year [S, A)
    r = r.assign(
        i=range(len(r)),
        anniversary=anniversary(r["contract_start"]),
        until=r["terminated_on"].fillna(r["contract_end"]) + _ONE_DAY,
    )
    short = r["contract_end"] + _ONE_DAY < r["anniversary"]  # ends before its first year's last day
    # which of one enterprise's overlapping contracts of a person is kept (rule 3): a lower rank
    unfit = short | ~r["qualified"]
    order = pd.DataFrame(
        {"u": unfit, "s": r["contract_start"], "e": r["contract_end"], "t": r["until"], "i": r["i"]}
    )
    order = order.sort_values(["u", "s", "e", "t", "i"], ascending=[True, True, False, False, True])
    r["rank"] = pd.Series(range(len(r)), index=order.index)
    m = r.merge(r, on="person_hash", suffixes=("", "_o"))
    m = m[m["i"] != m["i_o"]]
    start, start_o = m["contract_start"], m["contract_start_o"]
    # (a) T_O <= S < A_O: signed on or after the original's last day worked, within its first year
    resign = m[m["terminated_on_o"].notna() & (start >= m["terminated_on_o"]) & (start < m["anniversary_o"])]
    # (b), 3: the periods share a day
    ov = m[(start < m["until_o"]) & (start_o < m["until"])]
    later = ov["contract_start"] > ov["contract_start_o"]
    tie = ov["contract_start"] == ov["contract_start_o"]
    same = ov["credit_code"] == ov["credit_code_o"]
    overlap = ov[~same & (later | tie)]
    duplicate = ov[same & (ov["rank"] > ov["rank_o"])]

    rules: dict[int, tuple[Rule, str, str]] = {}

    def mark(i: int, rule: Rule, **kw) -> None:
        rules.setdefault(i, (rule, *(t.format(**kw) for t in REASONS[rule])))

    for i, g in resign.sort_values("contract_start_o").groupby("i", sort=False):
        o = g.iloc[0]
        mark(
            i,
            Rule.RESIGNED,
            code=o["credit_code_o"],
            start=_day(o["contract_start_o"]),
            end=_day(o["terminated_on_o"]),
            last=_day(o["anniversary_o"] - _ONE_DAY),
        )
    for i, g in overlap.groupby("i"):
        codes = sorted(set(g["credit_code_o"]))
        tie = bool((g["contract_start_o"] == g["contract_start"]).any())
        zh, en = (
            ("同日开始，双方均不计算", "both started the same day: neither counts")
            if tie
            else ("对方合同开始较早，本合同不计算", "the other started earlier: this one does not count")
        )
        mark(i, Rule.OVERLAP, codes_zh="、".join(codes), codes_en=", ".join(codes), zh=zh, en=en)
    for i, g in duplicate.groupby("i"):
        mark(i, Rule.DUPLICATE, rows=", ".join(str(x) for x in sorted(g["source_row_o"])))
    for i in r.index[short]:
        mark(
            i,
            Rule.SHORT,
            start=_day(r.at[i, "contract_start"]),
            end=_day(r.at[i, "contract_end"]),
            need=_day(r.at[i, "anniversary"] - _ONE_DAY),
        )
    for i in r.index[~r["qualified"]]:
        mark(i, Rule.EDUCATION, education=r.at[i, "education"])
    picked = [rules.get(i, (None, None, None)) for i in r.index]
    return r.drop(columns=["i", "anniversary", "until", "rank"]).assign(
        in_year=r["contract_start"].dt.year == year,
        rule=pd.Series([p[0] for p in picked], dtype=object),
        reason_zh=pd.Series([p[1] for p in picked], dtype=object),
        reason_en=pd.Series([p[2] for p in picked], dtype=object),
    )


def hire_counts(frame: pd.DataFrame, roster: Roster | None, year: int, item: str = ITEM) -> pd.DataFrame:
    """One row per ``item`` application (:data:`COUNT_COLUMNS`, indexed like ``frame``): ``declared``
    eligible_hires, ``counted`` from the roster (NaN when its enterprise has no roster row), ``excluded``
    contracts of the year, and ``from_roster``. Raises :class:`InputError` when two such applications share
    an enterprise that has roster rows.
    """
    return _counts(frame, roster, None if roster is None else judge(roster, year), item)


def _counts(
    frame: pd.DataFrame, roster: Roster | None, judged: pd.DataFrame | None, item: str
) -> pd.DataFrame:
    apps = frame[frame["item"] == item]
    codes = apps["credit_code"]
    covered = codes.isin(set() if judged is None else set(judged["credit_code"]))
    if roster is not None:
        _check_unique(apps[covered], roster.path)
    kept, dropped = pd.Series(dtype="int64"), pd.Series(dtype="int64")
    if judged is not None:
        year_rows = judged[judged["in_year"]]
        kept = year_rows[year_rows["rule"].isna()]["credit_code"].value_counts()
        dropped = year_rows[year_rows["rule"].notna()]["credit_code"].value_counts()
    return pd.DataFrame(
        {
            "application_id": apps["application_id"].astype(object),
            "credit_code": codes.astype(object),
            "declared": apps["eligible_hires"].astype(float),
            "counted": codes.map(kept).fillna(0).astype(float).where(covered),
            "excluded": codes.map(dropped).fillna(0).astype("int64"),
            "from_roster": covered.astype(bool),
        },
        columns=list(COUNT_COLUMNS),
    )


def _check_unique(apps: pd.DataFrame, path: Path) -> None:
    dup = apps[apps["credit_code"].duplicated(keep=False)]
    problems = []
    for code, g in dup.groupby("credit_code", sort=False):
        ids = "、".join(g["application_id"].astype(str))
        zh = f"同一企业有多条条款（十三）新录用员工申报（{ids}），人员名单无法区分；请合并为一条申报"
        en = f"one enterprise has several clause 十三 hiring applications ({ids.replace('、', ', ')}); merge them"
        for _, a in g.iterrows():
            row = None if pd.isna(a.get("source_row")) else int(a["source_row"])
            problems.append(Problem(path.name, a.get("source_sheet"), row, "统一社会信用代码", code, zh, en))
    if problems:
        raise InputError(problems, file=str(path))


def apply_roster(
    frame: pd.DataFrame, roster: Roster | None, year: int, item: str = ITEM
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count ``eligible_hires`` of each ``item`` application from the roster; the rules are in the module
    docstring. Returns (the new frame, the exclusions: :data:`EXCLUSION_COLUMNS`, in roster order). Pure:
    ``frame`` is not changed; other rows, and applications whose enterprise has no roster row, keep their
    values. ``roster`` None (no roster sheet) gives the frame back unchanged and no exclusions.
    """
    out = frame.copy()
    if roster is None:
        empty = {c: pd.Series(dtype="int64" if c == "source_row" else object) for c in EXCLUSION_COLUMNS}
        return out, pd.DataFrame(empty)
    judged = judge(roster, year)
    counts = _counts(frame, roster, judged, item)
    hit = counts[counts["from_roster"]]
    out.loc[hit.index, "eligible_hires"] = hit["counted"].to_numpy(dtype=float)
    app_of = dict(zip(hit["credit_code"], hit["application_id"], strict=True))
    ex = judged[judged["in_year"] & judged["rule"].notna()]
    ex = ex.assign(
        application_id=pd.Series([app_of.get(c) for c in ex["credit_code"]], index=ex.index, dtype=object),
        rule=ex["rule"].map(str).astype(object),
    )
    return out, ex[list(EXCLUSION_COLUMNS)].reset_index(drop=True)
