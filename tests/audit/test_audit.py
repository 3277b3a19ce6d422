"""``allocator verify DIR``: a clean result passes; an edited output or a changed input is named."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from allocator.app.release import release
from allocator.app.run import run
from allocator.audit.report import EXIT_FOUND
from allocator.audit.verify import audit
from allocator.cli.main import main
from allocator.core.errors import AllocatorError

pytestmark = pytest.mark.slow  # each test verifies a whole result folder (seconds)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "changchun-2017.toml"
APPS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"


def scenario_for(folder: Path) -> Path:
    """The shipped scenario on a private copy of the applications, so a test may change them."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(APPS, folder / "apps.xlsx")
    text = SHIPPED.read_text(encoding="utf-8").replace("data/changchun-2017-applications.xlsx", "apps.xlsx")
    path = folder / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    run(scenario_for(folder / "inputs"), folder / "out")
    return folder / "out"


@pytest.fixture
def result_dir(clean, tmp_path):
    """A copy of the clean result to edit (its inputs shared, left as they are)."""
    return Path(shutil.copytree(clean, tmp_path / "out"))


def states(report) -> dict[str, str]:
    return {c.key: c.state for c in report.checks}


def text_of(report) -> str:
    return report.render()


def funded_row(folder: Path) -> dict:
    with open(folder / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if int(r["award"]) > 0)


def test_a_clean_result_passes(clean, capsys):
    report = audit(clean)
    assert report.ok, report.render()
    assert set(states(report).values()) == {"pass"}
    assert main(["verify", str(clean)]) == 0
    out = capsys.readouterr().out
    assert out.count("✓") >= 6 and "全部通过" in out and "申报数据" in out and "政策包" in out


def test_an_award_edited_in_approved_xlsx_is_named(result_dir, capsys):
    row = funded_row(result_dir)
    wb = openpyxl.load_workbook(result_dir / "approved.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    i, a = header.index("申报编号"), header.index("拟支持金额（元）")
    (cells,) = [r for r in ws.iter_rows(min_row=2) if r[i].value == row["application_id"]]
    cells[a].value = int(row["award"]) + 10_000
    wb.save(result_dir / "approved.xlsx")

    report = audit(result_dir)
    assert not report.ok
    s = states(report)
    assert s["approved"] == "fail"
    assert s["recomputed"] == "fail"
    assert s["inputs"] == "pass"
    said = text_of(report)
    expected = f"approved.xlsx 申报编号 {row['application_id']} award：记录 {int(row['award']) + 10_000:,}"
    assert f"{expected}，allocation.csv 为 {int(row['award']):,}" in said
    assert f"{expected}，重新计算为 {int(row['award']):,}" in said
    assert main(["verify", str(result_dir)]) == EXIT_FOUND
    assert "✗" in capsys.readouterr().out


def test_an_award_edited_in_allocation_csv_is_named(result_dir):
    path = result_dir / "allocation.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if int(r["award"]) > 0)
    row["award"] = str(int(row["award"]) - 1)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)

    report = audit(result_dir)
    s = states(report)
    assert not report.ok
    assert s["approved"] == "fail"
    assert s["totals"] == "fail"
    assert s["constraints"] == "fail"  # city + district ≠ award
    assert s["recomputed"] == "fail"
    said = text_of(report)
    assert (
        f"allocation.csv 申报编号 {row['application_id']} award：记录 {int(row['award']):,}，重新计算为"
        in said
    )
    assert "summary.json awarded" in said


def test_a_total_edited_in_summary_json_is_named(result_dir):
    path = result_dir / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["awarded"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = audit(result_dir)
    assert states(report)["totals"] == "fail"
    assert "summary.json awarded" in text_of(report) and not report.ok


def test_applications_changed_after_the_run_is_drift(tmp_path):
    scenario = scenario_for(tmp_path / "inputs")
    run(scenario, tmp_path / "out")
    apps = tmp_path / "inputs" / "apps.xlsx"
    wb = openpyxl.load_workbook(apps)
    wb.properties.title = "changed after the run"
    wb.save(apps)

    report = audit(tmp_path / "out")
    s = states(report)
    assert s["inputs"] == "fail"
    assert s["recomputed"] == "skip"
    assert s["approved"] == "pass"  # the folder itself is intact
    said = text_of(report)
    assert f"✗ 申报数据 {apps.resolve()}：生成结果后已被修改" in said
    assert main(["verify", str(tmp_path / "out")]) == EXIT_FOUND

    apps.unlink()  # gone: still said, and the folder is still checked in itself
    report = audit(tmp_path / "out")
    assert "文件已不存在" in text_of(report)
    s = states(report)
    assert s["totals"] == "pass"
    assert s["constraints"] == "pass"


def test_versions_edited_in_summary_json_are_tampering_not_a_note(result_dir, capsys):
    """Another version at verify time is a note (tests/robustness/test_redteam_verify.py); summary.json's record of
    them edited by hand is caught like any edit."""
    path = result_dir / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["manifest"]["versions"]["pandas"] = "0.0.1"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert not audit(result_dir).ok
    assert main(["verify", str(result_dir)]) == 4
    assert "summary.json" in capsys.readouterr().out


def test_a_folder_without_summary_json_is_no_result_folder(result_dir, capsys):
    (result_dir / "summary.json").unlink()
    with pytest.raises(AllocatorError, match="不是结果目录"):
        audit(result_dir)
    assert main(["verify", str(result_dir)]) == 2
    assert "summary.json" in capsys.readouterr().err


def test_a_release_is_recomputed_from_the_result_it_came_from(tmp_path):
    run(scenario_for(tmp_path / "inputs"), tmp_path / "out")
    row = funded_row(tmp_path / "out")
    _, _, paths = release(tmp_path / "out", [row["application_id"]], "公示期异议")
    report = audit(paths[0].parent)
    assert report.ok, report.render()
    assert "收回前的 allocation.csv" in text_of(report)
    (tmp_path / "out" / "waitlist.csv").write_text("edited", encoding="utf-8")
    report = audit(paths[0].parent)
    assert states(report)["inputs"] == "fail" and "收回前的 waitlist.csv" in text_of(report)
