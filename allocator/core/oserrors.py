"""What the operating system said, in words a fund manager can act on: :func:`os_error`.

An :class:`OSError` from writing or reading a file becomes an :class:`~allocator.core.errors.OutputError` that
names the path and says what happened by the error's number, not by guessing: a full disk is not "the file
is open in Excel", and a read-only share is not "try again".
"""

from __future__ import annotations

import errno
import os

from .errors import OutputError

#: errno -> (Chinese, English, hint)
_SAID: dict[int, tuple[str, str, str]] = {
    errno.ENOSPC: (
        "磁盘空间已满",
        "the disk is full",
        "清理磁盘空间后重新运行 / free some disk space and run again",
    ),
    errno.EDQUOT: ("磁盘配额已用完", "the disk quota is used up", "清理空间后重新运行 / free some space"),
    errno.EROFS: (
        "所在位置是只读的",
        "the location is read-only",
        "用 --out 指定一个可写的文件夹 / choose a writable folder with --out",
    ),
    errno.EACCES: (
        "没有写入权限",
        "permission denied",
        "用 --out 指定一个有写入权限的文件夹 / choose a folder you may write to with --out",
    ),
    errno.EPERM: (
        "操作不被允许",
        "the operation is not permitted",
        "用 --out 指定另一个文件夹 / choose another folder",
    ),
    errno.ENAMETOOLONG: (
        "文件名或路径过长",
        "the file name or path is too long",
        "用 --out 指定一个较短的文件夹名 / choose a shorter folder name with --out",
    ),
    errno.ENOTDIR: (
        "路径中有一部分是文件而不是文件夹",
        "a part of the path is a file, not a folder",
        "用 --out 指定一个文件夹 / give a folder to --out",
    ),
    errno.EISDIR: (
        "这是一个文件夹，不是文件",
        "it is a folder, not a file",
        "指定一个文件名 / give a file name",
    ),
    errno.EEXIST: ("已存在同名的文件", "a file of that name exists", "换一个名称 / choose another name"),
    errno.ENOENT: ("路径不存在", "the path does not exist", "检查路径 / check the path"),
    errno.ELOOP: (
        "路径中的符号链接循环或失效",
        "a symbolic link in the path loops",
        "检查路径 / check the path",
    ),
    errno.EXDEV: (
        "不能跨磁盘移动",
        "cannot move across file systems",
        "把输出文件夹放在同一磁盘上 / keep the output folder on one file system",
    ),
    errno.EIO: (
        "磁盘读写出错",
        "an input/output error on the disk",
        "检查磁盘或网络共享 / check the disk or share",
    ),
    errno.EBUSY: (
        "文件或文件夹正被占用",
        "the file or folder is busy",
        "关闭占用它的程序后重新运行 / close it and retry",
    ),
}


def os_error(exc: OSError, doing_zh: str, doing_en: str, path: object = None) -> OutputError:
    """``exc`` while ``doing`` (e.g. 写出结果 / writing the results) as an :class:`OutputError` naming the
    path (``path``, else the one the error carries) and what the system said, with what to do."""
    where = path if path is not None else (exc.filename or "")
    zh, en, hint = _SAID.get(exc.errno or 0, ("系统错误", "a system error", ""))
    if exc.errno in (errno.EACCES, errno.EPERM) and os.name == "nt":  # Windows: an open file is locked
        hint = "关闭在 Excel/WPS 中打开的结果文件后重新运行 / close the result files open in Excel/WPS and run again"
    detail = exc.strerror or str(exc)
    name = errno.errorcode.get(exc.errno or 0, "unknown")
    return OutputError(
        f"{doing_zh}失败：{where}：{zh}（{detail}）。原有结果未改动",
        f"{doing_en} failed: {where}: {en} ({detail}); the earlier results are unchanged",
        hint,
        code=f"os.{name}",
    )
