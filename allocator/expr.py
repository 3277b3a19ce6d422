"""A small expression language for policy conditions and amount formulas.

Policy packs write conditions and formulas as text (``registered_capital >= 20_000_000``,
``min(500 * purchase_area_m2, 5_000_000)``). The text is parsed with :mod:`ast` and every node is
checked against a whitelist before anything is evaluated; there is no ``eval`` and no ``pandas.eval``.
Evaluation runs on whole numpy columns.

Allowed: numbers, ``true``/``false``, names of known fields and parameters, ``+ - * /``, unary ``-``,
comparisons (chained too), ``and``/``or``/``not``, and the functions ``min``, ``max`` and
``fill(x, default)`` (``default`` where ``x`` is blank).

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


class ExprError(ValueError):
    """A condition or formula that is not in the language (the message is Chinese and English)."""


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


def parse(text: str, names: Collection[str]) -> Expr:
    """Parse ``text``; every name in it must be one of ``names``. Raises :class:`ExprError`."""
    source = str(text).strip()
    if not source:
        raise ExprError("表达式为空 / empty expression")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"表达式语法错误：{source!r}（{exc.msg}）/ syntax error in {source!r}") from None
    used: set[str] = set()
    for node in ast.walk(tree):
        _check(node, source, names, used)
    return Expr(source, tree, frozenset(used))


def _check(node: ast.AST, source: str, names: Collection[str], used: set[str]) -> None:
    ok = (
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
    if not isinstance(node, ok):
        raise ExprError(
            f"表达式 {source!r} 使用了不允许的写法 {type(node).__name__}"
            f" / {source!r} uses {type(node).__name__}, which conditions may not use"
        )
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, str | bytes) or not isinstance(node.value, int | float | bool)
    ):
        raise ExprError(f"表达式 {source!r} 只能使用数字常量 / only numeric constants are allowed")
    if isinstance(node, ast.Call):
        fn = node.func
        if not isinstance(fn, ast.Name) or fn.id not in _FUNCS or node.keywords:
            raise ExprError(
                f"表达式 {source!r} 只能调用 min、max、fill / only min, max and fill may be called"
            )
        if len(node.args) != _FUNCS[fn.id]:
            raise ExprError(f"{fn.id} 需要 {_FUNCS[fn.id]} 个参数 / {fn.id} takes {_FUNCS[fn.id]} arguments")
    if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in _LITERALS:
        if node.id not in names:
            raise ExprError(
                f"表达式 {source!r} 中的 {node.id!r} 不是已知字段或参数 / unknown name {node.id!r}"
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
    raise ExprError(f"无法计算 {ast.dump(node)}")  # unreachable after _check


def _num(value: object) -> np.ndarray:
    return np.asarray(value, dtype=float)
