"""The ``allocator`` command.

    allocator run SCENARIO.toml [--out DIR] [--force]  allocate and write every output
    allocator verify DIR                        re-check a result folder against its inputs
    allocator validate FILE.xlsx [--policy ID]  check an applications workbook, report every problem
    allocator template OUT.xlsx [--policy ID]   write the empty applications workbook
    allocator policy show ID | policy list      the policy's items, in Chinese
    allocator demo-data N OUT.xlsx [--seed S]   seeded sample applications (or OUT.csv, OUT.parquet)

An approved.xlsx that a run would change is replaced only with ``--force`` (run, plan), the old one kept
beside it as approved.<time>.xlsx; without it the run stops before anything in the folder changes.

Errors are the project's own (:class:`allocator.core.errors.AllocatorError`): printed in Chinese and
English, never a traceback. Exit status:

    0    done (verify: every check passed)
    2    an error the user can act on (bad input, infeasible scenario, an approved.xlsx not replaced …)
    3    the final numbers failed the independent verification (a bug): nothing written
    70   an internal error no check caught (a bug; ALLOCATOR_DEBUG=1 shows the traceback): nothing written
    4    verify: tampering or drift found (an output differs from its inputs, an input changed)
    130  interrupted (Ctrl-C), 143 terminated (SIGTERM): unfinished outputs removed, earlier ones intact
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core.errors import AllocatorError
from ..core.oserrors import os_error
from ..core.texttable import clip, pad, width
from ..core.version import __version__
from ..policy.pack import Policy, builtin_policies, load_policy

DEFAULT_POLICY = "changchun-2017"
DEMO_MAX = 10_000_000  #: sample applications demo-data writes at most (about 40 GB of memory to solve)
FORCE_HELP = (
    "替换会改变的 approved.xlsx（原文件保留为 approved.<时间>.xlsx）"
    " / replace an approved.xlsx this run changes, keeping the old one beside it"
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        with _stops():
            return args.handler(args) or 0
    except AllocatorError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception as exc:  # noqa: BLE001 — never a traceback: what went wrong, in words
        if os.environ.get("ALLOCATOR_DEBUG"):
            raise
        print(_unexpected(exc).render(), file=sys.stderr)
        return 70 if not isinstance(exc, OSError) else 2


def _unexpected(exc: Exception) -> AllocatorError:
    """An error no check caught, as a message: an :class:`OSError` by what the system said (a full disk,
    a read-only folder …), anything else as an internal error to report (ALLOCATOR_DEBUG=1 shows where)."""
    if isinstance(exc, OSError):
        return os_error(exc, "读写文件", "reading or writing a file")
    if isinstance(exc, (MemoryError, RecursionError)):
        return AllocatorError(
            "输入过大或嵌套过深，内存或递归深度不足，未写出任何文件",
            f"the input is too large or too deeply nested ({type(exc).__name__}); nothing was written",
            "检查输入文件是否完整、正确 / check that the input files are what they should be",
            code="input.too_large",
        )
    return AllocatorError(
        f"内部错误（{type(exc).__name__}：{str(exc)[:200]}），未写出任何文件；请把命令和输入文件报告给维护者",
        f"internal error ({type(exc).__name__}: {str(exc)[:200]}); nothing was written. Please report the "
        "command and its input files",
        "设置环境变量 ALLOCATOR_DEBUG=1 可看到详细位置 / set ALLOCATOR_DEBUG=1 to see where it happened",
        code="internal",
    )


@contextmanager
def _stops() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`KeyboardInterrupt` carrying the signal's number, once: the writers'
    cleanup then runs as for Ctrl-C (staging folder removed, the forked writer stopped) and a second signal
    does not cut it short. The handlers before are restored on leaving; only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = (signal.SIGINT, signal.SIGTERM)

    def stop(number: int, frame: object) -> None:
        for n in numbers:
            signal.signal(n, signal.SIG_IGN)
        raise KeyboardInterrupt(number)

    before = {n: signal.signal(n, stop) for n in numbers}
    try:
        yield
    finally:
        for n, handler in before.items():
            signal.signal(n, handler)


def _interrupted(exc: KeyboardInterrupt) -> int:
    number = exc.args[0] if exc.args and isinstance(exc.args[0], int) else int(signal.SIGINT)
    name = signal.Signals(number).name
    written = getattr(exc, "written_to", None)
    if written is not None:
        print(
            f"已中断（{name}），但全部结果已写到 {written} / interrupted ({name}) after every output was written",
            file=sys.stderr,
        )
    else:
        print(
            f"已中断（{name}）：未写出新结果，未完成的临时文件已删除，原有结果未改动 / interrupted ({name}): "
            "nothing written, the unfinished files removed, earlier outputs as they were",
            file=sys.stderr,
        )
    return 128 + number


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="allocator", description="专项资金预算分配优化 / special-fund allocation optimizer"
    )
    p.add_argument("--version", action="version", version=f"allocator {__version__}")
    sub = p.add_subparsers(title="commands")

    run = sub.add_parser("run", help="按方案分配资金并写出结果 / allocate a scenario and write the outputs")
    run.add_argument("scenario", type=Path)
    run.add_argument("--out", type=Path, help="输出目录（默认 reports/<方案文件名>/）")
    run.add_argument(
        "--batch", type=int, default=1, help="本年度第几批（分批次审批），≥2 时须给出 --approved"
    )
    run.add_argument("--approved", type=Path, help="前批次的 approved.xlsx：其金额固定不变")
    run.add_argument("--timings", action="store_true", help="列出各步骤用时 / print each stage's seconds")
    run.add_argument("--force", action="store_true", help=FORCE_HELP)
    run.set_defaults(handler=_run)

    ver = sub.add_parser(
        "verify",
        help="核对结果目录与输入文件是否一致、有无改动 / re-check a result folder against its inputs",
    )
    ver.add_argument("result_dir", type=Path, help="allocator run 的输出目录")
    ver.set_defaults(handler=_verify)

    rel = sub.add_parser(
        "release", help="收回撤回或公示异议的资金，按候补名单再分配 / give withdrawn money to the waitlist"
    )
    rel.add_argument("result_dir", type=Path)
    rel.add_argument("--withdrawn", required=True, help="收回的申报编号，逗号分隔，如 A0012,A0044")
    rel.add_argument("--reason", default="", help="收回原因（写入说明）")
    rel.set_defaults(handler=_release)

    plan = sub.add_parser("plan", help="多年度资金计划（结转、承诺）/ a multi-year plan")
    plan.add_argument("plan", type=Path)
    plan.add_argument("--out", type=Path, help="输出目录（默认 reports/<计划文件名>/）")
    plan.add_argument("--force", action="store_true", help=FORCE_HELP)
    plan.set_defaults(handler=_plan)

    val = sub.add_parser("validate", help="检查申报表 / check an applications workbook")
    val.add_argument("file", type=Path)
    val.add_argument("--policy", default=DEFAULT_POLICY)
    val.set_defaults(handler=_validate)

    tpl = sub.add_parser("template", help="生成空白申报表 / write the empty applications workbook")
    tpl.add_argument("out", type=Path)
    tpl.add_argument("--policy", default=DEFAULT_POLICY)
    tpl.set_defaults(handler=_template)

    sw = sub.add_parser("sweep", help="权衡分析：预算前沿、权重权衡、规则对比 / trade-offs for leadership")
    sw.add_argument("scenario", type=Path)
    sw.add_argument("--budget", help="可用资金范围 起点:终点:点数，如 10000000:40000000:31")
    sw.add_argument(
        "--weights", help="甲组/乙组=起点:终点:点数，如 c13-*,c14-talent/c09-offshore,c07-*=0.2:5:25"
    )
    sw.add_argument("--rules", action="store_true", help="加权、最小覆盖率最大、按比例三种规则对比")
    sw.add_argument("--jobs", type=int, default=1, help="并行进程数")
    sw.add_argument("--dask", help="在已有的 Dask 集群上运行（调度器地址，如 tcp://127.0.0.1:8786）")
    sw.add_argument("--out", type=Path, help="输出目录（默认 reports/<方案文件名>-sweep/）")
    sw.set_defaults(handler=_sweep)

    pol = sub.add_parser("policy", help="政策包 / policy packs")
    pol_sub = pol.add_subparsers(title="policy commands")
    show = pol_sub.add_parser("show", help="列出政策包的支持事项 / print a pack's item table")
    show.add_argument("policy")
    show.set_defaults(handler=_policy_show)
    lst = pol_sub.add_parser("list", help="内置政策包 / shipped packs")
    lst.set_defaults(handler=lambda a: print("\n".join(builtin_policies())))
    chk = pol_sub.add_parser(
        "check", help="检查政策包文件，列出全部问题 / check a pack file, report every problem"
    )
    chk.add_argument("file", help="政策包文件（或内置政策包编号）/ a pack file (or a shipped pack id)")
    chk.set_defaults(handler=_policy_check)
    cov = pol_sub.add_parser(
        "coverage", help="逐条列出文件条款及实现它的事项 / each clause and the items that implement it"
    )
    cov.add_argument("policy", help="内置政策包编号或文件路径 / a shipped pack id or a pack file")
    cov.set_defaults(handler=_policy_coverage)

    cmp = sub.add_parser(
        "compare", help="比较两次分配结果：谁增谁减 / diff two result folders: who gains, who loses"
    )
    cmp.add_argument("dir_a", type=Path, help="结果目录 A（allocator run 的输出）")
    cmp.add_argument("dir_b", type=Path, help="结果目录 B；变化＝B − A")
    cmp.add_argument("--out", type=Path, help="输出目录（默认 reports/compare-<A方案名>-vs-<B方案名>/）")
    cmp.set_defaults(handler=_compare)

    demo = sub.add_parser("demo-data", help="生成示例申报数据 / seeded sample applications")
    demo.add_argument("n", type=int)
    demo.add_argument("out", type=Path)
    demo.add_argument("--seed", type=int, default=2017)
    demo.add_argument("--policy", default=DEFAULT_POLICY)
    demo.set_defaults(handler=_demo)
    return p


def _run(args: argparse.Namespace) -> int:
    from ..app.run import run
    from ..core import timing

    with timing.recording() as seconds:
        result, paths = run(
            args.scenario, args.out, batch=args.batch, approved=args.approved, force=args.force
        )
    s = result.summary
    print(f"方案：{result.scenario.name}（{result.policy.name}）")
    from ..core.result import scores_defaulted_text

    if result.scores_defaulted:  # every score the default: the allocation ranks by weight alone
        print(scores_defaulted_text(result))
    for warning in result.intake_warnings:  # a column of the office's own: read past, as validate says
        print(f"提示 / note：{warning.render()}")
    from ..outputs._common import DEFAULT_RULE, cost_ratio, percent, rule_of, rule_zh, value_text
    from ..outputs.leaders import lead_line

    # money and projects first (issue 16, point 7); the rule, the solver and the weighted value below
    print(f"申报 {s.applications} 项，符合条件 {s.eligible} 项，获支持 {s.funded} 项")
    for label, value in (
        ("可用资金", s.available),
        ("管理费用", s.admin),
        ("拟支持金额", s.awarded),
        (f"  其中{result.policy.fund_name}承担", s.city_cost),
        (f"  其中{result.policy.cofund_name}承担", s.district_cost),
        ("结转下年", s.carryover_out),
    ):
        print(f"{label}：{value:>14,} 元")
    lead = lead_line(result, result.policy.fund_name)
    if lead:
        print(lead)
    overrides = getattr(result.scenario, "overrides", ())
    if overrides:
        print(f"决定支持 {len(overrides)} 项：{'、'.join(o.application_id for o in overrides)}")
    rule = rule_of(result)
    print(f"分配规则：{rule_zh(rule)}")
    cmp = result.comparison
    if cmp is not None:
        print(
            f"与默认规则（{rule_zh(DEFAULT_RULE)}）相比：获支持 {cmp.funded} 项，默认规则 {cmp.default_funded} 项；"
            f"加权价值 {value_text(cmp.value)}，默认规则 {value_text(cmp.default_value)}，"
            f"代价 {value_text(cmp.cost)}（{percent(cost_ratio(cmp))}）"
        )
    sv = result.solver
    fallback = (
        "（未找到 HiGHS，已自动改用 CBC）" if sv.name == "CBC" and result.scenario.solver != "cbc" else ""
    )
    print(f"求解器：{sv.name} {sv.version}{fallback}，状态：最优（{sv.stages} 阶段，{sv.seconds:.2f} 秒）")
    print(f"模型：混合整数规划，最优性间隙 {percent(sv.gap)}" if sv.mip else "模型：线性规划")
    print(
        f"影子价格：每增加 1 元预算，加权价值约增加 {s.shadow_price:.4f}"
        "（加权价值＝事项权重×评审得分÷100×拟支持金额，是测算指标，不是金额）"
    )
    if args.timings:
        print("各步骤用时 / stage timings: " + "，".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
    for kept in (p for p in paths if p.name.startswith("approved.") and p.name != "approved.xlsx"):
        print(
            f"注意：拟支持名单有变化，原 approved.xlsx 已保留为 {kept.name} / the previous approved list was kept"
        )
    print(f"已写出 {len(paths)} 个文件到 {paths[0].parent if paths else args.out}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from ..analysis.sweep import budget_frontier, capped, groups, parse_range, rule_comparison, weight_sweep
    from ..config.scenario import load_scenario
    from ..core.texttable import pad
    from ..intake.read import read_applications
    from ..outputs.sweep import RULES_ZH, group_names, write_sweep

    scenario = load_scenario(args.scenario)
    policy = load_policy(scenario.policy, base=scenario.path.parent)
    frame = capped(scenario, policy, read_applications(scenario.applications, policy).frame)
    opts = {"jobs": args.jobs, "dask": args.dask, "progress": sys.stderr.isatty()}
    frontier = weights = rules = None
    if args.budget or not (args.weights or args.rules):
        budgets = [
            int(b)
            for b in parse_range(args.budget or f"{scenario.available // 2}:{scenario.available * 2}:31")
        ]
        frontier = budget_frontier(scenario, policy, frame, budgets, **opts)
        own = frontier.points.set_index("budget").loc[scenario.available]
        print(
            f"预算前沿 {len(frontier.points)} 点；本方案资金 {scenario.available:,} 元：获支持 {int(own['funded'])} 项，"
            f"拟支持 {int(own['awarded']):,} 元，加权价值 {own['value']:,.2f}"
        )
        later = frontier.points[frontier.points["budget"] > scenario.available]
        if len(later):
            nxt = later.iloc[0]
            print(
                f"再增加 {int(nxt['budget']) - scenario.available:,} 元：新增支持 {int(nxt['funded'] - own['funded']):,} 项、"
                f"多支持 {int(nxt['awarded'] - own['awarded']):,} 元"
            )
    if args.weights:
        name, a, b, spec = groups(args.weights, policy)
        weights = (
            weight_sweep(scenario, policy, frame, a, b, parse_range(spec), **opts),
            ",".join(a),
            ",".join(b),
        )
        print(
            f"权重权衡 {len(weights[0])} 点：甲组 {group_names(policy, a)} 对 乙组 {group_names(policy, b)}"
        )
    if args.rules:
        rules = rule_comparison(scenario, policy, frame, **opts)
        for r in rules[0].itertuples(index=False):
            print(
                f"  {pad(RULES_ZH.get(r.rule, r.rule), 28)} 获支持 {r.funded:>4} 项  拟支持 {r.awarded:>14,} 元  "
                f"加权价值 {r.value:>16,.2f}  基尼 {r.coverage_gini:.3f}  前十大占比 {r.top10_share:.1%}"
            )
    out = args.out or Path("reports") / f"{args.scenario.stem}-sweep"
    paths = write_sweep(out, frontier, weights, rules, policy=policy)
    print(f"已写出 {len(paths)} 个文件到 {out}")
    return 0


def _release(args: argparse.Namespace) -> int:
    from ..app.release import release

    withdrawn = [a.strip() for a in args.withdrawn.replace("，", ",").split(",") if a.strip()]
    result, paths = release(args.result_dir, withdrawn, args.reason)
    info = json.loads(next(p for p in paths if p.name == "release.json").read_text(encoding="utf-8"))
    print(
        f"收回 {len(withdrawn)} 项，释放{result.policy.fund_name}资金 {info['released_city_cost']:,} 元；按候补名单再分配 {info['given_city_cost']:,} 元"
    )
    for row in info["changed"]:
        print(f"  {row['application_id']}：{row['award_before']:,} → {row['award_after']:,} 元")
    print(f"新结果已写到 {paths[0].parent}（原结果未改动）")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from ..app.plan import run_plan

    plan, paths = run_plan(args.plan, args.out, force=args.force)
    print(
        f"资金计划：{plan.name}（{'逐年' if plan.mode == 'sequential' else '多年联合'}，{len(plan.years)} 个年度）"
    )
    for row in plan.chain.itertuples(index=False):
        print(
            f"  {row.year}：可用 {row.available:>12,}  支出 {row.city_cost + row.admin:>12,}"
            f"  其中上年承诺 {row.commitments_in:>10,}  承诺下年 {row.commitments_out:>10,}  结转 {row.carryover_out:>12,}"
        )
    if plan.sequential_note:
        print(plan.sequential_note)
    if plan.foresight is not None:
        gain = float(plan.foresight["value_joint"].sum() - plan.foresight["value_sequential"].sum())
        print(f"联合优化比逐年分配多获加权价值 {gain:,.2f}")
    print(f"已写出 {len(paths)} 个文件到 {args.out or 'reports/' + args.plan.stem}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..audit.verify import EXIT_FOUND, audit

    report = audit(args.result_dir)
    print(report.render())
    return 0 if report.ok else EXIT_FOUND


def _compare(args: argparse.Namespace) -> int:
    from ..analysis.compare import compare_dirs
    from ..app.compare import default_out_dir, write_comparison
    from ..outputs.compare_words import status_text

    c = compare_dirs(args.dir_a, args.dir_b)
    print(f"A：{c.name_a}（{c.a.rule_zh}）  {c.a.folder}")
    print(f"B：{c.name_b}（{c.b.rule_zh}）  {c.b.folder}")
    for note in c.notes:
        print(f"注意：{note}")
    head = ("", "A", "B", "变化（B−A）")
    rows = [head]
    for key, row in c.totals.iterrows():
        if key == "value":
            cells = [f"{float(row[k]):,.2f}" for k in ("a", "b")]
            cells.append(f"{float(row['change']):+,.2f}" if row["change"] else "0")
        else:
            cells = [f"{int(row[k]):,}" for k in ("a", "b")]
            cells.append(f"{int(row['change']):+,}" if row["change"] else "0")
        rows.append((row["label"], *cells))
    w = [max(width(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  " + pad(r[0], w[0]) + "".join("  " + " " * (w[i] - width(r[i])) + r[i] for i in (1, 2, 3)))

    def top(frame, title: str) -> None:
        print(title + ("：无" if frame.empty else "："))
        for row in frame.head(5).itertuples(index=False):
            before = status_text(row.status_a, row.award_a, row.where, "a")
            after = status_text(row.status_b, row.award_b, row.where, "b")
            name = pad(clip(row.applicant, 28), 28)
            print(
                f"  {row.application_id}  {name}  {pad(clip(row.item_name, 16), 16)}  {row.award_a:,} → {row.award_b:,} 元"
                f"（{row.change:+,}；{before} → {after}）"
            )

    top(c.gainers, "增加最多的 5 项（B 较 A）")
    top(c.losers, "减少最多的 5 项（B 较 A）")
    out = args.out or default_out_dir(c)
    paths = write_comparison(c, out)
    print(f"已写出 {len(paths)} 个文件到 {out}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ..intake.read import read_applications

    policy = load_policy(args.policy)
    apps = read_applications(args.file, policy)
    frame = apps.frame
    print(f"{args.file}：{len(frame)} 条申报，{len(apps.sheets)} 个工作表，未发现问题 / no problems found")
    for warning in apps.warnings:  # a column of the office's own: read past, no award depends on it
        print(f"提示 / note：{warning.render()}")
    counts = frame["item"].value_counts().sort_index()
    for item_id, count in counts.items():
        print(f"  {item_id:<16} {policy.item(item_id).name}：{count} 条")
    return 0


def _template(args: argparse.Namespace) -> int:
    from ..authoring.template import write_template

    write_template(args.out, load_policy(args.policy))
    print(f"已生成空白申报表 / template written: {args.out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ..authoring.demo import write_sample  # .csv, .parquet or (any other suffix) .xlsx

    if not 1 <= args.n <= DEMO_MAX:
        print(
            f"错误：N 须为 1 至 {DEMO_MAX:,} 之间的整数，收到 {args.n:,} / N must be a whole number from 1 to "
            f"{DEMO_MAX:,}, not {args.n:,}",
            file=sys.stderr,
        )
        return 2
    write_sample(args.out, args.n, load_policy(args.policy), seed=args.seed)
    print(f"已生成 {args.n} 条示例申报（随机种子 {args.seed}）/ sample written: {args.out}")
    return 0


def _policy_show(args: argparse.Namespace) -> int:
    print(policy_table(load_policy(args.policy)))
    return 0


def _policy_check(args: argparse.Namespace) -> int:
    from importlib import resources

    from ..policy.check import check_pack, check_text

    target = str(args.file)
    if not Path(target).is_file() and target in builtin_policies():
        shipped = resources.files("allocator") / "policies" / f"{target}.toml"
        target = f"allocator/policies/{target}.toml"
        problems = check_text(shipped.read_text(encoding="utf-8"), target)
    else:
        problems = check_pack(target)
    for problem in problems:
        print(problem.render())
    errors = [p for p in problems if not p.warning]
    if errors:
        print(f"政策包 {target} 有 {len(errors)} 处问题 / {len(errors)} problem(s) found", file=sys.stderr)
        return 2
    policy = load_policy(args.file)
    print(
        f"{target}：未发现问题，{len(policy.clauses)} 个条款、{len(policy.items)} 个事项"
        f" / no problems found ({len(policy.clauses)} clauses, {len(policy.items)} items)"
    )
    return 0


def _policy_coverage(args: argparse.Namespace) -> int:
    from ..policy.coverage import coverage_table

    print(coverage_table(load_policy(args.policy)))
    return 0


def policy_table(policy: Policy) -> str:
    """The pack's items as a plain-text table in Chinese."""
    fund_name = policy.level_names.get(policy.levels[0], policy.levels[0])
    head = ("事项编号", "条款", "名称", "条件", "金额标准", "上限（元）", f"{fund_name}分担", "性质")
    rows = [head]
    for it in policy.items:
        conditions = "；".join(c.says for c in it.conditions) or "—"
        cap = f"{it.cap:,}" if it.cap is not None else "—"
        cap += f"（{it.cap_per_says or '按' + '+'.join(it.cap_per)}合计）" if it.group_cap else ""
        ranges = "、".join(f"{p.name} {p.range_text()}" for p in it.param_specs)
        kind = f"酌定（方案设定：{ranges}）" if it.discretionary else "规定"
        rows.append(
            (
                it.id,
                it.clause,
                it.name,
                conditions,
                it.amount_says or "—",
                cap,
                "方案设定" if it.shares_from_scenario else f"{float(it.city_share):.0%}",
                kind,
            )
        )
    widths = [max(width(r[i]) for r in rows) for i in range(len(head))]
    widths[3] = min(widths[3], 48)
    lines = [f"{policy.name}（{policy.id}，{policy.issuer} {policy.date}）", ""]
    for k, r in enumerate(rows):
        lines.append("  ".join(pad(clip(cell, widths[i]), widths[i]) for i, cell in enumerate(r)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    fund = policy.fund  # every clause from the pack; a rule it lacks is 本政策未规定, never another's clause
    cite = {no: f"（条款（{no}））" if no else "" for no in (fund.annual_fund_clause, fund.admin_clause)}
    rules = [
        f"年度专项资金 {fund.annual_fund:,} 元{cite[fund.annual_fund_clause]}"
        if fund.annual_fund
        else f"年度专项资金{cite[fund.annual_fund_clause]}：金额本政策未规定，由方案设定（方案假设）"
    ]
    if fund.admin_rate is not None:
        rate = f"{float(fund.admin_rate) * 100:g}%"
        rules.append(f"管理费用不超过年度资金的 {rate}{cite[fund.admin_clause]}")
    else:
        rules.append("管理费用上限：本政策未规定")
    if fund.carryover_clause:
        rules.append(f"分批次审批、结余结转下年（条款（{fund.carryover_clause}））")
    else:
        rules.append("分批次审批与结余结转：本政策未规定")
    levels = "、".join(policy.level_names.get(lv, lv) for lv in policy.levels)
    lines += ["", "资金规则：" + "；".join(rules) + "。", f"分担层级：{levels}（第一级为本专项资金）。"]
    others = [c for c in policy.clauses if c.kind != "items"]
    lines.append("非事项条款：" + "；".join(f"（{c.no}）{c.title}" for c in others))
    for group in policy.alternatives:
        lines.append(f"择一事项（{group.clause_label}）：{'、'.join(group.items)}——{group.says}。")
    readings = policy.readings()
    if readings:
        lines += ["", "政策解读（条文未明确之处的取舍）："]
        lines += [f"  {label} {where}：{text}" for where, label, text in readings]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
