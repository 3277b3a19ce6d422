"""Publishing a result folder: the old complete set of files becomes the new complete set in one step.

A run writes every output into ``new/`` inside a staging folder beside the result folder (:func:`staged`),
then :func:`install`:

1. takes the parent folder's lock (:func:`locked`): a second run into the same folder
   waits until this one has published, then compares against what this one wrote;
2. refuses an ``approved.xlsx`` the new set would change, unless forced (then the old one is kept in the
   new set as ``approved.<its time>.xlsx``);
3. carries into ``new/`` every entry of the old folder that the new set does not replace (kept copies, a
   comparison written there, the office's own files), as hard links where the file system allows;
4. writes ``manifest.json`` (every file's SHA-256; :func:`write_manifests`), last;
5. switches the folders: on Linux one ``renameat2(RENAME_EXCHANGE)`` swaps ``new/`` and the result folder
   atomically; elsewhere (or where the file system cannot exchange) the old folder is renamed to ``old/``
   inside the staging folder and ``new/`` renamed into its place.

Whatever stops the process, the result folder holds the old complete set or the new one. The only moment it
is absent is between the two renames of step 5's fallback; the staging folder then holds the old set in
``old/`` and the result folder's name in ``target``, and the next run into the same parent (or
:func:`remove_stale_staging`) puts the old set back before doing anything else. SIGINT and SIGTERM are held
back while folders switch (:func:`signals_held`).

A staging folder is named after its process (``.<out>.allocator-<pid>@<host>.<random>.tmp``, the result
folder's name shortened so that the whole stays within a file name's 255 bytes); the staging folders of
processes on this host that are gone are removed (or restored from) by the next write.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..core import interrupt
from ..core.errors import OutputError
from ..core.oserrors import os_error
from .approved import approved_change
from .folder_lock import LOCK, locked, signals_held
from .manifest_file import MANIFEST, write_manifests

STAGING = re.compile(r"^\..*\.allocator-(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)\.[A-Za-z0-9_]+\.tmp$")
NAME_ROOM = 60  #: characters of the result folder's name kept in a staging folder's name


# ---------------------------------------------------------------- the result folder
def target_folder(out_dir: str | Path) -> Path:
    """``out_dir`` as the folder to publish into: a symbolic link to a folder is followed (the link stays);
    a file, a dangling link, or a path under a file is refused before anything is written."""
    out = Path(out_dir)
    if out.is_symlink() and not out.exists():
        raise OutputError(
            f"输出位置 {out} 是一个失效的符号链接（指向 {os.readlink(out)}），未写出任何文件",
            f"the output location {out} is a dangling symbolic link; nothing was written",
            "删除该链接或用 --out 指定一个文件夹 / remove the link or give a folder to --out",
            code="output.not_a_folder",
        )
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"输出位置 {out} 是一个文件，不是文件夹，未写出任何文件",
            f"the output location {out} is a file, not a folder; nothing was written",
            "用 --out 指定一个文件夹 / give a folder to --out",
            code="output.not_a_folder",
        )
    _not_under_a_file(out)
    return out.resolve() if out.is_symlink() else out


def _not_under_a_file(out: Path) -> None:
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(
                    f"输出位置 {out} 在文件 {parent} 之下，未写出任何文件",
                    f"the output location {out} lies under the file {parent}; nothing was written",
                    "用 --out 指定一个文件夹 / give a folder to --out",
                    code="output.not_a_folder",
                )
            return


# ---------------------------------------------------------------- staging
def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs (a zombie does not). Not known outside POSIX: True."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would stop it on Windows; keep the folder, the user may remove it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: killed but not yet reaped
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return True


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose process (on this host) is gone: a run killed with
    SIGKILL, or a crash, leaves one. One killed between the two renames of publishing holds the old set in
    ``old/`` while its result folder is absent: the old set is put back first. Returns those removed."""
    removed: list[Path] = []
    host = _host()
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = STAGING.match(entry.name)
        if m is None or m["host"] != host or not entry.is_dir() or _alive(int(m["pid"])):
            continue
        _restore(entry)
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def _restore(staging: Path) -> None:
    old, name = staging / "old", staging / "target"
    if not (old.is_dir() and name.is_file()):
        return
    target = staging.parent / name.read_text(encoding="utf-8")
    if target.parent == staging.parent and not target.exists() and not target.is_symlink():
        os.rename(old, target)


def staging_folder(out_dir: Path) -> Path:
    """A new staging folder beside ``out_dir`` (same file system), named after this process, with an empty
    ``new/`` for the outputs; stale ones of dead processes are removed (or restored from) first."""
    out_dir = target_folder(out_dir)
    return _staging_beside(out_dir)


def _staging_beside(out_dir: Path) -> Path:
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        with locked(out_dir.parent):
            remove_stale_staging(out_dir.parent)
        prefix = f".{out_dir.name[:NAME_ROOM]}.allocator-{os.getpid()}@{_host()}."
        staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=out_dir.parent))
        (staging / "target").write_text(out_dir.name, encoding="utf-8")
        (staging / "new").mkdir()
    except OSError as exc:
        raise os_error(exc, "准备输出文件夹", "preparing the output folder", out_dir) from exc
    return staging


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """The ``new/`` folder of a :func:`staging_folder` for ``out_dir`` to write the outputs in; the staging
    folder (and, after publishing, the old set in it) is removed on leaving, whatever happened. Workbooks
    written in it keep their XML parts in it too (:func:`~allocator.outputs.xlsx_style.open_workbook`)."""
    staging = staging_folder(Path(out_dir))
    try:
        yield staging / "new"
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def staged_file(target: str | Path) -> Iterator[Path]:
    """For a command that writes one file (``allocator template``, ``allocator demo-data``): a path in a
    :func:`staged` folder beside ``target`` to write it at, moved onto ``target`` only when the block ends
    without an error. A failed or interrupted write leaves an earlier ``target`` as it was."""
    target = Path(target)
    if target.is_dir():
        raise OutputError(
            f"{target} 是一个文件夹，不能写成文件，未写出任何文件",
            f"{target} is a folder and cannot be written as a file; nothing was written",
            "指定一个文件名，例如 申报.xlsx / give a file name, e.g. applications.xlsx",
        )
    _not_under_a_file(target)
    staging = _staging_beside(target)
    try:
        temp = staging / "new" / target.name
        yield temp
        with signals_held():
            try:
                os.replace(temp, target)
            except OSError as exc:
                raise os_error(exc, "写出文件", "writing the file", target) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- publishing
def _refuse(changes: dict[Path, tuple[str, str]]) -> OutputError:
    zh = "；".join(f"{p}（{c[0]}）" for p, c in changes.items())
    en = "; ".join(f"{p} ({c[1]})" for p, c in changes.items())
    return OutputError(
        f"拟支持名单 {zh}已存在，本次结果会改变它。财政据此拨付，不加 --force 不会替换；"
        "未写出任何文件，原有结果未改动",
        f"{en}: an approved list exists and this run would change it; finance pays from it, so it is not "
        "replaced without --force. Nothing was written",
        "确认替换时加 --force 重新运行（Python：force=True），原文件保留为 approved.<时间>.xlsx / use --force "
        "to replace it; the old one is then kept as approved.<time>.xlsx",
        code="output.approved_changed",
    )


def install(staging: Path, relative: list[Path], out_dir: Path, *, force: bool = False) -> list[Path]:
    """Publish the staged files (``staging`` is :func:`staged`'s folder, ``relative`` the files in it, in
    order) as ``out_dir``. An ``approved.xlsx`` (in any folder) that would change is refused before
    anything changes (:class:`~allocator.core.errors.OutputError`), or with ``force`` kept as
    ``approved.<its time>.xlsx``. Returns the paths written (kept copies first, in their folder's turn)."""
    out_dir = target_folder(out_dir)
    try:
        with locked(out_dir.parent):
            order = _prepare(staging, relative, out_dir, force)
            order += write_manifests(staging)
            interrupt.check()  # a stop the program swallowed (a signal inside a finaliser) stops here
            _switch(staging, out_dir)
    except OSError as exc:
        raise os_error(
            exc, "写出结果", "writing the results", getattr(exc, "filename", None) or out_dir
        ) from exc
    return [out_dir / rel for rel in order]


def _prepare(staging: Path, relative: list[Path], out_dir: Path, force: bool) -> list[Path]:
    """Steps 2 and 3: the approved lists compared (and kept), the old folder's other entries carried."""
    changes: dict[Path, tuple[str, str]] = {}
    for rel in relative:
        target = out_dir / rel
        if rel.name == "approved.xlsx" and target.is_file():
            change = approved_change(target, staging / rel)
            if change is not None:
                changes[rel] = change
    if changes and not force:
        raise _refuse({out_dir / rel: c for rel, c in changes.items()})
    order: list[Path] = []
    for rel in relative:
        if rel in changes:
            order.append(_kept_copy(out_dir / rel, staging, rel))
        order.append(rel)
    if out_dir.is_dir():
        _carry(out_dir, staging)
    return order


def _kept_copy(old: Path, staging: Path, rel: Path) -> Path:
    """Copy ``old`` into the staged folder of ``rel`` as ``approved.<its time>.xlsx`` (``-2``, ``-3`` …
    when taken, there or beside ``old``); returns the copy's path relative to ``staging``."""
    stamp = datetime.fromtimestamp(old.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    name, n = f"approved.{stamp}.xlsx", 1
    while (staging / rel.parent / name).exists() or (old.parent / name).exists():
        n += 1
        name = f"approved.{stamp}-{n}.xlsx"
    shutil.copy2(old, staging / rel.parent / name)
    return rel.parent / name


def _carry(old: Path, new: Path) -> None:
    """Every entry of ``old`` that ``new`` does not have goes into ``new`` (hard-linked, else copied);
    folders both have are merged the same way; where ``new`` has an entry, it wins."""
    for entry in old.iterdir():
        if entry.name == MANIFEST:
            continue
        there = new / entry.name
        if entry.is_dir() and not entry.is_symlink():
            if not there.exists():
                shutil.copytree(entry, there, symlinks=True, copy_function=_link_or_copy)
            elif there.is_dir():
                _carry(entry, there)
        elif not there.exists() and not there.is_symlink():
            _link_or_copy(entry, there, follow_symlinks=False)


def _link_or_copy(src: str | Path, dst: str | Path, *, follow_symlinks: bool = True) -> None:
    if Path(src).is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _switch(new: Path, out_dir: Path) -> None:
    """Step 5: ``new`` becomes ``out_dir``; the old set, if any, ends up inside the staging folder."""
    done = False
    try:
        with signals_held():
            if not out_dir.exists():
                os.rename(new, out_dir)
            elif not _exchange(new, out_dir):
                aside = new.parent / "old"
                os.rename(out_dir, aside)
                try:
                    os.rename(new, out_dir)
                except BaseException:
                    os.rename(aside, out_dir)  # the old set back where it was
                    raise
            done = True
    except KeyboardInterrupt as exc:  # held back while switching: it came after the folder was in place
        if done:
            exc.written_to = out_dir  # type: ignore[attr-defined]
        raise


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` atomically (Linux ``renameat2``); False where the system or the file
    system cannot, so that the caller renames instead."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (glibc < 2.28, musl < 1.2.?)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


__all__ = [
    "LOCK",
    "MANIFEST",
    "STAGING",
    "install",
    "remove_stale_staging",
    "signals_held",
    "staged",
    "staged_file",
    "staging_folder",
    "target_folder",
    "write_manifests",
]
