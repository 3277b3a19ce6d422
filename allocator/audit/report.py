"""What allocator verify says: each check with its state (pass, fail, note, skip) and lines, the whole as
text, the exit status when one fails; a check that meets what it cannot handle fails in words, never with
a traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import AllocatorError

#: ``allocator verify``'s exit status when a check fails (tampering or drift).
EXIT_FOUND = 4


MARKS = {"pass": "✓", "fail": "✗", "note": "ℹ", "skip": "–"}


@dataclass(frozen=True)
class Check:
    key: str  # files | summary | inputs | approved | workbooks | totals | constraints | recomputed | …
    title: str  # Chinese / English
    state: str  # pass | fail | note | skip
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audit:
    folder: Path
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return not any(c.state == "fail" for c in self.checks)

    def render(self) -> str:
        out = [f"核对结果目录 / verifying {self.folder}"]
        for c in self.checks:
            out.append(f"{MARKS[c.state]} {c.title}")
            out += [f"    {line}" for line in c.lines]
        failed = sum(c.state == "fail" for c in self.checks)
        out.append(
            "全部通过：结果与输入一致，未发现改动 / all checks passed"
            if self.ok
            else f"发现 {failed} 项不一致（结果被改动或输入有变化） / {failed} check(s) failed: tampering or drift"
        )
        return "\n".join(out)


def guarded(key: str, title: str, check: Callable[..., Check], *args) -> Check:
    """``check(*args)``; whatever it cannot handle (a folder edited in a way no check foresaw) is a failed
    check naming it, never a traceback."""
    try:
        return check(*args)
    except AllocatorError as exc:
        return Check(key, title, "fail", (f"{exc.zh} / {exc.en}",))
    except Exception as exc:  # noqa: BLE001 — a verifier that cannot check says so, and fails
        said = f"{type(exc).__name__}: {str(exc)[:200]}"
        return Check(
            key,
            title,
            "fail",
            (
                f"核对时遇到无法处理的内容（结果目录可能被改动）：{said} / the check could not run on this folder: {said}",
            ),
        )
