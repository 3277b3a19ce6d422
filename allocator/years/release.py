"""Released money (公示 objections, withdrawals) goes to the waitlist, and nothing else changes.

``allocator release DIR --withdrawn A0012,A0044 --reason …`` reads a result folder, checks that its
scenario and applications are unchanged (the manifest's hashes), takes the withdrawn awards back,
and gives the released city money down the earlier waitlist in rank order (依次递补), each rank up to its
published ``next_award``, every limit kept (:func:`allocator.allocation.backfill.spend`, the walk the waitlist itself
was computed by); every other award stays to the yuan. The result is then explained and verified like any
allocation, every award fixed. The new result is written beside
the old one, dated, with ``release.json`` saying what was taken back and who received it; the new folder
is staged and moved into place whole, like every output (:func:`~allocator.outputs.staged`).

:func:`released` computes the same without writing (``allocator verify`` recomputes a release with it). The
new manifest records the earlier result's files it read (``release_<file>_file`` / ``_sha256``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..allocation.allocate import allocate
from ..allocation.backfill import spend
from ..allocation.evaluate import caps
from ..allocation.explain import share_of_cap
from ..allocation.rounding import city_cost
from ..config.scenario import load_scenario
from ..core.errors import OutputError, ScenarioError
from ..core.provenance import sha256_file, versions
from ..core.result import AllocationResult, Fixed
from ..intake.read import read_applications
from ..policy.pack import load_policy

#: The earlier result's files a release reads, recorded in the new manifest with their SHA-256.
READS = {"summary": "summary.json", "allocation": "allocation.csv", "waitlist": "waitlist.csv"}


def release(
    result_dir: str | Path, withdrawn: list[str], reason: str = ""
) -> tuple[AllocationResult, list[Path]]:
    """Take ``withdrawn`` back, give the money to the waitlist, write the result into a new dated folder
    beside ``result_dir``; returns the result and the paths written (release.json last)."""
    from ..outputs import install, staged, write_all

    folder = Path(result_dir)
    result, info = released(folder, withdrawn, reason)
    target = _dated(folder)
    try:
        with staged(target) as staging:
            relative = write_all(result, staging)[1]
            text = json.dumps(info, ensure_ascii=False, indent=2)
            (staging / "release.json").write_text(text, encoding="utf-8")
            paths = install(staging, [*relative, Path("release.json")], target)
    except OutputError as exc:
        _unreserve(target)
        if "--force" in f"{exc.zh}{exc.en}{exc.hint}":  # the install's advice for run and plan, not here
            raise _not_replaced(target) from None
        raise
    except BaseException:
        _unreserve(target)
        raise
    # release.json last, as promised (the publishing lists manifest.json, written after it, last)
    return result, [*(p for p in paths if p.name != "release.json"), target / "release.json"]


def released(result_dir: str | Path, withdrawn: list[str], reason: str = "") -> tuple[AllocationResult, dict]:
    """The release's result and release.json's content, nothing written."""
    folder = Path(result_dir)
    summary = _json(folder / "summary.json")
    manifest = summary.get("manifest") or {}
    scenario_path = Path(manifest.get("scenario_file", ""))
    if not scenario_path.is_file():
        raise ScenarioError(
            f"{folder} 的 summary.json 未记录可用的方案文件", f"{folder}/summary.json names no scenario file"
        )
    if sha256_file(scenario_path) != manifest.get("scenario_sha256"):
        raise ScenarioError(
            f"方案文件 {scenario_path} 在该结果生成后已被修改，不能据此收回再分配",
            f"{scenario_path} changed since {folder} was written; rerun the allocation first",
        )
    scenario = load_scenario(scenario_path)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    apps = read_applications(scenario.applications, policy)
    if apps.sha256 != manifest.get("applications_sha256"):
        raise ScenarioError(
            f"申报数据 {scenario.applications} 在该结果生成后已被修改，不能据此收回再分配",
            f"{scenario.applications} changed since {folder} was written; rerun the allocation first",
        )
    from ..outputs.tables import csv_unquote  # the ' before text that starts like a formula

    old = pd.read_csv(
        folder / "allocation.csv", dtype={"application_id": str, "credit_code": str}, encoding="utf-8-sig"
    )
    for col in ("application_id", "reason"):
        old[col] = csv_unquote(old[col].astype("string")).astype(object)
    waitlist = pd.read_csv(folder / "waitlist.csv", dtype={"application_id": str}, encoding="utf-8-sig")
    waitlist["application_id"] = csv_unquote(waitlist["application_id"].astype("string")).astype(object)
    waitlist = waitlist.sort_values("rank", kind="stable").reset_index(drop=True)
    awards = dict(zip(old["application_id"], old["award"].astype(int), strict=True))
    reasons = dict(zip(old["application_id"], old["reason"].fillna(""), strict=True))
    unknown = [a for a in withdrawn if a not in awards]
    empty = [a for a in withdrawn if a in awards and awards[a] == 0]
    if unknown or empty or not withdrawn:
        raise ScenarioError(
            f"收回的申报编号有误：不存在 {unknown or '无'}；未获支持无可收回 {empty or '无'}",
            f"--withdrawn: unknown {unknown}, nothing to take back from {empty}",
        )
    note = f"已收回（{reason or '撤回或公示异议'}）"
    money = int(old.loc[old["application_id"].isin(withdrawn), "city_cost"].sum())
    given = _given(scenario, policy, apps.frame, awards, waitlist, withdrawn, money)
    overridden = {o.application_id for o in scenario.overrides}
    fixed = {a: Fixed(0, note, "withdrawn") for a in withdrawn}
    for k, app in enumerate(given["application_id"]):
        if app not in fixed and app not in overridden:
            amount, gain = awards[app] + int(given["given"].iat[k]), int(given["given"].iat[k])
            says = _refill_note(given.iloc[k], amount, reason) if gain else reasons[app]
            fixed[app] = Fixed(amount, says, "refill")
    for app, amount in awards.items():  # every other award stays as it was, to the yuan
        if app not in fixed and app not in overridden:
            fixed[app] = Fixed(amount, reasons[app], "kept")
    spent = int(given["given_city_cost"].sum())
    # only the released money may be spent: what was left over before, and what the waitlist could not
    # take, stays where it was
    kept_back = replace(scenario, reserve=int(summary["carryover_out"]) + money - spent)
    batch = int(summary.get("batch", 1))
    new_manifest = {
        **manifest,
        "released_from": str(folder.resolve()),
        "withdrawn": list(withdrawn),
        "release_reason": reason,
    }
    for key, name in READS.items():
        new_manifest[f"release_{key}_file"] = str((folder / name).resolve())
        new_manifest[f"release_{key}_sha256"] = sha256_file(folder / name)
    new_manifest.update(
        versions=versions(),
        command=" ".join(sys.argv) if sys.argv else "",
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    result = allocate(kept_back, policy, apps.frame, manifest=new_manifest, fixed=fixed, batch=batch)
    after = dict(zip(result.table["application_id"], result.table["award"].astype(int), strict=True))
    wrong = [a for a, f in fixed.items() if after.get(a) != f.amount]
    if wrong:  # the walk and the verified result must be the same numbers
        raise RuntimeError(
            f"递补结果与候补名单不一致：{wrong[:5]} / the release does not match the waitlist's walk"
        )
    changed = _changes(old, result.table)
    info = {
        "released_from": str(folder),
        "withdrawn": list(withdrawn),
        "reason": reason,
        "released_city_cost": money,
        "given_city_cost": spent,
        "changed": changed.to_dict("records"),
        "waitlist": given[given["given"] > 0].to_dict("records"),
    }
    return result, info


def _given(scenario, policy, applications, awards: dict, waitlist: pd.DataFrame, withdrawn, money: int):
    """The earlier waitlist's ranks, each with what it is given from ``money`` released city yuan: down the
    list in rank order, each up to its published ``next_award`` (:func:`allocator.allocation.backfill.spend`)."""
    frame = caps(applications, policy.for_scenario(scenario.discretionary), scenario).frame
    ids = frame["application_id"].to_numpy()
    award = np.array([awards.get(a, 0) for a in ids], dtype=np.int64)
    award[np.isin(ids, list(withdrawn))] = 0
    waiting = waitlist[~waitlist["application_id"].isin(withdrawn)].reset_index(drop=True)
    rows = pd.Index(ids).get_indexer(waiting["application_id"])
    if (rows < 0).any():
        missing = waiting["application_id"][rows < 0].tolist()[:5]
        raise ScenarioError(
            f"候补名单中的申报 {missing} 不在申报数据中",
            f"waitlist.csv names {missing}, not in the applications",
        )
    nexts = waiting["next_award"].to_numpy(dtype=np.int64)
    gain = spend(frame, award, rows, nexts, money, scenario.limits)
    num, den = frame["share_num"].to_numpy()[rows], frame["share_den"].to_numpy()[rows]
    out = waiting[["rank", "application_id", "cap", "award", "next_award"]].astype(
        {"rank": int, "cap": int, "award": int, "next_award": int}
    )
    out["given"] = gain
    cost = city_cost(award[rows] + gain, num, den) - city_cost(award[rows], num, den)
    out["given_city_cost"] = cost.astype(np.int64)
    return out


def _refill_note(row, amount: int, reason: str) -> str:
    """候补递补：按候补名单第 1 名递补 862,850 元（公示期异议成立，释放资金），现获核定上限 964,000 元的 100%."""
    return (
        f"候补递补：按候补名单第 {int(row['rank'])} 名递补 {int(row['given']):,} 元"
        f"（{reason or '撤回或公示异议'}，释放资金），{share_of_cap(amount, int(row['cap']))}"
    )


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise ScenarioError(
            f"{path} 不存在或不是有效的 summary.json", f"{path} is missing or not a summary.json"
        ) from None


def _dated(folder: Path) -> Path:
    """A new folder beside ``folder``, ``<name>-release-<time>`` (``-2``, ``-3`` … when taken), made here
    so that two releases at the same second never write into one folder."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        target = folder.parent / f"{folder.name}-release-{stamp}{f'-{n}' if n > 1 else ''}"
        try:
            target.mkdir()
            return target
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise OutputError(
                f"无法在 {folder.parent} 中建立收回结果目录 {target.name}：{exc}",
                f"cannot make the release's folder {target} beside {folder}: {exc}",
                "确认该目录可写、磁盘有空间 / check that the folder is writable and the disk has room",
            ) from None


def _unreserve(target: Path) -> None:
    """Remove the release's folder made by :func:`_dated` if nothing was written into it."""
    try:
        target.rmdir()
    except OSError:
        pass


def _not_replaced(target: Path) -> OutputError:
    """A release never replaces anything (it writes a new folder, so it has no ``--force``): the install
    refused because another result is already in ``target``."""
    return OutputError(
        f"收回结果目录 {target} 中已有另一份不同的拟支持名单（可能同时进行了另一次收回），"
        "未写出任何文件，原有结果均未改动",
        f"the release's folder {target} already holds another, different approved list (another release at"
        " the same time?); nothing was written, every earlier result is as it was",
        "release 不替换任何文件，也没有 --force：请重新运行 allocator release，新结果会写入另一个带时间的新目录；"
        "不需要的收回结果目录可手工删除 / release never replaces a file and has no --force: run allocator "
        "release again, it writes into another new dated folder; remove a release folder you do not want by hand",
    )


def _changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    both = old[["application_id", "award", "city_cost"]].merge(
        new[["application_id", "award", "city_cost"]], on="application_id", suffixes=("_before", "_after")
    )
    both = both[both["award_before"] != both["award_after"]].copy()
    both["award_change"] = both["award_after"] - both["award_before"]
    both["city_cost_change"] = both["city_cost_after"] - both["city_cost_before"]
    return both.astype({c: int for c in both.columns if c != "application_id"}).reset_index(drop=True)
