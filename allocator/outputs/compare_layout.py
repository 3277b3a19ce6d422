"""compare.xlsx's layout: its sheets, the columns of 按申报, 按事项 and 按区, and where a column's range and total
sit (for the formulas of the other sheets)."""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name

SUMMARY_SHEET = "对比汇总"


APPLICATION_SHEET = "按申报"


ITEM_SHEET = "按事项"


DISTRICT_SHEET = "按区"


SHEETS = (SUMMARY_SHEET, APPLICATION_SHEET, ITEM_SHEET, DISTRICT_SHEET)


CHANGE_FORMAT = "+#,##0;-#,##0;0"


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    kind: str  # text, wrap, code, money, change, count, seq


def application_columns(fund: str, cofund: str) -> tuple[Col, ...]:
    return (
        Col("序号", "#seq", "seq"),
        Col("申报编号", "application_id", "text"),
        Col("申报单位", "applicant", "text"),
        Col("所在区", "district", "text"),
        Col("支持事项", "item_name", "text"),
        Col("事项编号", "item", "text"),
        Col("A 拟支持金额（元）", "award_a", "money"),
        Col("B 拟支持金额（元）", "award_b", "money"),
        Col("变化（B−A，元）", "change", "change"),
        Col(f"A {fund}承担（元）", "city_cost_a", "money"),
        Col(f"B {fund}承担（元）", "city_cost_b", "money"),
        Col(f"A {cofund}承担（元）", "district_cost_a", "money"),
        Col(f"B {cofund}承担（元）", "district_cost_b", "money"),
        Col("A 状态", "#status_a", "text"),
        Col("B 状态", "#status_b", "text"),
        Col("范围", "#where", "text"),
        Col("A 说明", "reason_a", "wrap"),
        Col("B 说明", "reason_b", "wrap"),
    )


def group_columns(first: tuple[Col, ...], fund: str, cofund: str) -> tuple[Col, ...]:
    return (
        *first,
        Col("A 拟支持金额（元）", "award_a", "money"),
        Col("B 拟支持金额（元）", "award_b", "money"),
        Col("变化（B−A，元）", "change", "change"),
        Col("A 获支持项数", "funded_a", "count"),
        Col("B 获支持项数", "funded_b", "count"),
        Col("项数变化", "funded_change", "change"),
        Col(f"A {fund}承担（元）", "city_cost_a", "money"),
        Col(f"B {fund}承担（元）", "city_cost_b", "money"),
        Col(f"A {cofund}承担（元）", "district_cost_a", "money"),
        Col(f"B {cofund}承担（元）", "district_cost_b", "money"),
    )


ITEM_KEYS = (
    Col("条款", "clause", "text"),
    Col("支持事项", "item_name", "text"),
    Col("事项编号", "item", "text"),
)


DISTRICT_KEYS = (Col("所在区", "district", "text"),)


def letter(columns: tuple[Col, ...], key: str) -> str:
    for j, c in enumerate(columns):
        if c.key == key:
            return xl_col_to_name(j)
    raise KeyError(key)


@dataclass(frozen=True)
class AppRef:
    columns: tuple[Col, ...]
    last_row: int  # 1-based last data row
    total_row: int  # 1-based 合计 row

    def range(self, key: str) -> str:
        c = letter(self.columns, key)
        return f"'{APPLICATION_SHEET}'!${c}$2:${c}${self.last_row}"

    def total(self, key: str) -> str:
        return f"'{APPLICATION_SHEET}'!${letter(self.columns, key)}${self.total_row}"
