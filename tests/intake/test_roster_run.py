"""``allocator run`` with a 人员名单 sheet: hires counted person by person, exclusions listed, no clear ids."""

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from allocator.cli.main import main
from allocator.intake.roster import HEADERS_ZH
from tests.builders import valid_code, write_roster_workbook

ROOT = Path(__file__).resolve().parents[2]
A, B, C = valid_code(11), valid_code(12), valid_code(13)
IDS = tuple(f"2201021990{n:07d}X" for n in range(1, 9))  # made-up ID numbers, never to come back out


def app(app_id: str, name: str, code: str, hires: int) -> dict:
    return {
        "application_id": app_id,
        "applicant": name,
        "credit_code": code,
        "district": "朝阳区",
        "item": "c13-hire",
        "certified": "是",  # 经认定的我市服务外包企业
        "eligible_hires": hires,
    }


# Contract dates as Chinese contracts write them: the end (and an early termination) is the LAST day.
# fmt: off
ROSTER = [
    (IDS[0], A, "本科", "2017-03-01", "2018-02-28", None),          # A: one year to its last day: counts
    (IDS[1], A, "本科", "2017年1月1日", "2017年12月31日", None),     # A: the calendar year: counts
    (IDS[2], A, "硕士", "2017-03-01", "2018-02-27", None),          # short: one day less than a year
    (IDS[3], A, "大专", "2017-04-01", "2019-03-31", "2017-06-30"),  # A: ended early, still counts …
    (IDS[3], B, "大专", "2017-07-01", "2018-06-30", None),          # … re-signed the next day at B: not paid
    (IDS[4], B, "本科", "2016-01-01", "2017-04-30", None),          # 2016 at B, last day 2017-04-30 …
    (IDS[4], A, "本科", "2017-05-01", "2018-04-30", None),          # … A from the next day: no overlap, counts
    (IDS[5], B, "本科", "2016-01-01", "2017-05-01", None),          # 2016 at B, last day 2017-05-01 …
    (IDS[5], A, "本科", "2017-05-01", "2018-04-30", None),          # … A from that very day: overlap, not paid
    (IDS[6], A, "中专", "2017-05-01", "2018-04-30", None),          # below 大专
    (IDS[7], B, "本科", "2017-08-01", "2018-07-31", None),          # B: counts
]
# fmt: on


def test_run_counts_hires_from_the_roster(tmp_path):
    apps = [
        app("H1", "甲公司", A, 10),  # roster: 4 counted (IDS 0, 1, 3, 4)
        app("H2", "乙公司", B, 5),  # roster: 1 counted (IDS 7)
        app("H3", "丙公司", C, 3),  # no roster rows: its own count stands
    ]
    book = write_roster_workbook(tmp_path / "apps.xlsx", apps, ROSTER, headers=HEADERS_ZH)
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        text.replace("data/changchun-2017-applications.xlsx", str(book)), encoding="utf-8"
    )
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")]) == 0
    t = pd.read_csv(tmp_path / "out" / "allocation.csv", dtype=str, encoding="utf-8-sig").set_index(
        "application_id"
    )
    assert t.at["H1", "award"] == "8000"  # 4 × 2,000: 2017-03-01至2018-02-28, 2017-01-01至2017-12-31, …
    assert t.at["H2", "award"] == "2000"  # 1 × 2,000: the re-signing the day after a termination is not paid
    assert t.at["H3", "award"] == "6000"  # 3 × 2,000 as declared
    sheet = openpyxl.load_workbook(tmp_path / "out" / "allocation.xlsx")["人员核减"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    h = next(i for i, r in enumerate(cells) if "规则" in r)  # the header row, under the sheet's title
    where, rule = cells[h].index("人员名单位置"), cells[h].index("规则")
    rules = [(r[where], r[rule]) for r in cells[h + 1 :] if r[rule]]
    assert rules == [(4, "short"), (6, "resigned"), (10, "overlap"), (11, "education")]  # roster rows
    reasons = " ".join(str(v) for r in cells for v in r if v)
    assert "2017-03-01 至 2018-02-27" in reasons and "满1年须至少至 2018-02-28" in reasons
    assert "重新签约" in reasons and "2017-06-30 提前解除" in reasons and "大专" in reasons
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html", ".xlsx"):
            data = path.read_bytes()
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as z:
                    data = b"".join(z.read(n) for n in z.namelist())
            assert not any(i.encode() in data for i in IDS), path  # never a person id in clear
