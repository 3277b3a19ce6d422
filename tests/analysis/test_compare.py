"""``allocator compare``: the shipped baseline against the limits scenario, and folders edited after the run."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from pycel import ExcelCompiler

from allocator.analysis.compare import Comparison, ComparisonError, compare_dirs
from allocator.analysis.compare_columns import BY_APPLICATION_COLUMNS
from allocator.app.compare import default_out_dir, write_comparison
from allocator.cli.main import main
from allocator.outputs.compare_chart import chart_data
from allocator.outputs.compare_layout import APPLICATION_SHEET, DISTRICT_SHEET, ITEM_SHEET, SHEETS
from allocator.outputs.compare_xlsx import compare_cells

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "changchun-2017.toml"
LIMITS = ROOT / "scenarios" / "changchun-2017-limits.toml"
MONEY_KEYS = ("awarded", "city_cost", "district_cost")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    a, b = root / "base", root / "limits"
    assert main(["run", str(BASE), "--out", str(a)]) == 0
    assert main(["run", str(LIMITS), "--out", str(b)]) == 0
    return a, b


@pytest.fixture(scope="module")
def comparison(runs) -> Comparison:
    return compare_dirs(*runs)


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "out"
    paths = write_comparison(comparison, out)
    assert {p.relative_to(out).as_posix() for p in paths} == {
        "compare.xlsx",
        "charts/compare_by_item.png",
        "charts/compare_by_item.svg",
        "charts/compare_by_district.png",
        "charts/compare_by_district.svg",
        "manifest.json",
    }
    return out


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _rows(folder: Path) -> list[dict]:
    with (folder / "allocation.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_rows(folder: Path, rows: list[dict]) -> None:
    with (folder / "allocation.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------- the comparison
def test_totals_reconcile_to_both_summaries(runs, comparison):
    for folder, side in zip(runs, ("a", "b"), strict=True):
        s = _summary(folder)
        for key in (*MONEY_KEYS, "funded", "carryover_out", "applications", "available", "admin"):
            assert comparison.total(key, side) == s[key], (key, side)
        assert comparison.total("value", side) == pytest.approx(s["value"], abs=1e-3)
        df = comparison.by_application
        assert int(df[f"award_{side}"].sum()) == s["awarded"]
        assert int(df[f"city_cost_{side}"].sum()) == s["city_cost"]
        assert int(df[f"district_cost_{side}"].sum()) == s["district_cost"]
        assert int((df[f"award_{side}"] > 0).sum()) == s["funded"]
    assert comparison.name_a == "2017 年度基准方案"
    assert comparison.name_b == "2017 年度公平优先方案"
    assert (comparison.rule_a, comparison.rule_b) == ("weighted", "maxmin")
    assert (comparison.fund, comparison.cofund) == ("市级", "区级")


def test_change_sums_to_the_difference_in_awarded(comparison):
    df = comparison.by_application
    assert list(df.columns) == list(BY_APPLICATION_COLUMNS)
    assert (df["change"] == df["award_b"] - df["award_a"]).all()
    want = comparison.total("awarded", "b") - comparison.total("awarded", "a")
    assert int(df["change"].sum()) == want == comparison.totals.at["awarded", "change"]
    assert want == -559_000  # same city money, less district co-funding under the limits
    assert df["change"].is_monotonic_decreasing  # gainers first, losers last
    assert (df["where"] == "both").all() and not comparison.notes
    assert len(comparison.gainers) and len(comparison.losers)
    assert comparison.losers["change"].iloc[0] == df["change"].min()


@pytest.mark.parametrize("by", ["by_item", "by_district"])
def test_groups_add_up_to_the_totals(comparison, by):
    frame = getattr(comparison, by)
    key = "item" if by == "by_item" else "district"
    assert frame[key].is_unique
    for side in ("a", "b"):
        assert int(frame[f"award_{side}"].sum()) == comparison.total("awarded", side)
        assert int(frame[f"city_cost_{side}"].sum()) == comparison.total("city_cost", side)
        assert int(frame[f"district_cost_{side}"].sum()) == comparison.total("district_cost", side)
        assert int(frame[f"funded_{side}"].sum()) == comparison.total("funded", side)
        assert int(frame[f"applications_{side}"].sum()) == comparison.total("applications", side)
    assert int(frame["change"].sum()) == comparison.totals.at["awarded", "change"]
    apps = comparison.by_application.groupby(key)["change"].sum()
    assert dict(zip(frame[key], frame["change"], strict=True)) == apps.to_dict()


def test_by_item_follows_the_policy_and_names_items(comparison):
    items = comparison.by_item
    assert items["item"].iloc[0] == "c03-park" and items["clause"].iloc[0] == "三"
    assert (items["item_name"] != "").all()


# ---------------------------------------------------------------- the workbook
def test_workbook_totals_equal_the_comparison(comparison, written):
    path = written / "compare.xlsx"
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb.sheetnames == list(SHEETS)
    ws = wb[APPLICATION_SHEET]
    n = len(comparison.by_application)
    header = [c.value for c in ws[1]]
    total = {h: ws.cell(row=n + 2, column=j + 1).value for j, h in enumerate(header)}
    assert ws.cell(row=n + 2, column=1).value == "合计"
    assert total["A 拟支持金额（元）"] == comparison.total("awarded", "a")
    assert total["B 拟支持金额（元）"] == comparison.total("awarded", "b")
    assert total["A 市级承担（元）"] == comparison.total("city_cost", "a")
    assert total["B 区级承担（元）"] == comparison.total("district_cost", "b")
    assert total["变化（B−A，元）"] == comparison.totals.at["awarded", "change"]
    changes = [ws.cell(row=r, column=header.index("变化（B−A，元）") + 1).value for r in range(2, n + 2)]
    assert changes == sorted(changes, reverse=True)
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref
    assert ws.cell(row=2, column=header.index("A 拟支持金额（元）") + 1).number_format == "#,##0"

    formulas = openpyxl.load_workbook(path)[APPLICATION_SHEET]
    col = openpyxl.utils.get_column_letter(header.index("A 拟支持金额（元）") + 1)
    assert formulas[f"{col}{n + 2}"].value == f"=SUM({col}2:{col}{n + 1})"

    cells = compare_cells(comparison)
    summary = wb["对比汇总"]
    for key in (*MONEY_KEYS, "funded", "carryover_out"):
        assert summary[cells[f"{key}_a"]].value == comparison.total(key, "a")
        assert summary[cells[f"{key}_b"]].value == comparison.total(key, "b")
        assert summary[cells[f"{key}_change"]].value == comparison.totals.at[key, "change"]
    assert openpyxl.load_workbook(path)["对比汇总"][cells["awarded_change"]].value.startswith("=")
    assert summary[cells["changes_total"]].value == comparison.totals.at["awarded", "change"]


def test_pycel_recomputes_every_formula(comparison, written):
    path = written / "compare.xlsx"
    cached = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    xl = ExcelCompiler(filename=str(path))
    checked = 0
    for name in SHEETS:
        for row in formulas[name].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    want = xl.evaluate(f"{name}!{cell.coordinate}")
                    got = cached[name][cell.coordinate].value
                    if want in ("", None):
                        assert got in ("", None), (name, cell.coordinate)
                    else:
                        assert want == pytest.approx(got, abs=1e-6), (name, cell.coordinate, cell.value)
                    checked += 1
    assert checked > len(comparison.by_application) + 100  # 变化 per row, 按事项, 按区, 对比汇总

    n = len(comparison.by_application)
    assert xl.evaluate(f"{APPLICATION_SHEET}!G{n + 2}") == comparison.total("awarded", "a")
    assert xl.evaluate(f"{APPLICATION_SHEET}!H{n + 2}") == comparison.total("awarded", "b")
    assert xl.evaluate(f"{APPLICATION_SHEET}!I{n + 2}") == comparison.totals.at["awarded", "change"]
    assert xl.evaluate(f"{APPLICATION_SHEET}!J{n + 2}") == comparison.total("city_cost", "a")
    assert xl.evaluate(f"{APPLICATION_SHEET}!K{n + 2}") == comparison.total("city_cost", "b")
    for sheet, frame in ((ITEM_SHEET, comparison.by_item), (DISTRICT_SHEET, comparison.by_district)):
        ws = formulas[sheet]
        header = [c.value for c in ws[1]]
        t = len(frame) + 2
        for side in ("A", "B"):
            col = openpyxl.utils.get_column_letter(header.index(f"{side} 拟支持金额（元）") + 1)
            assert xl.evaluate(f"{sheet}!{col}{t}") == comparison.total("awarded", side.lower())
    cells = compare_cells(comparison)
    for key in [k for k in cells if k.startswith("check")]:
        assert xl.evaluate(f"对比汇总!{cells[key]}") == 0, key


# ---------------------------------------------------------------- charts
def test_chart_files_and_data(comparison, written):
    for name in ("compare_by_item", "compare_by_district"):
        png = written / "charts" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
        svg = (written / "charts" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    data = chart_data(comparison)
    assert dict(zip(data["key"], data["change"], strict=True)) == dict(
        zip(comparison.by_item["item"], comparison.by_item["change"], strict=True)
    )
    assert (data["change_wan"] * 10_000).round().astype(int).tolist() == data["change"].tolist()
    assert data["change"].is_monotonic_decreasing
    assert data["label"].iloc[0].startswith("（")
    district = chart_data(comparison, "district")
    assert int(district["change"].sum()) == comparison.totals.at["awarded", "change"]
    assert not list(written.parent.glob(".out-*"))  # the staging folder is gone


# ---------------------------------------------------------------- different application sets
def test_application_in_one_run_only_is_flagged(runs, tmp_path):
    a, b = runs
    b2 = _copy(b, tmp_path / "b2")
    rows = _rows(b2)
    gone = next(r for r in rows if int(r["award"]) > 0)
    rows.remove(gone)
    extra = dict(rows[0], application_id="B9001", award="50000", city_cost="50000", district_cost="0")
    extra.update(status="funded", applicant="新申报服务外包有限公司", district="南关区")
    rows.append(extra)
    _write_rows(b2, rows)
    s = _summary(b2)  # what a run on a different application set would have written
    for key, col in zip(MONEY_KEYS, ("award", "city_cost", "district_cost"), strict=True):
        s[key] += int(extra[col]) - int(gone[col])
    (b2 / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    c = compare_dirs(a, b2)
    df = c.by_application.set_index("application_id")
    assert df.at[gone["application_id"], "where"] == "only_a"
    assert df.at[gone["application_id"], "award_b"] == 0
    assert df.at[gone["application_id"], "change"] == -df.at[gone["application_id"], "award_a"]
    assert df.at["B9001", "where"] == "only_b" and df.at["B9001", "change"] == 50_000
    assert df.at["B9001", "award_a"] == 0 and df.at["B9001", "status_a"] == ""
    assert int(df["change"].sum()) == c.total("awarded", "b") - c.total("awarded", "a")
    assert c.total("awarded", "b") == s["awarded"]
    assert any("仅A 1 项、仅B 1 项" in n for n in c.notes)

    out = tmp_path / "out"
    write_comparison(c, out)
    ws = openpyxl.load_workbook(out / "compare.xlsx", data_only=True)[APPLICATION_SHEET]
    header = [cell.value for cell in ws[1]]
    scope = {
        ws.cell(row=r, column=2).value: ws.cell(row=r, column=header.index("范围") + 1).value
        for r in range(2, ws.max_row)
    }
    assert scope[gone["application_id"]] == "仅A" and scope["B9001"] == "仅B"
    status_b = {
        ws.cell(row=r, column=2).value: ws.cell(row=r, column=header.index("B 状态") + 1).value
        for r in range(2, ws.max_row)
    }
    assert status_b[gone["application_id"]] == "（无此申报）"


# ---------------------------------------------------------------- refusals
def test_tampered_award_is_refused(runs, tmp_path):
    a, b = runs
    a2 = _copy(a, tmp_path / "a2")
    rows = _rows(a2)
    row = next(r for r in rows if int(r["award"]) > 0 and int(r["district_cost"]) == 0)
    row["award"] = str(int(row["award"]) + 1000)
    row["city_cost"] = str(int(row["city_cost"]) + 1000)  # consistent within the row, not with summary.json
    _write_rows(a2, rows)
    with pytest.raises(ComparisonError) as err:
        compare_dirs(a2, b)
    assert "summary.json" in str(err.value) and "awarded" in str(err.value)
    assert "不一致" in err.value.zh and "edited" in err.value.en


def test_award_not_split_between_levels_is_refused(runs, tmp_path):
    a, b = runs
    b2 = _copy(b, tmp_path / "b2")
    rows = _rows(b2)
    rows[3]["award"] = str(int(rows[3]["award"]) + 1)
    _write_rows(b2, rows)
    with pytest.raises(ComparisonError, match="方案B"):
        compare_dirs(a, b2)


def test_different_policies_are_refused(runs, tmp_path):
    a, b = runs
    b2 = _copy(b, tmp_path / "b2")
    s = _summary(b2)
    s["manifest"]["policy"] = s["scenario"]["policy"] = "heilongjiang-2008"
    (b2 / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ComparisonError, match="政策不同"):
        compare_dirs(a, b2)


@pytest.mark.parametrize("broken", ["no_folder", "no_csv", "bad_json", "bad_money"])
def test_unreadable_folders_are_refused(runs, tmp_path, broken):
    a, _ = runs
    b2 = _copy(a, tmp_path / "b2")
    if broken == "no_folder":
        shutil.rmtree(b2)
    elif broken == "no_csv":
        (b2 / "allocation.csv").unlink()
    elif broken == "bad_json":
        (b2 / "summary.json").write_text("{not json", encoding="utf-8")
    else:
        rows = _rows(b2)
        rows[0]["award"] = "十万"
        _write_rows(b2, rows)
    with pytest.raises(ComparisonError) as err:
        compare_dirs(a, b2)
    assert str(b2) in str(err.value) and err.value.en


# ---------------------------------------------------------------- the command
def test_cli_compare(runs, tmp_path, capsys):
    a, b = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "25,899,200" in printed and "25,340,200" in printed and "-559,000" in printed
    assert "增加最多的 5 项" in printed and "减少最多的 5 项" in printed
    assert (out / "compare.xlsx").is_file() and (out / "charts" / "compare_by_item.png").is_file()


def test_cli_compare_error_exits_2(runs, tmp_path, capsys):
    a, _ = runs
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "错误：找不到结果目录" in err and "Error:" in err


def test_default_out_dir(comparison):
    assert default_out_dir(comparison) == Path("reports/compare-2017年度基准方案-vs-2017年度公平优先方案")
