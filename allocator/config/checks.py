"""What a scenario says must be a number the office could mean, and must name what exists.

- **Ranges** (:data:`RANGES`, :func:`out_of_range`): every number in a scenario (and in a plan) is
  checked by one function against the range of its key, found by pattern: money 0 – 10¹² yuan, a year
  1980–2100, a weight 0–1000, … A number beyond it (``annual_fund = 9223372036854775807``, a weight of
  ``1e308``) is refused naming the key and the value, instead of overflowing int64 in the rules or
  reaching the solver as infinity. The approval date must fall in the scenario's year or the next
  (:func:`approval_out_of_range`).
- **References** (:func:`unknown_references`): every name a scenario keys a number by must be one the
  policy pack has — districts (``[limits.district_budget]``, against the pack's ``regions``) and items
  (``[objective.weights]``, ``[objective.priority] tiers``, ``[limits.item_share]``,
  ``[discretionary.<item>]`` and each of its parameters). A name the pack does not have would be
  silently ignored (a budget for 朝阳 limits nothing when the applications say 朝阳区): it is refused
  with the nearest known name (:func:`nearest`).

Both hand back what is wrong; :mod:`allocator.config.scenario` and :mod:`allocator.years.plan` say where.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

#: The most yuan any money key may hold: 1 万亿 (10¹²). A city's whole annual budget is of the order of
#: 10¹¹ yuan and a special fund 10⁷–10⁹, so no real fund, award or limit comes near; and below it every
#: sum the allocator forms stays exact — a million applications of 10¹² yuan total 10¹⁸, inside int64
#: (9.2 × 10¹⁸), and a single amount is exact in a float64 (2⁵³ ≈ 9 × 10¹⁵) at the solver boundary.
MONEY_MAX = 10**12
#: Years a fund can be planned for: special funds of this kind date from the fiscal reforms of the
#: 1980s–90s, and a budget is not drawn up a century ahead. Inside it, every date the allocator forms
#: (the approval date plus a ledger's years) stays a valid calendar date.
YEARS = (1980, 2100)
#: The largest item weight: a weight is a preference between items; at 1000× one item always comes
#: first (that is ``rule = "priority"``), and coefficients further apart only hurt solver tolerances.
WEIGHT_MAX = 1000
#: The longest solver time limit, in seconds: a week (HiGHS solves a city's year in seconds).
SECONDS_MAX = 7 * 24 * 3600
#: The least difflib ratio at which an unknown name is taken for a known one misspelt (朝阳 / 朝阳区: 0.8).
NEAR = 0.6


@dataclass(frozen=True)
class Range:
    """What a key's number may be: ``low`` ≤ value ≤ ``high``, said in Chinese and English."""

    low: int | float
    high: int | float
    zh: str
    en: str
    why: str = ""  # the hint: why the range is what it is


_MONEY_WHY = (
    "金额以 1 万亿元（10¹²）为限：远超任何城市的专项资金，且各项合计在整数与浮点运算中保持精确 / "
    "money is at most 10^12 yuan: beyond any city's fund, and every total stays exact"
)
MONEY = Range(
    0,
    MONEY_MAX,
    " 0 至 1,000,000,000,000 之间的整数（元）",
    "whole yuan from 0 to 1,000,000,000,000",
    _MONEY_WHY,
)
YEAR = Range(
    *YEARS,
    f" {YEARS[0]} 至 {YEARS[1]} 之间的年份",
    f"a year from {YEARS[0]} to {YEARS[1]}",
    "year = 2017",
)
WEIGHT = Range(
    0,
    WEIGHT_MAX,
    f" 0 至 {WEIGHT_MAX} 之间的数字",
    f"a number from 0 to {WEIGHT_MAX}",
    '权重是事项之间的相对偏好（默认 1）；要让某事项总是优先，用 rule = "priority" / '
    'a weight is a relative preference (default 1); for "always first" use rule = "priority"',
)
SCORE = Range(0, 100, " 0–100 之间的数字", "a number from 0 to 100")
SHARE = Range(0, 1, " 0 至 1 之间的比例", "a share from 0 to 1")
PARAM = Range(0, MONEY_MAX, " 0 至 1,000,000,000,000 之间的数字", "a number from 0 to 10^12", _MONEY_WHY)
SECONDS = Range(
    0, SECONDS_MAX, f" 0 至 {SECONDS_MAX:,} 之间的秒数（一周）", f"seconds from 0 to {SECONDS_MAX:,} (a week)"
)
ANY = Range(-MONEY_MAX, MONEY_MAX, "绝对值不超过 10¹² 的数字", "a number of at most 10^12 in size")

#: Key patterns (``*``: any key, ``#``: any position in an array) and the range of their numbers; the
#: first that matches applies, :data:`ANY` where none does.
RANGES: tuple[tuple[tuple[str, ...], Range], ...] = (
    (("scenario", "year"), YEAR),
    (("budget", "*"), MONEY),  # annual_fund, carryover_in, admin_*, reserve_for_later_batches
    (("limits", "min_award"), MONEY),
    (("limits", "per_enterprise"), MONEY),
    (("limits", "district_budget", "*"), MONEY),
    (("limits", "item_share", "*", "#"), SHARE),
    (("objective", "default_score"), SCORE),
    (("objective", "weights", "*"), WEIGHT),
    (("discretionary", "*", "*"), PARAM),  # yuan, yuan per unit, or a share (the rules narrow it)
    (("solver", "time_limit"), SECONDS),
    (("solver", "mip_gap"), SHARE),
    (("override", "#", "award"), MONEY),
)


@dataclass(frozen=True)
class Refusal:
    """What is wrong with one key, in Chinese and English, and how to fix it."""

    at: tuple
    zh: str
    en: str
    hint: str = ""


def key_name(at: tuple) -> str:
    """``("budget", "annual_fund")`` → ``[budget] annual_fund``; ``("override", 0)`` → ``[[override]]``."""
    if len(at) > 1 and isinstance(at[-1], int) and at[0] != "override":  # [[override]]: the one array
        return f"{key_name(at[:-1])}[{at[-1]}]"  # of tables; else an array's element: …c13-hire[0]
    keys = [str(p) for p in at if not isinstance(p, int)]
    if at and isinstance(at[-1], int):
        return f"[[{'.'.join(keys)}]]"
    if len(keys) == 1:
        return f"[{keys[0]}]"
    table = ".".join(keys[:-1])
    table = f"[[{table}]]" if any(isinstance(p, int) for p in at) else f"[{table}]"
    return f"{table} {keys[-1]}"


def shown(value: object) -> str:
    """``value`` as a message quotes it: a number of many digits shortened (``999…999（5000 位）``)."""
    text = repr(value)
    if isinstance(value, int) and len(text) > 40:
        return f"{text[:6]}…{text[-3:]}（{len(text.lstrip('-'))} 位 / digits）"
    return text


def range_for(at: tuple) -> Range:
    """The range of the numbers of key ``at`` (:data:`RANGES`)."""
    for pattern, rng in RANGES:
        if len(pattern) == len(at) and all(
            p == k or (p == "*" and isinstance(k, str)) or (p == "#" and isinstance(k, int))
            for p, k in zip(pattern, at, strict=True)
        ):
            return rng
    return ANY


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def out_of_range(at: tuple, value: object, name: str = "", rng: Range | None = None) -> Refusal | None:
    """The refusal of a number outside its key's range (or not finite); None when it is inside, or is
    not a number (whose type the loader checks). ``name``: the key as the message shows it."""
    if not _numeric(value):
        return None
    rng = rng or range_for(at)
    if math.isfinite(value) and rng.low <= value <= rng.high:  # type: ignore[arg-type, operator]
        return None
    name = name or key_name(at)
    return Refusal(
        at,
        f"{name} 应为{rng.zh}，实际为 {shown(value)}",
        f"{name} must be {rng.en}, got {shown(value)}",
        rng.why,
    )


def numbers(data: object, at: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Every number in parsed TOML (tables, arrays, arrays of tables) with its key path, depth first,
    without recursion (a value nested as deep as the parser allows is walked all the same)."""
    stack = [(at, data)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict):
            stack += [((*here, k), v) for k, v in reversed(list(value.items()))]
        elif isinstance(value, list):
            stack += [((*here, i), v) for i, v in reversed(list(enumerate(value)))]
        elif _numeric(value):
            yield here, value


def ranges(data: dict) -> list[Refusal]:
    """Every number of a parsed scenario outside its key's range (:data:`RANGES`)."""
    return [r for at, value in numbers(data) if (r := out_of_range(at, value)) is not None]


def approval_out_of_range(year: int, approval: str, name: str = "[scenario] approval_date") -> Refusal | None:
    """An approval date outside the scenario's year and the next (the awards of a year's fund are approved
    in that year, or early in the next): 9999-12-31 would put a ledger's end past year 9999."""
    if not approval:
        return None
    day = date.fromisoformat(approval)
    if year <= day.year <= year + 1:
        return None
    return Refusal(
        ("scenario", "approval_date"),
        f"{name} 应为 {year} 年或 {year + 1} 年内的日期（年度 {year}），实际为 {approval}",
        f"{name} must be a date in {year} or {year + 1} (the year is {year}), got {approval}",
        f"approval_date = {year}-12-31",
    )


# --------------------------------------------------------------------------------- references


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def nearest(text: str, known: Iterable[str], aliases: dict[str, str] | None = None) -> str | None:
    """The known name most like ``text`` (after NFKC, without spaces, ignoring case), if any is at least
    :data:`NEAR` alike; ``aliases``: other spellings of a known name (an item's Chinese name → its id)."""
    by_fold = {_fold(k): k for k in known}
    by_fold.update({_fold(a): k for a, k in (aliases or {}).items()})
    close = difflib.get_close_matches(_fold(text), list(by_fold), n=1, cutoff=NEAR)
    return by_fold[close[0]] if close else None


def _unknown(
    at: tuple, table: str, what: tuple[str, str], where: tuple[str, str], known, aliases=None, number=None
):
    """The refusal of the name ``at[-1]`` (a ``what`` = (zh, en)) in ``table``: not one of ``known``
    (``where``: whose they are). ``aliases``: other spellings of known names (an item's Chinese name);
    ``number``: the value the name is given, shown beside it."""
    name = str(at[-1])
    near = nearest(name, known, aliases)
    given = f"（= {shown(number)}）" if number is not None else ""
    zh = f"{table} 中的{what[0]}「{name}」{given}不在{where[0]}中"
    en = f"{table} names {what[1]} {name!r}" + (f" (= {shown(number)})" if number is not None else "")
    en += f", which {where[1]}"
    if near is not None:
        zh, en = f"{zh}；最接近的是「{near}」", f"{en}; the nearest is {near!r}"
    hint = (f"是否应为 / did you mean: {near}；" if near else "") + f"可用 / known: {'、'.join(known)}"
    return Refusal(at, zh, en, hint)


def unknown_references(scenario, policy) -> list[Refusal]:
    """Every district and item a scenario names that its policy pack does not have, with the nearest.

    Districts are checked against the pack's ``regions`` (a pack without them lists no districts, and
    its district budgets are not checked here); items against the pack's items, and each
    ``[discretionary.<item>]`` parameter against the item's own parameters."""
    return _districts(scenario, policy) + _items(scenario, policy) + _params(scenario, policy)


def _districts(scenario, policy) -> list[Refusal]:
    regions = list(policy.regions)
    if not regions:
        return []
    where = (f"政策包 {policy.id} 的地区（regions）", f"is not one of policy {policy.id}'s regions")
    return [
        _unknown(
            ("limits", "district_budget", d),
            "[limits.district_budget]",
            ("地区", "district"),
            where,
            regions,
            number=v,
        )
        for d, v in scenario.limits.district_budget.items()
        if d not in regions
    ]


def _items(scenario, policy) -> list[Refusal]:
    """Item ids in weights, priority tiers, item shares and discretionary tables."""
    items = [it.id for it in policy.items]
    names = {it.name: it.id for it in policy.items}  # an item written by its Chinese name: its id is hinted
    keyed = [("[objective.weights]", ("objective", "weights", k), w) for k, w in scenario.weights.items()]
    keyed += [
        ("[objective.priority] tiers", ("objective", "priority", "tiers", k), None)
        for t in scenario.tiers
        for k in t
    ]
    keyed += [
        ("[limits.item_share]", ("limits", "item_share", k), list(v))
        for k, v in scenario.limits.item_share.items()
    ]
    keyed += [("[discretionary]", ("discretionary", k), None) for k in scenario.discretionary]
    where = (f"政策包 {policy.id} 的事项", f"policy {policy.id} does not have")
    return [
        _unknown(at, table, ("事项", "item"), where, items, names, number)
        for table, at, number in keyed
        if at[-1] not in items
    ]


def _params(scenario, policy) -> list[Refusal]:
    """Each ``[discretionary.<item>]`` key the item does not take (``note`` aside)."""
    out = []
    items = {it.id: it for it in policy.items}
    for item_id, params in scenario.discretionary.items():
        item = items.get(item_id)
        if item is None or not params:
            continue
        if not item.params:
            out.append(_fixed(item, policy, next(iter(params))))
            continue
        says = (f"事项 {item_id} 的酌定参数", f"is not a parameter of item {item_id}")
        out += [
            _unknown(
                ("discretionary", item_id, p),
                f"[discretionary.{item_id}]",
                ("参数", "parameter"),
                says,
                [*item.params, "note"],
            )
            for p in params
            if p not in item.params
        ]
    return out


def _fixed(item, policy, param: str) -> Refusal:
    """``[discretionary.<item>]`` for an item whose amount the policy fixes: nothing there is read."""
    table = f"[discretionary.{item.id}]"
    return Refusal(
        ("discretionary", item.id, param),
        f"{table}：事项 {item.id}（{item.name}，{item.clause_label}）不是酌定事项，其金额由政策包 {policy.id} 规定，"
        f"方案中的「{param}」不会被使用",
        f"{table}: item {item.id} is not discretionary (policy {policy.id} sets its amount); "
        f"{param!r} would not be used",
        f"删去 {table} 表 / delete the {table} table",
    )
