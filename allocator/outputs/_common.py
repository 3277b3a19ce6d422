"""What every writer needs from a result: the three lists, aggregates by item and district, number text.

The lists partition the applications, so every total in every output adds up the same way:

* 拟支持名单 (funded): ``award > 0``;
* 不符合条件 (ineligible): ``award == 0`` and (``eligible`` is false or the status is ``ineligible``,
  e.g. a cap of 0: nothing to fund), never an overridden application;
* 未支持名单 (unfunded): the rest, eligible applications left at 0, and applications an ``[[override]]``
  fixed at 0 (status ``overridden`` stays visible there).

It also holds the words every writer uses for the scenario's rule, limits and overrides; the names of the
cost-sharing levels are in :mod:`allocator.policy.levels`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from ..core.errors import OutputError
from ..core.result import LEDGER_COLUMNS, TABLE_COLUMNS, WAITLIST_COLUMNS, AllocationResult, Status
from .cells import flags, map_distinct, text, text_column
from .cells import missing as _missing

MONEY = ("policy_amount", "cap", "award", "city_cost", "district_cost")
TEXT = ("application_id", "applicant", "credit_code", "item", "item_name", "clause", "source_sheet", "reason")
NO_DISTRICT = "（未填）"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
STATUS_ORDER = (Status.FUNDED, Status.PARTIAL, Status.OVERRIDDEN, Status.UNFUNDED, Status.INELIGIBLE)


@dataclass(frozen=True)
class Lists:
    funded: pd.DataFrame  # 拟支持名单
    unfunded: pd.DataFrame  # 未支持名单
    ineligible: pd.DataFrame  # 不符合条件


def prepared(result: AllocationResult) -> pd.DataFrame:
    """The result's table: text filled in, whole-yuan money as int64, a district label on every row.

    Inside :func:`shared_tables` a result's table is prepared once and each caller gets its own copy."""
    if _SHARED is not None:
        hit = _SHARED.get(id(result))
        if hit is not None and hit[0] is result and hit[1] is result.table:
            return hit[2].copy()
    out = _prepare(result)
    if _SHARED is not None:
        _SHARED[id(result)] = (result, result.table, out.copy())
    return out


def share_prepared(old: AllocationResult, new: AllocationResult) -> None:
    """Inside :func:`shared_tables`: ``new`` (``old`` with more filled in, the same table) uses the table
    prepared for ``old``."""
    if _SHARED is None:
        return
    hit = _SHARED.get(id(old))
    if hit is not None and hit[0] is old and new.table is old.table:
        _SHARED[id(new)] = (new, new.table, hit[2])


#: id(result) → (result, its table, the prepared table), while :func:`shared_tables` is open.
_SHARED: dict[int, tuple[AllocationResult, pd.DataFrame, pd.DataFrame]] | None = None


@contextmanager
def shared_tables() -> Iterator[None]:
    """Prepare each result's table once in this block, not once per writer.

    One run's workbooks, CSV, charts and reports all start from :func:`prepared`; at 100,000 applications
    it would otherwise be built a dozen times. The result is kept alive (and its table compared by
    identity) so an id is never mistaken for another result's.
    """
    global _SHARED
    outer = _SHARED
    _SHARED = {} if outer is None else outer
    try:
        yield
    finally:
        _SHARED = outer


def _prepare(result: AllocationResult) -> pd.DataFrame:
    table = result.table
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise OutputError(
            f"分配结果缺少列：{'、'.join(missing)}，无法写出结果文件",
            f"the allocation table lacks columns {', '.join(missing)}; nothing can be written",
        )
    out = table.copy()
    if "batch" not in out:  # a table from before the batch column: every row is the result's batch
        out["batch"] = int(getattr(result.summary, "batch", 1) or 1)
    out["batch"] = pd.to_numeric(out["batch"], errors="coerce").fillna(1).astype("int64")
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
        out[col] = text_column(out[col])
    out["district"] = map_distinct(text_column(out["district"]), lambda d: d.strip() or NO_DISTRICT)
    out["eligible"] = flags(out["eligible"])
    out["status"] = map_distinct(out["status"], lambda s: Status(str(s)))
    names = _item_names(result)
    blank = out["item_name"] == ""
    out.loc[blank, "item_name"] = out.loc[blank, "item"].map(lambda i: names.get(i, i))
    return out


WAITLIST_MONEY = ("cap", "award", "shortfall", "next_award", "next_city_cost", "cumulative_city_cost")
LEDGER_MONEY = ("award",)
#: Clause 四's words when the policy does not give them (the item's ``ledger``).
LEDGER_SAYS = "自用未满3年的不得转让出售和出租"
_NUMERIC = ("rank", "purchase_area_m2")


def _whole_yuan(frame: pd.DataFrame, col: str, what: str) -> pd.Series:
    values = pd.to_numeric(frame[col], errors="coerce").fillna(0)
    if not (values == values.round()).all():
        raise OutputError(
            f"{what}的 {col} 不是整数元，结果文件只写整数元",
            f"{col} of the {what} is not whole yuan; outputs hold whole yuan only",
        )
    return values.round().astype("int64")


def _register(
    frame: pd.DataFrame | None, columns: tuple[str, ...], money: tuple[str, ...], what: str
) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in money else object) for c in columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OutputError(
            f"{what}缺少列：{'、'.join(missing)}，无法写出结果文件",
            f"the {what} lacks columns {', '.join(missing)}; nothing can be written",
        )
    out = frame[list(columns)].copy().reset_index(drop=True)
    for col in money:
        out[col] = _whole_yuan(out, col, what)
    for col in columns:
        if col not in money and col not in _NUMERIC:
            out[col] = out[col].map(text)
    if "district" in out:
        out["district"] = out["district"].map(lambda d: text(d).strip() or NO_DISTRICT)
    return out


def waitlist_frame(result: AllocationResult) -> pd.DataFrame:
    """The 候补名单 (:data:`~allocator.core.result.WAITLIST_COLUMNS`), rank 1 first, money as int64, item names
    filled from the policy; empty (same columns) when the result has none."""
    out = _register(getattr(result, "waitlist", None), WAITLIST_COLUMNS, WAITLIST_MONEY, "候补名单")
    if len(out):
        out["rank"] = pd.to_numeric(out["rank"], errors="coerce").fillna(0).astype("int64")
        out = out.sort_values("rank", kind="stable").reset_index(drop=True)
        names = _item_names(result)
        blank = out["item_name"] == ""
        out.loc[blank, "item_name"] = out.loc[blank, "item"].map(lambda i: names.get(i, i))
    return out


def ledger_frame(result: AllocationResult) -> pd.DataFrame:
    """The 监管台账 (:data:`~allocator.core.result.LEDGER_COLUMNS`): purchased premises that may not be
    transferred for 3 years (clause 四); empty (same columns) when the result has none."""
    out = _register(getattr(result, "ledger", None), LEDGER_COLUMNS, LEDGER_MONEY, "监管台账")
    if len(out):
        out["purchase_area_m2"] = pd.to_numeric(out["purchase_area_m2"], errors="coerce")
        for col in ("approved_on", "no_transfer_until"):
            out[col] = out[col].map(iso_date)
    return out


def ledger_says(result: AllocationResult) -> str:
    """The policy's words for the ledger (the first item with a ``ledger`` duty), else :data:`LEDGER_SAYS`."""
    for it in getattr(result.policy, "items", ()):
        if getattr(it, "ledger", ""):
            return str(it.ledger)
    return LEDGER_SAYS


def iso_date(value: object) -> str:
    """``2017-12-31`` from a date, a timestamp or ISO text ('' when missing)."""
    if _missing(value):
        return ""
    if hasattr(value, "date") and callable(value.date):
        value = value.date()  # type: ignore[union-attr]
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return text(value).strip()[:10] if _ISO.match(text(value).strip()) else text(value).strip()


def split(table: pd.DataFrame) -> Lists:
    """The three lists of a :func:`prepared` table (see the module docstring)."""
    funded = table["award"] > 0
    overridden = table["status"] == Status.OVERRIDDEN
    ineligible = ~funded & ~overridden & (~table["eligible"] | (table["status"] == Status.INELIGIBLE))
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


def _narrow(table: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """Only what :func:`split` and the sums need: splitting 100,000 rows copies every column it keeps."""
    return table[[*keys, "eligible", "status", *MONEY]]


AGG_COLUMNS = ("applications", "eligible", "funded", "cap_total", "award", "city_cost", "district_cost")


def by_item(result: AllocationResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per policy item (policy order; items only seen in the table after): clause, item, item_name,
    then :data:`AGG_COLUMNS`. Items without applications are kept with zeros."""
    table = prepared(result) if table is None else table
    agg = aggregate(split(_narrow(table, "item")), "item")
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
    agg = aggregate(split(_narrow(table, "district")), "district").rename_axis("district").reset_index()
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


def status_label(status: Status, award: int) -> str:
    """The 状态 cell of a list: the status in Chinese; an override fixed at 0 reads 决定不予支持."""
    if status == Status.OVERRIDDEN and award <= 0:
        return "决定不予支持"
    return Status(status).zh  # a column of statuses may hold plain str (pandas' pyarrow strings)


def check_consistent(result: AllocationResult, table: pd.DataFrame) -> None:
    """The summary must be what the lists add up to, or the workbook's formulas would disagree with it."""
    s = result.summary
    f = split(_narrow(table)).funded
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


def _item_names(result: AllocationResult) -> dict[str, str]:
    return {it.id: it.name for it in getattr(result.policy, "items", ())}


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
