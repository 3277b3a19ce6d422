"""``allocator compare`` as a function: two result folders lined up (:func:`allocator.analysis.compare.compare_dirs`)
and the comparison's workbook and charts written, staged beside the output folder and moved into place whole."""

from __future__ import annotations

import re
from pathlib import Path

from ..analysis.compare import Comparison, compare_dirs
from ..outputs.compare_chart import write_compare_charts
from ..outputs.compare_xlsx import write_compare_xlsx
from ..outputs.publish import install, staged


def compare(
    dir_a: str | Path, dir_b: str | Path, out_dir: str | Path | None = None
) -> tuple[Comparison, list[Path]]:
    """Compare two result folders and write compare.xlsx and its charts into ``out_dir`` (default
    :func:`default_out_dir`); the comparison and the paths written."""
    comparison = compare_dirs(dir_a, dir_b)
    return comparison, write_comparison(comparison, out_dir)


def _safe(name: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "", name)
    return name.strip(".") or "方案"


def default_out_dir(comparison: Comparison) -> Path:
    """``reports/compare-<A name>-vs-<B name>/`` (folder names when both runs have the same scenario name)."""
    a, b = comparison.a, comparison.b
    na, nb = (a.name, b.name) if a.name != b.name else (a.folder.name, b.folder.name)
    return Path("reports") / f"compare-{_safe(na)}-vs-{_safe(nb)}"


def write_comparison(comparison: Comparison, out_dir: str | Path | None = None) -> list[Path]:
    """Write compare.xlsx and charts/compare_by_{item,district}.{png,svg} into ``out_dir`` (default
    :func:`default_out_dir`), staged in a temporary folder beside it; returns the paths written."""
    out = Path(out_dir) if out_dir is not None else default_out_dir(comparison)
    with staged(out) as staging:
        written = [
            write_compare_xlsx(comparison, staging / "compare.xlsx"),
            *write_compare_charts(comparison, staging / "charts"),
        ]
        return install(staging, [p.relative_to(staging) for p in written], out)


__all__ = ["compare", "default_out_dir", "write_comparison"]
