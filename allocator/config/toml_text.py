"""A scenario file's text: where each table and key is, its errors, and reading it safely.

tomllib gives no line numbers for values, so the text is scanned (:class:`TomlText`); a TOML syntax error is
said at its line and column in Chinese and English (:func:`syntax_error`); :func:`read_scenario_text` reads at most
:data:`SCENARIO_MAX_BYTES` and refuses a binary or non-UTF-8 file at its line. Used by
:mod:`allocator.config.scenario`.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from ..core.errors import ScenarioError
from .checks import Refusal
from .checks import key_name as _name

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


class TomlText:
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

    def refuse(self, refusals: list[Refusal]) -> ScenarioError:
        """One error for every refusal, each at its line (one refusal: as :meth:`fail` says it)."""
        if len(refusals) == 1:
            r = refusals[0]
            return self.fail(r.at, r.zh, r.en, r.hint)
        lines = [(self.line(r.at), r) for r in refusals]
        zh = f"有 {len(refusals)} 处问题：" + "".join(
            f"\n  {i}. " + (f"第{n}行：" if n else "") + r.zh for i, (n, r) in enumerate(lines, 1)
        )
        en = f"{len(refusals)} problems:" + "".join(
            f"\n  {i}. " + (f"line {n}: " if n else "") + r.en for i, (n, r) in enumerate(lines, 1)
        )
        hints = list(dict.fromkeys(r.hint for r in refusals if r.hint))
        return self.error(None, zh, en, "\n  ".join(hints))

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


def syntax_error(text: TomlText, exc: tomllib.TOMLDecodeError) -> ScenarioError:
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


#: The most bytes read of a scenario file: a scenario is a few KB, and even ten thousand [[override]]
#: blocks stay near 1 MB; a larger file is not a scenario (and is not read whole).
SCENARIO_MAX_BYTES = 16 * 2**20


def read_scenario_text(path: Path) -> TomlText:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(SCENARIO_MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            f"无法读取方案文件 {path}：{exc.strerror}", f"cannot read scenario file {path}: {exc.strerror}"
        ) from None
    hint = "用文本编辑器“另存为” UTF-8 编码 / save the file as UTF-8"
    if len(raw) > SCENARIO_MAX_BYTES:
        mib = SCENARIO_MAX_BYTES >> 20
        zh, en = f"超过 {mib} MB，不是方案文件", f"is over {mib} MiB: not a scenario file"
        raise TomlText(path, "").error(None, zh, en) from None
    if b"\0" in raw:  # a binary file, or UTF-16 ("Unicode" in Notepad's save dialog)
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        zh = "不是 UTF-8 编码的文本（含 NUL 字节：二进制文件或 UTF-16 编码）"
        en = "is not UTF-8 text (it holds NUL bytes: a binary file, or UTF-16)"
        raise TomlText(path, "").error(line, zh, en, hint) from None
    try:
        return TomlText(path, raw.decode("utf-8-sig"))  # a BOM, as Windows Notepad writes, is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TomlText(path, "").error(line, "不是 UTF-8 编码的文本", "is not UTF-8 text", hint) from None
