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

>>> e = parse("min(500 * purchase_area_m2, 5_000_000)", names={"purchase_area_m2"})
>>> e.evaluate({"purchase_area_m2": np.array([100.0, 20000.0])}).tolist()
[50000.0, 5000000.0]
>>> sorted(parse("certified and building_area_m2 > 30000", names={"certified", "building_area_m2"}).names)
['building_area_m2', 'certified']
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_CMPOPS = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}
_FUNCS = {"min": 2, "max": 2, "fill": 2}
_LITERALS = {"true": True, "false": False, "True": True, "False": False}
MAX_LENGTH = 2000  # characters in one condition or formula
MAX_DEPTH = 60  # nesting of its syntax tree; the evaluator recurses once per level
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
class Expr:
    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, object]) -> np.ndarray:
        """Value of the expression on columns (arrays of one length) or scalars."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(_eval(self.tree.body, env))

    def truth(self, env: Mapping[str, object]) -> np.ndarray:
        """Where the expression holds, as a boolean column (blank is false)."""
        return _truth(self.evaluate(env))


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
    return Expr(source, tree, frozenset(used))


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
    *_BINOPS,
    *_CMPOPS,
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
    if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in _LITERALS:
        if node.id not in names:
            close = difflib.get_close_matches(node.id, sorted(names), n=3)
            hint = f"是否应为 / did you mean: {'、'.join(close)}" if close else ""
            raise ExprError(
                f"表达式 {quote(source)} 中的 {node.id!r} 不是已知字段或参数",
                f"unknown name {node.id!r}",
                hint,
            )
        used.add(node.id)


def _truth(value: object) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool:
        return arr
    arr = arr.astype(float)
    return np.nan_to_num(arr, nan=0.0) != 0.0


def _eval(node: ast.AST, env: Mapping[str, object]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _LITERALS:
            return _LITERALS[node.id]
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_num(_eval(node.left, env)), _num(_eval(node.right, env)))
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return ~_truth(operand)
        return -_num(operand) if isinstance(node.op, ast.USub) else _num(operand)
    if isinstance(node, ast.BoolOp):
        parts = [_truth(_eval(v, env)) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.Compare):
        left = _num(_eval(node.left, env))
        out = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _num(_eval(comparator, env))
            step = _CMPOPS[type(op)](left, right)
            out = step if out is None else np.logical_and(out, step)
            left = right
        return out
    if isinstance(node, ast.Call):
        a, b = (_num(_eval(arg, env)) for arg in node.args)
        name = node.func.id  # type: ignore[attr-defined]
        if name == "min":
            return np.minimum(a, b)
        if name == "max":
            return np.maximum(a, b)
        return np.where(np.isnan(a), b, a)  # fill
    raise ExprError(f"无法计算 {ast.dump(node)}", f"cannot evaluate {ast.dump(node)}")  # unreachable


def _num(value: object) -> np.ndarray:
    return np.asarray(value, dtype=float)
