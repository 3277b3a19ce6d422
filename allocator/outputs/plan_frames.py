"""The plan's data as frames, shared by plan.json, the plan workbook and the plan chart."""

from __future__ import annotations

import pandas as pd

from ..core.errors import OutputError
from ..core.result import CHAIN_COLUMNS, COMMITMENT_COLUMNS, LEDGER_COLUMNS, PlanResult
from ..policy.levels import COFUND_LEVEL, FUND_LEVEL
from ._common import ledger_frame, text

MODES_ZH = {"sequential": "逐年", "joint": "联合"}


def chain_headers(fund: str = FUND_LEVEL, cofund: str = COFUND_LEVEL) -> tuple[tuple[str, str, str], ...]:
    """年度资金链's columns (header, :data:`~allocator.core.result.CHAIN_COLUMNS` key, kind), A to N; ``fund`` and
    ``cofund`` name the two cost levels (:func:`~allocator.policy.levels.level_labels`)."""
    return (
        ("年度", "year", "year"),
        ("年度专项资金（元）", "annual_fund", "money"),
        ("上年结转（元）", "carryover_in", "money"),
        ("可用资金（元）", "available", "money"),
        ("管理费用（元）", "admin", "money"),
        (f"{fund}承担（元）", "city_cost", "money"),
        (f"{cofund}承担（元）", "district_cost", "money"),
        ("拟支持金额（元）", "awarded", "money"),
        ("上年承诺（元）", "commitments_in", "money"),
        ("承诺下年（元）", "commitments_out", "money"),
        ("结转下年（元）", "carryover_out", "money"),
        ("获支持数", "funded", "count"),
        ("申报数", "applications", "count"),
        ("加权价值", "value", "decimal"),
    )


#: changchun-2017's (市级/区级); a plan's own come from :func:`chain_headers`.
CHAIN_HEADERS = chain_headers()
BEYOND = "规划期后应付"
WITHIN = "规划期内"
NOT_YET = "—"  # 申报编号 of a commitment owed beyond the plan: no application yet in the year that owes it

#: The comparison's metrics: (key, header); the plan's ``foresight`` frame holds ``<key>_joint`` and
#: ``<key>_sequential`` (``joint_<key>`` / ``sequential_<key>`` are read too).
FORESIGHT_METRICS = (
    ("value", "加权价值"),
    ("awarded", "拟支持金额（元）"),
    ("carryover_out", "结转下年（元）"),
)

CHAIN_MONEY = tuple(k for _, k, kind in CHAIN_HEADERS if kind == "money")
CHAIN_COUNTS = ("year", "funded", "applications")
FORESIGHT_COLUMNS = ("year", *(f"{k}_{m}" for k, _ in FORESIGHT_METRICS for m in ("joint", "sequential")))


# ---------------------------------------------------------------- data
def _fail(zh: str, en: str) -> OutputError:
    return OutputError(
        f"规划结果不一致，未写出结果文件：{zh}", f"the plan is inconsistent; nothing written: {en}"
    )


def chain_frame(plan: PlanResult) -> pd.DataFrame:
    """The chain (:data:`~allocator.core.result.CHAIN_COLUMNS`), money and counts as int64, checked: available =
    fund + carryover in, carryover out = available − city cost − admin, each year's carryover in = the year
    before's carryover out (the first: ``plan.carryover_in``), and each year's figures = its summary's."""
    chain = plan.chain
    missing = [c for c in CHAIN_COLUMNS if c not in chain.columns]
    if missing:
        raise _fail(f"年度资金链缺少列 {'、'.join(missing)}", f"the chain lacks {', '.join(missing)}")
    out = chain[list(CHAIN_COLUMNS)].copy().reset_index(drop=True)
    for col in (*CHAIN_MONEY, *CHAIN_COUNTS):
        values = pd.to_numeric(out[col], errors="coerce").fillna(0)
        if not (values == values.round()).all():
            raise _fail(f"年度资金链的 {col} 不是整数", f"{col} of the chain is not whole")
        out[col] = values.round().astype("int64")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").fillna(0.0).astype(float)
    years = [int(y.year) for y in plan.years]
    if list(out["year"]) != years:
        raise _fail(
            f"年度资金链的年度 {list(out['year'])} 与各年结果 {years} 不符", "chain years ≠ plan years"
        )
    if len(set(years)) != len(years):
        raise _fail(f"年度重复：{years}", f"duplicate years {years}")
    bad: list[str] = []
    previous = int(plan.carryover_in)
    for r, y in zip(out.itertuples(index=False), plan.years, strict=True):
        s = y.result.summary
        checks = {
            "carryover_in": (r.carryover_in, previous),
            "available": (r.available, r.annual_fund + r.carryover_in),
            "carryover_out": (r.carryover_out, r.available - r.city_cost - r.admin),
            "summary.annual_fund": (r.annual_fund, s.annual_fund),
            "summary.carryover_in": (r.carryover_in, s.carryover_in),
            "summary.admin": (r.admin, s.admin),
            "summary.city_cost": (r.city_cost, s.city_cost),
            "summary.carryover_out": (r.carryover_out, s.carryover_out),
        }
        bad += [f"{r.year} {k}: {a} ≠ {b}" for k, (a, b) in checks.items() if int(a) != int(b)]
        previous = int(r.carryover_out)
    if bad:
        raise _fail("；".join(bad), "; ".join(bad))
    return out


def _commitments(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMMITMENT_COLUMNS})
    missing = [c for c in COMMITMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise _fail(f"承诺缺少列 {'、'.join(missing)}", f"commitments lack {', '.join(missing)}")
    return frame[list(COMMITMENT_COLUMNS)]


def all_commitments(plan: PlanResult) -> pd.DataFrame:
    """Every commitment of the plan once (owed from before it, between its years, and beyond its last year):
    :data:`~allocator.core.result.COMMITMENT_COLUMNS`, then ``item_name``, ``beyond_plan`` (bool) and
    ``plan_status`` (规划期内 / 规划期后应付), by the year paid, then application."""
    parts = [_commitments(y.commitments_in) for y in plan.years]
    parts += [_commitments(y.commitments_out) for y in plan.years]
    parts = [p for p in parts if len(p)]
    if not parts:
        out = _commitments(None)
    else:
        out = pd.concat(parts, ignore_index=True)
    for col in ("award", "city_cost", "from_year", "to_year"):
        out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0).round().astype("int64")
    for col in ("application_id", "source_id", "applicant", "credit_code", "district", "item"):
        out[col] = out[col].map(text)
    out = out.drop_duplicates(["source_id", "item", "from_year", "to_year"], keep="first")
    out["application_id"] = out["application_id"].map(lambda a: a or NOT_YET)
    last = max((int(y.year) for y in plan.years), default=0)
    names = {it.id: it.name for it in getattr(plan.policy, "items", ())}
    out["item_name"] = out["item"].map(lambda i: names.get(i, i))
    out["beyond_plan"] = out["to_year"] > last
    out["plan_status"] = out["beyond_plan"].map(lambda b: BEYOND if b else WITHIN)
    out = out.sort_values(["to_year", "application_id", "source_id"], kind="stable")
    return out.reset_index(drop=True)


def plan_ledger(plan: PlanResult) -> pd.DataFrame:
    frames = []
    for y in plan.years:
        f = ledger_frame(y.result)
        if len(f):
            frames.append(f.assign(year=int(y.year)))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("year", *LEDGER_COLUMNS)})
    return pd.concat(frames, ignore_index=True)[["year", *LEDGER_COLUMNS]]


def foresight_frame(plan: PlanResult) -> pd.DataFrame | None:
    """The joint-against-sequential comparison as :data:`FORESIGHT_COLUMNS` plus ``<key>_diff`` (joint −
    sequential) for each metric; None when the plan has none."""
    df = plan.foresight
    if df is None:
        return None
    out = pd.DataFrame({"year": pd.to_numeric(df["year"], errors="coerce").astype("int64")})
    for key, _ in FORESIGHT_METRICS:
        for mode in ("joint", "sequential"):
            found = next((c for c in (f"{key}_{mode}", f"{mode}_{key}") if c in df.columns), None)
            if found is None:
                raise _fail(
                    f"联合与逐年对比缺少列 {key}_{mode}（应有 {'、'.join(FORESIGHT_COLUMNS)}）",
                    f"the foresight frame lacks {key}_{mode} (expected {', '.join(FORESIGHT_COLUMNS)})",
                )
            values = pd.to_numeric(df[found], errors="coerce").fillna(0)
            out[f"{key}_{mode}"] = values.astype(float) if key == "value" else values.round().astype("int64")
        out[f"{key}_diff"] = out[f"{key}_joint"] - out[f"{key}_sequential"]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- json
