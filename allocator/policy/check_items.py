"""The checks of a pack's ``[[items]]``, their conditions, formulas, parameters and shares, and of
``[[alternatives]]``: the part of :mod:`allocator.policy.check` that decides the money.

Each item's numbers must be what the loader can use without changing their meaning: a cap and a floor
in whole yuan up to :data:`~allocator.policy.limits.MAX_YUAN`; ``years`` from 1 to
:data:`~allocator.policy.limits.MAX_YEARS`; shares each from 0 to 1 that add up to exactly 1 as the
fractions of the decimals written (``0.5`` is 1/2, at most six decimals); conditions and formulas in the
language of :mod:`allocator.policy.expr` over numeric fields and the item's parameters (a formula that always
divides by zero or overflows is refused there).
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

from .expr import ALLOWED_EN, ALLOWED_ZH, ExprError, parse, quote
from .fields import BY_KEY, FIELDS
from .limits import MAX_LEDGER_YEARS, MAX_SHARE_DENOMINATOR, MAX_YEARS, MAX_YUAN
from .problems import shown
from .terms import PARAM_KINDS, SHARE_PARAM

ITEM_KEYS = tuple(
    "id name clause quote conditions amount amount_says cap cap_says floor floor_says shares discretionary"
    " params ledger ledger_years years reading cap_per cap_per_says once_per once_says".split()
)
ITEM_TEXTS = "name quote amount_says cap_says floor_says ledger reading cap_per_says once_says".split()
ALT_KEYS = ("id", "clause", "items", "per", "says", "reading")
PARAM_KEYS = ("says", "kind", "min", "max")
CONDITION_KEYS = ("when", "says")
#: Words by which a text leaves an amount to discretion (适当补助, 视条件, 视情况, 一定的补助).
DISCRETION_WORDS = ("视条件", "视情况", "适当", "一定的")
#: Fields a formula cannot read: text (申报单位, 统一社会信用代码, 所在区, 支持事项, 子平台名称).
TEXT_KINDS = frozenset({"text", "code", "item"})
NUMERIC_FIELDS = frozenset(f.key for f in FIELDS if f.kind not in TEXT_KINDS)
#: Names of the expression language a parameter may not take.
RESERVED = frozenset({"min", "max", "fill", "true", "false", "True", "False"})
#: An item's or group's id: letters, digits (any script), - _ . ; no spaces or invisible characters.
ID = re.compile(r"[\w.\-]{1,64}")
YEARS = (1, MAX_YEARS, "资助连续年度数", "consecutive years an approval is paid for")
LEDGER_YEARS = (0, MAX_LEDGER_YEARS, "监管台账年限", "years the supervision ledger runs")


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: object) -> bool:
    return is_number(value) and float(value).is_integer()  # type: ignore[arg-type]


def normalised(text: object) -> str:
    """An id or number as a person reads it: NFKC (full-width folded), no outer spaces, case folded."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def good_id(value: object) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


class ItemChecks:
    """The item checks of :class:`allocator.policy.check._Checker` (which provides ``add``, ``loc``,
    ``levels``, ``clause_nos``, ``field_keys``, ``required``, ``texts``, ``yuan`` and ``whole``)."""

    def item(self, raw: object, i: int, seen: dict[str, str]) -> None:
        where = self.element(raw, "items", i, "id", ITEM_KEYS)
        if where is None or not isinstance(raw, dict):
            return
        key = self.loc.key
        self.required(raw, ("id", "name", "clause"), "items", i, where)
        item_id = raw.get("id")
        if item_id is not None and not good_id(item_id):
            self.add(key("items", i, "id"), f"{where}.id", item_id, "bad_id")
        elif item_id is not None and normalised(item_id) in seen:
            self.add(key("items", i, "id"), f"{where}.id", item_id, "dup_item", key=item_id)
        elif item_id is not None:
            seen[normalised(item_id)] = item_id
        if "clause" in raw and str(raw["clause"]) not in self.clause_nos:
            no = raw["clause"]
            self.add(key("items", i, "clause"), f"{where}.clause", no, "no_clause", no=no)
        self.texts(raw, tuple(ITEM_TEXTS), "items", i, where)
        params = self.params(raw, i, where)
        names = NUMERIC_FIELDS | self.numeric_fields | set(params)
        label = str(item_id) if item_id is not None else f"items[{i + 1}]"
        self.conditions(raw.get("conditions", []), names, i, where, label)
        amount = raw.get("amount")
        if amount is not None and amount != "":
            subject = (f"事项 {label} 的金额公式 amount", f"item {label}, amount formula")
            self.expr(amount, names, key("items", i, "amount"), f"{where}.amount", subject)
        self.amounts(raw, i, where)
        self.shares(raw.get("shares"), i, where)
        self.cap_per(raw, i, where)
        self.once_per(raw, i, where)
        discretionary = raw.get("discretionary", False)
        line = key("items", i, "discretionary")
        if not isinstance(discretionary, bool):
            self.add(line, f"{where}.discretionary", discretionary, "discretionary")
        elif discretionary and not params:
            self.add(line, f"{where}.discretionary", discretionary, "no_params")
        if not amount and raw.get("cap") is None and not params:
            self.add(self.loc.block("items", i), where, None, "no_amount")
        words = [w for w in DISCRETION_WORDS if w in str(raw.get("quote", ""))]
        if words and discretionary is False:
            self.add(key("items", i, "quote"), f"{where}.quote", words[0], "discretion_words", word=words[0])

    @property
    def numeric_fields(self) -> set[str]:
        """The pack's own ``[[fields]]`` a formula may read (all but text)."""
        return {k for k, kind in self.field_kinds.items() if kind not in TEXT_KINDS}

    def amounts(self, raw: dict, i: int, where: str) -> None:
        """Cap and floor in whole yuan, the floor not above the cap; the years in range."""
        for name in ("cap", "floor"):
            self.yuan(raw, name, "items", i, where)
        self.whole(raw, "years", i, where, YEARS)
        self.whole(raw, "ledger_years", i, where, LEDGER_YEARS)
        cap, floor = raw.get("cap"), raw.get("floor")
        if is_number(cap) and is_number(floor) and floor > cap >= 0:
            line = self.loc.key("items", i, "floor")
            self.add(line, f"{where}.floor", floor, "floor_cap", floor=floor, cap=cap)

    def params(self, raw: dict, i: int, where: str) -> dict:
        params = raw.get("params", {})
        line = self.loc.key("items", i, "params")
        if not isinstance(params, dict):
            self.add(line, f"{where}.params", params, "params")
            return {}
        fields = set(BY_KEY) | self.field_keys
        for name, spec in params.items():
            at = f"{where}.params.{name}"
            if not name.isidentifier():
                self.add(line, at, name, "param_name")
            elif name in RESERVED or name in fields:
                why_zh, why_en = (
                    ("是表达式的保留字（min、max、fill、true、false）", "is a word of the expression language")
                    if name in RESERVED
                    else ("与申报表字段重名：公式将读取方案给出的数，而非申报数据", "is an intake field: formulas would read the scenario's number instead")
                )  # fmt: skip
                self.add(line, at, name, "param_taken", why_zh=why_zh, why_en=why_en)
            elif name == SHARE_PARAM and raw.get("shares") == "scenario":
                why_zh, why_en = (
                    '由 shares = "scenario" 使用（方案给出的承担比例）',
                    'is used by shares = "scenario"',
                )
                self.add(line, at, name, "param_taken", why_zh=why_zh, why_en=why_en)
            self.param(spec, line, at)
        return params

    def param(self, spec: object, line: int | None, where: str) -> None:
        if isinstance(spec, str):
            return
        if not isinstance(spec, dict):
            self.add(line, where, spec, "param_spec", why="须为文字或表 / not text or a table")
            return
        unknown = [k for k in spec if k not in PARAM_KEYS]
        kind = spec.get("kind", "number")
        bounds = [spec.get(k) for k in ("min", "max") if k in spec]
        ceiling = 1 if kind == "share" else MAX_YUAN
        if unknown:
            self.add(
                line,
                f"{where}.{unknown[0]}",
                spec,
                "param_spec",
                why=f"未知的键 / unknown key {unknown[0]!r}",
            )
        elif not isinstance(spec.get("says", ""), str):
            self.add(line, f"{where}.says", spec, "param_spec", why="says 须为文字 / says must be text")
        elif kind not in PARAM_KINDS:
            self.add(line, f"{where}.kind", spec, "param_spec", why=f"kind {shown(kind)}")
        elif not all(is_number(b) and 0 <= b <= ceiling for b in bounds):
            why = (
                f"min/max 须为 0 至 {ceiling:,} 之间的数 / min and max must be numbers from 0 to {ceiling:,}"
            )
            self.add(line, where, spec, "param_spec", why=why)
        elif len(bounds) == 2 and bounds[0] > bounds[1]:
            self.add(line, where, spec, "param_spec", why="min 大于 max / min > max")

    def cap_per(self, raw: dict, i: int, where: str) -> None:
        per = raw.get("cap_per")
        if per is None:
            return
        fields = set(BY_KEY) | self.field_keys
        ok = isinstance(per, list) and all(isinstance(f, str) and f in fields for f in per)
        if not ok or raw.get("cap") is None:
            why = "" if ok else f"（{shown(per)}）"
            self.add(self.loc.key("items", i, "cap_per"), f"{where}.cap_per", per, "cap_per", why=why)

    def once_per(self, raw: dict, i: int, where: str) -> None:
        per = raw.get("once_per")
        fields = set(BY_KEY) | self.field_keys
        ok = isinstance(per, list) and per and all(isinstance(f, str) and f in fields for f in per)
        if per is not None and not ok:
            self.add(self.loc.key("items", i, "once_per"), f"{where}.once_per", per, "once_per")

    def alternative(self, raw: object, i: int, items: set[str], seen: set[str]) -> None:
        where = self.element(raw, "alternatives", i, "id", ALT_KEYS)
        if where is None or not isinstance(raw, dict):
            return
        key = self.loc.key
        self.required(raw, ("id", "clause", "items"), "alternatives", i, where)
        group = raw.get("id")
        if group is not None and not good_id(group):
            self.add(key("alternatives", i, "id"), f"{where}.id", group, "bad_id")
        elif group is not None and normalised(group) in seen:
            self.add(key("alternatives", i, "id"), f"{where}.id", group, "dup_alt", key=group)
        seen.add(normalised(group))
        if "clause" in raw and str(raw["clause"]) not in self.clause_nos:
            line = key("alternatives", i, "clause")
            self.add(line, f"{where}.clause", raw["clause"], "no_clause", no=raw["clause"])
        listed = raw.get("items", [])
        listed = listed if isinstance(listed, list) else [listed]
        unknown = tuple(str(x) for x in listed if str(x) not in items)
        if unknown or len({str(x) for x in listed}) < 2 or len(set(map(str, listed))) < len(listed):
            line = key("alternatives", i, "items")
            self.add(line, f"{where}.items", listed, "alt_items", unknown=unknown or ("—",))
        per = raw.get("per", ["credit_code"])
        if not isinstance(per, list) or not all(
            isinstance(f, str) and f in set(BY_KEY) | self.field_keys for f in per
        ):
            self.add(key("alternatives", i, "per"), f"{where}.per", per, "alt_per")
        self.texts(raw, ("says", "reading"), "alternatives", i, where)

    def conditions(self, conditions: object, names: set[str], i: int, where: str, label: str) -> None:
        start = self.loc.key("items", i, "conditions")
        if not isinstance(conditions, list):
            self.add(start, f"{where}.conditions", conditions, "conditions")
            return
        for j, cond in enumerate(conditions):
            at = f"{where}.conditions[{j + 1}]"
            if not isinstance(cond, dict):
                self.add(start, at, cond, "condition")
                continue
            line = self.loc.nth("items", i, "when", j, start)
            for k in cond:
                if k not in CONDITION_KEYS:
                    self.add(line, f"{at}.{k}", k, "unknown_key", key=k, allowed=CONDITION_KEYS)
            if "when" not in cond:
                self.add(line, f"{at}.when", None, "required", key="when")
            else:
                subject = (f"事项 {label} 的条件（第{j + 1}条）", f"item {label}, condition {j + 1}")
                self.expr(cond["when"], names, line, f"{at}.when", subject)
            if not isinstance(cond.get("says", ""), str):
                self.add(line, f"{at}.says", cond["says"], "text", key="says")

    def expr(
        self, text: object, names: set[str], line: int | None, where: str, subject: tuple[str, str]
    ) -> None:
        if isinstance(text, dict | list):  # a number or true is read as the formula it spells
            self.add(line, where, text, "expr_type")
            return
        text = str(text)
        try:
            parsed = parse(text, names)
        except ExprError as exc:
            exc = _text_field(exc, text, names, set(BY_KEY) | self.field_keys) or exc
            quoted = quote(text.strip())
            said = (
                subject[0] + ("" if quoted in exc.zh else f" {quoted}"),
                subject[1] + ("" if quoted in exc.en else f" {quoted}"),
            )
            hint = exc.hint or f"可用 / allowed: {ALLOWED_ZH} / {ALLOWED_EN}"
            self.add(line, where, text, "expr", hint=hint, zh=exc.zh, en=exc.en, subject=said)
            return
        for divisor in parsed.divisors():
            self.add(line, where, text, "divisor", divisor=quote(divisor, 60))

    def shares(self, shares: object, i: int, where: str) -> None:
        if shares is None:
            return
        line, at = self.loc.key("items", i, "shares"), f"{where}.shares"
        if shares == "scenario":
            if len(self.levels) < 2:
                self.add(line, at, shares, "shares_scenario", levels=self.levels)
            return
        if not isinstance(shares, dict) or not all(is_number(v) and 0 <= v <= 1 for v in shares.values()):
            self.add(line, at, shares, "shares", level=self.levels[0])
            return
        unknown = tuple(k for k in shares if k not in self.levels)
        if unknown:
            self.add(line, at, shares, "share_levels", unknown=unknown, levels=self.levels)
        fractions = [Fraction(str(v)) for v in shares.values()]
        if any(f.denominator > MAX_SHARE_DENOMINATOR for f in fractions):
            self.add(line, at, shares, "share_decimals")
        elif sum(fractions, Fraction(0)) != 1:
            self.add(line, at, shares, "share_sum", total=_fraction_text(sum(fractions, Fraction(0))))


def _text_field(exc: ExprError, text: str, names: set[str], fields: set[str]) -> ExprError | None:
    """The error for a formula that reads a text field (申报单位 > 0): it is known, but not a number."""
    try:
        used = parse(text, names | fields).names
    except ExprError:
        return None
    words = "、".join(f"{BY_KEY[n].zh}（{n}）" if n in BY_KEY else n for n in sorted(used - names))
    return ExprError(
        f"表达式 {quote(text.strip())} 读取了文字字段 {words}：条件和公式只能使用数字和是/否字段",
        f"{quote(text.strip())} reads the text field(s) {', '.join(sorted(used - names))}: formulas use numbers and yes/no fields only",
    )


def _fraction_text(value: Fraction) -> str:
    return f"{float(value):g}" if value.denominator <= MAX_SHARE_DENOMINATOR else str(value)
