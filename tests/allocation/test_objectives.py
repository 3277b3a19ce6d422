"""Each rationing rule on small hand-solved cases, to the yuan."""

from dataclasses import replace

from allocator.allocation.allocate import allocate
from allocator.config.scenario import Limits
from tests.builders import POLICY, frame, row, scenario


def hire(app_id: str, cap: int, score: float, **kw) -> dict:
    return row(app_id, "c13-hire", eligible_hires=cap // 2000, score=score, **kw)


def offshore(app_id: str, cap: int, score: float, **kw) -> dict:
    return row(app_id, "c09-offshore", offshore_increment_usd=cap * 5, score=score, **kw)


def awards(rows, **changes):
    result = allocate(scenario(**changes), POLICY, frame(rows), next_million=False)
    return result.table.set_index("application_id")["award"].to_dict(), result


THREE = [hire("H1", 80_000, 90), hire("H2", 60_000, 60), hire("H3", 20_000, 30)]


def test_weighted_funds_by_value_per_yuan():
    got, r = awards(THREE, annual_fund=100_000)
    assert got == {"H1": 80_000, "H2": 20_000, "H3": 0}
    assert r.summary.rule == "weighted" and r.solver.mip is False


def test_maxmin_raises_the_smallest_coverage_first():
    got, r = awards(THREE, annual_fund=100_000, rule="maxmin")
    assert got == {"H1": 50_000, "H2": 37_500, "H3": 12_500}  # everyone 62.5 %
    assert r.solver.level == 0.625
    assert set(r.table["status"]) == {"partial"}


def test_prorata_gives_everyone_the_same_ratio():
    got, r = awards(THREE, annual_fund=100_000, rule="prorata")
    assert got == {"H1": 50_000, "H2": 37_500, "H3": 12_500}
    assert "62.50%" in r.table["reason"].iloc[0]


def test_maxmin_and_prorata_differ_when_a_limit_holds_some_back():
    rows = [
        hire("E1", 80_000, 90, credit_code="91220101MA00000001"),
        hire("E2", 40_000, 90, credit_code="91220101MA00000001"),
        hire("P3", 40_000, 50, credit_code="91220101MA00000002"),
    ]
    limits = Limits(per_enterprise=50_000)
    pro, r = awards(rows, annual_fund=120_000, rule="prorata", limits=limits)
    assert pro == {"E1": 33_333, "E2": 16_667, "P3": 16_667}  # r = 5/12 for all; the rest is carried over
    assert r.summary.carryover_out == 120_000 - 66_667
    mm, _ = awards(rows, annual_fund=120_000, rule="maxmin", limits=limits)
    assert mm == {"E1": 33_333, "E2": 16_667, "P3": 40_000}  # the floor is held, the rest goes by value


def test_priority_funds_earlier_tiers_first_and_by_value_within():
    rows = [hire("H", 60_000, 90), offshore("O1", 50_000, 80), offshore("O2", 50_000, 40)]
    got, _ = awards(rows, annual_fund=80_000)
    assert got == {"H": 60_000, "O1": 20_000, "O2": 0}  # weighted
    got, r = awards(rows, annual_fund=80_000, rule="priority", tiers=(("c09-offshore",),))
    assert got == {"H": 0, "O1": 50_000, "O2": 30_000}
    assert "第 2 档" in r.table.set_index("application_id").at["H", "reason"]


def test_min_award_is_a_milp_with_its_gap():
    rows = [hire("A", 50_000, 90), hire("B", 50_000, 80)]
    got, _ = awards(rows, annual_fund=55_000)
    assert got == {"A": 50_000, "B": 5_000}
    got, r = awards(rows, annual_fund=55_000, limits=Limits(min_award=10_000))
    assert got == {"A": 45_000, "B": 10_000}  # 0.9×45,000 + 0.8×10,000 beats 0.9×50,000
    assert r.solver.mip is True and r.solver.gap is not None and r.solver.gap <= 1e-9


def test_prorata_with_min_award_drops_only_shares_below_it():
    rows = [hire("A", 100_000, 80), hire("B", 100_000, 80), hire("C", 10_000, 80)]
    got, r = awards(rows, annual_fund=150_000, rule="prorata", limits=Limits(min_award=10_000))
    assert got == {"A": 75_000, "B": 75_000, "C": 0}  # 150/210 of 10,000 would be below 10,000
    assert "最低支持额" in r.table.set_index("application_id").at["C", "reason"]


def test_rules_cost_is_compared_with_the_default():
    r = allocate(scenario(annual_fund=100_000, rule="maxmin"), POLICY, frame(THREE))
    c = r.comparison
    assert c.rule == "maxmin"
    assert c.default_value == 0.9 * 80_000 + 0.6 * 20_000
    assert c.value == 0.9 * 50_000 + 0.6 * 37_500 + 0.3 * 12_500
    assert c.cost > 0 and c.min_coverage == 0.625 and c.default_min_coverage == 0.0
    assert allocate(scenario(annual_fund=100_000), POLICY, frame(THREE)).comparison is None


def test_shadow_price_is_the_marginal_value_of_a_yuan():
    r = allocate(scenario(annual_fund=100_000), POLICY, frame(THREE))
    assert r.summary.shadow_price == 0.6  # the next yuan goes to H2 (score 60)
    rich = allocate(scenario(annual_fund=1_000_000), POLICY, frame(THREE))
    assert rich.summary.shadow_price == 0.0  # nothing left to buy


def test_row_order_changes_no_award_under_any_rule():
    rows = THREE + [offshore("O1", 30_000, 60), offshore("O2", 30_000, 60)]
    for rule in ("weighted", "priority", "maxmin", "prorata"):
        sc = scenario(annual_fund=120_000, rule=rule, tiers=(("c09-offshore",),))
        a = allocate(sc, POLICY, frame(rows), next_million=False).table["award"].tolist()
        b = allocate(replace(sc), POLICY, frame(rows[::-1]), next_million=False).table["award"].tolist()
        assert a == b, rule


def test_every_rule_with_a_milp_also_solves_with_cbc():
    rows = [hire("A", 50_000, 90), hire("B", 50_000, 80), hire("C", 8_000, 70)]
    for rule in ("weighted", "priority", "maxmin", "prorata"):
        for solver in ("highs", "cbc"):
            got, r = awards(
                rows, annual_fund=55_000, rule=rule, limits=Limits(min_award=10_000), solver=solver
            )
            assert r.solver.mip and r.solver.name == {"highs": "HiGHS", "cbc": "CBC"}[solver]
            assert got["C"] == 0 and all(v == 0 or v >= 10_000 for v in got.values()), (rule, solver)
            if rule == "weighted":
                assert got == {"A": 45_000, "B": 10_000, "C": 0}


def test_maxmin_shares_what_lies_above_the_floor_fairly():
    """The enterprise limit holds E1 and E2 at 5/12 of their caps, so that is everyone's floor; the
    16,667 yuan left go by value to P3 and P4, one value class, which the tie-break splits evenly above
    their floors (not one paid in full and the other left at the floor)."""
    rows = [
        hire("E1", 80_000, 90, credit_code="91220101MA00000001"),
        hire("E2", 40_000, 90, credit_code="91220101MA00000001"),
        hire("P3", 40_000, 50, credit_code="91220101MA00000002"),
        hire("P4", 40_000, 50, credit_code="91220101MA00000003"),
    ]
    got, r = awards(rows, annual_fund=100_000, rule="maxmin", limits=Limits(per_enterprise=50_000))
    assert got == {"E1": 33_333, "E2": 16_667, "P3": 25_000, "P4": 25_000}
    assert abs(r.solver.level - 5 / 12) < 1e-9


def test_every_rule_solves_again_after_rebudget_with_either_solver():
    """Another million re-solves the year's model (rebudget): the rule's own variables and maxmin's
    floors are taken out first, so CBC, which builds its model from PuLP's variables, sees no column
    without a row, and both solvers agree."""
    rows = THREE + [offshore("O1", 30_000, 60), offshore("O2", 30_000, 60)]
    for rule in ("weighted", "priority", "maxmin", "prorata"):
        got = {}
        for solver in ("highs", "cbc"):
            sc = scenario(annual_fund=120_000, rule=rule, solver=solver, tiers=(("c09-offshore",),))
            r = allocate(sc, POLICY, frame(rows))
            more = r.next_million
            assert more is not None
            got[solver] = (r.table["award"].tolist(), more.awarded_gain, round(more.value_gain, 6))
        assert got["highs"] == got["cbc"], rule


def test_rebudget_takes_out_the_floors_and_the_rules_variables():
    from allocator.allocation.evaluate import caps
    from allocator.allocation.rationing import optimise
    from allocator.model.build import Budget, build_model
    from allocator.model.highs import BulkHiGHS
    from allocator.model.stages import rebudget

    rows = THREE + [offshore("O1", 30_000, 60), offshore("O2", 30_000, 60)]
    sc = scenario(annual_fund=120_000, rule="maxmin")
    capped = caps(frame(rows), POLICY, sc).frame
    budget = Budget(120_000, 0, 1_200)
    model = build_model(capped, budget, sc.limits)
    built = {v.name for v in model.problem.variables()}
    optimise(model, capped, sc, set(), BulkHiGHS(msg=False))
    assert all(v.lowBound > 0 for v in model.x) and "coverage" not in {
        v.name for v in model.problem.variables()
    }
    rebudget(model, Budget(220_000, 0, 1_200))
    assert all(v.lowBound == 0 for v in model.x) and not model.raised
    assert {v.name for v in model.problem.variables()} == built


def test_every_rule_gives_the_same_answer_when_stages_are_solved_afresh(monkeypatch):
    """From LARGE_STAGE_FROM columns up a rule's next stage is solved from nothing with presolve
    (allocator.model.highs); lowered to 0 here, every rule with its next million answers as before."""
    import allocator.model.highs as highs

    # no two applications of one value class (where an optimum may split a class either way)
    rows = THREE + [offshore("O1", 30_000, 65), offshore("O2", 30_000, 55), hire("H4", 20_000, 35)]
    limits = Limits(per_enterprise=90_000, item_share={"c09-offshore": (0.1, 0.5)})
    for rule in ("weighted", "priority", "maxmin", "prorata"):
        sc = scenario(annual_fund=120_000, rule=rule, tiers=(("c09-offshore",),), limits=limits)
        warm = allocate(sc, POLICY, frame(rows))
        with monkeypatch.context() as m:
            m.setattr(highs, "LARGE_STAGE_FROM", 0)
            fresh = allocate(sc, POLICY, frame(rows))
        assert fresh.table["award"].tolist() == warm.table["award"].tolist(), rule
        assert fresh.next_million.awarded_gain == warm.next_million.awarded_gain, rule


def test_every_rule_of_a_scenario_is_in_the_registry_with_one_signature():
    import inspect

    from allocator.allocation.rationing import RULES
    from allocator.config.scenario import RULES as NAMES
    from allocator.config.scenario import RULES_ZH

    assert list(RULES) == list(NAMES) == list(RULES_ZH)
    signatures = {name: list(inspect.signature(rule.stages).parameters) for name, rule in RULES.items()}
    assert all(s == ["model", "frame", "scenario", "free", "out", "solver"] for s in signatures.values())
    assert [n for n, r in RULES.items() if not r.tie_break] == ["prorata"]  # equal shares: nothing to break
