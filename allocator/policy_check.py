"""``allocator policy check``: every problem of a pack, with its file and line.

:func:`load_policy` stops at the first thing it cannot load. :func:`check_pack` is the friendly full
report: every problem in one pass, each with the file, the line, where in the pack (``items[2]
c04-buy.conditions[1].when``, counting from 1 as a reader counts ``[[items]]`` blocks), the value and
what was expected, in Chinese and English. It never raises.

TOML parsers give no line numbers for values, so lines are found by scanning the text: the n-th
``[[items]]`` header, then the first line in that block that starts with the key. That is enough to
point a user at the right line.

:func:`coverage` lists every clause of the source document with the items that implement it, or why
it has none (a fund rule, a non-monetary clause, or a gap); :func:`coverage_table` renders it.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .expr import ExprError, parse
from .fields import BY_KEY
from .policy import FIELD_KINDS
from .policy_messages import MESSAGES
from .policy_terms import PARAM_KINDS

TOP_KEYS = ("policy", "fund", "clauses", "items", "fields", "alternatives")
POLICY_KEYS = "id name issuer date source levels level_names division_code regions regions_source sample_regions".split()
FUND_KEYS = tuple(
    "annual_fund annual_fund_clause annual_fund_says admin_rate admin_clause admin_says carryover_clause"
    " carryover_says".split()
)
CLAUSE_KEYS = ("no", "title", "kind", "says", "note")
CLAUSE_KINDS = ("items", "fund", "non-monetary")
FIELD_KEYS = ("key", "zh", "kind", "unit")
ITEM_KEYS = tuple(
    "id name clause quote conditions amount amount_says cap cap_says floor floor_says shares discretionary"
    " params ledger ledger_years years reading cap_per cap_per_says once_per once_says".split()
)
ALT_KEYS = ("id", "clause", "items", "per", "says", "reading")
PARAM_KEYS = ("says", "kind", "min", "max")
#: Words by which a text leaves an amount to discretion (适当补助, 视条件, 视情况, 一定的补助).
DISCRETION_WORDS = ("视条件", "视情况", "适当", "一定的")
CONDITION_KEYS = ("when", "says")
WARNINGS = frozenset({"discretion_words"})  # problems that are hints: the pack still loads
DEFAULT_LEVELS = ("city", "district")


@dataclass(frozen=True)
class PackProblem:
    """One problem in a pack: where it is, what it holds, what was expected."""

    file: str
    line: int | None  # 1-based, or None when the problem is the file as a whole
    where: str  # e.g. items[2] c04-buy.conditions[1].when
    value: object
    message_zh: str
    message_en: str
    warning: bool = False  # a hint that does not stop the pack from loading

    def render(self) -> str:
        """``FILE:LINE: where: 中文说明 / English``."""
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.where}: {self.message_zh} / {self.message_en}"


def check_pack(path: str | Path) -> list[PackProblem]:
    """Every problem in the pack file at ``path``, sorted by line (an empty list: the pack is good)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [PackProblem(file, None, "file", file, "找不到政策包文件", "pack file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        zh, en = f"无法读取政策包文件（须为 UTF-8 文本）：{exc}", f"cannot read the pack: {exc}"
        return [PackProblem(file, None, "file", file, zh, en)]
    return check_text(text, file)


def check_text(text: str, file: str = "<pack>") -> list[PackProblem]:
    """Every problem in a pack's TOML ``text`` (``file`` names it in the problems)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [_syntax_problem(exc, text, file)]
    except RecursionError:
        return [PackProblem(file, None, "TOML", None, "TOML 嵌套过深", "TOML nested too deeply")]
    checker = _Checker(file, _Locator(text))
    checker.run(data)
    return sorted(checker.problems, key=lambda p: (p.line is None, p.line or 0))


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, file: str) -> PackProblem:
    msg = str(exc)
    found = re.search(r"at line (\d+), column (\d+)", msg)
    if found:
        line, col = int(found[1]), int(found[2])
        zh = f"TOML 语法错误（第{line}行第{col}列）：{msg}"
    else:  # "at end of document"
        line = max(1, len(text.splitlines()))
        zh = f"TOML 语法错误（文件末尾）：{msg}"
    return PackProblem(file, line, "TOML", None, zh, f"not valid TOML: {msg}")


# ------------------------------------------------------------------------------------------ lines


def item_line(text: str, index: int, key: str, nth: int | None = None) -> int | None:
    """The line of ``key`` in the ``index``-th (from 0) ``[[items]]`` block of a pack's ``text``.

    With ``nth``, the ``nth`` (from 0) ``key =`` from the item's ``conditions`` on (a condition's
    ``when``): the same line ``allocator policy check`` reports.
    """
    loc = _Locator(text)
    if nth is None:
        return loc.key("items", index, key)
    return loc.nth("items", index, key, nth, loc.key("items", index, "conditions"))


_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w\-.\"' ]+?)\s*\]\]?\s*(#.*)?$")


class _Locator:
    """Line numbers for tables, array elements and keys, found by scanning the text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.owner: list[tuple[str, int]] = []  # per line: (top-level table, element number from 0)
        self.header: dict[tuple[str, int], int] = {}
        self.is_code: list[bool] = []  # False inside multi-line strings and on comment lines
        counts: dict[str, int] = {}
        current = ("", 0)
        in_string = False
        for no, line in enumerate(self.lines, 1):
            code = not in_string and not line.lstrip().startswith("#")
            m = _HEADER.match(line) if code else None
            if m:
                parts = m[2].split(".")
                top = parts[0].strip().strip("\"'")
                if m[1] == "[[" and len(parts) == 1:
                    counts[top] = counts.get(top, -1) + 1
                    current = (top, counts[top])
                elif current[0] != top:  # [policy], [fund.x]; [items.params] stays with its item
                    current = (top, max(counts.get(top, 0), 0))
                self.header.setdefault(current, no)
            self.owner.append(current)
            self.is_code.append(code)
            if line.count('"""') % 2 or line.count("'''") % 2:
                in_string = not in_string

    def block(self, table: str, index: int = 0) -> int | None:
        """The header line of a table (or of the ``index``-th element of an array of tables)."""
        return self.header.get((table, index))

    def key(self, table: str, index: int, key: str) -> int | None:
        """The line where ``key`` is set in the block, else the block's header line."""
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[=.]")
        sub_header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\.\s*{re.escape(key)}\s*[\].]")
        for no, (owner, line) in enumerate(zip(self.owner, self.lines, strict=True), 1):
            if owner == (table, index) and self.is_code[no - 1]:
                if pattern.match(line) or sub_header.match(line):
                    return no
        return self.block(table, index) if table else None

    def nth(self, table: str, index: int, key: str, n: int, start: int | None) -> int | None:
        """The line of the ``n``-th (from 0) ``key =`` in the block, from line ``start`` on."""
        pattern = re.compile(rf"(?:^|[\s{{,])(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        seen = 0
        for no, (owner, line) in enumerate(zip(self.owner, self.lines, strict=True), 1):
            if owner != (table, index) or not self.is_code[no - 1] or (start and no < start):
                continue
            for _ in pattern.finditer(line):
                if seen == n:
                    return no
                seen += 1
        return start


# ---------------------------------------------------------------------------------------- checker


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: object) -> bool:
    return _is_number(value) and float(value).is_integer()  # type: ignore[arg-type]


class _Checker:
    """Walks the parsed pack once, collecting every problem; ``loc`` finds each one's line."""

    def __init__(self, file: str, loc: _Locator) -> None:
        self.file = file
        self.loc = loc
        self.problems: list[PackProblem] = []
        self.levels: tuple[str, ...] = DEFAULT_LEVELS
        self.clause_nos: set[str] = set()
        self.field_keys: set[str] = set()

    def add(self, line: int | None, where: str, value: object, code: str, **kw: object) -> None:
        def text(template: str, sep: str) -> str:
            args = {k: sep.join(map(str, v)) if isinstance(v, tuple | list) else v for k, v in kw.items()}
            return template.format(value=value, **args)

        zh, en = MESSAGES[code]
        warning = code in WARNINGS
        self.problems.append(
            PackProblem(self.file, line, where, value, text(zh, "、"), text(en, ", "), warning)
        )

    def run(self, data: dict) -> None:
        for key in data:
            if key not in TOP_KEYS:
                line = self.loc.block(key) or self.loc.key("", 0, key)
                self.add(line, f"[{key}]", key, "unknown_table", key=key, allowed=TOP_KEYS)
        self.policy(self.table(data, "policy"))
        clauses = self.array(data, "clauses")
        self.clause_nos = {str(c["no"]) for c in clauses if isinstance(c, dict) and "no" in c}
        self.fund(self.table(data, "fund"))
        self.clauses(clauses)
        self.fields(self.array(data, "fields"))
        items = self.array(data, "items")
        seen: set[str] = set()
        for i, raw in enumerate(items):
            self.item(raw, i, seen)
        for i, raw in enumerate(self.array(data, "alternatives")):
            self.alternative(raw, i, seen)
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
        where = f"{table}[{i + 1}]" + (f" {raw[label]}" if isinstance(raw, dict) and label in raw else "")
        where = where if label else f"[{table}]"  # [policy] and [fund] are single tables
        if not isinstance(raw, dict):
            self.add(self.loc.block(table, i), where, raw, "not_table", key=where)
            return None
        for key in raw:
            if key not in allowed:
                self.add(
                    self.loc.key(table, i, key),
                    f"{where}.{key}",
                    key,
                    "unknown_key",
                    key=key,
                    allowed=allowed,
                )
        return where

    def required(self, raw: dict, keys: tuple[str, ...], table: str, i: int, where: str) -> None:
        for key in keys:
            if key not in raw or not str(raw[key]).strip():
                self.add(self.loc.block(table, i), f"{where}.{key}", None, "required", key=key)

    def texts(self, raw: dict, keys: tuple[str, ...], table: str, i: int, where: str) -> None:
        for key in keys:
            if key in raw and not isinstance(raw[key], str):
                self.add(self.loc.key(table, i, key), f"{where}.{key}", raw[key], "text", key=key)

    def number(self, raw: dict, key: str, table: str, i: int, where: str, whole: bool = False) -> None:
        value = raw.get(key)
        if value is not None and (not (_is_whole(value) if whole else _is_number(value)) or value < 0):
            self.add(
                self.loc.key(table, i, key), f"{where}.{key}", value, "whole" if whole else "number", key=key
            )

    def policy(self, meta: dict | None) -> None:
        if meta is None or self.element(meta, "policy", 0, "", POLICY_KEYS) is None:
            return
        self.required(meta, ("id",), "policy", 0, "[policy]")
        levels = meta.get("levels", list(DEFAULT_LEVELS))
        names_ok = isinstance(levels, list) and all(isinstance(v, str) and v for v in levels)
        if names_ok and levels and len(set(levels)) == len(levels):
            self.levels = tuple(levels)
        else:
            self.add(self.loc.key("policy", 0, "levels"), "[policy].levels", levels, "levels")
        for key in ("regions", "sample_regions"):
            regions = meta.get(key, [])
            if not isinstance(regions, list) or not all(isinstance(r, str) and r for r in regions):
                self.add(self.loc.key("policy", 0, key), f"[policy].{key}", regions, "regions")
        sample = meta.get("sample_regions", [])
        if isinstance(sample, list) and set(map(str, sample)) - set(map(str, meta.get("regions", []))):
            line = self.loc.key("policy", 0, "sample_regions")
            self.add(line, "[policy].sample_regions", sample, "sample_regions")
        names = meta.get("level_names", {})
        if not isinstance(names, dict) or set(names) - set(self.levels):
            line = self.loc.key("policy", 0, "level_names")
            self.add(line, "[policy].level_names", names, "level_names", levels=self.levels)

    def fund(self, fund: dict | None) -> None:
        if fund is None or self.element(fund, "fund", 0, "", FUND_KEYS) is None:
            return
        self.number(fund, "annual_fund", "fund", 0, "[fund]", whole=True)  # none: the scenario gives it
        rate = fund.get("admin_rate", 0)  # none: the document sets no limit on administration
        if not _is_number(rate) or not 0 <= rate <= 1:
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
            if where is None:
                continue
            self.required(c, ("no",), "clauses", i, where)
            if "no" in c and str(c["no"]) in seen:
                self.add(self.loc.key("clauses", i, "no"), f"{where}.no", c["no"], "dup_clause", no=c["no"])
            seen.add(str(c.get("no")))
            if c.get("kind", "items") not in CLAUSE_KINDS:
                line = self.loc.key("clauses", i, "kind")
                self.add(line, f"{where}.kind", c["kind"], "clause_kind", allowed=CLAUSE_KINDS)
            self.texts(c, ("title", "says", "note"), "clauses", i, where)

    def fields(self, fields: list) -> None:
        for i, f in enumerate(fields):
            where = self.element(f, "fields", i, "key", FIELD_KEYS)
            if where is None:
                continue
            self.required(f, ("key", "zh", "kind"), "fields", i, where)
            key, line = f.get("key"), self.loc.key("fields", i, "key")
            if key is not None and (not isinstance(key, str) or not key.isidentifier() or key in BY_KEY):
                self.add(line, f"{where}.key", key, "field_key")
            elif key in self.field_keys:
                self.add(line, f"{where}.key", key, "dup_field", key=key)
            elif key is not None:
                self.field_keys.add(key)
            if "kind" in f and (not isinstance(f["kind"], str) or f["kind"] not in FIELD_KINDS):
                line = self.loc.key("fields", i, "kind")
                self.add(line, f"{where}.kind", f["kind"], "field_kind", allowed=tuple(sorted(FIELD_KINDS)))
            self.texts(f, ("zh", "unit"), "fields", i, where)

    def item(self, raw: object, i: int, seen: set[str]) -> None:
        where = self.element(raw, "items", i, "id", ITEM_KEYS)
        if where is None or not isinstance(raw, dict):
            return
        key = self.loc.key
        self.required(raw, ("id", "name", "clause"), "items", i, where)
        if "id" in raw and str(raw["id"]) in seen:
            self.add(key("items", i, "id"), f"{where}.id", raw["id"], "dup_item", key=raw["id"])
        seen.add(str(raw.get("id")))
        if "clause" in raw and str(raw["clause"]) not in self.clause_nos:
            self.add(
                key("items", i, "clause"), f"{where}.clause", raw["clause"], "no_clause", no=raw["clause"]
            )
        self.texts(
            raw,
            ("name", "quote", "amount_says", "cap_says", "floor_says", "ledger", "reading", "cap_per_says"),
            "items",
            i,
            where,
        )

        params = raw.get("params", {})
        if not isinstance(params, dict):
            self.add(key("items", i, "params"), f"{where}.params", params, "params")
            params = {}
        for name, spec in params.items():
            if not name.isidentifier():
                self.add(key("items", i, "params"), f"{where}.params.{name}", name, "param_name")
            self.param(spec, key("items", i, "params"), f"{where}.params.{name}")
        names = set(BY_KEY) | self.field_keys | set(params)
        self.conditions(raw.get("conditions", []), names, i, where)
        amount = raw.get("amount")
        if amount is not None and amount != "":
            self.expr(amount, names, key("items", i, "amount"), f"{where}.amount")

        for name in ("cap", "floor"):
            self.number(raw, name, "items", i, where)
        for name in ("ledger_years", "years"):
            self.number(raw, name, "items", i, where, whole=True)
        cap, floor = raw.get("cap"), raw.get("floor")
        if _is_number(cap) and _is_number(floor) and floor > cap >= 0:
            self.add(key("items", i, "floor"), f"{where}.floor", floor, "floor_cap", floor=floor, cap=cap)
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

    def param(self, spec: object, line: int | None, where: str) -> None:
        if isinstance(spec, str):
            return
        if not isinstance(spec, dict):
            self.add(line, where, spec, "param_spec", why="not text or a table")
            return
        unknown = [k for k in spec if k not in PARAM_KEYS]
        kind = spec.get("kind", "number")
        bounds = [spec.get(k) for k in ("min", "max") if k in spec]
        if unknown:
            self.add(line, where, spec, "param_spec", why=f"unknown key {unknown[0]!r}")
        elif kind not in PARAM_KINDS:
            self.add(line, where, spec, "param_spec", why=f"kind {kind!r}")
        elif not all(_is_number(b) and b >= 0 for b in bounds):
            self.add(line, where, spec, "param_spec", why="min/max must be numbers ≥ 0")
        elif len(bounds) == 2 and bounds[0] > bounds[1]:
            self.add(line, where, spec, "param_spec", why="min > max")

    def cap_per(self, raw: dict, i: int, where: str) -> None:
        per = raw.get("cap_per")
        if per is None:
            return
        fields = set(BY_KEY) | self.field_keys
        ok = isinstance(per, list) and all(isinstance(f, str) and f in fields for f in per)
        if not ok or raw.get("cap") is None:
            why = "" if ok else f"（{per!r}）"
            self.add(self.loc.key("items", i, "cap_per"), f"{where}.cap_per", per, "cap_per", why=why)

    def once_per(self, raw: dict, i: int, where: str) -> None:
        per = raw.get("once_per")
        fields = set(BY_KEY) | self.field_keys
        ok = isinstance(per, list) and per and all(isinstance(f, str) and f in fields for f in per)
        if per is not None and not ok:
            self.add(self.loc.key("items", i, "once_per"), f"{where}.once_per", per, "once_per")

    def alternative(self, raw: object, i: int, items: set[str]) -> None:
        where = self.element(raw, "alternatives", i, "id", ALT_KEYS)
        if where is None or not isinstance(raw, dict):
            return
        self.required(raw, ("id", "clause", "items"), "alternatives", i, where)
        if "clause" in raw and str(raw["clause"]) not in self.clause_nos:
            line = self.loc.key("alternatives", i, "clause")
            self.add(line, f"{where}.clause", raw["clause"], "no_clause", no=raw["clause"])
        listed = raw.get("items", [])
        listed = listed if isinstance(listed, list) else [listed]
        unknown = tuple(str(x) for x in listed if str(x) not in items)
        if unknown or len(listed) < 2:
            self.add(
                self.loc.key("alternatives", i, "items"),
                f"{where}.items",
                listed,
                "alt_items",
                unknown=unknown,
            )
        per = raw.get("per", ["credit_code"])
        if not isinstance(per, list) or not all(
            isinstance(f, str) and f in set(BY_KEY) | self.field_keys for f in per
        ):
            self.add(self.loc.key("alternatives", i, "per"), f"{where}.per", per, "alt_per")
        self.texts(raw, ("says", "reading"), "alternatives", i, where)

    def conditions(self, conditions: object, names: set[str], i: int, where: str) -> None:
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
                self.expr(cond["when"], names, line, f"{at}.when")
            if not isinstance(cond.get("says", ""), str):
                self.add(line, f"{at}.says", cond["says"], "text", key="says")

    def expr(self, text: object, names: set[str], line: int | None, where: str) -> None:
        if isinstance(text, dict | list):
            self.add(line, where, text, "expr_type")
            return
        try:
            parse(str(text), names)
        except ExprError as exc:
            self.add(line, where, text, "expr", zh=exc.zh, en=exc.en)

    def shares(self, shares: object, i: int, where: str) -> None:
        if shares is None:
            return
        line, at = self.loc.key("items", i, "shares"), f"{where}.shares"
        if shares == "scenario":
            if len(self.levels) < 2:
                self.add(line, at, shares, "shares_scenario", levels=self.levels)
            return
        if not isinstance(shares, dict) or not all(_is_number(v) and 0 <= v <= 1 for v in shares.values()):
            self.add(line, at, shares, "shares", level=self.levels[0])
            return
        unknown = tuple(k for k in shares if k not in self.levels)
        if unknown:
            self.add(line, at, shares, "share_levels", unknown=unknown, levels=self.levels)
        total = sum((Fraction(str(v)) for v in shares.values()), Fraction(0))
        if total != 1:
            self.add(line, at, shares, "share_sum", total=float(total))
