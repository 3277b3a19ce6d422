"""Evaluating a checked condition or formula on whole columns with numpy: each node gives its values and
where it divided by zero or overflowed, so that a bad row is named instead of a NaN passing."""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np

BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}


CMPOPS = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


LITERALS = {"true": True, "false": False, "True": True, "False": False}


def truth(value: object) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool:
        return arr
    arr = arr.astype(float)
    return np.nan_to_num(arr, nan=0.0) != 0.0


_NO = np.False_


def evaluate_node(node: ast.AST, env: Mapping[str, object]) -> tuple[object, object, object]:
    """``(value, zero_division, overflow)`` of ``node``: the value NaN where either fault happened."""
    if isinstance(node, ast.Constant):
        return node.value, _NO, _NO
    if isinstance(node, ast.Name):
        if node.id in LITERALS:
            return LITERALS[node.id], _NO, _NO
        value = env[node.id]
        infinite = np.isinf(_num(value))
        return (np.where(infinite, np.nan, _num(value)) if np.any(infinite) else value), _NO, infinite
    if isinstance(node, ast.BinOp):
        (a, za, oa), (b, zb, ob) = evaluate_node(node.left, env), evaluate_node(node.right, env)
        a, b = _num(a), _num(b)
        out = BINOPS[type(node.op)](a, b)
        zero = (b == 0) & ~np.isnan(a) if isinstance(node.op, ast.Div) else _NO
        return _faulted(out, za | zb | zero, oa | ob)
    if isinstance(node, ast.UnaryOp):
        operand, zero, over = evaluate_node(node.operand, env)
        if isinstance(node.op, ast.Not):
            return ~truth(operand), zero, over
        return (-_num(operand) if isinstance(node.op, ast.USub) else _num(operand)), zero, over
    if isinstance(node, ast.BoolOp):
        return _boolop(node, env)
    if isinstance(node, ast.Compare):
        return _compare(node, env)
    if isinstance(node, ast.Call):
        (a, za, oa), (b, zb, ob) = (evaluate_node(arg, env) for arg in node.args)
        a, b = _num(a), _num(b)
        name = node.func.id  # type: ignore[attr-defined]
        if name == "min":
            return np.minimum(a, b), za | zb, oa | ob
        if name == "max":
            return np.maximum(a, b), za | zb, oa | ob
        blank = np.isnan(a) & ~(za | oa)  # fill: the default only where a is blank, not where it faulted
        return np.where(blank, b, a), za | (blank & zb), oa | (blank & ob)
    raise ValueError(f"cannot evaluate {ast.dump(node)}")  # unreachable: parse() admits only the nodes above


def _faulted(out: np.ndarray, zero: object, over: object) -> tuple[object, object, object]:
    """A step's result with its faults: NaN where a division by 0 happened or the result is ±inf."""
    over = over | (np.isinf(out) & ~np.asarray(zero))
    bad = np.asarray(zero | over)
    return (np.where(bad, np.nan, out) if np.any(bad) else out), zero, over


def _boolop(node: ast.BoolOp, env: Mapping[str, object]) -> tuple[object, object, object]:
    """``and``/``or`` on columns: a later part's fault counts only where the earlier parts left the
    answer open (all true for ``and``, all false for ``or``)."""
    is_and = isinstance(node.op, ast.And)
    out = zero = over = None
    for v in node.values:
        value, z, o = evaluate_node(v, env)
        part = truth(value)
        if out is None:
            out, zero, over = part, z, o
            continue
        open_ = out if is_and else ~out
        zero, over = zero | (open_ & z), over | (open_ & o)
        out = np.logical_and(out, part) if is_and else np.logical_or(out, part)
    return out, zero, over


def _compare(node: ast.Compare, env: Mapping[str, object]) -> tuple[object, object, object]:
    """A chain ``a < b <= c``: each step's faults count where the steps before it held."""
    left, zero, over = evaluate_node(node.left, env)
    left = _num(left)
    out = None
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right, z, o = evaluate_node(comparator, env)
        right = _num(right)
        held = True if out is None else out
        zero, over = zero | (held & z), over | (held & o)
        step = CMPOPS[type(op)](left, right)
        out = step if out is None else np.logical_and(out, step)
        left = right
    return out, zero, over


def _num(value: object) -> np.ndarray:
    return np.asarray(value, dtype=float)
