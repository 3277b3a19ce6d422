"""A pack the office wrote, loaded from a path, changes awards exactly as its numbers say."""

import json
from pathlib import Path

from allocator.allocation.allocate import allocate
from allocator.cli.main import main
from allocator.config.scenario import load_scenario
from allocator.policy.pack import load_policy
from tests.builders import frame, row, scenario

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "allocator" / "policies" / "changchun-2017.toml"


def our_city(tmp_path: Path) -> Path:
    text = PACK.read_text(encoding="utf-8").replace('id = "changchun-2017"', 'id = "our-city"')
    text = text.replace(
        'amount = "2000 * eligible_hires"', 'amount = "3000 * eligible_hires"'
    )  # 3,000 a hire
    text = text.replace("cap = 5_000_000\n", "cap = 4_000_000\n")  # premises: at most 4 million
    path = tmp_path / "packs" / "our-city.toml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def test_changed_numbers_change_the_awards(tmp_path):
    pack = load_policy(our_city(tmp_path))
    buy = dict(certified=1.0, registered_capital=20_000_000, has_property_cert=1.0, has_land_cert=1.0)
    rows = [row("H", "c13-hire", eligible_hires=10), row("B", "c04-buy", purchase_area_m2=20_000, **buy)]
    ours = allocate(scenario(policy="our-city"), pack, frame(rows), next_million=False).table.set_index(
        "application_id"
    )
    theirs = allocate(
        scenario(), load_policy("changchun-2017"), frame(rows), next_million=False
    ).table.set_index("application_id")
    assert (theirs.at["H", "award"], ours.at["H", "award"]) == (20_000, 30_000)
    assert (theirs.at["B", "award"], ours.at["B", "award"]) == (5_000_000, 4_000_000)


def test_scenario_loads_a_pack_by_path_relative_to_itself(tmp_path):
    our_city(tmp_path)
    text = (ROOT / "scenarios" / "changchun-2017.toml").read_text(encoding="utf-8")
    text = text.replace('policy = "changchun-2017"', 'policy = "packs/our-city.toml"')
    text = text.replace(
        "data/changchun-2017-applications.xlsx", str(ROOT / "scenarios/data/changchun-2017-applications.xlsx")
    )
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    assert load_scenario(tmp_path / "s.toml").policy == "packs/our-city.toml"
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["manifest"]["policy"] == "our-city"
