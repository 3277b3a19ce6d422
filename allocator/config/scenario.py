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

Every mistake in the file is a :class:`ScenarioError` naming the file, the line (found by scanning the
text, as tomllib gives no line numbers: :mod:`allocator.config.toml_text`), the table and key, the value and
what was expected, in Chinese and English; a TOML syntax error names the line and column and quotes the
line. Beyond its type, every number must lie in its key's range and every district and item the scenario
names must be one its policy pack has (:mod:`allocator.config.checks`); a ``carryover_in`` path must be
last year's sealed result under the same policy (:mod:`allocator.config.carryover`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.errors import PolicyError, ScenarioError
from ..intake.ids import KeyProblem
from ..intake.ids import key as id_key
from .carryover import carryover_from
from .checks import approval_out_of_range, ranges, unknown_references
from .keys import (
    is_number,
    key_date,
    key_number,
    key_optional,
    key_optional_whole,
    key_shares,
    key_tiers,
    key_whole,
)
from .shape import ADD_BUDGET, EXAMPLE, check_shape, unknown_keys
from .toml_text import TomlText, read_scenario_text, syntax_error

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


@dataclass(frozen=True)
class Limits:
    """``[limits]``: each optional; each becomes a named constraint (see allocator.model.build)."""

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


# ------------------------------------------------------------------------------------ the loader


def load_scenario(path: str | Path) -> Scenario:
    """The scenario at ``path``, every key checked: its type, its range (:mod:`allocator.config.checks`),
    the districts and items it names against its policy pack, and a carryover file
    (:mod:`allocator.config.carryover`)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"找不到方案文件 {path}", f"scenario file {path} not found")
    text = read_scenario_text(path)
    data = _parse(text)
    check_shape(text, data)
    _required(text, data)
    return _checked(text, data, _build(text, data, path))


def _parse(text: TomlText) -> dict:
    try:
        return tomllib.loads(text.source)
    except tomllib.TOMLDecodeError as exc:
        raise syntax_error(text, exc) from None
    except RecursionError:
        raise text.error(None, "TOML 嵌套过深", "TOML nested too deeply") from None
    except ValueError:  # an integer of more digits than Python converts (4300)
        line = next((n for n, t in enumerate(text.lines, 1) if re.search(r"\d[\d_]{999}", t)), None)
        quoted = f"{text.lines[line - 1].strip()[:40]}…" if line else ""
        zh = f"数字位数过多，不是金额或比例（该行为：{quoted}）"
        en = f"a number has far too many digits to be money or a share (the line reads: {quoted})"
        raise text.error(line, zh, en, "金额写成整数元，如 annual_fund = 20_000_000") from None


def _required(text: TomlText, data: dict) -> None:
    sc = data.get("scenario", {})
    budget = data.get("budget")
    if budget is None:
        raise text.error(
            None, "缺少 [budget] 表（年度资金）", "missing the [budget] table (annual fund)", ADD_BUDGET
        )
    for key in ("policy", "year", "applications"):
        if key not in sc:
            example = EXAMPLE[key]
            hint = f"在 [scenario] 下加一行 / add under [scenario]: {example}"
            raise text.fail(("scenario",), f"[scenario] 缺少 {key}", f"[scenario] needs {key!r}", hint)
    if "annual_fund" not in budget:
        hint = f"在 [budget] 下加一行 / add under [budget]: {EXAMPLE['annual_fund']}"
        zh, en = (
            "[budget] 缺少 annual_fund（年度专项资金，元）",
            "[budget] needs annual_fund (the year's fund, yuan)",
        )
        raise text.fail(("budget",), zh, en, hint)


def _checked(text: TomlText, data: dict, scenario: Scenario) -> Scenario:
    """Every number in its range; every district and item named one the policy pack has; last year's
    carryover read from its result (a path) — only once every key has the right type."""
    from ..policy.pack import builtin_policies, load_policy

    refusals = ranges(data)
    approval = approval_out_of_range(scenario.year, scenario.approval_date)
    if refusals or approval:
        raise text.refuse(refusals + ([approval] if approval else []))
    try:
        policy = load_policy(scenario.policy, base=scenario.path.parent)
    except PolicyError as exc:  # no such pack: the scenario's mistake, at its line; a bad pack: the pack's
        if scenario.policy in builtin_policies() or (scenario.path.parent / scenario.policy).is_file():
            raise
        at, name = ("scenario", "policy"), f"[scenario] policy {scenario.policy!r}"
        raise text.fail(at, f"{name}：{exc.zh}", f"{name}: {exc.en}", exc.hint) from None
    refusals = unknown_references(scenario, policy)
    if refusals:
        raise text.refuse(refusals)
    carry = data["budget"].get("carryover_in", 0)
    if not isinstance(carry, str):
        return scenario
    source = scenario.path.parent / carry
    at = ("budget", "carryover_in")
    amount = carryover_from(source, scenario.year, policy, lambda zh, en, hint: text.fail(at, zh, en, hint))
    return replace(scenario, carryover_in=amount, carryover_source=str(source))


def _build(text: TomlText, data: dict, path: Path) -> Scenario:
    """The scenario of parsed TOML, each key of its type (a carryover path is read by :func:`_checked`)."""
    sc, budget = data.get("scenario", {}), data["budget"]
    carry = budget.get("carryover_in", 0)
    carryover_in = 0 if isinstance(carry, str) else key_whole(text, ("budget", "carryover_in"), carry)
    objective = data.get("objective", {})
    rule = objective.get("rule", "weighted")
    if rule not in RULES:
        zh, en = f"[objective] rule 不支持 {rule!r}", f"[objective] rule {rule!r} is not supported"
        raise text.fail(("objective", "rule"), zh, en, f"可用 / known: {', '.join(RULES)}")
    default_score = objective.get("default_score", 60)
    if not is_number(default_score) or not 0 <= default_score <= 100:
        at = ("objective", "default_score")
        raise text.wrong(at, default_score, " 0–100 之间的数字", "a number from 0 to 100")
    discretionary, notes = _discretionary(data.get("discretionary", {}), text)
    solver = data.get("solver", {})
    solver_name = str(solver.get("name", "highs")).lower()
    if solver_name not in ("highs", "cbc"):
        zh, en = f"[solver] name 不支持 {solver_name!r}", f"[solver] name {solver_name!r} is not supported"
        raise text.fail(("solver", "name"), zh, en, "highs 或 cbc / highs or cbc")
    year = sc["year"]
    if isinstance(year, bool) or not isinstance(year, int):
        raise text.wrong(("scenario", "year"), year, "整数年份", "a whole year", "year = 2017")
    money = {
        key: key_whole(text, ("budget", key), budget.get(key, 0))
        for key in ("annual_fund", "admin_fixed", "admin_per_application", "reserve_for_later_batches")
    }
    return Scenario(
        name=str(sc.get("name", path.stem)),
        policy=str(sc["policy"]),
        year=year,
        applications=(path.parent / str(sc["applications"])),
        path=path,
        annual_fund=money["annual_fund"],
        carryover_in=carryover_in,
        carryover_source=str(carryover_in),
        admin_fixed=money["admin_fixed"],
        admin_per_application=money["admin_per_application"],
        rule=rule,
        default_score=float(default_score),
        weights={
            str(item_id): key_number(text, ("objective", "weights", item_id), w)
            for item_id, w in objective.get("weights", {}).items()
        },
        discretionary=discretionary,
        discretionary_notes=notes,
        solver=solver_name,
        time_limit=key_optional(text, solver, "time_limit"),
        mip_gap=key_optional(text, solver, "mip_gap") or 0.0,
        description=str(sc.get("description", "")),
        tiers=key_tiers(objective.get("priority", {}), rule, text),
        limits=_limits(data.get("limits", {}), text),
        overrides=_overrides(data.get("override", []), text),
        reserve=money["reserve_for_later_batches"],
        approval_date=key_date(sc.get("approval_date"), text),
        lists=_lists(data.get("output", {}), text),
    )


def _discretionary(raw: dict, text: TomlText) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """``[discretionary.<item>]``: its numbers, and its note."""
    discretionary: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    for item_id, params in raw.items():
        if not isinstance(params, dict):
            hint = f'[discretionary.{item_id}]\nrate = 0.5\nnote = "假设：…"'
            raise text.wrong(("discretionary", item_id), params, "表", "a table", hint)
        if "note" in params:
            notes[item_id] = str(params["note"])
        at = ("discretionary", item_id)
        discretionary[str(item_id)] = {
            k: key_number(text, (*at, k), v) for k, v in params.items() if k != "note"
        }
    return discretionary, notes


def _limits(limits: dict, text: TomlText) -> Limits:
    return Limits(
        min_award=key_whole(text, ("limits", "min_award"), limits.get("min_award", 0)),
        per_enterprise=key_optional_whole(text, limits),
        item_share=key_shares(limits.get("item_share", {}), text),
        district_budget={
            str(k): key_whole(text, ("limits", "district_budget", k), v)
            for k, v in limits.get("district_budget", {}).items()
        },
    )


def scenario_error(
    scenario: Scenario, at: tuple, value: object, zh: str, en: str, hint: str = ""
) -> ScenarioError:
    """A problem found once the scenario meets its policy (a parameter out of its range): named with the
    scenario file's line, as :func:`load_scenario`'s own errors are."""
    try:
        text = TomlText(scenario.path, scenario.path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        text = TomlText(scenario.path, "")
    return text.wrong(at, value, zh, en, hint)


def _lists(output: dict, text: TomlText) -> str:
    value = output.get("lists", "auto")
    if value not in LISTS:
        raise text.fail(
            ("output", "lists"),
            f'[output] lists 应为 "auto"、"workbook" 或 "csv"，实际为 {value!r}',
            f'[output] lists must be "auto", "workbook" or "csv", got {value!r}',
            "auto：按申报数自动选择（默认）；workbook：逐项名单写入 allocation.xlsx；"
            "csv：逐项名单只写入 allocation.csv 与 waitlist.csv",
        )
    return value


def _overrides(raw: object, text: TomlText) -> tuple[Override, ...]:
    out = []
    seen = set()
    for k, entry in enumerate(raw if isinstance(raw, list) else [raw]):
        at = ("override", k)
        if not isinstance(entry, dict):
            raise text.wrong(at, entry, "表（[[override]]）", "a table ([[override]])")
        extra = [key for key in entry if key not in ("application_id", "award", "reason")]
        if extra:
            raise unknown_keys(text, at, extra, ["application_id", "award", "reason"], True)
        if "application_id" not in entry:
            zh = f"第 {k + 1} 个 [[override]] 须有 application_id、award、reason"
            raise text.fail(at, zh, f"[[override]] #{k + 1} needs application_id, award and reason")
        try:  # as the intake keeps its ids: NFKC, no invisible characters, no line breaks or bidi controls
            app = id_key(str(entry["application_id"]).strip())
        except KeyProblem as why:
            raise text.fail(
                (*at, "application_id"), f"[[override]] application_id {why.zh}", why.en
            ) from None
        award = entry.get("award", "cap")
        if not (award == "cap" or (isinstance(award, int) and not isinstance(award, bool) and award >= 0)):
            raise text.wrong(
                (*at, "award"), award, f' "cap"、0 或整数元（申报 {app}）', f'"cap", 0 or whole yuan ({app})'
            )
        if not str(entry.get("reason", "")).strip():
            raise text.fail(
                at, f"[[override]] {app} 须写明理由（reason）", f"[[override]] {app} needs a reason"
            )
        if app in seen:
            raise text.fail(
                (*at, "application_id"), f"[[override]] {app} 重复", f"[[override]] {app} appears twice"
            )
        seen.add(app)
        out.append(Override(app, award, str(entry["reason"]).strip()))
    return tuple(out)
