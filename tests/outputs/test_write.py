"""write_outputs: every output, moved into place only when all were written."""

from __future__ import annotations

import os

import pytest

import allocator.outputs as outputs
from allocator.core.errors import OutputError
from allocator.outputs import publish, write_outputs

NAMES = {
    "allocation.xlsx",
    "approved.xlsx",
    "allocation.csv",
    "waitlist.csv",
    "summary.json",
    "report.html",
    "report.pdf",
    "charts/by_item.png",
    "charts/by_item.svg",
    "charts/by_district.png",
    "charts/by_district.svg",
    "charts/funding_status.png",
    "manifest.json",
    "charts/funding_status.svg",
}


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_writes_everything(small_result, tmp_path):
    out = tmp_path / "reports" / "test"
    paths = write_outputs(small_result, out)
    assert {p.relative_to(out).as_posix() for p in paths} == NAMES
    assert listing(out) == NAMES
    assert os.listdir(tmp_path / "reports") == ["test"]  # no staging folder left


def old_outputs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("OLD SUMMARY", encoding="utf-8")
    (out / "allocation.xlsx").write_bytes(b"OLD WORKBOOK")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    return out


@pytest.mark.parametrize(
    "writer", ["write_summary_json", "write_charts", "write_report_html", "write_report_pdf"]
)
def test_failure_midway_leaves_earlier_outputs(small_result, tmp_path, monkeypatch, writer):
    out = old_outputs(tmp_path)

    def boom(*args, **kwargs):
        raise RuntimeError("writer failed")

    monkeypatch.setattr(outputs, writer, boom)
    with pytest.raises(RuntimeError, match="writer failed"):
        write_outputs(small_result, out)
    assert (out / "summary.json").read_text(encoding="utf-8") == "OLD SUMMARY"
    assert (out / "allocation.xlsx").read_bytes() == b"OLD WORKBOOK"
    assert listing(out) == {"summary.json", "allocation.xlsx", "notes.txt"}  # nothing new moved in
    assert os.listdir(tmp_path) == ["out"]  # staging folder removed


def test_failure_while_switching_folders_is_reported_and_changes_nothing(small_result, tmp_path, monkeypatch):
    out = old_outputs(tmp_path)
    before = {name: (out / name).read_bytes() for name in listing(out)}

    def locked(a, b):
        raise PermissionError(13, "Permission denied", str(b))

    monkeypatch.setattr(publish, "_exchange", locked)
    with pytest.raises(OutputError, match="没有写入权限") as caught:
        write_outputs(small_result, out)
    assert str(out) in caught.value.zh and "permission denied" in caught.value.en
    assert {name: (out / name).read_bytes() for name in listing(out)} == before
    assert os.listdir(tmp_path) == ["out"]


def test_overwrites_previous_run(small_result, tmp_path):
    out = old_outputs(tmp_path)
    write_outputs(small_result, out)
    assert (out / "summary.json").read_text(encoding="utf-8").startswith("{")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def changed_approved(result):
    """The same result with a different approved list: one funded application renamed."""
    import dataclasses

    table = result.table.copy()
    funded = table.index[table["award"] > 0][0]
    table.loc[funded, "application_id"] = "Z9999"
    return dataclasses.replace(result, table=table)


@pytest.mark.slow
def test_a_changed_approved_list_is_not_replaced_without_force(small_result, tmp_path):
    out = tmp_path / "out"
    write_outputs(small_result, out)
    again = write_outputs(small_result, out)  # same list: replaced, nothing kept
    assert not [p for p in again if p.name.startswith("approved.2")]
    before = {name: (out / name).read_bytes() for name in listing(out)}
    with pytest.raises(OutputError, match="--force") as caught:
        write_outputs(changed_approved(small_result), out)
    assert "approved.xlsx" in caught.value.zh and "新增 1 项、移出 1 项" in caught.value.zh
    assert {name: (out / name).read_bytes() for name in listing(out)} == before  # nothing changed
    assert os.listdir(tmp_path) == ["out"]  # staging folder removed


def test_with_force_the_changed_approved_list_is_kept_beside_the_new_one(small_result, tmp_path):
    out = tmp_path / "out"
    write_outputs(small_result, out)
    old = (out / "approved.xlsx").read_bytes()
    paths = write_outputs(changed_approved(small_result), out, force=True)
    kept = [p for p in paths if p.name.startswith("approved.2")]
    assert len(kept) == 1 and kept[0].read_bytes() == old
    assert sorted(p.name for p in out.glob("approved*.xlsx")) == sorted(["approved.xlsx", kept[0].name])
