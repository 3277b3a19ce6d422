"""``allocator verify``'s first check: the folder holds exactly the files it was written with, byte for byte.

Every result folder carries ``manifest.json``, written last::

    {"format": "allocator-outputs/1", "files": {"allocation.xlsx": "<sha256 hex>", "charts/by_item.png": …}}

listing every file of the folder (paths relative, with "/") but itself. A folder without it was written by an
older allocator, or edited: it cannot be checked for integrity, and the check fails. A listed file that is
missing, a file whose SHA-256 differs, and a file that is not listed (a folder mixing two runs, or a file
put in by hand) fail it too. Two kinds of file may be there unlisted: kept copies of an earlier
approved.xlsx (``approved.<time>.xlsx``, :func:`allocator.outputs.install`; ``approved-<…>.xlsx`` too) and
the lock files Excel, WPS and LibreOffice leave beside an open workbook (``~$…``, ``.~lock.…#``) — a note.

A hash only proves that the folder is as written, not that it is right: whoever edits a file can write
manifest.json again. :mod:`allocator.audit.rederive` therefore writes every output again from the
recomputed result and compares.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
FORMAT = "allocator-outputs/1"
KEPT = re.compile(r"^approved[.-].+\.xlsx$")
LOCK = re.compile(r"^(~\$.+|\.~lock\..+#)$")
SHA = re.compile(r"^[0-9a-f]{64}$")
OLDER = (
    "该目录没有 manifest.json（各文件的 SHA-256）：它由旧版本 allocator 写出，或已被改动，无法核对各文件是否原样"
    "；请用当前版本重新运行 allocator run"
    " / no manifest.json (the files' SHA-256): the folder was written by an older allocator or was edited,"
    " so its integrity cannot be checked; run `allocator run` again with this version"
)


def folder_files(folder: Path) -> list[str]:
    """Every file under ``folder`` but manifest.json, as relative paths with "/", sorted."""
    out = []
    for path in folder.rglob("*"):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            if rel != MANIFEST:
                out.append(rel)
    return sorted(out)


def kept_copy(rel: str) -> bool:
    """An earlier approved.xlsx kept beside the new one (top level only)."""
    return "/" not in rel and KEPT.match(rel) is not None and rel != "approved.xlsx"


def office_lock(rel: str) -> bool:
    return LOCK.match(PurePosixPath(rel).name) is not None


def read_manifest(folder: Path) -> tuple[dict[str, str] | None, list[str]]:
    """manifest.json's files (relative path → SHA-256), or None and what is wrong with it."""
    path = folder / MANIFEST
    if not path.is_file():
        return None, [OLDER]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, [f"manifest.json 无法读取：{str(exc)[:160]} / manifest.json cannot be read"]
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None, [
            f'manifest.json 不是本工具写出的格式（应为 {{"format": "{FORMAT}", "files": {{…}}}}）'
            f" / manifest.json is not in allocator's format ({FORMAT})"
        ]
    files, lines = {}, []
    for rel, sha in data["files"].items():
        parts = PurePosixPath(rel).parts
        if not rel or rel.startswith("/") or "\\" in rel or ".." in parts or rel == MANIFEST:
            lines.append(f"manifest.json 中的路径 {rel!r} 不是目录内的相对路径 / not a relative path inside")
        elif not isinstance(sha, str) or SHA.match(sha) is None:
            lines.append(f"manifest.json 中 {rel} 的 SHA-256 {sha!r} 无效 / not a SHA-256 hex digest")
        else:
            files[rel] = sha
    return (files if not lines else None), lines


def integrity(folder: Path) -> tuple[str, tuple[str, ...]]:
    """(state, lines) of the check: pass, fail, or note (only kept copies or lock files beside)."""
    from ..core.provenance import sha256_file

    listed, lines = read_manifest(folder)
    if listed is None:
        return "fail", tuple(lines)
    present = folder_files(folder)
    bad, notes, same = [], [], 0
    for rel in sorted(listed.keys() - set(present)):
        bad.append(f"✗ 缺少 {rel}（manifest.json 中有记录）/ {rel} is listed but missing")
    for rel in sorted(listed.keys() & set(present)):
        now = sha256_file(folder / rel)
        if now != listed[rel]:
            bad.append(
                f"✗ {rel}：写出后已被改动（SHA-256 记录 {listed[rel][:12]}…，现为 {now[:12]}…）"
                f" / {rel} changed since it was written (SHA-256 differs)"
            )
        else:
            same += 1
    for rel in sorted(set(present) - listed.keys()):
        if kept_copy(rel):
            notes.append(
                f"ℹ {rel}：此前 approved.xlsx 的留存副本，不在核对之列 / a kept copy of an earlier list"
            )
        elif office_lock(rel):
            notes.append(
                f"ℹ {rel}：有文件正在 Excel/WPS/LibreOffice 中打开 / a file is open in an office program"
            )
        else:
            bad.append(
                f"✗ 多出 {rel}（manifest.json 中没有）：目录中混有其他运行或手工放入的文件"
                f" / {rel} is not listed: the folder mixes files of another run or put in by hand"
            )
    head = (
        [f"✓ {same} 个文件与 manifest.json 记录的 SHA-256 一致 / {same} file(s) as written"] if same else []
    )
    state = "fail" if bad else ("note" if notes else "pass")
    return state, (*head, *bad, *notes)
