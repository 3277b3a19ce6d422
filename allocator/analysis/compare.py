"""Scenario diff: ``allocator compare DIR_A DIR_B``: who gains and who loses, by application, item and district.

:func:`compare_dirs` reads two result folders (``allocation.csv`` and ``summary.json`` of ``allocator run``)
and lines them up application by application; :func:`allocator.app.compare.write_comparison` writes
``compare.xlsx`` and the two diverging charts (``charts/compare_by_item.*``, ``charts/compare_by_district.*``),
staged beside the output folder and moved into place only when all of them are written.

Every total reconciles: Σ award (and city_cost, district_cost, the number funded) over each folder's
allocation.csv must equal its summary.json, or the folder is refused as edited after the run. An application
present in one run only counts as 0 in the other and is flagged 仅A / 仅B. Two runs of different policies
cannot be compared; different scenarios, years or application data are noted, not refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.errors import AllocatorError
from ..store.folder import ResultFolder, ResultFolderError
from .compare_columns import (
    BY_APPLICATION_COLUMNS,
    BY_DISTRICT_COLUMNS,
    BY_ITEM_COLUMNS,
    GROUP_MONEY,
    TOTAL_KEYS,
)

__all__ = [
    "BY_APPLICATION_COLUMNS",
    "BY_DISTRICT_COLUMNS",
    "BY_ITEM_COLUMNS",
    "TOTAL_KEYS",
    "Comparison",
    "ComparisonError",
    "compare_dirs",
]

MONEY = ("award", "city_cost", "district_cost")
NO_DISTRICT = "（未填）"


class ComparisonError(AllocatorError):
    """Two result folders that cannot be compared: missing, unreadable, edited, or of different policies."""

    code = "compare"


@dataclass(frozen=True)
class Run:
    """One side of a comparison: a result folder as ``allocator run`` wrote it."""

    folder: Path
    name: str  # the scenario's name
    rule: str  # weighted | priority | maxmin | prorata
    rule_zh: str
    policy: str
    summary: dict
    table: pd.DataFrame  # allocation.csv: ids and codes as text, money as int64


@dataclass(frozen=True)
class Comparison:
    """Run B against run A (``change`` = B − A), with totals that reconcile to both summary.json files."""

    a: Run
    b: Run
    by_application: pd.DataFrame  # BY_APPLICATION_COLUMNS, largest gain first, largest loss last
    by_item: pd.DataFrame  # BY_ITEM_COLUMNS, policy order
    by_district: pd.DataFrame  # BY_DISTRICT_COLUMNS, largest gain first
    totals: pd.DataFrame  # index TOTAL_KEYS; columns label, a, b, change
    fund: str = "市级"  # the levels' names (level_labels): who pays city_cost and district_cost
    cofund: str = "区级"
    notes: tuple[str, ...] = field(default_factory=tuple)  # what differs besides the allocation (warnings)

    @property
    def name_a(self) -> str:
        return self.a.name

    @property
    def name_b(self) -> str:
        return self.b.name

    @property
    def rule_a(self) -> str:
        return self.a.rule

    @property
    def rule_b(self) -> str:
        return self.b.rule

    def total(self, key: str, side: str) -> int | float:
        """``total("awarded", "a")``: a figure of :attr:`totals` (int for money and counts)."""
        value = self.totals.at[key, side]
        return float(value) if key == "value" else int(value)

    @property
    def gainers(self) -> pd.DataFrame:
        return self.by_application[self.by_application["change"] > 0]

    @property
    def losers(self) -> pd.DataFrame:
        """Largest loss first."""
        df = self.by_application[self.by_application["change"] < 0]
        return df.sort_values(["change", "application_id"], kind="stable")


# ---------------------------------------------------------------- reading
def _folder(path: str | Path, side: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise ComparisonError(
            f"找不到结果目录（方案{side}）：{folder}",
            f"result folder {side} not found: {folder}",
            "先运行 allocator run 方案.toml，再比较其输出目录 / run `allocator run` first and compare its output folders",
        )
    return folder


def _read(side: str, read, *args):
    """``read(*args)`` of the folder reader; what it cannot read, said for this side of the comparison."""
    try:
        return read(*args)
    except ResultFolderError as exc:
        raise ComparisonError(f"方案{side}：{exc.zh}", f"result folder {side}: {exc.en}", exc.hint) from None


def _summary(store: ResultFolder, side: str) -> dict:
    data = _read(side, store.summary)
    path = store.path / "summary.json"
    needed = ("awarded", "city_cost", "district_cost", "funded", "applications", "carryover_out")
    missing = [k for k in needed if k not in data]
    if missing:
        raise ComparisonError(
            f"方案{side}的 {path} 缺少字段：{'、'.join(missing)}",
            f"{path} (result folder {side}) lacks {', '.join(missing)}",
        )
    return data


def _table(store: ResultFolder, side: str) -> pd.DataFrame:
    df = _read(side, store.allocation, ("district", "item_name"))
    path = store.path / "allocation.csv"
    if "clause" not in df.columns:
        df["clause"] = ""
    df["application_id"] = df["application_id"].str.strip()
    dup = df.loc[df["application_id"].duplicated(), "application_id"].unique().tolist()
    if dup:
        raise ComparisonError(
            f"方案{side}的 {path} 中申报编号重复：{'、'.join(dup[:10])}",
            f"{path} (result folder {side}) repeats application ids: {', '.join(dup[:10])}",
        )
    split = df["award"] != df["city_cost"] + df["district_cost"]
    if split.any():
        ids = df.loc[split, "application_id"].tolist()
        raise ComparisonError(
            f"方案{side}的 {path} 中拟支持金额不等于两级承担之和：{'、'.join(ids[:10])}（文件在运行后被修改？）",
            f"{path} (result folder {side}): award ≠ city_cost + district_cost for {', '.join(ids[:10])} (edited after the run?)",
        )
    df["district"] = df["district"].str.strip().replace("", NO_DISTRICT)
    return df


def _reconcile(folder: Path, side: str, summary: dict, table: pd.DataFrame) -> None:
    """The folder's allocation.csv must add up to its summary.json, or it was edited after the run."""
    checks = {
        "awarded": (int(table["award"].sum()), summary["awarded"]),
        "city_cost": (int(table["city_cost"].sum()), summary["city_cost"]),
        "district_cost": (int(table["district_cost"].sum()), summary["district_cost"]),
        "funded": (int((table["award"] > 0).sum()), summary["funded"]),
        "applications": (len(table), summary["applications"]),
    }
    bad = []
    for key, (got, want) in checks.items():
        try:
            same = got == int(want)
        except (TypeError, ValueError):
            same = False
        if not same:
            bad.append(f"{key}: allocation.csv {got:,} ≠ summary.json {want}")
    if bad:
        raise ComparisonError(
            f"方案{side}的结果目录 {folder} 中 allocation.csv 合计与 summary.json 不一致（文件在运行后被修改？），"
            f"不能比较：{'；'.join(bad)}",
            f"result folder {side} ({folder}): allocation.csv does not add up to summary.json "
            f"(edited after the run?): {'; '.join(bad)}",
            "重新运行 allocator run 生成该目录 / run `allocator run` again to regenerate the folder",
        )


def _run(path: str | Path, side: str) -> Run:
    folder = _folder(path, side)
    store = ResultFolder(folder)
    summary = _summary(store, side)
    table = _table(store, side)
    _reconcile(folder, side, summary, table)
    scenario = summary.get("scenario") or {}
    manifest = summary.get("manifest") or {}
    return Run(
        folder=folder,
        name=str(scenario.get("name") or folder.name),
        rule=str(summary.get("rule") or "weighted"),
        rule_zh=str(summary.get("rule_zh") or summary.get("rule") or ""),
        policy=str(manifest.get("policy") or scenario.get("policy") or ""),
        summary=summary,
        table=table,
    )


# ---------------------------------------------------------------- lining up
def _policy(run: Run):
    """The run's policy pack, when it can still be loaded (for item order and level names)."""
    from ..policy.pack import load_policy

    scenario = run.summary.get("scenario") or {}
    base = Path(str(scenario.get("path") or ".")).parent
    try:
        return load_policy(run.policy, base=base)
    except (AllocatorError, OSError):
        return None


def _by_application(a: Run, b: Run) -> pd.DataFrame:
    keep = ["application_id", "applicant", "credit_code", "item", "item_name", "clause", "district"]
    side = ["award", "city_cost", "district_cost", "status", "reason"]
    left = a.table[keep + side]
    right = b.table[keep + side]
    df = left.merge(right, on="application_id", how="outer", suffixes=("_a", "_b"), indicator=True)
    df["where"] = (
        df["_merge"].map({"both": "both", "left_only": "only_a", "right_only": "only_b"}).astype(str)
    )
    for col in keep[1:]:  # A's words, B's for an application only B has
        df[col] = df[f"{col}_a"].where(df["where"] != "only_b", df[f"{col}_b"]).fillna("").astype(str)
    for col in MONEY:
        for s in ("a", "b"):
            df[f"{col}_{s}"] = df[f"{col}_{s}"].fillna(0).astype("int64")
    for col in ("status", "reason"):
        for s in ("a", "b"):
            df[f"{col}_{s}"] = df[f"{col}_{s}"].fillna("").astype(str)
    df["change"] = df["award_b"] - df["award_a"]
    df = df.sort_values(["change", "application_id"], ascending=[False, True], kind="stable")
    return df[list(BY_APPLICATION_COLUMNS)].reset_index(drop=True)


def _group(df: pd.DataFrame, key: str) -> pd.DataFrame:
    g = df.groupby(key, sort=False)
    out = g[list(GROUP_MONEY)].sum().astype("int64")
    out["applications_a"] = g["where"].apply(lambda w: int((w != "only_b").sum()))
    out["applications_b"] = g["where"].apply(lambda w: int((w != "only_a").sum()))
    out["funded_a"] = g["award_a"].apply(lambda v: int((v > 0).sum()))
    out["funded_b"] = g["award_b"].apply(lambda v: int((v > 0).sum()))
    return out.astype("int64").reset_index()


def _by_item(df: pd.DataFrame, policy) -> pd.DataFrame:
    out = _group(df, "item")
    first = df.drop_duplicates("item").set_index("item")
    out["clause"] = out["item"].map(first["clause"])
    out["item_name"] = out["item"].map(first["item_name"])
    order = {it.id: k for k, it in enumerate(getattr(policy, "items", ()) or ())}
    if policy is not None:
        names = {it.id: (it.clause, it.name) for it in policy.items}
        for i, item in out["item"].items():
            clause, name = names.get(item, ("", ""))
            out.at[i, "clause"] = out.at[i, "clause"] or clause
            out.at[i, "item_name"] = out.at[i, "item_name"] or name
    out["_order"] = out["item"].map(lambda i: order.get(i, len(order)))
    out = out.sort_values(["_order", "item"], kind="stable")
    return out[list(BY_ITEM_COLUMNS)].reset_index(drop=True)


def _by_district(df: pd.DataFrame) -> pd.DataFrame:
    out = _group(df, "district")
    out = out.sort_values(["change", "district"], ascending=[False, True], kind="stable")
    return out[list(BY_DISTRICT_COLUMNS)].reset_index(drop=True)


def _totals(a: Run, b: Run, fund: str, cofund: str) -> pd.DataFrame:
    rows = []
    for key, label in TOTAL_KEYS.items():
        va, vb = a.summary.get(key, 0) or 0, b.summary.get(key, 0) or 0
        if key == "value":
            va, vb = round(float(va), 4), round(float(vb), 4)
            change = round(vb - va, 4)
        else:
            va, vb = int(va), int(vb)
            change = vb - va
        rows.append((key, label.format(fund=fund, cofund=cofund), va, vb, change))
    return pd.DataFrame(rows, columns=["key", "label", "a", "b", "change"], dtype=object).set_index("key")


def _check_policies(a: Run, b: Run) -> None:
    if a.policy and b.policy and a.policy != b.policy:
        raise ComparisonError(
            f"两个结果依据的政策不同（A：{a.policy}；B：{b.policy}），不能逐项比较",
            f"the two runs are of different policies (A: {a.policy}, B: {b.policy}); they cannot be compared",
            "只比较同一政策包的方案 / compare scenarios of the same policy pack",
        )


def _notes(a: Run, b: Run, by_app: pd.DataFrame) -> tuple[str, ...]:
    notes = []
    ma, mb = a.summary.get("manifest") or {}, b.summary.get("manifest") or {}
    sa, sb = a.summary.get("scenario") or {}, b.summary.get("scenario") or {}
    if a.folder.resolve() == b.folder.resolve():
        notes.append("A、B 为同一结果目录 / A and B are the same folder")
    if a.name == b.name and a.folder.resolve() != b.folder.resolve():
        notes.append(f"两个结果的方案名称相同（{a.name}） / both runs have the same scenario name")
    if sa.get("year") != sb.get("year"):
        notes.append(f"年度不同：A {sa.get('year')}，B {sb.get('year')} / different years")
    pa, pb = ma.get("policy_sha256"), mb.get("policy_sha256")
    if pa and pb and pa != pb:
        notes.append("两次运行时政策包文件内容不同 / the policy pack changed between the runs")
    only_a = int((by_app["where"] == "only_a").sum())
    only_b = int((by_app["where"] == "only_b").sum())
    da, db = ma.get("applications_sha256"), mb.get("applications_sha256")
    if only_a or only_b:
        notes.append(
            f"申报不完全相同：仅A {only_a} 项、仅B {only_b} 项，另一方案中按 0 计 "
            f"/ application sets differ: {only_a} only in A, {only_b} only in B, counted as 0 in the other"
        )
    elif da and db and da != db:
        notes.append("两次运行的申报数据文件不同（申报编号相同） / the applications files differ (same ids)")
    return tuple(notes)


def compare_dirs(dir_a: str | Path, dir_b: str | Path) -> Comparison:
    """Line up two ``allocator run`` result folders, B against A; raises :class:`ComparisonError`."""
    a, b = _run(dir_a, "A"), _run(dir_b, "B")
    _check_policies(a, b)
    by_app = _by_application(a, b)
    for run, s in ((a, "a"), (b, "b")):  # the outer join loses nothing and invents nothing
        for col, key in (
            ("award", "awarded"),
            ("city_cost", "city_cost"),
            ("district_cost", "district_cost"),
        ):
            got = int(by_app[f"{col}_{s}"].sum())
            if got != int(run.summary[key]):
                raise ComparisonError(
                    f"按申报合计 {col}_{s} {got:,} 与 summary.json 的 {key} {run.summary[key]} 不一致",
                    f"by-application total {col}_{s} {got:,} ≠ summary.json {key} {run.summary[key]}",
                )
    policy = _policy(b) or _policy(a)
    from ..policy.levels import level_labels

    fund, cofund = level_labels(policy) if policy is not None else level_labels(None)
    return Comparison(
        a=a,
        b=b,
        by_application=by_app,
        by_item=_by_item(by_app, policy),
        by_district=_by_district(by_app),
        totals=_totals(a, b, fund, cofund),
        fund=fund,
        cofund=cofund,
        notes=_notes(a, b, by_app),
    )
