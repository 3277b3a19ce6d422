"""The 参数 sheet: what produced this workbook — scenario, policy, input file and its hash, fund figures,
the rule, its tiers and weights, every limit (with its scenario key), every override (award and reason), the
discretionary numbers (assumptions, never policy), the solver and the run's manifest
(:func:`~allocator.outputs.tables.run_manifest`: every input file with its SHA-256, package versions, the solver
and its version), one ``dotted.key`` row each — the same as summary.json's ``manifest``."""

from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet

from ..core.result import AllocationResult
from ..policy.levels import cofund_says, level_labels
from ._common import flatten, sha256_of_applications, text
from .clauses import (
    ASSUMED,
    admin_assumed,
    admin_limit_note,
    annual_fund_note,
    batch_note,
    carryover_in_note,
    cite,
    commitment_note,
)
from .limit_rows import limit_rows, override_rows, written_award
from .lists import WORKBOOK_LISTS_UP_TO, lists_choice, lists_in_workbook
from .tables import run_manifest
from .words import RULE_SAYS, beijing_time, generated_at, model_zh, percent, rule_of, rule_zh, status_zh
from .xlsx_style import Styles, merge_text, print_setup, put_number, put_text

PARAMS_SHEET = "参数"
ASSUMPTION = "假设（非政策规定）"
READINGS_SECTION = "政策解读（条文未明确之处的取舍）"

Row = tuple[str, object, str]  # label, value, note; a row with value None and note '§' is a section


def carry_note(scenario: object) -> str:
    """Where the carryover came from, when it is last year's summary.json rather than a number."""
    source = str(getattr(scenario, "carryover_source", "") or "")
    return "" if not source or source.lstrip("-").isdigit() else f"取自上年结果 {source}"


def _batch_rows(result: AllocationResult) -> list[Row]:
    """Batch, reserve, last year's commitments and the approval date, each only when set."""
    s = result.summary
    sc = result.scenario
    rows: list[Row] = []
    batch = int(getattr(s, "batch", 1) or 1)
    reserve = int(getattr(s, "reserve", 0) or 0)
    owed = int(getattr(s, "commitments_in", 0) or 0)
    fund, _ = level_labels(result)
    if batch > 1 or reserve > 0:
        rows.append(("批次", f"第 {batch} 批", batch_note(result)))
    if reserve > 0:
        rows.append(
            (
                "预留后续批次资金（元）",
                reserve,
                "预留本年度后续批次使用（[budget] reserve_for_later_batches）",
            )
        )
    if owed > 0:
        rows.append(("上年承诺（租房补助第2年）（元）", owed, commitment_note(result, fund)))
    approved = str(getattr(sc, "approval_date", "") or "")
    if approved:
        rows.append(("批准日期", approved, "监管台账不得转让期限自此起算（[scenario] approval_date）"))
    return rows


def _lists_row(result: AllocationResult) -> Row:
    """Where the per-application lists are, and the ``[output] lists`` that decided it."""
    choice = lists_choice(result)
    where = "本工作簿各名单表" if lists_in_workbook(result) else "allocation.csv、waitlist.csv"
    note = (
        f"申报数不超过 {WORKBOOK_LISTS_UP_TO:,} 项时写入本工作簿，否则只写入 CSV；"
        if choice == "auto"
        else ""
    )
    return ("逐项名单", where, note + f'拟支持名单总在 approved.xlsx（[output] lists = "{choice}"）')


def _name_of(policy: object, item_id: str) -> str:
    """An item's Chinese name from the pack (its id when the pack has no such item)."""
    return next((it.name for it in getattr(policy, "items", ()) or () if it.id == item_id), item_id)


def _section(title: str) -> Row:
    return (title, None, "§")


def reading_rows(policy: object) -> list[Row]:
    """政策解读: every reading the pack takes where the text leaves a choice open (items', then the
    ``[[alternatives]]``'), as (item, clause, reading); none when the pack states none."""
    rows: list[Row] = []
    for it in getattr(policy, "items", ()) or ():
        reading = str(getattr(it, "reading", "") or "")
        if reading:
            rows.append((f"{it.name}（{it.id}）", cite(it.clause), reading))
    for group in getattr(policy, "alternatives", ()) or ():
        reading = str(getattr(group, "reading", "") or "")
        if reading:
            names = "、".join(_name_of(policy, i) for i in group.items)
            rows.append((f"{names}（{group.id}：{'、'.join(group.items)}）", cite(group.clause), reading))
    return [_section(READINGS_SECTION), *rows] if rows else []


def param_rows(result: AllocationResult) -> list[Row]:
    """The sheet's rows, in order (exposed for tests)."""
    sc = result.scenario
    policy = result.policy
    s = result.summary
    sv = result.solver
    manifest = result.manifest or {}
    items = {it.id: it for it in getattr(policy, "items", ())}
    rule = rule_of(result)
    assumed = admin_assumed(result)
    fund_level, cofund_level = level_labels(result)

    def item_label(item_id: str) -> str:
        it = items.get(item_id)
        if it is None:
            return item_id
        return f"{it.name}（条款{it.clause}；{item_id}）" if it.clause else f"{it.name}（{item_id}）"

    rows: list[Row] = [
        _section("方案"),
        ("方案名称", getattr(sc, "name", ""), ""),
        ("方案文件", text(getattr(sc, "path", "")), ""),
        ("年度", getattr(sc, "year", ""), ""),
        ("说明", getattr(sc, "description", ""), ""),
        _section("政策"),
        ("政策编号", getattr(policy, "id", ""), ""),
        ("政策名称", getattr(policy, "name", ""), ""),
        ("发文单位", getattr(policy, "issuer", ""), getattr(policy, "date", "")),
        ("政策原文", getattr(policy, "source", ""), ""),
        ("政策包文件", getattr(policy, "path", ""), ""),
        (
            "资金分担",
            f"{fund_level}、{cofund_level}",
            f"「{fund_level}承担」由{fund_level}专项资金（本方案分配的资金）支付；「{cofund_level}承担」"
            f"{cofund_says(result)}",
        ),
        _section("申报数据"),
        ("申报文件", text(getattr(sc, "applications", "")), ""),
        ("申报文件 SHA-256", sha256_of_applications(manifest), "用于核对申报数据未被改动"),
        _lists_row(result),
        _section("资金"),
        ("年度专项资金（元）", s.annual_fund, annual_fund_note(result, s.annual_fund)),
        ("上年结转（元）", s.carryover_in, carryover_in_note(result, carry_note(sc))),
        ("可用资金（元）", s.available, ""),
        ("管理费用计划（元）", s.admin_planned, assumed.strip("（）")),
        ("管理费用上限（元）", s.admin_limit, admin_limit_note(result)),
        ("管理费用（元）", s.admin, ""),
        (
            "每件申报管理费用（元）",
            getattr(sc, "admin_per_application", 0),
            f"方案文件（[budget] admin_per_application）{assumed}",
        ),
        ("固定管理费用（元）", getattr(sc, "admin_fixed", 0), f"方案文件（[budget] admin_fixed）{assumed}"),
    ]
    rows += _batch_rows(result)
    rows += [
        _section("目标"),
        ("分配规则", rule_zh(rule), f'{RULE_SAYS.get(rule, "")}（[objective] rule = "{rule}"）'),
        ("缺省评审得分", getattr(sc, "default_score", ""), f"申报表未填评审得分时采用（{ASSUMED}）"),
    ]
    for k, tier in enumerate(getattr(sc, "tiers", ()) or (), start=1):
        note = (
            "分档优先规则按此顺序" if rule == "priority" else "本规则不使用"
        ) + "（[objective.priority] tiers）"
        rows.append((f"第 {k} 档", "、".join(item_label(i) for i in tier), note))
    weights = getattr(sc, "weights", {}) or {}
    for item_id in sorted(weights):
        rows.append((f"权重：{item_label(item_id)}", weights[item_id], f"未列出的事项权重为 1（{ASSUMED}）"))
    limits = limit_rows(result)
    rows.append(_section("限额"))
    if not limits:
        rows.append(("限额", "未设置", "方案未设限额（[limits]）"))
    rows += [(lim.label, lim.value, f"{lim.note}（{lim.key}）") for lim in limits]
    overrides = override_rows(result)
    if overrides:
        rows.append(_section("决定支持（模型之外的决定，按固定金额计入；[[override]]）"))
    for o in overrides:
        applicant = f" {o.applicant}" if o.applicant else ""
        rows.append(
            (
                f"决定支持金额（元）：{o.application_id}{applicant}",
                o.award if o.award is not None else "",
                f"方案写明 {written_award(o.written)}；理由：{o.reason}",
            )
        )
    discretionary = getattr(sc, "discretionary", {}) or {}
    notes = getattr(sc, "discretionary_notes", {}) or {}
    if discretionary:
        rows.append(_section(f"自由裁量参数：{ASSUMPTION}"))
    for item_id in sorted(discretionary):
        meanings = getattr(items.get(item_id), "params", {}) or {}
        for key, value in sorted(discretionary[item_id].items()):
            meaning = meanings.get(key, "")
            label = (
                f"{item_label(item_id)}：{meaning}（{key}）" if meaning else f"{item_label(item_id)}（{key}）"
            )
            note = re.sub(r"^假设\s*[：:]\s*", "", notes.get(item_id, "")).strip()
            rows.append((label, value, f"{ASSUMPTION}：{note or '由方案设定'}"))
    rows += reading_rows(policy)
    rows += [
        _section("求解"),
        ("求解器", sv.name, "；".join([sv.version, *(r.zh() for r in sv.retries)])),
        ("求解状态", status_zh(sv.status), f"方案状态：{status_zh(s.status)}（{s.status}）"),
        ("目标值", round(sv.objective, 6), ""),
        ("用时（秒）", round(sv.seconds, 3), ""),
        ("模型类型", model_zh(sv.mip), f"求解 {sv.stages} 次"),
    ]
    if sv.mip:
        rows.append(("最优性间隙", percent(sv.gap), "0.00% 表示已证明最优"))
        rows.append(
            (
                "允许的最优性间隙",
                percent(float(getattr(sc, "mip_gap", 0.0) or 0.0)),
                "方案文件（[solver] mip_gap）",
            )
        )
    rows.append(("时间上限（秒）", getattr(sc, "time_limit", None) or "不限", ""))
    flat = flatten(run_manifest(result))
    if flat:
        rows.append(_section("运行清单（版本与输入文件）"))
        rows += [(key, beijing_time(value) if key == "generated_at" else value, "") for key, value in flat]
    rows += [_section("生成"), ("生成时间", generated_at(manifest), "")]
    return rows


def write_params(ws: Worksheet, st: Styles, result: AllocationResult) -> None:
    for j, h in enumerate(("参数", "值", "说明")):
        put_text(ws, 0, j, h, st.header)
    for r, (label, value, note) in enumerate(param_rows(result), start=1):
        if value is None and note == "§":
            merge_text(ws, r, 0, 2, label, st.section)
            continue
        put_text(ws, r, 0, label, st.label)
        if isinstance(value, int | float) and not isinstance(value, bool):
            fmt = st.money if "（元）" in label else st.number
            put_number(ws, r, 1, value, fmt)
        else:
            put_text(ws, r, 1, value, st.wrap)
        put_text(ws, r, 2, note, st.wrap)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 2, 44)
    ws.freeze_panes(1, 0)
    print_setup(ws, "参数", landscape=False)
