"""Released money (公示 objections, withdrawals) goes to the waitlist, and nothing else changes.

``allocator release DIR --withdrawn A0012,A0044 --reason …`` reads a result folder, checks that its
scenario and applications are unchanged (the manifest's hashes), takes the withdrawn awards back,
and gives the released city money down the earlier waitlist in rank order (依次递补), each rank up to its
published ``next_award``, every limit kept (:func:`allocator.allocation.backfill.spend`, the walk the waitlist itself
was computed by); every other award stays to the yuan. The result is then explained and verified like any
allocation, every award fixed. The new result is written beside
the old one, dated, with ``release.json`` saying what was taken back and who received it; the new folder
is staged and moved into place whole, like every output (:func:`allocator.app.release.release` writes it).

:func:`released` computes the result and what release.json says, nothing written (``allocator verify``
recomputes a release with it). The new manifest records the earlier result's files it read (``release_<file>_file`` / ``_sha256``).
"""

from __future__ import annotations

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
from ..core.errors import ScenarioError
from ..core.provenance import sha256_file, versions
from ..core.result import AllocationResult, Fixed
from ..intake.read import read_applications
from ..policy.pack import load_policy
from ..store.folder import ResultFolder

#: The earlier result's files a release reads, recorded in the new manifest with their SHA-256.
READS = {"summary": "summary.json", "allocation": "allocation.csv", "waitlist": "waitlist.csv"}


def released(result_dir: str | Path, withdrawn: list[str], reason: str = "") -> tuple[AllocationResult, dict]:
    """The release's result and release.json's content, nothing written."""
    folder = Path(result_dir)
    store = ResultFolder(folder)
    summary = store.summary()
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
    old = store.allocation()
    waitlist = store.waitlist()
    awards = dict(zip(old["application_id"], old["award"].tolist(), strict=True))
    reasons = dict(zip(old["application_id"], old["reason"], strict=True))
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
    new_manifest = _manifest(folder, manifest, withdrawn, reason)
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


def _manifest(folder: Path, manifest: dict, withdrawn: list[str], reason: str) -> dict:
    """The earlier result's manifest, with what was taken back and why, the files the release read (their
    SHA-256), and this run's versions, command and time."""
    new = {
        **manifest,
        "released_from": str(folder.resolve()),
        "withdrawn": list(withdrawn),
        "release_reason": reason,
    }
    for key, name in READS.items():
        new[f"release_{key}_file"] = str((folder / name).resolve())
        new[f"release_{key}_sha256"] = sha256_file(folder / name)
    new.update(
        versions=versions(),
        command=" ".join(sys.argv) if sys.argv else "",
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    return new


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


def _changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    both = old[["application_id", "award", "city_cost"]].merge(
        new[["application_id", "award", "city_cost"]], on="application_id", suffixes=("_before", "_after")
    )
    both = both[both["award_before"] != both["award_after"]].copy()
    both["award_change"] = both["award_after"] - both["award_before"]
    both["city_cost_change"] = both["city_cost_after"] - both["city_cost_before"]
    return both.astype({c: int for c in both.columns if c != "application_id"}).reset_index(drop=True)
