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

_LOOKUP = np.full(256, -1, dtype=np.int16)  # ASCII byte -> the character's value, -1 outside CHARSET
_LOOKUP[np.frombuffer(CHARSET.encode(), dtype=np.uint8)] = np.arange(len(CHARSET))

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


def valid_mask(codes: np.ndarray) -> np.ndarray:
    """Which of ``codes`` (an array of str) are valid codes as written, checked on the whole column.

    The same test as :func:`is_valid` (18 characters from :data:`CHARSET`, right check character),
    done with numpy: at 1,000,000 applications a Python loop over the codes takes seconds.

    >>> valid_mask(np.array(["91350100M000100Y43", "91350100M000100Y44", "9135", "91350100m000100y43"]))
    array([ True, False, False, False])
    """
    ok = np.zeros(len(codes), dtype=bool)
    sized = np.flatnonzero(np.fromiter(map(len, codes.tolist()), dtype=np.int64, count=len(codes)) == LENGTH)
    ascii_ = np.fromiter(map(str.isascii, codes[sized].tolist()), dtype=bool, count=len(sized))
    sized = sized[ascii_]
    raw = np.frombuffer("".join(codes[sized].tolist()).encode("ascii"), dtype=np.uint8)
    values = _LOOKUP[raw.reshape(len(sized), LENGTH)]
    known = (values >= 0).all(axis=1)
    c = 31 - (values[:, : LENGTH - 1] @ np.array(WEIGHTS)) % 31
    ok[sized] = known & (values[:, -1] == np.where(c == 31, 0, c))
    return ok


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


def make_codes(rng: np.random.Generator, divisions: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Random valid codes for whole columns of demo data: :func:`make_code` for many rows at once
    (other draws than one :func:`make_code` per row, the same kinds of code). Not necessarily unique.

    >>> codes = make_codes(np.random.default_rng(0), np.array(["220104", "230100"]), np.array(["91", "52"]))
    >>> [c[:8] for c in codes], bool(valid_mask(codes).all())
    (['91220104', '52230100'], True)
    """
    m = len(divisions)
    charset = np.frombuffer(CHARSET.encode(), dtype=np.uint8)
    newer = rng.random(m) < 0.6  # newer registrations: MA + 6 characters; older: 8 digits
    ma = np.hstack(
        [np.tile(np.frombuffer(b"MA", dtype=np.uint8), (m, 1)), charset[rng.integers(0, 31, (m, 6))]]
    )
    digits = (rng.integers(0, 10, (m, 8)) + ord("0")).astype(np.uint8)
    body = np.where(newer[:, None], ma, digits)
    org = np.where(body >= ord("A"), body.astype(np.int64) - ord("A") + 10, body.astype(np.int64) - ord("0"))
    c = 11 - (org @ np.array(_ORG_WEIGHTS)) % 11  # GB 11714, as _org_code
    org_check = np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), c + ord("0"))).astype(np.uint8)
    head = np.frombuffer(
        "".join(map(str.__add__, kinds.tolist(), divisions.tolist())).encode(), dtype=np.uint8
    )
    first17 = np.hstack([head.reshape(m, 8), body, org_check[:, None]])
    c = 31 - (_LOOKUP[first17] @ np.array(WEIGHTS)) % 31
    codes = np.hstack([first17, charset[np.where(c == 31, 0, c)][:, None]])
    return np.ascontiguousarray(codes).view("S18").ravel().astype(str).astype(object)


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
