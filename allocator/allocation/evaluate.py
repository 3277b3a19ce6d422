"""Rules: policy pack × applications → eligibility, cap and cost share for every application.

For application *i* of item *k* (all on whole columns, one item at a time):

    eligible_i  = ∧_c condition_c(row_i)                      (conditions of item k, in pack order)
    amount_i    = formula_k(row_i)                            (e.g. 500 × purchase_area_m2)
    policy_i    = ⌊min(amount_i, cap_k)⌋                      (whole yuan; no formula → cap_k)
    cap_i       = min(policy_i, ⌊requested_i⌋) if eligible_i else 0
    value_i     = weight_k × score_i / 100                    (blank score → scenario default_score)

``cap_basis`` records which of the three bounded the cap ("formula", "cap" or "requested"), so the
explanation can say "受条款（四）最高补助额不超过500万元限制".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from ..config.scenario import Scenario, scenario_error
from ..core.errors import ScenarioError
from ..policy.expr import quote
from ..policy.limits import MAX_SHARE_DENOMINATOR, MAX_YUAN
from ..policy.pack import Param
from ..policy.terms import SHARE_PARAM
from ..policy.types import Condition, Item, Policy

#: Columns ``caps()`` adds to the applications frame.
RULE_COLUMNS = (
    "item_name",
    "clause",
    "eligible",
    "failed_condition",
    "ineligible_reason",
    "policy_amount",
    "cap",
    "cap_basis",
    "share_num",
    "share_den",
    "city_share",
    "weight",
    "value",
    "floor",  # int yuan: an award is 0 or at least this much (the item's "不低于…"); 0 for none
    "cap_group",  # str: the shared cap this application is under (item, enterprise, …); "" for none
    "group_limit",  # int yuan: that shared cap; 0 for none
)


@dataclass(frozen=True)
class Caps:
    """Applications with their rule columns, sorted by application_id (the canonical order)."""

    frame: pd.DataFrame


def caps(applications: pd.DataFrame, policy: Policy, scenario: Scenario) -> Caps:
    """Evaluate every item's conditions and formula on its applications."""
    frame = applications.sort_values("application_id", kind="stable").reset_index(drop=True)
    _check_params(frame, policy, scenario)  # before the scenario's fund_share becomes a fraction
    policy = policy.for_scenario(scenario.discretionary)
    n = len(frame)
    eligible = np.zeros(n, dtype=bool)
    policy_amount = np.zeros(n, dtype=np.int64)
    cap_basis = np.full(n, "", dtype=object)
    failed = np.full(n, "", dtype=object)
    why = np.full(n, "", dtype=object)
    share_num = np.ones(n, dtype=np.int64)
    share_den = np.ones(n, dtype=np.int64)
    weight = np.ones(n, dtype=float)
    names = np.full(n, "", dtype=object)
    clauses = np.full(n, "", dtype=object)
    floor = np.zeros(n, dtype=np.int64)
    fields = {f.key: f for f in policy.fields}

    for item_id, idx in frame.groupby("item", sort=True).indices.items():
        item = policy.item(item_id)
        rows = frame.iloc[idx]
        env = _env(rows, item, scenario)
        ok, fail_text, fail_reason = _conditions(item, rows, env, fields)
        whole, basis = _policy_amounts(item, rows, env, fields, ok, fail_text, fail_reason)
        policy_amount[idx] = whole
        cap_basis[idx] = basis
        eligible[idx] = ok
        failed[idx] = fail_text
        why[idx] = fail_reason
        share = item.city_share
        share_num[idx] = share.numerator
        share_den[idx] = share.denominator
        weight[idx] = scenario.weight(item_id)
        names[idx] = item.name
        clauses[idx] = item.clause
        floor[idx] = item.floor

    requested = frame["requested"].to_numpy(dtype=float)
    req_whole = np.floor(np.nan_to_num(requested, nan=np.inf) + 1e-9)
    by_request = req_whole < policy_amount
    cap = np.where(by_request, req_whole, policy_amount).astype(np.int64)
    cap_basis = np.where(by_request, "requested", cap_basis)
    zero = eligible & (cap <= 0)
    why[zero] = [_zero_reason(r) for r in frame.loc[zero, ["requested"]].itertuples()]
    failed[zero] = "可支持金额为0"
    eligible &= ~zero
    short = eligible & (cap < floor)  # "不低于…": below the floor nothing can be given
    for k in np.flatnonzero(short):
        item = policy.item(frame["item"].iat[k])
        failed[k] = item.floor_says or f"不低于 {item.floor:,} 元"
        why[k] = f"不符合{item.clause_label}：可支持金额 {int(cap[k]):,} 元低于“{failed[k]}”的下限"
    eligible &= ~short
    for group in policy.alternatives:
        _one_of(group, frame, policy, eligible, cap, failed, why)
    cap = np.where(eligible, cap, 0)
    cap_group, group_limit = _shared_caps(frame, policy, eligible)
    score = frame["score"].to_numpy(dtype=float)
    score = np.where(np.isnan(score), scenario.default_score, score)

    out = frame.assign(
        item_name=names,
        clause=clauses,
        eligible=eligible,
        failed_condition=failed,
        ineligible_reason=why,
        policy_amount=policy_amount,
        cap=cap,
        cap_basis=cap_basis,
        share_num=share_num,
        share_den=share_den,
        city_share=share_num / share_den,
        weight=weight,
        value=np.round(weight * score / 100.0, 9),
        floor=np.where(eligible, floor, 0),
        cap_group=cap_group,
        group_limit=group_limit,
    )
    return Caps(out)


def scope_key(frame: pd.DataFrame, per: tuple[str, ...]) -> np.ndarray:
    """Whose a cap or a group is, per row: the ``per`` fields' values joined, compared as a person reads
    them (NFKC, no spaces, case folded), so "云众包平台" and "云众包平台 " are one sub-platform. A blank
    value is a value of its own: applications of one firm without a sub-platform name share one cap."""
    parts = []
    for name in per:
        col = frame[name].astype(object).where(frame[name].notna(), "")
        if name != "credit_code":  # validated on intake, written as the office wrote it
            col = col.map(_normalised)
        parts.append(col.astype(str).to_numpy(dtype=object))
    if not parts:
        return np.full(len(frame), "", dtype=object)
    key = parts[0]
    for more in parts[1:]:
        key = key + "|" + more
    return key


def _normalised(value: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()


def _shared_caps(frame: pd.DataFrame, policy: Policy, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``cap_group`` and ``group_limit``: for an item whose cap is an enterprise's (``cap_per``), every
    eligible application of that item and scope shares the cap, Σ award ≤ cap (a named constraint of
    the model, checked again by allocator.allocation.constraints)."""
    n = len(frame)
    group = np.full(n, "", dtype=object)
    limit = np.zeros(n, dtype=np.int64)
    items = frame["item"].to_numpy()
    for item in policy.items:
        if not item.group_cap:
            continue
        rows = np.flatnonzero((items == item.id) & eligible)
        if not len(rows):
            continue
        key = scope_key(frame.iloc[rows], item.cap_per)
        group[rows] = item.id + ":" + key
        limit[rows] = item.cap
    return group, limit


def _one_of(group, frame: pd.DataFrame, policy: Policy, eligible, cap, failed, why) -> None:
    """``[[alternatives]]``: of one enterprise's eligible applications in ``group``, keep the highest cap
    (ties: the group's item order, then the application id); the others are not eligible."""
    items = frame["item"].to_numpy()
    rows = np.flatnonzero(np.isin(items, group.items) & eligible)
    if len(rows) < 2:
        return
    order = {item: k for k, item in enumerate(group.items)}
    sub = pd.DataFrame(
        {
            "row": rows,
            "key": scope_key(frame.iloc[rows], group.per),
            "cap": -cap[rows],
            "rank": [order[i] for i in items[rows]],
            "id": frame["application_id"].to_numpy()[rows],
        }
    ).sort_values(["key", "cap", "rank", "id"], kind="stable")
    kept = sub.drop_duplicates("key")
    kept_by_key = dict(zip(kept["key"], kept["row"], strict=True))
    ids = frame["application_id"].to_numpy()
    for row, key in sub.loc[~sub["row"].isin(kept["row"]), ["row", "key"]].itertuples(index=False):
        other = kept_by_key[key]
        eligible[row] = False
        failed[row] = group.says
        why[row] = (
            f"不符合{group.clause_label}：{group.says}；本企业已按申报 {ids[other]}"
            f"（{policy.item(items[other]).name}）核定"
        )


def _check_params(frame: pd.DataFrame, policy: Policy, scenario: Scenario) -> None:
    """Every discretionary item that has applications needs its numbers from the scenario."""
    known = {it.id for it in policy.items}
    for table, keys in (("objective.weights", scenario.weights), ("discretionary", scenario.discretionary)):
        unknown = sorted(set(keys) - known)
        if unknown:
            raise ScenarioError(
                f"方案 [{table}] 中的事项 {'、'.join(unknown)} 不在政策包 {policy.id} 中",
                f"[{table}] names item(s) {', '.join(unknown)}, which policy {policy.id} does not have",
                f"可用事项 / items: {', '.join(sorted(known))}",
            )
    present = set(frame["item"].unique())
    for item in policy.items:
        if not item.params or item.id not in present:
            continue
        given = scenario.discretionary.get(item.id, {})
        missing = [p for p in item.params if p not in given]
        if missing:
            needs = "；".join(f"{p}（{item.params[p]}）" for p in missing)
            raise ScenarioError(
                f"事项 {item.id}（{item.name}，{item.clause_label}）为酌定事项，方案须在 [discretionary.{item.id}] 中给出：{needs}",
                f"item {item.id} is discretionary: the scenario must set {', '.join(missing)} in [discretionary.{item.id}]",
                f'例如 / e.g. [discretionary.{item.id}] {missing[0]} = …  note = "假设：…"',
            )
        for spec in item.param_specs:
            _in_range(scenario, item, spec, given[spec.name])


def _in_range(scenario: Scenario, item: Item, spec: Param, value: float) -> None:
    """A scenario's number for a discretionary parameter must lie within what the parameter means: a
    share in 0–1, an amount at least the item's floor ("不低于20万元") and at most its ceiling."""
    low = max(spec.low, float(item.floor) if spec.name == _constant_amount(item) else spec.low)
    high = spec.high if spec.high is not None or value <= MAX_YUAN else float(MAX_YUAN)  # NaN, inf too
    if low <= value and (high is None or value <= high):
        fine = item.shares_from_scenario and spec.name == SHARE_PARAM  # becomes an exact fraction
        if not fine or Fraction(str(value)).denominator <= MAX_SHARE_DENOMINATOR:
            return
        allowed_zh, allowed_en = (
            " 0 至 1 之间、至多六位小数的数",
            "a number from 0 to 1 with at most six decimals",
        )
    elif high is not None:
        allowed_zh, allowed_en = (
            f" {low:,g} 至 {high:,g} 之间的数",
            f"a number from {low:,g} to {high:,g}",
        )
    else:
        allowed_zh, allowed_en = f"不低于 {low:,g} 的数", f"a number of at least {low:,g}"
    why_zh = f"（{item.clause_label}“{item.floor_says}”）" if item.floor and low == item.floor else ""
    raise scenario_error(
        scenario,
        ("discretionary", item.id, spec.name),
        value,
        f"{allowed_zh}{why_zh}——{spec.says}（事项 {item.id} {item.name}，{item.clause_label}）",
        f"{allowed_en} ({spec.name} of item {item.id})",
        f"[discretionary.{item.id}] {spec.name} = …（{spec.says}）",
    )


def _constant_amount(item: Item) -> str:
    """The parameter that is an item's whole amount (``amount = "amount"``), else ""."""
    names = item.amount.names if item.amount is not None else set()
    return next(iter(names)) if len(names) == 1 and item.amount.text.strip() in names else ""


def _env(rows: pd.DataFrame, item: Item, scenario: Scenario) -> dict[str, object]:
    used: set[str] = set()
    for cond in item.conditions:
        used |= cond.expr.names
    if item.amount is not None:
        used |= item.amount.names
    env: dict[str, object] = {}
    params = scenario.discretionary.get(item.id, {})
    for name in used:
        if name in item.params:
            env[name] = float(params[name])
        else:
            env[name] = rows[name].to_numpy(dtype=float)
    return env


def _conditions(
    item: Item, rows: pd.DataFrame, env: dict, fields: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(rows)
    ok = np.ones(n, dtype=bool)
    text = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    for cond in item.conditions:
        run = cond.expr.run(env)
        fault = np.broadcast_to(run.fault, (n,))
        holds = np.broadcast_to(run.holds, (n,))
        first_fail = ok & ~holds
        if first_fail.any():
            text[first_fail] = cond.says
            reason[first_fail] = [
                _fail_reason(item, cond, row, fields) for row in rows[first_fail].to_dict("records")
            ]
        for k in np.flatnonzero(ok & fault):  # not "does not meet": the condition cannot be judged
            reason[k] = (
                f"无法判断是否符合{item.clause_label}：条件“{cond.says}”的公式 {quote(cond.expr.text)} 在本申报中"
                f"{run.fault_zh(k)}{_facts(cond.expr, rows.iloc[k].to_dict(), fields)}，请核对申报数据或政策包"
            )
        ok &= holds
    return ok, text, reason


def _fail_reason(item: Item, cond: Condition, row: dict, fields: dict) -> str:
    """不符合条款（四）：要求注册资本2000万元以上（注册资本 18,000,000 元）."""
    return f"不符合{item.clause_label}：要求{cond.says}{_facts(cond.expr, row, fields)}"


def _fact(field, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{field.zh}未填写"
    if field.kind == "bool":
        return f"{field.zh}：{'是' if value == 1 else '否'}"
    unit = field.unit or ""
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{field.zh} {number}{' ' + unit if unit else ''}"


def _fields_text(expr: object, fields: dict) -> str:
    names = sorted(getattr(expr, "names", ()))
    return "、".join(fields[n].zh for n in names if n in fields) or "金额"


def _policy_amounts(
    item: Item, rows: pd.DataFrame, env: dict, fields: dict, ok, fail_text, fail_reason
) -> tuple[np.ndarray, np.ndarray]:
    """Whole-yuan amounts by the item's formula and cap, and which bounded each ("formula", "cap").

    A row whose amount cannot be worked out leaves ``ok`` (in place), with its reason: data missing
    for the formula, the formula dividing by 0 or overflowing in this row, or an amount above
    :data:`MAX_YUAN` (a number no cap of a pack may reach: a typo in the data)."""
    n = len(rows)
    if item.amount is None:
        amount, fault = np.full(n, float(item.cap if item.cap is not None else 0)), np.zeros(n, dtype=bool)
    else:
        run = item.amount.run(env)
        amount = np.broadcast_to(run.value.astype(float), (n,)).copy()
        fault = np.broadcast_to(run.fault, (n,))
        for k in np.flatnonzero(ok & fault):
            fail_text[k] = f"金额公式{run.fault_zh(k)}"
            fail_reason[k] = (
                f"无法按{item.clause_label}计算补助金额：金额公式 {quote(item.amount.text)} 在本申报中"
                f"{run.fault_zh(k)}{_facts(item.amount, rows.iloc[k].to_dict(), fields)}，请核对申报数据"
            )
        ok &= ~fault
    missing = ok & np.isnan(amount)
    fail_reason[missing] = [
        f"不符合{item.clause_label}：缺少计算补助金额所需的数据（{_fields_text(item.amount, fields)}）"
    ] * int(missing.sum())
    fail_text[missing] = "计算金额所需数据不全"
    ok &= ~missing
    whole = np.floor(np.nan_to_num(amount, nan=0.0) + 1e-9).clip(min=0)  # still floats: may be huge
    basis = np.full(n, "formula", dtype=object)
    if item.cap is not None:
        basis[whole > item.cap] = "cap"
        whole = np.minimum(whole, item.cap)
    huge = ok & (whole > MAX_YUAN) & (item.amount is not None)
    for k in np.flatnonzero(huge):
        fail_text[k] = "金额超出合理上限"
        fail_reason[k] = (
            f"无法按{item.clause_label}计算补助金额：金额公式 {quote(item.amount.text)} 的结果 {whole[k]:,.0f} 元"
            f"超出 {MAX_YUAN:,} 元的合理上限{_facts(item.amount, rows.iloc[k].to_dict(), fields)}，请核对申报数据"
        )
    ok &= ~huge
    return np.where(whole > MAX_YUAN, 0.0, whole).astype(np.int64), basis  # never beyond what int64 holds


def _facts(expr, row: dict, fields: dict) -> str:
    """（新录用人数 0 人，…）: the row's values of the fields a formula reads."""
    facts = [_fact(fields[name], row.get(name)) for name in sorted(expr.names) if name in fields]
    return f"（{'，'.join(facts)}）" if facts else ""


def _zero_reason(row: object) -> str:
    requested = getattr(row, "requested", np.nan)
    if not np.isnan(requested) and requested < 1:
        return "申请金额为0，无可支持金额"
    return "按政策标准计算的可支持金额为0"
