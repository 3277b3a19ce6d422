"""``allocation.csv`` and ``summary.json``: the result for machines.

allocation.csv is UTF-8 with a BOM (so Excel and WPS open the Chinese text correctly), one row per
application, the contract columns first; booleans are ``true``/``false``, money is whole yuan. Text is
written as it is (no ``'`` prefix): the file is for programs; people open allocation.xlsx.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from ..result import AllocationResult
from ._common import prepared, text

#: The columns every allocation.csv starts with, in this order.
CSV_COLUMNS = (
    "application_id",
    "item",
    "eligible",
    "cap",
    "award",
    "city_cost",
    "district_cost",
    "status",
    "reason",
)
#: Written after :data:`CSV_COLUMNS`.
CSV_EXTRA = (
    "applicant",
    "credit_code",
    "district",
    "item_name",
    "clause",
    "requested",
    "score",
    "failed_condition",
    "policy_amount",
    "city_share",
    "weight",
    "value",
    "source_sheet",
    "source_row",
)

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


def csv_rows(result: AllocationResult) -> list[list[str]]:
    """Header and rows of allocation.csv, as the text written."""
    table = prepared(result)
    raw = result.table
    columns = [*CSV_COLUMNS, *CSV_EXTRA]
    rows = [list(columns)]
    for idx, row in table.iterrows():
        out = []
        for col in columns:
            value = row[col]
            if col == "district":
                value = raw.at[idx, "district"]  # as read, not the sheet label for blanks
            elif col == "status":
                value = str(value)
            elif col == "source_row":
                value = "" if pd.isna(value) or value == "" else int(value)
            out.append(_cell(value.item() if hasattr(value, "item") else value))
        rows.append(out)
    return rows


def write_allocation_csv(result: AllocationResult, path: str | Path) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(csv_rows(result))
    return path


def summary_dict(result: AllocationResult) -> dict:
    """summary.json as a dict: the contract keys first, then the extras."""
    s = result.summary
    sc = result.scenario
    out: dict = {key: getattr(s, key) for key in SUMMARY_KEYS}
    out.update(
        eligible=s.eligible,
        requested_total=s.requested_total,
        admin_planned=s.admin_planned,
        admin_limit=s.admin_limit,
        scenario={
            "name": getattr(sc, "name", ""),
            "path": text(getattr(sc, "path", "")),
            "year": getattr(sc, "year", None),
            "policy": getattr(sc, "policy", ""),
        },
        solver={
            "name": result.solver.name,
            "version": result.solver.version,
            "status": result.solver.status,
            "objective": result.solver.objective,
            "seconds": result.solver.seconds,
            "mip": result.solver.mip,
        },
    )
    nm = result.next_million
    if nm is not None:
        out["next_million"] = {
            "extra": int(nm.extra),
            "value_gain": float(nm.value_gain),
            "awarded_gain": int(nm.awarded_gain),
            "city_cost_gain": int(nm.city_cost_gain),
            "newly_funded": int(nm.newly_funded),
        }
    out["manifest"] = result.manifest or {}
    for key in (*SUMMARY_KEYS[:8], "applications", "funded", "eligible", "requested_total"):
        out[key] = int(out[key])
    out["status"] = str(out["status"])
    return out


def write_summary_json(result: AllocationResult, path: str | Path) -> Path:
    path = Path(path)
    data = summary_dict(result)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
