"""``allocator verify``: every output written again from the recomputed result, and compared with the folder.

manifest.json's hashes prove a folder is as written, not that it is right (manifest.json can be written
again too). So the result recomputed from the inputs is written into a temporary folder by
:func:`allocator.outputs.write_outputs`, with what cannot be recomputed taken from summary.json: the
manifest's ``command``, ``generated_at`` and ``versions`` (every other manifest key must be what the
inputs give) and the solver's ``seconds``. Each output is then compared with the folder's:

* byte for byte — the writers are deterministic once those are given, except a workbook's
  ``docProps/core.xml`` (xlsxwriter stamps the time of writing): a workbook whose other parts are byte-identical
  passes;
* else by content, to name what differs: workbooks cell by cell, every sheet — value (a formula's cached value),
  formula and number format (:mod:`allocator.audit.xlsx`); CSV row by row; JSON key by key; report.html's
  text, tags stripped. Content that is the same in bytes that are not is a note when a package that writes
  the file (xlsxwriter, pandas, matplotlib, Python) is not the version recorded, else a failure; report.pdf
  and the PNG/SVG charts, drawn by matplotlib, are compared by bytes alone.

A file of the folder that the writers do not write (besides manifest.json, kept copies of an earlier
approved.xlsx, office lock files and a release's release.json, compared too) fails the check, unless
manifest.json lists it: publishing carries the entries of the old folder the new set does not replace (the
office's own files), and those are a note — their content is not allocator's to check.
"""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from ..core.errors import AllocatorError
from .approved import load
from .differ import book_lines, csv_lines, html_text, json_lines, short, text_lines
from .files import folder_files, kept_copy, office_lock, read_manifest

#: Manifest keys a recomputation cannot give back: taken from summary.json as recorded.
RUN_KEYS = ("command", "generated_at", "versions")
#: The packages whose version decides a file's bytes, by suffix.
WRITERS = {
    ".xlsx": ("xlsxwriter",),
    ".csv": ("pandas", "numpy"),
    ".json": ("python",),
    ".html": ("matplotlib", "python"),
    ".pdf": ("matplotlib",),
    ".png": ("matplotlib",),
    ".svg": ("matplotlib",),
}
CORE = "docProps/core.xml"
PER_FILE = 8
MAX_COMPARED = 1 << 30  #: bytes; a bigger file is compared by its hash alone


def as_recorded(result, summary: dict):
    """(``result`` with summary.json's run-only fields, a line for each other manifest key that differs)."""
    recorded = summary.get("manifest")
    lines = []
    if isinstance(recorded, dict):
        now = result.manifest or {}
        for key in sorted((now.keys() | recorded.keys()) - {*RUN_KEYS, "solver"}):  # solver: the writers
            if now.get(key) != recorded.get(key):
                lines.append(
                    f"✗ summary.json manifest.{key}：记录 {short(recorded.get(key))}，按输入为 {short(now.get(key))}"
                    f" / manifest.{key}: recorded {short(recorded.get(key))}, the inputs give {short(now.get(key))}"
                )
        result = replace(result, manifest={**now, **{k: recorded[k] for k in RUN_KEYS if k in recorded}})
    seconds = (summary.get("solver") or {}).get("seconds")
    if isinstance(seconds, float):
        result = replace(result, solver=replace(result.solver, seconds=seconds))
    return result, lines


def rederive(
    folder: Path, result, summary: dict, release_info: dict | None = None
) -> tuple[str, tuple[str, ...]]:
    """(state, lines) of the check; ``release_info``: release.json's content, for a release's folder."""
    from ..core.provenance import versions
    from ..outputs import write_outputs

    result, bad = as_recorded(result, summary)
    then = (summary.get("manifest") or {}).get("versions") or {}
    now = versions()
    moved = {k for k in then if str(then[k]) != str(now.get(k))}
    with tempfile.TemporaryDirectory(prefix="allocator-verify-") as tmp:
        out = Path(tmp) / "out"
        try:
            write_outputs(result, out)
            if release_info is not None:
                text = json.dumps(release_info, ensure_ascii=False, indent=2)
                (out / "release.json").write_text(text, encoding="utf-8")
        except (AllocatorError, OSError) as exc:
            why = exc.zh if isinstance(exc, AllocatorError) else str(exc)
            return "fail", (f"无法重新写出结果 / cannot write the outputs again: {why}",)
        return _compare_all(folder, out, moved, bad)


def _compare_all(folder: Path, out: Path, moved: set[str], bad: list[str]) -> tuple[str, tuple[str, ...]]:
    expected = set(folder_files(out))
    present = {r for r in folder_files(folder) if not (kept_copy(r) or office_lock(r))}
    notes, same_files = [], []
    for rel in sorted(expected - present):
        bad.append(
            f"✗ 缺少 {rel}：本工具会为此结果写出它 / {rel} is missing: allocator writes it for this result"
        )
    listed, _ = read_manifest(folder)
    for rel in sorted(present - expected):
        if listed is not None and rel in listed:  # carried from before by the publishing, or the office's own
            notes.append(
                f"ℹ {rel}：不是本工具为此结果写出的文件（manifest.json 中有记录：此前就在目录中），未核对内容"
                f" / {rel} is not an output of this result (listed in manifest.json: it was in the folder"
                " before); its content is not checked"
            )
        else:
            bad.append(f"✗ {rel} 不是本工具为此结果写出的文件 / {rel} is not an output of this result")
    for rel in sorted(expected & present):
        state, lines = compare_file(rel, folder / rel, out / rel, moved)
        if state == "pass":
            same_files.append(rel)
        (notes if state == "note" else bad).extend(lines)
    head = []
    if same_files:
        head.append(f"✓ 与按输入重新写出的相同 / as written again from the inputs: {', '.join(same_files)}")
    return ("fail" if bad else "note" if notes else "pass"), (*head, *bad, *notes)


def compare_file(rel: str, got: Path, want: Path, moved: set[str]) -> tuple[str, list[str]]:
    """pass (the same), note (the same content, bytes of another package version) or fail, with lines."""
    from ..core.provenance import sha256_file

    if got.stat().st_size > MAX_COMPARED or want.stat().st_size > MAX_COMPARED:
        if sha256_file(got) == sha256_file(want):
            return "pass", []
        return "fail", [
            f"✗ {rel}：与按输入重新写出的不同（文件过大，未逐项比对）/ {rel} differs (too big to compare)"
        ]
    a, b = got.read_bytes(), want.read_bytes()
    if a == b:
        return "pass", []
    kind = Path(rel).suffix.lower()
    if kind == ".xlsx" and _parts_same(got, want):
        return "pass", []
    lines = _differences(rel, kind, got, want, a, b)
    if lines:
        shown = lines[:PER_FILE]
        if len(lines) > PER_FILE:
            shown.append(f"    …… {rel} 另有 {len(lines) - PER_FILE} 处不同 / {len(lines) - PER_FILE} more")
        return "fail", [f"✗ {line}" if not line.startswith("    ") else line for line in shown]
    packages = sorted(set(WRITERS.get(kind, ())) & moved)
    if packages:
        return "note", [
            f"ℹ {rel}：字节与重新写出的不同，可能因 {', '.join(packages)} 版本与生成时不同，未能逐字节核对"
            f" / {rel}: its bytes differ, likely because {', '.join(packages)} is not the recorded version"
        ]
    if kind in (".pdf", ".png", ".svg"):
        return "fail", [
            f"✗ {rel}：与按输入重新绘制的不同（软件版本相同），已被替换或改动"
            f" / {rel} differs from the one drawn again from the inputs (same versions): replaced or edited"
        ]
    return "fail", [
        f"✗ {rel}：内容与重新写出的相同，但字节不同（格式、写法或嵌入的图表被改动）"
        f" / {rel}: same content, other bytes (formatting, layout or embedded charts changed)"
    ]


def _differences(rel: str, kind: str, got: Path, want: Path, a: bytes, b: bytes) -> list[str]:
    try:
        if kind == ".xlsx":
            return book_lines(rel, load(got)[0], load(want)[0])
        if kind == ".csv":
            return csv_lines(rel, a.decode("utf-8-sig"), b.decode("utf-8-sig"))
        if kind == ".json":
            return json_lines(rel, json.loads(a.decode("utf-8")), json.loads(b.decode("utf-8")))
        if kind == ".html":
            return text_lines(rel, html_text(a.decode("utf-8")), html_text(b.decode("utf-8")))
    except AllocatorError as exc:
        return [f"{exc.zh} / {exc.en}"]
    except (UnicodeDecodeError, ValueError, RecursionError, csv.Error) as exc:
        return [f"{rel} 无法按格式读取：{str(exc)[:120]} / {rel} cannot be read as a {kind} file"]
    return []


def _parts_same(got: Path, want: Path) -> bool:
    """Two workbooks alike in every zip part but the time stamped in docProps/core.xml."""
    import re

    stamp = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
    try:
        with zipfile.ZipFile(got) as za, zipfile.ZipFile(want) as zb:
            names = za.namelist()
            if names != zb.namelist() or sum(i.file_size for i in za.infolist()) > 2**31:
                return False
            for name in names:
                x, y = za.read(name), zb.read(name)
                if name == CORE:
                    x, y = stamp.sub(b"", x), stamp.sub(b"", y)
                if x != y:
                    return False
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError):
        return False
    return True
