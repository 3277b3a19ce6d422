"""What a workbook's formulas compute, from its plain values: ``allocator verify`` never trusts a cached value.

A formula's cached value is what a viewer shows until it recalculates; allocator's workbooks ask for a
recalculation on open, so Excel, WPS and LibreOffice then show what the formula computes. A formula whose
cached value is not what it computes is therefore tampering, whichever of the two a reader sees.

The evaluator knows the formulas allocator writes (:mod:`allocator.outputs.xlsx_summary`,
:mod:`~allocator.outputs.xlsx_lists`, :mod:`~allocator.outputs.xlsx_groups`): numbers, text, cell and
range references (``'拟支持名单'!$K$2:$K$131``), ``+ - * / ^ &``, comparisons, and ``SUM``, ``COUNTA``,
``COUNT``, ``COUNTIF``, ``COUNTIFS``, ``SUMIF``, ``SUMIFS``, ``IF``, ``ROUND``, ``ROUNDDOWN``, ``ROUNDUP``,
``MIN``, ``MAX``, ``ABS``. A reference to a cell holding a formula is that formula computed, not its
cached value. Anything else raises :class:`FormulaError` — allocator does not write it.
"""

from __future__ import annotations

import operator
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from .excel_values import (
    COMPARE,
    FormulaError,
    Range,
    compare,
    conditional,
    flat,
    is_num,
    is_number_text,
    num,
    one,
    text_of,
)
from .xlsx import Book, Cell, column_number

TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*)!)?
        \$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?)(?![\w(])
  | (?P<num>[0-9]+(?:\.[0-9]*)?(?:[Ee][+-]?[0-9]+)?)
  | (?P<fn>[A-Z][A-Z0-9.]*)\s*\(
  | (?P<bool>TRUE|FALSE)(?![\w(])
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
    )""",
    re.VERBOSE,
)
CELL = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")
MAX_RANGE = 5_000_000  # cells one reference may cover


def tokens(formula: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = formula.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError(f"无法解析 / cannot parse: {text[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent into a small tree: ("num", v) ("str", v) ("ref", text) ("fn", name, args)
    ("op", symbol, left, right) ("neg", x) ("pct", x)."""

    LEVELS = (("=", "<>", "<", ">", "<=", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",))

    def __init__(self, formula: str) -> None:
        self.toks = tokens(formula)
        self.k = 0

    def parse(self):
        tree = self.binary(0)
        if self.k != len(self.toks):
            raise FormulaError(f"多余的内容 / trailing text: {self.toks[self.k][1]!r}")
        return tree

    def peek(self) -> tuple[str, str]:
        return self.toks[self.k] if self.k < len(self.toks) else ("end", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end" or (text is not None and tok[1] != text):
            raise FormulaError(f"应为 {text!r} / expected {text!r}")
        self.k += 1
        return tok

    def binary(self, level: int):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self.LEVELS[level]:
            op = self.take()[1]
            left = ("op", op, left, self.binary(level + 1))
        return left

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        node = self.atom()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("num", text == "TRUE")
        if kind == "ref":
            return ("ref", text)
        if kind == "fn":
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.binary(0))
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.binary(0))
            self.take(")")
            return ("fn", text, args)
        if (kind, text) == ("op", "("):
            node = self.binary(0)
            self.take(")")
            return node
        raise FormulaError(f"意外的 {text!r} / unexpected {text!r}")


class Evaluator:
    """Compute formulas of ``book``; a referenced formula is computed in turn (cycles refused)."""

    def __init__(self, book: Book) -> None:
        self.sheets = {s.name: s for s in book.sheets}
        self.done: dict[tuple[str, int, int], object] = {}
        self.busy: set[tuple[str, int, int]] = set()
        self.ranges: dict[tuple, Range] = {}  # the lists' columns are summed by many formulas
        self.indexes: dict[int, dict] = {}  # id(range) → {value: positions}, for COUNTIF/SUMIF "="&…

    def cell(self, sheet: str, row: int, col: int) -> object:
        key = (sheet, row, col)
        if key in self.done:
            return self.done[key]
        if sheet not in self.sheets:
            raise FormulaError(f"没有工作表「{sheet}」/ no sheet {sheet!r}")
        cell: Cell | None = self.sheets[sheet].cells.get((row, col))
        if cell is None or cell.formula is None:
            return None if cell is None else cell.value
        if key in self.busy:
            raise FormulaError("循环引用 / a circular reference")
        self.busy.add(key)
        try:
            value = self.formula(sheet, cell.formula)
        finally:
            self.busy.discard(key)
        self.done[key] = value
        return value

    def formula(self, sheet: str, text: str) -> object:
        if not text.strip():
            raise FormulaError("共享公式或空公式，本工具不写 / a shared or empty formula")
        value = self.eval(_Parser(text).parse(), sheet)
        if isinstance(value, Range):
            raise FormulaError("公式的结果是一个区域 / the formula gives a range")
        return value

    def eval(self, node, sheet: str) -> object:
        kind = node[0]
        if kind in ("num", "str"):
            return node[1]
        if kind == "ref":
            return self.ref(node[1], sheet)
        if kind == "neg":
            return -num(self.scalar(node[1], sheet))
        if kind == "pct":
            return num(self.scalar(node[1], sheet)) / 100
        if kind == "op":
            return self.op(node[1], self.scalar(node[2], sheet), self.scalar(node[3], sheet))
        return self.function(node[1], node[2], sheet)

    def scalar(self, node, sheet: str) -> object:
        value = self.eval(node, sheet)
        if isinstance(value, Range):
            if len(value) != 1:
                raise FormulaError("区域用作单个值 / a range where one value is meant")
            return value[0]
        return value

    def ref(self, text: str, sheet: str) -> object:
        if "!" in text:
            name, text = text.rsplit("!", 1)
            sheet = name[1:-1].replace("''", "'") if name.startswith("'") else name
        ends = [CELL.fullmatch(p) for p in text.split(":")]
        (r1, c1), (r2, c2) = [(int(m[2]), column_number(m[1])) for m in (ends[0], ends[-1])]  # type: ignore[index]
        if ":" not in text:
            return self.cell(sheet, r1, c1)
        if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > MAX_RANGE:
            raise FormulaError("区域过大 / the range is too big")
        key = (sheet, min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2))
        if key not in self.ranges:
            rows = range(key[1], key[2] + 1)
            cols = range(key[3], key[4] + 1)
            self.ranges[key] = Range(self.cell(sheet, r, c) for r in rows for c in cols)
        return self.ranges[key]

    def op(self, op: str, a: object, b: object) -> object:
        if op == "&":
            return text_of(a) + text_of(b)
        if op in COMPARE:
            return compare(op, a, b)
        x, y = num(a), num(b)
        if op == "/" and y == 0:
            raise FormulaError("除以零 / division by zero")
        return {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}.get(
            op, operator.pow
        )(x, y)

    def function(self, name: str, args: list, sheet: str) -> object:
        if name == "IF":
            if not 2 <= len(args) <= 3:
                raise FormulaError("IF 的参数个数不对 / IF takes 2 or 3 arguments")
            test = self.scalar(args[0], sheet)
            if num(test):
                return self.scalar(args[1], sheet)
            return self.scalar(args[2], sheet) if len(args) == 3 else False
        values = [self.eval(a, sheet) for a in args]
        if name in ("SUM", "MIN", "MAX", "COUNT"):
            nums = [v for v in flat(values) if is_num(v)]
            if name == "COUNT":
                return len(nums)
            if name == "SUM":
                return sum(nums)
            return (min if name == "MIN" else max)(nums) if nums else 0
        if name == "COUNTA":
            return sum(v is not None and v != "" for v in flat(values))
        if name in ("COUNTIF", "SUMIF") and len(values) in (2, 3):
            fast = self.indexed(name, values)
            if fast is not None:
                return fast
        if name in ("COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS"):
            return conditional(name, values)
        if name in ("ROUND", "ROUNDDOWN", "ROUNDUP") and len(values) == 2:
            mode = {"ROUND": ROUND_HALF_UP, "ROUNDDOWN": ROUND_DOWN, "ROUNDUP": ROUND_UP}[name]
            digits = int(num(one(values[1])))
            q = Decimal(1).scaleb(-digits)
            out = float(Decimal(repr(float(num(one(values[0]))))).quantize(q, rounding=mode))
            return int(out) if out.is_integer() else out
        if name == "ABS" and len(values) == 1:
            return abs(num(one(values[0])))
        raise FormulaError(f"本工具不写函数 {name} / allocator writes no {name}")

    def indexed(self, name: str, values: list) -> object | None:
        """COUNTIF/SUMIF with an exact text criterion (``"="&$B2``, no wildcard) through an index of the
        range, built once: the per-item and per-district rows then cost one look-up each. None: not that."""
        where, crit = values[0], one(values[1])
        total = values[2] if len(values) == 3 else where
        if not (isinstance(where, Range) and isinstance(crit, str) and crit.startswith("=")):
            return None
        text = crit[1:]
        if not text or any(ch in text for ch in "*?~") or is_number_text(text):
            return None
        if name == "SUMIF" and not (isinstance(total, Range) and len(total) == len(where)):
            return None
        index = self.indexes.get(id(where))
        if index is None:
            index = {}
            for k, v in enumerate(where):
                if isinstance(v, str):
                    index.setdefault(v.casefold(), []).append(k)
            self.indexes[id(where)] = index
        hits = index.get(text.casefold(), [])
        if name == "COUNTIF":
            return len(hits)
        return sum(v for v in (total[k] for k in hits) if is_num(v))  # type: ignore[index]
