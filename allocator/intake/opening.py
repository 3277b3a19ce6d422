"""An input file opened for reading: it exists and is a file, its bytes and SHA-256 once the guard
(:mod:`allocator.intake.guard`) has passed them, and the workbook for the roster sheet."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import openpyxl

from ..core.errors import InputError, Problem
from . import guard as workbook_guard
from .messages import MESSAGES
from .sources import kind_of


def file_error(path: Path, zh: str, en: str) -> InputError:
    return InputError([Problem(path.name, None, None, None, None, zh, en)], file=str(path))


def require_file(path: Path) -> None:
    if not path.exists():
        raise file_error(path, f"找不到文件 {path}", f"file not found: {path}")
    if not path.is_file():
        raise file_error(path, f"{path} 不是文件", f"{path} is not a file")


def load_checked(path: Path) -> tuple[bytes, str]:
    """The file's bytes and SHA-256, once :func:`allocator.intake.guard.check` has passed them
    (:class:`SourceError` for a suffix no reader takes, :class:`InputError` for a refused file)."""
    kind = kind_of(path)
    require_file(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    workbook_guard.check(path, data, kind, digest)
    return data, digest


def open_roster_workbook(path: Path, data: bytes, digest: str) -> openpyxl.Workbook:
    """The workbook with openpyxl, for the roster sheet (:mod:`allocator.intake.roster_read`): guarded as the
    intake is (a no-op for the bytes the intake has just passed)."""
    workbook_guard.check(path, data, "excel", digest)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        zh, en = MESSAGES["not_xlsx"]
        raise file_error(
            path, zh.format(kind=type(exc).__name__), en.format(kind=type(exc).__name__, exc=exc)
        ) from None
