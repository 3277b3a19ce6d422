"""Scenario files: which policy, which applications, how much money, what to value.

```toml
[scenario]
name = "2017 年度基准方案"
policy = "changchun-2017"          # a shipped pack id, or a path to a pack file
year = 2017
applications = "data/changchun-2017-applications.xlsx"

[budget]
annual_fund = 20_000_000           # clause 一
carryover_in = 0                   # or the path of last year's summary.json
admin_fixed = 50_000               # planned administration cost; clause 十九 caps admin at 1% of annual_fund
admin_per_application = 100

[objective]
rule = "weighted"
default_score = 60                 # review score assumed where the workbook leaves it blank
[objective.weights]                # item id -> weight, default 1
c13-hire = 1.5

[discretionary.c10-expo]           # numbers the policy leaves open: assumptions, never policy
rate = 0.5
note = "假设：展位费、布展费按50%补助"

[output]
lists = "auto"                     # per-application lists: "auto", "workbook" or "csv" (see LISTS)
```

Paths are relative to the scenario file.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date as date_type
from pathlib import Path

from .errors import ScenarioError

RULES = ("weighted", "priority", "maxmin", "prorata")
RULES_ZH = {
    "weighted": "加权价值最大",
    "priority": "分档优先",
    "maxmin": "最小覆盖率最大（公平优先）",
    "prorata": "按比例同等削减",
}
#: ``[output] lists``: where the per-application lists (拟支持名单, 未支持名单, 不符合条件, 候补名单) go.
#: "workbook": sheets of allocation.xlsx; "csv": only allocation.csv and waitlist.csv (allocation.xlsx keeps
#: its summaries as plain numbers); "auto": the workbook up to
#: :data:`allocator.outputs.lists.WORKBOOK_LISTS_UP_TO` applications, csv above. approved.xlsx is always
#: written in full.
LISTS = ("auto", "workbook", "csv")
_KNOWN = {
    "scenario": {"name", "policy", "year", "applications", "description", "approval_date"},
    "budget": {
        "annual_fund",
        "carryover_in",
        "admin_fixed",
        "admin_per_application",
        "reserve_for_later_batches",
    },
    "objective": {"rule", "default_score", "weights", "priority"},
    "limits": {"min_award", "per_enterprise", "item_share", "district_budget"},
    "override": None,  # [[override]] application_id, award, reason
    "discretionary": None,  # item id -> {param: number, note: text}
    "solver": {"name", "time_limit", "mip_gap"},
    "output": {"lists"},
}


@dataclass(frozen=True)
class Limits:
    """``[limits]``: each optional; each becomes a named constraint (see allocator.model)."""

    min_award: int = 0  # an award is 0 or at least this much (makes the model a MILP)
    per_enterprise: int | None = None  # Σ awards to one credit_code
    item_share: dict[str, tuple[float, float]] = field(
        default_factory=dict
    )  # item -> [min, max] of city cost
    district_budget: dict[str, int] = field(default_factory=dict)  # district -> most it co-pays (clause 二)


@dataclass(frozen=True)
class Override:
    """``[[override]]``: a decision taken outside the model, applied as a fixed award."""

    application_id: str
    award: int | str  # "cap" or whole yuan
    reason: str


@dataclass(frozen=True)
class Scenario:
    name: str
    policy: str
    year: int
    applications: Path
    path: Path
    annual_fund: int
    carryover_in: int
    carryover_source: str  # "0", a number, or the summary.json it came from
    admin_fixed: int = 0
    admin_per_application: int = 0
    rule: str = "weighted"
    default_score: float = 60.0
    weights: dict[str, float] = field(default_factory=dict)
    discretionary: dict[str, dict[str, float]] = field(default_factory=dict)
    discretionary_notes: dict[str, str] = field(default_factory=dict)
    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float = 0.0
    description: str = ""
    tiers: tuple[tuple[str, ...], ...] = ()  # [objective.priority] tiers, for rule = "priority"
    limits: Limits = field(default_factory=Limits)
    overrides: tuple[Override, ...] = ()
    reserve: int = 0  # [budget] reserve_for_later_batches: kept unspent this batch (clause 二十)
    approval_date: str = ""  # ISO date the awards are approved (default: 31 December of the year)
    lists: str = "auto"  # [output] lists: "auto", "workbook" or "csv" (LISTS)

    @property
    def approved_on(self) -> str:
        return self.approval_date or f"{self.year}-12-31"

    @property
    def rule_zh(self) -> str:
        return RULES_ZH[self.rule]

    @property
    def available(self) -> int:
        return self.annual_fund + self.carryover_in

    @property
    def stem(self) -> str:
        return self.path.stem

    def admin_planned(self, applications: int) -> int:
        return self.admin_fixed + self.admin_per_application * applications

    def weight(self, item_id: str) -> float:
        return float(self.weights.get(item_id, 1.0))


def _fail(path: Path, zh: str, en: str, hint: str = "") -> ScenarioError:
    return ScenarioError(f"方案文件 {path}：{zh}", f"scenario file {path}: {en}", hint)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"找不到方案文件 {path}", f"scenario file {path} not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"TOML 语法错误：{exc}", f"TOML syntax error: {exc}") from None
    except UnicodeDecodeError:
        raise _fail(path, "不是 UTF-8 编码的文本", "is not UTF-8 text") from None
    for table, value in data.items():
        if table not in _KNOWN:
            raise _fail(
                path, f"未知的表 [{table}]", f"unknown table [{table}]", f"可用 / known: {', '.join(_KNOWN)}"
            )
        keys = _KNOWN[table]
        if keys is not None and isinstance(value, dict):
            extra = set(value) - keys
            if extra:
                key = sorted(extra)[0]
                raise _fail(
                    path,
                    f"[{table}] 中有未知的键 {key}",
                    f"unknown key {key!r} in [{table}]",
                    f"可用 / known: {', '.join(sorted(keys))}",
                )
    base = path.parent
    sc = data.get("scenario", {})
    budget = data.get("budget")
    if budget is None:
        raise _fail(path, "缺少 [budget] 表（年度资金）", "missing the [budget] table (annual fund)")
    for key in ("policy", "applications"):
        if key not in sc:
            raise _fail(path, f"[scenario] 缺少 {key}", f"[scenario] needs {key!r}")
    if "annual_fund" not in budget:
        raise _fail(path, "[budget] 缺少 annual_fund（年度专项资金）", "[budget] needs annual_fund")

    def money(table: dict, key: str, default: int = 0) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
            raise _fail(
                path,
                f"{key} 应为非负整数（元），实际为 {value!r}",
                f"{key} must be whole yuan ≥ 0, got {value!r}",
            )
        return int(value)

    carry_raw = budget.get("carryover_in", 0)
    if isinstance(carry_raw, str):
        carry_path = base / carry_raw
        carryover_in = _carryover_from(carry_path, path)
        carryover_source = str(carry_path)
    else:
        carryover_in = money(budget, "carryover_in")
        carryover_source = str(carryover_in)

    objective = data.get("objective", {})
    rule = objective.get("rule", "weighted")
    if rule not in RULES:
        raise _fail(
            path, f"不支持的规则 {rule!r}", f"unsupported rule {rule!r}", f"可用 / known: {', '.join(RULES)}"
        )
    weights = {}
    for item_id, w in objective.get("weights", {}).items():
        if isinstance(w, bool) or not isinstance(w, int | float) or w < 0:
            raise _fail(
                path,
                f"事项 {item_id} 的权重应为非负数字，实际为 {w!r}",
                f"weight of {item_id} must be a number ≥ 0",
            )
        weights[str(item_id)] = float(w)
    default_score = objective.get("default_score", 60)
    if (
        isinstance(default_score, bool)
        or not isinstance(default_score, int | float)
        or not 0 <= default_score <= 100
    ):
        raise _fail(path, "default_score 应在 0–100 之间", "default_score must be between 0 and 100")

    discretionary: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    for item_id, params in data.get("discretionary", {}).items():
        if not isinstance(params, dict):
            raise _fail(
                path, f"[discretionary.{item_id}] 应为表", f"[discretionary.{item_id}] must be a table"
            )
        values = {}
        for k, v in params.items():
            if k == "note":
                notes[item_id] = str(v)
            elif isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise _fail(
                    path,
                    f"[discretionary.{item_id}] {k} 应为非负数字",
                    f"[discretionary.{item_id}] {k} must be a number ≥ 0",
                )
            else:
                values[k] = float(v)
        discretionary[str(item_id)] = values

    tiers = _tiers(objective.get("priority", {}), rule, path)
    limits = _limits(data.get("limits", {}), path)
    overrides = _overrides(data.get("override", []), path)
    solver = data.get("solver", {})
    solver_name = str(solver.get("name", "highs")).lower()
    if solver_name not in ("highs", "cbc"):
        raise _fail(
            path, f"不支持的求解器 {solver_name!r}", f"unsupported solver {solver_name!r}", "highs 或 cbc"
        )
    year = sc.get("year", 0)
    if isinstance(year, bool) or not isinstance(year, int):
        raise _fail(path, f"year 应为整数年份，实际为 {year!r}", f"year must be a whole year, got {year!r}")
    return Scenario(
        name=str(sc.get("name", path.stem)),
        policy=str(sc["policy"]),
        year=year,
        applications=(base / str(sc["applications"])),
        path=path,
        annual_fund=money(budget, "annual_fund"),
        carryover_in=carryover_in,
        carryover_source=carryover_source,
        admin_fixed=money(budget, "admin_fixed"),
        admin_per_application=money(budget, "admin_per_application"),
        rule=rule,
        default_score=float(default_score),
        weights=weights,
        discretionary=discretionary,
        discretionary_notes=notes,
        solver=solver_name,
        time_limit=_positive(solver, "time_limit", path),
        mip_gap=_positive(solver, "mip_gap", path) or 0.0,
        description=str(sc.get("description", "")),
        tiers=tiers,
        limits=limits,
        overrides=overrides,
        reserve=money(budget, "reserve_for_later_batches"),
        approval_date=_date(sc.get("approval_date"), path),
        lists=_lists(data.get("output", {}), path),
    )


def _lists(output: object, path: Path) -> str:
    if not isinstance(output, dict):
        raise _fail(path, "[output] 应为表", "[output] must be a table", '[output]\nlists = "auto"')
    value = output.get("lists", "auto")
    if value not in LISTS:
        raise _fail(
            path,
            f'[output] lists 应为 "auto"、"workbook" 或 "csv"，实际为 {value!r}',
            f'[output] lists must be "auto", "workbook" or "csv", got {value!r}',
            "auto：按申报数自动选择（默认）；workbook：逐项名单写入 allocation.xlsx；"
            "csv：逐项名单只写入 allocation.csv 与 waitlist.csv",
        )
    return value


def _date(value: object, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, date_type):
        return value.isoformat()
    try:
        return date_type.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _fail(
            path,
            f"approval_date 应为日期（如 2017-12-31），实际为 {value!r}",
            f"approval_date must be a date, got {value!r}",
        ) from None


def _positive(table: dict, key: str, path: Path) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(
            path, f"[solver] {key} 应为非负数字，实际为 {value!r}", f"[solver] {key} must be a number ≥ 0"
        )
    return float(value)


def _tiers(priority: dict, rule: str, path: Path) -> tuple[tuple[str, ...], ...]:
    if not isinstance(priority, dict) or set(priority) - {"tiers"}:
        raise _fail(path, "[objective.priority] 只能有 tiers", "[objective.priority] takes only tiers")
    tiers = priority.get("tiers", [])
    if not isinstance(tiers, list) or not all(
        isinstance(t, list) and all(isinstance(i, str) for i in t) for t in tiers
    ):
        raise _fail(
            path,
            "tiers 应为事项编号列表的列表",
            "tiers must be a list of lists of item ids",
            'tiers = [["c13-hire"], ["c09-offshore"]]',
        )
    flat = [i for t in tiers for i in t]
    if len(flat) != len(set(flat)):
        raise _fail(path, "同一事项出现在多个档次中", "an item appears in more than one tier")
    if rule == "priority" and not tiers:
        raise _fail(
            path,
            'rule = "priority" 需要 [objective.priority] tiers',
            'rule = "priority" needs [objective.priority] tiers',
        )
    return tuple(tuple(t) for t in tiers)


def _limits(raw: dict, path: Path) -> Limits:
    def whole(value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
            raise _fail(
                path,
                f"[limits] {key} 应为非负整数（元），实际为 {value!r}",
                f"[limits] {key} must be whole yuan ≥ 0, got {value!r}",
            )
        return int(value)

    shares = {}
    for item_id, pair in raw.get("item_share", {}).items():
        ok = (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
        )
        if not ok or not 0 <= pair[0] <= pair[1] <= 1:
            raise _fail(
                path,
                f"[limits.item_share] {item_id} 应为 [最低, 最高] 两个 0–1 之间的比例，实际为 {pair!r}",
                f"[limits.item_share] {item_id} must be [min, max] shares between 0 and 1, got {pair!r}",
            )
        shares[str(item_id)] = (float(pair[0]), float(pair[1]))
    per = raw.get("per_enterprise")
    return Limits(
        min_award=whole(raw.get("min_award", 0), "min_award"),
        per_enterprise=None if per is None else whole(per, "per_enterprise"),
        item_share=shares,
        district_budget={
            str(k): whole(v, f"district_budget.{k}") for k, v in raw.get("district_budget", {}).items()
        },
    )


def _overrides(raw: list, path: Path) -> tuple[Override, ...]:
    out = []
    seen = set()
    for k, entry in enumerate(raw if isinstance(raw, list) else [raw], 1):
        if (
            not isinstance(entry, dict)
            or set(entry) - {"application_id", "award", "reason"}
            or "application_id" not in entry
        ):
            raise _fail(
                path,
                f"第 {k} 个 [[override]] 须有 application_id、award、reason",
                f"[[override]] #{k} needs application_id, award and reason",
            )
        app = str(entry["application_id"])
        award = entry.get("award", "cap")
        if not (award == "cap" or (isinstance(award, int) and not isinstance(award, bool) and award >= 0)):
            raise _fail(
                path,
                f'[[override]] {app} 的 award 应为 "cap"、0 或整数元，实际为 {award!r}',
                f'[[override]] {app}: award must be "cap", 0 or whole yuan',
            )
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise _fail(
                path, f"[[override]] {app} 须写明理由（reason）", f"[[override]] {app} needs a reason"
            )
        if app in seen:
            raise _fail(path, f"[[override]] {app} 重复", f"[[override]] {app} appears twice")
        seen.add(app)
        out.append(Override(app, award, reason))
    return tuple(out)


def _carryover_from(summary_path: Path, scenario_path: Path) -> int:
    """Last year's ``carryover_out`` from its ``summary.json``."""
    try:
        data = json.loads(summary_path.read_text(encoding="utf-8"))
        value = data["carryover_out"]
    except FileNotFoundError:
        raise _fail(
            scenario_path,
            f"carryover_in 指向的 {summary_path} 不存在",
            f"carryover_in file {summary_path} not found",
        ) from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise _fail(
            scenario_path,
            f"{summary_path} 不是含 carryover_out 的 summary.json",
            f"{summary_path} is not a summary.json with carryover_out",
        ) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(
            scenario_path,
            f"{summary_path} 的 carryover_out 不是非负整数",
            f"carryover_out in {summary_path} is not whole yuan ≥ 0",
        )
    return value
