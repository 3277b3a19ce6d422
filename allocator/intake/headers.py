"""Which field a column's header names: the data dictionary's key or Chinese name, in any width or case, with
a unit in brackets (注册资本（万元）)."""

from __future__ import annotations

import re

from ..policy.fields import FIELDS, Field
from . import ids as intake_ids

_BRACKETS = str.maketrans({"（": "(", "）": ")", "＊": "*"})


#: A header with its unit in brackets: 注册资本(万元) (after :func:`normalise_header`).
UNIT_SUFFIX = re.compile(r"(.+?)\(([^()]*)\)")


def normalise_header(text: object) -> str:
    """Header (or sheet name) text in NFKC (half-width letters, digits and brackets), without spaces,
    zero-width characters or a leading ``*``, lower case."""
    return "".join(intake_ids.fold(str(text)).split()).translate(_BRACKETS).lstrip("*").lower()


def header_map(fields: tuple[Field, ...]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in fields:
        out[f.key.lower()] = f
        out[normalise_header(f.zh)] = f
    return out


HEADERS = header_map(FIELDS)


def match_header(text: object, headers: dict[str, Field] | None = None) -> tuple[Field | None, str | None]:
    """The field a header names and the unit in its suffix (None when it has none).

    >>> f, unit = match_header(" 注册资本（万元）　")
    >>> f.key, unit
    ('registered_capital', '万元')
    >>> match_header("备注")
    (None, None)
    """
    headers = HEADERS if headers is None else headers
    s = normalise_header(text)
    if s in headers:
        return headers[s], None
    m = UNIT_SUFFIX.fullmatch(s)
    if m and m.group(1) in headers:
        return headers[m.group(1)], m.group(2)
    return None, None
