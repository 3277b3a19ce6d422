"""Mistakes that would pass in silence and change money (issue 16, point 5), through ``validate`` and ``run``:
a misspelt header, an office's own column, a district not in the pack, a once-only item claimed twice by one
firm, and a run in which every score is the default."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from allocator.cli.main import main
from allocator.core.errors import InputError
from allocator.intake.read import read_applications
from allocator.outputs.xlsx_summary import SUMMARY_SHEET
from tests.builders import BUY, POLICY, row, valid_code, write_workbook


def rows() -> list[dict]:
    """Three new-hire subsidies (clause 十三) and a purchase (clause 四) of four firms, all valid."""
    out = [
        row(f"A{k}", "c13-hire", eligible_hires=10 * k, score=70.0 + k, credit_code=valid_code(k))
        for k in (1, 2, 3)
    ]
    out.append(row("A4", "c04-buy", purchase_area_m2=1_000, credit_code=valid_code(4), **BUY))
    return out


def workbook(path: Path, data: list[dict], rename: dict[str, str] | None = None, extra=None) -> Path:
    """:func:`write_workbook`, then headers renamed (``key`` -> as written) and ``extra`` columns
    (header -> values, one per row) added at the right."""
    write_workbook(path, data)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for cell in ws[1]:
        if rename and cell.value in rename:
            cell.value = rename[cell.value]
    for header, values in (extra or {}).items():
        col = ws.max_column + 1
        ws.cell(1, col, header)
        for r, v in enumerate(values, start=2):
            ws.cell(r, col, v)
    wb.save(path)
    return path


def scenario_file(folder: Path, apps: Path) -> Path:
    path = folder / "s.toml"
    path.write_text(
        f'[scenario]\nname = "静默错误"\npolicy = "changchun-2017"\nyear = 2017\napplications = "{apps.name}"\n'
        "[budget]\nannual_fund = 20_000_000\nadmin_fixed = 0\nadmin_per_application = 0\n",
        encoding="utf-8",
    )
    return path


def problems(path: Path) -> list:
    with pytest.raises(InputError) as info:
        read_applications(path, POLICY)
    return list(info.value.problems)


def test_a_misspelt_score_header_stops_validate_and_run(tmp_path, capsys):
    apps = workbook(tmp_path / "apps.xlsx", rows(), rename={"score": "评审分数"})
    (p,) = problems(apps)
    assert (p.row, p.column) == (1, "评审分数") and "「评审得分」" in p.expected_zh
    assert main(["validate", str(apps)]) == 2
    err = capsys.readouterr().err
    assert "列「评审分数」" in err and "最接近的已知列名是「评审得分」" in err
    out = tmp_path / "out"
    assert main(["run", str(scenario_file(tmp_path, apps)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "列「评审分数」" in err and "「评审得分」" in err and "未写出任何结果" in err
    assert not (out / "allocation.xlsx").exists()


def test_an_office_column_is_only_a_warning_and_the_run_goes_on(tmp_path, capsys):
    apps = workbook(tmp_path / "apps.xlsx", rows(), extra={"备注": ["已核实", None, "复审", "现场核查"]})
    read = read_applications(apps, POLICY)
    assert len(read) == 4 and [(w.column, w.row) for w in read.warnings] == [("备注", 1)]
    assert "已忽略" in read.warnings[0].expected_zh
    assert main(["validate", str(apps)]) == 0
    said = capsys.readouterr().out
    assert "未发现问题" in said and "提示" in said and "列「备注」" in said and "已忽略" in said
    out = tmp_path / "out"
    assert main(["run", str(scenario_file(tmp_path, apps)), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "获支持 4 项" in said and "缺省评审得分" not in said  # scores were given
    assert "提示 / note" in said and "列「备注」" in said  # run says what it read past, as validate does
    assert (out / "allocation.xlsx").exists()


def test_an_unknown_district_names_the_nearest(tmp_path, capsys):
    data = rows()
    data[1]["district"] = "朝阳"
    apps = workbook(tmp_path / "apps.xlsx", data)
    (p,) = problems(apps)
    assert (p.row, p.column, p.value) == (3, "district", "朝阳")
    assert "最接近的是「朝阳区」" in p.expected_zh and "南关区" in p.expected_zh  # the pack's list
    assert main(["validate", str(apps)]) == 2
    assert "最接近的是「朝阳区」" in capsys.readouterr().err


def test_one_firm_claiming_the_purchase_twice_is_an_error_naming_both(tmp_path, capsys):
    data = rows()
    data.append(row("A5", "c04-buy", purchase_area_m2=500, credit_code=valid_code(4), **BUY))
    data.append(row("A6", "c04-rent", credit_code=valid_code(4), rented_area=300, annual_rent=90_000))
    apps = workbook(tmp_path / "apps.xlsx", data)
    found = problems(apps)
    assert [(p.row, p.value) for p in found] == [(5, valid_code(4)), (6, valid_code(4))]  # A4 and A5, not A6
    for p in found:
        assert "申报编号 A4（工作表「申报表」第5行）" in p.expected_zh
        assert "申报编号 A5（工作表「申报表」第6行）" in p.expected_zh
        assert "c04-buy" in p.expected_zh and "给予一次性补助" in p.expected_zh
    assert main(["validate", str(apps)]) == 2
    err = capsys.readouterr().err
    assert err.count("申报编号 A4") == 2 and err.count("申报编号 A5") == 2
    data[4]["credit_code"] = valid_code(5)  # another firm's purchase: fine
    assert len(read_applications(workbook(tmp_path / "ok.xlsx", data), POLICY)) == 6


def test_a_run_where_every_score_is_the_default_says_so(tmp_path, capsys):
    data = rows()
    for r in data:
        del r["score"]  # no 评审得分 column at all
    apps = workbook(tmp_path / "apps.xlsx", data)
    out = tmp_path / "out"
    assert main(["run", str(scenario_file(tmp_path, apps)), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "均未填写评审得分" in said and "缺省评审得分 60 分" in said
    ws = openpyxl.load_workbook(out / "allocation.xlsx")[SUMMARY_SHEET]
    (hit,) = [r for r in ws.iter_rows(values_only=True) if r[0] == "评审得分"]
    assert hit[1] == "全部为缺省值 60 分" and "均未填写评审得分" in hit[2]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "均未填写评审得分" in html and "缺省评审得分 60 分" in html
