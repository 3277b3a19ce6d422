"""One writer run in a forked child process while this process writes the others.

At 100,000 applications allocation.xlsx alone takes as long as every other output together, and nearly all
of it is xlsxwriter building XML: one core does it, the other writes the rest. The child is forked, so it
starts from this process's memory (the result, its prepared table) without pickling 100,000 rows; only the
return value or the error comes back through a pipe.

An error in the child is raised here as the same type with the same message and attributes (rebuilt without
calling its ``__init__``, which for :class:`~allocator.core.errors.OutputError` would render the message twice);
a child that dies without a word raises :class:`~allocator.core.errors.OutputError`.

The child never outlives this process: on Linux it asks the kernel for SIGKILL when its parent dies (SIGKILL
of the parent included), SIGTERM stops it at once (the default action, not this process's handler), and it
ignores SIGINT: Ctrl-C reaches the whole process group, and this process decides (:meth:`Forked.cancel`).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection

from ..core.errors import OutputError


def can_fork() -> bool:
    """Linux only (fork is the platform's own start method; macOS system libraries are not fork-safe); no
    other Python thread, since a fork copies this thread alone and a lock another thread holds (logging, a
    Dask client's event loop) would stay locked in the child for good; and not inside a daemonic worker
    (a ``multiprocessing.Pool``'s), which may not start processes of its own."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


class Forked:
    """``fn(*args)`` started in a forked child; :meth:`result` waits for it, :meth:`cancel` stops it."""

    def __init__(self, what: str, fn: Callable[..., object], *args: object) -> None:
        ctx = multiprocessing.get_context("fork")
        self.what = what
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_run, args=(send, fn, args, os.getpid()), name=f"allocator: {what}", daemon=True
        )
        try:
            self._proc.start()
        except BaseException:
            self._recv.close()
            raise
        finally:
            send.close()  # the child holds its own copy; EOF here means it is gone

    def result(self) -> object:
        """The child's return value; its exception re-raised here; OutputError if it died without one."""
        try:
            outcome = self._recv.recv()
        except EOFError:
            outcome = None
        except BaseException:  # Ctrl-C or SIGTERM while waiting: stop the child rather than wait for it
            self.cancel()
            raise
        finally:
            self._recv.close()
            self._proc.join()
        if outcome is None:
            raise OutputError(
                f"写出 {self.what} 的子进程意外退出（退出码 {self._proc.exitcode}），未写出结果文件",
                f"the process writing {self.what} exited unexpectedly (exit code {self._proc.exitcode}); "
                "nothing was written",
            )
        ok, value = outcome
        if ok:
            return value
        raise _rebuilt(*value)

    def cancel(self) -> None:
        """Stop the child (if still running) and reap it."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._recv.close()


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _tied_to(parent: int) -> None:
    """In the child: die with the parent; SIGTERM's default action; SIGINT left to the parent."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the parent's cancel() still stops it
            pass
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)


def _run(send: Connection, fn: Callable[..., object], args: tuple, parent: int | None = None) -> None:
    """In the child: tied to the parent (:func:`_tied_to`), no cyclic garbage collection (it lives seconds
    and makes no cycles), then the writer, then (ok, value) or (False, the error's parts) through the pipe."""
    if parent is not None:
        _tied_to(parent)
    gc.disable()
    try:
        outcome: tuple = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent
        outcome = (False, _parts(exc))
    try:
        send.send(outcome)
    except Exception as exc:  # noqa: BLE001 — a value or error that will not pickle
        send.send(
            (False, _parts(OutputError(f"子进程无法返回结果：{exc}", f"the child cannot return: {exc}")))
        )
    send.close()


def _parts(exc: BaseException) -> tuple:
    """What rebuilds ``exc`` in the parent: its type, args and attributes, and the child's traceback."""
    tb = "".join(traceback.format_exception(exc))
    parts = (type(exc), exc.args, dict(vars(exc)), tb)
    try:
        pickle.dumps(parts)
    except Exception:  # noqa: BLE001 — a type or attribute that cannot cross: keep the words
        return (OutputError, (str(exc),), {"zh": str(exc), "en": "", "hint": ""}, tb)
    return parts


def _rebuilt(cls: type[BaseException], args: tuple, state: dict, tb: str) -> BaseException:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    exc.add_note(f"(raised in the child process)\n{tb}")
    return exc
