"""The pieces report.html is made of: a figure card and a table with money right-aligned, every text escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from .words import yuan


def card(key: str, value: str, note: str = "") -> str:
    return f'<div class="card"><div class="k">{escape(key)}</div><div class="v">{escape(value)}</div>' + (
        f'<div class="n">{escape(note)}</div></div>' if note else "</div>"
    )


def html_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], money: set[int], total: Sequence | None
) -> str:
    def cells(row: Sequence[object]) -> str:
        out = []
        for j, v in enumerate(row):
            if j in money:
                out.append(f'<td class="m">{escape(yuan(v) if isinstance(v, int | float) else str(v))}</td>')
            else:
                out.append(f"<td>{escape(str(v))}</td>")
        return "".join(out)

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    foot = f'<tr class="total">{cells(total)}</tr>' if total is not None else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table>"
