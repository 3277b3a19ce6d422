"""``allocator verify DIR``: re-check a result folder against its inputs; report tampering and drift.

Finance pays from approved.xlsx; programs read allocation.csv and summary.json, whose ``manifest`` records
every input file with its SHA-256 and the package and solver versions (:func:`allocator.pipeline.manifest_for`).
Each check ends ✓ (passed), ✗ (failed), ℹ (a note, never a failure) or – (could not run, and why):

1. 输入文件未改动 — every input of the manifest (``<input>_file`` with ``<input>_sha256``: the scenario, the
   applications with their 人员名单 sheet, the policy pack, last year's summary.json, an earlier batch's
   approved.xlsx, a release's earlier result) hashed again; changed or missing is drift.
2. approved.xlsx = allocation.csv — the approved list holds exactly the rows of allocation.csv with
   award > 0, with the same award, fund cost and co-fund cost. From batch 2 on that is its 累计拟支持名单
   sheet (the year so far), with the same 批次 as allocation.csv's ``batch``, and its first sheet holds
   exactly the rows of this batch (summary.json's ``batch``) of it.
3. summary.json = allocation.csv — awarded = Σ award, city_cost = Σ city_cost, district_cost = Σ district_cost,
   funded = #(award > 0), applications = #rows, available = annual_fund + carryover_in, carryover_out =
   available − city_cost − admin.
4. 约束校验 — :func:`allocator.verify.verify` on the recorded awards: caps, eligibility, cost shares, admin,
   budget, ``[limits]``, overrides (it needs the policy pack, for the shares).
5. 重新计算 — the allocation computed again in memory from the recorded inputs
   (:func:`allocator.pipeline.result_for` without the report's extras; a release by
   :func:`allocator.release.released`), compared application by application with allocation.csv (award,
   costs, status), approved.xlsx and summary.json's totals. Not run when an input drifted, nor for a year of a
   multi-year plan (it depends on the years before it: run ``allocator plan`` again).
6. 软件版本 — the package and solver versions against the manifest: a difference is a note; when 5 fails as
   well, it is said there too, since a new version may be why.

2–4 need nothing but the folder, so they run when the inputs are gone. Any ✗: exit status :data:`EXIT_FOUND`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AllocatorError, VerificationError
from .outputs.tables import SUMMARY_KEYS

#: ``allocator verify``'s exit status when a check fails (tampering or drift).
EXIT_FOUND = 4
#: Differences listed per check; the rest are counted.
SHOWN = 12
MONEY = ("award", "city_cost", "district_cost")
#: summary.json's totals compared with a recomputed allocation: its figures, all but the status.
TOTALS = tuple(k for k in SUMMARY_KEYS if k != "status")
#: Manifest keys of inputs not named ``<input>_file``: (file key, hash key, label).
OTHER_INPUTS = (("approved_from", "approved_sha256", "前批次 approved.xlsx"),)
INPUT_LABELS = {
    "scenario": "方案文件",
    "applications": "申报数据",
    "policy": "政策包",
    "carryover": "上年 summary.json（结转）",
    "release_summary": "收回前的 summary.json",
    "release_allocation": "收回前的 allocation.csv",
    "release_waitlist": "收回前的 waitlist.csv",
}
MARKS = {"pass": "✓", "fail": "✗", "note": "ℹ", "skip": "–"}


@dataclass(frozen=True)
class Check:
    key: str  # inputs | approved | totals | constraints | recomputed | versions
    title: str  # Chinese / English
    state: str  # pass | fail | note | skip
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audit:
    folder: Path
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return not any(c.state == "fail" for c in self.checks)

    def render(self) -> str:
        out = [f"核对结果目录 / verifying {self.folder}"]
        for c in self.checks:
            out.append(f"{MARKS[c.state]} {c.title}")
            out += [f"    {line}" for line in c.lines]
        failed = sum(c.state == "fail" for c in self.checks)
        out.append(
            "全部通过：结果与输入一致，未发现改动 / all checks passed"
            if self.ok
            else f"发现 {failed} 项不一致（结果被改动或输入有变化） / {failed} check(s) failed: tampering or drift"
        )
        return "\n".join(out)


def audit(result_dir: str | Path) -> Audit:
    """Every check of the module docstring on ``result_dir``; :class:`~allocator.errors.AllocatorError`
    when it is not a result folder (no readable summary.json)."""
    folder = Path(result_dir)
    summary = _summary(folder)
    manifest = summary.get("manifest") or {}
    table, csv_problem = _csv(folder / "allocation.csv")
    batch = int(summary.get("batch") or 1)
    approved, approved_problem, batches = _approved(folder / "approved.xlsx", batch)
    inputs = _inputs(manifest)
    recomputed, redo = _recompute(folder, manifest, summary, inputs)
    versions = _versions(manifest, recomputed)
    if redo.state == "fail" and versions.state == "note":
        redo = Check(
            redo.title, redo.state, (*redo.lines, "注意：软件版本与记录不同（见下），差异可能来自版本变化")
        )
    checks = (
        inputs,
        _approved_matches(table, csv_problem, approved, approved_problem, batches),
        _totals_match(table, csv_problem, summary),
        _constraints(table, csv_problem, summary, manifest),
        redo,
        versions,
    )
    return Audit(folder, checks)


# ---------------------------------------------------------------- reading the folder
def _summary(folder: Path) -> dict:
    path = folder / "summary.json"
    hint = "该目录应为 allocator run 的输出目录 / the folder should be an `allocator run` output folder"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AllocatorError(
            f"{folder} 不是结果目录：没有 summary.json",
            f"{folder} is not a result folder: no summary.json",
            hint,
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AllocatorError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", hint) from None
    if not isinstance(data, dict):
        raise AllocatorError(f"{path} 不是 summary.json", f"{path} is not a summary.json", hint)
    return data


def _csv(path: Path) -> tuple[pd.DataFrame | None, str]:
    """allocation.csv with whole-yuan money and booleans; or None and what is wrong with it."""
    from .outputs.tables import csv_unquote_frame

    try:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except FileNotFoundError:
        return None, f"{path.name} 不存在 / missing"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"{path.name} 无法读取 / unreadable: {exc}"
    missing = [c for c in ("application_id", "item", "eligible", "cap", *MONEY, "status") if c not in df]
    if missing:
        return None, f"{path.name} 缺少列 / lacks columns: {', '.join(missing)}"
    csv_unquote_frame(df)
    for col in ("cap", *MONEY):
        values = pd.to_numeric(df[col].str.replace(",", "").str.strip(), errors="coerce")
        bad = values.isna() | (values != values.round())
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            return None, (
                f"{path.name} 第{k + 2}行（{df.at[k, 'application_id']}）{col} 不是整数元：{df.at[k, col]!r}"
                f" / {col} is not whole yuan"
            )
        df[col] = values.round().astype("int64")
    df["eligible"] = df["eligible"].str.strip().str.lower().eq("true")
    return df, ""


def _approved(path: Path, batch: int = 1) -> tuple[dict[str, tuple] | None, str, dict[str, object] | None]:
    """approved.xlsx's rows by 申报编号: (award, fund cost, co-fund cost) as written, of the year so far
    (its 累计拟支持名单 sheet, from batch 2 on, else its first), and each row's 批次 (None without the
    sheet); or None and why — also when the first sheet is not that sheet's rows of ``batch``."""
    from python_calamine import CalamineWorkbook

    from .outputs.xlsx_lists import YTD_SHEET

    try:
        book = CalamineWorkbook.from_path(str(path))
        first = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        ytd = (
            book.get_sheet_by_name(YTD_SHEET).to_python(skip_empty_area=False)
            if YTD_SHEET in book.sheet_names
            else None
        )
    except FileNotFoundError:
        return None, f"{path.name} 不存在 / missing", None
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook is reported, not raised
        return None, f"{path.name} 无法读取 / unreadable: {exc}", None
    now, problem, _ = _approved_rows(path, first)
    if now is None or ytd is None:
        return now, problem, None
    year, problem, batches = _approved_rows(path, ytd)
    if year is None:
        return None, f"{YTD_SHEET}：{problem}", None
    if batches is None:
        return None, f"{path.name} {YTD_SHEET} 没有「批次」列 / no 批次 column", None
    this = {a: v for a, v in year.items() if batches[a] == batch}
    lines = _differ(f"{path.name} 第一张表", now, this, f"{YTD_SHEET}中第 {batch} 批")
    if lines:
        return None, "；".join(lines[:SHOWN]), None
    return year, "", batches


def _approved_rows(path: Path, rows: list) -> tuple[dict[str, tuple] | None, str, dict[str, object] | None]:
    """One list sheet's rows as :func:`_approved` returns them, with its 批次 (None without the column)."""
    header = [str(h).strip() for h in (rows[0] if rows else [])]
    costs = [k for k, h in enumerate(header) if h.endswith("承担（元）")]
    if "申报编号" not in header or "拟支持金额（元）" not in header or len(costs) != 2:
        return (
            None,
            f"{path.name} 的表头不是本工具写出的拟支持名单 / not an approved list written by allocator",
            None,
        )
    i, a = header.index("申报编号"), header.index("拟支持金额（元）")
    b = header.index("批次") if "批次" in header else None
    out: dict[str, tuple] = {}
    batches: dict[str, object] = {}
    for row in rows[1:]:
        app = str(row[i]).strip() if row[i] is not None else ""
        if app in ("", "（无）") or str(row[0]).strip() == "合计":
            continue
        out[app] = tuple(_whole(row[k]) for k in (a, *costs))
        if b is not None:
            batches[app] = _whole(row[b])
    return out, "", (batches if b is not None else None)


def _whole(value: object) -> object:
    """A number cell as int; anything else as it is (reported as recorded)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------- 1. inputs
def input_files(manifest: dict) -> list[tuple[str, str, str, str]]:
    """(label, key, path, recorded SHA-256) of every input the manifest records."""
    out = []
    for key, path in manifest.items():
        if key.endswith("_file") and f"{key[:-5]}_sha256" in manifest:
            name = key[:-5]
            out.append((INPUT_LABELS.get(name, name), name, str(path), str(manifest[f"{name}_sha256"])))
    for file_key, sha_key, label in OTHER_INPUTS:
        if file_key in manifest and sha_key in manifest:
            out.append((label, file_key, str(manifest[file_key]), str(manifest[sha_key])))
    if "applications_sha256" in manifest and "applications_file" not in manifest:  # before issue 8
        out.append(("申报数据", "applications", "", str(manifest["applications_sha256"])))
    return out


def _hash_now(name: str, path: str, manifest: dict) -> str | None:
    """The input's SHA-256 now; None when it is gone."""
    from .pipeline import policy_sha256, sha256_file

    if name == "policy":
        return policy_sha256(path, str(manifest.get("policy", ""))) or None
    return sha256_file(Path(path)) if path and Path(path).is_file() else None


def _inputs(manifest: dict) -> Check:
    title = "输入文件未改动 / inputs unchanged (SHA-256)"
    files = input_files(manifest)
    if not files:
        return Check(
            "inputs",
            title,
            "fail",
            ("summary.json 未记录输入文件及其散列值 / the manifest records no input file",),
        )
    lines, bad = [], False
    for label, name, path, recorded in files:
        now = _hash_now(name, path, manifest)
        if now is None:
            bad = True
            lines.append(f"✗ {label} {path or '（未记录路径）'}：文件已不存在 / missing")
        elif now != recorded:
            bad = True
            lines.append(
                f"✗ {label} {path}：生成结果后已被修改（记录 {recorded[:12]}…，现为 {now[:12]}…）/ changed since the run"
            )
        else:
            lines.append(f"✓ {label} {path}")
    return Check("inputs", title, "fail" if bad else "pass", tuple(lines))


# ---------------------------------------------------------------- 2.-4. the folder in itself
def _approved_matches(
    table: pd.DataFrame | None,
    csv_problem: str,
    approved: dict | None,
    approved_problem: str,
    batches: dict | None = None,
) -> Check:
    title = "approved.xlsx 与 allocation.csv 的拟支持项目一致 / approved list = funded rows of allocation.csv"
    if table is None or approved is None:
        return Check("approved", title, "fail", tuple(p for p in (csv_problem, approved_problem) if p))
    funded = table[table["award"] > 0]
    expected = {
        a: tuple(int(v) for v in vals)
        for a, *vals in funded[["application_id", *MONEY]].itertuples(index=False)
    }
    lines = _differ("approved.xlsx", approved, expected, "allocation.csv ")
    if batches is not None:
        if "batch" not in table:
            lines.append("allocation.csv 没有 batch 列，无法核对批次 / allocation.csv has no batch column")
        else:
            lines += _batches_differ(
                batches, dict(zip(funded["application_id"], funded["batch"], strict=True)), "allocation.csv "
            )
    return Check("approved", title, "fail" if lines else "pass", _shown(lines))


def _batches_differ(recorded: dict, expected: dict, against: str) -> list[str]:
    """Lines naming each application whose 批次 in approved.xlsx is not what ``against`` says."""
    out = []
    for app in sorted(recorded.keys() & expected.keys()):
        want = expected[app]
        want = int(want) if str(want).strip().isdigit() else want
        if recorded[app] != want:
            out.append(f"approved.xlsx 申报编号 {app} 批次：记录 {recorded[app]}，{against}为 {want}")
    return out


def _differ(file: str, recorded: dict, expected: dict, against: str) -> list[str]:
    """Lines naming each application whose (award, fund cost, co-fund cost) in ``file`` differ from what
    ``against`` says (``expected``), field by field."""
    lines = []
    for app in sorted(expected.keys() - recorded.keys()):
        lines.append(f"{file} 缺少申报编号 {app}（{against}：award {expected[app][0]:,}）/ missing")
    for app in sorted(recorded.keys() - expected.keys()):
        lines.append(
            f"{file} 多出申报编号 {app}（award {_num(recorded[app][0])}；{against}：无此项或未获支持）/ extra"
        )
    for app in sorted(recorded.keys() & expected.keys()):
        for field, got, want in zip(MONEY, recorded[app], expected[app], strict=True):
            if got != want:
                lines.append(f"{file} 申报编号 {app} {field}：记录 {_num(got)}，{against}为 {_num(want)}")
    return lines


def _totals_match(table: pd.DataFrame | None, csv_problem: str, summary: dict) -> Check:
    title = "summary.json 合计与 allocation.csv 一致 / summary.json totals = sums of allocation.csv"
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
                lines.append(f"summary.json {key}：记录 {_num(summary.get(key))}，应为 {want:,}")
    return Check("totals", title, "fail" if lines else "pass", _shown(lines))


def _discretionary(manifest: dict) -> dict:
    """The recorded scenario's discretionary numbers (a split of costs the text leaves open is one)."""
    from .scenario import load_scenario

    try:
        return load_scenario(manifest.get("scenario_file", "")).discretionary
    except (AllocatorError, OSError, ValueError):
        return {}


def _constraints(table: pd.DataFrame | None, csv_problem: str, summary: dict, manifest: dict) -> Check:
    title = "约束校验（上限、资格、分担比例、预算、限额）/ constraints on the recorded awards"
    if table is None:
        return Check("constraints", title, "fail", (csv_problem,))
    from .pipeline import group_caps
    from .policy import load_policy
    from .scenario import Limits
    from .verify import verify

    policy_file = str(manifest.get("policy_file") or manifest.get("policy") or "")
    try:
        policy = load_policy(policy_file if Path(policy_file).is_file() else manifest.get("policy", ""))
    except AllocatorError as exc:
        return Check(
            "constraints",
            title,
            "skip",
            (f"无法读取政策包，未校验 / the policy pack cannot be read: {exc.zh}",),
        )
    policy = policy.for_scenario(_discretionary(manifest))
    shares = {it.id: it.city_share for it in policy.items}
    unknown = sorted(set(table["item"]) - set(shares))
    if unknown:
        return Check(
            "constraints",
            title,
            "fail",
            (f"allocation.csv 中的事项不在政策包中 / unknown items: {', '.join(unknown[:5])}",),
        )
    try:
        lim = summary.get("limits") or {}
        limits = Limits(
            min_award=int(lim.get("min_award") or 0),
            per_enterprise=lim.get("per_enterprise"),
            item_share={k: (float(v[0]), float(v[1])) for k, v in (lim.get("item_share") or {}).items()},
            district_budget={k: int(v) for k, v in (lim.get("district_budget") or {}).items()},
        )
        reserve = int(summary.get("reserve") or 0)
        frame = table.copy()
        for col in ("credit_code", "district"):
            if col not in frame:
                frame[col] = ""
        verify(
            frame,
            shares=shares,
            admin=int(summary["admin"]),
            admin_low=int(summary.get("admin_planned", summary["admin"])),
            admin_high=int(summary.get("admin_limit", summary["admin"])),
            admin_clause=policy.fund.admin_clause if policy.fund.admin_rate is not None else "",
            available=int(summary["available"]) - reserve,
            totals={**summary, "carryover_out": int(summary["carryover_out"]) - reserve},
            limits=limits,
            overrides={
                str(o["application_id"]): int(o["award"])
                for o in summary.get("overrides") or ()
                if isinstance(o.get("award"), int)
            },
            item_floors={it.id: it.floor for it in policy.items if it.floor},
            group_caps=group_caps(policy),
        )
    except VerificationError as exc:
        found = exc.zh.split("：", 1)[-1].split("；")
        return Check("constraints", title, "fail", _shown(found))
    except (KeyError, TypeError, ValueError) as exc:
        return Check(
            "constraints",
            title,
            "fail",
            (f"summary.json 缺少或写错了字段 / a field is missing or wrong: {exc}",),
        )
    return Check("constraints", title, "pass")


# ---------------------------------------------------------------- 5. recomputed
def _recompute(folder: Path, manifest: dict, summary: dict, inputs: Check):
    """(the recomputed result or None, the check)."""
    title = "按记录的输入重新计算，结果一致 / recomputed from the inputs: outputs match"
    if inputs.state != "pass":
        return None, Check(
            "recomputed", title, "skip", ("输入文件缺失或已改动，无法重新计算 / inputs missing or changed",)
        )
    if folder.name.isdigit() and (folder.parent / "plan.json").is_file():
        return None, Check(
            "recomputed",
            title,
            "skip",
            ("多年度计划的年度结果依赖前一年度，请重新运行 allocator plan / a plan year: rerun the plan",),
        )
    try:
        if "released_from" in manifest:
            from .release import released

            result, _ = released(
                manifest["released_from"],
                list(manifest.get("withdrawn") or []),
                manifest.get("release_reason", ""),
            )
        else:
            from .pipeline import result_for

            batch = int(summary.get("batch") or 1)
            approved = manifest.get("approved_from") if batch > 1 else None
            result = result_for(manifest["scenario_file"], batch=batch, approved=approved, report=False)
    except AllocatorError as exc:
        return None, Check("recomputed", title, "fail", (f"无法重新计算 / cannot recompute: {exc.zh}",))
    return result, Check("recomputed", title, *_compare(folder, result, summary))


def _compare(folder: Path, result, summary: dict) -> tuple[str, tuple[str, ...]]:
    t = result.table
    ids = t["application_id"].astype(str).tolist()
    new = {a: (int(w), int(c), int(d)) for a, w, c, d in zip(ids, *(t[m] for m in MONEY), strict=True)}
    status = dict(zip(ids, t["status"].astype(str), strict=True))
    lines: list[str] = []
    table, problem = _csv(folder / "allocation.csv")
    if table is None:
        lines.append(problem)
    else:
        recorded = {
            a: tuple(int(v) for v in vals)
            for a, *vals in table[["application_id", *MONEY]].itertuples(index=False)
        }
        lines += _differ("allocation.csv", recorded, new, "重新计算")
        for app, got in zip(table["application_id"], table["status"], strict=True):
            if app in status and got != status[app]:
                lines.append(f"allocation.csv 申报编号 {app} status：记录 {got}，重新计算为 {status[app]}")
    approved, problem, batches = _approved(folder / "approved.xlsx", int(summary.get("batch") or 1))
    if approved is None:
        lines.append(problem)
    else:
        funded = {a: v for a, v in new.items() if v[0] > 0}
        lines += _differ("approved.xlsx", approved, funded, "重新计算")
        if batches is not None and "batch" in t:
            lines += _batches_differ(batches, dict(zip(ids, t["batch"], strict=True)), "重新计算")
    s = result.summary
    for key in TOTALS:
        want = int(getattr(s, key))
        if summary.get(key) != want:
            lines.append(f"summary.json {key}：记录 {_num(summary.get(key))}，重新计算为 {want:,}")
    return ("fail" if lines else "pass"), _shown(lines)


# ---------------------------------------------------------------- 6. versions
def _versions(manifest: dict, recomputed) -> Check:
    from .pipeline import versions

    title = "软件版本与记录相同 / package and solver versions as recorded"
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
