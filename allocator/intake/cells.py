"""What a cell of each kind may hold: the per-cell rules, and the same rules on whole columns.

The per-cell parsers (:func:`parse_number`, :func:`_bool`, :func:`parse_code`, :func:`parse_text`) take one value as
the file holds it and return the frame's value, or raise :class:`CellProblem` with the reason in Chinese and
English. They are the rules and the source of every cell message.

:func:`parse_column` applies them to a column at once, because at 100,000 rows and more a Python call
per cell is most of the time intake takes. The cells that are already what the frame wants — numbers
that are numbers, plain digit strings, non-blank text, clean credit codes, 是/否 — are checked and
converted with numpy; every other cell goes through its per-cell parser. The fast path only ever
accepts a cell the parser would accept with the same value, so values and messages are exactly the
per-cell ones, whichever path a cell took.

What no cell may hold, whatever its kind: an Excel error value (``#DIV/0!``, ``#REF!`` … — an
:class:`ExcelError` from a workbook's error cell, or that text in any text cell) and a formula saved
without its result (:class:`Uncached`). A text cell must also be free of control characters (C0 but
tab, LF and CR; DEL) and hold fewer than :data:`MAX_TEXT` characters (Excel's cell limit: a longer
one is cut short by calamine as it reads, or would be by whatever writes it next, so a text at the
limit may already have lost its end), and of the bidirectional overrides, embeddings and isolates
(U+202A–U+202E, U+2066–U+2069), which make text show other than it is. A number is at most
:data:`MAX_NUMBER` (after a unit such as 万元 is applied): 10^12 yuan (一万亿元) is more than a whole
province spends in a year; an integer at the int64 limit or a float of 1e308 is refused as such, never
overflowing. A number written as text holds only plain digits: ASCII, or full-width (``１２３`` is 123,
as NFKC folds it); a superscript, subscript or circled digit, a fraction or another script's digits
(``10²``, ``①``, ``٣``) are refused with the character named — NFKC would have read ``10²`` as 102.
Excel's own number cells, Parquet numbers and decimals are numbers as they are. A Parquet cell of a
nested or binary type (:class:`Nested`: a list, a struct, a map) is no value of any kind.
"""

from __future__ import annotations

import decimal
import math
import re
import unicodedata

from . import creditcode
from . import ids as intake_ids

#: Units a header may name, per kind, and the factor to the frame's unit (yuan, USD, m², people, months).
UNITS: dict[str, dict[str, float]] = {
    "yuan": {"元": 1, "人民币元": 1, "yuan": 1, "cny": 1, "rmb": 1, "万元": 10_000},
    "usd": {"美元": 1, "usd": 1, "us$": 1, "$": 1, "万美元": 10_000},
    "area": {"平方米": 1, "平米": 1, "㎡": 1, "m2": 1, "m²": 1, "sqm": 1},
    "count": {"人": 1, "名": 1, "个": 1},
    "months": {"月": 1, "个月": 1},
    "score": {"分": 1},
}
TEXT_KINDS = frozenset({"text", "item", "code"})
YESNO = dict.fromkeys(("是", "y", "yes", "true", "1", "√", "✓", "✔"), 1.0) | dict.fromkeys(
    ("否", "n", "no", "false", "0", "×", "✗", "✘"), 0.0
)
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+", re.ASCII)
# A string the fast path may read with float(): ASCII digits, at most one inner point. Every such string
# is a number to parse_number too (no sign, separator, unit or space to strip), with the same value.
PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")


MAX_TEXT = 32_767  # characters in one Excel cell
MAX_NUMBER = 1e12
#: Excel's error values, as a cell shows them.
ERROR_VALUES = frozenset(
    "#NULL! #DIV/0! #VALUE! #REF! #NAME? #NUM! #N/A #GETTING_DATA #SPILL! #CALC! #FIELD! #BLOCKED! "
    "#CONNECT! #BUSY! #UNKNOWN!".split()
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069#]")
# What the number part of a text cell may hold besides ASCII: full-width forms (U+FF01–U+FF5E: digits,
# ，．＋－), the ideographic space and the yuan signs; anything else that is a digit to Unicode is refused.
_SPACED = re.compile(r"[0-9][0-9,.]*\s+[0-9][0-9\s,.]*", re.ASCII)  # digits with spaces among them
_GROUPED = re.compile(r"[0-9]{1,3}(?:\s+[0-9]{3})+(?:\.[0-9]+)?\s*", re.ASCII)  # 1 200 000, 1 200.5
_WIDE = frozenset(chr(c) for c in range(0xFF01, 0xFF5F)) | frozenset("\u3000\u00a5\uffe5")
# 9.12345678901234E+17: a credit code Excel took for a number, as its CSV export writes it
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.ASCII)
_WAN = re.compile(r"(.+?)万元?")


class ExcelError(str):
    """An error cell of a workbook (``#DIV/0!``, ``#REF!`` …), as its text."""


class Uncached(str):
    """A formula cell saved without its result (its formula text): nothing to read."""


class Nested(str):
    """A Parquet cell of a nested or binary type (a list, a struct, a map …), as its text, and the
    column's type in :attr:`type`: no value of any kind."""

    type = ""

    def __new__(cls, text: str, type_: str) -> Nested:
        out = super().__new__(cls, text)
        out.type = type_
        return out


class CellProblem(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def refuse_formula(value: object, what_zh: str, what_en: str) -> None:
    """Raise for a formula without a result or an Excel error value, whatever the column wants."""
    if isinstance(value, Uncached):
        raise CellProblem(
            "公式没有计算结果（缓存值），请在 Excel 中打开并保存后再导入",
            "the formula has no computed (cached) result: open the file in Excel, save it and import it again",
        )
    if isinstance(value, Nested):
        raise CellProblem(
            f"Parquet 列的类型是 {value.type}（列表、结构等嵌套或二进制类型），单元格不是单个值；"
            "请在导出时把该列存为普通的文本或数字列",
            f"the Parquet column's type is {value.type} (nested or binary: a list, a struct …), so the cell "
            "holds no single value; export the column as plain text or numbers",
        )
    if isinstance(value, str) and value.strip() in ERROR_VALUES:
        raise CellProblem(
            f"单元格是 Excel 错误值 {value.strip()}（公式出错），{what_zh}；请修正公式或填入值",
            f"the cell is the Excel error {value.strip()} (a broken formula), {what_en}; fix it or type the value",
        )


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: object, kind: str = "text", scale: float = 1) -> str:
    refuse_formula(value, "不是有效文本", "not text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if len(text) >= MAX_TEXT:  # calamine cuts a longer cell to MAX_TEXT: at the limit, it may have been cut
        raise CellProblem(
            f"文本长 {len(text):,} 个字符，达到或超过 Excel 单元格上限 {MAX_TEXT:,}（超出的部分已被或将被截掉）",
            f"{len(text):,} characters, at or over an Excel cell's limit of {MAX_TEXT:,} (the rest is or "
            "would be cut off)",
        )
    bad = sorted(set(_CONTROL.findall(text)))
    if bad:
        shown = "、".join(f"U+{ord(c):04X}" for c in bad)
        if all(c in intake_ids.BIDI for c in bad):
            raise CellProblem(
                f"含有改变文字显示方向的不可见控制字符 {shown}，屏幕上看到的文字可能与实际不同；请删除后重新输入",
                f"holds bidirectional control(s) {shown.replace('、', ', ')}, which make the text show other "
                "than it is; delete them and type the text again",
            )
        raise CellProblem(
            f"含有不可见的控制字符 {shown}；请删除后重新输入（常见于从网页或其他系统复制的文字）",
            f"holds control character(s) {shown.replace('、', ', ')}; delete them and type the text again",
        )
    return text


def parse_number(value: object, kind: str, scale: float) -> float:
    refuse_formula(value, "不是数字", "not a number")
    if isinstance(value, bool):
        raise CellProblem("是/否值不能作为数字", "a yes/no value is not a number")
    if isinstance(value, int | float | decimal.Decimal):
        x = _float(value)
    elif isinstance(value, str):
        x = _float(_numeral(value, kind, scale))
    else:
        raise CellProblem(f"不是数字（{type(value).__name__}）", f"not a number ({type(value).__name__})")
    if not math.isfinite(x):
        raise CellProblem("不是有限的数字", "not a finite number")
    if x < 0:
        raise CellProblem("不能为负数", "must not be negative")
    if scale != 1:
        x = round(x * scale, 2)
    if x > MAX_NUMBER:
        shown = f"{x:,.0f}" if x < 1e16 else f"{x:.3e}"
        raise CellProblem(
            f"数值 {shown} 大得不合理（超过 1 万亿）", f"{shown} is implausibly large (over 10^12)"
        )
    if kind in ("count", "months") and not x.is_integer():
        raise CellProblem("应为整数", "must be a whole number")
    if kind == "months" and x > 12:
        raise CellProblem("超过12个月", "more than 12 months")
    if kind == "score" and x > 100:
        raise CellProblem("超过100分", "more than 100")
    return x


def _float(value: object) -> float:
    """A number as a float; inf for one beyond float's range (an int of 400 digits), never an error."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _numeral(value: str, kind: str, scale: float) -> str:
    """The number a text cell writes, as ASCII (``１，２００元`` under （元） -> ``1200``), or :class:`CellProblem`.

    The unit the header names may end it (``m²`` and ``㎡`` under an area in m²); before it, only plain
    digits count: a character that is a digit or number to Unicode but neither ASCII nor full-width
    (``²``, ``₂``, ``①``, ``½``, ``٣``) is refused, as NFKC would fold ``10²`` into 102."""
    for run in _SPACED.finditer(unicodedata.normalize("NFKC", value)):
        if not _GROUPED.fullmatch(run.group()):
            raise CellProblem(
                f"不是数字：数字之间有空格（{run.group()}），只有按三位分组的写法（如 1 200 000）才读作一个数；"
                "请删除多余的空格",
                f"not a number: digits separated by spaces ({run.group()!r}) that are no thousands groups "
                "(as in 1 200 000); delete the spaces",
            )
    raw = "".join(value.split())
    s = unicodedata.normalize("NFKC", raw).lower().lstrip("¥$")  # １２００ -> 1200
    units = [u for u, f in UNITS.get(kind, {}).items() if f == scale]  # "1,200,000元" under （元）
    for unit in sorted(units, key=len, reverse=True):
        if s.endswith(unit):
            s = s[: -len(unit)]
            raw = next((raw[:-k] for k in range(1, len(raw) + 1) if _folded(raw[-k:]) == unit), raw)
            break
    plain_digits(raw, "不是数字", "not a number")
    if not _NUMBER.fullmatch(s):
        _wan(s, kind, scale)
        raise CellProblem("不是数字", "not a number")
    return s.replace(",", "")


def plain_digits(text: str, what_zh: str, what_en: str) -> None:
    """Raise :class:`CellProblem` if ``text`` holds a character that is a digit or number to Unicode but is
    neither ASCII nor full-width (``²``, ``₂``, ``①``, ``½``, ``Ⅻ``, ``٣``): text read with NFKC must
    not turn ``10²`` into 102."""
    odd = sorted(
        {c for c in text if not c.isascii() and c not in _WIDE and unicodedata.category(c)[0] == "N"}
    )
    if odd:
        zh = "、".join(f"「{c}」（U+{ord(c):04X} {unicodedata.name(c, '')}）" for c in odd)
        en = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '')})" for c in odd)
        raise CellProblem(
            f"{what_zh}：{zh}不是普通数字（上标、下标、带圈数字、分数或其他文字的数字）；请只用 0–9 重新输入",
            f"{what_en}: {en} is no plain digit (a superscript, subscript, circled digit, fraction or "
            "another script's digit); type it with 0-9 only",
        )


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _wan(s: str, kind: str, scale: float) -> None:
    """Raise for 12万 under a column in yuan: not read (the header says yuan), but the message says what
    to write instead."""
    m = _WAN.fullmatch(s)
    if scale != 1 or kind not in ("yuan", "usd") or not m or not _NUMBER.fullmatch(m.group(1)):
        return
    x = float(m.group(1).replace(",", "")) * 10_000
    raise CellProblem(
        f"不是数字：本列以元为单位，不能写「万」；应写 {x:,.0f}，或把表头改为带（万元）的写法",
        f"not a number: this column is in yuan, not 万 (10,000); write {x:,.0f}, or head the column (万元)",
    )


def _bool(value: object, kind: str = "bool", scale: float = 1) -> float:
    refuse_formula(value, "不是是/否值", "not a yes/no value")
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        if value in (0, 1):
            return float(value)
        raise CellProblem("不是是/否值", "not a yes/no value")
    s = "".join(str(value).split()).lower()
    if s in YESNO:
        return YESNO[s]
    raise CellProblem("不是是/否值", "not a yes/no value")


def parse_code(value: object, kind: str = "code", scale: float = 1) -> str:
    refuse_formula(value, "不是统一社会信用代码", "not a credit code")
    scientific = isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip().upper())
    if (isinstance(value, int | float) and not isinstance(value, bool)) or scientific:
        raise CellProblem(
            "统一社会信用代码被存成了数字，已丢失精度（Excel 数字只保留 15 位有效数字，18 位代码的末几位已丢失，"
            "无法还原）；请把该列设为文本格式后按原件重新输入",
            "the credit code was stored as a number and has lost precision (Excel keeps 15 significant "
            "digits; the last digits of an 18-character code are gone); format the column as text and "
            "re-enter it",
        )
    try:  # one enterprise however typed: full-width as ASCII, no zero-width characters
        code = "".join(intake_ids.key(str(value).strip()).split()).upper()
    except intake_ids.KeyProblem as why:
        raise CellProblem(why.zh, why.en) from None
    why = creditcode.problem(code)
    if why is not None:
        raise CellProblem(*why)
    return code


PARSERS = {"text": parse_text, "code": parse_code, "bool": _bool} | dict.fromkeys(UNITS, parse_number)
