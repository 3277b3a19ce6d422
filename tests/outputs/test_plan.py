"""Plan outputs: each year's folder, plan.xlsx (the live carryover chain, recomputed with pycel), plan.json,
the plan chart, and the staging that leaves nothing behind."""

from __future__ import annotations

import dataclasses
import json
import os

import openpyxl
import pytest
from pycel import ExcelCompiler

import allocator.outputs as outputs
from allocator.core.errors import OutputError
from allocator.outputs.plan import (
    CHAIN_HEADERS,
    COMMITMENT_HEADERS,
    PLAN_SHEETS,
    all_commitments,
    chain_cells,
    plan_chart_data,
    plan_dict,
    write_plan_outputs,
    write_plan_xlsx,
)
from tests.conftest import PLAN_CARRYOVER_IN, PLAN_YEARS, build_plan

YEAR_FILES = {
    "allocation.xlsx",
    "manifest.json",
    "approved.xlsx",
    "allocation.csv",
    "waitlist.csv",
    "summary.json",
    "report.html",
    "report.pdf",
    *(f"charts/{c}.{e}" for c in ("by_item", "by_district", "funding_status") for e in ("png", "svg")),
}
PLAN_FILES = {"plan.xlsx", "plan.json", "charts/plan.png", "charts/plan.svg", "manifest.json"}
CARRY = [19_200, 88_400, 57_600]  # 250,000 + fund − 3,210,000 − 20,800, year by year


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def plan_book(plan_result, tmp_path):
    return write_plan_xlsx(plan_result, tmp_path / "plan.xlsx")


@pytest.mark.slow
def test_writes_every_year_and_the_plan(plan_result, tmp_path):
    out = tmp_path / "reports" / "plan"
    paths = write_plan_outputs(plan_result, out)
    want = {f"{y}/{f}" for y, _, _ in PLAN_YEARS for f in YEAR_FILES} | PLAN_FILES
    assert {p.relative_to(out).as_posix() for p in paths} == want
    assert listing(out) == want
    assert os.listdir(tmp_path / "reports") == ["plan"]  # no staging folder left
    summary = json.loads((out / "2018" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["carryover_in"], summary["carryover_out"], summary["commitments_in"]) == (
        19_200,
        88_400,
        120_000,
    )
    assert (out / "charts" / "plan.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (out / "charts" / "plan.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["plan", "year"])
def test_a_failing_writer_leaves_nothing(plan_result, tmp_path, monkeypatch, where):
    import allocator.outputs.plan as plan_module

    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("OLD", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("writer failed")

    if where == "plan":
        monkeypatch.setattr(plan_module, "write_plan_chart", boom)
    else:
        monkeypatch.setattr(outputs, "write_report_html", boom)  # a year's writer
    with pytest.raises(RuntimeError, match="writer failed"):
        write_plan_outputs(plan_result, out)
    assert listing(out) == {"plan.json"} and (out / "plan.json").read_text(encoding="utf-8") == "OLD"
    assert os.listdir(tmp_path) == ["out"]


def test_an_inconsistent_chain_is_refused(plan_result, tmp_path):
    chain = plan_result.chain.copy()
    chain.loc[1, "carryover_in"] = 19_000  # not the year before's carryover out
    bad = dataclasses.replace(plan_result, chain=chain)
    with pytest.raises(OutputError, match="carryover_in"):
        write_plan_outputs(bad, tmp_path / "out")
    assert os.listdir(tmp_path) == []
    chain = plan_result.chain.copy()
    chain.loc[0, "annual_fund"] += 1  # disagrees with the year's summary, and available
    with pytest.raises(OutputError, match="annual_fund"):
        plan_dict(dataclasses.replace(plan_result, chain=chain))


def test_chain_sheet_formulas(plan_book):
    wb = openpyxl.load_workbook(plan_book)
    assert wb.sheetnames == list(PLAN_SHEETS)
    ws = wb["年度资金链"]
    assert [c.value for c in ws[1]] == [h for h, _, _ in CHAIN_HEADERS]
    assert [c.value for c in ws[1]][:4] == ["年度", "年度专项资金（元）", "上年结转（元）", "可用资金（元）"]
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4, 5)] == [2017, 2018, 2019, "合计"]
    assert ws["C2"].value == PLAN_CARRYOVER_IN  # the opening carryover: a number
    assert (ws["C3"].value, ws["C4"].value) == ("=K2", "=K3")
    assert (ws["D2"].value, ws["K2"].value) == ("=B2+C2", "=D2-F2-E2")
    assert ws["C2"].number_format == "#,##0"
    cells = chain_cells(3)
    assert ws[cells["check_balance"]].value.startswith("=IF(B5+C2=F5+E5+K4")
    assert ws.freeze_panes == "B2"
    cached = openpyxl.load_workbook(plan_book, data_only=True)["年度资金链"]
    assert [cached[f"K{r}"].value for r in (2, 3, 4)] == CARRY
    assert cached[cells["check_balance"]].value == "一致"


def test_pycel_recomputes_the_chain(plan_book, plan_result):
    xl = ExcelCompiler(filename=str(plan_book))
    assert [xl.evaluate(f"年度资金链!C{r}") for r in (2, 3, 4)] == [PLAN_CARRYOVER_IN, *CARRY[:2]]
    assert [xl.evaluate(f"年度资金链!K{r}") for r in (2, 3, 4)] == CARRY
    assert [xl.evaluate(f"年度资金链!D{r}") for r in (2, 3, 4)] == [3_250_000, 3_319_200, 3_288_400]
    cells = chain_cells(3)
    funds, city, admin = (xl.evaluate(f"年度资金链!{cells[k]}") for k in ("funds", "city_cost", "admin"))
    initial, final = xl.evaluate("年度资金链!C2"), xl.evaluate(f"年度资金链!{cells['final_carryover']}")
    assert (funds, initial, city, admin, final) == (9_500_000, 250_000, 9_630_000, 62_400, 57_600)
    assert funds + initial == city + admin + final
    assert xl.evaluate(f"年度资金链!{cells['check_balance']}") == "一致"
    assert xl.evaluate(f"年度资金链!{cells['check_nonnegative']}") == "是"
    # every formula's cached value equals what pycel computes
    formulas = openpyxl.load_workbook(plan_book)
    cached = openpyxl.load_workbook(plan_book, data_only=True)
    checked = 0
    for name in formulas.sheetnames:
        for row in formulas[name].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    want = xl.evaluate(f"{name}!{cell.coordinate}")
                    assert cached[name][cell.coordinate].value == pytest.approx(want), (name, cell.coordinate)
                    checked += 1
    assert checked >= 50


def test_changing_a_fund_flows_down_the_chain(plan_book):
    xl = ExcelCompiler(filename=str(plan_book))
    xl.evaluate(f"年度资金链!{chain_cells(3)['check_balance']}")  # places the chain in pycel's cell map
    xl.set_value("年度资金链!B2", 3_100_000)  # 100,000 more in the first year
    assert [xl.evaluate(f"年度资金链!K{r}") for r in (2, 3, 4)] == [c + 100_000 for c in CARRY]
    assert xl.evaluate(f"年度资金链!{chain_cells(3)['check_balance']}") == "一致"


def test_commitments_sheet(plan_book, plan_result):
    ws = openpyxl.load_workbook(plan_book)["承诺"]
    assert [c.value for c in ws[1]] == [c.header for c in COMMITMENT_HEADERS]
    rows = list(ws.iter_rows(min_row=2, max_row=4, values_only=True))
    assert [(r[1], r[3], r[8], r[9], r[10], r[11], r[12]) for r in rows] == [
        ("A101", "R16-01", 2016, 2017, 100_000, 50_000, "规划期内"),
        ("B201", "A901", 2017, 2018, 240_000, 120_000, "规划期内"),
        ("—", "C301", 2019, 2020, 200_000, 100_000, "规划期后应付"),
    ]
    assert rows[0][6] == "租赁办公用房补助"
    xl = ExcelCompiler(filename=str(plan_book))
    assert xl.evaluate("承诺!K5") == 540_000 and xl.evaluate("承诺!C5") == 3
    assert xl.evaluate("承诺!K6") == 200_000 and xl.evaluate("承诺!L6") == 100_000
    assert xl.evaluate("承诺!C6") == 1
    frame = all_commitments(plan_result)
    assert list(frame["beyond_plan"]) == [False, False, True]


def test_ledger_sheet_has_the_year(plan_book):
    ws = openpyxl.load_workbook(plan_book)["监管台账"]
    assert [c.value for c in ws[1]][:3] == ["序号", "年度", "申报编号"]
    assert [(r[1], r[2]) for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)] == [
        (2017, "A001"),
        (2019, "A001"),
    ]
    assert ws.cell(row=4, column=1).value == "合计"
    assert "自用未满3年的不得转让出售和出租" in ws.cell(row=6, column=1).value


def test_foresight_sheet(plan_book):
    ws = openpyxl.load_workbook(plan_book)["联合与逐年对比"]
    head = [c.value for c in ws[1]]
    assert head[0] == "年度" and "加权价值：差额" in head and "结转下年：逐年（元）" in head
    xl = ExcelCompiler(filename=str(plan_book))
    assert [xl.evaluate(f"联合与逐年对比!D{r}") for r in (2, 3, 4, 5)] == pytest.approx(
        [50_000.25, 50_000.5, 0.0, 100_000.75]
    )
    assert [xl.evaluate(f"联合与逐年对比!G{r}") for r in (2, 3, 4, 5)] == [60_000, 100_000, 0, 160_000]
    assert xl.evaluate("联合与逐年对比!J2") == -60_000


def test_no_foresight_sheet_for_a_sequential_plan(tmp_path):
    plan = build_plan(foresight=False)
    wb = openpyxl.load_workbook(write_plan_xlsx(plan, tmp_path / "plan.xlsx"))
    assert wb.sheetnames == ["年度资金链", "承诺", "监管台账"]
    assert plan_dict(plan)["foresight"] is None


def test_foresight_with_other_column_names_and_missing(plan_result):
    def mode_first(c: str) -> str:
        for mode in ("joint", "sequential"):
            if c.endswith(f"_{mode}"):
                return f"{mode}_{c[: -len(mode) - 1]}"
        return c

    renamed = plan_result.foresight.rename(columns=mode_first)
    assert "joint_value" in renamed.columns and "value_joint" not in renamed.columns
    want = plan_dict(plan_result)["foresight"]
    assert plan_dict(dataclasses.replace(plan_result, foresight=renamed))["foresight"] == want
    assert want[0]["value_diff"] == pytest.approx(50_000.25)
    missing = plan_result.foresight.drop(columns=["awarded_sequential"])
    with pytest.raises(OutputError, match="awarded_sequential"):
        plan_dict(dataclasses.replace(plan_result, foresight=missing))


def test_plan_json(plan_result, tmp_path):
    out = tmp_path / "out"
    write_plan_outputs(plan_result, out)
    raw = (out / "plan.json").read_text(encoding="utf-8")
    assert "年度规划测试" in raw  # ensure_ascii=False
    data = json.loads(raw)
    assert (data["name"], data["mode"], data["policy"], data["carryover_in"]) == (
        "2017—2019 年度规划测试",
        "joint",
        "changchun-2017",
        250_000,
    )
    assert [y["year"] for y in data["years"]] == [2017, 2018, 2019]
    assert [y["carryover_out"] for y in data["years"]] == CARRY
    assert all(type(v) is int for y in data["years"] for k, v in y.items() if k != "value")
    assert data["totals"] == {
        "funds": 9_500_000,
        "initial_carryover": 250_000,
        "city_cost": 9_630_000,
        "admin": 62_400,
        "final_carryover": 57_600,
        "balanced": True,
    }
    by_year = {y["year"]: (y["count"], y["city_cost"]) for y in data["commitments"]["by_year"]}
    assert by_year == {2017: (1, 50_000), 2018: (1, 120_000), 2019: (0, 0)}
    beyond = data["commitments"]["owed_beyond_plan"]
    assert (beyond["count"], beyond["award"], beyond["city_cost"]) == (1, 200_000, 100_000)
    assert beyond["commitments"][0]["source_id"] == "C301" and beyond["commitments"][0]["to_year"] == 2020
    assert data["foresight"][1] == {
        "year": 2018,
        "value_joint": 3_500_000.5,
        "value_sequential": 3_450_000.0,
        "value_diff": 50_000.5,
        "awarded_joint": 4_800_000,
        "awarded_sequential": 4_700_000,
        "awarded_diff": 100_000,
        "carryover_out_joint": 88_400,
        "carryover_out_sequential": 148_400,
        "carryover_out_diff": -60_000,
    }


def test_chart_data(plan_result):
    df = plan_chart_data(plan_result)
    assert list(df["year"]) == [2017, 2018, 2019]
    assert list(df["label"]) == ["2017年", "2018年", "2019年"]
    assert list(df["annual_fund"]) == [fund for _, fund, _ in PLAN_YEARS]
    assert list(df["commitments_in"]) == [owed for _, _, owed in PLAN_YEARS]
    assert list(df["new_city_cost"] + df["commitments_in"]) == [3_210_000] * 3
    assert list(df["carryover_out"]) == CARRY
    assert list(df["carryover_out_wan"]) == [c / 10_000 for c in CARRY]
    assert df["annual_fund_wan"].iloc[1] == 330.0


def test_chart_uses_the_cjk_font(plan_result, tmp_path):
    from allocator.outputs.charts import chinese_font
    from allocator.outputs.plan import write_plan_chart

    paths = write_plan_chart(plan_result, tmp_path / "charts")
    assert [p.name for p in paths] == ["plan.png", "plan.svg"]
    assert all(p.stat().st_size > 5_000 for p in paths)
    assert chinese_font()  # registered: the Chinese labels are drawn with it, not as boxes


def test_empty_plan_chain_is_handled(plan_result):
    empty = dataclasses.replace(
        plan_result, years=(), chain=plan_result.chain.iloc[0:0], foresight=None, carryover_in=0
    )
    assert plan_chart_data(empty).empty
    data = plan_dict(empty)
    assert data["totals"]["balanced"] is True and data["years"] == []


@pytest.mark.slow
def test_approved_list_of_a_year_is_kept_when_changed_with_force(plan_result, tmp_path):
    out = tmp_path / "out"
    write_plan_outputs(plan_result, out)
    first = plan_result.years[0]
    table = first.result.table.copy()
    table.loc[table.index[table["award"] > 0][0], "application_id"] = "Z9999"
    changed_year = dataclasses.replace(first, result=dataclasses.replace(first.result, table=table))
    changed = dataclasses.replace(plan_result, years=(changed_year, *plan_result.years[1:]))
    with pytest.raises(OutputError, match="2017"):  # not without --force, and nothing moved
        write_plan_outputs(changed, out)
    assert not list(out.rglob("approved.2*"))
    paths = write_plan_outputs(changed, out, force=True)
    kept = [p for p in paths if p.name.startswith("approved.2")]
    assert len(kept) == 1 and kept[0].parent == out / "2017"
    assert not list((out / "2018").glob("approved.2*"))


def test_chain_values_are_whole(plan_result):
    chain = plan_result.chain.copy()
    chain["admin"] = chain["admin"].astype(float) + 0.5
    with pytest.raises(OutputError, match="admin"):
        plan_dict(dataclasses.replace(plan_result, chain=chain))


def test_why_joint_was_not_compared(plan_result, tmp_path):
    note = "逐年分配不可行，联合优化预留了资金"
    plan = dataclasses.replace(plan_result, foresight=None, sequential_note=note)
    assert plan_dict(plan)["sequential_note"] == note
    ws = openpyxl.load_workbook(write_plan_xlsx(plan, tmp_path / "plan.xlsx"))["年度资金链"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("说明")]
    assert len(notes) == 1 and note in notes[0] and "联合安排" in notes[0]
