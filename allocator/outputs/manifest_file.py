"""manifest.json: the SHA-256 of every file in a result folder (and in each year's folder of a plan), written
last, so that allocator verify tells an edited or mixed folder at once."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.provenance import sha256_file

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "allocator-outputs/1"


def write_manifests(folder: Path) -> list[Path]:
    """``manifest.json`` in ``folder`` and in each folder under it that holds a ``summary.json`` (a year of
    a plan): ``{"format": ..., "files": {relative path: SHA-256}}`` of every file under it but itself.
    Returns their paths relative to ``folder``."""
    inner = sorted((p.parent for p in folder.rglob("summary.json") if p.parent != folder), reverse=True)
    for where in [*inner, folder]:  # deepest first: a year's manifest is listed in the plan's
        files = {
            p.relative_to(where).as_posix(): sha256_file(p)
            for p in sorted(where.rglob("*"))
            if p.is_file() and p.relative_to(where).as_posix() != MANIFEST
        }
        text = json.dumps({"format": MANIFEST_FORMAT, "files": files}, ensure_ascii=False, indent=1)
        (where / MANIFEST).write_text(text + "\n", encoding="utf-8")
    return [(where / MANIFEST).relative_to(folder) for where in [*inner, folder]]
