"""The empty applications workbook that ``allocator template`` writes.

Three sheets: 填写说明 (every column: meaning, type, unit, which items use it; the yes/no values; the
（万元） rule; the policy's items), 申报表 (the Chinese headers of the policy's data dictionary,
:attr:`allocator.policy.pack.Policy.fields`: the standard fields and the pack's own; a frozen header row,
drop-downs and number checks on rows 2..5001) and 选项, hidden, holding the item names the item
drop-down refers to and the pack's regions for 所在区 (Excel's inline lists stop at 255 characters).
:func:`allocator.intake.read.read_applications` reads the workbook back once it is filled in.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from ..core.errors import OutputError
from ..intake.read import COMMON_KEYS, EXPECT, item_fields
from ..intake.roster import ITEM as ROSTER_ITEM
from ..intake.roster_read import HEADERS_ZH as ROSTER_HEADERS
from ..outputs import staged_file
from ..outputs.xlsx_style import open_workbook
from ..policy.fields import Field
from ..policy.types import Policy

DATA_SHEET = "申报表"
GUIDE_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
LAST_ROW = 5001  # data validation covers Excel rows 2..LAST_ROW

KIND_ZH = {"text": "文本", "item": "从下拉列表选择支持事项名称（也可填事项编号）"}
_GENERAL = {
    "application_id": "每行一个申报编号，在整个工作簿中不得重复（如 A0001）",
    "applicant": "申报单位全称，与营业执照一致",
    "credit_code": "18位统一社会信用代码；本列为文本格式，请勿改为数字",
    "district": "企业所在区（开发区），用于区级配套资金的分担",
    "item": "申报的支持事项；一行只申报一个事项，同一单位申报多个事项请分多行",
    "requested": "申请的补助金额，选填；填写后作为补助上限",
    "score": "专家评审得分，选填，0–100",
}


def write_template(path: str | Path, policy: Policy) -> None:
    """Write the empty applications workbook for ``policy`` to ``path`` (.xlsx)."""
    path = Path(path)
    try:
        with staged_file(path) as temp:
            wb = open_workbook(temp)  # pack text is never read as a formula
            fmt = _formats(wb)
            guide = wb.add_worksheet(GUIDE_SHEET)
            data = wb.add_worksheet(DATA_SHEET)
            if any(it.id == ROSTER_ITEM for it in policy.items):
                _roster(wb.add_worksheet(ROSTER_SHEET), fmt)
            options = wb.add_worksheet(OPTIONS_SHEET)
            _options(options, policy, fmt)
            _guide(guide, policy, fmt)
            _data(data, policy, fmt)
            data.activate()
            options.hide()
            wb.close()
    except (OSError, XlsxWriterException) as exc:
        raise OutputError(f"无法写出模板 {path}：{exc}", f"cannot write the template {path}: {exc}") from None


ROSTER_SHEET = "人员名单"


def _roster(ws, fmt: dict) -> None:
    """The optional 人员名单 (clause 十三, allocator.intake.roster): its headers say how dates are written — the
    end and an early termination are the contract's last day, so 2017-03-01 至 2018-02-28 is one year."""
    ws.write_row(0, 0, list(ROSTER_HEADERS), fmt["head"])
    ws.set_column(0, len(ROSTER_HEADERS) - 1, 24, fmt["text"])
    ws.freeze_panes(1, 0)


def users_of(policy: Policy) -> dict[str, list[str]]:
    """For each field key (the policy's own fields too), the ids of the items whose conditions or amount
    use it, or whose shared cap is counted by it (``cap_per``: the sub-platform's name)."""
    users: dict[str, list[str]] = {f.key: [] for f in policy.fields}
    for item in policy.items:
        for key in _columns_of(item):
            users[key].append(item.id)
    return users


def _columns_of(item) -> frozenset[str]:
    """The columns an application of ``item`` fills in: those its conditions and amount use, and
    those its shared cap is counted by."""
    return item_fields(item)


def _formats(wb: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "等线", "font_size": 11, "valign": "top"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 16}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "required": wb.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#FCE4D6",
                "border": 1,
                "text_wrap": True,
                "font_color": "#C00000",
            }
        ),
        "wrap": wb.add_format({**base, "text_wrap": True, "border": 1}),
        "plain": wb.add_format({**base, "text_wrap": True}),
        "text": wb.add_format({**base, "num_format": "@"}),
        "money": wb.add_format({**base, "num_format": "#,##0.00"}),
        "int": wb.add_format({**base, "num_format": "0"}),
        "number": wb.add_format({**base, "num_format": "General"}),
    }


def _options(ws, policy: Policy, fmt: dict) -> None:
    ws.write_row(0, 0, ["支持事项名称", "事项编号", "是/否", "所在区"], fmt["head"])
    for i, item in enumerate(policy.items, 1):
        ws.write_string(i, 0, item.name)
        ws.write_string(i, 1, item.id)
    ws.write_column(1, 2, ["是", "否"])
    ws.write_column(1, 3, list(policy.regions))
    ws.set_column(0, 0, 36)
    ws.set_column(1, 3, 16)


def _unit(field: Field) -> str:
    return {"yuan": "元（表头改为（万元）则按万元填写）", "usd": "美元"}.get(field.kind, field.unit)


def _guide(ws, policy: Policy, fmt: dict) -> None:
    names = {it.id: f"{it.id} {it.name}" for it in policy.items}
    row = 0
    ws.write(row, 0, f"{policy.name} — 申报表填写说明", fmt["title"])
    notes = [
        f"政策：{policy.issuer}《{policy.name}》（{policy.date}），政策包 {policy.id}。",
        f"在「{DATA_SHEET}」工作表填写，每行一项申报（一个单位申报一个支持事项）；可增加工作表，表头写法相同。",
        "某个工作表若没有「支持事项」列，则以工作表名（事项编号或中文名称）作为该表各行的支持事项。",
        "表头可用中文或英文键名（如 registered_capital）；首尾空格、全角括号和单位后缀均可识别。",
        "金额列表头写作（元）按元填写；把表头改为（万元）则按万元填写，读取时乘以 10,000。",
        "金额可填数字，也可填带千分位的文本，如 1,200,000 或 1,200,000元；不得为负数。",
        "是/否列填 是 或 否（也接受 Y/N、TRUE/FALSE、1/0、√/×）；留空表示未填写。",
        "只需填写所申报事项用到的列（见下表「使用该列的支持事项」）；其他列留空，填写了也不读取。",
        "红色表头为必填列；统一社会信用代码须为18位且校验位正确，请保持文本格式。",
        "读取时检查全部单元格，并一次列出所有问题（工作表、行、列、值、要求）。",
    ]
    if any(it.id == ROSTER_ITEM for it in policy.items):
        notes.append(
            f"「{ROSTER_SHEET}」（可选）：每行一份劳动合同，按条款（十三）逐人核定新录用人数；日期写作 年-月-日，"
            "合同结束日期与提前解除日期填合同最后一日（含当日），如 2017-03-01 至 2018-02-28 为1年；"
            "人员编号读取后即转为不可还原的散列值。不填则采用申报表中的人数。"
        )
    for i, note in enumerate(notes, 1):
        ws.write(row + i, 0, f"{i}. {note}", fmt["plain"])
    row += len(notes) + 2

    ws.write_row(
        row,
        0,
        ["表头", "英文键名", "含义/填写要求", "类型", "单位", "必填", "使用该列的支持事项"],
        fmt["head"],
    )
    users = users_of(policy)
    for f in policy.fields:
        row += 1
        if f.key in COMMON_KEYS:
            meaning, used = _general(policy).get(f.key, f.zh), "所有事项"
        else:
            says = _says(policy, f.key)
            meaning = "；".join(says) or f.zh
            used = "\n".join(names[i] for i in users[f.key]) or "（本政策未使用）"
        kind = KIND_ZH.get(f.kind) or EXPECT[f.kind][0]
        cells = [f.header, f.key, meaning, kind, _unit(f), "是" if f.required else "", used]
        ws.write_row(row, 0, cells, fmt["wrap"])
    row += 2

    ws.write_row(
        row, 0, ["事项编号", "支持事项名称", "条款", "需要填写的列", "金额/上限", "说明"], fmt["head"]
    )
    for item in policy.items:
        row += 1
        keys = [f.header for f in policy.fields if f.key in _columns_of(item) and f.key not in COMMON_KEYS]
        amount = "；".join(s for s in (item.amount_says, item.cap_says) if s)
        note = "金额由年度方案设定（政策未定额）" if item.discretionary else ""
        cells = [item.id, item.name, item.clause_label, "、".join(keys) or "（仅通用列）", amount, note]
        ws.write_row(row, 0, cells, fmt["wrap"])
    for col, width in enumerate((26, 22, 46, 30, 20, 6, 40)):
        ws.set_column(col, col, width)


def _general(policy: Policy) -> dict[str, str]:
    """The meaning of the common columns; 所在区 names the co-paying level and the pack's regions."""
    out = dict(_GENERAL)
    payers = "、".join(policy.level_names.get(level, level) for level in policy.levels[1:])
    if payers and payers != "区级":
        out["district"] = f"申报单位所在地，用于{payers}配套资金的分担"
    if policy.regions:
        out["district"] += "；从下拉列表选择：" + "、".join(policy.regions)
    return out


def _says(policy: Policy, key: str) -> list[str]:
    """The policy's own words on ``key``: conditions (注册资本2000万元以上) and amounts (500元/平方米)."""
    out: list[str] = []
    for item in policy.items:
        says = [c.says for c in item.conditions if key in c.expr.names]
        if item.amount is not None and key in item.amount.names and item.amount_says:
            says.append(f"{item.name}：{item.amount_says}")
        if key in item.cap_per and key not in COMMON_KEYS:
            same = "、".join(f"同一{policy.field(k).zh}" for k in item.cap_per)
            says.append(f"{item.name}：{item.cap_says or '上限'}，{same}的申报合并计算")
        out += [s for s in says if s not in out]
    return out


def _validation(field: Field, policy: Policy) -> dict | None:
    """The data validation of a column, or None (free text)."""
    n_items = len(policy.items)
    title = field.zh[:32]
    rules: dict[str, dict] = {
        "item": {
            "validate": "list",
            "source": f"='{OPTIONS_SHEET}'!$A$2:$A${n_items + 1}",
            "input_message": f"从下拉列表选择支持事项（也可填事项编号，如 {policy.items[0].id}）"
            if policy.items
            else "从下拉列表选择支持事项",
        },
        "bool": {"validate": "list", "source": ["是", "否"], "input_message": "选择 是 或 否"},
        "code": {
            "validate": "length",
            "criteria": "==",
            "value": 18,
            "input_message": "18位统一社会信用代码（文本格式）",
            "error_message": "统一社会信用代码应为18位。",
        },
        "months": {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 12},
        "score": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
        "count": {"validate": "integer", "criteria": ">=", "value": 0},
    }
    for kind in ("yuan", "usd", "area"):
        rules[kind] = {"validate": "decimal", "criteria": ">=", "value": 0}
    rules["region"] = {  # a drop-down of the pack's regions that warns, but accepts another place
        "validate": "list",
        "source": f"='{OPTIONS_SHEET}'!$D$2:$D${len(policy.regions) + 1}",
        "input_message": ("从下拉列表选择所在地（" + "、".join(policy.regions) + "）")[:255],
        "error_type": "warning",
        "error_message": "不在本政策的地区列表中；确认无误可继续。",
    }
    rule = rules.get("region" if field.key == "district" and policy.regions else field.kind)
    if rule is None:
        return None
    rule = {"input_title": title, **rule}
    if field.numeric:
        rule.setdefault("input_message", EXPECT[field.kind][0])
        rule["error_message"] = f"应为{EXPECT[field.kind][0]}。"
    rule.setdefault("error_title", "输入有误")
    rule.setdefault("error_message", f"请从下拉列表选择{field.zh}。")
    return rule


def _data(ws, policy: Policy, fmt: dict) -> None:
    col_format = {"text": "text", "code": "text", "item": "text", "yuan": "money", "usd": "money"}
    col_format |= {"count": "int", "months": "int", "area": "number", "score": "number"}
    for c, f in enumerate(policy.fields):
        ws.write_string(0, c, f.header, fmt["required" if f.required else "head"])
        width = max(10, min(30, sum(2 if ord(ch) > 255 else 1 for ch in f.header) + 2))
        ws.set_column(c, c, width, fmt.get(col_format.get(f.kind, ""), None))
        rule = _validation(f, policy)
        if rule is not None:
            ws.data_validation(1, c, LAST_ROW - 1, c, rule)
    ws.set_row(0, 36)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, 0, len(policy.fields) - 1)
