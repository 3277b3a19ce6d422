"""The words of a comparison of two runs, for the console and for compare.xlsx alike: where an application
is (both runs, only A, only B) and the 状态 cell of each side."""

from __future__ import annotations

from ..core.result import Status

WHERE_ZH = {"both": "两方案均有", "only_a": "仅A", "only_b": "仅B"}


def status_text(status: str, award: int, where: str, side: str) -> str:
    """The 状态 cell: the status in Chinese; 决定不予支持 for an override at 0; （无此申报） when absent."""
    if (where == "only_a" and side == "b") or (where == "only_b" and side == "a") or not status:
        return "（无此申报）"
    try:
        st = Status(status)
    except ValueError:
        return status
    return "决定不予支持" if st == Status.OVERRIDDEN and award <= 0 else st.zh


__all__ = ["WHERE_ZH", "status_text"]
