"""Batches within a year (clause 二十): an earlier batch's approved list comes back as fixed awards.

``allocator run SCENARIO.toml --batch 2 --approved reports/x/approved.xlsx`` reads the approved list,
fixes each of its awards, and allocates the rest of the year's money; ``[budget]
reserve_for_later_batches`` stays unspent for the batches still to come. Each batch's approved list
holds the year so far, so batch 3 reads batch 2's. A batch never writes into the earlier batch's folder.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from . import workbook_guard
from .errors import InputError, OutputError, Problem
from .pipeline import Fixed

ID_HEADER = "申报编号"
AWARD_HEADER = "拟支持金额（元）"


def read_approved(path: str | Path) -> dict[str, int]:
    """Application id → approved award (whole yuan) from an ``approved.xlsx`` this tool wrote."""
    from openpyxl import load_workbook

    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise InputError(
            [
                Problem(
                    where, None, None, None, None, "找不到前批次的拟支持名单文件", "approved list not found"
                )
            ],
            where,
        )
    data = path.read_bytes()
    # the file comes from the user (--approved): the same guard as any workbook before openpyxl parses it
    workbook_guard.check(path, data, "excel", hashlib.sha256(data).hexdigest())
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook is the same user error
        raise InputError(
            [
                Problem(
                    where, None, None, None, None, f"无法读取：{exc}", "cannot be read as an .xlsx workbook"
                )
            ],
            where,
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if ID_HEADER not in header or AWARD_HEADER not in header:
            raise InputError(
                [
                    Problem(
                        where, ws.title, 1, None, None,
                        f"表头须含「{ID_HEADER}」和「{AWARD_HEADER}」（本工具写出的 approved.xlsx）",
                        f"header needs {ID_HEADER!r} and {AWARD_HEADER!r} (an approved.xlsx written by allocator)",
                    )
                ],
                where,
            )  # fmt: skip
        i, a = header.index(ID_HEADER), header.index(AWARD_HEADER)
        out: dict[str, int] = {}
        problems = []
        for n, row in enumerate(rows, start=2):
            app, award = row[i], row[a]
            if app is None or str(app).strip() in ("", "合计") or str(row[0]).strip() == "合计":
                continue
            if (
                isinstance(award, bool)
                or not isinstance(award, int | float)
                or award < 0
                or award != int(award)
            ):
                problems.append(
                    Problem(
                        where, ws.title, n, AWARD_HEADER, award, "应为非负整数元", "must be whole yuan ≥ 0"
                    )
                )
                continue
            out[str(app).strip()] = int(award)
        if problems:
            raise InputError(problems, where)
        return out
    finally:
        wb.close()


def earlier_batch(approved: str | Path, batch: int) -> dict[str, Fixed]:
    path = Path(approved)
    note = f"第 {batch - 1} 批及以前已批准（{path.name}），金额不变"
    return {app: Fixed(amount, note, "batch") for app, amount in read_approved(path).items()}


def batch_out_dir(scenario_path: Path, batch: int, out: Path | None, approved: Path) -> Path:
    target = out if out is not None else Path("reports") / f"{Path(scenario_path).stem}-batch-{batch}"
    if target.resolve() == Path(approved).resolve().parent:
        raise OutputError(
            f"第 {batch} 批的输出目录 {target} 就是前批次的结果目录，不会覆盖前批次的文件",
            f"batch {batch} would write into the earlier batch's folder {target}; choose another --out",
        )
    return target
