"""The messages of ``allocator policy check`` (:mod:`allocator.policy_check`), in Chinese and English."""

from __future__ import annotations

# code -> (中文, English): {names} come from the problem's keywords; lists are joined with 、 or ", ".
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_table": ("未知的表 [{key}]（可用：{allowed}）", "unknown table [{key}] (allowed: {allowed})"),
    "unknown_key": ("未知的键 {key!r}（可用：{allowed}）", "unknown key {key!r} (allowed: {allowed})"),
    "missing_table": ("缺少 [{key}] 表", "the [{key}] table is missing"),
    "required": ("缺少必填的键 {key}", "{key} is required"),
    "not_table": ("{key} 须为表", "{key} must be a table"),
    "not_array": ("{key} 须写成 [[{key}]] 表数组", "{key} must be an array of tables, [[{key}]]"),
    "text": ("{key} 须为文字（加引号）", "{key} must be text (in quotes)"),
    "number": (
        "{key} 须为非负数字（不加引号，如 2_000_000），现为 {value!r}",
        "{key} must be a number ≥ 0 (no quotes, e.g. 2_000_000), not {value!r}",
    ),
    "whole": ("{key} 须为非负整数，现为 {value!r}", "{key} must be a whole number ≥ 0, not {value!r}"),
    "levels": (
        '分担层级 levels 须为不重复的名称列表，如 ["city", "district"]',
        'levels must be a list of distinct names, e.g. ["city", "district"]',
    ),
    "level_names": (
        "level_names 须为表，键取自 levels（{levels}）",
        "level_names must be a table keyed by levels ({levels})",
    ),
    "regions": (
        'regions 须为地区名称列表，如 ["朝阳区", "高新区"]',
        'regions must be a list of names, e.g. ["朝阳区"]',
    ),
    "sample_regions": (
        "sample_regions 须取自 regions（示例数据所用的地区）",
        "sample_regions must be names listed in regions",
    ),
    "once_per": (
        'once_per 须为申报表字段名列表，如 ["credit_code"]（每户每年只可申报一次）',
        'once_per must be a list of intake field names, e.g. ["credit_code"] (once a year per firm)',
    ),
    "admin_rate": (
        "admin_rate 须为 0–1 之间的数字，如 0.01",
        "admin_rate must be a number from 0 to 1, e.g. 0.01",
    ),
    "no_clause": ("引用的条款（{no}）不在 [[clauses]] 中", "clause {no!r} is not listed in [[clauses]]"),
    "dup_clause": ("条款（{no}）重复列出", "clause {no!r} is listed twice"),
    "clause_kind": ("条款类型 kind 须为 {allowed} 之一", "kind must be one of {allowed}"),
    "gap": (
        '条款（{no}）的 kind 为 "items"，但没有事项实现它：补上事项，或改为 "fund" / "non-monetary"',
        'clause {no} is of kind "items" but no item implements it: add one, or mark it "fund" or "non-monetary"',
    ),
    "field_key": (
        "key 须为英文标识符（字母、数字、下划线），且不与标准字段重名",
        "key must be an identifier (letters, digits, _) not already in the data dictionary",
    ),
    "dup_field": ("字段 {key} 重复声明", "field {key} is declared twice"),
    "field_kind": ("字段类型 kind 须为 {allowed} 之一", "kind must be one of {allowed}"),
    "dup_item": ("事项编号 {key} 重复", "item id {key} is used twice"),
    "params": ('params 须为表：参数名 = "含义"', 'params must be a table: name = "meaning"'),
    "param_name": ("参数名须为英文标识符（字母、数字、下划线）", "a parameter name must be an identifier"),
    "conditions": (
        'conditions 须为列表：[{{ when = "…", says = "…" }}, …]',
        'conditions must be a list: [{{ when = "…", says = "…" }}, …]',
    ),
    "condition": ('条件须写成 {{ when = "…", says = "…" }}', 'a condition is {{ when = "…", says = "…" }}'),
    "expr_type": ("表达式须为文字", "an expression must be text"),
    "expr": ("{zh}", "{en}"),
    "floor_cap": (
        "下限 floor {floor:,} 高于上限 cap {cap:,}：没有金额能同时满足",
        "floor {floor:,} is above cap {cap:,}: no award can meet both",
    ),
    "shares": (
        "分担比例 shares 须为表，值为 0–1 的数字，如 {{ {level} = 1 }}",
        "shares must be a table of numbers from 0 to 1, e.g. {{ {level} = 1 }}",
    ),
    "share_levels": (
        "分担层级 {unknown} 不在 [policy] levels（{levels}）中",
        "level(s) {unknown} are not in [policy] levels ({levels})",
    ),
    "share_sum": (
        "各级分担比例合计须为 1（现为 {total:g}）",
        "shares must add up to 1 (they add up to {total:g})",
    ),
    "discretionary": ("discretionary 须为 true 或 false", "discretionary must be true or false"),
    "param_spec": (
        '参数须写成 "含义" 或 {{ says = "…", kind = "share|yuan|rate|number", min = …, max = … }}：{why}',
        'a parameter is "meaning" or {{ says = "…", kind = "share|yuan|rate|number", min = …, max = … }}: {why}',
    ),
    "shares_scenario": (
        'shares = "scenario" 需要 [policy] levels 至少两级（现为 {levels}）',
        'shares = "scenario" needs two or more [policy] levels (got {levels})',
    ),
    "cap_per": (
        'cap_per 须为申报表字段名列表，如 ["credit_code"]，且事项须有 cap{why}',
        'cap_per must be a list of intake field names, e.g. ["credit_code"], on an item with a cap{why}',
    ),
    "alt_items": (
        "[[alternatives]] 的 items 须列出至少两个本政策包的事项（未知：{unknown}）",
        "[[alternatives]] items must list two or more of the pack's items (unknown: {unknown})",
    ),
    "alt_per": (
        '[[alternatives]] 的 per 须为申报表字段名列表，如 ["credit_code"]',
        '[[alternatives]] per must be a list of intake field names, e.g. ["credit_code"]',
    ),
    "discretion_words": (
        "提示：事项条文含“{word}”，金额由主管部门酌定，宜标为 discretionary = true 并由方案给出数值",
        "warning: the item's text says {word!r} (an amount left to discretion) but it is not discretionary",
    ),
    "no_params": (
        '酌定事项须在 params 中列出由方案给出的参数，如 params = {{ rate = "补助比例（0–1）" }}',
        "a discretionary item must list in params the numbers the scenario supplies",
    ),
    "no_amount": (
        "事项既无金额公式 amount、上限 cap，也无方案参数 params：无法确定金额",
        "the item has neither an amount formula, a cap nor params: its award cannot be worked out",
    ),
}
