"""One run publishes into a folder at a time (the parent folder's lock), and Ctrl-C or a kill waits until the
folders are switched."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core.errors import OutputError

LOCK = ".allocator.lock"  #: in the result folder's parent


LOCK_WAIT = 120.0  #: seconds another run's publishing may take before this one gives up


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (main thread only): switching the folders is never
    cut short by Ctrl-C or a kill. A signal that came meanwhile is raised again on leaving, to the handler
    there was before.

    Held by Python handlers, not by blocking the signals: numpy's native threads do not block them, and
    the kernel would hand the signal to one of those."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    numbers = [getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)]
    before = {n: signal.signal(n, lambda number, frame: came.append(number)) for n in numbers}
    try:
        yield
    finally:
        for n, handler in before.items():
            signal.signal(n, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        if came:
            signal.raise_signal(came[0])


@contextmanager
def locked(parent: Path) -> Iterator[None]:
    """The parent folder's lock: one run publishes into it at a time. On POSIX the folder's own ``flock``
    (nothing is left in it); on Windows :mod:`filelock`'s lock file :data:`LOCK`, removed on release."""
    if os.name == "nt":  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        try:
            with FileLock(str(parent / LOCK), timeout=LOCK_WAIT):
                yield
        except Timeout:
            raise busy(parent) from None
        return
    import fcntl

    fd = os.open(parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise busy(parent) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def busy(parent: Path) -> OutputError:
    return OutputError(
        f"另一个运行正在写入 {parent}，等待 {LOCK_WAIT:.0f} 秒后仍未结束，未写出任何文件",
        f"another run is writing into {parent} and did not finish within {LOCK_WAIT:.0f} s; nothing was written",
        "等另一个运行结束后重新运行 / run again when the other run has finished",
        code="output.busy",
    )
