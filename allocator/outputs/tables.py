"""``allocation.csv``, ``waitlist.csv`` and ``summary.json``: the result for machines (and the lists for people).

allocation.csv is UTF-8 with a BOM (so Excel and WPS open the Chinese text correctly), one row per
application, the contract columns first; booleans are ``true``/``false``, money is whole yuan.

waitlist.csv is written the same way: the columns of :data:`~allocator.core.result.WAITLIST_COLUMNS`, rank 1
first (only the header when there is no waitlist).

The files are for programs, but not only: above 200,000 applications, or with ``[output] lists = "csv"``
(:mod:`allocator.outputs.lists`), they are the per-application lists people open in Excel or WPS, which run
a field starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and skip a tab, CR or LF before one). So every
text field from the input (:data:`~allocator.store.format.CSV_TEXT`: ids, names, districts, reasons …) that starts like that gets a
leading ``'`` (:func:`csv_safe`, OWASP's advice against CSV injection): a spreadsheet shows it as text, the
``'`` visible. Numbers are never prefixed, negative ones included: only text columns are looked at. A field
that already starts with ``'`` before such a character gets one more, so the prefix can always be taken off
again: programs reading the files back use :func:`allocator.store.format.csv_unquote` (``allocator compare`` does).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.result import WAITLIST_COLUMNS, AllocationResult
from ..store.format import CSV_COLUMNS, CSV_EXTRA, CSV_FORMULA_START, CSV_QUOTED, CSV_TEXT
from ._common import WAITLIST_MONEY, prepared, text, waitlist_frame
from .cells import map_distinct, only_strings
from .limit_rows import override_rows
from .words import rule_of, rule_zh

_FIRST = np.array(list(CSV_FORMULA_START + "'"))

#: summary.json lists this many waitlist rows (``waitlist``); ``waitlist_total`` counts them all.
WAITLIST_IN_SUMMARY = 50

SUMMARY_KEYS = (
    "annual_fund",
    "carryover_in",
    "available",
    "admin",
    "awarded",
    "city_cost",
    "district_cost",
    "carryover_out",
    "status",
    "applications",
    "funded",
)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text(value)


def csv_texts(values: pd.Series) -> list[str]:
    """:func:`_cell` of every cell, by column: booleans, integers, floats and strings without a call per cell
    (100,000 rows × 23 columns), any other column cell by cell."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    if kind == "b":
        return np.where(values.to_numpy(), "true", "false").tolist()
    if kind in ("i", "u"):
        return [str(v) for v in values.tolist()]
    if kind == "f":
        return ["" if v != v else str(int(v)) if v.is_integer() else str(v) for v in values.tolist()]
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("").tolist()
    if only_strings(values):
        return values.tolist()
    return [_cell(v) for v in values.tolist()]


def csv_safe(fields: list[str]) -> list[str]:
    r"""The fields of a text column as written: ``'`` before each that starts like a formula
    (:data:`CSV_QUOTED`), the others as they are (the same list when none does).

    By column: the first characters as one numpy array (``U1`` keeps one character) pick the few fields to
    look at, so a million ids cost about 40 ms, not a call per field.

    >>> csv_safe(["A001", "=1+1", "-2+3", "'@x", "'plain", "\t=x"])
    ['A001', "'=1+1", "'-2+3", "''@x", "'plain", "'\t=x"]
    """
    if not fields:
        return fields
    maybe = np.flatnonzero(np.isin(np.array(fields, dtype="U1"), _FIRST))
    if not len(maybe):
        return fields
    out = list(fields)
    for i in maybe.tolist():
        if CSV_QUOTED.match(out[i]):
            out[i] = "'" + out[i]
    return out


def csv_field(value: object) -> object:
    """:func:`csv_safe` of one value; anything but text as it is (for small tables written with pandas)."""
    if isinstance(value, str) and CSV_QUOTED.match(value):
        return "'" + value
    return value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for ``to_csv``: :func:`csv_field` on its text columns, a text index and the column names;
    numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(csv_field)
    if not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(csv_field)
    out.columns = out.columns.map(csv_field)
    return out


def _source_rows(values: pd.Series) -> list[str]:
    """The Excel row as written: a whole number, or '' when there is none."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu":
        return [str(v) for v in values.tolist()]
    return ["" if v is None or v == "" or pd.isna(v) else str(int(v)) for v in values.tolist()]


def csv_columns(result: AllocationResult) -> dict[str, list[str]]:
    """allocation.csv's columns, each as the text written, header order (built by column: 100k rows fast)."""
    table = prepared(result)
    out: dict[str, list[str]] = {}
    for col in (*CSV_COLUMNS, *CSV_EXTRA):
        if col == "district":  # as read, not the sheet label
            out[col] = csv_texts(result.table["district"].reindex(table.index))
        elif col == "status":
            out[col] = map_distinct(table["status"], str).tolist()
        elif col == "source_row":
            out[col] = _source_rows(table["source_row"])
        else:
            out[col] = csv_texts(table[col])
        if col in CSV_TEXT:
            out[col] = csv_safe(out[col])
    return out


def csv_rows(result: AllocationResult) -> list[list[str]]:
    """Header and rows of allocation.csv, as the text written."""
    columns = csv_columns(result)
    return [list(columns), *(list(row) for row in zip(*columns.values(), strict=True))]


def _write_csv(path: Path, columns: dict[str, list[str]]) -> Path:
    """UTF-8 with a BOM, CRLF, the header then one row per position in the columns."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values(), strict=True))
    return path


def write_allocation_csv(result: AllocationResult, path: str | Path) -> Path:
    return _write_csv(Path(path), csv_columns(result))


def _waitlist_columns(result: AllocationResult, limit: int | None = None) -> dict[str, list]:
    """The waitlist by column: ints for rank and money, text for the rest."""
    frame = waitlist_frame(result)
    if limit is not None:
        frame = frame.head(limit)
    return {
        col: [int(v) for v in frame[col].tolist()]
        if col in WAITLIST_MONEY or col == "rank"
        else [text(v) for v in frame[col].tolist()]
        for col in WAITLIST_COLUMNS
    }


def waitlist_records(result: AllocationResult, limit: int | None = None) -> list[dict]:
    """The waitlist as dicts with :data:`~allocator.core.result.WAITLIST_COLUMNS` keys (ints for rank and money)."""
    columns = _waitlist_columns(result, limit)
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def write_waitlist_csv(result: AllocationResult, path: str | Path) -> Path:
    """waitlist.csv: UTF-8 with a BOM, CRLF, :data:`~allocator.core.result.WAITLIST_COLUMNS` as the header;
    the text columns through :func:`csv_safe`, rank and money as their digits."""
    columns = _waitlist_columns(result)
    return _write_csv(
        Path(path),
        {
            c: [str(v) for v in values] if c in WAITLIST_MONEY or c == "rank" else csv_safe(values)
            for c, values in columns.items()
        },
    )


#: summary.json's ``batches``: this batch, the batches before it, and the year so far.
BATCH_PARTS = ("this_batch", "earlier_batches", "year_to_date")


def batch_totals(table: pd.DataFrame, batch: int) -> dict[str, dict[str, int]]:
    """Awarded, fund cost, co-fund cost and the number funded of :data:`BATCH_PARTS`, from a
    :func:`~allocator.outputs._common.prepared` table's ``batch`` column (whole yuan)."""
    funded = table[table["award"] > 0]
    now = funded["batch"].to_numpy() == batch
    parts = {"this_batch": funded[now], "earlier_batches": funded[~now], "year_to_date": funded}
    return {
        name: {
            "awarded": int(part["award"].sum()),
            "city_cost": int(part["city_cost"].sum()),
            "district_cost": int(part["district_cost"].sum()),
            "funded": len(part),
        }
        for name, part in parts.items()
    }


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def run_manifest(result: AllocationResult) -> dict:
    """The result's manifest (:func:`~allocator.allocation.allocate.manifest_for`: input files and their SHA-256, the
    scenario, the policy, package versions) with the solver that ran and its version; summary.json's
    ``manifest`` and the 参数 sheet's 运行清单 rows."""
    manifest = dict(result.manifest or {})
    sv = result.solver
    manifest["solver"] = {"name": str(sv.name), "version": str(sv.version)}
    if sv.retries:  # allocator.solve.run.FALLBACKS: each retry of a stage that ended without an answer
        manifest["solver"]["retries"] = [r.as_dict() for r in sv.retries]
    return manifest


def summary_dict(result: AllocationResult) -> dict:
    """summary.json as a dict: the contract keys first, then the extras.

    Besides the fund figures: ``rule`` and ``rule_zh``; ``value`` (the weighted value); ``shadow_price`` (weighted
    value of one more yuan of budget); ``batches`` (:func:`batch_totals`: this batch, the earlier batches and
    the year so far); ``solver`` with ``mip``, ``gap``, ``stages`` and ``level``;
    ``next_million`` with the ``changed`` applications; ``comparison`` with the default rule (null when the
    rule is the default); ``limits`` as the scenario set them; ``overrides``, each with the award it fixed (whole yuan), the award as
    written in the scenario (``"cap"`` or yuan) and its reason.
    """
    s = result.summary
    sc = result.scenario
    sv = result.solver
    rule = rule_of(result)
    out: dict = {key: getattr(s, key) for key in SUMMARY_KEYS}
    out.update(
        eligible=s.eligible,
        requested_total=s.requested_total,
        admin_planned=s.admin_planned,
        admin_limit=s.admin_limit,
        rule=rule,
        rule_zh=rule_zh(rule),
        value=float(getattr(s, "value", 0.0)),
        shadow_price=float(getattr(s, "shadow_price", 0.0)),
        reserve=int(getattr(s, "reserve", 0) or 0),
        batch=int(getattr(s, "batch", 1) or 1),
        commitments_in=int(getattr(s, "commitments_in", 0) or 0),
        batches=batch_totals(prepared(result), int(getattr(s, "batch", 1) or 1)),
        scenario={
            "name": getattr(sc, "name", ""),
            "path": text(getattr(sc, "path", "")),
            "year": getattr(sc, "year", None),
            "policy": getattr(sc, "policy", ""),
        },
        solver={
            "name": sv.name,
            "version": sv.version,
            "status": sv.status,
            "objective": sv.objective,
            "seconds": sv.seconds,
            "mip": bool(sv.mip),
            "gap": _float(sv.gap),
            "stages": int(sv.stages),
            "level": _float(sv.level),
            "rule": sv.rule,
        },
    )
    nm = result.next_million
    if nm is not None:
        changed = nm.changed if nm.changed is not None else pd.DataFrame()
        out["next_million"] = {
            "extra": int(nm.extra),
            "value_gain": float(nm.value_gain),
            "awarded_gain": int(nm.awarded_gain),
            "city_cost_gain": int(nm.city_cost_gain),
            "newly_funded": int(nm.newly_funded),
            "changed": [
                {
                    "application_id": text(r["application_id"]),
                    "award": int(r["award"]),
                    "award_after": int(r["award_after"]),
                    "gain": int(r["gain"]),
                }
                for _, r in changed.iterrows()
            ],
        }
    cmp = result.comparison
    out["comparison"] = (
        None
        if cmp is None
        else {
            "rule": cmp.rule,
            "value": float(cmp.value),
            "default_value": float(cmp.default_value),
            "cost": round(float(cmp.cost), 4),
            "funded": int(cmp.funded),
            "default_funded": int(cmp.default_funded),
            "min_coverage": float(cmp.min_coverage),
            "default_min_coverage": float(cmp.default_min_coverage),
        }
    )
    lim = getattr(sc, "limits", None)
    out["limits"] = {
        "min_award": int(getattr(lim, "min_award", 0) or 0),
        "per_enterprise": None if getattr(lim, "per_enterprise", None) is None else int(lim.per_enterprise),
        "item_share": {
            k: [float(lo), float(hi)] for k, (lo, hi) in (getattr(lim, "item_share", {}) or {}).items()
        },
        "district_budget": {k: int(v) for k, v in (getattr(lim, "district_budget", {}) or {}).items()},
    }
    out["overrides"] = [
        {"application_id": o.application_id, "award": o.award, "award_written": o.written, "reason": o.reason}
        for o in override_rows(result)
    ]
    waitlist = getattr(result, "waitlist", None)
    out["waitlist"] = waitlist_records(result, WAITLIST_IN_SUMMARY)
    out["waitlist_total"] = 0 if waitlist is None else len(waitlist)
    ledger = getattr(result, "ledger", None)
    out["ledger_total"] = 0 if ledger is None else len(ledger)
    out["manifest"] = run_manifest(result)
    for key in (*SUMMARY_KEYS[:8], "applications", "funded", "eligible", "requested_total"):
        out[key] = int(out[key])
    out["status"] = str(out["status"])
    return out


def write_summary_json(result: AllocationResult, path: str | Path) -> Path:
    path = Path(path)
    data = summary_dict(result)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
