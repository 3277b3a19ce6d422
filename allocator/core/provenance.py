"""What produced a result (the manifest): each input file with its SHA-256, the package versions, the
command and the time: the pieces that need nothing of allocator. The manifest itself, which needs the
scenario and its pack, is :func:`allocator.config.manifest.manifest_for`; a pack's digest is
:func:`allocator.policy.pack.policy_sha256`."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

from .version import __version__


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The packages whose versions every manifest records (besides allocator and Python).
PACKAGES = (
    "pulp",
    "highspy",
    "pandas",
    "numpy",
    "openpyxl",
    "xlsxwriter",
    "matplotlib",
    "mplfonts",  # the charts' font: another one draws other bytes
    "python-calamine",
    "defusedxml",
)


def versions() -> dict[str, str]:
    """allocator's, Python's and each of :data:`PACKAGES`' version ('not installed' when missing)."""
    out = {"allocator": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def absolute(path: str | Path) -> str:
    return str(Path(path).resolve())


__all__ = ["PACKAGES", "absolute", "sha256_file", "versions"]
