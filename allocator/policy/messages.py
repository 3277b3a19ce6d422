"""The messages of a pack's check (:mod:`allocator.policy.check`), in Chinese and English.

Every message says what was expected and shows the value found (``{value}``: its repr, cut short). The
same messages reach ``allocator policy check`` (one line each) and every command that loads the pack.
"""

from __future__ import annotations

# code -> (中文, English): {names} come from the problem's keywords; lists are joined with 、 or ", ".
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_table": (
        "未知的表 [{key}]{near_zh}（可用：{allowed}）：未知的表会被忽略，故不予载入",
        "unknown table [{key}]{near_en} (allowed: {allowed}): it would be ignored, so the pack is refused",
    ),
    "unknown_key": (
        "未知的键 {key!r}{near_zh}（可用：{allowed}）：未知的键会被忽略而改变金额，故不予载入",
        "unknown key {key!r}{near_en} (allowed: {allowed}): it would be ignored and change the money, so the pack is refused",
    ),
    "missing_table": ("缺少 [{key}] 表", "the [{key}] table is missing"),
    "required": ("缺少必填的键 {key}", "{key} is required"),
    "not_table": ("{key} 须为表，现为 {value}", "{key} must be a table, not {value}"),
    "not_array": (
        "{key} 须写成 [[{key}]] 表数组，现为 {value}",
        "{key} must be an array of tables, [[{key}]], not {value}",
    ),
    "text": ("{key} 须为文字（加引号），现为 {value}", "{key} must be text (in quotes), not {value}"),
    "yuan": (
        "{key} 须为非负数字、整数元（不加引号，如 2_000_000），且不超过 {most:,} 元（1万亿元），现为 {value}",
        "{key} must be a number ≥ 0 in whole yuan (no quotes, e.g. 2_000_000), at most {most:,}, not {value}",
    ),
    "whole_range": (
        "{key} 须为 {low} 至 {high} 之间的整数（{why_zh}），现为 {value}",
        "{key} must be a whole number from {low} to {high} ({why_en}), not {value}",
    ),
    "levels": (
        '分担层级 levels 须为 1 至 {most} 个不重复的名称，如 ["city", "district"]（拨付资金的一级与配套的一级），现为 {value}',
        'levels must be 1 to {most} distinct names, e.g. ["city", "district"] (the fund, and the level that co-pays), not {value}',
    ),
    "level_names": (
        "level_names 须为表，键取自 levels（{levels}），值为文字，现为 {value}",
        "level_names must be a table keyed by levels ({levels}) with text values, not {value}",
    ),
    "regions": (
        'regions 须为地区名称列表，如 ["朝阳区", "高新区"]，现为 {value}',
        'regions must be a list of names, e.g. ["朝阳区"], not {value}',
    ),
    "sample_regions": (
        "sample_regions 须取自 regions（示例数据所用的地区），现有 {value} 不在其中",
        "sample_regions must be names listed in regions; {value} are not",
    ),
    "once_per": (
        'once_per 须为申报表字段名列表，如 ["credit_code"]（每户每年只可申报一次），现为 {value}',
        'once_per must be a list of intake field names, e.g. ["credit_code"] (once a year per firm), not {value}',
    ),
    "admin_rate": (
        "admin_rate 须为 0 至 1 之间的数字（管理费用占年度资金的比例，如 0.01 即 1%），现为 {value}",
        "admin_rate must be a number from 0 to 1 (the share of the annual fund, e.g. 0.01 for 1 %), not {value}",
    ),
    "no_clause": (
        "引用的条款（{no}）不在 [[clauses]] 中",
        "clause {no!r} is not listed in [[clauses]]",
    ),
    "dup_clause": (
        "条款（{no}）重复列出：同一条款编号只能出现一次",
        "clause {no!r} is listed twice: a clause number may appear once",
    ),
    "clause_kind": (
        "条款类型 kind 须为 {allowed} 之一，现为 {value}",
        "kind must be one of {allowed}, not {value}",
    ),
    "gap": (
        '提示：条款（{no}）的 kind 为 "items"，但没有事项实现它：补上事项，或改为 "fund" / "non-monetary"',
        'warning: clause {no} is of kind "items" but no item implements it: add one, or mark it "fund" or "non-monetary"',
    ),
    "field_key": (
        "key 须为英文标识符（字母、数字、下划线），且不与标准字段重名，现为 {value}",
        "key must be an identifier (letters, digits, _) not already in the data dictionary, not {value}",
    ),
    "dup_field": ("字段 {key} 重复声明", "field {key} is declared twice"),
    "field_kind": (
        "字段类型 kind 须为 {allowed} 之一，现为 {value}",
        "kind must be one of {allowed}, not {value}",
    ),
    "dup_item": (
        "事项编号 {key} 重复（编号按全半角、大小写归一后比较）",
        "item id {key} is used twice (ids are compared across full-width forms and case)",
    ),
    "bad_id": (
        "编号须为字母、数字、汉字及 - _ . 组成的文字（不含空格、不可见字符），至多 64 个字符，现为 {value}",
        "an id is text of letters, digits, - _ . (no spaces or invisible characters), at most 64, not {value}",
    ),
    "no_items": (
        "政策包没有任何事项 [[items]]：没有可分配的资金事项",
        "the pack has no [[items]]: there is nothing to allocate",
    ),
    "params": (
        '参数 params 须为表：参数名 = "含义"，现为 {value}',
        'params must be a table: name = "meaning", not {value}',
    ),
    "param_name": (
        "参数名须为英文标识符（字母、数字、下划线），现为 {value}",
        "a parameter name must be an identifier, not {value}",
    ),
    "param_taken": (
        "参数名 {value} {why_zh}",
        "the parameter name {value} {why_en}",
    ),
    "conditions": (
        'conditions 须为列表：[{{ when = "…", says = "…" }}, …]，现为 {value}',
        'conditions must be a list: [{{ when = "…", says = "…" }}, …], not {value}',
    ),
    "condition": (
        '条件须写成 {{ when = "…", says = "…" }}，现为 {value}',
        'a condition is {{ when = "…", says = "…" }}, not {value}',
    ),
    "expr_type": (
        "表达式须为文字（加引号），现为 {value}",
        "an expression must be text (in quotes), not {value}",
    ),
    "expr": ("{zh}", "{en}"),
    "floor_cap": (
        "下限 floor {floor:,} 高于上限 cap {cap:,}：没有金额能同时满足",
        "floor {floor:,} is above cap {cap:,}: no award can meet both",
    ),
    "shares": (
        "分担比例 shares 须为表，每级的值为 0 至 1 的数字，如 {{ {level} = 1 }}，现为 {value}",
        "shares must be a table of numbers from 0 to 1, e.g. {{ {level} = 1 }}, not {value}",
    ),
    "share_levels": (
        "分担层级 {unknown} 不在 [policy] levels（{levels}）中",
        "level(s) {unknown} are not in [policy] levels ({levels})",
    ),
    "share_sum": (
        "各级分担比例合计须恰为 1（按精确分数计），现为 {total}：{value}",
        "shares must add up to exactly 1 (as fractions); {value} add up to {total}",
    ),
    "share_decimals": (
        "分担比例至多六位小数（分担金额按精确分数计算），现为 {value}",
        "a share has at most six decimals (costs are split as exact fractions), not {value}",
    ),
    "discretionary": (
        "discretionary 须为 true 或 false，现为 {value}",
        "discretionary must be true or false, not {value}",
    ),
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
        "[[alternatives]] 的 items 须列出至少两个不同的本政策包事项（未知：{unknown}），现为 {value}",
        "[[alternatives]] items must list two or more distinct items of the pack (unknown: {unknown}), not {value}",
    ),
    "alt_per": (
        '[[alternatives]] 的 per 须为申报表字段名列表，如 ["credit_code"]，现为 {value}',
        '[[alternatives]] per must be a list of intake field names, e.g. ["credit_code"], not {value}',
    ),
    "dup_alt": ("[[alternatives]] 编号 {key} 重复", "[[alternatives]] id {key} is used twice"),
    "discretion_words": (
        "提示：事项条文含“{word}”，金额由主管部门酌定，宜标为 discretionary = true 并由方案给出数值",
        "warning: the item's text says {word!r} (an amount left to discretion) but it is not discretionary",
    ),
    "divisor": (
        "提示：公式除以 {divisor}：某份申报中它为 0 时，该申报列为不符合条件，原因写明此公式",
        "warning: the formula divides by {divisor}: an application where it is 0 is refused, the reason naming the formula",
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

#: Problems that are hints: ``policy check`` prints them, the pack still loads (none changes money).
WARNINGS = frozenset({"discretion_words", "gap", "divisor"})
