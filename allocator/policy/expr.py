"""A small expression language for policy conditions and amount formulas.

Policy packs write conditions and formulas as text (``registered_capital >= 20_000_000``,
``min(500 * purchase_area_m2, 5_000_000)``). The text is parsed with :mod:`ast` and every node is
checked against a whitelist before anything is evaluated; there is no ``eval`` and no ``pandas.eval``.
Evaluation runs on whole numpy columns.

Allowed: numbers, ``true``/``false``, names of known fields and parameters, ``+ - * /``, unary ``-``,
comparisons (chained too), ``and``/``or``/``not``, and the functions ``min``, ``max`` and
``fill(x, default)`` (``default`` where ``x`` is blank). Anything else (``a.b``, ``a[0]``, text,
``__import__(...)``, any other call) is refused at parse time, so a pack can never run code. A formula is
at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels deep, so neither the parser nor the
evaluator can run out of stack.

Semantics on columns: a blank cell is NaN; a comparison with NaN is false; a name used as a
condition is true where it is 1 (yes/no fields) or non-zero (numbers); ``min``/``max`` propagate NaN,
so a formula over a blank basis stays blank and the rules report the missing value.

Numbers that cannot be: a literal must be finite and at most :data:`MAX_CONSTANT` in size, and a part
of a formula without names (``eligible_hires / 0``, ``1e308 * 10``) must compute, or the formula is
refused at parse time. A division by a value that is 0 in some row (``a / b`` where ``b`` is 0), or a
step whose result is too large for a number (overflow, ±inf), is a *fault* of that row: its value is
NaN and :meth:`Expr.run` reports where, so the rules refuse the row with the formula in the reason
instead of reading it as blank. ``and``, ``or`` and ``fill`` count a fault only where the part that
faulted decides the value (``b == 0 or a / b > 1`` is true where ``b`` is 0, without a fault).

>>> e = parse("min(500 * purchase_area_m2, 5_000_000)", names={"purchase_area_m2"})
>>> e.evaluate({"purchase_area_m2": np.array([100.0, 20000.0])}).tolist()
[50000.0, 5000000.0]
>>> sorted(parse("certified and building_area_m2 > 30000", names={"certified", "building_area_m2"}).names)
['building_area_m2', 'certified']
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from .expr_eval import BINOPS, CMPOPS, LITERALS, evaluate_node, truth

_FUNCS = {"min": 2, "max": 2, "fill": 2}
MAX_LENGTH = 2000  # characters in one condition or formula
MAX_DEPTH = 60  # nesting of its syntax tree; the evaluator recurses once per level
#: Largest number a formula may write: 10^15. Amounts, areas and counts are far below it, and above
#: 2^53 ≈ 9×10^15 a float no longer holds every whole number, so yuan arithmetic would not be exact.
MAX_CONSTANT = 10**15
#: what a pack may write, for hints
ALLOWED_ZH = (
    "数字、字段名、+ - * /、比较（> >= < <= == !=）、and / or / not、min(a, b)、max(a, b)、fill(a, 缺省值)"
)
ALLOWED_EN = "numbers, field names, + - * /, comparisons, and/or/not, min(a, b), max(a, b), fill(a, default)"
#: the constructs people try, named in words (the AST class name stays in the English message)
_NODE_ZH = {
    "Attribute": "属性访问「.」",
    "Subscript": "下标「[ ]」",
    "Lambda": "lambda 函数",
    "List": "列表「[ ]」",
    "Tuple": "元组",
    "Dict": "字典「{ }」",
    "Set": "集合「{ }」",
    "IfExp": "if … else 条件表达式",
    "Pow": "乘方「**」",
    "Mod": "取余「%」",
    "FloorDiv": "整除「//」",
    "In": "in 运算",
    "NotIn": "not in 运算",
    "Is": "is 运算",
    "IsNot": "is not 运算",
    "NamedExpr": "赋值「:=」",
    "JoinedStr": "f 字符串",
    "ListComp": "列表推导",
    "GeneratorExp": "生成器表达式",
    "Starred": "星号展开「*」",
}


class ExprError(ValueError):
    """A condition or formula that is not in the language.

    ``zh`` and ``en`` say the same thing; ``str()`` is ``中文 / English``. ``hint`` may suggest a fix
    (a field name close to an unknown one).
    """

    def __init__(self, zh: str, en: str, hint: str = "") -> None:
        self.zh = zh
        self.en = en
        self.hint = hint
        super().__init__(f"{zh} / {en}")


@dataclass(frozen=True)
class Evaluation:
    """A formula's value on columns, with the rows where it could not be computed (value NaN there)."""

    value: np.ndarray
    zero_division: np.ndarray  # bool: a division by 0 decided the value
    overflow: np.ndarray  # bool: a step's result was too large for a number (or a value was ±inf)

    @property
    def fault(self) -> np.ndarray:
        return np.asarray(self.zero_division | self.overflow)

    @property
    def holds(self) -> np.ndarray:
        """Where a condition holds: true, and not decided by a fault (blank is false)."""
        return truth(self.value) & ~self.fault

    def fault_zh(self, k: int | None = None) -> str:
        """What went wrong (in row ``k``, else anywhere), in Chinese: 除数为0 or 计算溢出."""
        zero = np.asarray(self.zero_division)
        hit = zero if k is None or zero.ndim == 0 else zero[k]  # a scalar: every row alike
        return "除数为0" if np.any(hit) else "计算结果溢出（数值超出范围）"


@dataclass(frozen=True)
class Expr:
    text: str
    tree: ast.Expression
    names: frozenset[str]

    def run(self, env: Mapping[str, object]) -> Evaluation:
        """Value of the expression on columns (arrays of one length) or scalars, and its faults."""
        with np.errstate(all="ignore"):
            value, zero, over = evaluate_node(self.tree.body, env)
            value, bad = np.asarray(value), np.asarray(zero | over)
            if np.any(bad):  # a condition's value too (``not (a / b > 1)``): never true by a fault
                value = np.where(bad, np.nan, value.astype(float))
            return Evaluation(value, np.asarray(zero), np.asarray(over))

    def evaluate(self, env: Mapping[str, object]) -> np.ndarray:
        """Value of the expression on columns (NaN where a row divides by 0 or overflows)."""
        return self.run(env).value

    def truth(self, env: Mapping[str, object]) -> np.ndarray:
        """Where the expression holds, as a boolean column (blank, or a fault, is false)."""
        return self.run(env).holds

    def divisors(self) -> list[str]:
        """The divisors that hold names, as text: each may be 0 in some row (a fault of that row)."""
        return [
            ast.unparse(node.right)
            for node in ast.walk(self.tree)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _has_names(node.right)
        ]


def quote(text: str, most: int = 100) -> str:
    """``text`` quoted for a message, cut to ``most`` characters.

    >>> quote("a" * 200, most=5)
    "'aaaa…'"
    """
    return repr(text if len(text) <= most else text[: most - 1] + "…")


def parse(text: str, names: Collection[str]) -> Expr:
    """Parse ``text``; every name in it must be one of ``names``. Raises :class:`ExprError`."""
    source = str(text).strip()
    if not source:
        raise ExprError("表达式为空", "empty expression")
    if len(source) > MAX_LENGTH:
        raise ExprError(
            f"表达式过长（{len(source):,} 个字符，最多 {MAX_LENGTH:,} 个）",
            f"expression too long ({len(source):,} characters, at most {MAX_LENGTH:,})",
        )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(
            f"表达式语法错误：{quote(source)}（{exc.msg}）", f"syntax error in {quote(source)}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError(
            f"表达式嵌套过深：{quote(source)}", f"expression nested too deeply: {quote(source)}"
        ) from None
    used: set[str] = set()
    for node in ast.walk(tree):
        _check(node, source, names, used)
    if _depth(tree) > MAX_DEPTH:
        raise ExprError(
            f"表达式嵌套过深（超过 {MAX_DEPTH} 层）：{quote(source)}",
            f"expression nested more than {MAX_DEPTH} levels deep: {quote(source)}",
        )
    for node in ast.walk(tree):
        _check_constant(node, source)
    return Expr(source, tree, frozenset(used))


def _has_names(node: ast.AST) -> bool:
    """Whether ``node`` reads a field or parameter (``true``, ``false`` and ``min`` are not names)."""
    return any(
        isinstance(n, ast.Name) and n.id not in LITERALS and n.id not in _FUNCS for n in ast.walk(node)
    )


def _part(source: str, node: ast.AST) -> str:
    """The text of ``node`` as the pack wrote it (``1e308 * 10``, not ``1e+308 * 10``)."""
    return ast.get_source_segment(source, node) or ast.unparse(node)


def _sane(value: int | float) -> bool:
    try:
        return math.isfinite(float(value)) and abs(value) <= MAX_CONSTANT
    except OverflowError:  # an int of hundreds of digits
        return False


def _check_constant(node: ast.AST, source: str) -> None:
    """A literal must be a sane number, and a part without names must compute: ``x / 0``, ``x / (2 - 2)``
    and ``1e308 * 10`` are refused here, not found in every row at run time."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        if not _sane(node.value):
            raise ExprError(
                f"表达式 {quote(source)} 中的数字 {_part(source, node)} 超出可用范围（须为有限数，绝对值不超过 10^15）",
                f"{quote(source)}: the number {_part(source, node)} is out of range (finite, at most 10^15 in size)",
            )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and not _has_names(node.right):
        with np.errstate(all="ignore"):
            divisor, _, _ = evaluate_node(node.right, {})
        if np.any(np.asarray(divisor, dtype=float) == 0):
            part = "" if _part(source, node) == source else f"（{quote(_part(source, node), 60)}）"
            raise ExprError(
                f"表达式 {quote(source)} 除以0{part}：除数恒为0，任何申报都无法计算",
                f"{quote(source)} divides by zero{part.replace('（', ' (').replace('）', ')')}: no application could be computed",
                "删去除法，或改为除以不为0的数 / remove the division or divide by a number that is not 0",
            )
    if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Call) and not _has_names(node):
        with np.errstate(all="ignore"):
            value, zero, over = evaluate_node(node, {})
        big = np.any(np.abs(np.nan_to_num(np.asarray(value, dtype=float))) > MAX_CONSTANT)
        if np.any(zero) or np.any(over) or big:
            part = _part(source, node)
            raise ExprError(
                f"表达式 {quote(source)} 中的 {quote(part, 60)} 计算溢出或超出范围（结果须为有限数，绝对值不超过 10^15）",
                f"{quote(source)}: {quote(part, 60)} overflows or is out of range (at most 10^15 in size)",
            )


def _depth(tree: ast.AST) -> int:
    """Levels of the syntax tree, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


_OK = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.Load,
    ast.Call,
    ast.Name,
    ast.Constant,
    *BINOPS,
    *CMPOPS,
)


def _check(node: ast.AST, source: str, names: Collection[str], used: set[str]) -> None:
    if not isinstance(node, _OK):
        kind = type(node).__name__
        raise ExprError(
            f"表达式 {quote(source)} 使用了不允许的写法：{_NODE_ZH.get(kind, kind)}",
            f"{quote(source)} uses {kind}, which conditions may not use",
            f"可用 / allowed: {ALLOWED_ZH} / {ALLOWED_EN}",
        )
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, str | bytes) or not isinstance(node.value, int | float | bool)
    ):
        raise ExprError(
            f"表达式 {quote(source)} 只能使用数字常量，不能使用文字 {node.value!r}",
            f"{quote(source)}: only numeric constants are allowed, not {node.value!r}",
            "是/否字段直接写字段名（如 certified）或 not certified / write a yes/no field by its name",
        )
    if isinstance(node, ast.Call):
        fn = node.func
        if not isinstance(fn, ast.Name) or fn.id not in _FUNCS or node.keywords:
            called = ast.unparse(fn) if len(ast.unparse(fn)) <= 40 else type(fn).__name__
            raise ExprError(
                f"表达式 {quote(source)} 调用了 {called}：只能调用 min、max、fill",
                f"{quote(source)} calls {called}: only min, max and fill may be called",
                f"可用 / allowed: {ALLOWED_ZH} / {ALLOWED_EN}",
            )
        if len(node.args) != _FUNCS[fn.id]:
            n = _FUNCS[fn.id]
            raise ExprError(f"{fn.id} 需要 {n} 个参数", f"{fn.id} takes {n} arguments")
    if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in LITERALS:
        if node.id not in names:
            close = difflib.get_close_matches(node.id, sorted(names), n=3)
            hint = f"是否应为 / did you mean: {'、'.join(close)}" if close else ""
            raise ExprError(
                f"表达式 {quote(source)} 中的 {node.id!r} 不是已知字段或参数",
                f"unknown name {node.id!r}",
                hint,
            )
        used.add(node.id)
