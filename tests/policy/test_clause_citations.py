"""Every clause an output cites comes from the result's own policy pack (issue 15, points 4, 6 and 7).

heilongjiang-2008 has no administration limit and no carryover rule: its outputs say 本政策未规定 and show
the scenario's numbers as assumptions, never changchun-2017's 条款（十九） / 条款（二十） (its own 十九 and
二十 are about intermediaries and public services). A scenario's annual fund that differs from the pack's
(25,000,000 against changchun-2017 条款（一）'s 20,000,000) is shown as a deviation on 汇总, 参数 and the
report. The 参数 sheet lists the pack's readings of the text.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from allocator.allocation.allocate import _admin_problems
from allocator.allocation.constraints import Terms, verify
from allocator.app.policy import policy_table
from allocator.cli.main import main
from allocator.core.errors import VerificationError
from allocator.model.build import Budget
from allocator.outputs.clauses import NOT_SET, UNSET_AMOUNT, annual_fund_note, fund_deviation, policy_notes
from allocator.outputs.plan_xlsx import _carry_says, _commitment_says
from allocator.outputs.report_pdf import key_figures
from allocator.outputs.xlsx_params import READINGS_SECTION, param_rows
from allocator.outputs.xlsx_registers import ledger_note, waitlist_note_of
from allocator.policy.pack import load_policy
from tests.builders import frame, row
from tests.conftest import build_result

ROOT = Path(__file__).resolve().parents[2]
HLJ_SCENARIO = ROOT / "scenarios" / "heilongjiang-2008.toml"
CC_SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
HLJ = load_policy("heilongjiang-2008")
CC = load_policy("changchun-2017")
BORROWED = ("十九", "二十", "条款（）")
DEVIATION = "年度专项资金 25,000,000 元，与条款（一）规定的 20,000,000 元不同（方案偏离政策）"


@pytest.fixture(scope="module")
def hlj_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hlj") / "out"
    assert main(["run", str(HLJ_SCENARIO), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def cc25_run(tmp_path_factory):
    """changchun-2017's shipped scenario with an annual fund of 25,000,000 (the pack says 20,000,000)."""
    folder = tmp_path_factory.mktemp("cc25")
    text = CC_SCENARIO.read_text(encoding="utf-8")
    assert "annual_fund = 20_000_000" in text
    text = text.replace("annual_fund = 20_000_000", "annual_fund = 25_000_000", 1)
    apps = (CC_SCENARIO.parent / "data" / "changchun-2017-applications.xlsx").as_posix()
    text = text.replace('applications = "data/changchun-2017-applications.xlsx"', f'applications = "{apps}"')
    scenario = folder / "changchun-25m.toml"
    scenario.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    return out


def cells(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of every text cell of every sheet."""
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for r in ws.iter_rows()
        for c in r
        if isinstance(c.value, str)
    ]


def notes(path: Path, sheet: str, label_col: int = 1, note_col: int = 3) -> dict[str, str]:
    """Column A label -> column C note of a sheet of label rows (汇总, 参数)."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        ws.cell(r, label_col).value: ws.cell(r, note_col).value or ""
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, label_col).value
    }


# ---------------------------------------------------------------- heilongjiang-2008: nothing borrowed
def test_heilongjiang_workbooks_cite_no_borrowed_clause(hlj_run):
    for name in ("allocation.xlsx", "approved.xlsx"):
        bad = [(s, c, v) for s, c, v in cells(hlj_run / name) if any(b in v for b in BORROWED)]
        assert bad == [], (name, bad[:5])


def test_heilongjiang_report_cites_no_borrowed_clause(hlj_run):
    html = (hlj_run / "report.html").read_text(encoding="utf-8")
    assert not [b for b in BORROWED if b in html]
    assert f"上限 30,000,000 元（{NOT_SET}上限）" in html  # the admin card
    assert f"年度专项资金 30,000,000 元为{UNSET_AMOUNT}" in html
    assert f"管理费用上限：{NOT_SET}" in html and f"分批次审批与结余结转：{NOT_SET}" in html
    pdf = (hlj_run / "report.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1  # the notes still fit one page


def test_heilongjiang_summary_rows_say_not_set(hlj_run):
    n = notes(hlj_run / "allocation.xlsx", "汇总")
    assert n["年度专项资金"].startswith(UNSET_AMOUNT) and "条款（十一）" in n["年度专项资金"]
    for label in ("上年结转", "管理费用上限", "结转下年"):
        assert NOT_SET in n[label], label
    assert "方案假设" in n["上年结转"] and "方案假设" in n["管理费用计划"]


def test_heilongjiang_params_rows_say_not_set(hlj_run):
    n = notes(hlj_run / "allocation.xlsx", "参数")
    assert n["年度专项资金（元）"].startswith(UNSET_AMOUNT)
    assert NOT_SET in n["上年结转（元）"] and NOT_SET in n["管理费用上限（元）"]
    for label in ("管理费用计划（元）", "固定管理费用（元）", "每件申报管理费用（元）"):
        assert "方案假设" in n[label], label


def test_heilongjiang_registers_say_not_set(hlj_run):
    book = cells(hlj_run / "allocation.xlsx")
    texts = {s: [v for s2, _, v in book if s2 == s] for s in ("候补名单", "监管台账")}
    assert any(v.startswith(f"注：分批次审批与结余结转：{NOT_SET}") for v in texts["候补名单"])
    assert any(v.startswith("注：") and NOT_SET in v for v in texts["监管台账"])
    assert ledger_note(HLJ).startswith("注：") and "条款（四）" not in ledger_note(HLJ)


def test_params_list_every_reading_of_the_pack(hlj_run):
    ws = openpyxl.load_workbook(hlj_run / "allocation.xlsx")["参数"]
    rows = [tuple(ws.cell(r, c).value for c in (1, 2, 3)) for r in range(1, ws.max_row + 1)]
    start = next(k for k, r in enumerate(rows) if r[0] == READINGS_SECTION)
    block = {r[0]: (r[1], r[2]) for r in rows[start + 1 :]}
    expected = [it for it in HLJ.items if getattr(it, "reading", "")]
    assert expected  # heilongjiang-2008 states readings (五's floor, 十二 and 十四's shares)
    for it in expected:
        assert block[f"{it.name}（{it.id}）"] == (f"条款（{it.clause}）", it.reading), it.id  # by name first
    # the discretionary numbers the scenario supplies are there, labelled as assumptions
    labels = [r[0] for r in rows if r[0]]
    assert any(str(lab).startswith("自由裁量参数：假设") for lab in labels)
    rent = next(it.name for it in HLJ.items if it.id == "h12-rent")
    assert any(
        str(lab).startswith(rent) and "h12-rent" in str(lab) and "fund_share" in str(lab) for lab in labels
    )


def test_changchun_params_list_its_readings_and_alternatives():
    rows = param_rows(build_result())
    labels = [r[0] for r in rows]
    assert READINGS_SECTION in labels
    for it in CC.items:
        if getattr(it, "reading", ""):
            assert f"{it.name}（{it.id}）" in labels, it.id
    names = {it.id: it.name for it in CC.items}
    for group in getattr(CC, "alternatives", ()):
        if getattr(group, "reading", ""):
            said = "、".join(names[i] for i in group.items)
            assert f"{said}（{group.id}：{'、'.join(group.items)}）" in labels, group.id


# ---------------------------------------------------------------- changchun-2017: its own clauses
def test_changchun_still_cites_19_and_20(cc25_run):
    n = notes(cc25_run / "allocation.xlsx", "汇总")
    assert n["管理费用上限"] == "条款（十九）：不超过年度专项资金的 1%"
    assert n["上年结转"].startswith("条款（二十）：上年结余结转下年使用")
    assert n["结转下年"] == "条款（二十）：可用资金－市级承担－管理费用"
    p = notes(cc25_run / "allocation.xlsx", "参数")
    assert p["管理费用上限（元）"] == "条款（十九）：不超过年度专项资金的 1%"
    assert p["上年结转（元）"].startswith("条款（二十）")
    book = cells(cc25_run / "allocation.xlsx")
    waitlist = [v for s, _, v in book if s == "候补名单" and v.startswith("注：")]
    assert waitlist and waitlist[0].startswith("注：条款（二十）专项资金可分批次审批")
    ledger = [v for s, _, v in book if s == "监管台账" and v.startswith("注：")]
    assert ledger and ledger[0].startswith(
        "注：条款（四）购买、自建办公用房补助，自用未满3年的不得转让出售和出租"
    )
    html = (cc25_run / "report.html").read_text(encoding="utf-8")
    assert "（条款（十九））" in html and NOT_SET not in html


def test_changchun_annual_fund_deviation_is_shown(cc25_run):
    assert notes(cc25_run / "allocation.xlsx", "汇总")["年度专项资金"] == DEVIATION
    assert notes(cc25_run / "allocation.xlsx", "参数")["年度专项资金（元）"] == DEVIATION
    html = (cc25_run / "report.html").read_text(encoding="utf-8")
    assert f'<p class="note policy-note">{DEVIATION}。</p>' in html


def test_no_deviation_when_the_scenario_keeps_the_pack_amount():
    base = build_result()
    left = 20_250_000 - 3_210_000 - 20_800
    summary = dataclasses.replace(
        base.summary, annual_fund=20_000_000, available=20_250_000, carryover_out=left
    )
    result = dataclasses.replace(base, summary=summary)
    assert fund_deviation(result, 20_000_000) == "" and policy_notes(result, summary) == []
    assert annual_fund_note(result, 20_000_000) == "条款（一）规定每年 20,000,000 元"
    assert fund_deviation(base, 3_000_000) == DEVIATION.replace("25,000,000", "3,000,000")


def test_pdf_key_figures_cite_the_pack():
    cc = {label: note for label, _, note in key_figures(build_result())}
    assert cc["管理费用"].endswith("（条款（十九））")
    hlj = {label: note for label, _, note in key_figures(dataclasses.replace(build_result(), policy=HLJ))}
    assert NOT_SET in hlj["管理费用"] and "十九" not in hlj["管理费用"]


# ---------------------------------------------------------------- messages, policy show, plan notes
def test_admin_messages_cite_the_pack():
    (zh, _), *_ = _admin_problems(HLJ, Budget(available=1_000, admin_low=2_000, admin_high=1_000))
    assert NOT_SET in zh and "十九" not in zh and "条款（）" not in zh
    ((zh, _),) = _admin_problems(CC, Budget(available=1_000_000, admin_low=20_000, admin_high=10_000))
    assert "条款（十九）规定的上限（年度专项资金的 1%，即 10,000 元）" in zh


@pytest.mark.parametrize(("clause", "cited"), [("", False), ("十九", True)])
def test_verify_cites_the_admin_clause_it_is_given(clause, cited):
    table = frame([row("A1", "c13-hire")]).assign(
        eligible=True, cap=0, award=0, city_cost=0, district_cost=0, status="unfunded"
    )
    limits = {"admin_low": 0, "admin_high": 1, "available": 10, "totals": {}}
    with pytest.raises(VerificationError) as err:
        verify(table, Terms(shares={"c13-hire": 1}, admin=5, admin_clause=clause, **limits))
    said = f"{err.value.zh} {err.value}"
    assert ("条款（十九）" in said) is cited and "条款（）" not in said and "管理费用 5" in said


def test_policy_show_fund_rules():
    hlj = next(line for line in policy_table(HLJ).splitlines() if line.startswith("资金规则"))
    assert "十九" not in hlj and "二十" not in hlj and "条款（）" not in hlj
    assert f"管理费用上限：{NOT_SET}" in hlj and f"分批次审批与结余结转：{NOT_SET}" in hlj
    cc = next(line for line in policy_table(CC).splitlines() if line.startswith("资金规则"))
    assert "（条款（一））" in cc and "（条款（十九））" in cc and "（条款（二十））" in cc


def test_plan_and_waitlist_notes_follow_the_pack():
    hlj, cc = SimpleNamespace(policy=HLJ), SimpleNamespace(policy=CC)
    assert NOT_SET in _carry_says(hlj) and NOT_SET in _commitment_says(hlj)
    assert _carry_says(cc).startswith("条款（二十）") and _commitment_says(cc).startswith("条款（四）")
    assert waitlist_note_of(hlj).startswith(f"注：分批次审批与结余结转：{NOT_SET}")
    assert waitlist_note_of(cc).startswith("注：条款（二十）")


def test_no_hard_coded_fund_clause_in_the_code():
    """No literal 条款（十九）/条款二十… (nor an ``or "十九"`` fallback) in the modules that write outputs
    and messages: the clause is the pack's."""
    pkg = ROOT / "allocator"
    stages = ("model", "solve", "allocation", "years", "analysis", "outputs", "app")
    files = [path for stage in stages for path in sorted((pkg / stage).glob("*.py"))]
    pattern = re.compile(r"条款[（(]?(十九|二十)|^(一|十九|二十)$")
    bad = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings explain
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docs else None
            if isinstance(text, str) and pattern.search(text):
                bad.append((path.name, node.lineno, text[:40]))
    assert bad == []
