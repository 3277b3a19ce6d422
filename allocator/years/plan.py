"""Multi-year plans: the fund over the years, with carryover (clause 二十) and commitments (clause 四).

```toml
[plan]
name = "十三五 服务外包专项资金"
policy = "changchun-2017"
mode = "sequential"            # "sequential": each year in turn; "joint": one model over all years
carryover_in = 0
base = "changchun-2017.toml"   # optional: rule, weights, limits, discretionary numbers, admin costs
[plan.years.2017]
annual_fund = 20000000
applications = "data/2017.xlsx"
```

Year t's carryover out is exactly year t + 1's carryover in. An item paid for several consecutive
years (clause 四 rent: 2) approved in year t is owed in year t + 1 for the same applicant and area: it
is fixed there before anything else is allocated (the same application if the workbook has it again,
otherwise a row carried over from year t) and reported as a commitment. ``joint`` mode is in
allocator.years.joint.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..allocation.allocate import allocate
from ..config.checks import approval_out_of_range, out_of_range
from ..config.manifest import manifest_for
from ..config.scenario import Scenario, load_scenario
from ..config.toml_text import SCENARIO_MAX_BYTES
from ..core.errors import InfeasibleError, ScenarioError
from ..core.result import COMMITMENT_COLUMNS, AllocationResult, Fixed, PlanResult, YearOutcome
from ..intake.read import read_applications
from ..policy.fields import SOURCE_ROW, SOURCE_SHEET
from ..policy.pack import load_policy
from ..policy.types import Policy
from .plan_result import COMMITMENT_NOTE, commitments_from, plan_result

MODES = ("sequential", "joint")
YEAR_KEYS = {"annual_fund", "applications", "admin_fixed", "admin_per_application", "approval_date"}


@dataclass(frozen=True)
class PlanSpec:
    name: str
    path: Path
    policy: Policy
    mode: str
    carryover_in: int
    years: tuple[tuple[int, Scenario], ...]  # each year's scenario (carryover_in still 0)


def load_plan(path: str | Path) -> PlanSpec:
    path = Path(path)

    def fail(zh: str, en: str) -> ScenarioError:
        return ScenarioError(f"计划文件 {path}：{zh}", f"plan file {path}: {en}")

    data = _plan_toml(path, fail)
    plan = data.get("plan")
    if not isinstance(plan, dict) or not isinstance(plan.get("years"), dict) or not plan["years"]:
        raise fail(
            "须有 [plan] 和至少一个 [plan.years.<年度>]", "needs [plan] and at least one [plan.years.<year>]"
        )
    unknown = set(plan) - {"name", "policy", "mode", "carryover_in", "base", "years"}
    if unknown:
        raise fail(
            f"[plan] 中有未知的键 {sorted(unknown)[0]}", f"unknown key {sorted(unknown)[0]!r} in [plan]"
        )
    mode = plan.get("mode", "sequential")
    if mode not in MODES:
        raise fail(
            f"mode 应为 sequential 或 joint，实际为 {mode!r}",
            f"mode must be sequential or joint, got {mode!r}",
        )
    carry = plan.get("carryover_in", 0)
    if isinstance(carry, bool) or not isinstance(carry, int) or carry < 0:
        raise fail("carryover_in 应为非负整数（元）", "carryover_in must be whole yuan ≥ 0")
    _in_range(("budget", "carryover_in"), carry, "[plan] carryover_in", fail)
    base = load_scenario(path.parent / plan["base"]) if "base" in plan else None
    policy_id = str(plan.get("policy", base.policy if base else ""))
    if not policy_id:
        raise fail("须给出 policy（或 base 方案）", "needs policy (or a base scenario)")
    policy = load_policy(policy_id, base=path.parent)
    years = []
    for key, spec in sorted(plan["years"].items(), key=lambda kv: _year(kv[0], fail)):
        year = _year(key, fail)
        if not isinstance(spec, dict) or "annual_fund" not in spec or "applications" not in spec:
            raise fail(
                f"[plan.years.{key}] 须有 annual_fund 和 applications",
                f"[plan.years.{key}] needs annual_fund and applications",
            )
        extra = set(spec) - YEAR_KEYS
        if extra:
            raise fail(
                f"[plan.years.{key}] 中有未知的键 {sorted(extra)[0]}",
                f"unknown key {sorted(extra)[0]!r} in [plan.years.{key}]",
            )
        for money_key in ("annual_fund", "admin_fixed", "admin_per_application"):
            v = spec.get(money_key, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise fail(
                    f"[plan.years.{key}] {money_key} 应为非负整数（元）",
                    f"[plan.years.{key}] {money_key} must be whole yuan ≥ 0",
                )
            _in_range(("budget", money_key), v, f"[plan.years.{key}] {money_key}", fail)
        sc = base or Scenario(
            name="", policy=policy_id, year=year, applications=Path(), path=path,
            annual_fund=0, carryover_in=0, carryover_source="0",
        )  # fmt: skip
        approval = _approval(spec.get("approval_date"), year, f"[plan.years.{key}] approval_date", fail)
        sc = replace(
            sc,
            name=f"{plan.get('name', path.stem)} {year} 年度",
            policy=policy_id,
            year=year,
            applications=path.parent / str(spec["applications"]),
            path=path,
            annual_fund=int(spec["annual_fund"]),
            carryover_in=0,
            carryover_source="plan",
            admin_fixed=int(spec.get("admin_fixed", sc.admin_fixed)),
            admin_per_application=int(spec.get("admin_per_application", sc.admin_per_application)),
            approval_date=approval,
        )
        years.append((year, sc))
    if [y for y, _ in years] != list(range(years[0][0], years[0][0] + len(years))):
        raise fail("年度须连续（如 2017、2018、2019）", "years must be consecutive")
    return PlanSpec(str(plan.get("name", path.stem)), path, policy, mode, int(carry), tuple(years))


def _plan_toml(path: Path, fail) -> dict:
    """The plan file parsed: at most :data:`~allocator.config.toml_text.SCENARIO_MAX_BYTES`, UTF-8 text."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(SCENARIO_MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"找不到计划文件 {path}", f"plan file {path} not found") from None
    except OSError as exc:
        raise fail(f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}") from None
    if len(raw) > SCENARIO_MAX_BYTES:
        raise fail(f"超过 {SCENARIO_MAX_BYTES >> 20} MB，不是计划文件", "is too large to be a plan file")
    try:
        if b"\0" in raw:
            raise UnicodeError("NUL")
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeError:
        raise fail(
            "不是 UTF-8 编码的文本（请另存为 UTF-8）", "is not UTF-8 text (save it as UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"TOML 语法错误：{exc}", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise fail("TOML 嵌套过深", "TOML nested too deeply") from None
    except ValueError:  # an integer of more digits than Python converts
        raise fail("数字位数过多，不是金额", "a number has far too many digits to be money") from None


def _year(key: str, fail) -> int:
    """``[plan.years.<key>]``: a year in :data:`~allocator.config.checks.YEARS`."""
    try:
        year = int(key)
    except ValueError:
        raise fail(
            f"[plan.years.{key}] 的 {key!r} 不是年份（应如 [plan.years.2017]）",
            f"[plan.years.{key}]: {key!r} is not a year (e.g. [plan.years.2017])",
        ) from None
    _in_range(("scenario", "year"), year, f"[plan.years.{key}]", fail)
    return year


def _in_range(at: tuple, value: object, name: str, fail) -> None:
    """A number of the plan in the range of the scenario key it stands for (allocator.config.checks)."""
    refusal = out_of_range(at, value, name)
    if refusal is not None:
        raise fail(refusal.zh, refusal.en)


def _approval(value: object, year: int, name: str, fail) -> str:
    """An approval date (TOML date or ISO text) in the plan year or the next; "" when not given."""
    if value is None:
        return ""
    try:
        day = value.date() if isinstance(value, datetime) else value  # a date-time: its day
        iso = date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise fail(
            f"{name} 应为日期（如 {year}-12-31），实际为 {value!r}", f"{name} must be a date, got {value!r}"
        ) from None
    refusal = approval_out_of_range(year, iso, name)
    if refusal is not None:
        raise fail(refusal.zh, refusal.en)
    return iso


def plan_sequential(spec: PlanSpec, *, next_million: bool = True) -> PlanResult:
    """Each year in turn: last year's carryover and commitments first, then this year's applications."""
    carry = spec.carryover_in
    owed = _empty_commitments()
    served: dict[str, int] = {}  # application id -> years already paid before this one
    previous = None  # last year's intake frame, for commitments carried in as rows
    outcomes = []
    for year, scenario in spec.years:
        apps = read_applications(scenario.applications, spec.policy)
        frame, fixed, owed, served = with_commitments(apps.frame, owed, year, spec.policy, previous, served)
        sc = replace(scenario, carryover_in=carry, carryover_source=f"{year - 1} 年结转")
        manifest = manifest_for(sc, spec.policy, apps.sha256)
        result = allocate(sc, spec.policy, frame, manifest=manifest, fixed=fixed, next_million=next_million)
        out = commitments_from(result, spec.policy, year, served)
        outcomes.append(YearOutcome(year, result, _priced(owed, result), out))
        owed, previous = out, frame
        carry = result.summary.carryover_out
    return plan_result(spec, outcomes)


def plan_joint(spec: PlanSpec) -> PlanResult:
    from .joint import solve_joint

    joint = solve_joint(spec)
    try:
        sequential = plan_sequential(spec, next_million=False)
    except InfeasibleError as exc:  # year by year, an earlier year spends what a commitment later needs
        return replace(joint, sequential_note=f"逐年分配不可行，联合优化预留了资金：{exc.zh}")
    return replace(joint, foresight=foresight(joint, sequential))


def foresight(joint: PlanResult, sequential: PlanResult) -> pd.DataFrame:
    a = joint.chain.set_index("year")
    b = sequential.chain.set_index("year")
    out = pd.DataFrame(
        {
            "year": a.index,
            "value_joint": a["value"].to_numpy(),
            "value_sequential": b["value"].to_numpy(),
            "awarded_joint": a["awarded"].to_numpy(),
            "awarded_sequential": b["awarded"].to_numpy(),
            "carryover_out_joint": a["carryover_out"].to_numpy(),
            "carryover_out_sequential": b["carryover_out"].to_numpy(),
        }
    )
    out["value_change"] = (out["value_joint"] - out["value_sequential"]).round(4)
    out["awarded_change"] = out["awarded_joint"] - out["awarded_sequential"]
    return out


def with_commitments(
    frame: pd.DataFrame,
    owed: pd.DataFrame,
    year: int,
    policy: Policy,
    previous: pd.DataFrame | None,
    served: dict[str, int],
) -> tuple[pd.DataFrame, dict[str, Fixed], pd.DataFrame, dict[str, int]]:
    """This year's applications with last year's commitments fixed.

    The same applicant's application for the same item this year is the commitment; if there is none,
    last year's row is carried in under the id ``<id>-<year>``.
    """
    fixed: dict[str, Fixed] = {}
    now_served: dict[str, int] = {}
    if owed.empty:
        return frame, fixed, owed, now_served
    carried = []
    resolved = owed.copy()
    for k, c in enumerate(owed.itertuples(index=False)):
        item = policy.item(c.item)
        area = (
            previous.loc[previous["application_id"] == c.source_id, "rent_area_m2"]
            if previous is not None
            else []
        )
        same = frame[(frame["credit_code"] == c.credit_code) & (frame["item"] == c.item)]
        if len(area):  # the same premises: same applicant, same area
            same = same[
                np.isclose(same["rent_area_m2"].to_numpy(dtype=float), float(area.iloc[0]), equal_nan=True)
            ]
        if len(same):
            app_id = str(same["application_id"].iloc[0])
        else:
            app_id = f"{c.source_id}-{year}"
            source = previous[previous["application_id"] == c.source_id].iloc[0].to_dict()
            source.update(application_id=app_id, requested=float(c.award), score=np.nan)
            source[SOURCE_SHEET] = f"{c.from_year}年承诺"
            source[SOURCE_ROW] = 0
            carried.append(source)
        n = served.get(c.source_id, 0) + 1
        now_served[app_id] = n
        note = COMMITMENT_NOTE.format(
            clause=item.clause_label, years=item.years, from_year=c.from_year, source=c.source_id,
            to_year=c.to_year, n=n + 1,
        )  # fmt: skip
        resolved.iat[k, resolved.columns.get_loc("application_id")] = app_id
        fixed[app_id] = Fixed(int(c.award), note, "commitment")
    if carried:
        extra = pd.DataFrame(carried, columns=frame.columns).astype(frame.dtypes.to_dict())
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame, fixed, resolved, now_served


def _priced(owed: pd.DataFrame, result: AllocationResult) -> pd.DataFrame:
    if owed.empty:
        return owed
    t = result.table.set_index("application_id")
    out = owed.copy()
    out["award"] = [int(t.at[a, "award"]) for a in out["application_id"]]
    out["city_cost"] = [int(t.at[a, "city_cost"]) for a in out["application_id"]]
    return out


def _empty_commitments() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COMMITMENT_COLUMNS))
