"""Batches within a year: batch 2 keeps batch 1's awards to the yuan and never writes into its folder."""

from pathlib import Path

import pandas as pd
import pytest

from allocator.batches import read_approved
from allocator.errors import InputError, OutputError, ScenarioError
from allocator.pipeline import run

ROOT = Path(__file__).resolve().parents[1]


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

    from allocator.batches import read_approved
    from allocator.errors import InputError

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "approved.xlsx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(InputError) as err:
        read_approved(path)
    assert "approved.xlsx" in str(err.value)
