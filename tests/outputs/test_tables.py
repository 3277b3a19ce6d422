"""allocation.csv and summary.json."""

from __future__ import annotations

import csv
import json

from allocator.core.result import Status
from allocator.outputs.tables import (
    CSV_COLUMNS,
    SUMMARY_KEYS,
    summary_dict,
    write_allocation_csv,
    write_summary_json,
)
from tests.conftest import EVIL_APPLICANT, build_result


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_header_bom_and_rows(small_result, tmp_path):
    path = write_allocation_csv(small_result, tmp_path / "allocation.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0].split(",")
    assert tuple(header[: len(CSV_COLUMNS)]) == CSV_COLUMNS
    assert CSV_COLUMNS == (
        "application_id",
        "item",
        "eligible",
        "cap",
        "award",
        "city_cost",
        "district_cost",
        "status",
        "reason",
    )
    rows = read_csv(path)
    assert [r["application_id"] for r in rows] == [f"A00{i}" for i in range(1, 9)]
    a001 = rows[0]
    assert (a001["item"], a001["eligible"], a001["cap"], a001["award"]) == (
        "c04-buy",
        "true",
        "3000000",
        "3000000",
    )
    assert (a001["city_cost"], a001["district_cost"], a001["status"]) == ("1500000", "1500000", "funded")
    assert a001["district"] == "朝阳区" and a001["item_name"] == "购买、自建办公用房补助"
    a006 = rows[5]
    assert (a006["eligible"], a006["status"], a006["cap"]) == ("false", "ineligible", "0")
    assert rows[2]["requested"] == ""  # not given
    assert rows[6]["applicant"] == "'" + EVIL_APPLICANT  # a spreadsheet shows it as text (issue 8)
    assert {r["status"] for r in rows} <= {s.value for s in Status}
    assert sum(int(r["award"]) for r in rows) == small_result.summary.awarded
    assert sum(int(r["city_cost"]) for r in rows) == small_result.summary.city_cost
    for r in rows:
        for col in ("cap", "award", "city_cost", "district_cost"):
            assert r[col].isdigit(), (col, r[col])


def test_summary_json(small_result, tmp_path):
    path = write_summary_json(small_result, tmp_path / "summary.json")
    text = path.read_text(encoding="utf-8")
    assert "2017 年度测试方案" in text  # ensure_ascii=False
    data = json.loads(text)
    assert list(data)[: len(SUMMARY_KEYS)] == list(SUMMARY_KEYS)
    expected = {
        "annual_fund": 3_000_000,
        "carryover_in": 250_000,
        "available": 3_250_000,
        "admin": 20_800,
        "awarded": 4_710_000,
        "city_cost": 3_210_000,
        "district_cost": 1_500_000,
        "carryover_out": 19_200,
        "status": "optimal",
        "applications": 8,
        "funded": 6,
        "eligible": 7,
        "requested_total": 5_290_000,
        "admin_planned": 20_800,
        "admin_limit": 30_000,
    }
    assert {k: data[k] for k in expected} == expected
    for key in expected:
        if key != "status":
            assert type(data[key]) is int, key
    assert data["carryover_out"] == data["available"] - data["city_cost"] - data["admin"]
    assert data["awarded"] == data["city_cost"] + data["district_cost"]
    assert data["scenario"] == {
        "name": "2017 年度测试方案",
        "path": "scenarios/test.toml",
        "year": 2017,
        "policy": "changchun-2017",
    }
    assert data["solver"]["name"] == "HiGHS" and data["solver"]["mip"] is False
    assert data["next_million"] == {
        "extra": 1_000_000,
        "value_gain": 382_000.0,
        "awarded_gain": 580_000,
        "city_cost_gain": 580_000,
        "newly_funded": 1,
        "changed": [
            {"application_id": "A004", "award": 500_000, "award_after": 1_000_000, "gain": 500_000},
            {"application_id": "A005", "award": 0, "award_after": 80_000, "gain": 80_000},
        ],
    }
    assert (data["rule"], data["rule_zh"], data["comparison"]) == ("weighted", "加权价值最大", None)
    assert data["limits"] == {"min_award": 0, "per_enterprise": None, "item_share": {}, "district_budget": {}}
    assert data["overrides"] == []
    assert data["solver"]["gap"] is None and data["solver"]["stages"] == 2
    assert data["manifest"]["applications"]["sha256"] == "ab" * 32


def test_summary_without_next_million():
    data = summary_dict(build_result(next_million=False))
    assert "next_million" not in data
    json.dumps(data)
