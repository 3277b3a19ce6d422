"""The rows of 汇总's 分配规则与求解 block (the rule, the model, the value, what the rule cost, the overrides and
limits) and of its 分批次、承诺与台账 block, as (label, value, kind, note)."""

from __future__ import annotations

from ..core.result import AllocationResult, scores_defaulted_text
from ..policy.levels import level_labels
from ._common import prepared
from .clauses import batch_note, cite, commitment_note, ledger_item
from .limit_rows import limit_rows, override_rows
from .words import (
    DEFAULT_RULE,
    RULE_SAYS,
    VALUE_SAYS,
    cost_ratio,
    model_zh,
    percent,
    rule_of,
    rule_zh,
    shadow_text,
    yuan,
)

RuleRow = tuple[str, object, str, str]  # label, value, kind (text, count, decimal, price, percent, money,


def rule_rows(result: AllocationResult) -> list[RuleRow]:
    """The 分配规则 block of 汇总: rule, model type (and MILP gap), level, weighted value, shadow price, the
    comparison with the default rule, overrides and limits."""
    s = result.summary
    sv = result.solver
    sc = result.scenario
    rule = rule_of(result)
    rows: list[RuleRow] = [("分配规则", rule_zh(rule), "text", RULE_SAYS.get(rule, ""))]
    min_award = int(getattr(getattr(sc, "limits", None), "min_award", 0) or 0)
    if sv.mip:
        why = f"设有最低支持额 {yuan(min_award)} 元，每项为 0 或不低于此额；" if min_award else ""
        rows.append(("模型类型", model_zh(True), "text", f"{why}最优性间隙 {percent(sv.gap)}"))
        allowed = float(getattr(sc, "mip_gap", 0.0) or 0.0)
        rows.append(
            (
                "最优性间隙",
                sv.gap,
                "percent",
                "0.00% 表示已证明最优" + (f"；方案允许的间隙 {percent(allowed)}" if allowed else ""),
            )
        )
    else:
        rows.append(("模型类型", model_zh(False), "text", "拟支持金额连续取值，结果为已证明的最优解"))
    if sv.level is not None and rule == "maxmin":
        rows.append(
            (
                "最小覆盖率（本规则的共同比例）",
                sv.level,
                "percent",
                "各项至少获核定上限的此比例（决定支持的除外）",
            )
        )
    elif sv.level is not None and rule == "prorata":
        rows.append(("同等支持比例", sv.level, "percent", "各项均获核定上限的此比例（决定支持的除外）"))
    rows += [
        ("加权价值", float(getattr(s, "value", 0.0)), "decimal", VALUE_SAYS),
        *(  # every score the scenario's default: the weighted value ranks by item weight alone
            [
                (
                    "评审得分",
                    f"全部为缺省值 {getattr(sc, 'default_score', 60):g} 分",
                    "text",
                    scores_defaulted_text(result),
                )
            ]
            if result.scores_defaulted
            else []
        ),
        (
            "影子价格（每增加1元预算的加权价值）",
            float(getattr(s, "shadow_price", 0.0)),
            "price",
            shadow_text(float(getattr(s, "shadow_price", 0.0))),
        ),
    ]
    rows += _against_default(result, rule)
    overrides = override_rows(result)
    if overrides:
        ids = "、".join(o.application_id for o in overrides)
        rows.append(("决定支持事项数", len(overrides), "count", f"{ids}；金额与理由见参数表"))
    limits = limit_rows(result)
    if limits:
        rows.append(
            (
                "已设限额",
                f"{len(limits)} 项",
                "text",
                "；".join(f"{r.label.replace('（元）', '')} {_limit_value(r.value)}" for r in limits),
            )
        )
    return rows


def _against_default(result: AllocationResult, rule: str) -> list[RuleRow]:
    """What the rule cost against the default rule (its weighted value, funded, min coverage), or why not."""
    rows: list[RuleRow] = []
    cmp = result.comparison
    if cmp is not None:
        ratio = cost_ratio(cmp)
        rows += [
            (
                f"默认规则（{rule_zh(DEFAULT_RULE)}）下的加权价值",
                float(cmp.default_value),
                "decimal",
                "同一预算、限额和决定支持事项，按默认规则求解",
            ),
            (
                "本规则的代价",
                round(float(cmp.cost), 4),
                "decimal",
                f"比默认规则少的加权价值，占默认规则的 {percent(ratio)}",
            ),
            ("本规则的代价占比", ratio, "percent", "本规则的代价 ÷ 默认规则下的加权价值"),
            (
                "获支持数：本规则 / 默认规则",
                f"{cmp.funded} / {cmp.default_funded}",
                "text",
                "拟支持金额大于 0 的申报件数",
            ),
            (
                "最小覆盖率：本规则 / 默认规则",
                f"{percent(cmp.min_coverage)} / {percent(cmp.default_min_coverage)}",
                "text",
                "符合条件、非决定支持申报中，拟支持金额占核定上限的最低比例",
            ),
        ]
    elif rule == DEFAULT_RULE:
        rows.append(("与默认规则比较", "本方案即采用默认规则", "text", ""))
    else:
        rows.append(("与默认规则比较", "未测算", "text", "本次运行未按默认规则求解比较"))
    return rows


def batch_rows(result: AllocationResult, in_workbook: bool = True) -> list[RuleRow]:
    """The 分批次、承诺与台账 block of 汇总: this batch and the money reserved for later batches (clause 二十),
    the rent subsidies owed from last year (clause 四, year 2), the waitlist and the supervision ledger.
    Empty when none applies (one batch, no reserve, no commitments, no waitlist or ledger). ``in_workbook``:
    the waitlist is a sheet of this workbook (else it is waitlist.csv)."""
    s = result.summary
    reserve = int(getattr(s, "reserve", 0) or 0)
    batch = int(getattr(s, "batch", 1) or 1)
    owed = int(getattr(s, "commitments_in", 0) or 0)
    fund, _ = level_labels(result)
    rows: list[RuleRow] = []
    if reserve > 0 or batch > 1:
        rows.append(("本批次", batch, "batch", f"{batch_note(result)}，本表为第 {batch} 批"))
    if batch > 1:
        rows += _batch_figures(result, batch, fund)
    if reserve > 0:
        rows.append(
            (
                "预留后续批次资金",
                reserve,
                "money",
                "[budget] reserve_for_later_batches：本批次不安排，预留后续批次（本年度）使用",
            )
        )
    if owed > 0:
        rows.append(
            (
                "上年承诺（租房补助第2年）",
                owed,
                "money",
                f"上年批准的续付补助，优先安排；{commitment_note(result, f'「{fund}承担」')}",
            )
        )
    waitlist = getattr(result, "waitlist", None)
    if waitlist is not None and len(waitlist):
        rows.append(
            (
                "候补名单",
                len(waitlist),
                "count",
                "符合条件但未获全额支持，释放资金后依次递补，"
                + ("见「候补名单」表" if in_workbook else "见 waitlist.csv"),
            )
        )
    ledger = getattr(result, "ledger", None)
    if ledger is not None and len(ledger):
        rows.append(
            (
                "监管台账（购买、自建办公用房）",
                len(ledger),
                "count",
                _ledger_note(result),
            )
        )
    return rows


def _batch_figures(result: AllocationResult, batch: int, fund: str) -> list[RuleRow]:
    """This batch's approvals, the earlier batches' (fixed, as approved) and the year so far."""
    from .tables import batch_totals

    t = batch_totals(prepared(result), batch)
    says = {
        "this_batch": (f"第 {batch} 批拟支持金额", "本批次新批准，见 approved.xlsx「拟支持名单」"),
        "earlier_batches": (
            "前批次已批准金额",
            f"第 1 至 {batch - 1} 批已批准，金额不变，计入本年度资金与各项上限",
        ),
        "year_to_date": ("本年度累计拟支持金额", "见 approved.xlsx「累计拟支持名单」"),
    }
    return [
        (
            label,
            t[k]["awarded"],
            "money",
            f"{note}；{t[k]['funded']} 件，{fund}承担 {yuan(t[k]['city_cost'])} 元",
        )
        for k, (label, note) in says.items()
    ]


def _ledger_note(result: AllocationResult) -> str:
    """``条款（四）：自用未满3年的不得转让出售和出租，见「监管台账」表``, from the pack's ledger item."""
    it = ledger_item(result)
    if it is None:
        return "见「监管台账」表"
    where = cite(getattr(it, "clause", ""))
    return f"{where}{'：' if where else ''}{it.ledger}，见「监管台账」表"


def _limit_value(value: object) -> str:
    return f"{yuan(value)} 元" if isinstance(value, int) else str(value)
