"""The Heilongjiang pack end to end: scenarios/heilongjiang-2008.toml on its shipped sample."""

import csv
import json
from pathlib import Path

import pytest

from allocator.authoring.demo import write_demo
from allocator.cli.main import main
from allocator.config.scenario import load_scenario
from allocator.intake.read import read_applications
from allocator.policy.pack import load_policy

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "heilongjiang-2008.toml"
SAMPLE = ROOT / "scenarios" / "data" / "heilongjiang-2008-applications.xlsx"
POLICY = load_policy("heilongjiang-2008")
HALVES = ("h12-purchase", "h12-rent", "h14-training", "h14-placement")  # 省、市共同负担: half each
FLOOR = 200_000  # clause 五: 不低于20万元


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "heilongjiang-2008"
    assert main(["run", str(SCENARIO), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def summary(run_dir):
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(run_dir):
    with (run_dir / "allocation.csv").open(encoding="utf-8-sig", newline="") as fh:
        out = list(csv.DictReader(fh))
    for row in out:
        for key in ("cap", "award", "city_cost", "district_cost"):
            row[key] = int(row[key])
    return out


def test_scenario_states_its_assumptions():
    s = load_scenario(SCENARIO)
    assert (s.policy, s.year, s.annual_fund) == ("heilongjiang-2008", 2009, 30_000_000)
    assert s.admin_fixed == s.admin_per_application == 0
    assert "文件未规定" in SCENARIO.read_text(encoding="utf-8")  # the fund is an assumption, said so
    discretionary = {it.id for it in POLICY.items if it.discretionary}
    assert set(s.discretionary) == discretionary
    for item_id in discretionary:
        assert set(POLICY.item(item_id).params) <= set(s.discretionary[item_id]), item_id
        assert s.discretionary_notes[item_id].startswith("假设："), item_id
    assert s.discretionary["h05-cert"]["amount"] >= FLOOR


def test_sample_is_the_seeded_demo(tmp_path):
    assert SAMPLE.stat().st_size < 100_000
    again = tmp_path / "again.xlsx"
    write_demo(again, 300, POLICY, seed=2009)
    assert again.read_bytes() == SAMPLE.read_bytes()
    frame = read_applications(SAMPLE, POLICY).frame
    assert len(frame) == 300 and set(frame["item"]) == {it.id for it in POLICY.items}


def test_run_balances(summary, rows):
    assert summary["status"] == "optimal"
    assert summary["available"] == 30_000_000 and summary["admin"] == 0
    assert summary["city_cost"] + summary["admin"] <= summary["available"]
    assert sum(r["city_cost"] for r in rows) == summary["city_cost"]
    assert summary["carryover_out"] == summary["available"] - summary["city_cost"] - summary["admin"]
    assert all(r["city_cost"] + r["district_cost"] == r["award"] for r in rows)
    assert all(0 <= r["award"] <= r["cap"] for r in rows)


def test_every_item_in_the_sample(rows):
    assert {r["item"] for r in rows} == {it.id for it in POLICY.items}


def test_the_fund_is_oversubscribed(summary, rows):
    asked = sum(r["cap"] * float(r["city_share"]) for r in rows)  # what the eligible ask of the fund
    assert asked > 1.5 * summary["available"]
    assert summary["requested_total"] > 2 * summary["annual_fund"]
    assert 0 < summary["funded"] < summary["eligible"] < summary["applications"]


def test_cert_floor(rows):
    cert = [r for r in rows if r["item"] == "h05-cert"]
    assert not [r for r in cert if 0 < r["award"] < FLOOR]  # 不低于20万元: 0 or at least the floor
    assert any(r["award"] >= FLOOR for r in cert)
    refused = [r for r in cert if r["eligible"] == "false" and "不低于20万元" in r["failed_condition"]]
    assert refused and all(r["cap"] == r["award"] == 0 for r in refused)


def test_cost_shares(rows):
    for r in rows:
        if r["item"] in HALVES:  # the province (the fund: city_cost) and the city, the fund the odd yuan
            assert float(r["city_share"]) == 0.5
            assert r["city_cost"] == r["award"] - r["award"] // 2 and r["district_cost"] == r["award"] // 2
        else:
            assert r["city_cost"] == r["award"] and r["district_cost"] == 0
    odd = [r for r in rows if r["item"] in HALVES and r["award"] % 2]
    assert odd and all(r["city_cost"] == r["district_cost"] + 1 for r in odd)  # the sample has odd awards
