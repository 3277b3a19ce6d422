"""The intake's checks of mistakes that would otherwise pass in silence and change money.

- **A duplicate application id** (:func:`duplicate_ids`), after the ids are read as keys: ``Ａ0001`` and
  ``A0001`` followed by a zero-width space are ``A0001`` too, and shown as written.
- **An unknown header** (``评审分数`` for ``评审得分``): a column the data dictionary does not know is
  not read, so a misspelt 评审得分 leaves every score at the scenario's default. A header close to a
  known one (:func:`nearest`, difflib's ratio ≥ :data:`NEAR`) whose field the sheet does not already
  have is an error naming that header; any other unknown header is plainly a column of the office's
  own (备注, 联系电话, or 评审得分备注 beside 评审得分) and is a warning: ``validate`` and ``run`` say it
  was ignored.
- **An unknown district** (``朝阳`` for ``朝阳区``): 所在区 must be one of the pack's ``regions``
  (:attr:`allocator.policy.pack.Policy.regions`, with ``regions_source``), else it would co-pay as a district
  of its own; an error with the nearest name. A pack without ``regions`` is not checked.
- **A second claim for a once-only item** (an item with ``once_per``, e.g. clause 四's 一次性 purchase
  subsidy): two rows of the item with the same ``once_per`` values (the credit code) are an error on
  every such row, naming all of them by application id, sheet and row.

Each check records :class:`~allocator.core.errors.Problem` s through the intake's reader (``reader.problem``
for errors, ``reader.warn`` for warnings), with the templates of :mod:`allocator.intake.messages`.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from .messages import MESSAGES

#: The least difflib ratio at which an unknown header or district is taken for a known one misspelt
#: (评审分数 / 评审得分: 0.75; 所属区 / 所在区: 0.67; 备注 / any known header: below 0.5).
NEAR = 0.6


def nearest(text: str, known: dict[str, object]) -> tuple[object | None, float]:
    """The value of ``known`` whose key is most like ``text`` (difflib's ratio), and the ratio."""
    best, ratio = None, 0.0
    for key, value in known.items():
        r = difflib.SequenceMatcher(None, text, key).ratio()
        if r > ratio:
            best, ratio = value, r
    return best, ratio


def duplicate_ids(reader) -> None:
    """Every row whose application id another row (in any sheet) also has, naming the others; the ids
    compared are keys (:mod:`allocator.intake.ids`), and a row that wrote its id differently is shown
    as written."""
    if not reader.ids:
        return
    ids = np.concatenate([v for _, _, v, *_ in reader.ids])
    dup = ~np.equal(ids, None) & pd.Series(ids, dtype=object).duplicated(keep=False).to_numpy()
    starts = np.cumsum([0] + [len(rows) for _, rows, *_ in reader.ids])
    places: dict[str, list[tuple]] = {}
    for i in np.flatnonzero(dup).tolist():
        k = int(np.searchsorted(starts, i, side="right")) - 1  # the table row i is in
        sheet, rows, _, col, raw, shown = reader.ids[k]
        at = i - starts[k]
        places.setdefault(ids[i], []).append((sheet, int(rows[at]), col, shown(raw[at])))
    for app_id, found in places.items():
        for sheet, r, col, written in found:
            others = [(s, n) for s, n, _, _ in found if (s, n) != (sheet, r)]
            zh = "、".join(f"工作表「{s}」第{n}行" for s, n in others)
            en = ", ".join(f"sheet {s!r} row {n}" for s, n in others)
            same = len({str(w).strip() for *_, w in found}) > 1  # written differently: Ａ0001, A0001+U+200B
            kw = {"places_zh": zh, "places_en": en, "key": app_id}
            kw["same_zh"], kw["same_en"] = MESSAGES["dup_alike"] if same else ("", "")
            reader.problem(sheet, r, col, written if same else app_id, "dup_id", **kw)


def unknown_headers(reader, sheet: str, row: int, unknown: list[tuple[str, str]], present: set[str]) -> None:
    """``unknown``: (header as written, header normalised) of the header cells no field matched (the
    base of a header with a unit suffix is compared too); ``present``: the keys the sheet has."""
    for raw, norm in unknown:
        candidates = [norm] + ([norm.split("(", 1)[0]] if "(" in norm else [])
        field, ratio = max((nearest(c, reader.headers) for c in candidates), key=lambda fr: fr[1])
        if field is not None and ratio >= NEAR and field.key not in present:
            reader.problem(sheet, row, raw, raw, "unknown_header", near=field.header, key=field.key)
        elif field is not None and ratio >= NEAR:
            kw = {"near": field.header, "key": field.key}
            reader.warn(sheet, row, raw, raw, "extra_column_beside", **kw)
        else:
            reader.warn(sheet, row, raw, raw, "extra_column")


def districts(reader, sheet: str, rows: np.ndarray, values: np.ndarray, col) -> None:
    """Every row whose 所在区 is not one of the pack's regions (blank cells are the required check's)."""
    regions = reader.policy.regions
    if not regions:
        return
    series = pd.Series(values, dtype=object)
    bad = np.flatnonzero((series.notna() & ~series.isin(regions)).to_numpy())
    if not len(bad):
        return
    known = {r: r for r in regions}
    hints: dict[str, tuple[str, str]] = {}
    listed = "、".join(regions)
    for i in bad.tolist():
        value = series.iat[i]
        if value not in hints:
            near, ratio = nearest("".join(str(value).split()), known)
            hints[value] = (
                (f"；最接近的是「{near}」", f"; the nearest is {near!r}")
                if near and ratio >= NEAR
                else ("", "")
            )
        zh, en = hints[value]
        reader.problem(
            sheet, int(rows[i]), col, value, "unknown_district",
            policy=reader.policy.id, regions=listed, hint_zh=zh, hint_en=en,
        )  # fmt: skip


def once_only(reader, parts: list[tuple[str, np.ndarray, dict[str, np.ndarray], dict]]) -> None:
    """Rows that claim a once-only item (``once_per``) a second time: same item, same scope values.

    ``parts``: per table, its name, Excel rows, parsed columns and the columns as read (for the header)."""
    items = {it.id: it for it in reader.policy.items if it.once_per}
    if not items:
        return
    for item in items.values():
        scope = list(item.once_per)
        pieces = []
        for sheet, rows, out, cols in parts:
            if any(k not in out for k in scope):
                continue
            mine = np.flatnonzero(np.equal(out["item"], item.id))
            if not len(mine):
                continue
            piece = pd.DataFrame({k: out[k][mine] for k in scope})
            piece["_id"] = out["application_id"][mine] if "application_id" in out else None
            piece["_sheet"], piece["_row"] = sheet, rows[mine]
            piece["_col"] = [cols.get(scope[0])] * len(mine)
            pieces.append(piece)
        if not pieces:
            continue
        claims = pd.concat(pieces, ignore_index=True).dropna(subset=scope)
        claims = claims[claims.duplicated(scope, keep=False)]
        for key, group in claims.groupby(scope, sort=True):
            _report(reader, item, scope, key if isinstance(key, tuple) else (key,), group)


def _report(reader, item, scope: list[str], key: tuple, group: pd.DataFrame) -> None:
    places = list(group[["_id", "_sheet", "_row", "_col"]].itertuples(index=False, name=None))
    zh = "、".join(f"申报编号 {i}（工作表「{s}」第{r}行）" for i, s, r, _ in places)
    en = ", ".join(f"{i} (sheet {s!r} row {r})" for i, s, r, _ in places)
    fields = {f.key: f for f in reader.fields}
    scope_zh = "、".join(fields[k].zh if k in fields else k for k in scope)
    shown = "、".join(str(k) for k in key)
    says = f"“{item.once_says}”" if item.once_says else "一次性"
    for _, sheet, row, col in places:
        reader.problem(
            sheet, int(row), col, shown, "once_dup",
            scope_zh=scope_zh, scope_en=", ".join(scope), item_id=item.id, item_name=item.name,
            clause=item.clause_label, clause_en=f"clause {item.clause}", says=says, n=len(places),
            places_zh=zh, places_en=en,
        )  # fmt: skip
