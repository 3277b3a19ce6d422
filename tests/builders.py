"""Small hand-made inputs for tests: intake frames and scenarios without any workbook."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.config.scenario import Scenario
from allocator.policy.fields import FIELDS, SOURCE_ROW, SOURCE_SHEET
from allocator.policy.pack import load_policy

POLICY = load_policy("changchun-2017")
TEXT_KINDS = {"text", "item", "code"}

DISCRETIONARY = {
    "c07-other": {"amount": 200_000.0},
    "c08-spinoff": {"per_usd": 0.1},
    "c10-expo": {"rate": 0.5},
    "c11-institution": {"amount": 300_000.0},
    "c12-talent-base": {"amount": 1_000_000.0},
    "c14-talent": {"per_person": 30_000.0},
    "c17-alliance": {"amount": 200_000.0},
    "c18-services": {"amount": 500_000.0},
}


# Applicants who meet every condition of clause 四 purchase, 七 global and domestic, and 八.
YES, NO = 1.0, 0.0
BUY = dict(certified=YES, registered_capital=20_000_000, has_property_cert=YES, has_land_cert=YES)
GLOBAL = dict(
    global_top100=YES,
    newly_settled=YES,
    independent_entity=YES,
    registered_capital=20_000_000,
    employees=100,
    offshore_usd=5_000_000,
)
DOMESTIC = dict(
    domestic_top100=YES,
    independent_entity=YES,
    registered_capital=10_000_000,
    employees=50,
    offshore_usd=2_000_000,
)
SPINOFF = dict(state_owned_spinoff=YES, independent_entity=YES, in_mofcom_system=YES)


def frame(rows: list[dict], policy=None) -> pd.DataFrame:
    """An intake frame: every field column (the policy's own too), blanks as None/NaN, yes/no as 1.0/0.0."""
    data = {}
    for f in policy.fields if policy is not None else FIELDS:
        values = [r.get(f.key) for r in rows]
        if f.kind in TEXT_KINDS:
            data[f.key] = pd.Series(values, dtype=object)
        else:
            data[f.key] = pd.Series([np.nan if v is None else float(v) for v in values], dtype=float)
    df = pd.DataFrame(data)
    df[SOURCE_SHEET] = "申报表"
    df[SOURCE_ROW] = np.arange(2, 2 + len(rows))
    return df


def row(app_id: str, item: str, **fields) -> dict:
    base = {
        "application_id": app_id,
        "applicant": f"长春{app_id}信息技术有限公司",
        "credit_code": "91220101MA0000000X",
        "district": "朝阳区",
        "item": item,
        "score": 80.0,
        "certified": 1.0,  # a certified (经认定) enterprise unless a test says otherwise (十三 needs it)
    }
    base.update(fields)
    return base


def scenario(**changes) -> Scenario:
    sc = Scenario(
        name="测试方案",
        policy="changchun-2017",
        year=2017,
        applications=Path("applications.xlsx"),
        path=Path("test.toml"),
        annual_fund=20_000_000,
        carryover_in=0,
        carryover_source="0",
        admin_fixed=0,
        admin_per_application=0,
        discretionary=DISCRETIONARY,
    )
    return dataclasses.replace(sc, **changes)


def write_workbook(path: Path, rows: list[dict]) -> Path:
    """An applications workbook with English keys as headers (intake accepts them)."""
    import openpyxl

    keys = [f.key for f in FIELDS if any(f.key in r for r in rows)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报表"
    ws.append(keys)
    for r in rows:
        ws.append([r.get(k) for k in keys])
    wb.save(path)
    return path


def valid_code(n: int) -> str:
    """A unified social credit code with a correct check digit, distinct for each n."""
    from allocator.intake.creditcode import check_digit

    body = f"91220101MA{n:07d}"
    return body + check_digit(body)


#: The roster sheet's Chinese headers (allocator.intake.roster), in the template's order.
ROSTER_HEADERS = ("人员编号", "统一社会信用代码", "学历", "合同开始日期", "合同结束日期", "提前解除日期")


def write_roster_workbook(
    path: Path, rows: list[dict], roster: list[tuple], headers=ROSTER_HEADERS, sheet: str = "人员名单"
) -> Path:
    """:func:`write_workbook` plus a roster sheet: ``roster`` rows are tuples in the order of ``headers``."""
    import openpyxl

    write_workbook(path, rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(sheet)
    ws.append(list(headers))
    for r in roster:
        ws.append(list(r))
    wb.save(path)
    return path
