"""The rule, limits and overrides in every output: summary.json, allocation.csv, the workbook, report.html and
what ``allocator run`` prints (on the hand-built :func:`tests.conftest.build_rule_result`)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import openpyxl
import pytest
from pycel import ExcelCompiler

from allocator.cli.main import main
from allocator.core.result import Status
from allocator.outputs import write_outputs
from allocator.outputs._common import prepared, split
from allocator.outputs.excel import SUMMARY_CELLS, write_allocation_xlsx, write_approved_xlsx
from allocator.outputs.report import report_html
from allocator.outputs.tables import SUMMARY_KEYS, summary_dict, write_allocation_csv, write_summary_json
from allocator.outputs.words import RULE_SAYS
from allocator.outputs.xlsx_summary import RULE_SECTION, RULE_SECTION_ROW
from tests.conftest import OVERRIDE_REASON, ZERO_REASON, build_result, build_rule_result
from tests.outputs.test_excel import column, data_rows
from tests.outputs.test_tables import read_csv


# ---------------------------------------------------------------- summary.json and allocation.csv
def test_summary_json_rule_fields(rule_result, tmp_path):
    data = json.loads(write_summary_json(rule_result, tmp_path / "summary.json").read_text("utf-8"))
    assert list(data)[: len(SUMMARY_KEYS)] == list(SUMMARY_KEYS)
    for key in SUMMARY_KEYS:
        if key != "status":
            assert type(data[key]) is int, key
    assert (data["awarded"], data["funded"], data["carryover_out"]) == (4_710_000, 6, 19_200)
    assert data["rule"] == "maxmin" and data["rule_zh"] == "最小覆盖率最大（公平优先）"
    assert data["value"] == 3_000_000.0 and data["shadow_price"] == 0.8512
    solver = data["solver"]
    assert (solver["mip"], solver["gap"], solver["stages"], solver["level"]) == (True, 0.0012, 3, 0.5)
    assert data["comparison"] == {
        "rule": "maxmin",
        "value": 3_000_000.0,
        "default_value": 3_400_000.0,
        "cost": 400_000.0,
        "funded": 6,
        "default_funded": 5,
        "min_coverage": 0.5,
        "default_min_coverage": 0.0,
    }
    assert data["limits"] == {
        "min_award": 50_000,
        "per_enterprise": 3_000_000,
        "item_share": {"c13-hire": [0.05, 0.30]},
        "district_budget": {"朝阳区": 2_000_000},
    }
    assert data["overrides"] == [
        {"application_id": "A003", "award": 800_000, "award_written": "cap", "reason": OVERRIDE_REASON},
        {"application_id": "A005", "award": 0, "award_written": 0, "reason": ZERO_REASON},
    ]
    assert [c["application_id"] for c in data["next_million"]["changed"]] == ["A004", "A005"]


def test_summary_comparison_is_null_without_one():
    data = summary_dict(build_rule_result(comparison=False))
    assert data["comparison"] is None and data["rule"] == "maxmin"
    json.dumps(data)


def test_csv_keeps_overridden_status(rule_result, tmp_path):
    rows = {r["application_id"]: r for r in read_csv(write_allocation_csv(rule_result, tmp_path / "a.csv"))}
    assert rows["A003"]["status"] == rows["A005"]["status"] == "overridden"
    assert OVERRIDE_REASON in rows["A003"]["reason"] and rows["A003"]["award"] == "800000"
    assert rows["A005"]["award"] == "0"


# ---------------------------------------------------------------- allocation.xlsx
@pytest.fixture
def rule_book(rule_result, tmp_path):
    return write_allocation_xlsx(rule_result, tmp_path / "allocation.xlsx")


def labelled(ws, min_row: int = 1) -> dict:
    return {row[0]: row[1:] for row in ws.iter_rows(min_row=min_row, values_only=True) if row[0]}


def test_overrides_in_the_lists(rule_book, rule_result, tmp_path):
    wb = openpyxl.load_workbook(rule_book)
    funded, unfunded = wb["拟支持名单"], wb["未支持名单"]
    rows = {r[1]: r for r in data_rows(funded)}
    assert list(rows) == ["A001", "A002", "A003", "A004", "A007", "A008"]
    a003 = rows["A003"]
    assert a003[column(funded, "状态") - 1] == "决定支持"
    assert a003[column(funded, "说明") - 1] == f"决定支持 800,000 元：{OVERRIDE_REASON}"
    assert a003[column(funded, "拟支持金额（元）") - 1] == 800_000
    (a005,) = data_rows(unfunded)
    assert a005[1] == "A005" and a005[column(unfunded, "状态") - 1] == "决定不予支持"
    assert ZERO_REASON in a005[column(unfunded, "原因") - 1]
    assert [r[1] for r in data_rows(wb["不符合条件"])] == ["A006"]
    approved = openpyxl.load_workbook(write_approved_xlsx(rule_result, tmp_path / "approved.xlsx"))[
        "拟支持名单"
    ]
    assert [r[column(approved, "状态") - 1] for r in data_rows(approved) if r[1] == "A003"] == ["决定支持"]


def test_an_override_is_never_in_the_ineligible_list():
    """An ineligible application overridden to 0 (the only override allowed for it) stays visible as such."""
    base = build_rule_result()
    table = base.table.copy()
    table.loc[table["application_id"] == "A006", "status"] = Status.OVERRIDDEN
    parts = split(prepared(dataclasses.replace(base, table=table)))
    assert "A006" in set(parts.unfunded["application_id"])
    assert parts.ineligible.empty
    assert len(parts.funded) + len(parts.unfunded) == 8


def test_summary_cells_unchanged_and_recomputed(rule_book, rule_result):
    ws = openpyxl.load_workbook(rule_book)["汇总"]
    assert ws["A10"].value == "拟支持金额合计" and ws["A24"].value == "方案状态"
    assert "混合整数规划（MILP），最优性间隙 0.12%" in ws["C24"].value
    xl = ExcelCompiler(filename=str(rule_book))
    s = rule_result.summary
    for key in ("available", "awarded", "city_cost", "district_cost", "carryover_out", "funded", "eligible"):
        assert xl.evaluate(f"汇总!{SUMMARY_CELLS[key]}") == getattr(s, key), key


def test_summary_rule_rows(rule_book):
    ws = openpyxl.load_workbook(rule_book)["汇总"]
    assert ws.cell(row=RULE_SECTION_ROW, column=1).value == RULE_SECTION
    assert RULE_SECTION_ROW > int(SUMMARY_CELLS["status"][1:])
    rows = labelled(ws, RULE_SECTION_ROW + 1)
    assert rows["分配规则"] == ("最小覆盖率最大（公平优先）", RULE_SAYS["maxmin"])  # no rule key on 汇总
    assert rows["模型类型"][0] == "混合整数规划（MILP）"
    assert "设有最低支持额 50,000 元" in rows["模型类型"][1] and "0.12%" in rows["模型类型"][1]
    assert not [v for v in rows.values() if re.search(r"\[[a-z_.]+\]|maxmin|weighted", str(v[1]))]
    assert rows["最优性间隙"][0] == pytest.approx(0.0012)
    assert rows["最小覆盖率（本规则的共同比例）"][0] == 0.5
    assert rows["加权价值"][0] == 3_000_000
    assert rows["影子价格（每增加1元预算的加权价值）"][0] == pytest.approx(0.8512)
    assert "每增加 1 万元约增加 8,512.00" in rows["影子价格（每增加1元预算的加权价值）"][1]
    assert rows["默认规则（加权价值最大）下的加权价值"][0] == 3_400_000
    assert rows["本规则的代价"][0] == 400_000 and "11.76%" in rows["本规则的代价"][1]
    assert rows["本规则的代价占比"][0] == pytest.approx(400_000 / 3_400_000)
    assert rows["获支持数：本规则 / 默认规则"][0] == "6 / 5"
    assert rows["最小覆盖率：本规则 / 默认规则"][0] == "50.00% / 0.00%"
    assert rows["决定支持事项数"][0] == 2
    assert "朝阳区配套资金上限 2,000,000 元" in rows["已设限额"][1]
    gap_row = next(r for r in ws.iter_rows(min_row=RULE_SECTION_ROW) if r[0].value == "最优性间隙")
    assert gap_row[1].number_format == "0.00%"


def test_summary_rule_rows_for_the_default_rule(small_result, tmp_path):
    ws = openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "a.xlsx"))["汇总"]
    rows = labelled(ws, RULE_SECTION_ROW + 1)
    assert rows["分配规则"][0] == "加权价值最大"
    assert rows["模型类型"][0] == "线性规划（LP）"
    assert rows["与默认规则比较"][0] == "本方案即采用默认规则"
    for absent in ("最优性间隙", "本规则的代价", "决定支持事项数", "已设限额"):
        assert absent not in rows, absent


def test_params_rule_limits_and_overrides(rule_book):
    rows = labelled(openpyxl.load_workbook(rule_book)["参数"], 2)
    assert rows["分配规则"][0] == "最小覆盖率最大（公平优先）"
    # 参数 says it in Chinese first; where the scenario file sets it follows in brackets, for whoever edits it
    assert rows["分配规则"][1] == f'{RULE_SAYS["maxmin"]}（[objective] rule = "maxmin"）'
    assert rows["第 1 档"][0] == "新录用员工培训补助（条款十三；c13-hire）"
    assert rows["第 2 档"][1] == "本规则不使用（[objective.priority] tiers）"
    assert rows["最低支持额（元）"][0] == 50_000
    assert re.fullmatch(r"[^\[\]a-z]+（\[limits\] min_award）", rows["最低支持额（元）"][1])
    assert rows["单个企业支持总额上限（元）"][0] == 3_000_000
    assert re.fullmatch(r"[^\[\]a-z]+（\[limits\] per_enterprise）", rows["单个企业支持总额上限（元）"][1])
    share = rows["（十三）新录用员工培训补助市级资金占比"]
    assert share[0] == "5%–30%" and share[1].endswith("（[limits.item_share] c13-hire）")
    assert re.match(r"[\u4e00-\u9fff（]", share[1])
    assert rows["朝阳区配套资金上限（元）"][0] == 2_000_000
    assert "[limits.district_budget] 朝阳区" in rows["朝阳区配套资金上限（元）"][1]
    a003 = rows["决定支持金额（元）：A003 长春云帆科技有限公司"]
    assert a003[0] == 800_000 and "核定上限（cap）" in a003[1] and OVERRIDE_REASON in a003[1]
    a005 = next(v for k, v in rows.items() if k.startswith("决定支持金额（元）：A005"))
    assert a005[0] == 0 and ZERO_REASON in a005[1]
    assert rows["模型类型"][0] == "混合整数规划（MILP）"
    assert rows["最优性间隙"][0] == "0.12%" and rows["允许的最优性间隙"][0] == "0.10%"


def test_params_without_limits(small_result, tmp_path):
    rows = labelled(
        openpyxl.load_workbook(write_allocation_xlsx(small_result, tmp_path / "a.xlsx"))["参数"], 2
    )
    assert rows["限额"][0] == "未设置"
    assert rows["分配规则"][0] == "加权价值最大"
    assert not any(k.startswith("决定支持金额") for k in rows)


# ---------------------------------------------------------------- report.html
def rule_section(html: str) -> str:
    assert html.index("<h2>分配规则</h2>") < html.index("<h2>图表</h2>")
    return html.split("<h2>分配规则</h2>", 1)[1].split("<h2>图表</h2>", 1)[0]


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_report_rule_section(rule_result, tmp_path):
    section = rule_section(report_html(rule_result, tmp_path / "charts"))
    text = plain(section)
    assert (
        "本方案采用「最小覆盖率最大（公平优先）」规则：先使各项获支持金额占核定上限的最低比例尽量高" in text
    )
    assert not re.search(r"maxmin|weighted|\[limits|\[\[override|award =", text)  # no raw keys on the page
    assert "模型为混合整数规划（MILP），最优性间隙 0.12%" in text
    assert "最低支持额 50,000 元" in text
    assert "影子价格 0.8512：可用资金每增加 1 元，加权价值约增加 0.8512" in text
    assert "加权价值比默认规则少 400,000.00（占默认规则的 11.76%）" in text
    headers = re.findall(r"<th>([^<]*)</th>", section)
    assert headers[:4] == ["", "本规则（最小覆盖率最大（公平优先））", "默认规则（加权价值最大）", "差额"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    assert cells[:12] == [
        "加权价值",
        "3,000,000.00",
        "3,400,000.00",
        "-400,000.00",
        "获支持数（件）",
        "6",
        "5",
        "+1",
        "最小覆盖率",
        "50.00%",
        "0.00%",
        "+50.00 个百分点",
    ]
    for limit in (
        "最低支持额：50,000 元",
        "单个企业支持总额上限：3,000,000 元",
        "（十三）新录用员工培训补助市级资金占比：5%–30%",
        "朝阳区配套资金上限：2,000,000 元",
    ):
        assert limit in text, limit
    assert "决定支持（模型之外的决定，按固定金额计入）共 2 项" in text
    assert OVERRIDE_REASON in section and "800,000" in section
    assert ZERO_REASON not in section and "&lt;b&gt;领导小组会议决定暂缓&lt;/b&gt;" in section


def test_report_rule_section_default_and_not_compared(small_result, tmp_path):
    text = plain(rule_section(report_html(small_result, tmp_path / "charts")))
    assert "本方案采用「加权价值最大」规则：按事项权重×评审得分" in text and "weighted" not in text
    assert "覆盖率基尼系数" in text and "影子价格" in text and "不是金额" in text  # explained, below the lead
    assert "模型为线性规划（LP），结果为已证明的最优解" in text
    assert "本方案即采用默认规则" in text and "本方案未设置限额" in text
    assert "决定支持" not in text
    text = plain(rule_section(report_html(build_rule_result(comparison=False), tmp_path / "charts")))
    assert "未测算与默认规则的比较" in text


def test_all_outputs_with_a_rule(rule_result, tmp_path):
    paths = write_outputs(rule_result, tmp_path / "out")
    assert len(paths) == 14  # with waitlist.csv, report.pdf and manifest.json
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "混合整数规划（MILP），最优性间隙 0.12%" in html.split("<footer>", 1)[1]


# ---------------------------------------------------------------- allocator run
def run_printed(monkeypatch, capsys, tmp_path, result) -> str:
    import allocator.app.run

    monkeypatch.setattr(
        allocator.app.run, "run", lambda scenario, out, **kwargs: (result, [Path(tmp_path / "x.csv")])
    )
    assert main(["run", str(tmp_path / "s.toml")]) == 0
    return capsys.readouterr().out


def test_cli_prints_the_rule(monkeypatch, capsys, tmp_path):
    out = run_printed(monkeypatch, capsys, tmp_path, build_rule_result())
    assert "分配规则：最小覆盖率最大（公平优先）\n" in out and "maxmin" not in out
    assert "混合整数规划，最优性间隙 0.12%" in out
    assert "影子价格：每增加 1 元预算，加权价值约增加 0.8512" in out
    assert "代价 400,000.00（11.76%）" in out and "获支持 6 项，默认规则 5 项" in out
    assert "决定支持 2 项：A003、A005" in out and "[[override]]" not in out


def test_cli_prints_the_default_rule(monkeypatch, capsys, tmp_path):
    out = run_printed(monkeypatch, capsys, tmp_path, build_result())
    assert "分配规则：加权价值最大\n" in out and "weighted" not in out and "模型：线性规划" in out
    lines = out.splitlines()
    lead = next(
        k
        for k, line in enumerate(lines)
        if line.startswith("再增加100万元：新增支持 1 项、多支持 580,000 元")
    )
    assert lead < next(
        k for k, line in enumerate(lines) if line.startswith("影子价格")
    )  # money before the rest
    assert lead < next(k for k, line in enumerate(lines) if line.startswith("分配规则"))
    assert "默认规则" not in out and "最优性间隙" not in out
