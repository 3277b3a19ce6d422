"""Fuzzing the intake: whatever file arrives, only the project's own errors come out.

    python -m benchmarks.fuzz [--seconds S] [--seed N] [--keep DIR]

Each case is a file built from a :class:`random.Random` (:func:`case`), one of:

- ``workbook``  a workbook written by openpyxl: sheets (some hidden) with headers drawn from the data
                dictionary, padded, full-width, duplicated or blank, and cells of every kind a user
                sends (numbers, text amounts such as "12万", dates, booleans, error values, formulas,
                control characters, very long text);
- ``cells``     a valid sample workbook (``allocator demo-data``) with a few cells or headers changed, so
                that most of the intake runs before anything is found;
- ``part``      a valid workbook with one XML part mutated inside the zip (elements cut, attributes
                changed, ``<dimension>`` wrong, bytes flipped);
- ``bytes``     a valid workbook's bytes flipped, cut short or spliced;
- ``csv``       a CSV of random rows in UTF-8 or GB18030, or random bytes.

:func:`check` reads the file as ``allocator run`` does (the applications, then the roster sheet) and
lets through :class:`~allocator.core.errors.AllocatorError` only: anything else escaping is a bug.
``tests/robustness/test_fuzz_intake.py`` runs the same cases under hypothesis; this script runs them for a time
budget and counts them (figures in ``benchmarks/README.md``).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

from openpyxl import Workbook

from allocator.core.errors import AllocatorError
from allocator.intake.read import read_applications
from allocator.intake.roster_read import read_roster
from allocator.policy.fields import FIELDS
from allocator.policy.pack import load_policy

POLICY = load_policy("changchun-2017")
KINDS = ("workbook", "cells", "part", "bytes", "csv")
ITEMS = [it.id for it in POLICY.items] + [it.name for it in POLICY.items]
JUNK_HEADERS = ["", " ", "备注", "Unnamed: 3", "=A1", "#REF!", "申报编号申报编号", "\u3000"]
TEXT_CELLS = [
    "",
    " ",
    "无",
    "1,200,000元",
    "12万",
    "１２００",
    "-5",
    "1e13",
    "NaN",
    "inf",
    "是",
    "否",
    "TRUE",
    "2023-02-30",
    "2023-13-01",
    "=1+1",
    "+SUM(A1)",
    "@cmd",
    "\t=x",
    "#DIV/0!",
    "91220101MA0Y3D5X8K",
    "9.12345678901234E17",
    "a\x00b",
    "\x07",
    "x" * 40_000,
    "长春市服务外包有限公司",
]
ERRORS = ["#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]


# ------------------------------------------------------------------ building cases
def _header(rnd: random.Random) -> str:
    roll = rnd.random()
    if roll < 0.1:
        return rnd.choice(JUNK_HEADERS)
    field = rnd.choice(FIELDS)
    text = field.header if rnd.random() < 0.6 else field.zh
    if roll < 0.2:
        text = f" {text}\u3000"
    elif roll < 0.25:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789()"})
    return text


def _cell(rnd: random.Random, field_kind: str) -> object:
    roll = rnd.random()
    if roll < 0.08:
        return None
    if roll < 0.15:
        return rnd.choice(TEXT_CELLS)
    if roll < 0.2:
        return rnd.choice([float("nan"), float("inf"), -1.0, 1e13, 0, 2**63, 123456789012345678])
    if roll < 0.24:
        return dt.datetime(rnd.randint(1900, 2100), rnd.randint(1, 12), rnd.randint(1, 28))
    if roll < 0.27:
        return rnd.choice([True, False])
    if roll < 0.3:
        return rnd.choice(ERRORS)
    if roll < 0.32:
        return (
            f"=SUM({rnd.randint(1, 9)},{rnd.randint(1, 9)})"  # a formula openpyxl saves with no cached value
        )
    if field_kind == "item":
        return rnd.choice(ITEMS)
    if field_kind in ("text", "code"):
        return "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY长春区") for _ in range(rnd.randint(1, 20)))
    return rnd.choice([rnd.randint(0, 10_000_000), round(rnd.uniform(0, 1e6), 2), rnd.randint(0, 100)])


def workbook_bytes(rnd: random.Random) -> bytes:
    """A workbook of 1–3 sheets with random headers and cells (openpyxl)."""
    wb = Workbook()
    wb.remove(wb.active)
    for s in range(rnd.randint(1, 3)):
        name = rnd.choice(["申报表", "Sheet1", "人员名单", rnd.choice(ITEMS)[:31], f"表{s}"])
        if name in wb.sheetnames:
            name = f"{name[:28]}{s}"
        ws = wb.create_sheet(name)
        if rnd.random() < 0.15:
            ws.sheet_state = rnd.choice(["hidden", "veryHidden"])
        headers = [_header(rnd) for _ in range(rnd.randint(0, 12))]
        lead = rnd.randint(0, 2)  # empty rows before the header
        for j, h in enumerate(headers, 1):
            ws.cell(row=lead + 1, column=j, value=h or None)
        kinds = {f.header: f.kind for f in FIELDS} | {f.zh: f.kind for f in FIELDS}
        for i in range(rnd.randint(0, 25)):
            for j, h in enumerate(headers, 1):
                value = _cell(rnd, kinds.get(h.strip(), "text"))
                try:
                    ws.cell(row=lead + 2 + i, column=j, value=value)
                except Exception:  # noqa: BLE001 — openpyxl itself refuses some values (control chars)
                    ws.cell(row=lead + 2 + i, column=j, value=repr(value))
        if rnd.random() < 0.1 and ws.max_row > 2:
            ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
        if rnd.random() < 0.1:
            ws.row_dimensions[lead + 2].hidden = True
    if all(ws.sheet_state != "visible" for ws in wb.worksheets):
        wb.create_sheet("申报表")  # Excel (and openpyxl) need one visible sheet
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_BASE: list[bytes] = []


def valid_bytes() -> bytes:
    """A valid sample workbook of 40 applications, made once per process."""
    if not _BASE:
        from allocator.authoring.demo import write_demo

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sample.xlsx"
            write_demo(path, 40, POLICY)
            _BASE.append(path.read_bytes())
    return _BASE[0]


def cells_bytes(rnd: random.Random) -> bytes:
    """The valid sample with 1–6 cells (sometimes a header) changed."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(valid_bytes()))
    for _ in range(rnd.randint(1, 6)):
        ws = rnd.choice(wb.worksheets)
        if ws.max_row < 1 or ws.max_column < 1:
            continue
        row = 1 if rnd.random() < 0.1 else rnd.randint(1, ws.max_row)
        col = rnd.randint(1, ws.max_column)
        value = _header(rnd) if row == 1 else _cell(rnd, rnd.choice(["text", "item", "code", "yuan"]))
        try:
            ws.cell(row=row, column=col, value=value)
        except Exception:  # noqa: BLE001 — openpyxl refuses control characters
            ws.cell(row=row, column=col, value=repr(value))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _mutate_xml(rnd: random.Random, xml: bytes) -> bytes:
    roll = rnd.random()
    if roll < 0.25 and xml:  # cut somewhere
        return xml[: rnd.randrange(len(xml))]
    if roll < 0.45:  # a wrong dimension, as WPS writes it
        return xml.replace(b'<dimension ref="', b'<dimension ref="A1" x="', 1)
    if roll < 0.6:  # drop a closing tag
        i = xml.find(b"</", rnd.randrange(max(len(xml), 1)))
        return xml if i < 0 else xml[:i] + xml[xml.find(b">", i) + 1 :]
    if roll < 0.75:  # numbers where text was and the other way round
        return xml.replace(b't="s"', b't="n"').replace(b"<v>", b"<v>x", 1)
    out = bytearray(xml)
    for _ in range(rnd.randint(1, 8)):
        if out:
            out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def part_bytes(rnd: random.Random, base: bytes) -> bytes:
    """``base`` with one of its XML parts mutated (the zip itself intact)."""
    src = zipfile.ZipFile(io.BytesIO(base))
    names = [n for n in src.namelist() if n.endswith((".xml", ".rels"))]
    target = rnd.choice(names)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, _mutate_xml(rnd, data) if name == target else data)
    return buf.getvalue()


def flipped_bytes(rnd: random.Random, base: bytes) -> bytes:
    out = bytearray(base)
    roll = rnd.random()
    if roll < 0.3:
        return bytes(out[: rnd.randrange(len(out))])
    if roll < 0.45:
        i, j = sorted(rnd.randrange(len(out)) for _ in range(2))
        return bytes(out[:i] + out[j:] + out[i:j])
    for _ in range(rnd.randint(1, 32)):
        out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def csv_bytes(rnd: random.Random) -> bytes:
    if rnd.random() < 0.2:
        return bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 400)))
    headers = [_header(rnd) for _ in range(rnd.randint(0, 10))]
    lines = [",".join(headers)]
    for _ in range(rnd.randint(0, 20)):
        cells = [str(_cell(rnd, "text")) for _ in headers]
        lines.append(",".join(f'"{c}"' if rnd.random() < 0.3 else c for c in cells))
    text = "\n".join(lines)
    return text.encode("gb18030" if rnd.random() < 0.3 else "utf-8", errors="replace")


def case(rnd: random.Random, kind: str | None = None, base: bytes | None = None) -> tuple[str, str, bytes]:
    """(kind, suffix, file bytes) for one case."""
    kind = kind or rnd.choice(KINDS)
    if kind == "csv":
        return kind, ".csv", csv_bytes(rnd)
    if kind == "workbook":
        return kind, ".xlsx", workbook_bytes(rnd)
    if kind == "cells":
        return kind, ".xlsx", cells_bytes(rnd)
    base = base if base is not None else valid_bytes()
    return kind, ".xlsx", (part_bytes if kind == "part" else flipped_bytes)(rnd, base)


# ------------------------------------------------------------------ checking one
def check(path: Path) -> str:
    """Read ``path`` as ``allocator run`` does. Returns "ok" or the AllocatorError's type name; anything
    else propagates (a bug)."""
    try:
        read_applications(path, POLICY)
        read_roster(path)
    except AllocatorError as exc:
        return type(exc).__name__
    return "ok"


def main(argv: list[str]) -> None:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 60.0
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 2017
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    outcomes: Counter[tuple[str, str]] = Counter()
    escaped: list[tuple[int, str, str]] = []
    started = time.perf_counter()
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        while time.perf_counter() - started < seconds:
            rnd = random.Random(seed * 1_000_003 + n)
            kind, suffix, data = case(rnd)
            path = Path(tmp) / f"case-{n}{suffix}"
            path.write_bytes(data)
            try:
                outcome = check(path)
            except Exception as exc:  # noqa: BLE001 — counting escapes is the point
                outcome = f"ESCAPED {type(exc).__name__}"
                escaped.append((n, kind, traceback.format_exc(limit=4)))
                if keep:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / path.name).write_bytes(data)
            outcomes[(kind, outcome)] += 1
            path.unlink()
            n += 1
    elapsed = time.perf_counter() - started
    print(f"{n:,} cases in {elapsed:.0f} s (seed {seed}); {len(escaped)} escaped")
    print("| kind | outcome | cases |")
    print("| --- | --- | ---: |")
    for (kind, outcome), count in sorted(outcomes.items()):
        print(f"| {kind} | {outcome} | {count:,} |")
    for n_, kind, tb in escaped[:5]:
        print(f"\ncase {n_} ({kind}):\n{tb}")
    if escaped:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
