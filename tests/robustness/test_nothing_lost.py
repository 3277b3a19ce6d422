"""Issue 8, point 3 — nothing lost: staged writes, killed runs, parallel runs, approved.xlsx and the manifest.

The subprocess tests run ``python -m allocator run`` on 5,000 seeded applications (enough for the forked
workbook writer) and stop it with SIGTERM, SIGINT or SIGKILL while it writes (its staging folder, named after
its pid, has appeared and xlsxwriter has begun).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import openpyxl
import pytest

import allocator.outputs as outputs
from allocator.app.run import run
from allocator.authoring.demo import write_sample
from allocator.cli.main import _parser, main
from allocator.core.errors import OutputError
from allocator.core.provenance import PACKAGES
from allocator.outputs import STAGING, publish, remove_stale_staging, staging_folder, write_outputs
from allocator.policy.pack import load_policy

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "changchun-2017.toml"
APPS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
POSIX = pytest.mark.skipif(os.name != "posix", reason="signals and /proc: POSIX")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def shipped(tmp_path: Path, name: str = "s.toml", extra: str = "") -> Path:
    """The shipped scenario, usable from any folder (the applications by absolute path)."""
    text = SHIPPED.read_text(encoding="utf-8").replace("data/changchun-2017-applications.xlsx", str(APPS))
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return path


# ---------------------------------------------------------------- approved.xlsx
def test_run_refuses_to_change_approved_without_force_and_keeps_it_with(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(shipped(tmp_path)), "--out", str(out)]) == 0
    assert main(["run", str(shipped(tmp_path)), "--out", str(out)]) == 0  # the same list again: fine
    before = files(out)
    heavier = shipped(tmp_path, "w.toml")
    heavier.write_text(heavier.read_text(encoding="utf-8").replace("c13-hire = 1.2", "c13-hire = 3"), "utf-8")
    capsys.readouterr()
    assert main(["run", str(heavier), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "approved.xlsx" in err and "--force" in err and "approved.<时间>.xlsx" in err and "项" in err
    assert files(out) == before  # nothing in the folder changed
    assert sorted(os.listdir(tmp_path)) == ["out", "s.toml", "w.toml"]  # no staging folder
    assert main(["run", str(heavier), "--out", str(out), "--force"]) == 0
    assert "已保留为" in capsys.readouterr().out
    (kept,) = out.glob("approved.2*.xlsx")
    assert kept.read_bytes() == before["approved.xlsx"]
    assert (out / "approved.xlsx").read_bytes() != before["approved.xlsx"]


def test_an_unreadable_approved_list_is_not_replaced_without_force(small_result, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "approved.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(OutputError, match="无法读取"):
        write_outputs(small_result, out)
    assert os.listdir(out) == ["approved.xlsx"]
    write_outputs(small_result, out, force=True)
    assert len(list(out.glob("approved.2*.xlsx"))) == 1


def test_force_is_offered_where_approved_xlsx_is_written():
    p = _parser()
    assert p.parse_args(["run", "s.toml", "--force"]).force
    assert p.parse_args(["plan", "p.toml", "--force"]).force
    # release writes a new dated folder (and batch 2 a folder of its own): nothing to replace there


# ---------------------------------------------------------------- staging and temporary files
def test_staging_folder_names_its_process_and_stale_ones_are_removed(tmp_path):
    out = tmp_path / "out"
    mine = staging_folder(out)
    m = STAGING.match(mine.name)
    assert m and int(m["pid"]) == os.getpid()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / mine.name.replace(f"-{os.getpid()}@", f"-{dead.pid}@")
    (stale / ".tmp").mkdir(parents=True)
    (stale / "approved.xlsx").write_bytes(b"half")
    elsewhere = tmp_path / mine.name.replace(f"@{m['host']}.", "@another-host.")
    elsewhere.mkdir()
    unrelated = tmp_path / ".out-12345.tmp"  # not ours: never touched
    unrelated.mkdir()
    assert remove_stale_staging(tmp_path) == [stale]
    assert mine.is_dir() and elsewhere.is_dir() and unrelated.is_dir() and not stale.exists()
    second = staging_folder(tmp_path / "other")  # the next run cleans up as it starts
    assert second != mine and mine.is_dir()


def test_temporary_files_are_made_in_the_staging_folder(small_result, tmp_path, monkeypatch):
    """xlsxwriter's XML parts go beside the workbook being written (its tmpdir), never to the system's
    temporary folder, and nothing process-wide is changed for it."""
    system = tmp_path / "system-tmp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    made: list[Path] = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        made.append(Path(name).parent)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    write_outputs(small_result, tmp_path / "out")
    assert made and all(STAGING.match(folder.parent.name) for folder in made)  # its new/
    assert tempfile.tempdir == str(system) and os.listdir(system) == []
    assert sorted(os.listdir(tmp_path)) == ["out", "system-tmp"]


def test_one_file_commands_replace_their_file_only_when_it_is_whole(tmp_path, monkeypatch):
    """``allocator template`` and ``allocator demo-data`` write one file each: staged beside it and moved
    onto it at the end, so a write that fails leaves the earlier file and no temporary one."""
    from allocator.authoring import template as template_module

    policy = load_policy("changchun-2017")
    sample, blank = tmp_path / "sample.xlsx", tmp_path / "blank.xlsx"
    write_sample(sample, 20, policy)
    template_module.write_template(blank, policy)
    before = files(tmp_path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(template_module, "_data", broken)
    with pytest.raises(OutputError):
        template_module.write_template(blank, policy)
    monkeypatch.setattr("allocator.authoring.demo.demo_frame", broken)
    for name in ("sample.xlsx", "sample.csv"):
        with pytest.raises(OSError):
            write_sample(tmp_path / name, 20, policy)
    assert files(tmp_path) == before  # the same two files, byte for byte, and nothing else
    assert sorted(os.listdir(tmp_path)) == ["blank.xlsx", "sample.xlsx"]


def test_ctrl_c_while_writing_leaves_the_earlier_outputs(small_result, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_outputs(small_result, out)
    before = files(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "write_report_pdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(small_result, out)
    assert files(out) == before and os.listdir(tmp_path) == ["out"]


@POSIX
def test_a_signal_while_switching_waits_until_the_new_folder_is_in_place(small_result, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_outputs(small_result, out)
    real = publish._exchange
    calls = []

    def exchange(a, b):
        os.kill(os.getpid(), signal.SIGINT)  # held back until the folders have switched
        calls.append(b)
        return real(a, b)

    monkeypatch.setattr(publish, "_exchange", exchange)
    with pytest.raises(KeyboardInterrupt) as caught:
        write_outputs(small_result, out)
    assert caught.value.written_to == out
    assert calls == [out] and (out / "report.pdf").is_file() and (out / "manifest.json").is_file()
    assert os.listdir(tmp_path) == ["out"]


# ---------------------------------------------------------------- killed and parallel runs
@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    """5,000 seeded applications and a scenario for them (no per-application admin, or the 1% cap breaks)."""
    folder = tmp_path_factory.mktemp("workload")
    apps = folder / "apps.xlsx"
    write_sample(apps, 5_000, load_policy("changchun-2017"), seed=2017)
    text = SHIPPED.read_text(encoding="utf-8").replace("data/changchun-2017-applications.xlsx", str(apps))
    text = text.replace("admin_per_application = 100", "admin_per_application = 0")
    scenario = folder / "big.toml"
    scenario.write_text(text, encoding="utf-8")
    return scenario


def start(scenario: Path, out: Path, tmpdir: Path) -> subprocess.Popen:
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    cmd = [sys.executable, "-m", "allocator", "run", str(scenario), "--out", str(out)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def two_runs(workload, tmp_path_factory):
    """Two runs at the same time, same scenario, different folders under one parent."""
    folder = tmp_path_factory.mktemp("parallel")
    procs = {name: start(workload, folder / name, folder / f"tmp-{name}") for name in ("a", "b")}
    done = {name: (p.wait(timeout=600), *p.communicate()) for name, p in procs.items()}
    return folder, done


def test_parallel_runs_into_different_folders_never_collide(two_runs):
    folder, done = two_runs
    for rc, _, err in done.values():
        assert rc == 0, err
    assert (folder / "a" / "allocation.csv").read_bytes() == (folder / "b" / "allocation.csv").read_bytes()
    assert sorted(os.listdir(folder)) == ["a", "b", "tmp-a", "tmp-b"]  # no staging folder left
    assert not os.listdir(folder / "tmp-a") and not os.listdir(folder / "tmp-b")


def writing(proc: subprocess.Popen, parent: Path, timeout: float = 300) -> Path:
    """Wait until ``proc`` writes: its staging folder exists and xlsxwriter has begun (or half a second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for entry in parent.iterdir():
            m = STAGING.match(entry.name)
            if m and int(m["pid"]) == proc.pid:
                seen = time.monotonic()
                while time.monotonic() - seen < 0.5 and not any((entry / ".tmp").glob("*")):
                    time.sleep(0.002)
                return entry
        time.sleep(0.005)
    raise AssertionError("the run never started writing")


def processes_naming(text: str) -> list[int]:
    """Live processes whose command line holds ``text`` (a forked writer has its parent's)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def gone(text: str, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while processes_naming(text):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@POSIX
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_run_stopped_while_writing_leaves_the_earlier_outputs(two_runs, workload, tmp_path, sig):
    folder, _ = two_runs
    out = tmp_path / "out"
    shutil.copytree(folder / "a", out)
    before = files(out)
    proc = start(workload, out, tmp_path / "tmp")
    staging = writing(proc, tmp_path)
    proc.send_signal(sig)
    rc = proc.wait(timeout=60)
    err = proc.communicate()[1]
    assert rc == 128 + sig, err
    assert "已中断" in err and sig.name in err and "Traceback" not in err
    assert files(out) == before  # byte for byte
    assert not staging.exists() and sorted(os.listdir(tmp_path)) == ["out", "tmp"]
    assert not os.listdir(tmp_path / "tmp")  # no temporary file of the run (xlsxwriter's) left behind
    assert gone(str(out))  # nor the forked writer


@POSIX
def test_a_run_killed_outright_leaves_its_staging_folder_to_the_next_run(two_runs, workload, tmp_path):
    folder, _ = two_runs
    out = tmp_path / "out"
    shutil.copytree(folder / "b", out)
    before = files(out)
    proc = start(workload, out, tmp_path / "tmp")
    staging = writing(proc, tmp_path)
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.communicate()
    assert staging.is_dir() and files(out) == before
    assert gone(str(out))  # the forked writer dies with its parent
    assert main(["run", str(shipped(tmp_path)), "--out", str(tmp_path / "next")]) == 0
    assert not staging.exists()  # removed by the next run into the same parent folder
    assert files(out) == before
    assert not os.listdir(tmp_path / "tmp")


# ---------------------------------------------------------------- the manifest
@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """Every kind of input: last year's summary.json as carryover_in, and batch 2 after an earlier batch."""
    folder = tmp_path_factory.mktemp("manifest")
    last_year = folder / "2016"
    last = shipped(folder, "2016.toml")
    last.write_text(last.read_text("utf-8").replace("year = 2017", "year = 2016", 1), "utf-8")
    run(last, last_year)
    scenario = shipped(folder, "carry.toml")
    text = scenario.read_text(encoding="utf-8").replace(
        "carryover_in = 0 ", f'carryover_in = "{(last_year / "summary.json").as_posix()}" '
    )
    scenario.write_text(text, encoding="utf-8")
    result, _ = run(scenario, folder / "b2", batch=2, approved=last_year / "approved.xlsx")
    return folder, scenario, result


def test_manifest_records_every_input_with_its_hash(batch_run):
    folder, scenario, result = batch_run
    summary = json.loads((folder / "b2" / "summary.json").read_text(encoding="utf-8"))
    m = summary["manifest"]
    assert m["scenario_name"] == "2017 年度基准方案"
    assert m["scenario_file"] == str(scenario.resolve()) and m["scenario_sha256"] == sha256(scenario)
    assert m["applications_file"] == str(APPS.resolve()) and m["applications_sha256"] == sha256(APPS)
    pack = ROOT / "allocator" / "policies" / "changchun-2017.toml"
    assert m["policy"] == "changchun-2017" and m["policy_sha256"] == sha256(pack)
    assert m["policy_file"] == "allocator/policies/changchun-2017.toml"
    last = folder / "2016"
    assert m["carryover_file"] == str((last / "summary.json").resolve())
    assert m["carryover_sha256"] == sha256(last / "summary.json")
    assert m["approved_from"] == str((last / "approved.xlsx").resolve())
    assert m["approved_sha256"] == sha256(last / "approved.xlsx")
    assert summary["carryover_in"] == json.loads((last / "summary.json").read_text("utf-8"))["carryover_out"]
    assert set(m["versions"]) == {"allocator", "python", *PACKAGES}
    for name in ("pulp", "highspy", "pandas", "numpy", "openpyxl", "xlsxwriter", "matplotlib"):
        assert m["versions"][name] == metadata.version(name)
    assert m["versions"]["python-calamine"] == metadata.version("python-calamine")
    assert m["versions"]["defusedxml"] == metadata.version("defusedxml")
    assert m["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert m["solver"] == {"name": result.solver.name, "version": result.solver.version}
    assert m["solver"]["name"] == summary["solver"]["name"] and m["solver"]["version"]
    assert m["command"] and m["generated_at"]


def test_the_params_sheet_holds_the_same_manifest(batch_run):
    folder, _, _ = batch_run
    manifest = json.loads((folder / "b2" / "summary.json").read_text(encoding="utf-8"))["manifest"]
    ws = openpyxl.load_workbook(folder / "b2" / "allocation.xlsx", read_only=True)["参数"]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    for key in (
        "scenario_name",
        "scenario_file",
        "scenario_sha256",
        "applications_sha256",
        "policy",
        "policy_sha256",
        "carryover_sha256",
        "approved_sha256",
    ):
        assert rows[key] == manifest[key], key
    for name, version in manifest["versions"].items():
        assert rows[f"versions.{name}"] == version, name
    assert rows["solver.name"] == manifest["solver"]["name"]
    assert rows["solver.version"] == manifest["solver"]["version"]


@POSIX
def test_a_stop_swallowed_by_a_finaliser_still_stops_before_publishing(small_result, tmp_path, capsys):
    """Ctrl-C landing inside a finaliser (matplotlib's weak-reference callbacks): Python ignores the
    KeyboardInterrupt there and goes on; the stop is remembered and publishing refuses, without the
    "Exception ignored … Traceback" Python would print."""
    from allocator.cli.main import _stops
    from allocator.outputs import write_outputs

    class Finaliser:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # the handler runs here, and its raise is swallowed

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt) as stopped:
        with _stops():
            Finaliser()  # collected at once
            write_outputs(small_result, out)
    assert stopped.value.args == (signal.SIGINT,)
    assert not out.exists() and sorted(os.listdir(tmp_path)) == []  # nothing published, no staging left
    assert "Traceback" not in capsys.readouterr().err
