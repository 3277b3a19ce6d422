"""``allocator`` end to end: the shipped scenario, the written workbooks read back, bad input."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pycel import ExcelCompiler

from allocator.cli.main import main
from allocator.outputs.excel import SUMMARY_CELLS

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
FIGURES = (
    "available",
    "admin",
    "awarded",
    "city_cost",
    "district_cost",
    "carryover_out",
    "applications",
    "funded",
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "changchun-2017"
    assert main(["run", str(SCENARIO), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def csv_run_dir(tmp_path_factory):
    """The shipped scenario with ``[output] lists = "csv"``: allocation.xlsx without the list sheets."""
    folder = tmp_path_factory.mktemp("csv-run")
    text = SCENARIO.read_text(encoding="utf-8")
    assert 'lists = "auto"' in text
    text = text.replace('lists = "auto"', 'lists = "csv"').replace(
        "data/changchun-2017-applications.xlsx",
        str(ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"),
    )
    scenario = folder / "csv-lists.toml"
    scenario.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    return out


def test_run_writes_every_output(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "allocation.xlsx",
        "approved.xlsx",
        "allocation.csv",
        "summary.json",
        "charts",
        "report.html",
    } <= names
    assert {"by_item.png", "by_district.png"} <= {p.name for p in (run_dir / "charts").iterdir()}


def test_summary_balances_and_the_fund_is_oversubscribed(run_dir):
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert s["status"] == "optimal"
    assert s["available"] == s["annual_fund"] + s["carryover_in"] == 20_000_000
    assert s["carryover_out"] == s["available"] - s["city_cost"] - s["admin"] >= 0
    assert s["admin"] <= s["annual_fund"] // 100
    assert s["applications"] >= 300
    assert s["requested_total"] > 2 * s["annual_fund"]  # the allocation has to choose
    assert 0 < s["funded"] < s["eligible"]


def test_csv_matches_summary(run_dir):
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    with open(run_dir / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    head = [
        "application_id",
        "item",
        "eligible",
        "cap",
        "award",
        "city_cost",
        "district_cost",
        "status",
        "reason",
    ]
    assert list(rows[0])[: len(head)] == head
    assert len(rows) == s["applications"]
    assert sum(int(r["award"]) for r in rows) == s["awarded"]
    assert sum(int(r["city_cost"]) for r in rows) == s["city_cost"]
    assert all(0 <= int(r["award"]) <= int(r["cap"]) for r in rows)
    assert {r["status"] for r in rows} <= {"funded", "partial", "unfunded", "ineligible", "overridden"}
    assert all(r["reason"] for r in rows)


def test_workbook_totals_recompute_to_the_summary(run_dir):
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    book = run_dir / "allocation.xlsx"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [
        "汇总",
        "拟支持名单",
        "未支持名单",
        "不符合条件",
        "分条款",
        "分区",
        "候补名单",
        "监管台账",
        "参数",
    ]
    summary_sheet = wb["汇总"]
    for key in ("awarded", "city_cost", "district_cost", "carryover_out", "funded"):
        assert str(summary_sheet[SUMMARY_CELLS[key]].value).startswith("="), key  # a formula, not a number
    excel = ExcelCompiler(filename=str(book))
    for key in FIGURES:
        assert round(excel.evaluate(f"汇总!{SUMMARY_CELLS[key]}")) == s[key], key
    cached = openpyxl.load_workbook(book, data_only=True)["汇总"]
    for key in FIGURES:
        assert cached[SUMMARY_CELLS[key]].value == s[key], key


def test_lists_in_csv_leave_the_summaries_that_recompute(csv_run_dir, run_dir):
    s = json.loads((csv_run_dir / "summary.json").read_text(encoding="utf-8"))
    same = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert {k: s[k] for k in (*FIGURES, "eligible")} == {k: same[k] for k in (*FIGURES, "eligible")}
    book = csv_run_dir / "allocation.xlsx"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["汇总", "分条款", "分区", "监管台账", "参数"]
    assert "allocation.csv" in wb["汇总"]["A2"].value
    excel = ExcelCompiler(filename=str(book))
    cached = openpyxl.load_workbook(book, data_only=True)["汇总"]
    for key in FIGURES:
        assert round(excel.evaluate(f"汇总!{SUMMARY_CELLS[key]}")) == s[key], key
        assert cached[SUMMARY_CELLS[key]].value == s[key], key
    for name in ("approved.xlsx", "allocation.csv", "waitlist.csv"):
        assert (csv_run_dir / name).read_bytes() != b"", name
    approved = openpyxl.load_workbook(csv_run_dir / "approved.xlsx").worksheets[0]
    assert approved.max_row == s["funded"] + 2  # header, every funded application, 合计
    assert "allocation.csv" in (csv_run_dir / "report.html").read_text(encoding="utf-8")


def test_approved_list_is_exactly_the_funded_applications(run_dir):
    with open(run_dir / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        funded = {r["application_id"]: int(r["award"]) for r in csv.DictReader(fh) if int(r["award"]) > 0}
    ws = openpyxl.load_workbook(run_dir / "approved.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    id_col, award_col = header.index("申报编号"), header.index("拟支持金额（元）")
    listed = {
        row[id_col]: row[award_col]
        for row in ws.iter_rows(min_row=2, values_only=True)
        if row[id_col] and str(row[id_col]) in funded
    }
    assert listed == funded
    code_col = header.index("统一社会信用代码")
    assert all(
        isinstance(r[code_col], str)
        for r in ws.iter_rows(min_row=2, max_row=len(funded) + 1, values_only=True)
    )


def test_report_is_one_self_contained_page(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    assert "100万元" in html or "1,000,000" in html


def test_bad_workbook_exits_non_zero_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "applications.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报表"
    ws.append(["申报编号", "申报单位", "统一社会信用代码", "所在区", "支持事项", "新录用大专以上员工（人）"])
    ws.append(["A1", "甲公司", "91220101MA0000000A", "朝阳区", "c13-hire", "-3"])
    ws.append(["A1", "乙公司", "91350100M000100Y43", "朝阳区", "不存在的事项", "5"])
    wb.save(bad)
    scenario = tmp_path / "s.toml"
    text = SCENARIO.read_text(encoding="utf-8").replace(
        "data/changchun-2017-applications.xlsx", "applications.xlsx"
    )
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "申报表" in err and "第2行" in err and "第3行" in err and "Error:" in err
    assert main(["validate", str(bad)]) == 2


def test_template_validate_policy_and_demo_commands(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames[:2]
    assert main(["demo-data", "40", str(tmp_path / "d.xlsx"), "--seed", "7"]) == 0
    assert main(["validate", str(tmp_path / "d.xlsx")]) == 0
    assert main(["policy", "show", "changchun-2017"]) == 0
    out = capsys.readouterr().out
    assert "c04-buy" in out and "购买、自建办公用房补助" in out and "5,000,000" in out


def test_default_output_folder_and_console_script(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    proc = subprocess.run(
        [sys.executable, "-m", "allocator", "run", "scenarios/changchun-2017.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "reports" / "changchun-2017" / "summary.json").is_file()
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("folder", ["run_dir", "csv_run_dir"])
def test_libreoffice_recomputes_the_totals_to_the_summary(folder, request, tmp_path):
    """Strip every cached formula value, let LibreOffice calculate, compare with summary.json; with the
    lists in the workbook and without them (``[output] lists = "csv"``)."""
    import re
    import zipfile

    run_dir = request.getfixturevalue(folder)

    bare = tmp_path / "bare.xlsx"
    with (
        zipfile.ZipFile(run_dir / "allocation.xlsx") as zin,
        zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(info, data)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1",
            "--outdir",
            str(tmp_path),
            str(bare),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (exported,) = tmp_path.glob("bare*.csv")  # LibreOffice may add the sheet name
    with open(exported, encoding="utf-8") as fh:
        sheet = list(csv.reader(fh))
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    for key in FIGURES:
        cell = SUMMARY_CELLS[key]
        assert int(sheet[int(cell[1:]) - 1][1]) == s[key], key


def test_contradictory_scenario_exits_non_zero_naming_the_conflict(tmp_path, capsys):
    text = (ROOT / "scenarios" / "changchun-2017-limits.toml").read_text(encoding="utf-8")
    text = text.replace(
        "data/changchun-2017-applications.xlsx",
        str(ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"),
    )
    text = text.replace("annual_fund = 20_000_000", "annual_fund = 100_000").replace(
        "admin_fixed = 50_000", "admin_fixed = 0"
    )
    text = text.replace("admin_per_application = 100", "admin_per_application = 0")
    scenario = tmp_path / "tight.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "方案约束互相矛盾" in err and "可用资金至少须增加 43,000 元" in err  # A0001's 143,000 override
    assert not out.exists()


def test_plan_batch_and_release_commands(tmp_path, capsys):
    out = tmp_path / "plan"
    assert main(["plan", str(ROOT / "scenarios" / "changchun-2017-2020-plan.toml"), "--out", str(out)]) == 0
    assert {"2017", "2018", "2019", "2020", "plan.xlsx", "plan.json", "charts"} <= {
        p.name for p in out.iterdir()
    }
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["totals"]["balanced"] is True
    assert "承诺下年" in capsys.readouterr().out

    first = tmp_path / "b1"
    assert main(["run", str(SCENARIO), "--out", str(first)]) == 0
    second = tmp_path / "b2"
    assert (
        main(
            [
                "run",
                str(SCENARIO),
                "--batch",
                "2",
                "--approved",
                str(first / "approved.xlsx"),
                "--out",
                str(second),
            ]
        )
        == 0
    )
    assert json.loads((second / "summary.json").read_text(encoding="utf-8"))["batch"] == 2

    with open(first / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        funded = [r["application_id"] for r in csv.DictReader(fh) if int(r["award"]) > 0]
    capsys.readouterr()
    assert (
        main(["release", str(first), "--withdrawn", f"{funded[0]},{funded[1]}", "--reason", "公示期异议"])
        == 0
    )
    said = capsys.readouterr().out
    assert "释放市级资金" in said and "原结果未改动" in said
    assert len(list(tmp_path.glob("b1-release-*"))) == 1


def test_run_timings_lists_every_stage(tmp_path, capsys):
    assert main(["run", str(SCENARIO), "--out", str(tmp_path / "out"), "--timings"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("各步骤用时"))
    for stage in ("read+validate", "caps", "build", "solve", "round+verify", "write"):
        assert f"{stage} " in line
