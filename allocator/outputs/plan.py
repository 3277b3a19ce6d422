"""Outputs of a multi-year plan: each year's outputs, and the plan's own workbook, JSON and chart.

``write_plan_outputs(plan, out_dir)`` writes

================ ================================================================================
``<year>/``      every output of that year (:func:`~allocator.outputs.write_outputs`' files)
plan.xlsx        年度资金链 (the fund chain, formulas), 承诺 (rent subsidies owed from year to year, clause
                 四), 监管台账 (all years' ledgers), 联合与逐年对比 (joint against sequential, joint only)
plan.json        the chain, the commitments, the comparison and the totals, for programs
charts/plan.*    by year: the annual fund, the city spending (last year's commitments hatched), carryover
================ ================================================================================

Everything is written into a temporary folder beside ``out_dir`` first and moved into place only when every
file was written, like :func:`~allocator.outputs.write_outputs`; a year's ``approved.xlsx`` that would change is
replaced only with ``force`` (and then kept beside the new one).

This module holds the frames the outputs share (checked: an inconsistent plan writes nothing), plan.json and
:func:`write_plan_outputs`; the workbook is :mod:`allocator.outputs.plan_xlsx` and the chart
:mod:`allocator.outputs.plan_chart`, whose names are importable from here too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..core.result import CHAIN_COLUMNS, COMMITMENT_COLUMNS, PlanResult
from ._common import text
from .plan_chart import HATCH_EDGE as HATCH_EDGE
from .plan_chart import draw_plan, plan_chart_data, write_plan_chart
from .plan_frames import FORESIGHT_COLUMNS, all_commitments, chain_frame, foresight_frame, plan_ledger
from .plan_xlsx import (
    CHAIN_HEADERS,
    CHAIN_SHEET,
    COMMITMENT_HEADERS,
    COMMITMENT_SHEET,
    FORESIGHT_SHEET,
    MODES_ZH,
    PLAN_LEDGER_SHEET,
    PLAN_SHEETS,
    chain_cells,
    write_plan_xlsx,
)
from .plan_xlsx import PLAN_LEDGER_HEADERS as PLAN_LEDGER_HEADERS

__all__ = [
    "CHAIN_HEADERS",
    "CHAIN_SHEET",
    "COMMITMENT_HEADERS",
    "COMMITMENT_SHEET",
    "FORESIGHT_COLUMNS",
    "FORESIGHT_SHEET",
    "PLAN_LEDGER_SHEET",
    "PLAN_SHEETS",
    "all_commitments",
    "chain_cells",
    "chain_frame",
    "draw_plan",
    "foresight_frame",
    "plan_chart_data",
    "plan_dict",
    "write_plan_chart",
    "write_plan_json",
    "write_plan_outputs",
    "write_plan_xlsx",
]


def _records(frame: pd.DataFrame, ints: tuple[str, ...]) -> list[dict]:
    out = []
    for _, row in frame.iterrows():
        out.append({c: int(row[c]) if c in ints else text(row[c]) for c in COMMITMENT_COLUMNS})
    return out


def plan_dict(plan: PlanResult) -> dict:
    """plan.json as a dict: name, mode, policy, carryover_in, years (the chain), commitments (``by_year``:
    owed in each year of the plan; ``owed_beyond_plan``: owed after its last year), foresight (or null) and
    totals (funds + initial carryover = city cost + admin + final carryover: ``balanced``)."""
    chain = chain_frame(plan)
    ints = ("from_year", "to_year", "award", "city_cost")
    years = [
        {c: (float(r[c]) if c == "value" else int(r[c])) for c in CHAIN_COLUMNS} for _, r in chain.iterrows()
    ]
    everything = all_commitments(plan)
    by_year = []
    for y in plan.years:
        owed = everything[everything["to_year"] == int(y.year)]
        by_year.append(
            {
                "year": int(y.year),
                "count": len(owed),
                "award": int(owed["award"].sum()),
                "city_cost": int(owed["city_cost"].sum()),
                "commitments": _records(owed, ints),
            }
        )
    beyond = everything[everything["beyond_plan"]]
    funds = int(chain["annual_fund"].sum())
    city = int(chain["city_cost"].sum())
    admin = int(chain["admin"].sum())
    initial = int(plan.carryover_in)
    final = int(chain["carryover_out"].iloc[-1]) if len(chain) else initial
    fs = foresight_frame(plan)
    foresight = None
    if fs is not None:
        foresight = [
            {c: (int(r[c]) if c == "year" or not c.startswith("value") else float(r[c])) for c in fs.columns}
            for _, r in fs.iterrows()
        ]
    return {
        "name": plan.name,
        "mode": plan.mode,
        "mode_zh": MODES_ZH.get(plan.mode, plan.mode),
        "policy": getattr(plan.policy, "id", ""),
        "path": text(plan.path),
        "sequential_note": str(getattr(plan, "sequential_note", "") or ""),
        "carryover_in": initial,
        "years": years,
        "commitments": {
            "by_year": by_year,
            "owed_beyond_plan": {
                "count": len(beyond),
                "award": int(beyond["award"].sum()),
                "city_cost": int(beyond["city_cost"].sum()),
                "commitments": _records(beyond, ints),
            },
        },
        "ledger_total": len(plan_ledger(plan)),
        "foresight": foresight,
        "totals": {
            "funds": funds,
            "initial_carryover": initial,
            "city_cost": city,
            "admin": admin,
            "final_carryover": final,
            "balanced": funds + initial == city + admin + final,
        },
    }


def write_plan_json(plan: PlanResult, path: str | Path) -> Path:
    path = Path(path)
    data = plan_dict(plan)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- all
def write_plan_outputs(plan: PlanResult, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Each year's outputs into ``out_dir/<year>/``, then plan.xlsx, plan.json and charts/plan.png/.svg; all
    staged beside ``out_dir`` and moved into place only once every file was written. Returns the paths.

    ``force``: replace a year's ``approved.xlsx`` that the plan changes (kept beside it); without it, that is
    an :class:`~allocator.core.errors.OutputError` and nothing is written."""
    from . import write_all
    from .publish import install, staged

    out_dir = Path(out_dir)
    chain_frame(plan)  # inconsistent: nothing written, not even a year
    with staged(out_dir) as staging:
        relative: list[Path] = []
        for y in plan.years:
            folder = Path(str(int(y.year)))
            (staging / folder).mkdir()
            relative += [folder / p for p in write_all(y.result, staging / folder)[1]]
        written = [
            write_plan_xlsx(plan, staging / "plan.xlsx"),
            write_plan_json(plan, staging / "plan.json"),
            *write_plan_chart(plan, staging / "charts"),
        ]
        relative += [p.relative_to(staging) for p in written]
        return install(staging, relative, out_dir, force=force)
