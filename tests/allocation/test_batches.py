"""Batches within a year: batch 2 keeps batch 1's awards to the yuan and never writes into its folder."""

from pathlib import Path

import pandas as pd
import pytest

from allocator.app.run import run
from allocator.core.errors import InputError, OutputError, ScenarioError
from allocator.store.approved import earlier_awards, read_approved

ROOT = Path(__file__).resolve().parents[2]


def scenario_with(tmp_path: Path, reserve: int) -> Path:
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    text = text.replace(
        "data/changchun-2017-applications.xlsx", str(ROOT / "scenarios/data/changchun-2017-applications.xlsx")
    )
    text = text.replace(
        "admin_per_application = 100", f"admin_per_application = 100\nreserve_for_later_batches = {reserve}"
    )
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def awards(folder: Path) -> dict[str, int]:
    t = pd.read_csv(folder / "allocation.csv", dtype={"application_id": str}, encoding="utf-8-sig")
    return dict(zip(t["application_id"], t["award"], strict=True))


@pytest.mark.slow
def test_batch_two_keeps_batch_one_and_spends_the_reserve(tmp_path):
    first, _ = run(scenario_with(tmp_path, 6_000_000), tmp_path / "b1")
    assert first.summary.carryover_out >= 6_000_000  # the reserve stayed unspent
    before = awards(tmp_path / "b1")
    approved = read_approved(tmp_path / "b1" / "approved.xlsx")
    assert approved == {k: v for k, v in before.items() if v > 0}

    second, _ = run(
        scenario_with(tmp_path, 0), tmp_path / "b2", batch=2, approved=tmp_path / "b1" / "approved.xlsx"
    )
    after = awards(tmp_path / "b2")
    assert all(after[k] == v for k, v in approved.items())  # batch 1 untouched, to the yuan
    assert sum(after.values()) > sum(before.values())  # the reserve went to batch 2
    assert second.summary.batch == 2 and second.summary.carryover_out < 6_000_000
    assert awards(tmp_path / "b1") == before  # batch 1's files were not touched
    reasons = pd.read_csv(tmp_path / "b2" / "allocation.csv", dtype=str, encoding="utf-8-sig").set_index(
        "application_id"
    )["reason"]
    assert all("第 1 批" in reasons[k] for k in approved)


def test_batch_needs_its_approved_list_and_its_own_folder(tmp_path):
    run(scenario_with(tmp_path, 0), tmp_path / "b1")
    with pytest.raises(ScenarioError):
        run(scenario_with(tmp_path, 0), tmp_path / "b2", batch=2)
    with pytest.raises(OutputError):
        run(scenario_with(tmp_path, 0), tmp_path / "b1", batch=2, approved=tmp_path / "b1" / "approved.xlsx")
    with pytest.raises(InputError):
        read_approved(tmp_path / "b1" / "allocation.csv")


def test_an_approved_list_with_a_dtd_is_refused_before_openpyxl_reads_it(tmp_path):
    import io
    import zipfile

    from allocator.core.errors import InputError
    from allocator.store.approved import read_approved

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "approved.xlsx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(InputError) as err:
        read_approved(path)
    assert "approved.xlsx" in str(err.value)


# ---------------------------------------------------------------- batch 2 the natural way (issue 16)
# Clause 四's rent subsidy (c04-rent: 20 yuan/m² a month, 年度最高 1,000,000 每户, city and district half
# each) may be claimed again in a year (another office); the purchase subsidy (一次性) may not.
# Batch 1: P1 (firm 1, 朝阳区) rents 2,500 m² for 12 months → 600,000 (city half 300,000); P3 (firm 4,
# 南关区) 2,000 m² for 10 months → 400,000 (city 200,000); H1 20 hires → 40,000. City 540,000 of
# 1,000,000, 400,000 reserved.
# Batch 2 (new rows only): P2 (firm 1 again) 4,000 m² for 10 months → 800,000, but 每户 1,000,000 leaves
# 400,000; P4 (firm 4 again) 2,000 m² for 10 months → 400,000, but 南关区's budget of 300,000 co-funding
# leaves 100,000 of district cost → 200,000; H2 120 hires → 240,000, but the fund leaves
# 1,000,000 − 540,000 − 200,000 − 100,000 = 160,000 (renting first: two yuan of award per city yuan).
SCENARIO = """
[scenario]
name = "分批测试"
policy = "changchun-2017"
year = 2017
applications = "{book}"

[budget]
annual_fund = 1_000_000
carryover_in = 0
admin_fixed = 0
admin_per_application = 0
reserve_for_later_batches = {reserve}

[limits.district_budget]
"南关区" = 300_000
"""


def firm_row(app_id, item, n, district="朝阳区", **fields):
    from tests.builders import valid_code

    return {
        "application_id": app_id, "applicant": f"企业{n}", "credit_code": valid_code(n), "district": district,
        "item": item, "certified": "是", "score": 80, **fields,
    }  # fmt: skip


RENT = dict(in_park="是")
BATCH_1 = [
    firm_row("P1", "c04-rent", 1, rent_area_m2=2_500, rent_months=12, **RENT),
    firm_row("P3", "c04-rent", 4, "南关区", rent_area_m2=2_000, rent_months=10, **RENT),
    firm_row("H1", "c13-hire", 2, eligible_hires=20),
]
BATCH_2 = [
    firm_row("P2", "c04-rent", 1, rent_area_m2=4_000, rent_months=10, **RENT),
    firm_row("P4", "c04-rent", 4, "南关区", rent_area_m2=2_000, rent_months=10, **RENT),
    firm_row("H2", "c13-hire", 3, eligible_hires=120),
]
EARLIER = {"P1": 600_000, "P3": 400_000, "H1": 40_000}
NEW = {"P2": 400_000, "P4": 200_000, "H2": 160_000}


def two_batches(tmp_path: Path, second: list[dict]) -> tuple[Path, Path]:
    """Batch 1 run with ``allocator run``, then batch 2 with ``--batch 2 --approved``: both folders."""
    from allocator.cli.main import main
    from tests.builders import write_workbook

    for name, rows, reserve in (("b1", BATCH_1, 400_000), ("b2", second, 0)):
        write_workbook(tmp_path / f"{name}.xlsx", rows)
        text = SCENARIO.format(book=f"{name}.xlsx", reserve=reserve)
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "b1.toml"), "--out", str(tmp_path / "b1")]) == 0
    args = [
        "run",
        str(tmp_path / "b2.toml"),
        "--batch",
        "2",
        "--approved",
        str(tmp_path / "b1" / "approved.xlsx"),
    ]
    assert main([*args, "--out", str(tmp_path / "b2")]) == 0
    return tmp_path / "b1", tmp_path / "b2"


def sheet_rows(path: Path, sheet: str) -> dict[str, dict]:
    """A list sheet's data rows by 申报编号, header → value (合计 left out)."""
    import openpyxl

    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    out = {}
    for r in rows[1:]:
        if r[0] != "合计" and r[1] not in (None, ""):
            out[r[1]] = dict(zip(rows[0], r, strict=True))
    return out


def check_batch_two(b1: Path, b2: Path) -> None:
    import json

    assert awards(b2) == {**EARLIER, **NEW}  # the year to date, each batch's awards to the yuan
    csv = pd.read_csv(b2 / "allocation.csv", dtype={"application_id": str}, encoding="utf-8-sig")
    assert dict(zip(csv["application_id"], csv["batch"], strict=True)) == {
        "P1": 1, "P3": 1, "H1": 1, "P2": 2, "P4": 2, "H2": 2
    }  # fmt: skip
    now = sheet_rows(b2 / "approved.xlsx", "拟支持名单")
    assert {k: v["拟支持金额（元）"] for k, v in now.items()} == NEW
    assert {v["批次"] for v in now.values()} == {2}
    ytd = sheet_rows(b2 / "approved.xlsx", "累计拟支持名单")
    assert {k: v["拟支持金额（元）"] for k, v in ytd.items()} == {**EARLIER, **NEW}
    assert ytd["P1"]["批次"] == 1 and ytd["P2"]["批次"] == 2
    assert ytd["P2"]["市级承担（元）"] == 200_000 and ytd["P4"]["区级承担（元）"] == 100_000
    summary = json.loads((b2 / "summary.json").read_text(encoding="utf-8"))
    assert summary["batch"] == 2 and summary["awarded"] == 1_800_000
    assert summary["city_cost"] == 1_000_000 and summary["carryover_out"] == 0
    assert summary["batches"] == {
        "this_batch": {"awarded": 760_000, "city_cost": 460_000, "district_cost": 300_000, "funded": 3},
        "earlier_batches": {"awarded": 1_040_000, "city_cost": 540_000, "district_cost": 500_000, "funded": 3},
        "year_to_date": {"awarded": 1_800_000, "city_cost": 1_000_000, "district_cost": 800_000, "funded": 6},
    }  # fmt: skip
    import openpyxl

    ws = openpyxl.load_workbook(b2 / "allocation.xlsx")["汇总"]
    shown = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)}
    assert shown["第 2 批拟支持金额"] == 760_000
    assert shown["前批次已批准金额"] == 1_040_000
    assert shown["本年度累计拟支持金额"] == 1_800_000
    assert sheet_rows(b2 / "allocation.xlsx", "拟支持名单")["P1"]["批次"] == 1


def test_batch_two_holds_only_new_rows(tmp_path):
    b1, b2 = two_batches(tmp_path, BATCH_2)
    assert awards(b1) == EARLIER
    check_batch_two(b1, b2)
    import openpyxl

    assert openpyxl.load_workbook(b1 / "approved.xlsx").sheetnames == ["拟支持名单"]  # batch 1: one sheet
    ws = openpyxl.load_workbook(b1 / "allocation.xlsx")["汇总"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    assert ws.cell(row=rows["预留后续批次资金"], column=2).value == 400_000
    note = ws.cell(row=rows["预留后续批次资金"], column=3).value
    assert "预留后续批次" in note and "结转下年" not in note
    assert "其中 400,000 元为预留后续批次资金" in ws.cell(row=13, column=3).value
    reasons = pd.read_csv(b2 / "allocation.csv", dtype=str, encoding="utf-8-sig").set_index("application_id")
    assert "第 1 批已批准" in reasons.at["P1", "reason"]
    assert reasons.at["P1", "source_sheet"] == "approved.xlsx 拟支持名单"


def test_batch_two_workbook_with_batch_one_rows_still_works(tmp_path):
    b1, b2 = two_batches(tmp_path, [*BATCH_1, *BATCH_2])  # the old way: fixed in their own rows, once
    check_batch_two(b1, b2)
    csv = pd.read_csv(b2 / "allocation.csv", dtype={"application_id": str}, encoding="utf-8-sig")
    assert len(csv) == 6 and csv.set_index("application_id").at["P1", "source_sheet"] == "申报表"


def test_batch_three_reads_batch_two_year_so_far(tmp_path):
    _, b2 = two_batches(tmp_path, BATCH_2)
    table = earlier_awards(b2 / "approved.xlsx", 3)
    assert dict(zip(table["application_id"], table["award"], strict=True)) == {**EARLIER, **NEW}
    assert dict(zip(table["application_id"], table["batch"], strict=True))["H2"] == 2
    assert table.set_index("application_id").at["P2", "cap_group"].startswith("c04-rent:")
    with pytest.raises(InputError):  # batch 2's list read for batch 2 again: its rows are not earlier
        earlier_awards(b2 / "approved.xlsx", 2)


@pytest.mark.parametrize(
    ("change", "says"),
    [({"rent_area_m2": 2_800}, "政策上限"), ({"applicant": "另一家企业"}, "申报单位")],
)
def test_an_id_in_both_with_other_data_is_named(tmp_path, change, says):
    from tests.builders import write_workbook

    write_workbook(tmp_path / "b1.xlsx", BATCH_1)
    (tmp_path / "b1.toml").write_text(SCENARIO.format(book="b1.xlsx", reserve=0), encoding="utf-8")
    run(tmp_path / "b1.toml", tmp_path / "b1")
    write_workbook(tmp_path / "b2.xlsx", [dict(BATCH_1[0], **change), *BATCH_2])  # P1, changed
    (tmp_path / "b2.toml").write_text(SCENARIO.format(book="b2.xlsx", reserve=0), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        run(tmp_path / "b2.toml", tmp_path / "b2", batch=2, approved=tmp_path / "b1" / "approved.xlsx")
    assert "申报编号 P1 " in err.value.zh and says in err.value.zh and "P1" in err.value.en
    assert not (tmp_path / "b2").exists()


@pytest.mark.slow
def test_verify_passes_on_batch_two_and_finds_tampering(tmp_path):
    import openpyxl

    from allocator.audit.verify import audit

    _, b2 = two_batches(tmp_path, BATCH_2)
    report = audit(b2)
    assert report.ok, report.render()
    wb = openpyxl.load_workbook(b2 / "approved.xlsx")
    ws = wb["拟支持名单"]
    head = [c.value for c in ws[1]]
    ws.cell(row=2, column=head.index("拟支持金额（元）") + 1).value += 10_000  # the sheet finance pays from
    wb.save(b2 / "approved.xlsx")
    states = {c.key: c.state for c in audit(b2).checks}
    assert states["approved"] == "fail" and states["recomputed"] == "fail"
    wb = openpyxl.load_workbook(b2 / "approved.xlsx")
    wb["拟支持名单"].cell(row=2, column=head.index("拟支持金额（元）") + 1).value -= 10_000
    ytd = wb["累计拟支持名单"]
    rows = {ytd.cell(row=r, column=2).value: r for r in range(2, ytd.max_row + 1)}
    ytd.cell(row=rows["P1"], column=head.index("批次") + 1).value = 2  # a batch-1 award moved to batch 2
    wb.save(b2 / "approved.xlsx")
    audited = audit(b2)
    assert {c.key: c.state for c in audited.checks}["approved"] == "fail"
    assert "P1" in audited.render()


def test_a_once_only_item_approved_in_batch_one_is_refused_in_batch_two(tmp_path):
    """Clause 四's purchase subsidy is 一次性: firm 1, approved for it in batch 1, may not claim it again."""
    from allocator.cli.main import main
    from tests.builders import write_workbook

    buy = dict(registered_capital=20_000_000, has_property_cert="是", has_land_cert="是")
    first = [firm_row("B1", "c04-buy", 1, purchase_area_m2=600, **buy), *BATCH_1]
    second = [firm_row("B2", "c04-buy", 1, purchase_area_m2=400, **buy), *BATCH_2]
    for name, rows in (("b1", first), ("b2", second)):
        write_workbook(tmp_path / f"{name}.xlsx", rows)
        text = SCENARIO.format(book=f"{name}.xlsx", reserve=0)
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "b1.toml"), "--out", str(tmp_path / "b1")]) == 0
    with pytest.raises(ScenarioError) as err:
        run(tmp_path / "b2.toml", tmp_path / "b2", batch=2, approved=tmp_path / "b1" / "approved.xlsx")
    e = err.value
    assert "申报编号 B2" in e.zh and "已于第 1 批以 B1 获批" in e.zh and "c04-buy" in e.zh
    assert "B2" in e.en and "B1" in e.en
    assert not (tmp_path / "b2").exists()
