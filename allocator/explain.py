"""Every application's status and the reason, in Chinese, that decided it.

The reason names the clause or limit: the failed condition and its clause, the clause cap that
bound ("受条款（四）最高补助额不超过500万元限制"), the requested amount, or the budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .money import city_cost
from .policy import Policy
from .result import TABLE_COLUMNS, Status


def explain(frame: pd.DataFrame, award: np.ndarray, policy: Policy) -> pd.DataFrame:
    """The result table (``TABLE_COLUMNS``) for the rules frame and whole-yuan awards."""
    award = np.asarray(award, dtype=np.int64)
    cap = frame["cap"].to_numpy(dtype=np.int64)
    eligible = frame["eligible"].to_numpy(dtype=bool)
    city = city_cost(award, frame["share_num"].to_numpy(), frame["share_den"].to_numpy())
    status = np.select(
        [~eligible, award >= cap, award > 0],
        [Status.INELIGIBLE.value, Status.FUNDED.value, Status.PARTIAL.value],
        Status.UNFUNDED.value,
    )
    ratio = (frame["value"] * frame["share_den"] / frame["share_num"].clip(lower=1)).to_numpy()
    paid = award > 0
    marginal = float(ratio[paid].min()) if paid.any() else float("nan")
    items = {it.id: it for it in policy.items}
    reasons = [
        _reason(st, items[it], basis, a, c, r, marginal, why)
        for st, it, basis, a, c, r, why in zip(
            status,
            frame["item"],
            frame["cap_basis"],
            award,
            cap,
            ratio,
            frame["ineligible_reason"],
            strict=True,
        )
    ]
    table = frame.assign(
        award=award, city_cost=city, district_cost=award - city, status=status, reason=reasons
    )
    return table.loc[:, list(TABLE_COLUMNS)].reset_index(drop=True)


def _reason(
    status: str, item: object, basis: str, award: int, cap: int, ratio: float, marginal: float, why: str
) -> str:
    if status == Status.INELIGIBLE:
        return why
    if status == Status.FUNDED:
        if basis == "requested":
            return "按申请金额全额支持"
        if basis == "cap":
            return f"全额支持，受{item.clause_label}{item.cap_says}限制"
        standard = item.amount_says or item.cap_says
        return f"全额支持，按{item.clause_label}{standard}核定"
    if status == Status.PARTIAL:
        return f"部分支持：资金按评审加权价值排序分配，至本项时资金用完，获核定上限 {cap:,} 元的 {award / cap:.1%}"
    if ratio <= 0:
        return "未获支持：方案中该事项的权重或评审得分为0"
    if np.isnan(marginal):
        return "未获支持：可用资金不足"
    return f"未获支持：预算不足，每元市级资金的加权价值 {ratio:.4f} 低于获支持项目的最低值 {marginal:.4f}"
