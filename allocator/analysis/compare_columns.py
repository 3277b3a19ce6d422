"""The columns of a comparison's tables (by application, item and district) and the rows of its totals, as
compare.xlsx and the console show them."""

from __future__ import annotations

#: ``where`` values of :attr:`Comparison.by_application`, and how the workbook says them.
BY_APPLICATION_COLUMNS = (
    "application_id",
    "applicant",
    "credit_code",
    "item",
    "item_name",
    "clause",
    "district",
    "award_a",
    "award_b",
    "change",  # award_b - award_a
    "city_cost_a",
    "city_cost_b",
    "district_cost_a",
    "district_cost_b",
    "status_a",  # Status value; '' when the application is not in that run
    "status_b",
    "reason_a",
    "reason_b",
    "where",  # both | only_a | only_b
)


GROUP_MONEY = (
    "award_a",
    "award_b",
    "change",
    "city_cost_a",
    "city_cost_b",
    "district_cost_a",
    "district_cost_b",
)


GROUP_COUNTS = ("applications_a", "applications_b", "funded_a", "funded_b")


BY_ITEM_COLUMNS = ("item", "clause", "item_name", *GROUP_MONEY, *GROUP_COUNTS)


BY_DISTRICT_COLUMNS = ("district", *GROUP_MONEY, *GROUP_COUNTS)


#: Rows of :attr:`Comparison.totals` (its index), with their Chinese labels (``{fund}``/``{cofund}``: the levels).
TOTAL_KEYS = {
    "available": "可用资金（元）",
    "admin": "管理费用（元）",
    "awarded": "拟支持金额（元）",
    "city_cost": "{fund}承担（元）",
    "district_cost": "{cofund}承担（元）",
    "carryover_out": "结转下年（元）",
    "applications": "申报项数",
    "funded": "获支持项数",
    "value": "加权价值",
}
