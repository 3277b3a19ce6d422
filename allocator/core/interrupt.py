"""A stop asked for by SIGINT or SIGTERM, remembered until the run publishes.

The CLI's signal handler raises :class:`KeyboardInterrupt` where the program is; when that is inside a
finaliser or a weak-reference callback (matplotlib has them), Python reports the exception as
"ignored" and goes on. So the handler also records the signal here (:func:`request`), and publishing a
result folder asks first (:func:`check`): a stop that was swallowed stops the run before anything is
published, as if it had not been.
"""

from __future__ import annotations

_PENDING: list[int] = []


def request(number: int) -> None:
    """Remember that signal ``number`` asked the run to stop."""
    _PENDING[:] = [int(number)]


def pending() -> int | None:
    """The signal that asked the run to stop, or None."""
    return _PENDING[0] if _PENDING else None


def clear() -> None:
    _PENDING.clear()


def check() -> None:
    """Raise :class:`KeyboardInterrupt` (with the signal's number) if a stop was asked for."""
    if _PENDING:
        raise KeyboardInterrupt(_PENDING[0])


__all__ = ["check", "clear", "pending", "request"]
