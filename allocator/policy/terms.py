"""The parts of a policy pack beyond items and clauses: a discretionary item's parameters with the range
that gives each its meaning, and ``[[alternatives]]`` (items of which one enterprise gets one a year).

They are parsed here and used by :mod:`allocator.policy.pack` (the pack), :mod:`allocator.allocation.evaluate` (the range
check, the choice among alternatives) and :mod:`allocator.policy.check`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import PolicyError
from .fields import BY_KEY


@dataclass(frozen=True)
class Param:
    """A number of a discretionary item that the scenario supplies, with the range that gives it meaning.

    ``kind``: ``share`` (a part of something, 0–1), ``yuan`` (an amount), ``rate`` (yuan per unit of a
    basis, such as yuan per US dollar). ``low``/``high`` bound it (``high`` None: no ceiling); a pack
    states them where the text does ("不低于20万元", "不超过20万元") or gives a ceiling of its own,
    with ``says`` saying which."""

    name: str
    says: str
    kind: str = "number"
    low: float = 0.0
    high: float | None = None

    def range_text(self) -> str:
        if self.high is None:
            return f"≥ {self.low:,g}"
        return f"{self.low:,g}–{self.high:,g}"


@dataclass(frozen=True)
class Alternatives:
    """``[[alternatives]]``: items of which one enterprise (``per`` fields) gets at most one in a year.

    Clause 七's global, domestic and other entries are one firm's entry read three ways. Of a firm's
    eligible applications in the group, the one with the highest cap is kept (ties: the order of
    ``items``, then the application id); the others are not eligible, with ``says`` as the reason."""

    id: str
    clause: str
    items: tuple[str, ...]
    per: tuple[str, ...]
    says: str
    reading: str = ""

    @property
    def clause_label(self) -> str:
        return f"条款（{self.clause}）"


#: What a pack's own ``[[fields]]`` may hold (allocator.intake.read reads each kind).
FIELD_KINDS = frozenset({"text", "yuan", "usd", "area", "count", "months", "score", "bool"})

SHARE_PARAM = "fund_share"  # the scenario's share of the allocated fund, for ``shares = "scenario"``


def parse_alternatives(
    raw: dict, where: str, items: set[str], fields: set[str] = frozenset()
) -> Alternatives:
    group = Alternatives(
        id=str(raw["id"]),
        clause=str(raw["clause"]),
        items=tuple(str(i) for i in raw["items"]),
        per=tuple(str(f) for f in raw.get("per", ["credit_code"])),
        says=str(raw.get("says", "")),
        reading=str(raw.get("reading", "")),
    )
    unknown = [i for i in group.items if i not in items]
    if unknown or len(group.items) < 2:
        raise PolicyError(
            f"政策包 {where}：[[alternatives]] {group.id} 须列出至少两个已有事项（未知：{'、'.join(unknown)}）",
            f"{where}: [[alternatives]] {group.id} must list two or more of the pack's items (unknown: {unknown})",
        )
    check_scope(group.per, where, group.id, fields)
    return group


def check_scope(per: tuple[str, ...], where: str, owner: str, fields: set[str] = frozenset()) -> None:
    """A cap's or a group's scope: fields of the data dictionary that say whose it is."""
    bad = [f for f in per if f not in BY_KEY and f not in fields]
    if bad:
        raise PolicyError(
            f"政策包 {where}：{owner} 的适用范围 {'、'.join(bad)} 不是申报表字段",
            f"{where}: {owner}: scope field(s) {', '.join(bad)} are not intake fields",
        )


PARAM_KINDS = {"number": (0.0, None), "share": (0.0, 1.0), "yuan": (0.0, None), "rate": (0.0, None)}


def parse_params(raw: dict, where: str, item_id: str) -> tuple[Param, ...]:
    """``params = { rate = "…" }`` or ``params = { rate = { says = "…", kind = "share", max = 1 } }``."""
    out = []
    for name, spec in raw.get("params", {}).items():
        spec = spec if isinstance(spec, dict) else {"says": spec}
        kind = str(spec.get("kind", "number"))
        if kind not in PARAM_KINDS:
            raise PolicyError(
                f"政策包 {where}：事项 {item_id} 的参数 {name} 的 kind {kind!r} 不可用（{'、'.join(PARAM_KINDS)}）",
                f"{where}: item {item_id}: param {name}: kind {kind!r} is not one of {', '.join(PARAM_KINDS)}",
            )
        low, high = PARAM_KINDS[kind]
        low = float(spec.get("min", low))
        high = float(spec["max"]) if "max" in spec else high
        if low < 0 or (high is not None and high < low):
            raise PolicyError(
                f"政策包 {where}：事项 {item_id} 的参数 {name} 的范围须满足 0 ≤ min ≤ max",
                f"{where}: item {item_id}: param {name}: its range needs 0 ≤ min ≤ max",
            )
        out.append(Param(str(name), str(spec.get("says", name)), kind, low, high))
    return tuple(out)
