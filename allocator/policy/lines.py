"""Line numbers in a policy pack's text, for messages.

TOML parsers give no line numbers for values, so lines are found by scanning the text: the n-th
``[[items]]`` header, then the first line in that block that starts with the key. That is enough to
point a user at the right line. The text is scanned once; each look-up reads one block.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w\-.\"' ]+?)\s*\]\]?\s*(#.*)?$")


def item_line(text: str, index: int, key: str, nth: int | None = None) -> int | None:
    """The line of ``key`` in the ``index``-th (from 0) ``[[items]]`` block of a pack's ``text``.

    With ``nth``, the ``nth`` (from 0) ``key =`` from the item's ``conditions`` on (a condition's
    ``when``): the same line ``allocator policy check`` reports.
    """
    loc = Locator(text)
    if nth is None:
        return loc.key("items", index, key)
    return loc.nth("items", index, key, nth, loc.key("items", index, "conditions"))


class Locator:
    """Line numbers for tables, array elements and keys, found by scanning the text."""

    def __init__(self, text: str) -> None:
        self.header: dict[tuple[str, int], int] = {}
        self.blocks: dict[tuple[str, int], list[tuple[int, str]]] = {}  # code lines of each block
        counts: dict[str, int] = {}
        current = ("", 0)
        in_string = False
        for no, line in enumerate(text.splitlines(), 1):
            code = not in_string and not line.lstrip().startswith("#")
            m = _HEADER.match(line) if code else None
            if m:
                parts = m[2].split(".")
                top = parts[0].strip().strip("\"'")
                if m[1] == "[[" and len(parts) == 1:
                    counts[top] = counts.get(top, -1) + 1
                    current = (top, counts[top])
                elif current[0] != top:  # [policy], [fund.x]; [items.params] stays with its item
                    current = (top, max(counts.get(top, 0), 0))
                self.header.setdefault(current, no)
            if code:
                self.blocks.setdefault(current, []).append((no, line))
            if line.count('"""') % 2 or line.count("'''") % 2:
                in_string = not in_string

    def block(self, table: str, index: int = 0) -> int | None:
        """The header line of a table (or of the ``index``-th element of an array of tables)."""
        return self.header.get((table, index))

    def key(self, table: str, index: int, key: str) -> int | None:
        """The line where ``key`` is set in the block, else the block's header line."""
        k = re.escape(key)
        pattern = re.compile(rf"^\s*(?:{k}|\"{k}\"|'{k}')\s*[=.]")
        sub_header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\.\s*{k}\s*[\].]")
        for no, line in self.blocks.get((table, index), ()):
            if pattern.match(line) or sub_header.match(line):
                return no
        return self.block(table, index) if table else None

    def nth(self, table: str, index: int, key: str, n: int, start: int | None) -> int | None:
        """The line of the ``n``-th (from 0) ``key =`` in the block, from line ``start`` on."""
        pattern = re.compile(rf"(?:^|[\s{{,])(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        seen = 0
        for no, line in self.blocks.get((table, index), ()):
            if start and no < start:
                continue
            for _ in pattern.finditer(line):
                if seen == n:
                    return no
                seen += 1
        return start
