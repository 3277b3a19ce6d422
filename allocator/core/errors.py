"""The project's own error types, each with a message in Chinese and English.

Every failure a user can cause ends in one of these; the CLI prints ``str(error)`` and exits non-zero,
never a traceback. Input problems are collected lazily and reported all at once, like pandera's
``lazy=True``: one :class:`Problem` per bad cell, in one :class:`InputError`.

Each error carries a stable ``code`` beside its words (as pandera's ``SchemaErrorReason``): the class's own
(``input``, ``policy``, ``scenario``, ``infeasible``, ``solver``, ``verification``, ``output``), or a finer
one where it is raised (``output.approved_changed``, ``os.ENOSPC`` …). A page, an API or a database keys on
the code; :meth:`AllocatorError.as_dict` gives everything as plain data. Codes are never renamed: a new
case gets a new code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class AllocatorError(Exception):
    """Base class: something the user can act on. ``zh`` and ``en`` say the same thing; ``code`` is the
    class's own unless a finer one is given."""

    exit_code = 2
    code = "error"

    def __init__(self, zh: str, en: str = "", hint: str = "", *, code: str | None = None) -> None:
        self.zh = zh
        self.en = en
        self.hint = hint
        if code is not None:
            self.code = code
        super().__init__(self.render())

    def as_dict(self) -> dict:
        """The error as plain data (JSON-ready): code, zh, en, hint."""
        return {"code": self.code, "zh": self.zh, "en": self.en, "hint": self.hint}

    def render(self) -> str:
        lines = [f"错误：{self.zh}"]
        if self.en:
            lines.append(f"Error: {self.en}")
        if self.hint:
            lines.append(f"提示 / hint: {self.hint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Problem:
    """One bad cell (or sheet, or file): where it is, what it holds, what was expected."""

    file: str
    sheet: str | None
    row: int | None  # 1-based Excel row number, as the user sees it
    column: str | None  # the header as written in the workbook (or the key)
    value: object
    expected_zh: str
    expected_en: str
    code: str = "input.cell"  # stable, for machines: what kind of problem (a guard refusal: its key)

    def where(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"列「{self.column}」")
        return " ".join(parts)

    def render(self) -> str:
        value = "" if self.value is None else f"值 {self.value!r}："
        return f"{self.where()}：{value}{self.expected_zh}\n    ({self.expected_en})"

    def as_dict(self) -> dict:
        """The problem as plain data (JSON-ready; the value as text)."""
        return {
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "zh": self.expected_zh,
            "en": self.expected_en,
        }


class InputError(AllocatorError):
    """Bad input workbook: every problem found, in one report."""

    code = "input"

    def __init__(self, problems: Iterable[Problem], file: str = "") -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        self.file = file
        zh = f"申报数据有 {n} 处问题，未写出任何结果。"
        en = f"the applications workbook has {n} problem(s); nothing was written."
        super().__init__(zh, en)

    def render(self) -> str:
        head = super().render()
        body = "\n".join(f"  {i}. {p.render()}" for i, p in enumerate(self.problems, 1))
        return f"{head}\n{body}"

    def as_dict(self) -> dict:
        return {**super().as_dict(), "file": self.file, "problems": [p.as_dict() for p in self.problems]}


class PolicyError(AllocatorError):
    """A policy pack that cannot be loaded or has a bad item, condition or formula."""

    code = "policy"


class ScenarioError(AllocatorError):
    """A scenario file with a missing, unknown or wrong key."""

    code = "scenario"


class InfeasibleError(AllocatorError):
    """The scenario's constraints contradict each other; nothing can be allocated."""

    code = "infeasible"


class SolverError(AllocatorError):
    """The solver did not prove an optimum (or is missing): nothing is written."""

    code = "solver"


class VerificationError(AllocatorError):
    """The final whole-yuan numbers break a constraint: a bug, never written out."""

    code = "verification"

    exit_code = 3


class OutputError(AllocatorError):
    """An output cannot be written (e.g. an approved list would be overwritten)."""

    code = "output"
