"""``allocator release`` as a function: the release computed (:func:`allocator.years.release.released`) and
written into a new dated folder beside the earlier result, staged and moved into place whole; the earlier
result is never touched, and a release never replaces a folder (it has no ``--force``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..core.errors import OutputError
from ..core.result import AllocationResult
from ..outputs import install, staged, write_all
from ..years.release import released


def release(
    result_dir: str | Path, withdrawn: list[str], reason: str = ""
) -> tuple[AllocationResult, dict, list[Path]]:
    """Take ``withdrawn`` back, give the money to the waitlist, write the result into a new dated folder
    beside ``result_dir``; returns the result, what release.json says (what was released, who received
    it, each award that changed) and the paths written (release.json last)."""
    folder = Path(result_dir)
    result, info = released(folder, withdrawn, reason)
    target = _dated(folder)
    try:
        with staged(target) as staging:
            relative = write_all(result, staging)[1]
            text = json.dumps(info, ensure_ascii=False, indent=2)
            (staging / "release.json").write_text(text, encoding="utf-8")
            paths = install(staging, [*relative, Path("release.json")], target)
    except OutputError as exc:
        _unreserve(target)
        if "--force" in f"{exc.zh}{exc.en}{exc.hint}":  # the install's advice for run and plan, not here
            raise _not_replaced(target) from None
        raise
    except BaseException:
        _unreserve(target)
        raise
    # release.json last, as promised (the publishing lists manifest.json, written after it, last)
    return result, info, [*(p for p in paths if p.name != "release.json"), target / "release.json"]


def _dated(folder: Path) -> Path:
    """A new folder beside ``folder``, ``<name>-release-<time>`` (``-2``, ``-3`` … when taken), made here
    so that two releases at the same second never write into one folder."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        target = folder.parent / f"{folder.name}-release-{stamp}{f'-{n}' if n > 1 else ''}"
        try:
            target.mkdir()
            return target
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise OutputError(
                f"无法在 {folder.parent} 中建立收回结果目录 {target.name}：{exc}",
                f"cannot make the release's folder {target} beside {folder}: {exc}",
                "确认该目录可写、磁盘有空间 / check that the folder is writable and the disk has room",
            ) from None


def _unreserve(target: Path) -> None:
    """Remove the release's folder made by :func:`_dated` if nothing was written into it."""
    try:
        target.rmdir()
    except OSError:
        pass


def _not_replaced(target: Path) -> OutputError:
    """A release never replaces anything (it writes a new folder, so it has no ``--force``): the install
    refused because another result is already in ``target``."""
    return OutputError(
        f"收回结果目录 {target} 中已有另一份不同的拟支持名单（可能同时进行了另一次收回），"
        "未写出任何文件，原有结果均未改动",
        f"the release's folder {target} already holds another, different approved list (another release at"
        " the same time?); nothing was written, every earlier result is as it was",
        "release 不替换任何文件，也没有 --force：请重新运行 allocator release，新结果会写入另一个带时间的新目录；"
        "不需要的收回结果目录可手工删除 / release never replaces a file and has no --force: run allocator "
        "release again, it writes into another new dated folder; remove a release folder you do not want by hand",
    )


__all__ = ["release"]
