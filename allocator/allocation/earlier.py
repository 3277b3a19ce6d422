"""Batches within a year (clause 二十): the earlier batches' awards come back fixed, to the yuan.

``allocator run SCENARIO.toml --batch 2 --approved reports/x/approved.xlsx``: the batch-2 workbook holds the
batch-2 applications (rows of batch 1 may be in it too: they are fixed as before, never counted twice).
:func:`allocator.store.approved.earlier_awards` reads the earlier batches' awards as a table — the seam a register of approvals
can stand behind later — and :func:`join_earlier` puts the rows the workbook lacks beside its rows, fixed,
so the fund, the enterprise-level group caps (``cap_group``: 每户 …), ``[limits] per_enterprise`` and the
district budgets count them like any other award, and :mod:`allocator.allocation.constraints` checks them again.
``[budget] reserve_for_later_batches`` stays unspent for the batches still to come.

Each batch's approved.xlsx lists that batch's approvals on its first sheet (the list to pay from) and,
from batch 2 on, the year so far on :data:`YTD_SHEET`; batch 3 reads batch 2's year so far. A batch never
writes into an earlier batch's folder.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.errors import InputError, Problem, ScenarioError
from ..core.result import Fixed
from ..store.approved import text as _text
from ..store.format import GROUP_COLUMN_HEADER as GROUP_HEADER

#: What an application id names, compared between the earlier list and the new workbook.
SAME = (
    ("applicant", "申报单位"),
    ("credit_code", "统一社会信用代码"),
    ("district", "所在区"),
    ("item", "事项编号"),
)


def join_earlier(frame: pd.DataFrame, earlier: pd.DataFrame, policy, scenario, batch: int):
    """The rules frame with a ``batch`` column and the earlier awards the workbook lacks as rows of their
    own (sorted by id again), and the fixed award of every earlier application (:class:`Fixed`).

    An earlier application still in the workbook (the old way: the batch-2 workbook kept batch 1's rows)
    is fixed in its own row, once; its data must be the list's, else a ScenarioError names it."""
    ids = frame["application_id"].astype(str)
    inside = earlier["application_id"].isin(set(ids))
    changed = _changed(frame.set_index(ids), earlier[inside])
    if changed:
        raise ScenarioError(
            f"申报编号 {'、'.join(a for a, _ in changed[:10])} 同时在前批次的拟支持名单和本次申报数据中，但数据不同"
            f"（{'；'.join(f'{a}：{what}' for a, what in changed[:3])}）；前批次已批准的申报须与名单一致，新申报须用新的申报编号",
            f"application(s) {', '.join(a for a, _ in changed[:10])} are in the earlier approved list and in this "
            "workbook with different data",
        )  # fmt: skip
    _once_again(frame[~ids.isin(set(earlier["application_id"])).to_numpy()], earlier, policy)
    rows = _rows_for(frame, earlier[~inside], policy, scenario)
    out = frame.assign(batch=batch)
    at = dict(zip(earlier["application_id"], earlier["batch"], strict=True))
    mask = ids.isin(set(at)).to_numpy()
    if mask.any():
        out.loc[mask, "batch"] = ids[mask].map(at).to_numpy(dtype="int64")
    if len(rows):
        out = pd.concat([out, rows], ignore_index=True)
        out = out.sort_values("application_id", kind="stable").reset_index(drop=True)
    out["batch"] = out["batch"].astype("int64")
    fixed = {
        app: Fixed(int(amount), f"第 {b} 批已批准（{source}），金额不变", "batch")
        for app, amount, b, source in earlier[["application_id", "award", "batch", "source"]].itertuples(
            index=False
        )
    }
    return out, fixed


def _once_again(new: pd.DataFrame, earlier: pd.DataFrame, policy) -> None:
    """A new application for a once-only item (``once_per``: clause 四's 一次性 purchase subsidy) of a
    firm an earlier batch of the year already approved for it: a ScenarioError naming both."""

    clashes = []
    for item in (it for it in policy.items if it.once_per):
        scope = [f for f in item.once_per if f in new.columns and f in earlier.columns]
        if len(scope) < len(item.once_per):
            continue  # the list does not say the scope (a field of the pack's own): the intake's check only
        before = earlier[earlier["item"] == item.id]
        now = new[new["item"] == item.id]
        if not len(before) or not len(now):
            continue
        was = zip(before["application_id"], before["batch"], strict=True)
        first = dict(zip(_scope_keys(before, scope), was, strict=True))
        for app, k in zip(now["application_id"].astype(str), _scope_keys(now, scope), strict=True):
            if k in first:
                clashes.append((app, k, item, *first[k]))
    if clashes:
        raise ScenarioError(
            "同一单位本年度再次申报一次性事项，前批次已批准："
            + "；".join(
                f"申报编号 {app}（{k}）的「{it.name}」（{it.id}，{it.clause_label}“{it.once_says or '一次性'}”）已于第 {b} 批以 {was} 获批"
                for app, k, it, was, b in clashes[:10]
            )
            + "；每户每年只可获批一次，请删除本次的重复申报",
            "a once-only item claimed again this year by a firm an earlier batch approved for it: "
            + "; ".join(
                f"{app} ({k}, {it.id}) after {was} in batch {b}" for app, k, it, was, b in clashes[:10]
            ),
        )


def _scope_keys(t: pd.DataFrame, scope: list[str]) -> list[str]:
    """Each row's values of ``scope`` as one text (the credit code: itself)."""
    return ["、".join(_text(v) for v in row) for row in t[scope].itertuples(index=False, name=None)]


def _changed(frame: pd.DataFrame, earlier: pd.DataFrame) -> list[tuple[str, str]]:
    """(id, what differs) for each earlier application whose workbook row says something else."""
    out = []
    for rec in earlier.itertuples(index=False):
        row = frame.loc[rec.application_id]
        diffs = [
            f"{zh}「{getattr(rec, col)}」→「{_text(row[col])}」"
            for col, zh in SAME
            if _text(row[col]) != getattr(rec, col)
        ]
        new = float(row["requested"]) if pd.notna(row["requested"]) else math.nan
        if not (new == rec.requested or (math.isnan(new) and math.isnan(rec.requested))):
            diffs.append(f"申请金额（元）{_text(rec.requested)} → {_text(new)}")
        if rec.cap >= 0 and int(row["cap"]) != rec.cap:  # the item's inputs changed (a list with 政策上限)
            diffs.append(f"政策上限（元）{rec.cap:,} → {int(row['cap']):,}")
        if diffs:
            out.append((rec.application_id, "，".join(diffs)))
    return out


def _rows_for(frame: pd.DataFrame, earlier: pd.DataFrame, policy, scenario) -> pd.DataFrame:
    """The rules frame's rows for earlier awards the workbook does not hold: eligible, the list's cap and
    cost share, fixed; what the list cannot say (score, the item's inputs) blank, and no value of its own."""
    if not len(earlier):
        return frame.iloc[:0].assign(batch=pd.Series(dtype="int64"))
    known = {it.id: it for it in policy.items}
    unknown = earlier[~earlier["item"].isin(set(known))]
    if len(unknown):
        r = unknown.iloc[0]
        raise InputError(
            [Problem(r["source"], None, int(r["row"]), "事项编号", r["item"],
                     f"前批次的事项 {r['item']} 不在政策包 {policy.id} 中", f"item not in policy {policy.id}")],
            r["source"],
        )  # fmt: skip
    n = len(earlier)
    cols: dict[str, object] = {}
    for name, dtype in frame.dtypes.items():
        kind = getattr(dtype, "kind", "O")
        cols[name] = (
            np.full(n, np.nan) if kind == "f" else np.zeros(n, dtype=dtype) if kind in "iub" else [""] * n
        )
    items = [known[i] for i in earlier["item"]]
    award = earlier["award"].to_numpy()
    cap = np.maximum(earlier["cap"].to_numpy(), award)  # a list written before 政策上限: the award
    group = earlier["cap_group"].to_numpy(dtype=object)
    if "cap_group" not in set(earlier.columns) or (group == "").all():
        group = _groups(earlier, items)
    cols.update(
        application_id=earlier["application_id"].to_numpy(dtype=object),
        applicant=earlier["applicant"].to_numpy(dtype=object),
        credit_code=earlier["credit_code"].to_numpy(dtype=object),
        district=earlier["district"].to_numpy(dtype=object),
        item=earlier["item"].to_numpy(dtype=object),
        requested=earlier["requested"].to_numpy(dtype=float),
        source_sheet=earlier["source"].to_numpy(dtype=object),
        source_row=earlier["row"].to_numpy(dtype="int64"),
        item_name=[it.name for it in items],
        clause=[it.clause for it in items],
        eligible=np.ones(n, dtype=bool),
        policy_amount=cap,
        cap=cap,
        cap_basis=["cap"] * n,
        share_num=np.array([it.city_share.numerator for it in items], dtype="int64"),
        share_den=np.array([it.city_share.denominator for it in items], dtype="int64"),
        weight=[scenario.weight(it.id) for it in items],
        value=np.zeros(n),  # fixed: its score is not in the list, and it changes nothing
        floor=np.zeros(n, dtype="int64"),
        cap_group=group,
        group_limit=np.array(
            [int(it.cap) if g and it.cap else 0 for it, g in zip(items, group, strict=True)]
        ),
        batch=earlier["batch"].to_numpy(dtype="int64"),
    )
    rows = pd.DataFrame(cols)
    rows["city_share"] = rows["share_num"] / rows["share_den"]
    _check_costs(rows, earlier)
    return rows


def _groups(earlier: pd.DataFrame, items) -> np.ndarray:
    """``cap_group`` of a list without the 合计上限组 column, when its columns say it (``cap_per`` by credit
    code); a scope the list does not hold (a sub-platform's name) is an InputError."""
    from ..allocation.evaluate import scope_key

    out = np.full(len(earlier), "", dtype=object)
    for k, it in enumerate(items):
        if not it.group_cap:
            continue
        missing = [f for f in it.cap_per if f not in earlier.columns]
        if missing:
            r = earlier.iloc[k]
            raise InputError(
                [Problem(r["source"], None, int(r["row"]), GROUP_HEADER, None,
                         f"前批次名单缺少「{GROUP_HEADER}」列，无法确定事项 {it.id} 共享上限的归属（{it.cap_per_says}）",
                         f"the list has no {GROUP_HEADER!r} column: cannot tell whose shared cap of {it.id} it is")],
                r["source"],
            )  # fmt: skip
        out[k] = it.id + ":" + scope_key(earlier.iloc[[k]], it.cap_per)[0]
    return out


def _check_costs(rows: pd.DataFrame, earlier: pd.DataFrame) -> None:
    """The list's fund and co-fund costs are the policy's split of its award (else the pack changed)."""
    from ..allocation.rounding import city_cost

    award = earlier["award"].to_numpy(dtype=np.int64)
    city = city_cost(award, rows["share_num"].to_numpy(), rows["share_den"].to_numpy())
    bad = np.flatnonzero(
        (city != earlier["city_cost"].to_numpy()) | (award - city != earlier["district_cost"].to_numpy())
    )
    if len(bad):
        r = earlier.iloc[int(bad[0])]
        raise InputError(
            [Problem(r["source"], None, int(r["row"]), "承担（元）", int(r["city_cost"]),
                     f"申报 {r['application_id']} 的承担金额与政策包的分担比例不符（应为 {int(city[bad[0]]):,} 元）",
                     "the costs do not split the award as the policy pack does")],
            r["source"],
        )  # fmt: skip


__all__ = ["join_earlier"]
