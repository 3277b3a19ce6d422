import doctest

import numpy as np
import pytest

from allocator.intake import creditcode
from allocator.intake.creditcode import CHARSET, check_digit, is_valid, make_code

# 91350100M000100Y43, by hand. Values: digits as themselves, M = 21, Y = 30 (index in CHARSET).
#   chars    9  1  3  5   0  1   0  0  M   0  0  0  1  0  0  Y   4
#   weights  1  3  9  27  19 26  16 17 20  29 25 13 8  24 10 30  28
#   products 9  3  27 135 0  26  0  0  420 0  0  0  8  0  0  900 112   -> sum 1640
#   1640 mod 31 = 28; 31 - 28 = 3 -> check character '3'
KNOWN_VALID = ["91350100M000100Y43", "91220101MA14X0AB18", "91110108551385082Q", "91440300708461136T"]


def test_weights_are_powers_of_three_mod_31():
    assert list(creditcode.WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    assert len(CHARSET) == 31 and not set("IOZSV") & set(CHARSET)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid(code):
    assert is_valid(code)
    assert check_digit(code[:17]) == code[17]
    assert creditcode.problem(code) is None


def test_hand_computed_check_digit():
    assert check_digit("91350100M000100Y4") == "3"


def test_remainder_zero_gives_zero():
    # find a body whose weighted sum is 0 mod 31: the check character is then '0', not 31
    body = "00000000000000000"
    assert check_digit(body) == "0"


@pytest.mark.parametrize("last", [c for c in CHARSET if c != "3"])
def test_wrong_check_digit(last):
    assert not is_valid("91350100M000100Y4" + last)


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "a", "-"])
def test_bad_characters(bad):
    code = "9135010" + bad + "M000100Y43"
    assert not is_valid(code)
    zh, en = creditcode.problem(code)
    assert bad in zh and "outside" in en
    with pytest.raises(ValueError):
        check_digit(code[:17])


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y433", None, 913501001])
def test_wrong_length_or_type(code):
    assert not is_valid(code)


def test_problem_messages():
    assert creditcode.problem("9135") == ("应为18位，实为4位", "must be 18 characters, got 4")
    zh, en = creditcode.problem("91350100M000100Y44")
    assert "应为 3" in zh and "expected 3, got 4" in en


def test_make_code_is_valid_and_seeded():
    rng = np.random.default_rng(7)
    codes = [make_code(rng, "220104") for _ in range(500)]
    assert all(is_valid(c) for c in codes)
    assert all(c.startswith("91220104") for c in codes)
    assert len(set(codes)) == 500
    again = np.random.default_rng(7)
    assert codes[:5] == [make_code(again, "220104") for _ in range(5)]
    assert make_code(rng, kind="52").startswith("52220100")


def test_doctests():
    assert doctest.testmod(creditcode).failed == 0
