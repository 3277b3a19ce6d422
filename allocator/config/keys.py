"""A scenario's values read key by key, each of its type: whole yuan, a number, a date, tiers of items,
item shares; a value of another type is a :class:`~allocator.core.errors.ScenarioError` at its line (through
the scenario's text, :class:`allocator.config.toml_text._Text`). Their ranges are
:mod:`allocator.config.checks`'; used by :mod:`allocator.config.scenario`.
"""

from __future__ import annotations

import math
from datetime import date as date_type
from datetime import datetime

from .toml_text import TomlText


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def key_whole(text: TomlText, at: tuple, value: object) -> int:
    """Whole yuan ≥ 0 (``2e7`` is fine; ``"20000000"``, ``-1``, ``1.5``, ``nan`` are not)."""
    if not is_number(value) or value < 0 or value != int(value):  # type: ignore[operator, arg-type]
        raise text.wrong(at, value, "非负整数（元）", "whole yuan ≥ 0")
    return int(value)  # type: ignore[arg-type]


def key_number(text: TomlText, at: tuple, value: object) -> float:
    if not is_number(value) or value < 0:  # type: ignore[operator]
        raise text.wrong(at, value, "非负数字", "a number ≥ 0")
    return float(value)  # type: ignore[arg-type]


def key_optional(text: TomlText, solver: dict, key: str) -> float | None:
    value = solver.get(key)
    if value is not None and not (is_number(value) and value >= 0):
        example = {"time_limit": "time_limit = 600    # 秒 / seconds", "mip_gap": "mip_gap = 0.001"}[key]
        raise text.wrong(("solver", key), value, "非负数字", "a number ≥ 0", example)
    return None if value is None else float(value)


def key_optional_whole(text: TomlText, limits: dict) -> int | None:
    per = limits.get("per_enterprise")
    return None if per is None else key_whole(text, ("limits", "per_enterprise"), per)


def key_date(value: object, text: TomlText) -> str:
    """An ISO date (``2017-12-31``, a TOML date, or a TOML date-time: its day); "" when not given."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # 2017-12-31T10:00:00: approved that day
        return value.date().isoformat()
    if isinstance(value, date_type):
        return value.isoformat()
    try:
        return date_type.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise text.wrong(
            ("scenario", "approval_date"), value, "日期", "a date", "approval_date = 2017-12-31"
        ) from None


def key_tiers(priority: dict, rule: str, text: TomlText) -> tuple[tuple[str, ...], ...]:
    at = ("objective", "priority")
    if set(priority) - {"tiers"}:
        raise text.fail(at, "[objective.priority] 只能有 tiers", "[objective.priority] takes only tiers")
    tiers = priority.get("tiers", [])
    if not isinstance(tiers, list) or not all(
        isinstance(t, list) and all(isinstance(i, str) for i in t) for t in tiers
    ):
        hint = 'tiers = [["c13-hire"], ["c09-offshore"]]'
        raise text.wrong((*at, "tiers"), tiers, "事项编号列表的列表", "a list of lists of item ids", hint)
    flat = [i for t in tiers for i in t]
    if len(flat) != len(set(flat)):
        twice = sorted({i for i in flat if flat.count(i) > 1})
        zh, en = (
            f"事项 {'、'.join(twice)} 出现在多个档次中",
            f"{', '.join(twice)} appear(s) in more than one tier",
        )
        raise text.fail((*at, "tiers"), zh, en)
    if rule == "priority" and not tiers:
        raise text.fail(
            at,
            'rule = "priority" 需要 [objective.priority] tiers',
            'rule = "priority" needs [objective.priority] tiers',
        )
    return tuple(tuple(t) for t in tiers)


def key_shares(raw: dict, text: TomlText) -> dict[str, tuple[float, float]]:
    shares = {}
    for item_id, pair in raw.items():
        ok = isinstance(pair, list) and len(pair) == 2 and all(is_number(v) for v in pair)
        if not ok or not 0 <= pair[0] <= pair[1] <= 1:
            at = ("limits", "item_share", item_id)
            raise text.wrong(
                at, pair, "[最低, 最高] 两个 0–1 之间的比例", "[min, max] shares between 0 and 1"
            )
        shares[str(item_id)] = (float(pair[0]), float(pair[1]))
    return shares
