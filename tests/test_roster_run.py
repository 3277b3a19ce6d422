"""``allocator run`` with a 人员名单 sheet: hires counted person by person, exclusions listed, no clear ids."""

from pathlib import Path

import openpyxl
import pandas as pd

from allocator.cli import main
from tests.builders import valid_code, write_roster_workbook

ROOT = Path(__file__).resolve().parents[1]
A, B = valid_code(11), valid_code(12)
IDS = ("220102199001011234", "220102199202022345", "220102199303033456", "220102199404044567")


def test_run_counts_hires_from_the_roster(tmp_path):
    apps = [
        {
            "application_id": "H1",
            "applicant": "甲公司",
            "credit_code": A,
            "district": "朝阳区",
            "item": "c13-hire",
            "eligible_hires": 10,
        },
        {
            "application_id": "H2",
            "applicant": "乙公司",
            "credit_code": B,
            "district": "朝阳区",
            "item": "c13-hire",
            "eligible_hires": 3,
        },
    ]
    roster = [
        (IDS[0], A, "本科", "2017-03-01", "2018-03-01", None),  # counts
        (IDS[1], A, "大专", "2017-04-01", "2018-04-01", "2017-06-30"),  # ended early …
        (IDS[1], A, "大专", "2017-07-01", "2018-07-01", None),  # … and signed again within the year: not paid
        (IDS[2], A, "中专", "2017-05-01", "2018-05-01", None),  # below 大专
        (IDS[3], A, "硕士", "2017-05-01", "2017-12-31", None),  # under one year
    ]
    book = write_roster_workbook(tmp_path / "apps.xlsx", apps, roster)
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        text.replace("data/changchun-2017-applications.xlsx", str(book)), encoding="utf-8"
    )
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")]) == 0
    t = pd.read_csv(tmp_path / "out" / "allocation.csv", dtype=str, encoding="utf-8-sig").set_index(
        "application_id"
    )
    assert t.at["H1", "award"] == str(2 * 2_000)  # IDS[0] and IDS[1]'s first contract
    assert t.at["H2", "award"] == str(3 * 2_000)  # no roster rows: its own count stands
    sheet = openpyxl.load_workbook(tmp_path / "out" / "allocation.xlsx")["人员核减"]
    reasons = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "重新签约" in reasons and "大专" in reasons and "1年" in reasons
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html", ".xlsx"):
            data = path.read_bytes()
            if path.suffix == ".xlsx":
                import zipfile

                with zipfile.ZipFile(path) as z:
                    data = b"".join(z.read(n) for n in z.namelist())
            assert not any(i.encode() in data for i in IDS), path  # never a person id in clear
