"""``allocator verify DIR``: re-check a result folder against its inputs; report tampering and drift.

Finance pays from approved.xlsx; programs read allocation.csv and summary.json, whose ``manifest`` records
every input file with its SHA-256 and the package and solver versions (:func:`allocator.allocation.allocate.manifest_for`);
manifest.json records every output file's SHA-256. Each check ends ✓ (passed), ✗ (failed), ℹ (a note, never
a failure) or – (could not run, and why):

1. 文件完整性 — every file of the folder against manifest.json (:mod:`allocator.audit.files`): none
   missing, none changed, none unlisted. A folder without manifest.json fails: it was written by an older
   version, or edited.
2. summary.json 字段 — each field the checks read has the type allocator writes
   (:mod:`allocator.audit.summary`); a wrong one is named and left out, so the checks needing it say so.
3. 输入文件未改动 — every input of the manifest (``<input>_file`` with ``<input>_sha256``: the scenario, the
   applications with their 人员名单 sheet, the policy pack, last year's summary.json, an earlier batch's
   approved.xlsx, a release's earlier result) hashed again; changed or missing is drift.
4. approved.xlsx = allocation.csv — the approved list holds exactly the rows of allocation.csv with
   award > 0: who is paid (申报单位, 统一社会信用代码), for what (事项编号), the award and both cost shares
   (:mod:`allocator.audit.approved`). From batch 2 on that is its 累计拟支持名单 sheet (the year so far), with
   the same 批次 as allocation.csv's ``batch``, and its first sheet holds exactly the rows of this batch.
   A formula cell counts as what it computes, never as its cached value.
5. 工作簿 — every formula of both workbooks computes to its cached value, formulas stand only where
   allocator writes them, one 合计 row a list, allocation.xlsx's 拟支持名单 and 汇总 = allocation.csv and
   summary.json (:mod:`allocator.audit.books`).
6. summary.json = allocation.csv — awarded = Σ award, city_cost = Σ city_cost, district_cost = Σ district_cost,
   funded = #(award > 0), applications = #rows, available = annual_fund + carryover_in, carryover_out =
   available − city_cost − admin.
7. 约束校验 — :func:`allocator.allocation.constraints.verify` on the recorded awards: caps, eligibility, cost shares, admin,
   budget, ``[limits]``, overrides (it needs the policy pack, for the shares).
8. 重新计算 — the allocation computed again in memory from the recorded inputs
   (:func:`allocator.app.run.result_for`; a release by :func:`allocator.years.release.released`), compared
   application by application with allocation.csv (award, costs, status, payee), approved.xlsx and
   summary.json's totals. Not run when an input drifted, nor for a year of a multi-year plan (it depends on
   the years before it: run ``allocator plan`` again).
9. 重新写出 — every output written again from that result into a temporary folder and compared with the
   folder's, byte for byte, else cell by cell, row by row, key by key (:mod:`allocator.audit.rederive`).
10. 软件版本 — the package and solver versions against the manifest: a difference is a note; when 8 fails as
    well, it is said there too, since a new version may be why.

1, 2 and 4–7 need nothing but the folder, so they run when the inputs are gone. Any ✗: exit status
:data:`EXIT_FOUND`. A check that meets something it cannot handle fails, naming it: never a traceback.
"""

from __future__ import annotations

from contextlib import chdir, nullcontext
from dataclasses import replace
from itertools import dropwhile
from pathlib import Path, PurePath

import pandas as pd

from ..core.errors import AllocatorError
from ..outputs.tables import SUMMARY_KEYS
from ..store.folder import ResultFolder, ResultFolderError
from . import approved as lists
from .approved import batches_differ, differ, expected_rows
from .inputs import INPUT_LABELS, OTHER_INPUTS, input_files  # noqa: F401 (re-exported)
from .report import Audit, Check, guarded

#: Differences listed per check; the rest are counted.
SHOWN = lists.SHOWN
#: summary.json's totals compared with a recomputed allocation: its figures, all but the status.
TOTALS = tuple(k for k in SUMMARY_KEYS if k != "status")
TITLES = {
    "files": "文件完整性：与 manifest.json 记录的 SHA-256 一致 / every file as written (manifest.json)",
    "summary": "summary.json 字段类型正确 / summary.json fields of the types allocator writes",
    "workbooks": "工作簿：公式按其计算值核对，名单与合计逐行核对 / workbooks: formulas computed, lists row by row",
    "rederived": "按输入重新写出每个输出文件，逐项一致 / every output written again from the inputs: the same",
}


def audit(result_dir: str | Path) -> Audit:
    """Every check of the module docstring on ``result_dir``; :class:`~allocator.core.errors.AllocatorError`
    when it is not a result folder (no readable summary.json)."""
    lists._loaded.cache_clear()  # each audit reads the workbooks afresh, and keeps none of them after
    try:
        return _audit(Path(result_dir))
    finally:
        lists._loaded.cache_clear()


def _audit(folder: Path) -> Audit:
    from .summary import well_formed

    store = ResultFolder(folder)
    summary, shape = well_formed(store.summary())
    manifest = summary.get("manifest") or {}
    try:
        table, csv_problem = _csv(store)
    except Exception as exc:  # noqa: BLE001 — as in guarded: a CSV no reader foresaw is said, not raised
        table, csv_problem = (
            None,
            f"allocation.csv 无法读取 / unreadable: {type(exc).__name__}: {str(exc)[:200]}",
        )
    batch = summary.get("batch") or 1
    files = guarded("files", TITLES["files"], _files, folder)
    inputs = guarded("inputs", INPUTS_TITLE, _inputs, manifest)
    approved = guarded("approved", APPROVED_TITLE, _approved_matches, folder, table, csv_problem, batch)
    books = guarded("workbooks", TITLES["workbooks"], _workbooks, folder, table, summary)
    totals = guarded("totals", TOTALS_TITLE, _totals_match, table, csv_problem, summary)
    limits = guarded("constraints", LIMITS_TITLE, _constraints, table, csv_problem, summary, manifest)
    recomputed, release_info, redo = _recompute(folder, manifest, summary, inputs)
    rederived = _rederived(folder, recomputed, release_info, summary, redo)
    versions = guarded("versions", VERSIONS_TITLE, _versions, manifest, recomputed)
    if redo.state == "fail" and versions.state == "note":
        redo = replace(
            redo,
            lines=(*redo.lines, "注意：软件版本与记录不同（见下），差异可能来自版本变化 / versions differ"),
        )
    shape_check = Check("summary", TITLES["summary"], "fail" if shape else "pass", lists.shown(shape))
    checks = (files, shape_check, inputs, approved, books, totals, limits, redo, rederived, versions)
    return Audit(folder, checks)


def _files(folder: Path) -> Check:
    from .files import integrity

    return Check("files", TITLES["files"], *integrity(folder))


def _workbooks(folder: Path, table: pd.DataFrame | None, summary: dict) -> Check:
    from .books import workbook_lines

    lines = workbook_lines(folder, table, summary)
    return Check("workbooks", TITLES["workbooks"], "fail" if lines else "pass", lists.shown(lines))


def _rederived(folder: Path, result, release_info, summary: dict, redo: Check) -> Check:
    title = TITLES["rederived"]
    if result is None:
        why = "未能重新计算（见上）/ not recomputed (see above)"
        return Check("rederived", title, "skip", (why,))

    def run() -> Check:
        from .rederive import rederive

        return Check("rederived", title, *rederive(folder, result, summary, release_info))

    return guarded("rederived", title, run)


# ---------------------------------------------------------------- reading the folder
def _csv(store: ResultFolder) -> tuple[pd.DataFrame | None, str]:
    """allocation.csv with whole-yuan money and booleans; or None and what is wrong with it."""
    try:
        return store.allocation(), ""
    except ResultFolderError as exc:
        return None, f"{exc.zh} / {exc.en}"


# ---------------------------------------------------------------- 3. inputs
INPUTS_TITLE = "输入文件未改动 / inputs unchanged (SHA-256)"


def _inputs(manifest: dict) -> Check:
    from .inputs import inputs

    return Check("inputs", INPUTS_TITLE, *inputs(manifest))


# ---------------------------------------------------------------- 4. approved.xlsx
APPROVED_TITLE = (
    "approved.xlsx 与 allocation.csv 的拟支持项目一致（收款单位、信用代码、事项、金额）"
    " / approved list = funded rows of allocation.csv (payee, item, money)"
)
TOTALS_TITLE = "summary.json 合计与 allocation.csv 一致 / summary.json totals = sums of allocation.csv"
LIMITS_TITLE = "约束校验（上限、资格、分担比例、预算、限额）/ constraints on the recorded awards"
VERSIONS_TITLE = "软件版本与记录相同 / package and solver versions as recorded"


def _approved_matches(folder: Path, table: pd.DataFrame | None, csv_problem: str, batch: int) -> Check:
    approved, approved_problem, batches = lists.approved(folder / "approved.xlsx", batch)
    if table is None or approved is None:
        problems = tuple(p for p in (csv_problem, approved_problem) if p)
        return Check("approved", APPROVED_TITLE, "fail", problems)
    funded = table[table["award"] > 0]
    lines = differ("approved.xlsx", approved, expected_rows(table), "allocation.csv ")
    if batches is not None:
        if "batch" not in table:
            lines.append("allocation.csv 没有 batch 列，无法核对批次 / allocation.csv has no batch column")
        else:
            lines += batches_differ(
                batches, dict(zip(funded["application_id"], funded["batch"], strict=True)), "allocation.csv "
            )
    return Check("approved", APPROVED_TITLE, "fail" if lines else "pass", lists.shown(lines))


def _totals_match(table: pd.DataFrame | None, csv_problem: str, summary: dict) -> Check:
    title = TOTALS_TITLE
    if table is None:
        return Check("totals", title, "fail", (csv_problem,))
    sums = {
        "awarded": int(table["award"].sum()),
        "city_cost": int(table["city_cost"].sum()),
        "district_cost": int(table["district_cost"].sum()),
        "funded": int((table["award"] > 0).sum()),
        "applications": len(table),
    }
    lines = [
        f"summary.json {k}：记录 {_num(summary.get(k))}，allocation.csv 合计 {v:,}"
        f" / {k}: recorded {_num(summary.get(k))}, allocation.csv sums to {v:,}"
        for k, v in sums.items()
        if summary.get(k) != v
    ]
    try:
        available = int(summary["annual_fund"]) + int(summary["carryover_in"])
        carry = available - sums["city_cost"] - int(summary["admin"])
    except (KeyError, TypeError, ValueError):
        lines.append("summary.json 缺少 annual_fund、carryover_in 或 admin / lacks fund figures")
    else:
        for key, want in (("available", available), ("carryover_out", carry)):
            if summary.get(key) != want:
                lines.append(
                    f"summary.json {key}：记录 {_num(summary.get(key))}，应为 {want:,}"
                    f" / {key}: recorded {_num(summary.get(key))}, should be {want:,}"
                )
    return Check("totals", title, "fail" if lines else "pass", _shown(lines))


def _constraints(table: pd.DataFrame | None, csv_problem: str, summary: dict, manifest: dict) -> Check:
    from .constraints import constraints

    return Check("constraints", LIMITS_TITLE, *constraints(table, csv_problem, summary, manifest))


# ---------------------------------------------------------------- 8. recomputed
RECOMPUTED_TITLE = "按记录的输入重新计算，结果一致 / recomputed from the inputs: outputs match"


def _recompute(folder: Path, manifest: dict, summary: dict, inputs: Check):
    """(the recomputed result or None, release.json's content for a release or None, the check)."""
    title = RECOMPUTED_TITLE
    if inputs.state != "pass":
        why = "输入文件缺失或已改动，无法重新计算 / inputs missing or changed"
        return None, None, Check("recomputed", title, "skip", (why,))
    if folder.name.isdigit() and (folder.parent / "plan.json").is_file():
        why = "多年度计划的年度结果依赖前一年度，请重新运行 allocator plan / a plan year: rerun the plan"
        return None, None, Check("recomputed", title, "skip", (why,))
    info = None
    try:
        if "released_from" in manifest:
            from ..years.release import released

            result, info = released(
                manifest["released_from"],
                list(manifest.get("withdrawn") or []),
                manifest.get("release_reason", ""),
            )
        else:
            from ..app.run import result_for

            batch = summary.get("batch") or 1
            approved = manifest.get("approved_from") if batch > 1 else None
            path, base = _as_run(manifest, summary)
            with chdir(base) if base is not None else nullcontext():
                result = result_for(path, batch=batch, approved=approved, report=True)
    except AllocatorError as exc:
        return None, None, Check("recomputed", title, "fail", (f"无法重新计算 / cannot recompute: {exc.zh}",))
    except Exception as exc:  # noqa: BLE001 — as in guarded: said, never a traceback
        said = f"{type(exc).__name__}: {str(exc)[:200]}"
        return None, None, Check("recomputed", title, "fail", (f"无法重新计算 / cannot recompute: {said}",))
    return result, info, guarded("recomputed", title, _compared, folder, result, summary)


def _as_run(manifest: dict, summary: dict) -> tuple[str, Path | None]:
    """The scenario's path as the run was given it, and the folder it was relative to (None: absolute).

    The outputs name the scenario and the applications as the run was given them
    (``scenarios/changchun-2017.toml``), the manifest by absolute path: computed again from the same
    spelling in the same folder, every output is the same to the byte. ``allocator verify`` changes the
    working folder for that while it recomputes (so not from two threads at once)."""
    absolute = str(manifest["scenario_file"])
    told = (summary.get("scenario") or {}).get("path")
    if not isinstance(told, str) or not told or told == absolute:
        return absolute, None
    if PurePath(told).is_absolute():  # through a link, say: the same file, spelled as the run was given it
        try:
            return (told, None) if Path(told).resolve() == Path(absolute).resolve() else (absolute, None)
        except OSError:
            return absolute, None
    parts = PurePath(told).parts
    up = len(parts) - len(tuple(dropwhile(lambda p: p == "..", parts)))  # leading ".." (a run from below)
    rest = parts[up:]
    whole = Path(absolute)
    if not rest or ".." in rest or len(rest) >= len(whole.parts):
        return absolute, None
    if whole.parts[-len(rest) :] != rest or up > len(rest) - 1:
        return absolute, None
    base = whole.parents[len(rest) - 1].joinpath(*rest[:up])  # any folder that deep will do: these exist
    try:
        same = (base / told).resolve() == whole.resolve()
    except OSError:
        same = False
    return (told, base) if same and base.is_dir() else (absolute, None)


def _compared(folder: Path, result, summary: dict) -> Check:
    return Check("recomputed", RECOMPUTED_TITLE, *_compare(folder, result, summary))


def _compare(folder: Path, result, summary: dict) -> tuple[str, tuple[str, ...]]:
    t = result.table
    ids = t["application_id"].astype(str).tolist()
    new = expected_rows(t, funded_only=False)
    status = dict(zip(ids, t["status"].astype(str), strict=True))
    lines: list[str] = []
    table, problem = _csv(ResultFolder(folder))
    if table is None:
        lines.append(problem)
    else:
        lines += differ("allocation.csv", expected_rows(table, funded_only=False), new, "重新计算")
        for app, got in zip(table["application_id"], table["status"], strict=True):
            if app in status and got != status[app]:
                lines.append(
                    f"allocation.csv 申报编号 {app} status：记录 {got}，重新计算为 {status[app]}"
                    f" / status of {app}: recorded {got}, recomputed {status[app]}"
                )
    approved, problem, batches = lists.approved(folder / "approved.xlsx", summary.get("batch") or 1)
    if approved is None:
        lines.append(problem)
    else:
        funded = {a: v for a, v in new.items() if v[0] > 0}
        lines += differ("approved.xlsx", approved, funded, "重新计算")
        if batches is not None and "batch" in t:
            lines += batches_differ(batches, dict(zip(ids, t["batch"], strict=True)), "重新计算")
    s = result.summary
    for key in TOTALS:
        want = int(getattr(s, key))
        if summary.get(key) != want:
            lines.append(
                f"summary.json {key}：记录 {_num(summary.get(key))}，重新计算为 {want:,}"
                f" / {key}: recorded {_num(summary.get(key))}, recomputed {want:,}"
            )
    return ("fail" if lines else "pass"), _shown(lines)


# ---------------------------------------------------------------- 10. versions
def _versions(manifest: dict, recomputed) -> Check:
    from ..core.provenance import versions

    title = VERSIONS_TITLE
    then = manifest.get("versions") or {}
    now = versions()
    lines = [
        f"{name}：记录 {then[name]}，现为 {now.get(name, '未安装')}"
        for name in sorted(then)
        if str(then[name]) != str(now.get(name, "not installed"))
    ]
    solver = manifest.get("solver") or {}
    if recomputed is not None and solver:
        sv = recomputed.solver
        if (str(solver.get("name")), str(solver.get("version"))) != (str(sv.name), str(sv.version)):
            lines.append(
                f"求解器：记录 {solver.get('name')} {solver.get('version')}，现为 {sv.name} {sv.version}"
            )
    if not then:
        return Check("versions", title, "note", ("summary.json 未记录软件版本 / no versions recorded",))
    return Check("versions", title, "note" if lines else "pass", tuple(lines))


# ---------------------------------------------------------------- words
def _num(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


def _shown(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= SHOWN:
        return tuple(lines)
    return (*lines[:SHOWN], f"…… 另有 {len(lines) - SHOWN} 处 / {len(lines) - SHOWN} more")
