"""Whether a new approved.xlsx holds the list an earlier one holds: :func:`approved_change`.

The earlier one is read back through the workbook guard (:func:`allocator.intake.guard.check`) like any
workbook from outside: a result folder may hold one edited by hand, or planted."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path


def _approved_rows(path: Path) -> list[tuple]:
    """approved.xlsx's rows as read back, without the 序号 column (header and 合计 included)."""
    from openpyxl import load_workbook

    from ..intake import guard as workbook_guard

    data = path.read_bytes()
    workbook_guard.check(path, data, "excel", hashlib.sha256(data).hexdigest())
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [tuple(r[1:]) for r in wb.worksheets[0].iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def approved_change(old: Path, new: Path) -> tuple[str, str] | None:
    """None when ``new`` holds the approved list ``old`` holds (row for row), else what differs, in Chinese
    and in English: applications added, removed, and changed (award or any other cell)."""
    try:
        before = _approved_rows(old)
    except Exception:  # noqa: BLE001 — an unreadable or refused list is replaced only on purpose too
        return "原文件无法读取，视为不同", "the old file cannot be read, so it counts as different"
    after = _approved_rows(new)
    if before == after:
        return None
    a, b = _by_id(before), _by_id(after)
    if a is None or b is None:
        return "内容不同", "its content differs"
    added = len(b.keys() - a.keys())
    removed = len(a.keys() - b.keys())
    changed = sum(a[k] != b[k] for k in a.keys() & b.keys())
    zh = f"新增 {added} 项、移出 {removed} 项、金额或内容不同 {changed} 项"
    en = f"{added} added, {removed} removed, {changed} changed"
    if not (added or removed or changed):
        zh, en = "表头或合计不同", "its header or total row differs"
    return zh, en


def _by_id(rows: list[tuple]) -> dict[object, tuple] | None:
    """Data rows by 申报编号 (the first column after 序号); None when the ids are not unique."""
    data = [r for r in rows[1:] if r and r[0] not in (None, "", "（无）")]
    out = {r[0]: r for r in data}
    return out if len(out) == len(data) else None
