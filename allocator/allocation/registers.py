"""Registers that come with every allocation: the waitlist (候补名单) and the supervision ledger (监管台账).

Waitlist: eligible applications that were cut or cut short (not fixed by a decision), in the order
the scenario's rule would give them more money — value per yuan of city money for ``weighted``,
tier then value for ``priority``, the same for ``maxmin``/``prorata`` after their common share. Each
row says what it would receive next: its shortfall, within a clause's cap shared by the enterprise's
applications (四, 六) and the per-enterprise, district and item-share limits after the ranks above it have
received theirs, and what that costs the city; ``cumulative_city_cost`` says how much released money
reaches down to that rank. ``allocator release`` and "another million" take exactly this walk
(:mod:`allocator.allocation.backfill`), so the list cannot promise what release would not give.

Ledger: for items whose clause attaches a duty to what the award buys (clause 四: purchased premises
may not be transferred, sold or let within 3 years), every funded application with the date the duty
ends.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..config.scenario import Scenario
from ..core.result import LEDGER_COLUMNS, WAITLIST_COLUMNS, Status
from ..policy.types import Policy
from .backfill import least_award, next_amounts
from .rounding import city_cost


def waitlist(
    frame: pd.DataFrame, table: pd.DataFrame, order: np.ndarray, scenario: Scenario, fixed: set[int]
) -> pd.DataFrame:
    """The 候补名单: rank, what each rank receives when released money reaches it (``next_award``, by
    :func:`allocator.allocation.backfill.next_amounts`, the walk ``allocator release`` takes) and the released city
    money that reaches down to it (``cumulative_city_cost``)."""
    award = table["award"].to_numpy(dtype=np.int64)
    cap = table["cap"].to_numpy(dtype=np.int64)
    least = least_award(frame, scenario.limits)
    short = table["eligible"].to_numpy() & (award < cap) & (cap >= np.maximum(least, 1))
    short &= (table["status"] != Status.OVERRIDDEN).to_numpy() & (frame["value"].to_numpy() > 0)
    short[list(fixed)] = False
    rows = ranked(short, order, table["application_id"].to_numpy())
    next_award = next_amounts(frame, award, rows, scenario.limits)
    num = frame["share_num"].to_numpy()[rows]
    den = frame["share_den"].to_numpy()[rows]
    after = city_cost(award[rows] + next_award, num, den) - city_cost(award[rows], num, den)
    out = table.iloc[rows][
        ["application_id", "applicant", "item", "item_name", "district", "cap", "award"]
    ].copy()
    out.insert(0, "rank", np.arange(1, len(rows) + 1))
    out["shortfall"] = cap[rows] - award[rows]
    out["next_award"] = next_award
    out["next_city_cost"] = after
    out["cumulative_city_cost"] = np.cumsum(after)
    return out.loc[:, list(WAITLIST_COLUMNS)].reset_index(drop=True)


def ranked(mask: np.ndarray, order: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The rows of ``mask`` in the rule's ``order`` (smaller first), ties by ``application_id``."""
    rows = np.flatnonzero(mask)
    return rows[np.lexsort((ids[rows], np.asarray(order, dtype=float)[rows]))]


def ledger(frame: pd.DataFrame, table: pd.DataFrame, policy: Policy, scenario: Scenario) -> pd.DataFrame:
    duties = {it.id: it for it in policy.items if it.ledger and it.ledger_years > 0}
    funded = table["item"].isin(set(duties)).to_numpy() & (table["award"].to_numpy() > 0)
    approved = date.fromisoformat(scenario.approved_on)
    rows = []
    for k in np.flatnonzero(funded):
        item = duties[table["item"].iat[k]]
        until = _add_years(approved, item.ledger_years)
        rows.append(
            {
                "application_id": table["application_id"].iat[k],
                "applicant": table["applicant"].iat[k],
                "credit_code": table["credit_code"].iat[k],
                "district": table["district"].iat[k],
                "purchase_area_m2": float(frame["purchase_area_m2"].iat[k]),
                "award": int(table["award"].iat[k]),
                "approved_on": approved.isoformat(),
                "no_transfer_until": until.isoformat(),
                "clause": item.clause,
                "note": f"{item.clause_label}：{item.ledger}",
            }
        )
    return pd.DataFrame(rows, columns=list(LEDGER_COLUMNS))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
