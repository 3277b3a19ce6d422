"""The one check of a policy pack: every problem, with its file and line, wherever the pack is loaded.

:func:`validate` reads a pack's text and returns its tables with every problem found in one pass, each
with the file, the line, where in the pack (``items[2] c04-buy.conditions[1].when``, counting from 1 as
a reader counts ``[[items]]`` blocks), the value and what was expected, in Chinese and English.
:func:`allocator.policy.pack.load_policy` — behind ``run``, ``validate``, ``sweep``, ``plan``, ``verify``,
``template`` and every other command — refuses a pack with any problem that is not a warning, and
``allocator policy check`` prints them all: the two never disagree about a pack. Anything that could
change money is an error in both (an unknown key, which would be ignored; a share outside 0–1; a cap
of 1e308; ``years = -1``; a formula dividing by 0); a warning is a hint that changes nothing.

The bounds are in :mod:`allocator.policy.limits`, with the reason for each; the messages in
:mod:`allocator.policy.messages`; the checks of items, conditions, shares and alternatives in
:mod:`allocator.policy.check_items`.

:func:`check_pack` and :func:`check_text` never raise.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .check_items import ITEM_KEYS, ItemChecks, good_id, is_number, is_whole, normalised
from .fields import BY_KEY
from .limits import MAX_LEVELS, MAX_YUAN
from .lines import Locator, item_line
from .messages import MESSAGES, WARNINGS
from .problems import PackProblem, pack_error, shown
from .read import decode_pack, parse_pack, read_pack
from .terms import FIELD_KINDS

__all__ = ["ITEM_KEYS", "PackProblem", "check_pack", "check_text", "checked_tables", "item_line", "validate"]

TOP_KEYS = ("policy", "fund", "clauses", "items", "fields", "alternatives")
POLICY_KEYS = "id name issuer date source levels level_names division_code regions regions_source sample_regions".split()
FUND_KEYS = tuple(
    "annual_fund annual_fund_clause annual_fund_says admin_rate admin_clause admin_says carryover_clause"
    " carryover_says".split()
)
CLAUSE_KEYS = ("no", "title", "kind", "says", "note")
CLAUSE_KINDS = ("items", "fund", "non-monetary")
FIELD_KEYS = ("key", "zh", "kind", "unit")
DEFAULT_LEVELS = ("city", "district")
_NEAR = frozenset({"unknown_key", "unknown_table"})


def check_pack(path: str | Path) -> list[PackProblem]:
    """Every problem in the pack file at ``path``, sorted by line (an empty list: the pack is good)."""
    file = str(path)
    raw, problems = read_pack(Path(path), file)
    if raw is None:
        return problems
    text, problems = decode_pack(raw, file)
    return problems if text is None else check_text(text, file)


def check_text(text: str, file: str = "<pack>") -> list[PackProblem]:
    """Every problem in a pack's TOML ``text`` (``file`` names it in the problems)."""
    return validate(text, file)[1]


def validate(text: str, file: str) -> tuple[dict | None, list[PackProblem]]:
    """The pack's tables (None when they cannot be read) and every problem in them, sorted by line."""
    data, problems = parse_pack(text, file)
    if data is None:
        return None, problems
    checker = _Checker(file, Locator(text))
    checker.run(data)
    return data, sorted(checker.problems, key=lambda p: (p.line is None, p.line or 0))


def checked_tables(raw: bytes | str, file: str) -> dict:
    """The tables of a pack that passes :func:`validate`; else the :class:`PolicyError` listing every
    problem that is not a warning (the one path every loaded pack goes through)."""
    text, problems = decode_pack(raw, file) if isinstance(raw, bytes) else (raw, [])
    data = None
    if text is not None:
        data, problems = validate(text, file)
    errors = [p for p in problems if not p.warning]
    if errors or data is None:
        raise pack_error(errors or problems, file)
    return data


def _cut(value: object, most: int = 80) -> object:
    if isinstance(value, str) and len(value) > most:
        return value[: most - 1] + "…"
    return value


class _Checker(ItemChecks):
    """Walks the parsed pack once, collecting every problem; ``loc`` finds each one's line."""

    def __init__(self, file: str, loc: Locator) -> None:
        self.file = file
        self.loc = loc
        self.problems: list[PackProblem] = []
        self.levels: tuple[str, ...] = DEFAULT_LEVELS
        self.clause_nos: set[str] = set()
        self.field_keys: set[str] = set()
        self.field_kinds: dict[str, str] = {}  # the pack's [[fields]]: key -> kind

    def add(
        self, line: int | None, where: str, value: object, code: str, hint: str = "", **kw: object
    ) -> None:
        args = {k: _cut(v) if k in ("key", "no") else v for k, v in kw.items()}
        if code in _NEAR:
            near = difflib.get_close_matches(str(kw["key"]), list(kw["allowed"]), n=1, cutoff=0.6)
            args["near_zh"] = f"，是否应为 {near[0]!r}？" if near else ""
            args["near_en"] = f" (did you mean {near[0]!r}?)" if near else ""

        def text(template: str, sep: str) -> str:
            joined = {k: sep.join(map(str, v)) if isinstance(v, tuple | list) else v for k, v in args.items()}
            return template.format(value=shown(value), **joined)

        zh, en = MESSAGES[code]
        subject = kw.get("subject")
        self.problems.append(
            PackProblem(
                self.file,
                line,
                _cut(where, 160),
                value,
                text(zh, "、"),
                text(en, ", "),
                code in WARNINGS,
                hint,
                subject if isinstance(subject, tuple) else None,
                code,
            )
        )

    def run(self, data: dict) -> None:
        for key in data:
            if key not in TOP_KEYS:
                line = self.loc.block(key) or self.loc.key("", 0, key)
                self.add(line, f"[{_cut(key, 40)}]", key, "unknown_table", key=key, allowed=TOP_KEYS)
        self.policy(self.table(data, "policy"))
        clauses = self.array(data, "clauses")
        self.clause_nos = {str(c["no"]) for c in clauses if isinstance(c, dict) and "no" in c}
        self.fund(self.table(data, "fund"))
        self.clauses(clauses)
        self.fields(self.array(data, "fields"))
        items = self.array(data, "items")
        if "items" in data and not items:
            self.add(self.loc.block("items") or self.loc.key("", 0, "items"), "items", items, "no_items")
        elif "items" not in data:
            self.add(None, "items", None, "no_items")
        seen: dict[str, str] = {}
        for i, raw in enumerate(items):
            self.item(raw, i, seen)
        alternatives: set[str] = set()
        for i, raw in enumerate(self.array(data, "alternatives")):
            self.alternative(raw, i, set(seen.values()), alternatives)
        cited = {str(it.get("clause")) for it in items if isinstance(it, dict)}
        for i, c in enumerate(clauses):
            if isinstance(c, dict) and c.get("kind", "items") == "items" and str(c.get("no")) not in cited:
                no = c.get("no", "")
                self.add(self.loc.block("clauses", i), f"clauses[{i + 1}] {no}", no, "gap", no=no)

    def table(self, data: dict, name: str) -> dict | None:
        raw = data.get(name)
        if raw is None:
            self.add(None, f"[{name}]", None, "missing_table", key=name)
        elif not isinstance(raw, dict):
            self.add(self.loc.key("", 0, name), f"[{name}]", raw, "not_table", key=name)
        else:
            return raw
        return None

    def array(self, data: dict, name: str) -> list:
        value = data.get(name, [])
        if isinstance(value, list):
            return value
        self.add(self.loc.block(name) or self.loc.key("", 0, name), name, value, "not_array", key=name)
        return []

    def element(self, raw: object, table: str, i: int, label: str, allowed: tuple[str, ...]) -> str | None:
        """The ``where`` of the i-th element of [[table]] after checking its keys (None: not a table)."""
        named = isinstance(raw, dict) and label in raw
        where = f"{table}[{i + 1}]" + (f" {_cut(str(raw[label]), 40)}" if named else "")  # type: ignore[index]
        where = where if label else f"[{table}]"  # [policy] and [fund] are single tables
        if not isinstance(raw, dict):
            self.add(self.loc.block(table, i), where, raw, "not_table", key=where)
            return None
        for key in raw:
            if key not in allowed:
                line = self.loc.key(table, i, key)
                self.add(line, f"{where}.{_cut(key, 40)}", key, "unknown_key", key=key, allowed=allowed)
        return where

    def required(self, raw: dict, keys: tuple[str, ...], table: str, i: int, where: str) -> None:
        for key in keys:
            if key not in raw or (isinstance(raw[key], str) and not raw[key].strip()):
                self.add(self.loc.block(table, i), f"{where}.{key}", None, "required", key=key)

    def texts(self, raw: dict, keys: tuple[str, ...], table: str, i: int, where: str) -> None:
        for key in keys:
            if key in raw and not isinstance(raw[key], str):
                self.add(self.loc.key(table, i, key), f"{where}.{key}", raw[key], "text", key=key)

    def yuan(self, raw: dict, key: str, table: str, i: int, where: str) -> None:
        """Whole yuan, 0 to :data:`MAX_YUAN` (a cap, a floor, an annual fund)."""
        value = raw.get(key)
        if value is not None and not (is_whole(value) and 0 <= value <= MAX_YUAN):
            self.add(self.loc.key(table, i, key), f"{where}.{key}", value, "yuan", key=key, most=MAX_YUAN)

    def whole(self, raw: dict, key: str, i: int, where: str, bounds: tuple[int, int, str, str]) -> None:
        """A whole number within ``bounds`` (low, high, why in Chinese, in English)."""
        value = raw.get(key)
        low, high, why_zh, why_en = bounds
        if value is not None and not (is_whole(value) and low <= value <= high):
            line = self.loc.key("items", i, key)
            self.add(line, f"{where}.{key}", value, "whole_range", key=key, low=low, high=high, why_zh=why_zh, why_en=why_en)  # fmt: skip

    def policy(self, meta: dict | None) -> None:
        if meta is None or self.element(meta, "policy", 0, "", POLICY_KEYS) is None:
            return
        self.required(meta, ("id",), "policy", 0, "[policy]")
        if meta.get("id") is not None and not good_id(meta["id"]):
            self.add(self.loc.key("policy", 0, "id"), "[policy].id", meta["id"], "bad_id")
        self.texts(meta, ("name", "issuer", "date", "source", "division_code", "regions_source"), "policy", 0, "[policy]")  # fmt: skip
        levels = meta.get("levels", list(DEFAULT_LEVELS))
        names_ok = isinstance(levels, list) and all(isinstance(v, str) and v.strip() for v in levels)
        if names_ok and 0 < len(levels) <= MAX_LEVELS and len(set(levels)) == len(levels):
            self.levels = tuple(levels)
        else:
            self.add(
                self.loc.key("policy", 0, "levels"), "[policy].levels", levels, "levels", most=MAX_LEVELS
            )
        for key in ("regions", "sample_regions"):
            regions = meta.get(key, [])
            if not isinstance(regions, list) or not all(isinstance(r, str) and r for r in regions):
                self.add(self.loc.key("policy", 0, key), f"[policy].{key}", regions, "regions")
        sample, regions = meta.get("sample_regions", []), meta.get("regions", [])
        if isinstance(sample, list) and isinstance(regions, list):
            stray = sorted(set(map(str, sample)) - set(map(str, regions)))
            if stray:
                line = self.loc.key("policy", 0, "sample_regions")
                self.add(line, "[policy].sample_regions", stray, "sample_regions")
        names = meta.get("level_names", {})
        if (
            not isinstance(names, dict)
            or set(names) - set(self.levels)
            or not all(isinstance(v, str) for v in names.values())
        ):
            line = self.loc.key("policy", 0, "level_names")
            self.add(line, "[policy].level_names", names, "level_names", levels=self.levels)

    def fund(self, fund: dict | None) -> None:
        if fund is None or self.element(fund, "fund", 0, "", FUND_KEYS) is None:
            return
        self.yuan(fund, "annual_fund", "fund", 0, "[fund]")  # none: the scenario gives it
        rate = fund.get("admin_rate", 0)  # none: the document sets no limit on administration
        if not is_number(rate) or not 0 <= rate <= 1:
            self.add(self.loc.key("fund", 0, "admin_rate"), "[fund].admin_rate", rate, "admin_rate")
        for key in ("annual_fund_clause", "admin_clause", "carryover_clause"):
            no = fund.get(key)
            if no is not None and str(no) and str(no) not in self.clause_nos:
                self.add(self.loc.key("fund", 0, key), f"[fund].{key}", no, "no_clause", no=no)
        self.texts(fund, ("annual_fund_says", "admin_says", "carryover_says"), "fund", 0, "[fund]")

    def clauses(self, clauses: list) -> None:
        seen: set[str] = set()
        for i, c in enumerate(clauses):
            where = self.element(c, "clauses", i, "no", CLAUSE_KEYS)
            if where is None or not isinstance(c, dict):
                continue
            self.required(c, ("no",), "clauses", i, where)
            self.texts(c, ("no", "title", "says", "note"), "clauses", i, where)
            line = self.loc.key("clauses", i, "no")
            if "no" in c and normalised(c["no"]) in seen:
                self.add(line, f"{where}.no", c["no"], "dup_clause", no=c["no"])
            seen.add(normalised(c.get("no")))
            if c.get("kind", "items") not in CLAUSE_KINDS:
                line = self.loc.key("clauses", i, "kind")
                self.add(line, f"{where}.kind", c["kind"], "clause_kind", allowed=CLAUSE_KINDS)

    def fields(self, fields: list) -> None:
        for i, f in enumerate(fields):
            where = self.element(f, "fields", i, "key", FIELD_KEYS)
            if where is None or not isinstance(f, dict):
                continue
            self.required(f, ("key", "zh", "kind"), "fields", i, where)
            key, line = f.get("key"), self.loc.key("fields", i, "key")
            if key is not None and (not isinstance(key, str) or not key.isidentifier() or key in BY_KEY):
                self.add(line, f"{where}.key", key, "field_key")
            elif key in self.field_keys:
                self.add(line, f"{where}.key", key, "dup_field", key=key)
            elif key is not None:
                self.field_keys.add(key)
                self.field_kinds[key] = str(f.get("kind", ""))
            if "kind" in f and (not isinstance(f["kind"], str) or f["kind"] not in FIELD_KINDS):
                line = self.loc.key("fields", i, "kind")
                self.add(line, f"{where}.kind", f["kind"], "field_kind", allowed=tuple(sorted(FIELD_KINDS)))
            self.texts(f, ("zh", "unit"), "fields", i, where)
