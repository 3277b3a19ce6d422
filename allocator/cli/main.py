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
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core import interrupt
from ..core.errors import AllocatorError
from ..core.oserrors import os_error
from ..core.version import __version__
from ..policy.pack import builtin_policies, load_policy

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
    does not cut it short. The stop is also recorded (:mod:`allocator.core.interrupt`): raised inside a
    finaliser, where Python ignores it, it still stops the run before publishing, and the "ignored"
    traceback is not printed. The handlers before are restored on leaving; only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = (signal.SIGINT, signal.SIGTERM)

    def stop(number: int, frame: object) -> None:
        for n in numbers:
            signal.signal(n, signal.SIG_IGN)
        interrupt.request(number)  # kept, should the raise land in a finaliser that swallows it
        raise KeyboardInterrupt(number)

    hook = sys.unraisablehook

    def swallowed(unraisable) -> None:  # our stop inside a finaliser: said when publishing refuses, not here
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and interrupt.pending() is not None):
            hook(unraisable)

    before = {n: signal.signal(n, stop) for n in numbers}
    interrupt.clear()
    sys.unraisablehook = swallowed
    try:
        yield
    finally:
        sys.unraisablehook = hook
        interrupt.clear()
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
    from ..app.summaries import run_lines
    from ..core import timing

    with timing.recording() as seconds:
        result, paths = run(
            args.scenario, args.out, batch=args.batch, approved=args.approved, force=args.force
        )
    _say(run_lines(result, paths, args.out, seconds if args.timings else None))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from ..app.sweep import sweep

    done = sweep(
        args.scenario,
        budget=args.budget,
        weights=args.weights,
        rules=args.rules,
        out_dir=args.out,
        jobs=args.jobs,
        dask=args.dask,
        progress=sys.stderr.isatty(),
    )
    _say(done.lines)
    return 0


def _release(args: argparse.Namespace) -> int:
    from ..app.release import release
    from ..app.summaries import release_lines

    withdrawn = [a.strip() for a in args.withdrawn.replace("，", ",").split(",") if a.strip()]
    result, info, paths = release(args.result_dir, withdrawn, args.reason)
    _say(release_lines(result, withdrawn, info, paths))
    return 0


def _plan(args: argparse.Namespace) -> int:
    from ..app.plan import default_plan_dir, run_plan
    from ..app.summaries import plan_lines

    plan, paths = run_plan(args.plan, args.out, force=args.force)
    _say(plan_lines(plan, paths, args.out or default_plan_dir(args.plan)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..audit.report import EXIT_FOUND
    from ..audit.verify import audit

    report = audit(args.result_dir)
    print(report.render())
    return 0 if report.ok else EXIT_FOUND


def _compare(args: argparse.Namespace) -> int:
    from ..analysis.compare import compare_dirs
    from ..app.compare import default_out_dir, write_comparison
    from ..app.summaries import compare_lines

    c = compare_dirs(args.dir_a, args.dir_b)
    out = args.out or default_out_dir(c)
    _say(compare_lines(c, write_comparison(c, out), out))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ..app.validate import validate

    _say(validate(args.file, args.policy)[1])
    return 0


def _say(lines: list[str]) -> None:
    """A command's summary lines on stdout."""
    for line in lines:
        print(line)


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
    from ..app.policy import policy_table

    print(policy_table(load_policy(args.policy)))
    return 0


def _policy_check(args: argparse.Namespace) -> int:
    from ..app.policy import check

    done = check(args.file)
    _say(done.lines)
    if done.errors:
        print(done.failed_line, file=sys.stderr)
        return 2
    return 0


def _policy_coverage(args: argparse.Namespace) -> int:
    from ..policy.coverage import coverage_table

    print(coverage_table(load_policy(args.policy)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
