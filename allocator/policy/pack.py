"""Policy packs: a policy document as data.

A pack is a TOML file (``allocator/policies/<id>.toml`` or any path) with the document's clauses and
its fundable items. Each item names its clause and the phrase it implements, its eligibility
conditions, an amount formula, a cap, and who pays which share. The rules module turns a pack and
an applications frame into per-application caps; no clause is ever an ``if`` in the code.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from importlib import resources
from pathlib import Path

from ..core.errors import PolicyError
from ..core.provenance import sha256_file
from .check import checked_tables
from .check_items import NUMERIC_FIELDS, TEXT_KINDS
from .expr import ExprError, parse
from .fields import BY_KEY, Field
from .problems import pack_error
from .read import read_pack
from .terms import FIELD_KINDS, SHARE_PARAM, Param, check_scope, parse_alternatives, parse_params
from .types import Clause, Condition, Fund, Item, Policy

__all__ = [
    "FIELD_KINDS",
    "Clause",
    "Condition",
    "Fund",
    "Item",
    "Param",
    "Policy",
    "builtin_policies",
    "load_policy",
    "policy_sha256",
]


def builtin_policies() -> list[str]:
    root = resources.files("allocator") / "policies"
    return sorted(p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml"))


def policy_sha256(policy_file: str, policy_id: str = "") -> str:
    """The SHA-256 of a policy pack: a shipped one (``allocator/policies/<id>.toml``) from the installed
    package, any other from its file; '' when neither can be read."""
    if (
        policy_id
        and policy_file == f"allocator/policies/{policy_id}.toml"
        and policy_id in builtin_policies()
    ):
        data = (resources.files("allocator") / "policies" / f"{policy_id}.toml").read_bytes()
        return hashlib.sha256(data).hexdigest()
    path = Path(policy_file)
    return sha256_file(path) if path.is_file() else ""


def load_policy(name_or_path: str | Path, base: Path | None = None) -> Policy:
    """Load a shipped pack by id (``changchun-2017``) or a pack file by path (relative to ``base``).

    Every pack goes through :func:`allocator.policy.check.checked_tables`, the check ``allocator policy
    check`` prints: a pack with any problem that is not a warning is refused, with every problem listed
    (file, line, key path, value, what was expected), before anything is computed from it."""
    text_name = str(name_or_path)
    if text_name in builtin_policies():
        res = resources.files("allocator") / "policies" / f"{text_name}.toml"
        where = f"allocator/policies/{text_name}.toml"
        return _from_tables(checked_tables(res.read_bytes(), where), where)
    path = Path(text_name)
    if base is not None and not path.is_absolute():
        path = base / path
    if not _is_file(path):
        raise PolicyError(
            f"找不到政策包 {text_name}（内置政策包：{'、'.join(builtin_policies())}）",
            f"policy pack {text_name!r} not found (built in: {', '.join(builtin_policies())})",
        )
    raw, problems = read_pack(path, str(path))
    if raw is None:
        raise pack_error(problems, str(path))
    return _from_tables(checked_tables(raw, str(path)), str(path))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL in it
        return False


def _from_tables(data: dict, where: str) -> Policy:
    """The policy from tables that passed the check (a failure here is a gap in the check: still an
    error naming the pack, never a traceback)."""
    try:
        return _build(data, where)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, ExprError) as exc:
        raise PolicyError(
            f"政策包 {where} 格式错误：{exc}",
            f"policy pack {where} is malformed: {exc}",
            f"allocator policy check {where} 列出每处问题及其行号 / lists every problem with its line",
        ) from None


def _build(data: dict, where: str) -> Policy:
    meta = data["policy"]
    levels = tuple(meta.get("levels", ["city", "district"]))
    fund_data = data["fund"]
    fund = Fund(
        annual_fund=int(fund_data.get("annual_fund", 0)),  # 0: the document names no amount
        admin_rate=Fraction(str(fund_data["admin_rate"])) if "admin_rate" in fund_data else None,
        annual_fund_clause=str(fund_data.get("annual_fund_clause", "")),
        admin_clause=str(fund_data.get("admin_clause", "")),
        carryover_clause=str(fund_data.get("carryover_clause", "")),
    )
    clauses = tuple(
        Clause(str(c["no"]), c.get("title", ""), c.get("kind", "items"), c.get("says", ""), c.get("note", ""))
        for c in data.get("clauses", [])
    )
    clause_nos = {c.no for c in clauses}
    extra = _fields(data.get("fields", []), where)
    items = []
    seen: set[str] = set()
    numeric = {f.key for f in extra if f.kind not in TEXT_KINDS}
    for raw in data.get("items", []):
        item = _item(raw, where, levels, {f.key for f in extra}, numeric, dict(meta.get("level_names", {})))
        if item.id in seen:
            raise PolicyError(f"政策包 {where}：事项 {item.id} 重复", f"{where}: duplicate item {item.id}")
        if item.clause not in clause_nos:
            raise PolicyError(
                f"政策包 {where}：事项 {item.id} 引用的条款（{item.clause}）不存在",
                f"{where}: item {item.id} cites clause {item.clause!r}, which the pack does not list",
            )
        seen.add(item.id)
        items.append(item)
    alternatives = tuple(
        parse_alternatives(raw, where, seen, {f.key for f in extra}) for raw in data.get("alternatives", [])
    )
    return Policy(
        id=str(meta["id"]),
        name=str(meta.get("name", meta["id"])),
        issuer=str(meta.get("issuer", "")),
        date=str(meta.get("date", "")),
        source=str(meta.get("source", "")),
        levels=levels,
        level_names=dict(meta.get("level_names", {})),
        fund=fund,
        clauses=clauses,
        items=tuple(items),
        path=where,
        extra_fields=extra,
        regions=tuple(str(r) for r in meta.get("regions", ())),
        regions_source=str(meta.get("regions_source", "")),
        sample_regions=tuple(str(r) for r in meta.get("sample_regions", ())),
        division_code=str(meta.get("division_code", "")),
        alternatives=alternatives,
    )


def _fields(raw: list, where: str) -> tuple[Field, ...]:
    """``[[fields]]``: key, zh, kind, unit — columns a pack adds to the intake data dictionary."""
    out = []
    for entry in raw:
        key = str(entry.get("key", ""))
        if not key.isidentifier() or key in BY_KEY:
            raise PolicyError(
                f"政策包 {where}：[[fields]] 的 key {key!r} 须为英文标识符且不与标准字段重名",
                f"{where}: [[fields]] key {key!r} must be an identifier not already in the data dictionary",
            )
        kind = str(entry.get("kind", ""))
        if kind not in FIELD_KINDS:
            raise PolicyError(
                f"政策包 {where}：字段 {key} 的 kind {kind!r} 不可用（{'、'.join(sorted(FIELD_KINDS))}）",
                f"{where}: field {key}: kind {kind!r} is not one of {', '.join(sorted(FIELD_KINDS))}",
            )
        out.append(Field(key, str(entry.get("zh", key)), kind, str(entry.get("unit", ""))))
    return tuple(out)


def _number(raw: dict, key: str, default, where: str, item_id: str):
    """``raw[key]`` (``default`` when absent), a number ≥ 0, else a PolicyError naming the item."""
    value = raw.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 的 {key} 必须是非负数字",
            f"{where}: item {item_id}: {key} must be a number ≥ 0",
        )
    return value


def _shares(raw: dict, where: str, item_id: str, levels: tuple[str, ...], from_scenario: bool) -> dict:
    """The item's split between the levels, as fractions adding up to 1 (50/50 until a scenario says)."""
    raw_shares = {levels[0]: 0.5, levels[-1]: 0.5} if from_scenario else raw.get("shares", {levels[0]: 1})
    shares = {str(k): Fraction(str(v)) for k, v in raw_shares.items()}
    unknown = set(shares) - set(levels)
    if unknown or sum(shares.values()) != 1:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 的分担比例须为 {levels} 且合计为1",
            f"{where}: item {item_id}: shares must name levels {levels} and add up to 1",
        )
    return shares


def _item(
    raw: dict, where: str, levels: tuple[str, ...], extra: set[str], numeric: set[str], names: dict[str, str]
) -> Item:
    item_id = str(raw["id"])
    specs = parse_params(raw, where, item_id)
    from_scenario = raw.get("shares") == "scenario"
    if from_scenario:
        if len(levels) < 2:
            raise PolicyError(
                f'政策包 {where}：事项 {item_id} 的 shares = "scenario" 需要两个出资层级',
                f'{where}: item {item_id}: shares = "scenario" needs two levels',
            )
        zh = [names.get(level, level) for level in levels]
        says = f"{zh[0]}承担比例（0–1，方案假设），其余由{zh[1]}承担"
        specs += (Param(SHARE_PARAM, says, "share", 0.0, 1.0),)
    params = {p.name: p.says for p in specs}
    known = NUMERIC_FIELDS | numeric | set(params)  # the check has parsed each one with these names
    conditions = tuple(
        Condition(parse(str(c["when"]), known), str(c.get("says", c["when"])))
        for c in raw.get("conditions", [])
    )
    amount = parse(str(raw["amount"]), known) if raw.get("amount") else None
    cap = _number(raw, "cap", None, where, item_id)
    floor = _number(raw, "floor", 0, where, item_id)
    if amount is None and cap is None and not params:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 既无金额公式也无上限",
            f"{where}: item {item_id} has neither an amount formula nor a cap",
        )
    shares = _shares(raw, where, item_id, levels, from_scenario)
    cap_per = tuple(str(f) for f in raw.get("cap_per", ()))
    check_scope(cap_per, where, f"事项 {item_id} 的 cap_per", extra)
    if cap_per and cap is None:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 写了 cap_per 却没有 cap",
            f"{where}: item {item_id} has cap_per but no cap",
        )
    once_per = tuple(str(f) for f in raw.get("once_per", ()))
    check_scope(once_per, where, f"事项 {item_id} 的 once_per", extra)
    return Item(
        id=item_id,
        name=str(raw["name"]),
        clause=str(raw["clause"]),
        quote=str(raw.get("quote", "")),
        conditions=conditions,
        amount=amount,
        amount_says=str(raw.get("amount_says", "")),
        cap=None if cap is None else int(cap),
        cap_says=str(raw.get("cap_says", "")),
        shares=shares,
        discretionary=bool(raw.get("discretionary", False)),
        params=params,
        floor=int(floor),
        floor_says=str(raw.get("floor_says", "")),
        fund_level=levels[0],
        ledger=str(raw.get("ledger", "")),
        ledger_years=int(raw.get("ledger_years", 0)),
        years=int(raw.get("years", 1)),
        reading=str(raw.get("reading", "")),
        cap_per=cap_per,
        cap_per_says=str(raw.get("cap_per_says", "")),
        once_per=once_per,
        once_says=str(raw.get("once_says", "")),
        param_specs=specs,
        shares_from_scenario=from_scenario,
        levels=levels,
    )
