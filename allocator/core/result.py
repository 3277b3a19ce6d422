"""What an allocation run hands to the writers: the result, with its explanation.

Outputs are pure functions of an :class:`AllocationResult`; they never call the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd


class Status(StrEnum):
    """Each application's outcome (``allocation.csv`` column ``status``)."""

    FUNDED = "funded"  # award == cap > 0
    PARTIAL = "partial"  # 0 < award < cap
    UNFUNDED = "unfunded"  # eligible, award == 0
    INELIGIBLE = "ineligible"  # fails a condition, or nothing to fund (cap 0)
    OVERRIDDEN = "overridden"  # fixed outside the model (issue 3)

    @property
    def zh(self) -> str:
        return STATUS_ZH[self]


STATUS_ZH = {
    Status.FUNDED: "全额支持",
    Status.PARTIAL: "部分支持",
    Status.UNFUNDED: "未获支持",
    Status.INELIGIBLE: "不符合条件",
    Status.OVERRIDDEN: "决定支持",
}

#: Columns of ``AllocationResult.table``, in order. Money columns are whole yuan (int64).
TABLE_COLUMNS = (
    "application_id",  # str
    "applicant",  # str
    "credit_code",  # str
    "district",  # str
    "item",  # item id
    "item_name",  # Chinese name of the item
    "clause",  # clause number, e.g. "四"
    "source_sheet",  # where the row came from
    "source_row",  # 1-based Excel row
    "requested",  # float yuan or NaN
    "score",  # float 0-100 or NaN (as read)
    "eligible",  # bool
    "failed_condition",  # str: the condition that failed (policy words), "" if eligible
    "policy_amount",  # int yuan: the policy formula before the cap (the cap when there is no formula)
    "cap",  # int yuan: min(policy formula, policy cap, requested); 0 if ineligible
    "cap_group",  # str: the clause cap it shares with the enterprise's other applications ("" for none)
    "city_share",  # float, the city fund's share of the award
    "weight",  # float, scenario weight of the item
    "value",  # float, objective value of one yuan of award (weight × score / 100)
    "award",  # int yuan
    "city_cost",  # int yuan
    "district_cost",  # int yuan (award - city_cost)
    "status",  # Status value
    "reason",  # str, Chinese: what decided the award
)


#: 候补名单: eligible applications cut or cut short, in the order released money would reach them.
WAITLIST_COLUMNS = (
    "rank",  # 1, 2, …
    "application_id",
    "applicant",
    "item",
    "item_name",
    "district",
    "cap",  # int yuan
    "award",  # int yuan now
    "shortfall",  # cap - award
    "next_award",  # int yuan: what it would receive next (its shortfall within the limits)
    "next_city_cost",  # int yuan: the city money that takes
    "cumulative_city_cost",  # int yuan: released money needed to reach down to this rank
)

#: 监管台账 (clause 四): purchased premises may not be transferred, sold or let for 3 years.
LEDGER_COLUMNS = (
    "application_id",
    "applicant",
    "credit_code",
    "district",
    "purchase_area_m2",  # float m²
    "award",  # int yuan
    "approved_on",  # ISO date
    "no_transfer_until",  # ISO date: approved_on + 3 years
    "clause",  # "四"
    "note",  # the policy's words
)


@dataclass(frozen=True)
class Fixed:
    """An award fixed before this run: an earlier batch, a commitment from last year, or kept on release."""

    amount: int
    note: str  # the reason shown (Chinese)
    kind: str = "batch"  # "batch" | "commitment" | "kept" | "withdrawn" (taken back: status overridden)
    # | "refill" (release: a waitlisted award after 依次递补; it stays on the waitlist)


@dataclass(frozen=True)
class Summary:
    """The figures of ``summary.json`` (all money in whole yuan)."""

    annual_fund: int
    carryover_in: int
    available: int  # annual_fund + carryover_in
    admin: int
    awarded: int  # Σ award
    city_cost: int  # Σ city share of awards
    district_cost: int  # Σ district share of awards
    carryover_out: int  # available - city_cost - admin
    status: str  # "optimal"
    applications: int
    funded: int  # applications with award > 0
    eligible: int = 0
    requested_total: int = 0  # Σ cap over eligible applications (what policy allows them)
    admin_planned: int = 0
    admin_limit: int = 0  # admin_rate × annual_fund (clause 十九)
    rule: str = "weighted"
    value: float = 0.0  # Σ weight × score / 100 × award (the weighted value of the allocation)
    shadow_price: float = 0.0  # weighted value of one more yuan of budget (re-solved, see pipeline)
    reserve: int = 0  # [budget] reserve_for_later_batches: kept unspent (part of carryover_out)
    batch: int = 1  # approval batch within the year (clause 二十)
    commitments_in: int = 0  # city cost of awards owed from the previous year (clause 四 rent, year 2)


@dataclass(frozen=True)
class SolverInfo:
    name: str  # "HiGHS" or "CBC"
    version: str
    status: str  # "optimal"
    objective: float
    seconds: float
    mip: bool = False
    stages: int = 1  # solves done (e.g. value, then the fair tie-break)
    gap: float | None = None  # relative MIP gap proven (None for an LP)
    rule: str = "weighted"
    level: float | None = None  # the rule's common level: min coverage (maxmin) or ratio (prorata)
    retries: tuple = ()  # allocator.solve.run.Retry: the fallbacks any stage of the run needed


@dataclass(frozen=True)
class RuleComparison:
    """The scenario's rule against the default (weighted), same budget, limits and overrides."""

    rule: str
    value: float  # weighted value under the scenario's rule
    default_value: float  # under the default rule
    funded: int
    default_funded: int
    min_coverage: float  # smallest award/cap over eligible, non-overridden applications
    default_min_coverage: float

    @property
    def cost(self) -> float:
        """Weighted value given up for the rule (≥ 0 up to rounding)."""
        return self.default_value - self.value


@dataclass(frozen=True)
class NextMillion:
    """What another 1,000,000 yuan would buy given down the waitlist (依次递补, as a release would)."""

    extra: int  # yuan added to the available fund
    value_gain: float  # objective gained
    awarded_gain: int  # yuan more awarded
    city_cost_gain: int
    newly_funded: int  # applications with award 0 before, > 0 after
    changed: pd.DataFrame  # application_id, applicant, item, item_name, district, award, award_after, gain


@dataclass(frozen=True)
class AllocationResult:
    scenario: object  # allocator.config.scenario.Scenario
    policy: object  # allocator.policy.pack.Policy
    table: pd.DataFrame  # TABLE_COLUMNS, one row per application, sorted by application_id
    summary: Summary
    solver: SolverInfo
    manifest: dict = field(default_factory=dict)  # input hashes, versions, scenario path, …
    next_million: NextMillion | None = None
    comparison: RuleComparison | None = None  # None when the rule is the default
    waitlist: pd.DataFrame | None = None  # WAITLIST_COLUMNS, rank 1 first (候补名单)
    ledger: pd.DataFrame | None = None  # LEDGER_COLUMNS: purchased premises under supervision (监管台账)
    #: allocator.intake.roster.EXCLUSION_COLUMNS (人员核减), when the workbook has a roster
    roster_exclusions: pd.DataFrame | None = None
    frontier: object | None = (
        None  # allocator.analysis.sweep.Frontier around the scenario's fund (for the report)
    )
    intake_warnings: tuple = ()  # allocator.core.errors.Problem: what the intake read past (a column of the office's own)

    @property
    def funded(self) -> pd.DataFrame:
        return self.table[self.table["award"] > 0]

    @property
    def scores_defaulted(self) -> bool:
        """No application of this batch has a 评审得分 (the column blank, or none at all): every one is valued
        at the scenario's ``default_score`` alike, so the weights alone rank them, and the console, 汇总
        and the report (html and pdf) say so (:func:`scores_defaulted_text`; issue 16, point 5)."""
        t = self.table
        if "score" not in t or not len(t):
            return False
        if "batch" in t:  # the earlier batches' rows, fixed, are not this workbook's
            batch = int(getattr(self.summary, "batch", 1) or 1)
            t = t[pd.to_numeric(t["batch"], errors="coerce").fillna(1).to_numpy() == batch]
        return bool(len(t)) and bool(pd.to_numeric(t["score"], errors="coerce").isna().all())


def scores_defaulted_text(result: AllocationResult) -> str:
    """The sentence the console, 汇总 and the report give when :attr:`AllocationResult.scores_defaulted`,
    else ``""``."""
    if not result.scores_defaulted:
        return ""
    score = getattr(result.scenario, "default_score", 60)
    return (
        f"注意：本次申报均未填写评审得分（申报表没有「评审得分」列或该列全部为空），每件申报均按缺省评审得分"
        f" {score:g} 分计算，分配只体现各支持事项的权重，未体现评审结果；如已评审，请填写评审得分后重新运行。"
    )


@dataclass(frozen=True)
class YearOutcome:
    """One year of a multi-year plan."""

    year: int
    result: AllocationResult
    commitments_in: pd.DataFrame  # COMMITMENT_COLUMNS: owed from the previous year, funded first
    commitments_out: pd.DataFrame  # COMMITMENT_COLUMNS: owed to the next year


#: A rent subsidy (clause 四, 2 consecutive years) approved in year t is owed again in year t + 1.
COMMITMENT_COLUMNS = (
    "application_id",  # in the year that owes it
    "source_id",  # the application approved the year before
    "applicant",
    "credit_code",
    "district",
    "item",
    "from_year",
    "to_year",
    "award",  # int yuan owed
    "city_cost",  # int yuan
)

#: The yearly chain of a plan (plan.json "years", the plan workbook's 年度资金链).
CHAIN_COLUMNS = (
    "year",
    "annual_fund",
    "carryover_in",  # = the previous year's carryover_out
    "available",
    "admin",
    "city_cost",  # includes commitments_in
    "district_cost",
    "awarded",
    "commitments_in",  # city cost owed from the previous year
    "commitments_out",  # city cost owed to the next year
    "carryover_out",
    "funded",
    "applications",
    "value",
)


@dataclass(frozen=True)
class PlanResult:
    name: str
    policy: object  # Policy
    mode: str  # "sequential" | "joint"
    years: tuple[YearOutcome, ...]
    chain: pd.DataFrame  # CHAIN_COLUMNS, one row per year
    carryover_in: int  # before the first year
    #: joint only: per year, value / awarded / carryover_out under joint and sequential
    foresight: pd.DataFrame | None = None
    path: str = ""  # the plan file
    sequential_note: str = ""  # joint only: why the year-by-year plan could not be compared (e.g. infeasible)
