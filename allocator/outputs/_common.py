"""What every writer needs from a result: the three lists, aggregates by item and district, number text.

The lists partition the applications, so every total in every output adds up the same way:

* 拟支持名单 (funded): ``award > 0``;
* 不符合条件 (ineligible): ``award == 0`` and (``eligible`` is false or the status is ``ineligible``,
  e.g. a cap of 0: nothing to fund);
* 未支持名单 (unfunded): the rest, eligible applications left at 0.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ..errors import OutputError
from ..result import TABLE_COLUMNS, AllocationResult, Status

MONEY = ("policy_amount", "cap", "award", "city_cost", "district_cost")
TEXT = ("application_id", "applicant", "credit_code", "item", "item_name", "clause", "source_sheet", "reason")
NO_DISTRICT = "（未填）"
SOLVER_STATUS_ZH = {"optimal": "已证明最优"}
STATUS_ORDER = (Status.FUNDED, Status.PARTIAL, Status.OVERRIDDEN, Status.UNFUNDED, Status.INELIGIBLE)


@dataclass(frozen=True)
class Lists:
    funded: pd.DataFrame  # 拟支持名单
    unfunded: pd.DataFrame  # 未支持名单
    ineligible: pd.DataFrame  # 不符合条件


def prepared(result: AllocationResult) -> pd.DataFrame:
    """The result's table: text filled in, whole-yuan money as int64, a district label on every row."""
    table = result.table
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise OutputError(
            f"分配结果缺少列：{'、'.join(missing)}，无法写出结果文件",
            f"the allocation table lacks columns {', '.join(missing)}; nothing can be written",
        )
    out = table.copy()
    for col in MONEY:
        values = pd.to_numeric(out[col], errors="coerce").fillna(0)
        if not (values == values.round()).all():
            bad = out.loc[values != values.round(), "application_id"].iloc[0]
            raise OutputError(
                f"申报编号 {bad} 的 {col} 不是整数元，结果文件只写整数元",
                f"{col} of application {bad} is not whole yuan; outputs hold whole yuan only",
            )
        out[col] = values.round().astype("int64")
    for col in TEXT:
        out[col] = out[col].map(text)
    out["district"] = out["district"].map(text).map(lambda d: d.strip() or NO_DISTRICT)
    out["eligible"] = out["eligible"].map(lambda v: bool(v) if not _missing(v) else False)
    out["status"] = out["status"].map(lambda s: Status(str(s)))
    names = _item_names(result)
    blank = out["item_name"] == ""
    out.loc[blank, "item_name"] = out.loc[blank, "item"].map(lambda i: names.get(i, i))
    return out


def split(table: pd.DataFrame) -> Lists:
    """The three lists of a :func:`prepared` table (see the module docstring)."""
    funded = table["award"] > 0
    ineligible = ~funded & (~table["eligible"] | (table["status"] == Status.INELIGIBLE))
    unfunded = ~funded & ~ineligible
    return Lists(table[funded], table[unfunded], table[ineligible])


def lists(result: AllocationResult) -> Lists:
    return split(prepared(result))


def aggregate(parts: Lists, key: str) -> pd.DataFrame:
    """Counts and sums per value of ``key``; the same arithmetic the workbook's COUNTIF/SUMIF formulas do."""

    def count(df: pd.DataFrame) -> pd.Series:
        return df.groupby(key).size().astype("int64")

    def total(df: pd.DataFrame, col: str) -> pd.Series:
        return df.groupby(key)[col].sum().astype("int64")

    f, u, i = parts.funded, parts.unfunded, parts.ineligible
    frame = pd.DataFrame(
        {
            "applications": count(f).add(count(u), fill_value=0).add(count(i), fill_value=0),
            "eligible": count(f).add(count(u), fill_value=0),
            "funded": count(f),
            "cap_total": total(f, "cap").add(total(u, "cap"), fill_value=0),
            "award": total(f, "award"),
            "city_cost": total(f, "city_cost"),
            "district_cost": total(f, "district_cost"),
        }
    )
    return frame.fillna(0).astype("int64")


AGG_COLUMNS = ("applications", "eligible", "funded", "cap_total", "award", "city_cost", "district_cost")


def by_item(result: AllocationResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per policy item (policy order; items only seen in the table after): clause, item, item_name,
    then :data:`AGG_COLUMNS`. Items without applications are kept with zeros."""
    table = prepared(result) if table is None else table
    agg = aggregate(split(table), "item")
    rows = [(it.id, it.clause, it.name) for it in getattr(result.policy, "items", ())]
    known = {r[0] for r in rows}
    extra = table[~table["item"].isin(known)].drop_duplicates("item").sort_values("item")
    rows += [(r.item, r.clause, r.item_name) for r in extra.itertuples()]
    out = pd.DataFrame(rows, columns=["item", "clause", "item_name"])
    out = out.join(agg, on="item").fillna(0)
    out[list(AGG_COLUMNS)] = out[list(AGG_COLUMNS)].astype("int64")
    return out[["clause", "item", "item_name", *AGG_COLUMNS]].reset_index(drop=True)


def by_district(result: AllocationResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per district, largest award first (then by name): district, then :data:`AGG_COLUMNS`."""
    table = prepared(result) if table is None else table
    agg = aggregate(split(table), "district").rename_axis("district").reset_index()
    agg = agg.sort_values(["award", "district"], ascending=[False, True], kind="stable")
    return agg[["district", *AGG_COLUMNS]].reset_index(drop=True)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """status, status_zh, count in :data:`STATUS_ORDER`; 决定支持 only when present."""
    counts = table["status"].value_counts()
    rows = [
        (s.value, s.zh, int(counts.get(s, 0)))
        for s in STATUS_ORDER
        if s != Status.OVERRIDDEN or counts.get(s, 0)
    ]
    return pd.DataFrame(rows, columns=["status", "status_zh", "count"])


def check_consistent(result: AllocationResult, table: pd.DataFrame) -> None:
    """The summary must be what the lists add up to, or the workbook's formulas would disagree with it."""
    s = result.summary
    parts = split(table)
    f = parts.funded
    checks = {
        "awarded": (s.awarded, int(f["award"].sum())),
        "city_cost": (s.city_cost, int(f["city_cost"].sum())),
        "district_cost": (s.district_cost, int(f["district_cost"].sum())),
        "funded": (s.funded, len(f)),
        "applications": (s.applications, len(table)),
        "available": (s.available, s.annual_fund + s.carryover_in),
        "carryover_out": (s.carryover_out, s.available - s.city_cost - s.admin),
    }
    bad = [f"{k}: summary {a} ≠ {b}" for k, (a, b) in checks.items() if a != b]
    if bad:
        raise OutputError(
            "分配结果的汇总数与名单合计不一致，未写出结果文件：" + "；".join(bad),
            "the result's summary disagrees with its table; nothing written: " + "; ".join(bad),
        )


def text(value: object) -> str:
    """Cell text: '' for None/NaN, whole floats without '.0'."""
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _item_names(result: AllocationResult) -> dict[str, str]:
    return {it.id: it.name for it in getattr(result.policy, "items", ())}


def yuan(amount: int | float) -> str:
    """``12,345,678``"""
    return f"{round(amount):,}"


def wan(amount: int | float, digits: int = 2) -> str:
    """Ten-thousands of yuan: ``1,234.57``"""
    return f"{amount / 10_000:,.{digits}f}"


def display_width(s: str) -> int:
    """Columns a string takes in a fixed-width font: East Asian wide characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def flatten(data: object, prefix: str = "") -> list[tuple[str, str]]:
    """Nested manifest dicts as ``(dotted.key, text)`` rows."""
    if isinstance(data, dict):
        rows: list[tuple[str, str]] = []
        for key, value in data.items():
            rows += flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(data, list | tuple):
        return [(prefix, "、".join(text(v) for v in data))]
    return [(prefix, text(data))]


def sha256_of_applications(manifest: dict) -> str:
    """The applications file's SHA-256 from the manifest, wherever it is kept ('' if absent)."""
    rows = [(k, v) for k, v in flatten(manifest) if "sha256" in k.lower()]
    for key, value in rows:
        if "application" in key.lower():
            return value
    return rows[0][1] if rows else ""


def generated_at(manifest: dict) -> str:
    for key in ("generated_at", "generated", "created_at", "timestamp"):
        if manifest.get(key):
            return str(manifest[key])
    return datetime.now().astimezone().isoformat(timespec="seconds")


def item_label(clause: str, name: str) -> str:
    """``（四）购买、自建办公用房补助``"""
    return f"（{clause}）{name}" if clause else name


def status_zh(status: str) -> str:
    """``optimal（已证明最优）``"""
    return f"{status}（{SOLVER_STATUS_ZH[status]}）" if status in SOLVER_STATUS_ZH else status
