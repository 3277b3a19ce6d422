"""A problem found in a policy pack, and the one error the loader raises for all of them.

``allocator policy check`` prints every :class:`PackProblem` on a line of its own; :func:`pack_error` turns
the same problems into the :class:`~allocator.core.errors.PolicyError` that ``run``, ``validate``, ``sweep`` and
every other command that loads a pack stop with. Both name the file, the line, the key path (``items[3]
c04-rent.capp``), the value and what was expected, in Chinese and English.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

from ..core.errors import PolicyError
from .limits import MAX_LISTED

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 60, 60, 4, 4


def shown(value: object) -> str:
    """``value`` as a message shows it: its repr, cut short (a value may be a 10,000-character string
    or a table nested 300 deep)."""
    try:
        return _REPR.repr(value)
    except (RecursionError, ValueError):  # ValueError: an int of more than 4,300 digits
        return f"<{type(value).__name__}>"


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
    hint: str = ""  # how to fix it, when there is more to say (the nearest known name)
    subject: tuple[str, str] | None = None  # in words (事项 c04-buy 的条件（第1条）), if not ``where``
    code: str = ""  # stable, for machines: a key of policy_messages.MESSAGES, or toml_syntax, not_utf8…

    def render(self) -> str:
        """``FILE:LINE: where: 中文说明 / English`` (and the hint), on one line."""
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        hint = f"（提示 / hint: {self.hint}）" if self.hint else ""
        return f"{place}: {self.where}: {self.message_zh} / {self.message_en}{hint}"

    def at(self) -> tuple[str, str]:
        """Where it is, for the loader's message: the subject and key path, in Chinese and English
        ("" for the file as a whole: its name and line say where)."""
        if self.where in WHOLE_FILE:
            return "", ""
        if self.subject is None:
            return self.where, self.where
        zh, en = self.subject
        return f"{zh}（{self.where}）", f"{en} ({self.where})"


#: ``where`` of a problem with the file as a whole (its encoding, size, TOML syntax).
WHOLE_FILE = frozenset({"file", "TOML"})


def _join(at: str, message: str, sep: str) -> str:
    return f"{at}{sep}{message}" if at else message


def pack_error(problems: list[PackProblem], file: str) -> PolicyError:
    """The error for a pack that does not load: its one problem, or every problem listed (at most
    :data:`MAX_LISTED`; ``allocator policy check`` lists them all)."""
    check = f"allocator policy check {file} 列出每处问题及其行号 / lists every problem with its line"
    if len(problems) == 1:
        (p,) = problems
        (at_zh, at_en), line = p.at(), p.line
        zh = f"政策包 {file}" + (f" 第{line}行" if line else "") + f"：{_join(at_zh, p.message_zh, '：')}"
        en = (
            f"policy pack {file}"
            + (f", line {line}" if line else "")
            + f": {_join(at_en, p.message_en, ': ')}"
        )
        code = f"policy.{p.code}" if p.code else None
        return PolicyError(zh, en, f"{p.hint}；{check}" if p.hint else check, code=code)
    zh = [f"政策包 {file} 有 {len(problems)} 处问题，未载入："]
    en = [f"policy pack {file} has {len(problems)} problems; it was not loaded:"]
    for n, p in enumerate(problems[:MAX_LISTED], 1):
        at_zh, at_en = p.at()
        hint = f"（提示 / hint: {p.hint}）" if p.hint else ""
        zh.append(f"  {n}. " + (f"第{p.line}行 " if p.line else "") + _join(at_zh, p.message_zh, "：") + hint)
        en.append(f"  {n}. " + (f"line {p.line}, " if p.line else "") + _join(at_en, p.message_en, ": "))
    if len(problems) > MAX_LISTED:
        more = len(problems) - MAX_LISTED
        zh.append(f"  ……另有 {more} 处")
        en.append(f"  … and {more} more")
    error = PolicyError("\n".join(zh), "\n".join(en), check)
    error.problems = tuple(problems)  # each with its own code, for a page that lists them
    return error
