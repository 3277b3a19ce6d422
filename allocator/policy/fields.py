"""The intake data dictionary: every column an applications workbook may hold.

One row of the design's table per :class:`Field`. ``kind`` decides how a cell is read:

- ``text``   — stripped string (``None`` when blank)
- ``item``   — an item id or its Chinese name, resolved against the policy
- ``code``   — the 18-character unified social credit code (GB 32100 check digit)
- ``yuan``   — money in yuan, ≥ 0; a header that says （万元） is ten-thousands of yuan
- ``usd``    — US dollars, ≥ 0
- ``area``   — square metres, ≥ 0
- ``count``  — a whole number of people, ≥ 0
- ``months`` — a whole number of months, 0–12
- ``score``  — review score, 0–100
- ``bool``   — 是/否, Y/N, TRUE/FALSE, 1/0

In the applications frame, numbers are float64 with NaN for blank and yes/no cells are float64
1.0/0.0/NaN, so conditions and formulas evaluate on whole columns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    zh: str  # the Chinese header, without the unit suffix
    kind: str
    unit: str = ""  # shown in the header: 元, 平方米, 人, 美元, 月
    required: bool = False

    @property
    def header(self) -> str:
        """The header as the template writes it, e.g. ``申请金额（元）``."""
        return f"{self.zh}（{self.unit}）" if self.unit else self.zh

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


NUMERIC_KINDS = frozenset({"yuan", "usd", "area", "count", "months", "score"})

FIELDS: tuple[Field, ...] = (
    Field("application_id", "申报编号", "text", required=True),
    Field("applicant", "申报单位", "text", required=True),
    Field("credit_code", "统一社会信用代码", "code", required=True),
    Field("district", "所在区", "text", required=True),
    Field("item", "支持事项", "item", required=True),
    Field("requested", "申请金额", "yuan", "元"),
    Field("score", "评审得分", "score"),
    Field("certified", "是否经认定", "bool"),
    Field("global_top100", "全球百强企业", "bool"),
    Field("domestic_top100", "国内100强企业", "bool"),
    Field("newly_settled", "新入驻并在长春设立独立法人", "bool"),
    Field("state_owned_spinoff", "国有大型企业或机构剥离设立", "bool"),
    Field("building_area_m2", "建筑面积", "area", "平方米"),
    Field("registered_capital", "注册资本", "yuan", "元"),
    Field("purchase_area_m2", "购买自建面积", "area", "平方米"),
    Field("has_property_cert", "取得房屋产权证", "bool"),
    Field("has_land_cert", "取得土地使用证", "bool"),
    Field("rent_area_m2", "租赁面积", "area", "平方米"),
    Field("rent_months", "补助月数", "months", "月"),
    Field("in_park", "入驻园区或外包大厦", "bool"),
    Field("line_fee", "国际专线通讯费", "yuan", "元"),
    Field("platform_name", "子平台名称", "text"),
    Field("platform_investment", "平台开发投入", "yuan", "元"),
    Field("independent_entity", "独立法人", "bool"),
    Field("is_headquarters", "总部企业", "bool"),
    Field("in_mofcom_system", "进入商务部服务外包管理信息系统", "bool"),
    Field("employees", "从业人员", "count", "人"),
    Field("offshore_usd", "离岸服务外包执行额", "usd", "美元"),
    Field("offshore_increment_usd", "离岸执行额增量", "usd", "美元"),
    Field("expo_fee", "展位费及布展费", "yuan", "元"),
    Field("eligible_hires", "新录用大专以上员工", "count", "人"),
    Field("trained_hired", "培训后签约人数", "count", "人"),
    Field("talents", "引进高层次人才", "count", "人"),
    Field("project_investment", "项目已投资额", "yuan", "元"),
    Field("purchase_amount", "技术成果购买金额", "yuan", "元"),
    Field("cert_cost", "认证实际费用", "yuan", "元"),
    Field("other_support", "已获国家和省支持", "yuan", "元"),
    Field("fully_supported", "已获国家和省全额支持", "bool"),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}

#: Columns every applications frame carries besides the fields: where each row came from.
SOURCE_SHEET = "source_sheet"
SOURCE_ROW = "source_row"
