"""The names in the files allocator writes and reads back: sheets and headers that a writer
(:mod:`allocator.outputs`) and a reader (:mod:`allocator.store.approved`, ``allocator verify``) must agree on: the sheets and headers of approved.xlsx, and allocation.csv's columns with the ``'`` that
keeps a formula-like text a text (written by :func:`allocator.outputs.tables.csv_safe`, taken off again by
:func:`csv_unquote`)."""

from __future__ import annotations

import re

import pandas as pd

#: approved.xlsx's second sheet from batch 2 on: the approvals of every batch of the year so far.
YTD_SHEET = "累计拟支持名单"
#: The batch column of every list, and the hidden shared-cap key of 拟支持名单 / 未支持名单.
BATCH_COLUMN_HEADER = "批次"
GROUP_COLUMN_HEADER = "合计上限组"

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
#: Spreadsheets read a field that starts with one of these as a formula (a tab, CR or LF before one too).
CSV_FORMULA_START = "=+-@\t\r\n"
#: A field that gets the ``'`` prefix: the start of a formula, behind any ``'`` already there.
CSV_QUOTED = re.compile(r"'*[=+\-@\t\r\n]")
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
    "cap_group",
    "city_share",
    "weight",
    "value",
    "source_sheet",
    "source_row",
    "batch",
)

#: allocation.csv's columns of text from the input (the reasons quote an override's): :func:`csv_safe`.
CSV_TEXT = (
    "application_id",
    "item",
    "reason",
    "applicant",
    "credit_code",
    "district",
    "item_name",
    "clause",
    "failed_condition",
    "source_sheet",
)


def csv_unquote(values: pd.Series) -> pd.Series:
    """Text read back from allocation.csv or waitlist.csv as it was before :func:`csv_safe`: one leading
    ``'`` off where it was put (blanks and NaN stay as they are)."""
    return values.str.replace(r"^'(?='*[=+\-@\t\r\n])", "", regex=True)


def csv_unquote_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`csv_unquote` on every text column of ``CSV_TEXT`` that ``df`` (read back from one of our
    CSVs) has; in place, and returned."""
    for col in CSV_TEXT:
        if col in df.columns:
            df[col] = csv_unquote(df[col])
    return df


__all__ = [
    "BATCH_COLUMN_HEADER",
    "CSV_COLUMNS",
    "CSV_EXTRA",
    "CSV_FORMULA_START",
    "CSV_QUOTED",
    "CSV_TEXT",
    "GROUP_COLUMN_HEADER",
    "YTD_SHEET",
    "csv_unquote",
    "csv_unquote_frame",
]
