"""Scenario files: which policy, which applications, how much money, what to value.

```toml
[scenario]
name = "2017 年度基准方案"
policy = "changchun-2017"          # a shipped pack id, or a path to a pack file
year = 2017
applications = "data/changchun-2017-applications.xlsx"

[budget]
annual_fund = 20_000_000           # clause 一
carryover_in = 0                   # or the path of last year's summary.json
admin_fixed = 50_000               # planned administration cost; clause 十九 caps admin at 1% of annual_fund
admin_per_application = 100

[objective]
rule = "weighted"
default_score = 60                 # review score assumed where the workbook leaves it blank
[objective.weights]                # item id -> weight, default 1
c13-hire = 1.5

[discretionary.c10-expo]           # numbers the policy leaves open: assumptions, never policy
rate = 0.5
note = "假设：展位费、布展费按50%补助"

[output]
lists = "auto"                     # per-application lists: "auto", "workbook" or "csv" (see LISTS)
```

Paths are relative to the scenario file.

Every mistake in the file is a :class:`ScenarioError` naming the file, the line (found by scanning the
text, as tomllib gives no line numbers), the table and key, the value and what was expected, in Chinese
and English; a TOML syntax error names the line and column and quotes the line.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date as date_type
from pathlib import Path

from .errors import ScenarioError

RULES = ("weighted", "priority", "maxmin", "prorata")
RULES_ZH = {
    "weighted": "加权价值最大",
    "priority": "分档优先",
    "maxmin": "最小覆盖率最大（公平优先）",
    "prorata": "按比例同等削减",
}
#: ``[output] lists``: where the per-application lists (拟支持名单, 未支持名单, 不符合条件, 候补名单) go.
#: "workbook": sheets of allocation.xlsx; "csv": only allocation.csv and waitlist.csv (allocation.xlsx keeps
#: its summaries as plain numbers); "auto": the workbook up to
#: :data:`allocator.outputs.lists.WORKBOOK_LISTS_UP_TO` applications, csv above. approved.xlsx is always
#: written in full.
LISTS = ("auto", "workbook", "csv")
_KNOWN = {
    "scenario": {"name", "policy", "year", "applications", "description", "approval_date"},
    "budget": {
        "annual_fund",
        "carryover_in",
        "admin_fixed",
        "admin_per_application",
        "reserve_for_later_batches",
    },
    "objective": {"rule", "default_score", "weights", "priority"},
    "limits": {"min_award", "per_enterprise", "item_share", "district_budget"},
    "override": None,  # [[override]] application_id, award, reason
    "discretionary": None,  # item id -> {param: number, note: text}
    "solver": {"name", "time_limit", "mip_gap"},
    "output": {"lists"},
}


@dataclass(frozen=True)
class Limits:
    """``[limits]``: each optional; each becomes a named constraint (see allocator.model)."""

    min_award: int = 0  # an award is 0 or at least this much (makes the model a MILP)
    per_enterprise: int | None = None  # Σ awards to one credit_code
    item_share: dict[str, tuple[float, float]] = field(
        default_factory=dict
    )  # item -> [min, max] of city cost
    district_budget: dict[str, int] = field(default_factory=dict)  # district -> most it co-pays (clause 二)


@dataclass(frozen=True)
class Override:
    """``[[override]]``: a decision taken outside the model, applied as a fixed award."""

    application_id: str
    award: int | str  # "cap" or whole yuan
    reason: str


@dataclass(frozen=True)
class Scenario:
    name: str
    policy: str
    year: int
    applications: Path
    path: Path
    annual_fund: int
    carryover_in: int
    carryover_source: str  # "0", a number, or the summary.json it came from
    admin_fixed: int = 0
    admin_per_application: int = 0
    rule: str = "weighted"
    default_score: float = 60.0
    weights: dict[str, float] = field(default_factory=dict)
    discretionary: dict[str, dict[str, float]] = field(default_factory=dict)
    discretionary_notes: dict[str, str] = field(default_factory=dict)
    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float = 0.0
    description: str = ""
    tiers: tuple[tuple[str, ...], ...] = ()  # [objective.priority] tiers, for rule = "priority"
    limits: Limits = field(default_factory=Limits)
    overrides: tuple[Override, ...] = ()
    reserve: int = 0  # [budget] reserve_for_later_batches: kept unspent this batch (clause 二十)
    approval_date: str = ""  # ISO date the awards are approved (default: 31 December of the year)
    lists: str = "auto"  # [output] lists: "auto", "workbook" or "csv" (LISTS)

    @property
    def approved_on(self) -> str:
        return self.approval_date or f"{self.year}-12-31"

    @property
    def rule_zh(self) -> str:
        return RULES_ZH[self.rule]

    @property
    def available(self) -> int:
        return self.annual_fund + self.carryover_in

    @property
    def stem(self) -> str:
        return self.path.stem

    def admin_planned(self, applications: int) -> int:
        return self.admin_fixed + self.admin_per_application * applications

    def weight(self, item_id: str) -> float:
        return float(self.weights.get(item_id, 1.0))


# ------------------------------------------------------------------------------ lines of the text
# tomllib gives no line numbers for values, so the text is scanned: table headers ([a.b], [[a]]) and
# key lines (a = …, a.b = …, "朝阳区" = …) at the start of a line, outside multi-line strings and
# arrays. Keys inside an inline table are found at their table's line. Enough to point at the line.

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED})\s*\]")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")
_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in re.findall(_KEY, dotted))


def _carry(line: str, string: str | None, depth: int) -> tuple[str | None, int]:
    """After ``line``: the multi-line string still open (its quotes), and how many [ and { are open."""
    i = 0
    while i < len(line):
        if string:
            end = line.find(string, i)
            if end < 0:
                return string, depth
            i, string = end + 3, None
            continue
        ch = line[i]
        if ch == "#":
            break
        if line.startswith(('"""', "'''"), i):
            string, i = line[i : i + 3], i + 3
            continue
        if ch in "\"'":
            i += 1
            while i < len(line) and line[i] != ch:
                i += 2 if ch == '"' and line[i] == "\\" else 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return string, depth


def _indexed(parts: tuple[str, ...], arrays: dict[tuple, int]) -> tuple:
    """``[[override]]`` → ``("override", 0)``: each array of tables followed by its current element."""
    out: tuple = ()
    for i, part in enumerate(parts):
        out += (part, arrays[parts[: i + 1]]) if parts[: i + 1] in arrays else (part,)
    return out


def _name(at: tuple) -> str:
    """``("budget", "annual_fund")`` → ``[budget] annual_fund``; ``("override", 0)`` → ``[[override]]``."""
    keys = [str(p) for p in at if not isinstance(p, int)]
    if at and isinstance(at[-1], int):
        return f"[[{'.'.join(keys)}]]"
    if len(keys) == 1:
        return f"[{keys[0]}]"
    table = ".".join(keys[:-1])
    table = f"[[{table}]]" if any(isinstance(p, int) for p in at) else f"[{table}]"
    return f"{table} {keys[-1]}"


class _Text:
    """A scenario file's text: the line of each table and key, and errors that name it."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.source = text
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]  # as TOML counts lines
        self.found: dict[tuple, list[int]] = {}  # ("override", 0, "award") -> the lines that set it
        self.table: list[tuple] = []  # per line: the table it is in
        arrays: dict[tuple, int] = {}  # [[name]] -> its element being written, from 0
        table: tuple = ()
        string, depth = None, 0
        for no, line in enumerate(self.lines, 1):
            if string is None and depth == 0:
                if m := _HEADER.match(line):
                    parts = _parts(m[2])
                    if m[1] == "[[":
                        arrays[parts] = arrays.get(parts, -1) + 1
                    table = _indexed(parts, arrays)
                    self.found.setdefault(table, []).append(no)
                elif m := _ASSIGN.match(line):
                    self.found.setdefault(table + _parts(m[1]), []).append(no)
            self.table.append(table)
            string, depth = _carry(line, string, depth)

    def line(self, at: tuple) -> int | None:
        """The line setting ``at`` (table, …, key); else the first line inside it; else its table's."""
        while at:
            inside = [lines[0] for key, lines in self.found.items() if key[: len(at)] == at]
            if inside:
                return self.found[at][0] if at in self.found else min(inside)
            at = at[:-1]
        return None

    def error(
        self, line: int | None, zh: str, en: str, hint: str = "", column: int | None = None
    ) -> ScenarioError:
        where_zh = (
            f"方案文件 {self.path}" + (f" 第{line}行" if line else "") + (f"第{column}列" if column else "")
        )
        where_en = f"scenario file {self.path}" + (f", line {line}" if line else "")
        where_en += f", column {column}" if column else ""
        return ScenarioError(f"{where_zh}：{zh}", f"{where_en}: {en}", hint)

    def fail(self, at: tuple, zh: str, en: str, hint: str = "") -> ScenarioError:
        return self.error(self.line(at), zh, en, hint)

    def wrong(self, at: tuple, value: object, zh: str, en: str, hint: str = "") -> ScenarioError:
        """``[table] key 应为…，实际为 value``: a value of the wrong type, or out of range."""
        name = _name(at)
        if isinstance(value, str) and not hint:
            hint = _unquoted(str(at[-1]), value)
        return self.fail(
            at, f"{name} 应为{zh}，实际为 {value!r}", f"{name} must be {en}, got {value!r}", hint
        )

    def duplicate(self, line: int, message: str) -> ScenarioError | None:
        """A key or table written twice: its name and both lines (tomllib names only the second)."""
        if not message.startswith(("Cannot overwrite a value", "Cannot declare")) or line > len(self.lines):
            return None
        header, key = _HEADER.match(self.lines[line - 1]), _ASSIGN.match(self.lines[line - 1])
        if header:
            at, what_zh, what_en = self.table[line - 1], "表", "table"
        elif key:
            at, what_zh, what_en = self.table[line - 1] + _parts(key[1]), "键", "key"
        else:
            return None
        same = self.found.get(at, []) + (self.found.get(_parts(header[2]), []) if header else [])
        first = next((n for n in same if n != line), None)
        name = _name(at)
        before_zh = f"第{first}行已写过，" if first else ""
        before_en = f"on line {first} and again " if first else "twice, again "
        return self.error(
            line,
            f"{what_zh} {name} 重复：{before_zh}第{line}行又写了一次",
            f"{what_en} {name} is written {before_en}on line {line}",
            "删去其中一处，或把两处的键合并到同一个表 / delete one, or merge both into one table",
        )


def _unquoted(key: str, value: str) -> str:
    """A hint for a number written in quotes (``"20,000,000"``): the same without them."""
    try:
        number = float(re.sub(r"[\s,_，]", "", value))
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    shown = f"{int(number):_}" if number.is_integer() else f"{number:g}"
    return f"数字不加引号 / numbers go without quotes: {key} = {shown}"


# tomllib's messages (3.11–3.14), in Chinese and plainer English
_TOML_SAYS = (
    ("Cannot overwrite a value", "键重复", "a key is written twice"),
    ("Cannot declare", "表重复", "a table is declared twice"),
    ("Cannot mutate immutable namespace", "与前面的定义冲突", "clashes with an earlier definition"),
    ("Cannot redefine namespace", "与前面的定义冲突", "clashes with an earlier definition"),
    ("Duplicate inline table key", "内联表 { } 中的键重复", "a key is written twice in an inline table"),
    ("Unterminated string", "字符串缺少结尾的引号", "a closing quote is missing"),
    ("Illegal character '\\n'", "字符串缺少结尾的引号", "a closing quote is missing"),
    ("Illegal character", "字符串中有不允许的字符", ""),
    (
        "Expected newline or end of document",
        "一行只能写一个 键 = 值（数字中间不能有空格，可写成 20_000_000）",
        "",
    ),
    ("Expected '=' after a key", "键后缺少「=」（中文键名须加引号）", ""),
    ("Invalid value", "值无效：文字须加英文双引号，数字不加引号（如 20_000_000）", ""),
    ("Invalid statement", "无法识别：每行应为 键 = 值，或表头 [表名]", ""),
    ("Unclosed array", "数组缺少结尾的「]」", ""),
    ("Unclosed inline table", "内联表缺少结尾的「}」", ""),
    ("Expected ']' at the end of a table declaration", "表头缺少结尾的「]」", ""),
    ("Expected ']]' at the end of an array declaration", "表数组头缺少结尾的「]]」", ""),
    ("Invalid initial character for a key part", "键名以不允许的字符开头（中文键名须加引号）", ""),
    ("Invalid date or datetime", "日期无效（应如 2017-12-31）", ""),
    ("Unescaped '\\'", "字符串中的「\\」须写成「\\\\」，或改用单引号（路径也可用 /）", ""),
    ("Escaped character", "字符串中的转义无效", ""),
    ("Invalid hex value", "字符串中的转义无效", ""),
)


def _syntax(text: _Text, exc: tomllib.TOMLDecodeError) -> ScenarioError:
    """A TOML syntax error at its line and column (``lineno`` from Python 3.14; parsed before that)."""
    raw = str(getattr(exc, "msg", "") or exc)
    found = _AT.search(raw)
    message = raw[: found.start()] if found else raw
    line = getattr(exc, "lineno", None) or (int(found[1]) if found and found[1] else None)
    column = getattr(exc, "colno", None) or (int(found[2]) if found and found[2] else None)
    if line is None:  # "at end of document": its last line that holds something
        line = max((no for no, t in enumerate(text.lines, 1) if t.strip()), default=1)
    duplicate = text.duplicate(line, message)
    if duplicate is not None:
        return duplicate
    zh, en = next(((z, e or message) for p, z, e in _TOML_SAYS if message.startswith(p)), ("", message))
    quoted = text.lines[line - 1].strip()[:120] if line <= len(text.lines) else ""
    if message.startswith("Invalid statement") and quoted and not quoted[0].isascii():  # 朝阳区 = 1
        zh = '含中文的键名须加英文双引号，如 "朝阳区" = 2_000_000'
        en = 'a key in Chinese must be in double quotes, e.g. "朝阳区" = 2_000_000'
    return text.error(
        line,
        f"TOML 语法错误：{zh or message}" + (f"。该行为：{quoted}" if quoted else ""),
        f"TOML syntax error: {en}" + (f"; the line reads: {quoted}" if quoted else ""),
        "文字加英文双引号，数字不加引号；每行一个 键 = 值；表头写成 [budget] / "
        "text in double quotes, numbers without; one key = value a line; tables as [budget]",
        column,
    )


# ------------------------------------------------------------------------------------ the loader


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"找不到方案文件 {path}", f"scenario file {path} not found")
    text = _read(path)
    try:
        data = tomllib.loads(text.source)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax(text, exc) from None
    except RecursionError:
        raise text.error(None, "TOML 嵌套过深", "TOML nested too deeply") from None
    _shape(text, data)
    base = path.parent
    sc = data.get("scenario", {})
    budget = data.get("budget")
    if budget is None:
        raise text.error(
            None, "缺少 [budget] 表（年度资金）", "missing the [budget] table (annual fund)", _ADD_BUDGET
        )
    for key in ("policy", "applications"):
        if key not in sc:
            example = _EXAMPLE[key]
            hint = f"在 [scenario] 下加一行 / add under [scenario]: {example}"
            raise text.fail(("scenario",), f"[scenario] 缺少 {key}", f"[scenario] needs {key!r}", hint)
    if "annual_fund" not in budget:
        hint = f"在 [budget] 下加一行 / add under [budget]: {_EXAMPLE['annual_fund']}"
        zh, en = (
            "[budget] 缺少 annual_fund（年度专项资金，元）",
            "[budget] needs annual_fund (the year's fund, yuan)",
        )
        raise text.fail(("budget",), zh, en, hint)

    carry_raw = budget.get("carryover_in", 0)
    if isinstance(carry_raw, str):
        carry_path = base / carry_raw
        carryover_in = _carryover_from(carry_path, text)
        carryover_source = str(carry_path)
    else:
        carryover_in = _whole(text, ("budget", "carryover_in"), carry_raw)
        carryover_source = str(carryover_in)

    objective = data.get("objective", {})
    rule = objective.get("rule", "weighted")
    if rule not in RULES:
        zh, en = f"[objective] rule 不支持 {rule!r}", f"[objective] rule {rule!r} is not supported"
        raise text.fail(("objective", "rule"), zh, en, f"可用 / known: {', '.join(RULES)}")
    weights = {
        str(item_id): _number(text, ("objective", "weights", item_id), w)
        for item_id, w in objective.get("weights", {}).items()
    }
    default_score = objective.get("default_score", 60)
    if not _is_number(default_score) or not 0 <= default_score <= 100:
        at = ("objective", "default_score")
        raise text.wrong(at, default_score, " 0–100 之间的数字", "a number from 0 to 100")

    discretionary: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    for item_id, params in data.get("discretionary", {}).items():
        if not isinstance(params, dict):
            hint = f'[discretionary.{item_id}]\nrate = 0.5\nnote = "假设：…"'
            raise text.wrong(("discretionary", item_id), params, "表", "a table", hint)
        if "note" in params:
            notes[item_id] = str(params["note"])
        at = ("discretionary", item_id)
        discretionary[str(item_id)] = {
            k: _number(text, (*at, k), v) for k, v in params.items() if k != "note"
        }

    solver = data.get("solver", {})
    solver_name = str(solver.get("name", "highs")).lower()
    if solver_name not in ("highs", "cbc"):
        zh, en = f"[solver] name 不支持 {solver_name!r}", f"[solver] name {solver_name!r} is not supported"
        raise text.fail(("solver", "name"), zh, en, "highs 或 cbc / highs or cbc")
    year = sc.get("year", 0)
    if isinstance(year, bool) or not isinstance(year, int):
        raise text.wrong(("scenario", "year"), year, "整数年份", "a whole year", "year = 2017")
    limits = data.get("limits", {})
    return Scenario(
        name=str(sc.get("name", path.stem)),
        policy=str(sc["policy"]),
        year=year,
        applications=(base / str(sc["applications"])),
        path=path,
        annual_fund=_whole(text, ("budget", "annual_fund"), budget["annual_fund"]),
        carryover_in=carryover_in,
        carryover_source=carryover_source,
        admin_fixed=_whole(text, ("budget", "admin_fixed"), budget.get("admin_fixed", 0)),
        admin_per_application=_whole(
            text, ("budget", "admin_per_application"), budget.get("admin_per_application", 0)
        ),
        rule=rule,
        default_score=float(default_score),
        weights=weights,
        discretionary=discretionary,
        discretionary_notes=notes,
        solver=solver_name,
        time_limit=_optional(text, solver, "time_limit"),
        mip_gap=_optional(text, solver, "mip_gap") or 0.0,
        description=str(sc.get("description", "")),
        tiers=_tiers(objective.get("priority", {}), rule, text),
        limits=Limits(
            min_award=_whole(text, ("limits", "min_award"), limits.get("min_award", 0)),
            per_enterprise=_optional_whole(text, limits),
            item_share=_shares(limits.get("item_share", {}), text),
            district_budget={
                str(k): _whole(text, ("limits", "district_budget", k), v)
                for k, v in limits.get("district_budget", {}).items()
            },
        ),
        overrides=_overrides(data.get("override", []), text),
        reserve=_whole(
            text, ("budget", "reserve_for_later_batches"), budget.get("reserve_for_later_batches", 0)
        ),
        approval_date=_date(sc.get("approval_date"), text),
        lists=_lists(data.get("output", {}), text),
    )


_EXAMPLE = {
    "policy": 'policy = "changchun-2017"',
    "applications": 'applications = "data/applications.xlsx"',
    "annual_fund": "annual_fund = 20_000_000",
}
_ADD_BUDGET = (
    "在文件中加入 / add to the file:\n    [budget]\n"
    f"    {_EXAMPLE['annual_fund']}    # 年度专项资金（元）/ the year's fund, in yuan"
)
#: keys that must be text, and sub-tables that must be tables
_TEXT_KEYS = {"scenario": ("name", "policy", "applications", "description")}
_SUBTABLES = {"objective": ("weights", "priority"), "limits": ("item_share", "district_budget")}


def scenario_error(
    scenario: Scenario, at: tuple, value: object, zh: str, en: str, hint: str = ""
) -> ScenarioError:
    """A problem found once the scenario meets its policy (a parameter out of its range): named with the
    scenario file's line, as :func:`load_scenario`'s own errors are."""
    try:
        text = _Text(scenario.path, scenario.path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        text = _Text(scenario.path, "")
    return text.wrong(at, value, zh, en, hint)


def _read(path: Path) -> _Text:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            f"无法读取方案文件 {path}：{exc.strerror}", f"cannot read scenario file {path}: {exc.strerror}"
        ) from None
    try:
        return _Text(path, raw.decode("utf-8-sig"))  # a BOM, as Windows Notepad writes, is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = "用文本编辑器“另存为” UTF-8 编码 / save the file as UTF-8"
        raise _Text(path, "").error(line, "不是 UTF-8 编码的文本", "is not UTF-8 text", hint) from None


def _shape(text: _Text, data: dict) -> None:
    """Unknown tables and keys; a table, or text, where something else is written."""
    for table, value in data.items():
        if table not in _KNOWN:
            raise _unknown(text, (), [table], list(_KNOWN), isinstance(value, dict))
        if table == "override":
            continue  # [[override]] entries are checked one by one
        if not isinstance(value, dict):
            hint = f"写成表头 [{table}]，其下逐行写 键 = 值 / write [{table}] with key = value lines below it"
            raise text.wrong((table,), value, "表", "a table", hint)
        known = _KNOWN[table]
        extra = [key for key in value if known is not None and key not in known]
        if extra:
            raise _unknown(text, (table,), extra, sorted(known or ()), True)
        for key in _SUBTABLES.get(table, ()):
            if key in value and not isinstance(value[key], dict):
                raise text.wrong((table, key), value[key], "表", "a table", f"[{table}.{key}]")
        for key in _TEXT_KEYS.get(table, ()):
            if key in value and not isinstance(value[key], str):
                raise text.wrong(
                    (table, key), value[key], "文字（加引号）", "text (in quotes)", _EXAMPLE.get(key, "")
                )


def _unknown(text: _Text, at: tuple, keys: list[str], known: list[str], is_table: bool) -> ScenarioError:
    """Unknown key(s) in the table ``at`` (``()``: at the top), with where each belongs or the nearest."""
    key = keys[0]
    home = next((t for t, ks in _KNOWN.items() if ks and key in ks), None)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hints = []
    if at and key in _KNOWN:
        hints.append(f"{key} 是表名：写成表头 [{key}] / {key} is a table: write it as a [{key}] header")
    elif home is not None and (not at or home != at[0]):
        hints.append(f"{key} 应写在 [{home}] 表中 / {key} belongs in [{home}]")
    elif close:
        hints.append(f"是否应为 / did you mean: {close[0]}")
    hints.append(f"可用 / known: {', '.join(known)}")
    hint = "；".join(hints)
    if at:
        shown, listed = "、".join(keys), ", ".join(map(repr, keys))
        table = _name(at)
        return text.fail(
            (*at, key), f"{table} 中有未知的键 {shown}", f"unknown key(s) {listed} in {table}", hint
        )
    if is_table:
        return text.fail((key,), f"未知的表 [{key}]", f"unknown table [{key}]", hint)
    zh, en = f"键 {key} 不在任何表中（应写在某个 [表] 之下）", f"key {key!r} is outside any table"
    return text.fail((key,), zh, en, hint)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(text: _Text, at: tuple, value: object) -> int:
    """Whole yuan ≥ 0 (``2e7`` is fine; ``"20000000"``, ``-1``, ``1.5``, ``nan`` are not)."""
    if not _is_number(value) or value < 0 or value != int(value):  # type: ignore[operator, arg-type]
        raise text.wrong(at, value, "非负整数（元）", "whole yuan ≥ 0")
    return int(value)  # type: ignore[arg-type]


def _number(text: _Text, at: tuple, value: object) -> float:
    if not _is_number(value) or value < 0:  # type: ignore[operator]
        raise text.wrong(at, value, "非负数字", "a number ≥ 0")
    return float(value)  # type: ignore[arg-type]


def _optional(text: _Text, solver: dict, key: str) -> float | None:
    value = solver.get(key)
    if value is not None and not (_is_number(value) and value >= 0):
        example = {"time_limit": "time_limit = 600    # 秒 / seconds", "mip_gap": "mip_gap = 0.001"}[key]
        raise text.wrong(("solver", key), value, "非负数字", "a number ≥ 0", example)
    return None if value is None else float(value)


def _optional_whole(text: _Text, limits: dict) -> int | None:
    per = limits.get("per_enterprise")
    return None if per is None else _whole(text, ("limits", "per_enterprise"), per)


def _lists(output: dict, text: _Text) -> str:
    value = output.get("lists", "auto")
    if value not in LISTS:
        raise text.fail(
            ("output", "lists"),
            f'[output] lists 应为 "auto"、"workbook" 或 "csv"，实际为 {value!r}',
            f'[output] lists must be "auto", "workbook" or "csv", got {value!r}',
            "auto：按申报数自动选择（默认）；workbook：逐项名单写入 allocation.xlsx；"
            "csv：逐项名单只写入 allocation.csv 与 waitlist.csv",
        )
    return value


def _date(value: object, text: _Text) -> str:
    if value is None:
        return ""
    if isinstance(value, date_type):
        return value.isoformat()
    try:
        return date_type.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise text.wrong(
            ("scenario", "approval_date"), value, "日期", "a date", "approval_date = 2017-12-31"
        ) from None


def _tiers(priority: dict, rule: str, text: _Text) -> tuple[tuple[str, ...], ...]:
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


def _shares(raw: dict, text: _Text) -> dict[str, tuple[float, float]]:
    shares = {}
    for item_id, pair in raw.items():
        ok = isinstance(pair, list) and len(pair) == 2 and all(_is_number(v) for v in pair)
        if not ok or not 0 <= pair[0] <= pair[1] <= 1:
            at = ("limits", "item_share", item_id)
            raise text.wrong(
                at, pair, "[最低, 最高] 两个 0–1 之间的比例", "[min, max] shares between 0 and 1"
            )
        shares[str(item_id)] = (float(pair[0]), float(pair[1]))
    return shares


def _overrides(raw: object, text: _Text) -> tuple[Override, ...]:
    out = []
    seen = set()
    for k, entry in enumerate(raw if isinstance(raw, list) else [raw]):
        at = ("override", k)
        if not isinstance(entry, dict):
            raise text.wrong(at, entry, "表（[[override]]）", "a table ([[override]])")
        extra = [key for key in entry if key not in ("application_id", "award", "reason")]
        if extra:
            raise _unknown(text, at, extra, ["application_id", "award", "reason"], True)
        if "application_id" not in entry:
            zh = f"第 {k + 1} 个 [[override]] 须有 application_id、award、reason"
            raise text.fail(at, zh, f"[[override]] #{k + 1} needs application_id, award and reason")
        app = str(entry["application_id"])
        award = entry.get("award", "cap")
        if not (award == "cap" or (isinstance(award, int) and not isinstance(award, bool) and award >= 0)):
            raise text.wrong(
                (*at, "award"), award, f' "cap"、0 或整数元（申报 {app}）', f'"cap", 0 or whole yuan ({app})'
            )
        if not str(entry.get("reason", "")).strip():
            raise text.fail(
                at, f"[[override]] {app} 须写明理由（reason）", f"[[override]] {app} needs a reason"
            )
        if app in seen:
            raise text.fail(
                (*at, "application_id"), f"[[override]] {app} 重复", f"[[override]] {app} appears twice"
            )
        seen.add(app)
        out.append(Override(app, award, str(entry["reason"]).strip()))
    return tuple(out)


def _carryover_from(summary_path: Path, text: _Text) -> int:
    """Last year's ``carryover_out`` from its ``summary.json``."""
    at = ("budget", "carryover_in")
    try:
        data = json.loads(summary_path.read_text(encoding="utf-8"))
        value = data["carryover_out"]
    except FileNotFoundError:
        raise text.fail(
            at, f"carryover_in 指向的 {summary_path} 不存在", f"carryover_in file {summary_path} not found"
        ) from None
    except (OSError, ValueError, KeyError, TypeError):  # a folder, not UTF-8, not JSON, no carryover_out
        raise text.fail(
            at,
            f"{summary_path} 不是含 carryover_out 的 summary.json",
            f"{summary_path} is not a summary.json with carryover_out",
            "carryover_in 写上年结转的整数元，或上年结果中 summary.json 的路径",
        ) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise text.fail(
            at,
            f"{summary_path} 的 carryover_out 不是非负整数",
            f"carryover_out in {summary_path} is not whole yuan ≥ 0",
        )
    return value
