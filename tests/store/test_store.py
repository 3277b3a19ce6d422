"""The one reader of a result folder (issue 18, point 4): what verify, compare and release read."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from allocator.outputs import write_outputs
from allocator.store.folder import ResultFolder, ResultFolderError, ResultStore
from tests.conftest import EVIL_APPLICANT, build_waitlist


@pytest.fixture
def result(small_result):
    return replace(small_result, waitlist=build_waitlist())


@pytest.fixture
def folder(result, tmp_path):
    write_outputs(result, tmp_path / "out")
    return tmp_path / "out"


def _rewrite(path, change):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_a_folder_reads_back_as_it_was_written(folder, result):
    store: ResultStore = ResultFolder(folder)
    summary = store.summary()
    table = store.allocation()
    assert summary["awarded"] == int(table["award"].sum()) == int(result.table["award"].sum())
    assert table["award"].dtype == "int64" and table["eligible"].dtype == bool
    assert table["application_id"].tolist() == result.table["application_id"].astype(str).tolist()
    assert EVIL_APPLICANT in set(table["applicant"])  # the ' written before a formula taken off again
    waitlist = store.waitlist()
    assert waitlist["rank"].tolist() == sorted(waitlist["rank"].tolist())
    assert waitlist["next_award"].dtype == "int64"
    assert waitlist["application_id"].tolist() == result.waitlist["application_id"].tolist() != []


@pytest.mark.parametrize(
    "case, code, said",
    [
        ("no_summary", "result_folder", "没有 summary.json"),
        ("summary_list", "result_folder", "顶层应为对象"),
        ("no_csv", "result_folder.missing", "allocation.csv"),
        ("no_column", "result_folder.columns", "city_cost"),
        ("money", "result_folder.money", "第3行"),
    ],
)
def test_what_cannot_be_read_is_named(folder, case, code, said):
    store = ResultFolder(folder)
    read = store.allocation
    if case == "no_summary":
        (folder / "summary.json").unlink()
        read = store.summary
    elif case == "summary_list":
        (folder / "summary.json").write_text(json.dumps([1, 2]), encoding="utf-8")
        read = store.summary
    elif case == "no_csv":
        (folder / "allocation.csv").unlink()
    elif case == "no_column":
        _rewrite(folder / "allocation.csv", lambda rows: [r.pop("city_cost") for r in rows])
    else:
        _rewrite(folder / "allocation.csv", lambda rows: rows[1].update(award="十万"))
    with pytest.raises(ResultFolderError) as err:
        read()
    assert err.value.code == code
    assert said in err.value.zh and str(folder) in err.value.zh and err.value.en


def test_the_carryover_check_and_the_writer_agree_on_the_manifest_format():
    """config cannot import outputs (the layer order), so each names the format: they must be one."""
    from allocator.config.carryover import OUTPUTS_FORMAT
    from allocator.outputs.manifest_file import MANIFEST_FORMAT

    assert OUTPUTS_FORMAT == MANIFEST_FORMAT
