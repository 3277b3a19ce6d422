"""Issue 17, points 4 and 5 — a result folder is replaced whole, whatever happens while it is.

Faults are injected at each step of publishing (:mod:`allocator.outputs.publish`): an error at each step
leaves the old folder byte for byte; a SIGKILL after each step (in a forked child) leaves the old complete
set or the new complete set, and the next run cleans up (putting the old set back where the kill came
between the two renames of the fallback); two runs into one folder publish one after the other.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
import time
from pathlib import Path

import pytest

import allocator.outputs as outputs
from allocator.cli.main import main
from allocator.core.errors import OutputError
from allocator.core.provenance import sha256_file
from allocator.outputs import manifest_file, publish, write_outputs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "changchun-2017.toml"
APPS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def consistent(folder: Path) -> bool:
    """The folder is exactly what its manifest.json lists, hash for hash."""
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    present = {k: v for k, v in files(folder).items() if k != "manifest.json"}
    return set(listed) == set(present) and all(sha256_file(folder / k) == h for k, h in listed.items())


def other(result):
    """The same result with a different approved list: one funded application renamed."""
    table = result.table.copy()
    table.loc[table.index[table["award"] > 0][0], "application_id"] = "Z9999"
    return dataclasses.replace(result, table=table)


@pytest.fixture
def old(small_result, tmp_path):
    """A published folder with a file of the office's own in it; returns (folder, its files)."""
    out = tmp_path / "out"
    write_outputs(small_result, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    return out, files(out)


def no_staging(parent: Path) -> bool:
    return not [p for p in parent.iterdir() if publish.STAGING.match(p.name)]


# ---------------------------------------------------------------- an error at each step
def _fail(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _renames_failing(call: int):
    real, calls = os.rename, []

    def rename(a, b):
        calls.append(b)
        if len(calls) == call:
            _fail()
        return real(a, b)

    return rename


STEPS = {
    "compare approved.xlsx": lambda mp: mp.setattr(publish, "approved_change", _fail),
    "carry the office's files": lambda mp: mp.setattr(publish, "_link_or_copy", _fail),
    "write manifest.json": lambda mp: mp.setattr(manifest_file, "sha256_file", _fail),
    "exchange the folders": lambda mp: mp.setattr(publish, "_exchange", _fail),
    "rename the old folder aside": lambda mp: (
        mp.setattr(publish, "_exchange", lambda a, b: False),
        mp.setattr(publish.os, "rename", _renames_failing(1)),
    ),
    "rename the new folder in": lambda mp: (
        mp.setattr(publish, "_exchange", lambda a, b: False),
        mp.setattr(publish.os, "rename", _renames_failing(2)),
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_an_error_at_any_step_of_publishing_changes_nothing(step, old, small_result, monkeypatch):
    out, before = old
    STEPS[step](monkeypatch)
    with pytest.raises(OutputError) as caught:
        write_outputs(other(small_result), out, force=True)
    assert "磁盘空间已满" in caught.value.zh and "disk is full" in caught.value.en
    assert files(out) == before and no_staging(out.parent)


# ---------------------------------------------------------------- SIGKILL after each step
def _killed_after(name: str):
    """A patch for the child: the step runs, then the process is killed outright."""

    def patch() -> None:
        if name.startswith("rename "):
            publish._exchange = lambda a, b: False
            real, calls = os.rename, []
            target = 1 if name == "rename aside" else 2

            def rename(a, b):
                real(a, b)
                calls.append(b)
                if len(calls) == target:
                    os.kill(os.getpid(), signal.SIGKILL)

            publish.os.rename = rename
            return
        real = getattr(publish, name)

        def step(*args, **kwargs):
            out = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return out

        setattr(publish, name, step)

    return patch


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
@pytest.mark.parametrize("after", ["_carry", "write_manifests", "_exchange", "rename aside", "rename in"])
def test_a_kill_after_any_step_leaves_the_old_set_or_the_new_one(after, old, small_result):
    out, before = old
    pid = os.fork()
    if pid == 0:  # the child: publish a different list, killed along the way
        try:
            _killed_after(after)()
            write_outputs(other(small_result), out, force=True)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if (
        after == "rename aside"
    ):  # the one moment the folder is absent: the old set waits in the staging folder
        assert not out.exists()
    else:
        assert files(out) == before or (consistent(out) and files(out) != before)
    publish.remove_stale_staging(out.parent)  # what the next run does first
    assert no_staging(out.parent)
    now = files(out)
    assert now == before or (consistent(out) and (out / "notes.txt").read_text(encoding="utf-8") == "mine")
    if after in ("_carry", "write_manifests", "rename aside"):  # killed before the switch: the old set
        assert now == before
    else:  # killed after it: the new set, whole
        assert now != before and consistent(out) and list(out.glob("approved.2*.xlsx"))


def test_the_next_run_puts_an_old_set_left_aside_back_before_writing(old, small_result):
    """A run killed between the fallback's two renames; the next run into the same folder starts from the
    old set, so its approved.xlsx is still compared (and refused) as usual."""
    out, before = old
    pid = os.fork()
    if pid == 0:
        try:
            _killed_after("rename aside")()
            write_outputs(small_result, out)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert not out.exists()
    with pytest.raises(OutputError, match="--force"):
        write_outputs(other(small_result), out)
    assert files(out) == before and no_staging(out.parent)


# ---------------------------------------------------------------- odd old folders, two runs at once
def test_an_old_folder_whose_entries_have_the_wrong_kind_is_replaced_whole(small_result, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "charts").write_text("a file where the charts folder goes", encoding="utf-8")
    (out / "report.html").mkdir()
    (out / "report.html" / "x.txt").write_text("a folder where the page goes", encoding="utf-8")
    write_outputs(small_result, out)
    assert (out / "charts").is_dir() and len(list((out / "charts").iterdir())) == 6
    assert (out / "report.html").is_file() and consistent(out) and no_staging(tmp_path)


def _run_in_child(result, out: Path, slow: float) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            real = publish._switch

            def switch(new, target):  # a slow share: the switch takes a while
                time.sleep(slow)
                real(new, target)

            publish._switch = switch
            write_outputs(result, out)
            code = 0
        except OutputError:
            code = 2
        finally:
            os._exit(code)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_two_runs_into_one_folder_publish_one_after_the_other(small_result, tmp_path):
    out = tmp_path / "out"
    first = _run_in_child(small_result, out, 0.6)
    time.sleep(0.1)
    second = _run_in_child(other(small_result), out, 0.0)
    codes = sorted(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in (first, second))
    assert codes == [0, 2]  # the second saw the first's approved.xlsx and would have changed it
    assert consistent(out) and not list(out.glob("approved.2*.xlsx")) and no_staging(tmp_path)


# ---------------------------------------------------------------- where the outputs cannot go
def shipped(tmp_path: Path) -> Path:
    text = SHIPPED.read_text(encoding="utf-8").replace("data/changchun-2017-applications.xlsx", str(APPS))
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _dangling(tmp_path: Path) -> Path:
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    return tmp_path / "link"


def _a_file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    return tmp_path / "afile"


OUTS = {
    "a file": (_a_file, "是一个文件，不是文件夹", "is a file"),
    "under a file": (lambda t: _a_file(t) / "sub", "在文件", "lies under the file"),
    "a dangling link": (_dangling, "失效的符号链接", "dangling symbolic link"),
}


@pytest.mark.parametrize("case", list(OUTS))
def test_an_out_that_cannot_be_a_folder_is_refused_before_anything_is_written(case, tmp_path, capsys):
    make, zh, en = OUTS[case]
    out = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    assert main(["run", str(shipped(tmp_path)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err and str(out) in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == sorted([*before, "s.toml"])


def test_a_long_folder_name_still_has_room_for_its_staging_folder(tmp_path, capsys):
    out = tmp_path / ("长" * 80 + "x" * 10)  # 250 bytes in UTF-8
    assert len(out.name.encode()) == 250
    assert main(["run", str(shipped(tmp_path)), "--out", str(out)]) == 0
    assert consistent(out) and no_staging(tmp_path)


def test_a_symlink_to_a_folder_stays_a_link_and_its_folder_is_replaced(small_result, tmp_path):
    real = tmp_path / "real"
    write_outputs(small_result, real)
    (tmp_path / "link").symlink_to(real)
    write_outputs(small_result, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and consistent(real)


@pytest.mark.parametrize(
    "code, zh, en",
    [
        (errno.EROFS, "只读", "read-only"),
        (errno.EACCES, "没有写入权限", "permission denied"),
        (errno.ENOSPC, "磁盘空间已满", "disk is full"),
    ],
)
def test_a_folder_that_cannot_be_made_is_said_for_what_it_is(code, zh, en, tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path))

    monkeypatch.setattr(publish.tempfile, "mkdtemp", refuse)
    assert main(["run", str(shipped(tmp_path)), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err and "Excel" not in err and "Traceback" not in err


# ---------------------------------------------------------------- a full disk while writing
def _onto_dev_full(name: str, writer: str, monkeypatch) -> None:
    """``writer`` writes ``name`` onto /dev/full: every write fails with ENOSPC, as on a full disk."""
    real = getattr(outputs, writer)

    def full(result, path, *rest):
        target = Path(path) / name if writer == "write_charts" else Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to("/dev/full")
        return real(result, path, *rest)

    monkeypatch.setattr(outputs, writer, full)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full")
@pytest.mark.parametrize(
    "name, writer",
    [
        ("by_item.png", "write_charts"),
        ("report.html", "write_report_html"),
        ("report.pdf", "write_report_pdf"),
        ("allocation.xlsx", "write_allocation_xlsx"),
        ("approved.xlsx", "write_approved_xlsx"),
        ("allocation.csv", "write_allocation_csv"),
        ("summary.json", "write_summary_json"),
    ],
)
def test_a_full_disk_while_writing_leaves_the_old_folder_and_says_so(
    name, writer, old, tmp_path, capsys, monkeypatch
):
    out, before = old
    scenario = shipped(tmp_path)
    _onto_dev_full(name, writer, monkeypatch)
    assert main(["run", str(scenario), "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "磁盘空间已满" in err and "disk is full" in err and "Traceback" not in err
    assert "Excel" not in err  # not "is the file open?": the disk is full
    assert files(out) == before and no_staging(out.parent)


# ---------------------------------------------------------------- one-file commands
def test_demo_data_onto_a_folder_or_of_absurd_size_is_refused(tmp_path, capsys):
    (tmp_path / "dir").mkdir()
    assert main(["demo-data", "10", str(tmp_path / "dir")]) == 2
    assert main(["demo-data", str(10**11), str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "是一个文件夹" in err and "is a folder" in err and "10,000,000" in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["dir"] and not os.listdir(tmp_path / "dir")
