"""An earlier batch's approved.xlsx read back: :func:`earlier_awards`, the earlier batches' awards as a
table — the seam a register of approvals can stand behind later — and :func:`read_approved`, id → award.
The file comes from the user (``--approved``): the same guard as any workbook before openpyxl parses it,
and every cell that is not what this tool writes is an InputError naming it."""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import pandas as pd

from ..core.errors import InputError, Problem
from ..intake import guard as workbook_guard
from .format import BATCH_COLUMN_HEADER as BATCH_HEADER
from .format import GROUP_COLUMN_HEADER as GROUP_HEADER
from .format import YTD_SHEET

ID_HEADER = "申报编号"
AWARD_HEADER = "拟支持金额（元）"
#: The list's headers → the earlier-awards table's columns (the two ``…承担（元）`` columns: by position).
HEADERS = {
    ID_HEADER: "application_id",
    "申报单位": "applicant",
    "统一社会信用代码": "credit_code",
    "所在区": "district",
    "支持事项": "item_name",
    "事项编号": "item",
    "条款": "clause",
    "申请金额（元）": "requested",
    "政策上限（元）": "cap",
    AWARD_HEADER: "award",
    BATCH_HEADER: "batch",
    GROUP_HEADER: "cap_group",
}
#: :func:`earlier_awards`' columns (``row``: the 1-based sheet row it was read from).
EARLIER_COLUMNS = (
    "application_id", "batch", "applicant", "credit_code", "district", "item", "item_name", "clause",
    "requested", "cap", "award", "city_cost", "district_cost", "cap_group", "source", "row",
)  # fmt: skip
MONEY = ("cap", "award", "city_cost", "district_cost")
NO_DISTRICT = "（未填）"  # the lists' label of a blank district (allocator.outputs._common)


def _error(where: str, sheet, row, column, value, zh: str, en: str) -> InputError:
    return InputError([Problem(where, sheet, row, column, value, zh, en)], where)


def _rows(path: Path) -> tuple[str, list[tuple]]:
    """The year-so-far sheet of an approved.xlsx (:data:`YTD_SHEET`, else its first sheet): name, rows."""
    from openpyxl import load_workbook

    where = str(path)
    if not path.is_file():
        raise _error(where, None, None, None, None, "找不到前批次的拟支持名单文件", "approved list not found")
    data = path.read_bytes()
    # the file comes from the user (--approved): the same guard as any workbook before openpyxl parses it
    workbook_guard.check(path, data, "excel", hashlib.sha256(data).hexdigest())
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook is the same user error
        raise _error(
            where, None, None, None, None, f"无法读取：{exc}", "cannot be read as an .xlsx workbook"
        ) from None
    try:
        ws = wb[YTD_SHEET] if YTD_SHEET in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()  # rows as they are, not padded to a declared width
        return ws.title, list(ws.iter_rows(values_only=True))
    finally:
        wb.close()


def earlier_awards(approved: str | Path, batch: int) -> pd.DataFrame:
    """The earlier batches' approved awards (:data:`EARLIER_COLUMNS`), one row per application, from an
    ``approved.xlsx`` this tool wrote: whole yuan, ``batch`` the batch that approved it (a list written
    before the 批次 column: ``batch − 1``). Any cell that is not what this tool writes is an InputError."""
    path = Path(approved)
    where = str(path)
    sheet, rows = _rows(path)
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    costs = [k for k, h in enumerate(header) if h.endswith("承担（元）")]
    if ID_HEADER not in header or AWARD_HEADER not in header or len(costs) != 2:
        raise _error(
            where, sheet, 1, None, None,
            f"表头须含「{ID_HEADER}」「{AWARD_HEADER}」和两列「…承担（元）」（本工具写出的 approved.xlsx）",
            f"header needs {ID_HEADER!r}, {AWARD_HEADER!r} and two '…承担（元）' columns (an approved.xlsx by allocator)",
        )  # fmt: skip
    at = {col: header.index(h) for h, col in HEADERS.items() if h in header}
    at["city_cost"], at["district_cost"] = costs
    records, problems = [], []
    for n, row in enumerate(rows[1:], start=2):
        app = row[at["application_id"]]
        if app is None or str(app).strip() in ("", "（无）") or str(row[0]).strip() == "合计":
            continue
        rec = {col: row[k] if k < len(row) else None for col, k in at.items()}
        rec["application_id"] = str(app).strip()
        for col in [c for c in MONEY if c in at] + (["batch"] if "batch" in at else []):
            v = rec[col]
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != int(v):
                zh = "应为正整数" if col == "batch" else "应为非负整数元"
                problems.append(Problem(where, sheet, n, header[at[col]], v, zh, f"{col} must be whole ≥ 0"))
            else:
                rec[col] = int(v)
        rec["row"] = n
        records.append(rec)
    if problems:
        raise InputError(problems, where)
    out = pd.DataFrame.from_records(records, columns=[c for c in EARLIER_COLUMNS if c != "source"])
    out["source"] = f"{path.name} {sheet}"
    if "batch" not in at:
        out["batch"] = batch - 1
    for col in ("applicant", "credit_code", "district", "item", "item_name", "clause", "cap_group"):
        out[col] = [text(v) for v in out[col]]
    out.loc[out["district"] == NO_DISTRICT, "district"] = ""
    out["requested"] = pd.to_numeric(out["requested"], errors="coerce").astype(float)
    for col in ("batch", *MONEY):
        out[col] = out[col].fillna(-1).astype("int64")
    late = out[(out["batch"] < 1) | (out["batch"] >= batch)]
    if len(late):
        r = late.iloc[0]
        raise _error(
            where, sheet, int(r["row"]), BATCH_HEADER, int(r["batch"]),
            f"申报 {r['application_id']} 的批次应在 1 至 {batch - 1} 之间（本次为第 {batch} 批）",
            f"application {r['application_id']}: batch must be 1..{batch - 1} (this run is batch {batch})",
        )  # fmt: skip
    twice = out[out["application_id"].duplicated(keep="first")]
    if len(twice):
        r = twice.iloc[0]
        raise _error(
            where, sheet, int(r["row"]), ID_HEADER, r["application_id"],
            f"申报编号 {r['application_id']} 在前批次名单中出现两次", "an application id appears twice",
        )  # fmt: skip
    return out.loc[:, list(EARLIER_COLUMNS)].reset_index(drop=True)


def text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_approved(path: str | Path) -> dict[str, int]:
    """Application id → approved award (whole yuan) from an ``approved.xlsx`` this tool wrote (its year so
    far, from batch 2 on)."""
    table = earlier_awards(path, batch=10**9)
    return dict(zip(table["application_id"], table["award"].astype(int).tolist(), strict=True))


__all__ = ["EARLIER_COLUMNS", "HEADERS", "earlier_awards", "read_approved", "text"]
