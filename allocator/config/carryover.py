"""Last year's carryover read from its result: ``carryover_in = "../2016/summary.json"``.

A number in a file that anyone can write funds every application, so the file must be a result of
allocator, and the right one:

1. a regular file of at most :data:`SUMMARY_MAX_BYTES`, UTF-8 JSON (nesting the parser cannot follow
   is refused, not crashed on);
2. shaped as allocator writes it: a ``manifest`` with the policy and its SHA-256, the ``scenario``
   with its year, the fund figures as whole yuan and ``status = "optimal"``;
3. sealed by its folder: the result folder's ``manifest.json``
   (``{"format": "allocator-outputs/1", "files": {"summary.json": "<sha256>", …}}``; for a plan's year,
   the plan folder's, listing ``<year>/summary.json``) holds this file's SHA-256;
4. of the same policy: the policy id and the pack's SHA-256 are this scenario's;
5. of the year before: its scenario year is this year − 1;
6. and the number itself whole yuan with 0 ≤ carryover_out ≤ available and
   carryover_out = available − city_cost − admin, as allocator computes it (and within
   :data:`allocator.config.checks.MONEY_MAX`).

Each refusal names the file and what was expected, in Chinese and English.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from .checks import out_of_range

#: The most bytes read of a summary.json or manifest.json: a real summary.json is some 25 KB (its
#: waitlist is cut to 50 rows), so 16 MiB leaves room for any result and stops a 1 GB file at once.
SUMMARY_MAX_BYTES = 16 * 2**20
#: The ``format`` of a result folder's manifest.json.
OUTPUTS_FORMAT = "allocator-outputs/1"
#: summary.json's fund figures the carryover rests on, each whole yuan.
_WHOLE = ("available", "carryover_out", "city_cost", "admin")

Fail = Callable[[str, str, str], Exception]  # (zh, en, hint) -> the error to raise, located at the key


def carryover_from(path: Path, year: int, policy, fail: Fail) -> int:
    """Last year's ``carryover_out`` from the summary.json at ``path``, for a scenario of ``year`` under
    ``policy``; anything else is ``fail(zh, en, hint)``."""
    say = _Say(path, year, fail)
    raw = _read(path, say)
    summary = say.parse(raw)
    facts = _facts(summary, say)
    _sealed(path, raw, say)
    _same_policy(facts, policy, say)
    if facts["year"] != year - 1:
        say(
            f"是 {facts['year']} 年的结果",
            f"is the result of {facts['year']}",
            f"上年（{year - 1} 年）的结果",
            f"last year's ({year - 1}) result",
        )
    return _amount(facts, say)


class _Say:
    """Refusals about one carryover file: what it is, and what was expected."""

    def __init__(self, path: Path, year: int, fail: Fail) -> None:
        self.path, self.year, self.fail = path, year, fail

    def __call__(self, zh: str, en: str, expected_zh: str = "", expected_en: str = "", hint: str = ""):
        expected_zh = expected_zh or f"上年（{self.year - 1} 年）allocator run 写出的 summary.json"
        expected_en = expected_en or f"the summary.json allocator run wrote for last year ({self.year - 1})"
        hint = hint or (
            "carryover_in 写上年结转的整数元，或上年结果文件夹中 summary.json 的路径 / write last year's "
            "carryover as whole yuan, or the path of summary.json in last year's result folder"
        )
        raise self.fail(
            f"[budget] carryover_in 指向的 {self.path} {zh}；应为{expected_zh}（含 carryover_out）",
            f"[budget] carryover_in file {self.path} {en}; expected {expected_en} (with carryover_out)",
            hint,
        )

    def parse(self, raw: bytes, what: tuple[str, str] = ("", "is ")) -> object:
        """JSON of ``raw``; ``what``: the file it is, as :func:`_read` names it."""
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # not UTF-8, not JSON, a 5000-digit number, nested too deep
            self(f"{what[0]}不是有效的 JSON", f"{what[1]}not valid JSON")


def _read(path: Path, say: _Say, what: tuple[str, str] = ("", "")) -> bytes:
    """At most :data:`SUMMARY_MAX_BYTES` of a regular file (never a folder, device or pipe). ``what``:
    the file, when it is not the carryover file itself (``旁的 …/manifest.json``, ``has a … that``)."""
    if not path.exists():
        say(f"{what[0]}不存在", f"{what[1]}does not exist")
    if not path.is_file():
        say(f"{what[0]}不是文件（是文件夹或设备）", f"{what[1]}is not a file (a folder or a device)")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(SUMMARY_MAX_BYTES + 1)
    except OSError as exc:
        say(f"{what[0]}无法读取：{exc.strerror}", f"{what[1]}cannot be read: {exc.strerror}")
    if len(raw) > SUMMARY_MAX_BYTES:
        mib = SUMMARY_MAX_BYTES >> 20
        say(
            f"{what[0]}超过 {mib} MB，不是 allocator 写出的文件",
            f"{what[1]}is over {mib} MiB: not a file allocator writes",
        )
    return raw


def _facts(summary: object, say: _Say) -> dict:
    """The figures the carryover rests on, each of the type allocator writes; else a refusal."""

    def lacks(key: str, kind_zh: str, kind_en: str):
        say(
            f"不是 allocator 写出的结果：缺少 {key}（{kind_zh}）或类型不对",
            f"is not a result of allocator: {key} ({kind_en}) is missing or of the wrong type",
        )

    if not isinstance(summary, dict):
        lacks("summary", "JSON 对象", "a JSON object")
    manifest = summary.get("manifest")
    if not isinstance(manifest, dict):
        lacks("manifest", "运行清单：政策包及其 SHA-256", "the run's manifest: policy and its SHA-256")
    for key in ("policy", "policy_sha256"):
        if not isinstance(manifest.get(key), str):
            lacks(f"manifest.{key}", "文字", "text")
    scenario = summary.get("scenario")
    year = scenario.get("year") if isinstance(scenario, dict) else None
    if isinstance(year, bool) or not isinstance(year, int):
        lacks("scenario.year", "方案年度，整数", "the scenario's year, whole")
    for key in _WHOLE:
        value = summary.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            lacks(key, "整数元", "whole yuan")
    if summary.get("status") != "optimal":
        say(
            f"的 status 为 {summary.get('status')!r}，不是已证明最优的分配结果",
            f"has status {summary.get('status')!r}, not a proven optimal allocation",
        )
    facts = {key: summary[key] for key in _WHOLE}
    return facts | {"year": year, "policy": manifest["policy"], "policy_sha256": manifest["policy_sha256"]}


def _sealed(path: Path, raw: bytes, say: _Say) -> None:
    """The result folder's manifest.json lists this file with its SHA-256 (a plan's year: the plan's)."""
    folder = path.parent
    own = folder / "manifest.json"
    parent = folder.parent / "manifest.json"
    if own.is_file():
        where, key = own, path.name
    elif parent.is_file() and f"{folder.name}/{path.name}" in _files(parent, say):
        where, key = parent, f"{folder.name}/{path.name}"
    else:
        say(
            "所在文件夹没有 manifest.json：不是完整的结果文件夹，或由旧版本写出",
            "has no manifest.json beside it: not a complete result folder, or written by an older version",
            hint=(
                "用当前版本重新运行上年方案（allocator run），或把上年结转写成整数元：carryover_in = 1_234_567 / "
                "run last year's scenario again with this version, or give the carryover as whole yuan"
            ),
        )
    files = _files(where, say)
    entry = files.get(key)
    entry = entry.get("sha256") if isinstance(entry, dict) else entry
    if not isinstance(entry, str):
        say(f"未列在 {where} 中", f"is not listed in {where}")
    if entry.lower() != hashlib.sha256(raw).hexdigest():
        say(
            f"与 {where} 记录的 SHA-256 不符（结果写出后被修改过）",
            f"does not match the SHA-256 recorded in {where} (changed after it was written)",
            hint="用上年方案重新运行，得到未经修改的结果 / run last year's scenario again for an unchanged result",
        )


def _files(manifest_path: Path, say: _Say) -> dict:
    """``files`` of a result folder's manifest.json (file → SHA-256)."""
    what = (f"旁的 {manifest_path} ", f"has a {manifest_path} that ")
    data = say.parse(_read(manifest_path, say, what), (what[0], f"{what[1]}is "))
    if (
        not isinstance(data, dict)
        or data.get("format") != OUTPUTS_FORMAT
        or not isinstance(data.get("files"), dict)
    ):
        say(
            f"旁的 {manifest_path} 不是 {OUTPUTS_FORMAT} 格式的结果清单",
            f"has a {manifest_path} that is not an {OUTPUTS_FORMAT} manifest",
        )
    return data["files"]


def _same_policy(facts: dict, policy, say: _Say) -> None:
    from ..policy.pack import policy_sha256

    if facts["policy"] != policy.id:
        say(
            f"按政策包 {facts['policy']} 计算，本方案的政策包为 {policy.id}",
            f"was computed under policy {facts['policy']}, this scenario's is {policy.id}",
            f"上年按政策包 {policy.id} 计算的结果",
            f"last year's result under policy {policy.id}",
        )
    ours = policy_sha256(policy.path, policy.id)
    if facts["policy_sha256"].lower() != ours:
        say(
            f"所用政策包 {policy.id} 的内容与本方案的不同（SHA-256 {facts['policy_sha256'][:12]}…，"
            f"本方案 {ours[:12]}…）",
            f"was computed under a different text of policy {policy.id} "
            f"(SHA-256 {facts['policy_sha256'][:12]}…, this scenario's {ours[:12]}…)",
            "上年按同一政策包文本计算的结果",
            f"last year's result under the same text of policy {policy.id}",
        )


def _amount(facts: dict, say: _Say) -> int:
    """carryover_out: in the range of money, at most available, and what allocator computes
    (available − city cost − admin)."""
    carry, available = facts["carryover_out"], facts["available"]
    refusal = out_of_range(("budget", "carryover_in"), carry, "carryover_out")
    if refusal is not None:
        say(f"中 {refusal.zh}", f"says: {refusal.en}")
    if carry > available:
        say(
            f"的 carryover_out {carry:,} 超过当年可用资金 {available:,} 元",
            f"has carryover_out {carry:,}, above that year's available {available:,}",
        )
    spent = available - facts["city_cost"] - facts["admin"]
    if carry != spent:
        say(
            f"的 carryover_out {carry:,} 不等于可用资金 − 市级支出 − 管理费用 = {spent:,} 元",
            f"has carryover_out {carry:,}, not available − city cost − admin = {spent:,}",
        )
    return carry
