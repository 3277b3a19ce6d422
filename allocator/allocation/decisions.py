"""What is decided before the solve: the scenario's overrides and the fixed awards (earlier batches, a
release's kept and refilled awards, rent commitments) as rows with their amounts, notes and floors."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..config.scenario import Scenario, scenario_error
from ..core.errors import ScenarioError
from ..core.result import Fixed
from ..intake.ids import fold
from .diagnose import Parties


@dataclass(frozen=True)
class Decisions:
    fixed: dict[int, int]  # row -> award, overrides and Fixed together
    notes: dict[int, str]  # row -> reason, for Fixed rows
    overridden: set[int]  # rows fixed by [[override]]
    floors: dict[int, int]  # row -> least award (release: the waitlist keeps what it has)
    commitment_rows: set[int]
    waiting: frozenset[int] = frozenset()  # fixed rows that stay on the waitlist (release's "refill")

    def parties(self) -> Parties:
        """The fixed awards as a conflict names them (allocator.allocation.diagnose): [[override]] s adjustable."""
        how = {r: "方案决定支持" for r in self.overridden if r not in self.notes}
        how.update({r: note.split("（", 1)[0].split("，", 1)[0] for r, note in self.notes.items()})
        return Parties(self.fixed, how, frozenset(r for r in self.overridden if r not in self.notes))


def decisions(
    frame: pd.DataFrame,
    scenario: Scenario,
    fixed: Mapping[str, Fixed],
    floors: Mapping[str, int],
    decided: Mapping[str, int],
) -> Decisions:
    position = {app: k for k, app in enumerate(frame["application_id"])}
    chosen = overrides(frame, scenario)
    notes: dict[int, str] = {}
    commitment_rows: set[int] = set()
    missing = sorted(set(fixed) - set(position)) + sorted(set(floors) - set(position))
    if missing:
        raise ScenarioError(
            f"已确定的拟支持项目 {'、'.join(missing[:10])} 不在本次申报数据中（上年承诺、收回前的结果须一并列入申报表）",
            f"fixed awards name applications not in the workbook: {', '.join(missing[:10])}",
        )
    cap = frame["cap"].to_numpy()
    for app, f in sorted(fixed.items()):
        r = position[app]
        if r in chosen:
            continue  # an [[override]] in the scenario decides
        if f.amount > cap[r] or (f.amount > 0 and not frame["eligible"].iat[r]):
            raise ScenarioError(
                f"已确定的拟支持项目 {app} 金额 {f.amount:,} 元超过其本次核定上限 {int(cap[r]):,} 元（申报数据是否有变？）",
                f"fixed award {app} of {f.amount:,} yuan is above its cap {int(cap[r]):,} (did the application change?)",
            )
        chosen[r] = f.amount
        notes[r] = f.note
        if f.kind == "commitment":
            commitment_rows.add(r)
    for app, amount in decided.items():
        if position.get(app) is not None and position[app] not in chosen:
            chosen[position[app]] = int(amount)
    lows = {position[a]: int(v) for a, v in floors.items() if position[a] not in chosen}
    overridden = {position[o.application_id] for o in scenario.overrides}
    overridden |= {position[a] for a, f in fixed.items() if f.kind == "withdrawn"}
    waiting = frozenset(position[a] for a, f in fixed.items() if f.kind == "refill")
    return Decisions(chosen, notes, overridden, lows, commitment_rows, waiting)


def overrides(frame: pd.DataFrame, scenario: Scenario) -> dict[int, int]:
    """``[[override]]`` as fixed awards by row; an override never goes beyond the policy."""
    position = {app: k for k, app in enumerate(frame["application_id"])}
    fixed: dict[int, int] = {}
    for k, o in enumerate(scenario.overrides):
        wanted = fold(str(o.application_id))  # as the intake keeps its ids: NFKC, no invisible characters
        if wanted not in position:
            near = difflib.get_close_matches(
                str(o.application_id), [str(a) for a in position], n=1, cutoff=0.6
            )
            raise scenario_error(
                scenario,
                ("override", k, "application_id"),
                o.application_id,
                "申报数据中的某个申报编号（此编号不在申报数据中）",
                "an application id of the applications (this one is not among them)",
                f"是否应为 / did you mean: {near[0]}" if near else "",
            )
        r = position[wanted]
        cap = int(frame["cap"].iat[r])
        amount = cap if o.award == "cap" else int(o.award)
        if not frame["eligible"].iat[r]:
            raise ScenarioError(
                f"[[override]] {o.application_id} 不符合条件，不能决定支持（不予支持无需决定）：{frame['ineligible_reason'].iat[r]}",
                f"[[override]] {o.application_id} is ineligible: it cannot be funded, and needs no decision to be refused",
            )
        if amount > cap:
            raise ScenarioError(
                f"[[override]] {o.application_id} 的金额 {amount:,} 元超过其核定上限 {cap:,} 元（政策或申请金额）",
                f"[[override]] {o.application_id}: {amount:,} yuan is above its cap {cap:,}",
            )
        fixed[r] = amount
    return fixed
