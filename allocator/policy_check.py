"""Checking a policy pack an office wrote, and how much of its document a pack covers.

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
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .expr import ExprError, parse
from .fields import BY_KEY
from .policy import FIELD_KINDS, Clause, Item, Policy

TOP_KEYS = ("policy", "fund", "clauses", "items", "fields")
POLICY_KEYS = ("id", "name", "issuer", "date", "source", "levels", "level_names")
FUND_KEYS = (
    "annual_fund",
    "annual_fund_clause",
    "annual_fund_says",
    "admin_rate",
    "admin_clause",
    "admin_says",
    "carryover_clause",
    "carryover_says",
)
CLAUSE_KEYS = ("no", "title", "kind", "says", "note")
CLAUSE_KINDS = ("items", "fund", "non-monetary")
FIELD_KEYS = ("key", "zh", "kind", "unit")
ITEM_KEYS = (
    "id",
    "name",
    "clause",
    "quote",
    "conditions",
    "amount",
    "amount_says",
    "cap",
    "cap_says",
    "floor",
    "floor_says",
    "shares",
    "discretionary",
    "params",
    "ledger",
    "ledger_years",
    "years",
)
CONDITION_KEYS = ("when", "says")
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

    def render(self) -> str:
        """``FILE:LINE: where: 中文说明 / English``."""
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.where}: {self.message_zh} / {self.message_en}"


def check_pack(path: str | Path) -> list[PackProblem]:
    """Every problem in the pack file at ``path``, sorted by line (an empty list: the pack is good)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [
            PackProblem(file, None, "文件", file, f"无法读取政策包：{exc}", f"cannot read the pack: {exc}")
        ]
    return check_text(text, file)


def check_text(text: str, file: str = "<pack>") -> list[PackProblem]:
    """Every problem in a pack's TOML ``text`` (``file`` names it in the problems)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [_syntax_problem(exc, text, file)]
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


def _split_expr_error(text: str) -> tuple[str, str]:
    """ExprError text is ``中文 / English``; the formula quoted in it may hold a ``/`` too."""
    for m in re.finditer(r"/ ", text):
        rest = text[m.end() :]
        if not any(unicodedata.east_asian_width(ch) in "WF" for ch in rest):
            return text[: m.start()].rstrip(), rest
    head, sep, tail = text.rpartition(" / ")
    return (head, tail) if sep else (text, text)


class _Checker:
    def __init__(self, file: str, loc: _Locator) -> None:
        self.file = file
        self.loc = loc
        self.problems: list[PackProblem] = []
        self.levels: tuple[str, ...] = DEFAULT_LEVELS
        self.clause_nos: set[str] = set()
        self.field_keys: set[str] = set()

    def add(self, line: int | None, where: str, value: object, zh: str, en: str) -> None:
        self.problems.append(PackProblem(self.file, line, where, value, zh, en))

    def run(self, data: dict) -> None:
        for key in data:
            if key not in TOP_KEYS:
                line = self.loc.block(key) or self.loc.key("", 0, key)
                self.add(
                    line,
                    f"[{key}]",
                    key,
                    f"未知的表 [{key}]（可用：{'、'.join(TOP_KEYS)}）",
                    f"unknown table [{key}] (allowed: {', '.join(TOP_KEYS)})",
                )
        self.policy(data.get("policy"))
        clauses = self.array(data, "clauses")
        self.clause_nos = {str(c["no"]) for c in clauses if isinstance(c, dict) and "no" in c}
        self.fund(data.get("fund"))
        self.clauses(clauses)
        self.fields(self.array(data, "fields"))
        items = self.array(data, "items")
        self.items(items)
        cited = {str(it.get("clause")) for it in items if isinstance(it, dict)}
        for i, c in enumerate(clauses):
            if isinstance(c, dict) and c.get("kind", "items") == "items" and str(c.get("no")) not in cited:
                no = c.get("no", "")
                self.add(
                    self.loc.block("clauses", i),
                    f"clauses[{i + 1}] {no}",
                    no,
                    f'条款（{no}）的 kind 为 items，但没有事项实现它：补上事项，或改为 kind = "fund" / "non-monetary"',
                    f'clause {no} is of kind "items" but no item implements it: add one, or mark it "fund" or "non-monetary"',
                )

    def array(self, data: dict, name: str) -> list:
        value = data.get(name, [])
        if isinstance(value, list):
            return value
        self.add(
            self.loc.block(name) or self.loc.key("", 0, name),
            name,
            value,
            f"{name} 须写成 [[{name}]] 表数组",
            f"{name} must be an array of tables, [[{name}]]",
        )
        return []

    def unknown_keys(self, raw: dict, allowed: tuple[str, ...], table: str, index: int, where: str) -> None:
        for key in raw:
            if key not in allowed:
                self.add(
                    self.loc.key(table, index, key),
                    f"{where}.{key}",
                    key,
                    f"未知的键 {key!r}（可用：{'、'.join(allowed)}）",
                    f"unknown key {key!r} (allowed: {', '.join(allowed)})",
                )

    def table(self, raw: object, name: str) -> dict | None:
        if raw is None:
            self.add(None, f"[{name}]", None, f"缺少 [{name}] 表", f"the [{name}] table is missing")
            return None
        if not isinstance(raw, dict):
            self.add(self.loc.key("", 0, name), f"[{name}]", raw, f"{name} 须为表", f"{name} must be a table")
            return None
        return raw

    def policy(self, raw: object) -> None:
        meta = self.table(raw, "policy")
        if meta is None:
            return
        self.unknown_keys(meta, POLICY_KEYS, "policy", 0, "[policy]")
        if not str(meta.get("id", "")).strip():
            self.add(self.loc.block("policy"), "[policy].id", None, "缺少政策包编号 id", "id is required")
        levels = meta.get("levels", list(DEFAULT_LEVELS))
        if (
            not isinstance(levels, list)
            or not levels
            or not all(isinstance(v, str) and v for v in levels)
            or len(set(levels)) != len(levels)
        ):
            self.add(
                self.loc.key("policy", 0, "levels"),
                "[policy].levels",
                levels,
                '分担层级 levels 须为不重复的名称列表，如 ["city", "district"]',
                'levels must be a list of distinct names, e.g. ["city", "district"]',
            )
        else:
            self.levels = tuple(levels)
        names = meta.get("level_names", {})
        if not isinstance(names, dict) or set(names) - set(self.levels):
            self.add(
                self.loc.key("policy", 0, "level_names"),
                "[policy].level_names",
                names,
                f"level_names 须为表，键取自 levels（{'、'.join(self.levels)}）",
                f"level_names must be a table keyed by levels ({', '.join(self.levels)})",
            )

    def fund(self, raw: object) -> None:
        fund = self.table(raw, "fund")
        if fund is None:
            return
        self.unknown_keys(fund, FUND_KEYS, "fund", 0, "[fund]")
        annual = fund.get("annual_fund")
        if annual is None:
            self.add(
                self.loc.block("fund"),
                "[fund].annual_fund",
                None,
                "缺少年度专项资金 annual_fund（元）",
                "annual_fund (yuan) is required",
            )
        elif not _is_whole(annual) or annual < 0:
            self.number_problem("fund", 0, "[fund]", "annual_fund", annual, whole=True)
        rate = fund.get("admin_rate", 0)
        if not _is_number(rate) or not 0 <= rate <= 1:
            self.add(
                self.loc.key("fund", 0, "admin_rate"),
                "[fund].admin_rate",
                rate,
                "管理费用比例 admin_rate 须为 0–1 之间的数字，如 0.01",
                "admin_rate must be a number from 0 to 1, e.g. 0.01",
            )
        for key in ("annual_fund_clause", "admin_clause", "carryover_clause"):
            no = fund.get(key)
            if no is not None and str(no) and str(no) not in self.clause_nos:
                self.add(
                    self.loc.key("fund", 0, key),
                    f"[fund].{key}",
                    no,
                    f"引用的条款（{no}）不在 [[clauses]] 中",
                    f"clause {no!r} is not listed in [[clauses]]",
                )

    def clauses(self, clauses: list) -> None:
        seen: set[str] = set()
        for i, c in enumerate(clauses):
            where = f"clauses[{i + 1}]"
            if not isinstance(c, dict):
                self.add(self.loc.block("clauses", i), where, c, "条款须为表", "a clause must be a table")
                continue
            if "no" in c:
                where += f" {c['no']}"
            self.unknown_keys(c, CLAUSE_KEYS, "clauses", i, where)
            if "no" not in c or not str(c["no"]).strip():
                self.add(
                    self.loc.block("clauses", i),
                    f"{where}.no",
                    None,
                    '缺少条款序号 no，如 no = "四"',
                    'no (the clause number, e.g. no = "四") is required',
                )
            elif str(c["no"]) in seen:
                self.add(
                    self.loc.key("clauses", i, "no"),
                    f"{where}.no",
                    c["no"],
                    f"条款（{c['no']}）重复列出",
                    f"clause {c['no']!r} is listed twice",
                )
            else:
                seen.add(str(c["no"]))
            kind = c.get("kind", "items")
            if kind not in CLAUSE_KINDS:
                self.add(
                    self.loc.key("clauses", i, "kind"),
                    f"{where}.kind",
                    kind,
                    f"条款类型 kind 须为 {'、'.join(CLAUSE_KINDS)} 之一",
                    f"kind must be one of {', '.join(CLAUSE_KINDS)}",
                )
            self.texts(c, ("title", "says", "note"), "clauses", i, where)

    def fields(self, fields: list) -> None:
        for i, f in enumerate(fields):
            where = f"fields[{i + 1}]"
            if not isinstance(f, dict):
                self.add(self.loc.block("fields", i), where, f, "字段须为表", "a field must be a table")
                continue
            key = f.get("key")
            if key is not None:
                where += f" {key}"
            self.unknown_keys(f, FIELD_KEYS, "fields", i, where)
            for req in ("key", "zh", "kind"):
                if req not in f:
                    self.add(
                        self.loc.block("fields", i),
                        f"{where}.{req}",
                        None,
                        f"缺少 {req}（[[fields]] 须有 key、zh、kind）",
                        f"{req} is required (a field needs key, zh and kind)",
                    )
            if key is not None:
                if not isinstance(key, str) or not key.isidentifier() or key in BY_KEY:
                    self.add(
                        self.loc.key("fields", i, "key"),
                        f"{where}.key",
                        key,
                        "key 须为英文标识符（字母、数字、下划线），且不与标准字段重名",
                        "key must be an identifier (letters, digits, _) not already in the data dictionary",
                    )
                elif key in self.field_keys:
                    self.add(
                        self.loc.key("fields", i, "key"),
                        f"{where}.key",
                        key,
                        f"字段 {key} 重复声明",
                        f"field {key} is declared twice",
                    )
                else:
                    self.field_keys.add(key)
            if "kind" in f and f["kind"] not in FIELD_KINDS:
                self.add(
                    self.loc.key("fields", i, "kind"),
                    f"{where}.kind",
                    f["kind"],
                    f"字段类型 kind 须为 {'、'.join(sorted(FIELD_KINDS))} 之一",
                    f"kind must be one of {', '.join(sorted(FIELD_KINDS))}",
                )
            self.texts(f, ("zh", "unit"), "fields", i, where)

    def items(self, items: list) -> None:
        seen: set[str] = set()
        for i, raw in enumerate(items):
            where = f"items[{i + 1}]"
            if not isinstance(raw, dict):
                self.add(self.loc.block("items", i), where, raw, "事项须为表", "an item must be a table")
                continue
            if "id" in raw:
                where += f" {raw['id']}"
            self.item(raw, i, where, seen)

    def item(self, raw: dict, i: int, where: str, seen: set[str]) -> None:
        loc = self.loc
        self.unknown_keys(raw, ITEM_KEYS, "items", i, where)
        for req, zh in (("id", "事项编号"), ("name", "事项名称"), ("clause", "所依据的条款序号")):
            if req not in raw or not str(raw[req]).strip():
                self.add(
                    loc.block("items", i), f"{where}.{req}", None, f"缺少{zh} {req}", f"{req} is required"
                )
        if "id" in raw:
            if str(raw["id"]) in seen:
                self.add(
                    loc.key("items", i, "id"),
                    f"{where}.id",
                    raw["id"],
                    f"事项编号 {raw['id']} 重复",
                    f"item id {raw['id']} is used twice",
                )
            seen.add(str(raw["id"]))
        if "clause" in raw and str(raw["clause"]) not in self.clause_nos:
            self.add(
                loc.key("items", i, "clause"),
                f"{where}.clause",
                raw["clause"],
                f"事项引用的条款（{raw['clause']}）不在 [[clauses]] 中",
                f"the item cites clause {raw['clause']!r}, which [[clauses]] does not list",
            )
        self.texts(
            raw, ("name", "quote", "amount_says", "cap_says", "floor_says", "ledger"), "items", i, where
        )

        params = raw.get("params", {})
        if not isinstance(params, dict):
            self.add(
                loc.key("items", i, "params"),
                f"{where}.params",
                params,
                'params 须为表：参数名 = "含义"',
                'params must be a table: name = "meaning"',
            )
            params = {}
        for name in params:
            if not name.isidentifier():
                self.add(
                    loc.key("items", i, "params"),
                    f"{where}.params.{name}",
                    name,
                    "参数名须为英文标识符（字母、数字、下划线）",
                    "a parameter name must be an identifier (letters, digits, _)",
                )
        names = set(BY_KEY) | self.field_keys | set(params)
        self.conditions(raw.get("conditions", []), names, i, where)

        amount = raw.get("amount")
        if amount is not None and amount != "":
            self.expr(amount, names, loc.key("items", i, "amount"), f"{where}.amount")

        for key in ("cap", "floor"):
            value = raw.get(key)
            if value is not None and (not _is_number(value) or value < 0):
                self.number_problem("items", i, where, key, value)
        cap, floor = raw.get("cap"), raw.get("floor")
        if _is_number(cap) and _is_number(floor) and floor > cap >= 0:
            self.add(
                loc.key("items", i, "floor"),
                f"{where}.floor",
                floor,
                f"下限 floor {floor:,} 高于上限 cap {cap:,}：没有金额能同时满足",
                f"floor {floor:,} is above cap {cap:,}: no award can meet both",
            )
        for key in ("ledger_years", "years"):
            value = raw.get(key)
            if value is not None and (not _is_whole(value) or value < 0):
                self.number_problem("items", i, where, key, value, whole=True)

        self.shares(raw.get("shares"), i, where)

        discretionary = raw.get("discretionary", False)
        if not isinstance(discretionary, bool):
            self.add(
                loc.key("items", i, "discretionary"),
                f"{where}.discretionary",
                discretionary,
                "discretionary 须为 true 或 false",
                "discretionary must be true or false",
            )
        elif discretionary and not params:
            self.add(
                loc.key("items", i, "discretionary"),
                f"{where}.discretionary",
                discretionary,
                '酌定事项须在 params 中列出由方案给出的参数，如 params = { rate = "补助比例（0–1）" }',
                'a discretionary item must list the numbers the scenario supplies in params, e.g. params = { rate = "…" }',
            )
        if not amount and raw.get("cap") is None and not params:
            self.add(
                loc.block("items", i),
                where,
                None,
                "事项既无金额公式 amount、上限 cap，也无方案参数 params：无法确定金额",
                "the item has neither an amount formula, a cap nor params: its award cannot be worked out",
            )

    def conditions(self, conditions: object, names: set[str], i: int, where: str) -> None:
        start = self.loc.key("items", i, "conditions")
        if not isinstance(conditions, list):
            self.add(
                start,
                f"{where}.conditions",
                conditions,
                'conditions 须为列表：[{ when = "…", says = "…" }, …]',
                'conditions must be a list: [{ when = "…", says = "…" }, …]',
            )
            return
        for j, cond in enumerate(conditions):
            at = f"{where}.conditions[{j + 1}]"
            if not isinstance(cond, dict):
                self.add(
                    start,
                    at,
                    cond,
                    '条件须写成 { when = "…", says = "…" }',
                    'a condition is { when = "…", says = "…" }',
                )
                continue
            line = self.loc.nth("items", i, "when", j, start)
            for key in cond:
                if key not in CONDITION_KEYS:
                    self.add(
                        line,
                        f"{at}.{key}",
                        key,
                        f"条件中未知的键 {key!r}（可用：when、says）",
                        f"unknown key {key!r} in a condition (allowed: when, says)",
                    )
            if "when" not in cond:
                self.add(line, f"{at}.when", None, "条件缺少 when", "a condition needs when")
            else:
                self.expr(cond["when"], names, line, f"{at}.when")
            if not isinstance(cond.get("says", ""), str):
                self.add(line, f"{at}.says", cond["says"], "says 须为文字", "says must be text")

    def expr(self, text: object, names: set[str], line: int | None, where: str) -> None:
        if isinstance(text, dict | list):
            self.add(line, where, text, "表达式须为文字", "an expression must be text")
            return
        try:
            parse(str(text), names)
        except ExprError as exc:
            zh, en = _split_expr_error(str(exc))
            self.add(line, where, text, zh, en)

    def shares(self, shares: object, i: int, where: str) -> None:
        if shares is None:
            return
        line = self.loc.key("items", i, "shares")
        levels = "、".join(self.levels)
        if not isinstance(shares, dict) or not all(_is_number(v) and 0 <= v <= 1 for v in shares.values()):
            self.add(
                line,
                f"{where}.shares",
                shares,
                f"分担比例 shares 须为表，值为 0–1 的数字，如 {{ {self.levels[0]} = 1 }}",
                f"shares must be a table of numbers from 0 to 1, e.g. {{ {self.levels[0]} = 1 }}",
            )
            return
        unknown = [k for k in shares if k not in self.levels]
        if unknown:
            self.add(
                line,
                f"{where}.shares",
                shares,
                f"分担层级 {'、'.join(unknown)} 不在 [policy] levels（{levels}）中",
                f"level(s) {', '.join(unknown)} are not in [policy] levels ({', '.join(self.levels)})",
            )
        total = sum((Fraction(str(v)) for v in shares.values()), Fraction(0))
        if total != 1:
            self.add(
                line,
                f"{where}.shares",
                shares,
                f"各级分担比例合计须为 1（现为 {float(total):g}）",
                f"shares must add up to 1 (they add up to {float(total):g})",
            )

    def number_problem(
        self, table: str, index: int, where: str, key: str, value: object, whole: bool = False
    ) -> None:
        kind_zh, kind_en = ("非负整数", "a whole number ≥ 0") if whole else ("非负数字", "a number ≥ 0")
        self.add(
            self.loc.key(table, index, key),
            f"{where}.{key}",
            value,
            f"{key} 须为{kind_zh}（不加引号，如 2_000_000），现为 {value!r}",
            f"{key} must be {kind_en} (no quotes, e.g. 2_000_000), not {value!r}",
        )

    def texts(self, raw: dict, keys: tuple[str, ...], table: str, index: int, where: str) -> None:
        for key in keys:
            if key in raw and not isinstance(raw[key], str):
                self.add(
                    self.loc.key(table, index, key),
                    f"{where}.{key}",
                    raw[key],
                    f"{key} 须为文字（加引号）",
                    f"{key} must be text (in quotes)",
                )


# --------------------------------------------------------------------------------------- coverage

GAP = "未实现"


def coverage(policy: Policy) -> list[tuple[Clause, list[Item], str]]:
    """Each clause with the items implementing it, and why it has none ("" when it has items).

    A fund rule says ``资金规则（…）``, a clause without money ``非资金条款``, and a clause of kind
    ``items`` with no item ``未实现`` — a gap in the pack.
    """
    fund = policy.fund
    fund_rules = {
        fund.annual_fund_clause: f"年度专项资金 {fund.annual_fund:,} 元",
        fund.admin_clause: f"管理费用不超过年度专项资金的 {float(fund.admin_rate):.0%}",
        fund.carryover_clause: "结余结转下年继续使用",
    }
    out = []
    for clause in policy.clauses:
        items = list(policy.items_of(clause.no))
        if items:
            why = ""
        elif clause.kind == "fund":
            why = f"资金规则（{fund_rules.get(clause.no) or clause.note or clause.says}）"
        elif clause.kind == "non-monetary":
            why = "非资金条款" + (f"（{clause.note}）" if clause.note else "")
        else:
            why = f"{GAP}（缺口：条款有资金内容，但政策包中没有实现它的事项）"
        out.append((clause, items, why))
    return out


def coverage_table(policy: Policy) -> str:
    """The coverage as a plain-text table in Chinese: 条款 | 标题 | 实现事项或说明."""
    rows: list[tuple[str, str, str, str]] = [("条款", "标题", "事项编号", "事项名称 / 说明")]
    gaps = 0
    for clause, items, why in coverage(policy):
        label, title = clause.label, clause.title
        for it in items:
            rows.append((label, title, it.id, it.name))
            label = title = ""
        if why:
            rows.append((label, title, "—", why))
            gaps += why.startswith(GAP)
        elif clause.note:
            rows.append(("", "", "", f"说明：{clause.note}"))
    widths = [min(max(_width(r[k]) for r in rows), cap) for k, cap in enumerate((12, 44, 16, 200))]
    lines = [f"{policy.name}（{policy.id}）条款覆盖情况", f"来源：{policy.source or policy.path}", ""]
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(_pad(_clip(cell, widths[k]), widths[k]) for k, cell in enumerate(row)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    kinds = [c.kind for c in policy.clauses]
    lines += [
        "",
        f"共 {len(kinds)} 个条款：事项条款 {kinds.count('items')} 个（{len(policy.items)} 个事项），"
        f"资金规则 {kinds.count('fund')} 个，非资金条款 {kinds.count('non-monetary')} 个，{GAP} {gaps} 个。",
    ]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch + "…") > width:
            break
        out += ch
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
