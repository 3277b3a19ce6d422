"""Cell values a column at a time (allocator.outputs.cells) give exactly what the per-cell rules give."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.outputs.cells import (
    display_width,
    map_distinct,
    number,
    number_cells,
    text,
    text_cells,
    text_column,
    widest_number,
    widest_text,
)
from allocator.outputs.tables import _cell, csv_texts

FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, -0.3, 0.4, 9.5, -9.5, 999.5, -999.49, 0.005, -0.005, 1e16, 123456.785]
)
INTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
MIXED = st.one_of(
    st.none(), st.text(max_size=6), st.integers(-(10**20), 10**20), FLOATS, st.booleans(), st.just(pd.NA)
)
WORDS = st.sampled_from(["", "ab", "x长", "长春市", "ＡＢ", "abcdefgh", "长春启明软件有限公司", " 朝阳区 "])


def columns():
    """A column as pandas holds it: floats, ints, bools, strings (object or str dtype) or anything."""
    return st.one_of(
        st.lists(FLOATS, max_size=8).map(lambda v: pd.Series(v, dtype="float64")),
        st.lists(INTS, max_size=8).map(lambda v: pd.Series(v, dtype="int64")),
        st.lists(st.booleans(), max_size=8).map(lambda v: pd.Series(v, dtype="bool")),
        st.lists(WORDS, max_size=8).map(lambda v: pd.Series(v, dtype=object)),
        st.lists(WORDS | st.none(), max_size=8).map(lambda v: pd.Series(v, dtype="str")),
        st.lists(MIXED, max_size=8).map(lambda v: pd.Series(v, dtype=object)),
    )


def brute_widest(values: list, digits: int) -> int:
    """What the workbook's column widths counted before: every number cell, formatted."""
    return max((len(f"{v:,.{digits}f}") for v in values if isinstance(v, int | float) and v == v), default=0)


@given(columns(), st.sampled_from([0, 2]))
def test_widest_number_is_the_widest_formatted_cell(values, digits):
    assert widest_number(values, digits) == brute_widest(values.tolist(), digits)


def outcome(fn, *args):
    """A value, or the type of the error raised (put_number refuses pd.NA, and so must its column form)."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


def typed(cells):
    return cells if isinstance(cells, type) else [(type(c), c) for c in cells]


@given(columns())
def test_number_cells_are_put_number(values):
    expected = outcome(lambda: [number(v) for v in values.tolist()])
    assert typed(outcome(number_cells, values)) == typed(expected)  # 2, not 2.0


@given(columns())
def test_text_cells_are_put_text(values):
    assert text_cells(values) == [text(v) or None for v in values.tolist()]


@given(columns())
def test_text_column_is_text_of_each_cell(values):
    assert text_column(values).tolist() == [text(v) for v in values.tolist()]


@given(columns())
def test_csv_texts_are_the_cells_written(values):
    assert csv_texts(values) == [_cell(v) for v in values.tolist()]


@given(st.lists(WORDS, max_size=10), st.none() | st.integers(0, 30))
def test_widest_text_stops_only_past_enough(strings, enough):
    true = max((display_width(s) for s in strings), default=0)
    found = widest_text(strings, enough)
    if enough is None:
        assert found == true
    else:
        assert found <= true and min(found, enough) == min(true, enough)


def test_display_width_counts_wide_characters_twice():
    assert display_width("A0012") == 5
    assert display_width("长春市") == 6
    assert display_width("ＡＢ1") == 5


def test_map_distinct_calls_once_per_value():
    calls = []

    def upper(s):
        calls.append(s)
        return s.upper()

    out = map_distinct(pd.Series(["a", "b", "a", "a"] * 1000, dtype=object), upper)
    assert out.tolist() == ["A", "B", "A", "A"] * 1000
    assert sorted(calls) == ["a", "b"]


@pytest.mark.parametrize("value, expected", [(math.inf, None), ("12", None), (True, 1), (2.0, 2), (2.5, 2.5)])
def test_number(value, expected):
    assert number(value) == expected and type(number(value)) is type(expected)
