"""The policy pack's types: a clause, an item with its conditions and formula, the fund, the policy; what the
rest of allocator reads of a pack."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from .expr import Expr
from .fields import FIELDS, Field
from .terms import SHARE_PARAM, Alternatives, Param


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
