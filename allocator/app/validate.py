"""``allocator validate`` as a function: an applications workbook read and checked against a pack, nothing
allocated; every problem an :class:`~allocator.core.errors.InputError` naming its cell."""

from __future__ import annotations

from pathlib import Path

from ..intake.read import Applications, read_applications
from ..policy.pack import load_policy
from .summaries import validate_lines


def validate(file: str | Path, policy: str | Path) -> tuple[Applications, list[str]]:
    """The applications read from ``file`` under the pack ``policy`` (a shipped id or a file), and the lines
    that say what was found (counts per item, the notes on columns read past)."""
    pack = load_policy(policy)
    apps = read_applications(file, pack)
    return apps, validate_lines(file, apps, pack)


__all__ = ["validate"]
