"""Values as Excel's formulas see them: one value or a range, numbers and text compared as Excel compares
them, the criteria of COUNTIF and SUMIF, and when two computed values are the same."""

from __future__ import annotations

import math
import operator
import re

from .xlsx import XlError

COMPARE = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


class FormulaError(Exception):
    """A formula allocator does not write, or one that cannot be computed (a cycle, #DIV/0! …)."""


class Range(list):
    """The values a range reference covers."""


def is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def one(value: object) -> object:
    if isinstance(value, Range):
        if len(value) != 1:
            raise FormulaError("区域用作单个值 / a range where one value is meant")
        return value[0]
    return value


def flat(values: list) -> list:
    out: list = []
    for v in values:
        out += list(v) if isinstance(v, Range) else [v]
    return out


def is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def num(v: object) -> float:
    if isinstance(v, XlError):
        raise FormulaError(f"引用了错误值 {v} / refers to an error")
    if v is None or v == "":
        return 0
    if isinstance(v, bool | int | float):
        return v
    try:
        return float(str(v))
    except ValueError:
        raise FormulaError(f"文字 {v!r} 用作数字 / text used as a number") from None


def text_of(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def compare(op: str, a: object, b: object) -> bool:
    a = "" if a is None and isinstance(b, str) else 0 if a is None else a
    b = "" if b is None and isinstance(a, str) else 0 if b is None else b
    if isinstance(a, str) and isinstance(b, str):
        return COMPARE[op](a.casefold(), b.casefold())
    if is_num(a) and is_num(b) or isinstance(a, bool) and isinstance(b, bool):
        return COMPARE[op](a, b)
    rank = {str: 1, bool: 2}  # Excel: numbers < text < logical values
    return COMPARE[op](rank.get(type(a), 0), rank.get(type(b), 0))


def _matcher(criterion: object):
    """COUNTIF's criterion as a test of one cell: ``"="&B2``, ``">0"``, ``0``, ``"朝阳区"``."""
    if not isinstance(criterion, str):
        return lambda v: is_num(v) and is_num(criterion) and math.isclose(v, criterion)  # type: ignore[arg-type]
    m = re.match(r"^(<>|<=|>=|=|<|>)?(.*)$", criterion, re.S)
    op, rest = (m[1] or "="), m[2]  # type: ignore[index]
    try:
        number: float | None = float(rest)
    except ValueError:
        number = None
    if number is not None:
        return lambda v: is_num(v) and COMPARE[op](v, number)
    if op in ("=", "<>"):
        if rest == "":
            empty = lambda v: v is None or v == ""  # noqa: E731
            return empty if op == "=" else (lambda v: not empty(v))
        pattern = re.compile(_wildcards(rest), re.I | re.S)
        hit = lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None  # noqa: E731
        return hit if op == "=" else (lambda v: not hit(v))
    return lambda v: isinstance(v, str) and COMPARE[op](v.casefold(), rest.casefold())


def _wildcards(text: str) -> str:
    out, k = [], 0
    while k < len(text):
        ch = text[k]
        if ch == "~" and k + 1 < len(text):
            out.append(re.escape(text[k + 1]))
            k += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        k += 1
    return "".join(out)


def conditional(name: str, values: list) -> object:
    if name in ("SUMIF", "COUNTIF"):
        if name == "SUMIF" and len(values) == 3:
            pairs, total = [(values[0], values[1])], values[2]
        elif len(values) == 2:
            pairs, total = [(values[0], values[1])], values[0] if name == "SUMIF" else None
        else:
            raise FormulaError(f"{name} 的参数个数不对 / wrong number of arguments")
    elif name == "SUMIFS" and len(values) >= 3 and len(values) % 2 == 1:
        total, pairs = values[0], list(zip(values[1::2], values[2::2], strict=True))
    elif name == "COUNTIFS" and values and len(values) % 2 == 0:
        pairs, total = list(zip(values[0::2], values[1::2], strict=True)), None
    else:
        raise FormulaError(f"{name} 的参数个数不对 / wrong number of arguments")
    ranges = [r if isinstance(r, Range) else Range([r]) for r, _ in pairs]
    tests = [_matcher(one(c)) for _, c in pairs]
    n = len(ranges[0])
    if any(len(r) != n for r in ranges) or (total is not None and len(flat([total])) != n):
        raise FormulaError(f"{name} 的区域大小不一 / ranges of different sizes")
    hits = [all(t(r[k]) for r, t in zip(ranges, tests, strict=True)) for k in range(n)]
    if total is None:
        return sum(hits)
    return sum(v for v, h in zip(flat([total]), hits, strict=True) if h and is_num(v))


def same(a: object, b: object) -> bool:
    """Cell values equal as a reader sees them: numbers to 1e-9 relative, text exactly."""
    if is_num(a) and is_num(b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b
