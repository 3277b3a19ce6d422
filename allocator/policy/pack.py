"""Policy packs: a policy document as data.

A pack is a TOML file (``allocator/policies/<id>.toml`` or any path) with the document's clauses and
its fundable items. Each item names its clause and the phrase it implements, its eligibility
conditions, an amount formula, a cap, and who pays which share. The rules module turns a pack and
an applications frame into per-application caps; no clause is ever an ``if`` in the code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from importlib import resources
from pathlib import Path

from ..core.errors import PolicyError
from ..core.provenance import sha256_file
from .check import checked_tables
from .check_items import NUMERIC_FIELDS, TEXT_KINDS
from .expr import Expr, ExprError, parse
from .fields import BY_KEY, FIELDS, Field
from .problems import pack_error
from .read import read_pack
from .terms import (
    FIELD_KINDS,
    SHARE_PARAM,
    Alternatives,
    Param,
    check_scope,
    parse_alternatives,
    parse_params,
)

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


@dataclass(frozen=True)
class Condition:
    expr: Expr
    says: str  # the policy's own words, e.g. 注册资本2000万元以上


@dataclass(frozen=True)
class Clause:
    no: str  # 一, 二, … 二十
    title: str
    kind: str  # "items", "fund" or "non-monetary"
    says: str
    note: str = ""

    @property
    def label(self) -> str:
        return f"条款（{self.no}）"


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    clause: str
    quote: str
    conditions: tuple[Condition, ...]
    amount: Expr | None  # None: the cap (and the requested amount) alone
    amount_says: str
    cap: int | None
    cap_says: str
    shares: dict[str, Fraction]  # level -> share of the award, summing to 1
    discretionary: bool = False
    params: dict[str, str] = field(default_factory=dict)  # discretionary parameter -> meaning
    floor: int = 0  # "不低于…": an award is 0 or at least this much
    floor_says: str = ""
    ledger: str = ""  # a supervision duty on what the award buys (clause 四: no transfer for 3 years)
    ledger_years: int = 0
    years: int = 1  # consecutive years an approval is paid for (clause 四 rent: 2)

    fund_level: str = "city"  # the level whose fund is allocated (the pack's first level)
    reading: str = ""  # the reading the pack takes where the text leaves a choice open
    cap_per: tuple[str, ...] = ()  # the cap's scope: () one application; ("credit_code",) an enterprise
    cap_per_says: str = ""  # the scope in the text's words, e.g. 每户
    once_per: tuple[str, ...] = ()  # once a year per this scope (("credit_code",): one application a firm)
    once_says: str = ""  # the text's words that make it one-off, e.g. 给予一次性补助
    param_specs: tuple[Param, ...] = ()  # the discretionary parameters with their ranges
    shares_from_scenario: bool = False  # "省、市共同负担" without a ratio: the scenario's fund_share
    levels: tuple[str, ...] = ()  # the pack's levels (for shares the scenario supplies)

    @property
    def city_share(self) -> Fraction:
        """The allocated fund's share of an award (``city`` in Changchun; the pack's first level)."""
        return self.shares.get(self.fund_level, Fraction(0))

    @property
    def clause_label(self) -> str:
        return f"条款（{self.clause}）"

    @property
    def group_cap(self) -> bool:
        """Whether the cap is shared by several applications (an enterprise's, a sub-platform's)."""
        return bool(self.cap_per) and self.cap is not None

    def param(self, name: str) -> Param:
        return {p.name: p for p in self.param_specs}[name]

    def with_share(self, fund_share: Fraction) -> Item:
        """The item with the scenario's split: ``fund_share`` to the pack's first level, the rest to
        the second."""
        shares = {self.levels[0]: fund_share}
        if fund_share != 1:
            shares[self.levels[1]] = 1 - fund_share
        return replace(self, shares=shares)


@dataclass(frozen=True)
class Fund:
    annual_fund: int  # 0 where the document names no amount (the scenario gives it)
    admin_rate: Fraction | None  # None where the document sets no limit on administration
    annual_fund_clause: str = ""  # "" where the document has no such rule: outputs say 本政策未规定
    admin_clause: str = ""
    carryover_clause: str = ""

    def admin_cap(self, annual_fund: int) -> int:
        """Most the administration may cost (clause 十九: 1 % of the annual fund); the fund itself if no rule."""
        return annual_fund if self.admin_rate is None else int(self.admin_rate * annual_fund)


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    issuer: str
    date: str
    source: str
    levels: tuple[str, ...]
    level_names: dict[str, str]
    fund: Fund
    clauses: tuple[Clause, ...]
    items: tuple[Item, ...]
    path: str
    extra_fields: tuple[Field, ...] = ()  # [[fields]]: intake columns the pack adds to the data dictionary
    regions: tuple[
        str, ...
    ] = ()  # the jurisdiction's districts or cities: 所在区 must be one (intake, template)
    regions_source: str = ""  # where the list comes from (the clause, the division code table)
    sample_regions: tuple[str, ...] = ()  # the regions sample data draws from (default: all of them)
    division_code: str = ""  # GB/T 2260 code of the issuing government (sample credit codes)
    alternatives: tuple[Alternatives, ...] = ()  # [[alternatives]]: one item of several per enterprise

    def for_scenario(self, discretionary: dict[str, dict[str, float]]) -> Policy:
        """The policy with every ``shares = "scenario"`` item split as the scenario's
        ``[discretionary.<item>] fund_share`` says (an assumption of the scenario, not policy).
        Items without the number keep the pack's own split; the rules refuse such a scenario when
        the item has applications."""
        items = tuple(
            it.with_share(Fraction(str(discretionary[it.id][SHARE_PARAM])))
            if it.shares_from_scenario and SHARE_PARAM in discretionary.get(it.id, {})
            else it
            for it in self.items
        )
        return self if items == self.items else replace(self, items=items)

    def readings(self) -> list[tuple[str, str, str]]:
        """Every reading the pack takes, as (where, clause label, text): items' and alternatives'."""
        out = [(f"{it.id} {it.name}", it.clause_label, it.reading) for it in self.items if it.reading]
        out += [
            (f"{a.id}（{'、'.join(a.items)}）", a.clause_label, a.reading)
            for a in self.alternatives
            if a.reading
        ]
        return out

    @property
    def fields(self) -> tuple[Field, ...]:
        """The intake data dictionary for this policy: the standard fields and the pack's own."""
        return FIELDS + self.extra_fields

    @property
    def fund_name(self) -> str:
        """The allocated fund's level in Chinese (市级 for Changchun, 省级 for Heilongjiang)."""
        return self.level_names.get(self.levels[0], self.levels[0])

    @property
    def cofund_name(self) -> str:
        """The co-funding level in Chinese (区级, 市级), or 其他 where the pack has one level only."""
        return self.level_names.get(self.levels[1], self.levels[1]) if len(self.levels) > 1 else "其他"

    @property
    def cofund_clause(self) -> str:
        """The clause that has the co-funding level pay its share (changchun-2017: ``二``): the first
        ``fund`` clause whose title or note speaks of 配套; '' when the policy has none."""
        for c in self.clauses:
            if c.kind == "fund" and "配套" in f"{c.title}{c.note}":
                return c.no
        return ""

    def field(self, key: str) -> Field:
        return {f.key: f for f in self.fields}[key]

    def item(self, item_id: str) -> Item:
        return self._by_id()[item_id]

    def _by_id(self) -> dict[str, Item]:
        return {it.id: it for it in self.items}

    def resolve_item(self, text: object) -> str | None:
        """The item id for ``text`` written as an id or as the item's Chinese name (None if neither)."""
        if text is None:
            return None
        key = str(text).strip()
        for it in self.items:
            if key == it.id or key == it.name or key.lower() == it.id.lower():
                return it.id
        return None

    def clause(self, no: str) -> Clause:
        for c in self.clauses:
            if c.no == no:
                return c
        raise KeyError(no)

    def items_of(self, no: str) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.clause == no)


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
    cap = raw.get("cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int | float) or cap < 0):
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 的 cap 必须是非负数字",
            f"{where}: item {item_id}: cap must be a number ≥ 0",
        )
    floor = raw.get("floor", 0)
    if isinstance(floor, bool) or not isinstance(floor, int | float) or floor < 0:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 的 floor 必须是非负数字",
            f"{where}: item {item_id}: floor must be a number ≥ 0",
        )
    if amount is None and cap is None and not params:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 既无金额公式也无上限",
            f"{where}: item {item_id} has neither an amount formula nor a cap",
        )
    raw_shares = {levels[0]: 0.5, levels[-1]: 0.5} if from_scenario else raw.get("shares", {levels[0]: 1})
    shares = {str(k): Fraction(str(v)) for k, v in raw_shares.items()}
    unknown = set(shares) - set(levels)
    if unknown or sum(shares.values()) != 1:
        raise PolicyError(
            f"政策包 {where}：事项 {item_id} 的分担比例须为 {levels} 且合计为1",
            f"{where}: item {item_id}: shares must name levels {levels} and add up to 1",
        )
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
