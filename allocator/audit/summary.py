"""summary.json read for ``allocator verify``: every field the checks use has the type allocator writes.

A field of the wrong type (text where a number is, a list where an object is, null, a whole number outside
int64, a non-finite number) is named with what it holds and what was expected, and left out, so that the
checks that need it say it is missing instead of failing on it. JSON that cannot be read at all (not
UTF-8, not JSON, nested deeper than Python can follow, a number of thousands of digits) is refused by the
reader (:meth:`allocator.store.folder.ResultFolder.summary`), naming the file.
"""

from __future__ import annotations

import json
import math

from ..store.folder import json_kind

#: Whole numbers (yuan, counts) allocator writes, each within int64.
INTS = (
    "annual_fund",
    "carryover_in",
    "available",
    "admin",
    "awarded",
    "city_cost",
    "district_cost",
    "carryover_out",
    "applications",
    "funded",
    "eligible",
    "requested_total",
    "admin_planned",
    "admin_limit",
    "reserve",
    "batch",
    "commitments_in",
    "waitlist_total",
    "ledger_total",
)
NUMBERS = ("value", "shadow_price")
TEXTS = ("status", "rule", "rule_zh")
DICTS = ("batches", "scenario", "solver", "limits", "manifest")
MAYBE_DICTS = ("next_million", "comparison")
LISTS = ("overrides", "waitlist")
MANIFEST_TEXTS = ("policy", "approved_from", "released_from", "release_reason", "scenario_name")
INT64 = 2**63


def well_formed(summary: dict) -> tuple[dict, list[str]]:
    """(``summary`` without the fields of a wrong type, a line for each of them)."""
    out = dict(summary)
    lines: list[str] = []

    def bad(key: str, value: object, zh: str, en: str) -> None:
        kind_zh, kind_en = json_kind(value)
        lines.append(
            f"summary.json 字段 {key}：应为{zh}，记录为 {_shown(value)}（{kind_zh}）"
            f" / field {key}: expected {en}, found {kind_en} {_shown(value)}"
        )

    for key, value in summary.items():
        if key in INTS and not _int(value, low=1 if key == "batch" else -INT64):
            bad(
                key,
                value,
                "整数" + ("（≥1）" if key == "batch" else "（int64 范围内）"),
                "a whole number in int64",
            )
        elif key in NUMBERS and not _finite(value):
            bad(key, value, "有限的数", "a finite number")
        elif key in TEXTS and not isinstance(value, str):
            bad(key, value, "文字", "text")
        elif key in DICTS and not isinstance(value, dict):
            bad(key, value, "对象（{…}）", "an object")
        elif key in MAYBE_DICTS and value is not None and not isinstance(value, dict):
            bad(key, value, "对象或 null", "an object or null")
        elif key in LISTS and not isinstance(value, list):
            bad(key, value, "列表（[…]）", "a list")
        else:
            continue
        del out[key]
    for key, check in (("manifest", _manifest), ("limits", _limits), ("solver", _solver)):
        if isinstance(out.get(key), dict):
            out[key] = check(out[key], bad)
    if isinstance(out.get("overrides"), list):
        kept = [
            o for o in out["overrides"] if isinstance(o, dict) and isinstance(o.get("application_id"), str)
        ]
        if len(kept) != len(out["overrides"]):
            bad(
                "overrides[]",
                out["overrides"],
                "每项为含 application_id 的对象",
                "objects with an application_id",
            )
            out["overrides"] = kept
    return out, lines


def _manifest(m: dict, bad) -> dict:
    m = dict(m)
    for key, value in list(m.items()):
        texty = key.endswith(("_file", "_sha256")) or key in MANIFEST_TEXTS
        if texty and not isinstance(value, str):
            bad(f"manifest.{key}", value, "文字", "text")
            del m[key]
        elif key == "versions" and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            bad("manifest.versions", value, "对象（包名 → 版本文字）", "an object of version strings")
            del m[key]
        elif key == "withdrawn" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            bad("manifest.withdrawn", value, "申报编号的列表", "a list of application ids")
            del m[key]
        elif key == "solver" and not isinstance(value, dict):
            bad("manifest.solver", value, "对象", "an object")
            del m[key]
    return m


def _limits(lim: dict, bad) -> dict:
    lim = dict(lim)
    for key in ("min_award", "per_enterprise"):
        if key in lim and lim[key] is not None and not _int(lim[key], low=0):
            bad(f"limits.{key}", lim.pop(key), "非负整数或 null", "a non-negative whole number or null")
    share = lim.get("item_share")
    if share is not None and not (
        isinstance(share, dict)
        and all(isinstance(v, list) and len(v) == 2 and all(_finite(x) for x in v) for v in share.values())
    ):
        bad(
            "limits.item_share",
            lim.pop("item_share"),
            "对象（事项 → [下限, 上限]）",
            "an object of [low, high]",
        )
    budget = lim.get("district_budget")
    if budget is not None and not (isinstance(budget, dict) and all(_int(v, 0) for v in budget.values())):
        bad("limits.district_budget", lim.pop("district_budget"), "对象（区 → 整数元）", "an object of yuan")
    return lim


def _solver(sv: dict, bad) -> dict:
    sv = dict(sv)
    if "seconds" in sv and not (_finite(sv["seconds"]) and sv["seconds"] >= 0):
        bad("solver.seconds", sv.pop("seconds"), "非负的数", "a non-negative number")
    for key in ("name", "version", "status", "rule"):
        if key in sv and not isinstance(sv[key], str):
            bad(f"solver.{key}", sv.pop(key), "文字", "text")
    return sv


def _int(value: object, low: int = -INT64) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value < INT64


def _finite(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) < 1e300
        and math.isfinite(float(value))
    )


def _shown(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= INT64:
        return f"{value}"[:40]
    text = json.dumps(value, ensure_ascii=False)[:60] if isinstance(value, list | dict) else repr(value)
    return text if len(text) < 60 else text[:57] + "…"
