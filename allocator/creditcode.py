"""The unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters from a 31-character set (digits and capital letters without I, O, Z, S, V):

=========  ==================================================================
position   meaning
=========  ==================================================================
1          registration authority (9 = 工商, 5 = 民政, …)
2          organisation type (1 = 企业 under 工商; 1/2/… under 民政)
3–8        administrative division (220102 = 长春市南关区)
9–17       organisation code (GB 11714, with its own check character in 17)
18         check character over positions 1–17
=========  ==================================================================

Check character: with each character's value ``v_i`` (its index in :data:`CHARSET`) and the weights
``w_i = 3**(i-1) mod 31`` (1, 3, 9, 27, 19, 26, …), ``c = 31 − (Σ v_i·w_i mod 31)``; ``c = 31`` becomes
0; the check character is ``CHARSET[c]``.

>>> check_digit("91350100M000100Y4")
'3'
>>> is_valid("91350100M000100Y43")
True
>>> is_valid("91350100M000100Y44")
False
"""

from __future__ import annotations

import numpy as np

#: The 31 characters a code may hold, in value order (GB 32100-2015, table 1).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES: dict[str, int] = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# GB 11714 organisation code (positions 9–17): weights over its first 8 characters, check = 11 − Σ mod 11.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = CHARSET  # letters limited to those the credit code allows


def check_digit(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code.

    Raises :class:`ValueError` for a wrong length or a character outside :data:`CHARSET`.

    >>> check_digit("91220101MA14X0AB1")
    '8'
    """
    if len(first17) != LENGTH - 1:
        raise ValueError(f"需要17位，实为{len(first17)}位 / need 17 characters, got {len(first17)}")
    total = 0
    for ch, weight in zip(first17, WEIGHTS, strict=True):
        value = VALUES.get(ch)
        if value is None:
            raise ValueError(f"字符 {ch!r} 不在代码字符集中 / character {ch!r} is not allowed")
        total += value * weight
    c = 31 - total % 31
    return CHARSET[0 if c == 31 else c]


def is_valid(code: str) -> bool:
    """True for an 18-character code from :data:`CHARSET` with the right check character.

    >>> is_valid("91220101MA14X0AB18"), is_valid("91220101MA14X0AB1B"), is_valid("9122010")
    (True, False, False)
    """
    if not isinstance(code, str) or len(code) != LENGTH or any(ch not in VALUES for ch in code):
        return False
    return check_digit(code[:17]) == code[17]


def problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid code, as (Chinese, English), or None when it is valid.

    >>> problem("91220101MA14X0AB1B")[1]
    'wrong check character: expected 8, got B'
    """
    if len(code) != LENGTH:
        return (f"应为18位，实为{len(code)}位", f"must be 18 characters, got {len(code)}")
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        shown = "、".join(bad)
        return (
            f"含有不允许的字符 {shown}（不使用 I、O、Z、S、V 和小写字母）",
            f"holds character(s) {', '.join(bad)} outside the code's set (no I, O, Z, S, V or lower case)",
        )
    want = check_digit(code[:17])
    if want != code[17]:
        return (
            f"校验码错误：应为 {want}，实为 {code[17]}",
            f"wrong check character: expected {want}, got {code[17]}",
        )
    return None


def _org_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters and their check character (0–9 or X)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))  # A = 10 … Z = 35
    c = 11 - total % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def make_code(rng: np.random.Generator, division: str = "220100", kind: str = "91") -> str:
    """A random valid code for test and demo data: ``kind`` (91 = company, 52 = 民办非企业单位,
    51 = 社会团体), the 6-digit ``division``, a GB 11714 organisation code and the check character.

    >>> code = make_code(np.random.default_rng(0), "220104")
    >>> code[:8], is_valid(code)
    ('91220104', True)
    """
    if len(kind) != 2 or len(division) != 6:
        raise ValueError("kind 为2位、division 为6位 / kind must be 2 and division 6 characters")
    if rng.random() < 0.6:  # newer registrations: MA + 6 characters
        body = "MA" + "".join(_ORG_CHARS[i] for i in rng.integers(0, 31, size=6))
    else:  # older organisation codes: 8 digits
        body = "".join(str(d) for d in rng.integers(0, 10, size=8))
    first17 = kind + division + _org_code(body)
    return first17 + check_digit(first17)
