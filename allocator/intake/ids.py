"""Keys as a person reads them: one application, one enterprise, one sub-platform however it is typed.

An id that looks the same must be the same id: ``A0001``, ``A0001`` followed by a zero-width space
(U+200B) and the full-width ``Ａ0001`` are one application, and a second row with any of them is a
duplicate, not a second award. So every key — the application id, the credit code, and the fields a
pack shares a cap or a once-only claim by (``cap_per``, ``once_per``: a sub-platform's name) — is
read by :func:`key`:

1. **NFKC** (full-width letters and digits as ASCII, ``（`` as ``(``, the ideographic space as a space);
2. **invisible format characters removed**: every character of Unicode category Cf (zero-width space
   U+200B, zero-width (non-)joiner U+200C/U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD …),
   which no one can see and which copy-paste from web pages and chat tools leaves behind;
3. **refused** when the id holds a line break (LF, CR, VT, FF, NEL, U+2028, U+2029) or a bidirectional
   control (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): these change how the id, and the
   text around it, is shown — an id that reads ``A0001`` on screen may hold something else — so the
   office is told which cell to retype rather than the text silently changed.

A clean ASCII column (every id the template's users type) is checked in one pass over the joined
text; only the other cells are looked at one by one.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

#: Bidirectional controls: embeddings, overrides, isolates and marks.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Line breaks (besides those the text parser's strip has already taken from either end).
BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_REFUSED = re.compile("[" + "".join(sorted(BIDI | BREAKS)) + "]")


class KeyProblem(ValueError):
    """Why a key cannot be read: (Chinese, English)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip()


def key(text: str) -> str:
    """``text`` as a key is compared: NFKC, without format characters; :class:`KeyProblem` for a line
    break or a bidirectional control.

    >>> key("Ａ0001"), key("A0001" + chr(0x200B)), key(chr(0xFEFF) + "A0001")
    ('A0001', 'A0001', 'A0001')
    >>> try:
    ...     key("A0001" + chr(0x202E) + "1000A")
    ... except KeyProblem as why:
    ...     print(why.en)
    holds U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional control that changes how the text is shown; retype the id
    """
    if text.isascii() and text.isprintable():
        return text
    bad = sorted(set(_REFUSED.findall(text)))
    if bad:
        shown = "、".join(_name(c) for c in bad)
        if any(c in BIDI for c in bad):
            raise KeyProblem(
                f"含有 {shown}：这是改变文字显示方向的不可见控制字符，屏幕上看到的编号可能与实际不同；请删除该单元格后重新输入",
                f"holds {shown.replace('、', ', ')}, a bidirectional control that changes how the text is "
                "shown; retype the id",
            )
        raise KeyProblem(
            f"含有换行符（{shown}）：编号、代码不能分行；请删除换行后重新输入",
            f"holds a line break ({shown.replace('、', ', ')}): an id cannot span lines; retype it on one line",
        )
    return fold(text)


def fold(text: str) -> str:
    """``text`` in NFKC without format characters (Unicode category Cf), refusing nothing.

    >>> fold("２２０１０２" + chr(0x200B) + "19900101001x")
    '22010219900101001x'
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def keys(values: np.ndarray) -> tuple[np.ndarray, list[tuple[int, KeyProblem]]]:
    """:func:`key` over a column of parsed values (str or None): the folded column and the positions
    that cannot be read (their value left None)."""
    out = values.copy()
    cells = values.tolist()
    joined = "".join(v for v in cells if isinstance(v, str))
    if joined.isascii() and joined.isprintable():
        return out, []
    bad: list[tuple[int, KeyProblem]] = []
    for i, value in enumerate(cells):
        if not isinstance(value, str) or (value.isascii() and value.isprintable()):
            continue
        try:
            out[i] = key(value)
        except KeyProblem as why:
            out[i] = None
            bad.append((i, why))
    return out, bad
