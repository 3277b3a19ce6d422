"""``allocator verify``'s check 3: every input the manifest records (``<input>_file`` with ``<input>_sha256``:
the scenario, the applications with their 人员名单 sheet, the policy pack, last year's summary.json, an earlier
batch's approved.xlsx, a release's earlier result) hashed again; changed or missing is drift."""

from __future__ import annotations

from pathlib import Path

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
    from ..core.provenance import sha256_file
    from ..policy.pack import policy_sha256

    if name == "policy":
        return policy_sha256(path, str(manifest.get("policy", ""))) or None
    return sha256_file(Path(path)) if path and Path(path).is_file() else None


def inputs(manifest: dict) -> tuple[str, tuple[str, ...]]:
    """(state, lines) of the check."""
    files = input_files(manifest)
    if not files:
        return "fail", ("summary.json 未记录输入文件及其散列值 / the manifest records no input file",)
    lines, bad = [], False
    if "scenario_file" not in manifest or "scenario_sha256" not in manifest:
        bad = True
        lines.append(
            "✗ summary.json 的 manifest 未记录方案文件及其散列值 / the manifest records no scenario file"
        )
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
    return ("fail" if bad else "pass"), tuple(lines)
