import numpy as np
import pytest

from allocator.policy.expr import ExprError, parse

NAMES = {"a", "b", "flag"}


@pytest.mark.parametrize(
    "text",
    [
        "a.__class__",  # attribute
        "__import__('os')",  # call of a non-whitelisted name, string constant
        "open('x')",
        "a[0]",  # subscript
        "lambda: 1",
        "'text' == a",
        "[a, b]",
        "a if b else 1",
        "c > 1",  # unknown name
        "min(a)",  # wrong arity
        "min(a, b, key=1)",
        "",
        "a >",  # syntax
    ],
)
def test_rejects_anything_outside_the_language(text):
    with pytest.raises(ExprError):
        parse(text, NAMES)


def test_arithmetic_comparison_and_functions_on_columns():
    env = {
        "a": np.array([1.0, 5.0, np.nan]),
        "b": np.array([2.0, 2.0, 2.0]),
        "flag": np.array([1.0, 0.0, np.nan]),
    }
    assert parse("min(a * 2, 4)", NAMES).evaluate(env)[:2].tolist() == [2.0, 4.0]
    assert parse("a >= 5", NAMES).truth(env).tolist() == [False, True, False]  # NaN compares false
    assert parse("flag", NAMES).truth(env).tolist() == [True, False, False]  # blank is no
    assert parse("not flag", NAMES).truth(env).tolist() == [False, True, True]
    assert parse("fill(a, 0) + b", NAMES).evaluate(env).tolist() == [3.0, 7.0, 2.0]
    assert np.isnan(parse("max(a, 0)", NAMES).evaluate(env)[2])  # blank basis stays blank
    assert parse("1 < b <= 2 and (a > 0 or flag)", NAMES).truth(env).tolist() == [True, True, False]
    assert parse("a > 30_000", NAMES).names == frozenset({"a"})
