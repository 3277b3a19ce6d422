"""The keys a scenario file may have, table by table; an unknown one is refused at its line with the nearest
known key, in Chinese and English."""

from __future__ import annotations

import difflib

from ..core.errors import ScenarioError
from .checks import key_name
from .toml_text import TomlText

KNOWN = {
    "scenario": {"name", "policy", "year", "applications", "description", "approval_date"},
    "budget": {
        "annual_fund",
        "carryover_in",
        "admin_fixed",
        "admin_per_application",
        "reserve_for_later_batches",
    },
    "objective": {"rule", "default_score", "weights", "priority"},
    "limits": {"min_award", "per_enterprise", "item_share", "district_budget"},
    "override": None,  # [[override]] application_id, award, reason
    "discretionary": None,  # item id -> {param: number, note: text}
    "solver": {"name", "time_limit", "mip_gap"},
    "output": {"lists"},
}


#: keys that must be text, and sub-tables that must be tables
TEXT_KEYS = {"scenario": ("name", "policy", "applications", "description")}


SUBTABLES = {"objective": ("weights", "priority"), "limits": ("item_share", "district_budget")}


def check_shape(text: TomlText, data: dict) -> None:
    """Unknown tables and keys; a table, or text, where something else is written."""
    for table, value in data.items():
        if table not in KNOWN:
            raise unknown_keys(text, (), [table], list(KNOWN), isinstance(value, dict))
        if table == "override":
            continue  # [[override]] entries are checked one by one
        if not isinstance(value, dict):
            hint = f"写成表头 [{table}]，其下逐行写 键 = 值 / write [{table}] with key = value lines below it"
            raise text.wrong((table,), value, "表", "a table", hint)
        known = KNOWN[table]
        extra = [key for key in value if known is not None and key not in known]
        if extra:
            raise unknown_keys(text, (table,), extra, sorted(known or ()), True)
        for key in SUBTABLES.get(table, ()):
            if key in value and not isinstance(value[key], dict):
                raise text.wrong((table, key), value[key], "表", "a table", f"[{table}.{key}]")
        for key in TEXT_KEYS.get(table, ()):
            if key in value and not isinstance(value[key], str):
                raise text.wrong(
                    (table, key), value[key], "文字（加引号）", "text (in quotes)", EXAMPLE.get(key, "")
                )


def unknown_keys(
    text: TomlText, at: tuple, keys: list[str], known: list[str], is_table: bool
) -> ScenarioError:
    """Unknown key(s) in the table ``at`` (``()``: at the top), with where each belongs or the nearest."""
    key = keys[0]
    home = next((t for t, ks in KNOWN.items() if ks and key in ks), None)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hints = []
    if at and key in KNOWN:
        hints.append(f"{key} 是表名：写成表头 [{key}] / {key} is a table: write it as a [{key}] header")
    elif home is not None and (not at or home != at[0]):
        hints.append(f"{key} 应写在 [{home}] 表中 / {key} belongs in [{home}]")
    elif close:
        hints.append(f"是否应为 / did you mean: {close[0]}")
    hints.append(f"可用 / known: {', '.join(known)}")
    hint = "；".join(hints)
    if at:
        shown, listed = "、".join(keys), ", ".join(map(repr, keys))
        table = key_name(at)
        return text.fail(
            (*at, key), f"{table} 中有未知的键 {shown}", f"unknown key(s) {listed} in {table}", hint
        )
    if is_table:
        return text.fail((key,), f"未知的表 [{key}]", f"unknown table [{key}]", hint)
    zh, en = f"键 {key} 不在任何表中（应写在某个 [表] 之下）", f"key {key!r} is outside any table"
    return text.fail((key,), zh, en, hint)


EXAMPLE = {
    "policy": 'policy = "changchun-2017"',
    "applications": 'applications = "data/applications.xlsx"',
    "year": "year = 2017",
    "annual_fund": "annual_fund = 20_000_000",
}


ADD_BUDGET = (
    "在文件中加入 / add to the file:\n    [budget]\n"
    f"    {EXAMPLE['annual_fund']}    # 年度专项资金（元）/ the year's fund, in yuan"
)
