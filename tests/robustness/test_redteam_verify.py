"""``allocator verify`` against the tampering of issue 17 (point 1), and summary.json fields of the wrong
type (point 5): each ends in a non-zero exit naming the file, the sheet, the row or application and what
differs, in Chinese and English, never a traceback; an untouched folder passes, and verify writes nothing.

The folder is the real ``allocator run scenarios/changchun-2017.toml --out <tmp>``, once per module; each
case edits a copy. manifest.json (every output's SHA-256, ``allocator-outputs/1``) is added when the run
did not write one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from allocator.audit.report import EXIT_FOUND
from allocator.audit.verify import audit
from allocator.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/changchun-2017.toml"
FORMAT = "allocator-outputs/1"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "allocator", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def write_manifest(folder: Path) -> None:
    """manifest.json in the agreed format: every file of the folder but itself, relative, with "/"."""
    files = {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != "manifest.json"
    }
    text = json.dumps({"format": FORMAT, "files": files}, ensure_ascii=False, indent=2)
    (folder / "manifest.json").write_text(text, encoding="utf-8")


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("redteam") / "out"
    proc = cli("run", SCENARIO, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    if not (out / "manifest.json").is_file():
        write_manifest(out)
    return out


@pytest.fixture
def folder(clean, tmp_path) -> Path:
    return Path(shutil.copytree(clean, tmp_path / "out"))


# ---------------------------------------------------------------- editing helpers
def funded(folder: Path, k: int = 0) -> dict:
    with open(folder / "allocation.csv", encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if int(r["award"]) > 0][k]


def xml_edit(path: Path, part: str, edit: Callable[[str], str]) -> None:
    """Rewrite one part of a workbook in place, every other part byte for byte as it was."""
    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i.filename)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == part:
                new = edit(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"the edit changed nothing in {part}"
                data = new.encode("utf-8")
            zf.writestr(info, data)
    path.write_bytes(buf.getvalue())


def sheet_part(path: Path, name: str) -> str:
    """The zip part of sheet ``name`` (xlsxwriter numbers them in order)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(name) + 1}.xml"
    finally:
        wb.close()


def cell_sub(path: Path, sheet: str, ref: str, new: str) -> None:
    """Replace cell ``ref``'s XML (``<c r="K3" …>…</c>``) with ``new`` (``{s}`` is its style)."""

    def edit(xml: str) -> str:
        m = re.search(rf'<c r="{ref}"( s="\d+")?( t="\w+")?(/>|>.*?</c>)', xml)
        assert m is not None, ref
        return xml[: m.start()] + new.format(s=m[1] or "") + xml[m.end() :]

    xml_edit(path, sheet_part(path, sheet), edit)


def row_of(path: Path, sheet: str, app: str) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for r, row in enumerate(wb[sheet].iter_rows(values_only=True), 1):
            if row[1] == app:
                return r
    finally:
        wb.close()
    raise AssertionError(app)


def total_row(path: Path, sheet: str) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return next(r for r, row in enumerate(wb[sheet].iter_rows(values_only=True), 1) if row[0] == "合计")
    finally:
        wb.close()


def openpyxl_edit(path: Path, sheet: str, edit: Callable) -> None:
    wb = openpyxl.load_workbook(path)
    edit(wb[sheet])
    wb.save(path)


def json_edit(path: Path, edit: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


# ---------------------------------------------------------------- the tampering
def payee(folder: Path) -> list[str]:
    """The credit code and name of a funded row of approved.xlsx changed: finance would pay someone else."""
    row = funded(folder, 3)
    r = row_of(folder / "approved.xlsx", "拟支持名单", row["application_id"])

    def edit(ws):
        ws.cell(r, 3).value = "吉林省某某贸易有限公司"
        ws.cell(r, 4).value = "91220101MA0000000X"

    openpyxl_edit(folder / "approved.xlsx", "拟支持名单", edit)
    return ["approved.xlsx", row["application_id"], "统一社会信用代码", "申报单位", f"第{r}行"]


def award_formula(folder: Path) -> list[str]:
    """An award became ``=2000000`` with the old cached value: LibreOffice then shows 2,000,000."""
    row = next(r for r in (funded(folder, k) for k in range(40)) if r["award"] == "200000")
    r = row_of(folder / "approved.xlsx", "拟支持名单", row["application_id"])
    cell_sub(
        folder / "approved.xlsx", "拟支持名单", f"K{r}", f'<c r="K{r}"{{s}}><f>2000000</f><v>200000</v></c>'
    )
    return ["approved.xlsx", "拟支持名单", row["application_id"], f"第{r}行", "=2000000"]


def forged_total(folder: Path) -> list[str]:
    """A second row labelled 合计 appended under the list."""
    last = total_row(folder / "approved.xlsx", "拟支持名单")
    openpyxl_edit(
        folder / "approved.xlsx",
        "拟支持名单",
        lambda ws: ws.append(["合计", None, None, None, None, None, None, None, None, None, 27_399_200]),
    )
    return ["approved.xlsx", "拟支持名单", f"第{last + 1}行", "合计"]


def total_plus(folder: Path) -> list[str]:
    """The 合计's formula got +1500000, its cached value left as it was."""
    r = total_row(folder / "approved.xlsx", "拟支持名单")
    cell_sub(
        folder / "approved.xlsx",
        "拟支持名单",
        f"K{r}",
        f'<c r="K{r}"{{s}}><f>SUM(K2:K{r - 1})+1500000</f><v>25899200</v></c>',
    )
    return ["approved.xlsx", "拟支持名单", f"K{r}", "+1500000"]


def total_plus_cached(folder: Path) -> list[str]:
    """The same, with the cached value made to agree (27,399,200): the formula is not allocator's."""
    r = total_row(folder / "approved.xlsx", "拟支持名单")
    cell_sub(
        folder / "approved.xlsx",
        "拟支持名单",
        f"K{r}",
        f'<c r="K{r}"{{s}}><f>SUM(K2:K{r - 1})+1500000</f><v>27399200</v></c>',
    )
    return ["approved.xlsx", "拟支持名单", f"第{r}行", "+1500000"]


def allocation_award(folder: Path) -> list[str]:
    """An award in allocation.xlsx's 拟支持名单 changed."""
    row = funded(folder, 5)
    r = row_of(folder / "allocation.xlsx", "拟支持名单", row["application_id"])
    cell_sub(
        folder / "allocation.xlsx",
        "拟支持名单",
        f"K{r}",
        f'<c r="K{r}"{{s}}><v>{int(row["award"]) + 50000}</v></c>',
    )
    return ["allocation.xlsx", "拟支持名单", row["application_id"], f"第{r}行"]


def summary_sheet_figure(folder: Path) -> list[str]:
    """汇总's 拟支持金额合计 (a SUM formula) shows another cached value."""
    cell_sub(
        folder / "allocation.xlsx",
        "汇总",
        "B10",
        "<c r=\"B10\"{s}><f>SUM('拟支持名单'!K2:K131)</f><v>20000000</v></c>",
    )
    return ["allocation.xlsx", "汇总", "B10"]


def report_html_total(folder: Path) -> list[str]:
    """report.html's total edited."""
    path = folder / "report.html"
    text = path.read_text(encoding="utf-8")
    assert "25,899,200" in text
    path.write_text(text.replace("25,899,200", "27,399,200"), encoding="utf-8")
    return ["report.html", "27,399,200"]


def report_pdf_replaced(folder: Path) -> list[str]:
    """report.pdf replaced by another PDF."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.5, 0.5, "Total 30,000,000")
    fig.savefig(folder / "report.pdf", format="pdf", metadata={"CreationDate": None})
    return ["report.pdf"]


def waitlist_swap(folder: Path) -> list[str]:
    """waitlist.csv's first two ranks swapped: released money would go to rank 2 first."""
    path = folder / "waitlist.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    first, second = lines[1].split(",", 1), lines[2].split(",", 1)
    lines[1], lines[2] = f"{first[0]},{second[1]}", f"{second[0]},{first[1]}"
    path.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    return ["waitlist.csv", "第2行", "application_id"]


def shadow_price(folder: Path) -> list[str]:
    json_edit(folder / "summary.json", lambda d: d.update(shadow_price=0.5))
    return ["summary.json", "shadow_price"]


def rule(folder: Path) -> list[str]:
    json_edit(folder / "summary.json", lambda d: d.update(rule="maxmin", rule_zh="最小覆盖率最大"))
    return ["summary.json", "rule"]


def summary_waitlist(folder: Path) -> list[str]:
    def edit(d):
        d["waitlist"][0], d["waitlist"][1] = d["waitlist"][1], d["waitlist"][0]

    json_edit(folder / "summary.json", edit)
    return ["summary.json", "waitlist[0]"]


def payee_and_manifest(folder: Path) -> list[str]:
    """The payee changed and manifest.json written again to match: re-derivation still finds it."""
    said = payee(folder)
    write_manifest(folder)
    return said


def report_and_manifest(folder: Path) -> list[str]:
    said = report_html_total(folder)
    write_manifest(folder)
    return said


def waitlist_and_manifest(folder: Path) -> list[str]:
    said = waitlist_swap(folder)
    write_manifest(folder)
    return said


def no_manifest(folder: Path) -> list[str]:
    (folder / "manifest.json").unlink()
    return ["manifest.json", "旧版本", "older"]


def missing_chart(folder: Path) -> list[str]:
    (folder / "charts" / "by_item.png").unlink()
    return ["charts/by_item.png", "缺少"]


def mixed_folder(folder: Path) -> list[str]:
    """A file of another run beside the outputs."""
    shutil.copy(folder / "allocation.csv", folder / "allocation (2).csv")
    return ["allocation (2).csv", "manifest.json"]


def chart_replaced(folder: Path) -> list[str]:
    shutil.copy(folder / "charts" / "by_district.png", folder / "charts" / "by_item.png")
    write_manifest(folder)
    return ["charts/by_item.png"]


def number_format(folder: Path) -> list[str]:
    """An award shown ten times bigger by its number format alone (#,##0"0")."""
    row = funded(folder, 7)
    r = row_of(folder / "approved.xlsx", "拟支持名单", row["application_id"])
    openpyxl_edit(
        folder / "approved.xlsx",
        "拟支持名单",
        lambda ws: setattr(ws.cell(r, 11), "number_format", '#,##0"0"'),
    )
    write_manifest(folder)
    return ["approved.xlsx", row["application_id"], "数字格式"]


def far_cell(folder: Path) -> list[str]:
    """A cell at XFD1048576 (issue 17, point 3): read cell by cell, no sheet's full extent is filled in."""
    part = sheet_part(folder / "approved.xlsx", "拟支持名单")
    far = '<row r="1048576"><c r="XFD1048576"><v>1500000</v></c></row></sheetData>'
    xml_edit(folder / "approved.xlsx", part, lambda xml: xml.replace("</sheetData>", far, 1))
    return ["approved.xlsx", "拟支持名单", "XFD1048576"]  # refused by the workbook guard, never filled in


def dtd(folder: Path) -> list[str]:
    """An entity declaration ("billion laughs") in a sheet: refused, never expanded."""
    part = sheet_part(folder / "approved.xlsx", "拟支持名单")
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    xml_edit(folder / "approved.xlsx", part, lambda xml: xml.replace("?>", "?>" + bomb, 1))
    return ["approved.xlsx", "DTD"]


TAMPERING = {
    "approved-payee": payee,
    "approved-award-formula": award_formula,
    "approved-forged-total-row": forged_total,
    "approved-total-formula-plus": total_plus,
    "approved-total-formula-plus-cached": total_plus_cached,
    "allocation-xlsx-list-award": allocation_award,
    "allocation-xlsx-summary-figure": summary_sheet_figure,
    "report-html-total": report_html_total,
    "report-pdf-replaced": report_pdf_replaced,
    "waitlist-first-two-swapped": waitlist_swap,
    "summary-shadow-price": shadow_price,
    "summary-rule": rule,
    "summary-waitlist": summary_waitlist,
    "approved-payee-manifest-rewritten": payee_and_manifest,
    "report-html-manifest-rewritten": report_and_manifest,
    "waitlist-manifest-rewritten": waitlist_and_manifest,
    "no-manifest-json": no_manifest,
    "chart-missing": missing_chart,
    "mixed-folder": mixed_folder,
    "chart-replaced-manifest-rewritten": chart_replaced,
    "approved-number-format": number_format,
    "approved-cell-at-XFD1048576": far_cell,
    "approved-sheet-with-a-DTD": dtd,
}


def test_an_untouched_folder_passes(clean, capsys):
    before = hashes(clean)
    assert main(["verify", str(clean)]) == 0
    out = capsys.readouterr().out
    assert "全部通过" in out and "✗" not in out
    assert "13 个文件与 manifest.json 记录的 SHA-256 一致" in out
    assert hashes(clean) == before  # verify writes nothing into the folder


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_each_tampering_is_found_and_named(folder, case, capsys):
    named = TAMPERING[case](folder)
    before = hashes(folder)
    code = main(["verify", str(folder)])
    out = capsys.readouterr()
    said = out.out + out.err
    assert code == EXIT_FOUND, said
    assert "Traceback" not in said
    failed = [line for line in said.splitlines() if "✗" in line or line.startswith("    ")]
    for word in named:
        assert word in said, f"{word!r} not said:\n{said}"
    assert any(re.search(r"[\u4e00-\u9fff]", line) and " / " in line for line in failed)  # both languages
    assert "发现" in said and "check(s) failed" in said
    assert hashes(folder) == before  # nothing written, nothing lost


def test_the_payee_is_named_in_the_approved_check_without_the_inputs(folder, tmp_path):
    """Check 4 alone (the inputs gone, no recomputation): who is paid is compared with allocation.csv."""
    named = payee(folder)
    json_edit(
        folder / "summary.json", lambda d: d["manifest"].update(scenario_file=str(tmp_path / "gone.toml"))
    )
    report = audit(folder)
    states = {c.key: c.state for c in report.checks}
    assert states["approved"] == "fail" and states["recomputed"] == "skip"
    text = "\n".join(next(c for c in report.checks if c.key == "approved").lines)
    assert all(w in text for w in named[1:4])


def test_a_formula_award_fails_the_workbook_check_without_the_inputs(folder):
    award_formula(folder)
    report = audit(folder)
    books = next(c for c in report.checks if c.key == "workbooks")
    assert books.state == "fail"
    assert any("=2000000" in line and "本工具在此写的是数值" in line for line in books.lines)
    approved = next(c for c in report.checks if c.key == "approved")
    assert any("2,000,000" in line for line in approved.lines)  # counted as computed, not as cached


# ---------------------------------------------------------------- summary.json of the wrong type (point 5)
DEEP = 100_000


def deep(folder: Path) -> None:
    text = (folder / "summary.json").read_text(encoding="utf-8")
    nested = "[" * DEEP + "]" * DEEP
    (folder / "summary.json").write_text(
        text.replace('"limits": {', f'"deep": {nested}, "limits": {{', 1), "utf-8"
    )


def set_key(key: str, value: object) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        def change(d: dict) -> None:
            target, *path = key.split(".")
            if path:
                d[target][path[0]] = value
            else:
                d[target] = value

        json_edit(folder / "summary.json", change)

    return edit


def raw(text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / "summary.json").write_text(text, encoding="utf-8")


WRONG_TYPES = {
    "admin-as-text": (set_key("admin", "82000"), ["admin", "整数", "whole number"]),
    "awarded-2-to-the-63": (set_key("awarded", 2**63), ["awarded", "int64"]),
    "annual-fund-null": (set_key("annual_fund", None), ["annual_fund", "null"]),
    "batch-as-text": (set_key("batch", "一"), ["batch"]),
    "manifest-as-list": (set_key("manifest", ["a"]), ["manifest", "对象", "object"]),
    "limits-as-list": (set_key("limits", [1, 2]), ["limits"]),
    "solver-as-text": (set_key("solver", "HiGHS"), ["solver"]),
    "overrides-as-dict": (set_key("overrides", {"A0001": 1}), ["overrides", "列表", "list"]),
    "versions-as-list": (set_key("manifest.versions", ["pandas"]), ["manifest.versions"]),
    "scenario-file-as-number": (set_key("manifest.scenario_file", 7), ["manifest.scenario_file", "文字"]),
    "shadow-price-nan": (raw('{"shadow_price": NaN, "admin": 1}'), ["shadow_price", "有限"]),
    "nested-100000-deep": (deep, ["summary.json", "嵌套", "nested"]),
    "top-level-list": (raw("[1, 2, 3]"), ["summary.json", "object"]),
    "a-number-of-5000-digits": (raw('{"admin": ' + "9" * 5000 + "}"), ["summary.json", "cannot read"]),
    "not-utf8": (lambda f: (f / "summary.json").write_bytes(b'{"admin": "\xff\xfe"}'), ["summary.json"]),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES), ids=list(WRONG_TYPES))
def test_summary_json_of_the_wrong_type_is_a_clear_error(folder, case):
    edit, named = WRONG_TYPES[case]
    edit(folder)
    before = hashes(folder)
    proc = cli("verify", str(folder))
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert "Traceback" not in said, said
    assert re.search(r"[\u4e00-\u9fff]", said) and re.search(r"[A-Za-z]{4,}", said)
    for word in named:
        assert word in said, f"{word!r} not said:\n{said}"
    assert hashes(folder) == before


# ---------------------------------------------------------------- release (point 5)
def test_release_never_tells_to_use_a_force_it_does_not_have(clean, tmp_path, monkeypatch, capsys):
    """Two releases meeting in one folder: the second is refused with advice release can follow."""
    import allocator.app.release as rel

    src = Path(shutil.copytree(clean, tmp_path / "out"))
    first = funded(src, 0)["application_id"]
    assert main(["release", str(src), "--withdrawn", first]) == 0
    (done,) = [p for p in tmp_path.iterdir() if p.name.startswith("out-release-")]
    before = hashes(done)
    monkeypatch.setattr(rel, "_dated", lambda folder: done)  # the same second, the same folder
    second = funded(src, 1)["application_id"]
    code = main(["release", str(src), "--withdrawn", second])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert "加 --force" not in err and "use --force" not in err
    assert "没有 --force" in err and "has no --force" in err
    assert "重新运行 allocator release" in err and "run allocator release again" in err
    assert hashes(done) == before  # the first release's result is as it was


def test_two_releases_in_one_second_write_two_folders(clean, tmp_path):
    from allocator.app.release import _dated

    src = Path(shutil.copytree(clean, tmp_path / "out"))
    a, b = _dated(src), _dated(src)
    assert a != b and a.is_dir() and b.is_dir() and not any(a.iterdir())


# ---------------------------------------------------------------- what is not tampering
def office_lock(folder: Path) -> str:
    (folder / "~$approved.xlsx").write_bytes(b"\x00" * 162)  # Excel's lock file while the list is open
    return "~$approved.xlsx"


def office_note(folder: Path) -> str:
    """A file of the office's own, there before the run and so carried and listed by the publishing."""
    (folder / "说明.txt").write_text("公示期至 12 月 31 日", encoding="utf-8")
    write_manifest(folder)
    return "说明.txt"


@pytest.mark.parametrize(
    "edit", [office_lock, office_note], ids=["office-lock-file", "office-own-file-listed"]
)
def test_what_is_not_tampering_passes_with_a_note(folder, edit, capsys):
    name = edit(folder)
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "全部通过" in out and f"ℹ {name}" in out and "✗" not in out


def test_another_package_version_is_a_note_not_a_failure(folder, monkeypatch, capsys):
    """The recorded versions are the run's; a verify under another pandas notes it (the folder untouched)."""
    import allocator.core.provenance as provenance

    real = provenance.versions
    monkeypatch.setattr(provenance, "versions", lambda: {**real(), "pandas": "0.0.1"})
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "ℹ 软件版本与记录相同" in out and "现为 0.0.1" in out and "全部通过" in out


def test_a_kept_copy_of_an_earlier_list_is_listed_and_passes(tmp_path):
    """A run with --force over a different result keeps the old approved.xlsx beside the new one."""
    text = (ROOT / SCENARIO).read_text(encoding="utf-8")
    apps = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
    text = text.replace("data/changchun-2017-applications.xlsx", str(apps))
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace("20_000_000", "19_000_000", 1), encoding="utf-8")
    assert "19_000_000" in second.read_text(encoding="utf-8")
    out = tmp_path / "out"
    assert cli("run", str(first), "--out", str(out)).returncode == 0
    proc = cli("run", str(second), "--out", str(out), "--force")
    assert proc.returncode == 0, proc.stderr
    if not (out / "manifest.json").is_file():
        write_manifest(out)
    kept = [p.name for p in out.iterdir() if p.name.startswith("approved.") and p.name != "approved.xlsx"]
    assert len(kept) == 1
    proc = cli("verify", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "全部通过" in proc.stdout
