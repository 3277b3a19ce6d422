"""Red team: scenario references that change money, and scenario numbers no office means (issue 17, points
7 and 5).

Each hostile case goes through the real CLI (``allocator run SCENARIO --out DIR`` on a copy of
scenarios/changchun-2017.toml with one edit, or ``allocator plan``): exit 2, no traceback, a message in
Chinese and English naming the key (or the file) and the value, and nothing written in DIR. A carryover
file is last year's result of a real run, sealed by a manifest.json written as a result folder's is.
"""

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from allocator.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
APPLICATIONS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
SCENARIO = (
    (ROOT / "scenarios" / "changchun-2017.toml")
    .read_text(encoding="utf-8")
    .replace("data/changchun-2017-applications.xlsx", APPLICATIONS.as_posix())
)
POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


def edit(old: str, new: str, text: str = SCENARIO) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def refused(tmp_path: Path, capsys, args: list[str]) -> tuple[str, str, str]:
    """``allocator …``: exit 2, no traceback, nothing in the output folder; the Chinese and English parts
    of the message, and its hint."""
    out = tmp_path / "out"
    capsys.readouterr()
    assert main([*args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err + captured.out
    assert "Traceback" not in err
    assert not out.exists()
    assert "错误：" in err and "\nError: " in err, err
    zh, _, rest = err.partition("\nError: ")
    en, _, hint = rest.partition("\n提示 / hint:")
    return zh, en, hint


def run_refused(tmp_path: Path, capsys, text: str, file: str = "s.toml") -> tuple[str, str, str]:
    """``allocator run`` on ``text`` as tmp_path/s.toml, refused naming ``file`` (in tmp_path)."""
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    zh, en, hint = refused(tmp_path, capsys, ["run", str(path)])
    assert str(tmp_path / file) in zh and str(tmp_path / file) in en
    return zh, en, hint


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seal(folder: Path) -> None:
    """manifest.json as a result folder carries it: every file's SHA-256 (the folder's own, recomputed)."""
    files = {
        p.relative_to(folder).as_posix(): sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = {"format": "allocator-outputs/1", "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


# --------------------------------------------------------------------- numbers no office means
BIG = "9223372036854775807"  # int64's largest
NUMBERS = [  # (id, old, new, key, value as the message shows it)
    ("fund-int64-max", "annual_fund = 20_000_000", f"annual_fund = {BIG}", "[budget] annual_fund", BIG),
    (
        "fund-2**63",
        "annual_fund = 20_000_000",
        "annual_fund = 9223372036854775808",
        "[budget] annual_fund",
        "9223372036854775808",
    ),
    (
        "fund-10**30",
        "annual_fund = 20_000_000",
        f"annual_fund = 1{'0' * 30}",
        "[budget] annual_fund",
        "1" + "0" * 30,
    ),
    ("fund-1e308", "annual_fund = 20_000_000", "annual_fund = 1e308", "[budget] annual_fund", "1e+308"),
    (
        "fund-10**12+1",
        "annual_fund = 20_000_000",
        "annual_fund = 1_000_000_000_001",
        "annual_fund",
        "1000000000001",
    ),
    (
        "admin-10**30",
        "admin_fixed = 50_000",
        f"admin_fixed = 1{'0' * 30}",
        "[budget] admin_fixed",
        "1" + "0" * 30,
    ),
    (
        "per-application-int64",
        "admin_per_application = 100",
        f"admin_per_application = {BIG}",
        "[budget] admin_per_application",
        BIG,
    ),
    (
        "reserve-1e308",
        "admin_fixed = 50_000",
        "admin_fixed = 50_000\nreserve_for_later_batches = 1e308",
        "[budget] reserve_for_later_batches",
        "1e+308",
    ),
    ("carryover-int64", "carryover_in = 0", f"carryover_in = {BIG}", "[budget] carryover_in", BIG),
    (
        "carryover-10**15",
        "carryover_in = 0",
        "carryover_in = 1_000_000_000_000_000",
        "[budget] carryover_in",
        "1000000000000000",
    ),
    ("weight-1e308", "c13-hire = 1.2", "c13-hire = 1e308", "[objective.weights] c13-hire", "1e+308"),
    ("weight-inf", "c13-hire = 1.2", "c13-hire = inf", "[objective.weights] c13-hire", "inf"),
    ("weight-1001", "c13-hire = 1.2", "c13-hire = 1001", "[objective.weights] c13-hire", "1001"),
    (
        "discretionary-no-ceiling-1e308",  # c11-institution's amount has no ceiling in the pack
        "amount = 300_000",
        "amount = 1e308",
        "[discretionary.c11-institution] amount",
        "1e+308",
    ),
    (
        "discretionary-inf",
        "amount = 1_000_000",
        "amount = inf",
        "[discretionary.c12-talent-base] amount",
        "inf",
    ),
    (
        "default-score-1e308",
        "default_score = 60",
        "default_score = 1e308",
        "[objective] default_score",
        "1e+308",
    ),
    (
        "time-limit-1e308",
        'name = "highs"',
        'name = "highs"\ntime_limit = 1e308',
        "[solver] time_limit",
        "1e+308",
    ),
    ("mip-gap-1e308", 'name = "highs"', 'name = "highs"\nmip_gap = 1e308', "[solver] mip_gap", "1e+308"),
    ("year--5000", "year = 2017", "year = -5000", "[scenario] year", "-5000"),
    ("year-99999", "year = 2017", "year = 99999", "[scenario] year", "99999"),
    ("year-0", "year = 2017", "year = 0", "[scenario] year", "0"),
    (
        "approval-9999-12-31",
        "year = 2017",
        "year = 2017\napproval_date = 9999-12-31",
        "[scenario] approval_date",
        "9999-12-31",
    ),
    (
        "approval-text-9999-12-31",
        "year = 2017",
        'year = 2017\napproval_date = "9999-12-31"',
        "[scenario] approval_date",
        "9999-12-31",
    ),
    (
        "approval-0001-01-01",
        "year = 2017",
        "year = 2017\napproval_date = 0001-01-01",
        "[scenario] approval_date",
        "0001-01-01",
    ),
    (
        "approval-a-time",
        "year = 2017",
        "year = 2017\napproval_date = 10:00:00",
        "[scenario] approval_date",
        "datetime.time(10, 0)",
    ),
    ("no-year", "year = 2017\n", "", "[scenario]", "year"),
    ("5000-digits", "annual_fund = 20_000_000", f"annual_fund = {'9' * 5000}", "annual_fund = 999", "999"),
]
LIMITS = [  # appended as a [limits] table: (id, lines, key, value)
    ("min-award-1e308", "[limits]\nmin_award = 1e308", "[limits] min_award", "1e+308"),
    (
        "per-enterprise-2**63",
        "[limits]\nper_enterprise = 9223372036854775808",
        "[limits] per_enterprise",
        "9223372036854775808",
    ),
    (
        "district-budget-1e308",
        '[limits.district_budget]\n"朝阳区" = 1e308',
        "[limits.district_budget] 朝阳区",
        "1e+308",
    ),
    (
        "item-share-1e308",
        "[limits.item_share]\nc13-hire = [0.0, 1e308]",
        "[limits.item_share] c13-hire",
        "1e+308",
    ),
    ("item-share-nan", "[limits.item_share]\nc13-hire = [nan, 0.3]", "[limits.item_share] c13-hire", "nan"),
    (
        "override-award-int64",
        f'[[override]]\napplication_id = "A0001"\naward = {BIG}\nreason = "纪要"',
        "[[override]] award",
        BIG,
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "value"), [c[1:] for c in NUMBERS], ids=[c[0] for c in NUMBERS]
)
def test_a_number_beyond_its_range_is_refused_naming_key_and_value(tmp_path, capsys, old, new, key, value):
    zh, en, _ = run_refused(tmp_path, capsys, edit(old, new))
    assert key in zh and key in en and value in zh and value in en


@pytest.mark.parametrize(("lines", "key", "value"), [c[1:] for c in LIMITS], ids=[c[0] for c in LIMITS])
def test_a_limit_beyond_its_range_is_refused_naming_key_and_value(tmp_path, capsys, lines, key, value):
    zh, en, _ = run_refused(tmp_path, capsys, SCENARIO + "\n" + lines + "\n")
    assert key in zh and key in en and value in zh and value in en


def test_the_edge_of_every_range_still_runs(tmp_path):
    """10¹² yuan, a weight of 1000, the last moment of the next year: allowed, and the run completes."""
    text = edit("annual_fund = 20_000_000", "annual_fund = 1_000_000_000_000")
    text = edit("c13-hire = 1.2", "c13-hire = 1000", text)
    text = edit(
        "year = 2017", "year = 2017\napproval_date = 2018-12-31T23:59:59", text
    )  # a date-time: its day
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["annual_fund"] == 10**12 and summary["carryover_out"] >= 0
    with open(tmp_path / "out" / "allocation.csv", encoding="utf-8-sig") as fh:
        assert sum(int(r["city_cost"]) for r in csv.DictReader(fh)) == summary["city_cost"]


PACK = (ROOT / "allocator" / "policies" / "changchun-2017.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("years", "shown"), [("100000", "100000"), ("-1", "-1"), ("1e308", "1e+308")])
def test_a_ledger_of_years_no_date_can_hold_is_refused(tmp_path, capsys, years, shown):
    """ledger_years is the pack's: with the approval date it sets the ledger's end (9999 + 3 overflowed)."""
    (tmp_path / "pack.toml").write_text(edit("ledger_years = 3", f"ledger_years = {years}", PACK), "utf-8")
    text = edit('policy = "changchun-2017"', 'policy = "pack.toml"')
    zh, en, _ = run_refused(tmp_path, capsys, text, file="pack.toml")
    assert "ledger_years" in zh and "ledger_years" in en and shown in zh and shown in en


# -------------------------------------------------------------------- files that are not text
def _sparse(path: Path, size: int, head: bytes = b"") -> None:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)


FILES = [  # (id, write the scenario file at the path, fragment in Chinese, fragment in English)
    ("binary", lambda p: p.write_bytes(bytes(range(256)) * 64), "不是 UTF-8", "not UTF-8"),
    ("utf-16", lambda p: p.write_bytes(SCENARIO.encode("utf-16")), "UTF-16", "UTF-16"),
    ("nul-in-utf-8", lambda p: p.write_bytes(SCENARIO.encode() + b"\0\0"), "NUL", "NUL"),
    ("1-GB", lambda p: _sparse(p, 1 << 30, SCENARIO.encode()), "超过 16 MB", "over 16 MiB"),
    (
        "inline-tables-100000-deep",
        lambda p: p.write_text(SCENARIO + "\n[x]\ny = " + "{a=" * 100_000 + "1" + "}" * 100_000 + "\n"),
        "嵌套过深",
        "nested too deeply",
    ),
    (
        "arrays-100000-deep",
        lambda p: p.write_text(SCENARIO + "\n[x]\ny = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        "嵌套过深",
        "nested too deeply",
    ),
]


@pytest.mark.parametrize(("write", "zh_part", "en_part"), [c[1:] for c in FILES], ids=[c[0] for c in FILES])
def test_a_scenario_file_that_is_not_a_scenario_is_refused(tmp_path, capsys, write, zh_part, en_part):
    path = tmp_path / "s.toml"
    write(path)
    zh, en, _ = refused(tmp_path, capsys, ["run", str(path)])
    assert str(path) in zh and str(path) in en
    assert zh_part in zh and en_part in en


# ---------------------------------------------------------------- names the policy does not have
REFERENCES = [  # (id, old, new, the line of new the error is on, the name, the nearest or a known name)
    (
        "district-朝阳",
        "[output]",
        '[limits.district_budget]\n"朝阳" = 200_000\n\n[output]',
        1,
        "朝阳",
        "朝阳区",
    ),
    (
        "district-space",
        "[output]",
        '[limits.district_budget]\n"朝阳区 " = 1\n\n[output]',
        1,
        "朝阳区 ",
        "朝阳区",
    ),
    (
        "district-ideographic-space",
        "[output]",
        '[limits.district_budget]\n"朝阳区\u3000" = 1\n[output]',
        1,
        "朝阳区",
        "朝阳区",
    ),
    (
        "district-pinyin",
        "[output]",
        '[limits.district_budget]\n"Chaoyang" = 1\n\n[output]',
        1,
        "Chaoyang",
        "南关区",
    ),
    ("weight-typo", "c13-hire = 1.2", "c13-hir = 1.2", 0, "c13-hir", "c13-hire"),
    ("weight-by-name", "c13-hire = 1.2", '"新录用员工培训补助" = 1.2', 0, "新录用员工培训补助", "c13-hire"),
    (
        "item-share-typo",
        "[output]",
        "[limits.item_share]\nc13-hier = [0.0, 0.1]\n\n[output]",
        1,
        "c13-hier",
        "c13-hire",
    ),
    (
        "tier-typo",
        "[output]",
        '[objective.priority]\ntiers = [["c13-hier"], ["c09-offshore"]]\n[output]',
        1,
        "c13-hier",
        "c13-hire",
    ),
    (
        "discretionary-item-typo",
        "[discretionary.c10-expo]",
        "[discretionary.c10-exp]",
        0,
        "c10-exp",
        "c10-expo",
    ),
    ("discretionary-param-typo", "rate = 0.5", "ratee = 0.5", 0, "ratee", "rate"),
    ("discretionary-extra-param", "rate = 0.5", "rate = 0.5\nratio = 0.9", 1, "ratio", "rate"),
    (
        "discretionary-fixed-item",
        "[output]",
        "[discretionary.c13-hire]\nrate = 0.5\n\n[output]",
        1,
        "c13-hire",
        "rate",
    ),
    (
        "policy-typo",
        'policy = "changchun-2017"',
        'policy = "changchun-2071"',
        0,
        "changchun-2071",
        "changchun-2017",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "on", "name", "near"), [c[1:] for c in REFERENCES], ids=[c[0] for c in REFERENCES]
)
def test_a_name_the_policy_does_not_have_is_refused_with_the_nearest(
    tmp_path, capsys, old, new, on, name, near
):
    text = edit(old, new)
    zh, en, hint = run_refused(tmp_path, capsys, text)
    line = text[: text.index(new)].count("\n") + 1 + on
    assert f"第{line}行" in zh and f"line {line}" in en
    assert name in zh and name in en
    assert near in zh + en + hint


def test_every_unknown_name_and_every_number_out_of_range_is_said_at_once(tmp_path, capsys):
    """Lazily, as the intake reports: each problem at its own line, in one message."""
    text = edit("c13-hire = 1.2", "c13-hir = 1.2") + '\n[limits.district_budget]\n"朝阳" = 1\n"南关" = 2\n'
    zh, en, _ = run_refused(tmp_path, capsys, text)
    for name in ("c13-hir", "朝阳", "南关"):
        line = next(no for no, t in enumerate(text.splitlines(), 1) if t.startswith((name, f'"{name}"')))
        assert f"第{line}行：" in zh and f"line {line}: " in en and name in zh and name in en
    assert "有 3 处问题" in zh and "3 problems" in en
    text = edit("annual_fund = 20_000_000", f"annual_fund = {BIG}", edit("year = 2017", "year = 99999"))
    zh, en, _ = run_refused(tmp_path, capsys, text)
    assert "有 2 处问题" in zh and BIG in zh and "99999" in zh and BIG in en and "99999" in en


def test_a_district_budget_for_a_known_district_still_limits(tmp_path):
    text = SCENARIO + '\n[limits.district_budget]\n"朝阳区" = 0\n'
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    with open(tmp_path / "out" / "allocation.csv", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["district"] == "朝阳区"]
    assert rows and all(int(r["district_cost"]) == 0 for r in rows)


# ------------------------------------------------------------------------ last year's carryover
LAST_YEAR = edit("year = 2017", "year = 2016", edit("annual_fund = 20_000_000", "annual_fund = 80_000_000"))


@pytest.fixture(scope="module")
def last_year(tmp_path_factory) -> Path:
    """A real 2016 result (a fund larger than the applications, so money is left over), sealed."""
    folder = tmp_path_factory.mktemp("last-year")
    scenario = folder / "2016.toml"
    scenario.write_text(LAST_YEAR, encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(folder / "2016")]) == 0
    seal(folder / "2016")
    assert json.loads((folder / "2016" / "summary.json").read_text("utf-8"))["carryover_out"] > 0
    return folder / "2016"


def this_year(summary: Path) -> str:
    """The 2017 scenario with carryover_in = the path of ``summary``."""
    return edit("carryover_in = 0 ", f'carryover_in = "{summary.as_posix()}" ')


def test_a_sealed_result_of_last_year_carries_its_money_over(tmp_path, last_year):
    path = tmp_path / "s.toml"
    path.write_text(this_year(last_year / "summary.json"), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    last = json.loads((last_year / "summary.json").read_text("utf-8"))
    now = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert now["carryover_in"] == last["carryover_out"] > 0
    assert now["available"] == 20_000_000 + last["carryover_out"]


def test_a_plan_years_summary_is_sealed_by_the_plans_manifest(tmp_path, last_year):
    """A plan's year folder (``plan/2016/summary.json``): the plan folder's manifest.json lists it."""
    plan = tmp_path / "plan"
    shutil.copytree(last_year, plan / "2016")
    (plan / "2016" / "manifest.json").unlink()
    seal(plan)
    path = tmp_path / "s.toml"
    path.write_text(this_year(plan / "2016" / "summary.json"), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0


def _summary(change):
    """A mutation of the sealed summary.json's data, sealed again (as a forger with the tools would)."""

    def mutate(folder: Path) -> Path:
        path = folder / "summary.json"
        data = json.loads(path.read_text("utf-8"))
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        seal(folder)
        return path

    return mutate


def _forged(folder: Path) -> Path:
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"carryover_out": 10**15}), encoding="utf-8")
    return folder / "summary.json"


def _forged_sealed(folder: Path) -> Path:
    path = _forged(folder)
    seal(folder)
    return path


def _raw(content: bytes | None = None, *, seal_it: bool = True, name: str = "summary.json", sparse: int = 0):
    def mutate(folder: Path) -> Path:
        path = folder / name
        if sparse:
            _sparse(path, sparse, b"{")
        else:
            path.write_bytes(content or b"")
        if seal_it:
            seal(folder)
        return folder / "summary.json"

    return mutate


def _edited(folder: Path) -> Path:  # carryover_out raised after the folder was sealed
    path = folder / "summary.json"
    text = path.read_text("utf-8")
    data = json.loads(text)
    path.write_text(
        text.replace(f'"carryover_out": {data["carryover_out"]}', '"carryover_out": 79000000', 1), "utf-8"
    )
    return path


def _unlink(name: str):
    def mutate(folder: Path) -> Path:
        (folder / name).unlink()
        return folder / "summary.json"

    return mutate


def _manifest(change):
    def mutate(folder: Path) -> Path:
        path = folder / "manifest.json"
        data = json.loads(path.read_text("utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        return folder / "summary.json"

    return mutate


def _folder(folder: Path) -> Path:
    (folder / "summary.json").unlink()
    (folder / "summary.json").mkdir()
    return folder / "summary.json"


def _fifo(folder: Path) -> Path:
    (folder / "summary.json").unlink()
    os.mkfifo(folder / "summary.json")
    return folder / "summary.json"


def _dev_zero(folder: Path) -> Path:
    (folder / "summary.json").unlink()
    (folder / "summary.json").symlink_to("/dev/zero")
    return folder / "summary.json"


def _gone(folder: Path) -> Path:
    return folder / "missing" / "summary.json"


def _set(key, value):
    return lambda d: d.__setitem__(key, value)


CARRY = [  # (id, make the carryover file from a copy of last year's sealed folder, 中文, English)
    ("forged-one-line", _forged, "不是 allocator 写出的结果", "not a result of allocator"),
    ("forged-one-line-sealed", _forged_sealed, "缺少 manifest", "manifest"),
    (
        "no-manifest-json",
        _unlink("manifest.json"),
        "不是完整的结果文件夹，或由旧版本写出",
        "not a complete result folder",
    ),
    ("edited-after-sealing", _edited, "SHA-256 不符", "does not match the SHA-256"),
    ("manifest-wrong-format", _manifest(_set("format", "allocator-outputs/0")), "结果清单", "manifest"),
    (
        "manifest-without-summary",
        _manifest(lambda d: d["files"].pop("summary.json")),
        "未列在",
        "is not listed",
    ),
    (
        "manifest-100000-deep",
        _raw(b"[" * 100_000 + b"]" * 100_000, seal_it=False, name="manifest.json"),
        "不是有效的 JSON",
        "not valid JSON",
    ),
    ("manifest-1-GB", _raw(seal_it=False, name="manifest.json", sparse=1 << 30), "超过 16 MB", "over 16 MiB"),
    (
        "carryover-above-available",
        _summary(lambda d: d.update(carryover_out=d["available"] + 1)),
        "超过当年可用资金",
        "above that year's available",
    ),
    (
        "carryover-not-what-was-left",
        _summary(lambda d: d.update(carryover_out=d["carryover_out"] + 1)),
        "不等于可用资金",
        "not available − city cost − admin",
    ),
    (
        "carryover-10**15-resealed",
        _summary(lambda d: d.update(carryover_out=10**15, available=10**15 + 1)),
        "carryover_out",
        "carryover_out",
    ),
    (
        "carryover-negative",
        _summary(_set("carryover_out", -1)),
        "carryover_out 应为 0 至",
        "carryover_out must be whole yuan from 0",
    ),
    (
        "carryover-float",
        _summary(_set("carryover_out", 1e15)),
        "carryover_out（整数元）",
        "carryover_out (whole yuan)",
    ),
    (
        "carryover-bool",
        _summary(_set("carryover_out", True)),
        "carryover_out（整数元）",
        "carryover_out (whole yuan)",
    ),
    (
        "carryover-text",
        _summary(_set("carryover_out", "1000000")),
        "carryover_out（整数元）",
        "carryover_out (whole yuan)",
    ),
    (
        "same-year",
        _summary(lambda d: d["scenario"].update(year=2017)),
        "是 2017 年的结果",
        "is the result of 2017",
    ),
    (
        "two-years-back",
        _summary(lambda d: d["scenario"].update(year=2015)),
        "是 2015 年的结果",
        "is the result of 2015",
    ),
    ("year-as-text", _summary(lambda d: d["scenario"].update(year="2016")), "scenario.year", "scenario.year"),
    (
        "other-policy",
        _summary(lambda d: d["manifest"].update(policy="heilongjiang-2008")),
        "按政策包 heilongjiang-2008 计算",
        "policy heilongjiang-2008",
    ),
    (
        "other-policy-text",
        _summary(lambda d: d["manifest"].update(policy_sha256="0" * 64)),
        "内容与本方案的不同",
        "a different text of policy",
    ),
    (
        "not-optimal",
        _summary(_set("status", "infeasible")),
        "不是已证明最优的分配结果",
        "not a proven optimal allocation",
    ),
    ("no-scenario", _summary(lambda d: d.pop("scenario")), "scenario.year", "scenario.year"),
    ("json-100000-deep", _raw(b"[" * 100_000 + b"]" * 100_000), "不是有效的 JSON", "not valid JSON"),
    ("json-1-GB", _raw(sparse=1 << 30, seal_it=False), "超过 16 MB", "over 16 MiB"),
    (
        "not-utf-8",
        _raw('{"carryover_out": 1, "备注": "上年"}'.encode("gbk")),
        "不是有效的 JSON",
        "not valid JSON",
    ),
    (
        "5000-digit-number",
        _raw(b'{"carryover_out": ' + b"9" * 5000 + b"}"),
        "不是有效的 JSON",
        "not valid JSON",
    ),
    ("a-folder", _folder, "不是文件", "is not a file"),
    pytest.param("a-fifo", _fifo, "不是文件", "is not a file", marks=POSIX),
    pytest.param("dev-zero", _dev_zero, "不是文件", "is not a file", marks=POSIX),
    ("missing", _gone, "不存在", "does not exist"),
]


def _ids(cases):
    return [c.values[0] if hasattr(c, "values") else c[0] for c in cases]


def _args(cases):
    return [pytest.param(*c.values[1:], marks=c.marks) if hasattr(c, "values") else c[1:] for c in cases]


@pytest.mark.parametrize(("make", "zh_part", "en_part"), _args(CARRY), ids=_ids(CARRY))
def test_a_carryover_file_that_is_not_last_years_result_is_refused(
    tmp_path, capsys, last_year, make, zh_part, en_part
):
    folder = tmp_path / "2016"
    shutil.copytree(last_year, folder)
    summary = make(folder)
    zh, en, _ = run_refused(tmp_path, capsys, this_year(summary))
    assert "[budget] carryover_in" in zh and "[budget] carryover_in" in en
    assert str(summary) in zh and str(summary) in en  # the file, and what was expected
    assert "应为" in zh and "expected" in en
    assert zh_part in zh and en_part in en


# ------------------------------------------------------------------------------------ plans
PLAN = (
    (ROOT / "scenarios" / "changchun-2017-2020-plan.toml")
    .read_text(encoding="utf-8")
    .replace('"data/', f'"{(ROOT / "scenarios" / "data").as_posix()}/')
    .replace(
        'base = "changchun-2017.toml"', f'base = "{(ROOT / "scenarios" / "changchun-2017.toml").as_posix()}"'
    )
)
PLANS = [  # (id, old, new, key, value)
    (
        "fund-int64-max",
        "annual_fund = 20_000_000",
        f"annual_fund = {BIG}",
        "[plan.years.2017] annual_fund",
        BIG,
    ),
    (
        "admin-10**30",
        "annual_fund = 20_000_000",
        f"annual_fund = 20_000_000\nadmin_fixed = 1{'0' * 30}",
        "[plan.years.2017] admin_fixed",
        "1" + "0" * 30,
    ),
    (
        "carryover-10**21",
        "carryover_in = 0",
        "carryover_in = 1_000_000_000_000_000_000_000",
        "[plan] carryover_in",
        "1" + "0" * 21,
    ),
    ("year-abc", "[plan.years.2017]", "[plan.years.abc]", "[plan.years.abc]", "abc"),
    ("year--5000", "[plan.years.2017]", "[plan.years.-5000]", "[plan.years.-5000]", "-5000"),
    (
        "approval-9999-12-31",
        "[plan.years.2018]",
        "[plan.years.2018]\napproval_date = 9999-12-31",
        "[plan.years.2018] approval_date",
        "9999-12-31",
    ),
    (
        "approval-not-a-date",
        "[plan.years.2018]",
        '[plan.years.2018]\napproval_date = "soon"',
        "[plan.years.2018] approval_date",
        "soon",
    ),
]


@pytest.mark.parametrize(("old", "new", "key", "value"), [c[1:] for c in PLANS], ids=[c[0] for c in PLANS])
def test_a_plan_number_beyond_its_range_is_refused(tmp_path, capsys, old, new, key, value):
    path = tmp_path / "p.toml"
    path.write_text(edit(old, new, PLAN), encoding="utf-8")
    zh, en, _ = refused(tmp_path, capsys, ["plan", str(path)])
    assert str(path) in zh and str(path) in en
    assert key in zh and key in en and value in zh and value in en


@pytest.mark.parametrize(
    ("write", "zh_part", "en_part"),
    [
        (lambda p: p.write_bytes(PLAN.encode("gbk")), "不是 UTF-8", "not UTF-8"),
        (lambda p: p.write_bytes(bytes(range(256)) * 64), "不是 UTF-8", "not UTF-8"),
        (
            lambda p: p.write_text(PLAN + "\n[x]\ny = " + "[" * 100_000 + "]" * 100_000 + "\n"),
            "嵌套过深",
            "nested too deeply",
        ),
        (
            lambda p: p.write_text(PLAN.replace("carryover_in = 0", "carryover_in = " + "9" * 5000)),
            "位数过多",
            "too many digits",
        ),
        (lambda p: _sparse(p, 1 << 30, PLAN.encode()), "超过 16 MB", "too large"),
    ],
    ids=["gbk", "binary", "100000-deep", "5000-digits", "1-GB"],
)
def test_a_plan_file_that_is_not_a_plan_is_refused(tmp_path, capsys, write, zh_part, en_part):
    path = tmp_path / "p.toml"
    write(path)
    zh, en, _ = refused(tmp_path, capsys, ["plan", str(path)])
    assert str(path) in zh and zh_part in zh and en_part in en


def test_an_override_written_full_width_or_with_an_invisible_character_finds_its_application(tmp_path):
    """The intake keeps ids folded (NFKC, no format characters); an override is read the same way."""
    import json

    from allocator.app.run import result_for

    root = Path(__file__).resolve().parents[2]
    apps = root / "scenarios" / "data" / "changchun-2017-applications.xlsx"
    text = (root / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    text = text.replace("data/changchun-2017-applications.xlsx", apps.as_posix())
    text += '\n[[override]]\napplication_id = "Ａ0001\u200b"\naward = 1000\nreason = "会议决定"\n'
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    result = result_for(tmp_path / "s.toml", report=False)
    row = result.table.set_index("application_id").loc["A0001"]
    assert row["award"] == 1000 and result.scenario.overrides[0].application_id == "A0001"
    assert json.dumps(str(row["reason"]), ensure_ascii=False).count("会议决定") == 1
