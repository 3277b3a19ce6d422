"""Plain-text tables that line up Chinese (full-width) and Latin text in a terminal."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Columns the text takes in a terminal: 2 for a full-width (Chinese) character, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def clip(text: str, columns: int) -> str:
    text = str(text)
    if width(text) <= columns:
        return text
    out = ""
    for ch in text:
        if width(out + ch + "…") > columns:
            break
        out += ch
    return out + "…"


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))
