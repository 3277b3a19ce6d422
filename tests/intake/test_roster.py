import datetime as dt
import doctest
import hashlib
import hmac
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.core.errors import InputError
from allocator.intake import roster as roster_mod
from allocator.intake.read import read_applications
from allocator.intake.roster import (
    COUNT_COLUMNS,
    EXCLUSION_COLUMNS,
    HEADERS_ZH,
    READING_EN,
    READING_ZH,
    Roster,
    Rule,
    anniversary,
    apply_roster,
    hire_counts,
    judge,
    read_roster,
)
from tests.builders import POLICY, ROSTER_HEADERS, row, valid_code, write_roster_workbook, write_workbook

X, Y, Z, V, W = (valid_code(n) for n in (1, 2, 3, 4, 5))  # W has roster rows but no application
D = dt.date


def pid(n: int) -> str:
    """A made-up 18-character ID number: the clear id that must never come back out."""
    return f"2201021990{n:07d}X"


def apps() -> list[dict]:
    return [
        row("A1", "c13-hire", credit_code=X, eligible_hires=10),
        row("A2", "c13-hire", credit_code=Y, eligible_hires=10),
        row("A3", "c13-hire", credit_code=Z, eligible_hires=7),  # no roster rows: keeps 7
        row("A4", "c05-line", credit_code=X, line_fee=100_000),  # not c13: untouched
        row("A5", "c13-hire", credit_code=V, eligible_hires=4),  # roster rows only in 2016: 0
    ]


def run(tmp_path, roster, year=2017, rows=None, name="apps.xlsx"):
    """The roster written with the headers a template writes (:data:`HEADERS_ZH`, dates' forms in brackets)."""
    rows = apps() if rows is None else rows
    path = write_roster_workbook(tmp_path / name, rows, roster, headers=HEADERS_ZH)
    frame = read_applications(path, POLICY).frame
    r = read_roster(path)
    new, ex = apply_roster(frame, r, year)
    return frame, new, ex, r


def hires(frame, app_id):
    return frame.loc[frame["application_id"] == app_id, "eligible_hires"].item()


# person, enterprise, education, start, end, terminated — the combined case of test_every_rule_at_once
# fmt: off
ROSTER = [
    (pid(1), X, "本科", D(2017, 3, 1), D(2018, 2, 28), None),     # counted: exactly one year, to its last day
    (pid(2), X, "本科", D(2017, 3, 1), D(2018, 2, 27), None),     # short: one day less
    (pid(3), X, "中专", D(2017, 4, 1), D(2019, 4, 1), None),      # education
    (pid(4), X, "硕士", D(2017, 1, 1), D(2020, 1, 1), D(2017, 5, 1)),  # counted: the original still counts
    (pid(4), Y, "硕士", D(2017, 6, 1), D(2019, 6, 1), None),      # resigned: within 2017-01-01's year
    (pid(5), Y, "本科", D(2016, 6, 1), D(2018, 6, 1), D(2016, 12, 31)),  # 2016: not in the year
    (pid(5), X, "本科", D(2017, 5, 31), D(2019, 5, 31), None),    # resigned: the day before the anniversary
    (pid(6), Y, "本科", D(2016, 6, 1), D(2018, 6, 1), D(2016, 12, 31)),  # 2016
    (pid(6), X, "本科", D(2017, 6, 1), D(2019, 6, 1), None),      # counted: on the anniversary
    (pid(7), X, "大专", D(2017, 2, 1), D(2019, 2, 1), None),      # counted: earlier claim
    (pid(7), Y, "大专", D(2017, 4, 1), D(2019, 4, 1), None),      # overlap with X
    (pid(8), X, "博士", D(2017, 7, 1), D(2018, 7, 1), None),      # overlap, same day: both out
    (pid(8), Y, "博士", D(2017, 7, 1), D(2018, 7, 1), None),      # overlap
    (pid(9), Y, "本科", D(2017, 8, 1), D(2018, 8, 1), None),      # counted
    (pid(9), Y, "本科", D(2017, 8, 1), D(2018, 8, 1), None),      # duplicate row
    (pid(10), Y, "本科", D(2017, 2, 1), D(2019, 2, 1), D(2017, 3, 1)),  # counted
    (pid(10), Y, "本科", D(2017, 9, 1), D(2019, 9, 1), None),     # resigned at the same enterprise
    (pid(11), W, "本科", D(2017, 3, 1), D(2017, 12, 31), None),   # short, no application
    (pid(12), V, "本科", D(2016, 3, 1), D(2018, 3, 1), None),     # 2016
    (pid(13), X, "大专", "2017年10月1日", "2018/10/1", None),      # counted: dates as text
    (pid(14), X, "本科", D(2017, 1, 1), D(2017, 12, 31), None),   # counted: the calendar year is one year
]
# fmt: on


def test_every_rule_at_once(tmp_path):
    frame, new, ex, r = run(tmp_path, ROSTER)
    assert len(r) == len(ROSTER)
    assert [hires(new, a) for a in ("A1", "A2", "A3", "A5")] == [6, 2, 7, 0]
    assert list(ex.columns) == list(EXCLUSION_COLUMNS)
    got = list(zip(ex["source_row"], ex["credit_code"], ex["application_id"], ex["rule"], strict=True))
    # roster rows are Excel rows: ROSTER[k] is row k + 2
    assert got == [
        (3, X, "A1", "short"),
        (4, X, "A1", "education"),
        (6, Y, "A2", "resigned"),
        (8, X, "A1", "resigned"),
        (12, Y, "A2", "overlap"),
        (13, X, "A1", "overlap"),
        (14, Y, "A2", "overlap"),
        (16, Y, "A2", "duplicate"),
        (18, Y, "A2", "resigned"),
        (19, W, None, "short"),
    ]
    assert set(ex["source_sheet"]) == {"人员名单"}
    counts = hire_counts(frame, r, 2017)
    assert list(counts.columns) == list(COUNT_COLUMNS)
    assert counts.set_index("application_id")["counted"].to_dict() == pytest.approx(
        {"A1": 6.0, "A2": 2.0, "A3": math.nan, "A5": 0.0}, nan_ok=True
    )
    assert counts.set_index("application_id")["excluded"].to_dict() == {"A1": 4, "A2": 5, "A3": 0, "A5": 0}
    assert counts["from_roster"].tolist() == [True, True, False, True]
    assert counts["declared"].tolist() == [10, 10, 7, 4]


def test_reasons_name_enterprises_and_the_clause(tmp_path):
    _, _, ex, _ = run(tmp_path, ROSTER)
    by_row = ex.set_index("source_row")
    resigned = by_row.loc[6]
    assert resigned["reason_zh"].startswith(
        "提前解除合同后在原合同1年期内重新签约，按条款（十三）不再予以资金支持"
    )
    assert X in resigned["reason_zh"] and "2017-05-01" in resigned["reason_zh"]
    assert "clause 十三" in resigned["reason_en"]
    assert X in by_row.loc[12, "reason_zh"] and Y not in by_row.loc[12, "reason_zh"]  # names the other one
    assert Y in by_row.loc[13, "reason_zh"] and "同日开始" in by_row.loc[13, "reason_zh"]
    assert X in by_row.loc[14, "reason_zh"] and "同日开始" in by_row.loc[14, "reason_zh"]
    assert "第15行" in by_row.loc[16, "reason_zh"]
    short = by_row.loc[3, "reason_zh"]
    assert "2017-03-01 至 2018-02-27" in short and "1年以上（含1年）" in short
    assert "满1年须至少至 2018-02-28" in short and "through 2018-02-28" in by_row.loc[3, "reason_en"]
    assert (
        "1年期至 2017-12-31" in resigned["reason_zh"]
    )  # the original's first year: 2017-01-01 to 2017-12-31
    assert "中专" in by_row.loc[4, "reason_zh"] and "大专以上" in by_row.loc[4, "reason_zh"]


@pytest.mark.parametrize(
    ("contracts", "year", "counted", "rules"),
    [
        # one year: the end date is the contract's last day, so the year ends the day before the anniversary
        ([(1, X, D(2017, 3, 1), D(2018, 2, 28), None)], 2017, {X: 1}, []),
        ([(1, X, D(2017, 3, 1), D(2018, 2, 27), None)], 2017, {X: 0}, ["short"]),
        ([(1, X, D(2017, 3, 1), D(2018, 3, 1), None)], 2017, {X: 1}, []),  # a day more: still one year
        ([(1, X, D(2017, 1, 1), D(2017, 12, 31), None)], 2017, {X: 1}, []),
        ([(1, X, D(2017, 1, 1), D(2017, 12, 30), None)], 2017, {X: 0}, ["short"]),
        # leap days: a year from 29 Feb runs through 28 Feb; one ending on 29 Feb runs from 1 March
        ([(1, X, D(2016, 2, 29), D(2017, 2, 28), None)], 2016, {X: 1}, []),
        ([(1, X, D(2016, 2, 29), D(2017, 2, 27), None)], 2016, {X: 0}, ["short"]),
        ([(1, X, D(2015, 3, 1), D(2016, 2, 29), None)], 2015, {X: 1}, []),
        ([(1, X, D(2015, 3, 1), D(2016, 2, 28), None)], 2015, {X: 0}, ["short"]),
        ([(1, X, D(2016, 3, 1), D(2017, 2, 28), None)], 2016, {X: 1}, []),
        # an early termination leaves the one-year reading to the end date
        ([(1, X, D(2017, 3, 1), D(2018, 2, 28), D(2017, 3, 1))], 2017, {X: 1}, []),
        # (a) re-signing after an early termination, both sides of the original's year
        (
            [
                (1, Y, D(2016, 9, 1), D(2018, 9, 1), D(2017, 1, 15)),
                (1, X, D(2017, 8, 31), D(2018, 8, 31), None),
            ],
            2017,
            {X: 0},
            ["resigned"],
        ),
        (
            [
                (1, Y, D(2016, 9, 1), D(2018, 9, 1), D(2017, 1, 15)),
                (1, X, D(2017, 9, 1), D(2018, 9, 1), None),
            ],
            2017,
            {X: 1},
            [],
        ),
        (
            [(1, X, D(2017, 1, 2), D(2019, 1, 2), D(2017, 2, 1)), (1, X, D(2017, 2, 1), D(2019, 2, 1), None)],
            2017,
            {X: 1},
            ["resigned"],
        ),  # same enterprise, re-signed on the last day worked: the original counts
        (
            [
                (1, X, D(2017, 1, 1), D(2019, 12, 31), D(2017, 5, 31)),
                (1, Y, D(2017, 6, 1), D(2018, 5, 31), None),
            ],
            2017,
            {X: 1, Y: 0},
            ["resigned"],
        ),  # the usual case: the day after the last day worked, at another enterprise, within the first year
        (
            [
                (1, X, D(2016, 5, 1), D(2019, 4, 30), D(2017, 3, 31)),
                (1, Y, D(2017, 4, 30), D(2018, 4, 29), None),
            ],
            2017,
            {X: 0, Y: 0},
            ["resigned"],
        ),  # 2017-04-30 is the last day of the original's first year [2016-05-01, 2017-05-01)
        (
            [
                (1, X, D(2016, 5, 1), D(2019, 4, 30), D(2017, 3, 31)),
                (1, Y, D(2017, 5, 1), D(2018, 4, 30), None),
            ],
            2017,
            {X: 0, Y: 1},
            [],
        ),  # on the anniversary: outside the first year, and after the last day worked: no overlap
        # an early termination without a new contract still counts
        ([(1, X, D(2017, 1, 2), D(2019, 1, 1), D(2017, 2, 1))], 2017, {X: 1}, []),
        # (b) overlap: the later claim is out, a tie both; the periods must share a day
        (
            [(1, X, D(2017, 1, 1), D(2018, 6, 1), None), (1, Y, D(2017, 5, 1), D(2018, 5, 1), None)],
            2017,
            {X: 1, Y: 0},
            ["overlap"],
        ),
        (
            [(1, X, D(2017, 5, 1), D(2018, 5, 1), None), (1, Y, D(2017, 5, 1), D(2018, 5, 1), None)],
            2017,
            {X: 0, Y: 0},
            ["overlap", "overlap"],
        ),
        (
            [(1, X, D(2015, 1, 1), D(2017, 2, 28), None), (1, Y, D(2017, 3, 1), D(2018, 2, 28), None)],
            2017,
            {X: 0, Y: 1},
            [],
        ),  # starting the day after the other's last day: no overlap
        (
            [(1, X, D(2015, 1, 1), D(2017, 3, 1), None), (1, Y, D(2017, 3, 1), D(2018, 2, 28), None)],
            2017,
            {X: 0, Y: 0},
            ["overlap"],
        ),  # starting on the other's last day: both employ the person on 2017-03-01
        (
            [
                (1, X, D(2015, 1, 1), D(2019, 1, 1), D(2017, 2, 28)),
                (1, Y, D(2017, 3, 1), D(2018, 2, 28), None),
            ],
            2017,
            {X: 0, Y: 1},
            [],
        ),  # the day after an early termination's last day worked (after the first year: no re-signing)
        (
            [
                (1, X, D(2015, 1, 1), D(2019, 1, 1), D(2017, 3, 1)),
                (1, Y, D(2017, 3, 1), D(2018, 2, 28), None),
            ],
            2017,
            {X: 0, Y: 0},
            ["overlap"],
        ),  # on the last day worked
        (
            [(1, X, D(2016, 1, 1), D(2019, 1, 1), None), (1, Y, D(2017, 3, 1), D(2018, 3, 1), None)],
            2017,
            {X: 0, Y: 0},
            ["overlap"],
        ),  # still employed at X since 2016
        # duplicate rows of one enterprise count once
        ([(1, X, D(2017, 5, 1), D(2018, 5, 1), None)] * 3, 2017, {X: 1}, ["duplicate", "duplicate"]),
        # of one enterprise's overlapping contracts the one that qualifies is kept, whatever the row order
        (
            [(1, X, D(2017, 1, 1), D(2017, 7, 20), None), (1, X, D(2017, 1, 1), D(2018, 1, 1), None)],
            2017,
            {X: 1},
            ["duplicate"],
        ),
        (
            [(1, X, D(2017, 1, 1), D(2017, 7, 20), None), (1, X, D(2017, 3, 1), D(2018, 3, 1), None)],
            2017,
            {X: 1},
            ["duplicate"],
        ),  # a probation contract replaced by a one-year one
        # one enterprise: a contract starting the day after the other's last day is one of its own …
        (
            [(1, X, D(2016, 1, 1), D(2017, 2, 28), None), (1, X, D(2017, 3, 1), D(2018, 2, 28), None)],
            2017,
            {X: 1},
            [],
        ),
        # … one starting on that last day repeats it
        (
            [(1, X, D(2016, 1, 1), D(2017, 3, 1), None), (1, X, D(2017, 3, 1), D(2018, 2, 28), None)],
            2017,
            {X: 0},
            ["duplicate"],
        ),
        (
            [(1, X, D(2017, 1, 1), D(2017, 6, 30), None), (1, X, D(2017, 7, 1), D(2018, 6, 30), None)],
            2017,
            {X: 1},
            ["short"],
        ),  # a six-month contract, then a one-year one from the next day: the second counts
        # other years are context only
        ([(1, X, D(2016, 5, 1), D(2018, 5, 1), None)], 2017, {X: 0}, []),
    ],
)
def test_rule(tmp_path, contracts, year, counted, rules):
    roster = [(pid(n), code, "本科", s, e, t) for n, code, s, e, t in contracts]
    rows = [row("A1", "c13-hire", credit_code=X, eligible_hires=9)]
    rows.append(row("A2", "c13-hire", credit_code=Y, eligible_hires=9))
    _, new, ex, _ = run(tmp_path, roster, year, rows)
    for code, n in counted.items():
        assert hires(new, {X: "A1", Y: "A2"}[code]) == n
    if Y not in {c for _, c, *_ in contracts}:
        assert hires(new, "A2") == 9
    assert ex["rule"].tolist() == rules


@pytest.mark.parametrize(
    ("education", "counts"),
    [("博士", 1), ("硕士研究生", 1), ("大学本科", 1), ("大专", 1), ("高职", 1), ("college", 1), ("中专", 0),
     ("高中", 0), ("初中", 0), ("High school", 0)],
)  # fmt: skip
def test_education(tmp_path, education, counts):
    roster = [(pid(1), X, education, D(2017, 3, 1), D(2018, 3, 1), None)]
    _, new, ex, _ = run(tmp_path, roster)
    assert hires(new, "A1") == counts
    assert ex["rule"].tolist() == ([] if counts else ["education"])


def test_untouched_rows_and_enterprises_without_roster(tmp_path):
    frame, new, ex, r = run(tmp_path, ROSTER)
    before = frame.copy()
    apply_roster(frame, r, 2017)
    pd.testing.assert_frame_equal(frame, before)  # pure: the input frame is not changed
    others = ~frame["application_id"].isin(["A1", "A2", "A5"])
    pd.testing.assert_frame_equal(new[others], frame[others])
    pd.testing.assert_frame_equal(new.drop(columns="eligible_hires"), frame.drop(columns="eligible_hires"))
    assert hires(new, "A3") == 7
    assert new["eligible_hires"].dtype == np.float64
    assert Z not in set(ex["credit_code"])


def test_no_roster_sheet(tmp_path):
    path = write_workbook(tmp_path / "plain.xlsx", apps())
    assert read_roster(path) is None
    frame = read_applications(path, POLICY).frame
    new, ex = apply_roster(frame, None, 2017)
    pd.testing.assert_frame_equal(new, frame)
    assert list(ex.columns) == list(EXCLUSION_COLUMNS) and ex.empty
    assert not hire_counts(frame, None, 2017)["from_roster"].any()


def test_empty_roster_sheet_keeps_declared(tmp_path):
    frame, new, ex, r = run(tmp_path, [])
    assert r is not None and len(r) == 0
    pd.testing.assert_frame_equal(new, frame)
    assert ex.empty


def test_tolerant_headers_and_dates(tmp_path):
    headers = (
        " 人员 编号 ",
        "姓名",
        "统一社会信用代码",
        "合同开始日期（年-月-日）",
        "contract_end",
        "Terminated_On",
    )
    roster = [
        (pid(1), "张三", X, dt.datetime(2017, 3, 1), "2018-03-01", None),
        (pid(2), "李四", X, "2017/3/1", "2018年3月1日", " "),
        (pid(3), "王五", X, 42795, "2018.03.01", None),  # an Excel serial number
        (pid(4), "赵六", X, "20170301", D(2018, 3, 1), "2017-06-30"),
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", apps(), roster, headers=headers, sheet="Roster")
    r = read_roster(path)
    assert r.sheets == ("Roster",)
    assert (r.frame["contract_start"] == pd.Timestamp("2017-03-01")).all()
    assert (r.frame["contract_end"] == pd.Timestamp("2018-03-01")).all()
    assert r.frame["terminated_on"].isna().tolist() == [True, True, True, False]
    assert r.frame["qualified"].all() and r.frame["education"].isna().all()  # no 学历 column: all qualify
    assert "张三" not in r.frame.to_string()  # other columns are never read
    new, ex = apply_roster(read_applications(path, POLICY).frame, r, 2017)
    assert hires(new, "A1") == 4 and ex.empty


def test_headers_say_how_dates_are_written():
    assert HEADERS_ZH == (
        "人员编号",
        "统一社会信用代码",
        "学历",
        "合同开始日期（年-月-日）",
        "合同结束日期（最后一日，年-月-日）",
        "提前解除日期（最后工作日，年-月-日）",
    )
    assert tuple(h.split("（")[0] for h in HEADERS_ZH) == ROSTER_HEADERS  # the bare names, as before


@pytest.mark.parametrize(
    "headers",
    [
        HEADERS_ZH,  # as a template writes them
        ROSTER_HEADERS,  # the bare names
        ("人员编号", "统一社会信用代码", "学历", "合同开始日期(年-月-日)", "*合同结束日期 (最后一日,年-月-日)",
         "提前解除日期（最后工作日）"),  # half-width brackets, a star, spaces, a shorter hint
        ("person_id", "credit_code", "education", "contract_start (yyyy-mm-dd)", "contract_end（last day）",
         "terminated_on (last day worked)"),  # English keys with a suffix
    ],
    ids=["template", "bare", "variants", "english"],
)  # fmt: skip
def test_headers_with_a_bracketed_suffix_are_read(tmp_path, headers):
    roster = [
        (pid(1), X, "本科", D(2017, 3, 1), D(2018, 2, 28), None),  # one year: counts
        (pid(2), X, "本科", D(2017, 3, 1), D(2018, 2, 27), None),  # short
        (pid(3), X, "本科", D(2017, 2, 1), D(2019, 1, 31), D(2017, 2, 28)),  # ended early: counts
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", apps(), roster, headers=headers)
    r = read_roster(path)
    assert r.frame["contract_end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-02-28",
        "2018-02-27",
        "2019-01-31",
    ]
    assert r.frame["terminated_on"].isna().tolist() == [True, True, False]
    new, ex = apply_roster(read_applications(path, POLICY).frame, r, 2017)
    assert hires(new, "A1") == 2 and ex["rule"].tolist() == ["short"]


def test_problems_name_the_header_as_written(tmp_path):
    roster = [(pid(1), X, "本科", D(2017, 3, 1), D(2017, 2, 28), None)]
    path = write_roster_workbook(tmp_path / "apps.xlsx", apps(), roster, headers=HEADERS_ZH)
    (p,) = problems_of(path).problems
    assert (p.row, p.column) == (2, "合同结束日期（最后一日，年-月-日）")
    headers = ("人员编号", "合同开始日期（年-月-日）")
    path = write_roster_workbook(tmp_path / "b.xlsx", apps(), [(pid(1), D(2017, 3, 1))], headers=headers)
    got = problems_of(path).problems
    assert [(p.row, p.column) for p in got] == [(1, "统一社会信用代码"), (1, "合同结束日期")]
    assert "「合同结束日期（最后一日，年-月-日）」" in got[1].expected_zh


def test_end_and_termination_are_last_days(tmp_path):
    roster = [
        (pid(1), X, "本科", D(2017, 3, 1), D(2017, 3, 1), None),  # row 2: a one-day contract: valid, short
        (pid(2), X, "本科", D(2017, 3, 1), D(2017, 2, 28), None),  # 3: ends the day before it starts
        (pid(3), X, "本科", D(2017, 3, 1), D(2018, 2, 28), D(2017, 3, 1)),  # 4: ended on its first day: valid
        (
            pid(4),
            X,
            "本科",
            D(2017, 3, 1),
            D(2018, 2, 28),
            D(2018, 2, 27),
        ),  # 5: the day before the end: valid
        (pid(5), X, "本科", D(2017, 3, 1), D(2018, 2, 28), D(2018, 2, 28)),  # 6: on the end: not early
        (pid(6), X, "本科", D(2017, 3, 1), D(2018, 2, 28), D(2017, 2, 28)),  # 7: before the start
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", apps(), roster)
    err = problems_of(path)
    assert [(p.row, p.column) for p in err.problems] == [
        (3, "合同结束日期"),
        (6, "提前解除日期"),
        (7, "提前解除日期"),
    ]
    end, on_end, before = err.problems
    assert end.expected_zh.startswith("合同结束日期（合同最后一日）2017-02-28 早于合同开始日期 2017-03-01")
    assert "last day 2017-02-28 is before its start 2017-03-01" in end.expected_en
    assert on_end.expected_zh.startswith(
        "提前解除日期（合同最后工作日）2018-02-28 应不早于合同开始日期 2017-03-01，且早于合同结束日期 2018-02-28"
    )
    assert "请留空" in on_end.expected_zh and "leave the cell blank" in on_end.expected_en
    assert "2017-02-28" in before.expected_zh and "before the end 2018-02-28" in before.expected_en
    text = str(err)
    assert "第3行" in text and "第6行" in text and "第7行" in text  # each problem names its row
    ok = roster[:1] + roster[2:4]
    r = read_roster(write_roster_workbook(tmp_path / "ok.xlsx", apps(), ok))
    assert len(r) == 3
    assert judge(r, 2017)["rule"].tolist() == ["short", None, None]


def test_reading_text_states_the_examples():
    for text in ("2017-03-01 至 2018-02-28", "2017-01-01 至 2017-12-31", "为1年", "2017-03-01 至 2018-02-27 不足1年",
                 "提前解除日期为合同最后工作日", "原合同规定的1年期内", "次日开始的不重叠", "含当日"):  # fmt: skip
        assert text in READING_ZH, text
    assert "2017-03-01 to 2018-02-28" in READING_EN and "last day worked" in READING_EN
    assert (
        "合同结束日期（最后一日，年-月-日）" in roster_mod.__doc__
    )  # the docstring's table: the headers written


def _last_day(start: dt.date) -> dt.date:
    """The last day of a contract's first year, by hand: the day before the same date a year on (1 March for
    29 February)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = D(start.year + 1, 3, 1)
    return anniversary - dt.timedelta(days=1)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.dates(D(2015, 1, 1), D(2021, 12, 31)), st.integers(0, 800))
def test_one_year_is_the_first_years_last_day(start, days):
    end = start + dt.timedelta(days=days)
    judged = judge(roster_of([(0, 0, start, end, None, True)]), start.year)
    assert (judged["rule"].item() == "short") == (end < _last_day(start))
    assert anniversary(pd.Series([pd.Timestamp(start)])).item().date() == _last_day(start) + dt.timedelta(
        days=1
    )


def test_person_hash_is_stable_per_workbook_and_keyed(tmp_path):
    roster = [(pid(1), X, "本科", D(2017, 3, 1), D(2018, 3, 1), None)]
    a = write_roster_workbook(tmp_path / "a.xlsx", apps(), roster)
    b = write_roster_workbook(tmp_path / "b.xlsx", apps()[:3], roster)  # same roster, another workbook
    ha, ha2, hb = (read_roster(p).frame["person_hash"].item() for p in (a, a, b))
    key = hashlib.sha256(a.read_bytes()).digest()
    assert ha == ha2 == hmac.new(key, pid(1).encode(), hashlib.sha256).hexdigest()[:16]
    assert hb != ha and len(hb) == 16
    assert ha != hashlib.sha256(pid(1).encode()).hexdigest()[:16]  # not a plain, brute-forceable hash
    assert read_roster(a).sha256 == read_applications(a, POLICY).sha256


def test_same_person_matched_across_spellings(tmp_path):
    spaced = " ".join(pid(1).lower())  # spaces and a lower-case x: the same person
    roster = [
        (pid(1), X, "本科", D(2017, 3, 1), D(2018, 3, 1), None),
        (spaced, Y, "本科", D(2017, 5, 1), D(2018, 5, 1), None),
    ]
    _, new, ex, r = run(tmp_path, roster)
    assert r.frame["person_hash"].nunique() == 1
    assert ex["rule"].tolist() == ["overlap"]


def test_no_clear_id_anywhere(tmp_path):
    frame, new, ex, r = run(tmp_path, ROSTER)
    ids = {pid(n) for n in range(1, 15)}
    tables = [r.frame, ex, new, hire_counts(frame, r, 2017), judge(r, 2017)]
    for table in tables:
        for value in map(str, table.to_numpy().ravel()):
            assert not any(i in value or i.lower() in value for i in ids), value
    text = repr(r) + repr(vars(r)) + "".join(t.to_csv() for t in tables)
    assert not any(i in text for i in ids)


def problems_of(path):
    with pytest.raises(InputError) as info:
        read_roster(path)
    return info.value


def test_bad_roster_lists_every_problem(tmp_path):
    bad_code = X[:-1] + ("0" if X[-1] != "0" else "1")
    roster = [
        (pid(1), X, "本科", D(2017, 3, 1), D(2018, 3, 1), None),  # row 2: fine
        (pid(2), X, "本科", "2017-02-30", D(2018, 3, 1), None),  # 3: no such date
        (pid(3), X, "本科", D(2017, 3, 1), D(2017, 2, 1), None),  # 4: end before start
        (pid(4), bad_code, "本科", D(2017, 3, 1), D(2018, 3, 1), None),  # 5: check character
        (None, X, "本科", D(2017, 3, 1), D(2018, 3, 1), None),  # 6: no person id
        (pid(6), X, "幼儿园老师", D(2017, 3, 1), D(2018, 3, 1), None),  # 7: unknown education
        (220102199001011234, X, "本科", D(2017, 3, 1), D(2018, 3, 1), None),  # 8: id as a number
        (pid(8), X, "本科", D(2017, 3, 1), D(2018, 3, 1), D(2018, 3, 1)),  # 9: terminated on the end
        (pid(9), X, "本科", "明年", D(2018, 3, 1), None),  # 10: not a date
        (pid(10), X, None, D(2017, 3, 1), None, None),  # 11: education and end blank
        (pid(11), X, "大专以下", D(2017, 3, 1), D(2018, 3, 1), None),  # 12: says below, names 大专
    ]
    path = write_roster_workbook(tmp_path / "apps.xlsx", apps(), roster)
    read_applications(path, POLICY)  # the applications themselves are fine
    err = problems_of(path)
    got = [(p.sheet, p.row, p.column, p.value) for p in err.problems]
    assert got == [
        ("人员名单", 3, "合同开始日期", "2017-02-30"),
        ("人员名单", 4, "合同结束日期", dt.datetime(2017, 2, 1)),
        ("人员名单", 5, "统一社会信用代码", bad_code),
        ("人员名单", 6, "人员编号", None),
        ("人员名单", 7, "学历", "幼儿园老师"),
        ("人员名单", 8, "人员编号", None),  # never the id, even a broken one
        ("人员名单", 9, "提前解除日期", dt.datetime(2018, 3, 1)),
        ("人员名单", 10, "合同开始日期", "明年"),
        ("人员名单", 11, "学历", None),
        ("人员名单", 11, "合同结束日期", None),
        ("人员名单", 12, "学历", "大专以下"),
    ]
    assert all(p.file == "apps.xlsx" for p in err.problems)
    assert "日期不存在" in err.problems[0].expected_zh and "2017-03-01" in err.problems[0].expected_zh
    assert "校验码" in err.problems[2].expected_zh
    assert "文本格式" in err.problems[5].expected_zh
    text = str(err)
    assert "11 处问题" in text and not any(pid(n) in text for n in range(1, 12))
    assert "220102199001011234" not in text


def test_missing_columns(tmp_path):
    headers = ("人员编号", "合同开始日期")
    path = write_roster_workbook(tmp_path / "a.xlsx", apps(), [(pid(1), D(2017, 3, 1))], headers=headers)
    got = [(p.row, p.column) for p in problems_of(path).problems]
    assert got == [(1, "统一社会信用代码"), (1, "合同结束日期")]


def test_two_hiring_applications_of_one_enterprise(tmp_path):
    rows = apps() + [row("A6", "c13-hire", credit_code=X, eligible_hires=1)]
    path = write_roster_workbook(tmp_path / "a.xlsx", rows, ROSTER)
    frame = read_applications(path, POLICY).frame
    with pytest.raises(InputError) as info:
        apply_roster(frame, read_roster(path), 2017)
    assert [(p.row, p.value) for p in info.value.problems] == [(2, X), (7, X)]
    assert "A1、A6" in info.value.problems[0].expected_zh


# ------------------------------------------------------------------------ invariants, without a workbook
def roster_of(contracts) -> Roster:
    """A roster without a workbook: (person, enterprise 0–2, start, end, terminated, 大专以上) per contract."""
    person, code, start, end, term, ok = zip(*contracts, strict=True) if contracts else ([],) * 6
    frame = pd.DataFrame(
        {
            "person_hash": pd.Series([f"p{p}" for p in person], dtype=object),
            "credit_code": pd.Series([[X, Y, Z][c] for c in code], dtype=object),
            "education": pd.Series(["本科" if q else "高中" for q in ok], dtype=object),
            "qualified": pd.Series(ok, dtype=bool),
            "contract_start": pd.to_datetime(list(start)).astype("datetime64[ns]"),
            "contract_end": pd.to_datetime(list(end)).astype("datetime64[ns]"),
            "terminated_on": pd.to_datetime(list(term)).astype("datetime64[ns]"),
            "source_sheet": pd.Series(["人员名单"] * len(contracts), dtype=object),
            "source_row": pd.Series(range(2, 2 + len(contracts)), dtype="int64"),
        }
    )
    return Roster(frame, Path("roster.xlsx"), "00" * 32, ("人员名单",))


@st.composite
def contracts(draw):
    out = []
    for _ in range(draw(st.integers(0, 8))):
        start = D(2016, 7, 1) + dt.timedelta(days=draw(st.integers(0, 540)))
        end = start + dt.timedelta(days=draw(st.sampled_from([0, 200, 363, 364, 365, 366, 700])))
        term = None
        if end > start and draw(st.booleans()):
            term = start + dt.timedelta(days=draw(st.integers(0, (end - start).days - 1)))
        ok = draw(st.sampled_from([True, True, True, False]))
        out.append((draw(st.integers(0, 2)), draw(st.integers(0, 2)), start, end, term, ok))
    return out


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(contracts(), st.randoms())
def test_invariants(cs, rnd):
    r = roster_of(cs)
    judged = judge(r, 2017)
    year = judged[judged["in_year"]]
    counted = year[year["rule"].isna()]
    assert counted["person_hash"].is_unique  # no person is paid twice in a year
    assert set(year["rule"].dropna()) <= set(Rule)
    frame = pd.DataFrame(
        {
            "application_id": ["A1", "A2", "A3"],
            "credit_code": [X, Y, Z],
            "item": ["c13-hire"] * 3,
            "eligible_hires": [50.0] * 3,
        }
    )
    new, ex = apply_roster(frame, r, 2017)
    assert len(ex) + len(counted) == len(year)
    shuffled = cs[:]
    rnd.shuffle(shuffled)
    new2, ex2 = apply_roster(frame, roster_of(shuffled), 2017)
    assert new2["eligible_hires"].tolist() == new["eligible_hires"].tolist()  # row order does not matter
    assert sorted(ex2["rule"]) == sorted(ex["rule"])


def test_doctests():
    assert doctest.testmod(roster_mod).failed == 0
