"""Fuzzing what the office writes besides workbooks: policy packs, scenarios and result folders.

    python -m benchmarks.fuzz_configs [--seconds S] [--seed N]

Each case starts from a genuine file and makes one to three edits drawn from a :class:`random.Random`:

- ``pack``      the shipped Changchun pack, a line changed: a key misspelt, a value replaced by a hostile one
                (negative, zero, 1e308, inf, nan, the int64 limit, an empty list or table, text where a
                number goes), a line dropped or repeated, bytes cut short;
- ``scenario``  the shipped scenario, edited the same way;
- ``folder``    a real result folder (``allocator run`` on the shipped sample, made once), one file edited:
                bytes flipped, cut short, removed, a JSON value changed, a CSV row swapped, a file added.

:func:`check_pack` and :func:`check_scenario` load the file as ``allocator run`` does and let through only
the project's own errors (:class:`~allocator.core.errors.AllocatorError`); :func:`check_folder` runs
``allocator verify``'s audit, which must fail on every edit (each one changes a byte) and must never raise
anything but the project's errors. ``tests/robustness/test_fuzz_configs.py`` runs the same cases under hypothesis.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from allocator.core.errors import AllocatorError

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "allocator" / "policies" / "changchun-2017.toml"
SCENARIO = ROOT / "scenarios" / "changchun-2017.toml"
APPS = ROOT / "scenarios" / "data" / "changchun-2017-applications.xlsx"
HOSTILE = [
    "-1",
    "0",
    "1e308",
    "-1e308",
    "inf",
    "nan",
    "9223372036854775807",
    "-9223372036854775808",
    "1" + "0" * 40,
    "[]",
    "{}",
    '""',
    '"x"',
    "true",
    "[[1]]",
    '"1/0"',
    '"eligible_hires / 0"',
    "0.5",
    "2026-12-31",
    '"\u202eabc"',
]
KINDS = ("pack", "scenario", "folder")


# ---------------------------------------------------------------- edits of a TOML text
def _typo(key: str, rnd: random.Random) -> str:
    if len(key) < 2:
        return key + "x"
    i = rnd.randrange(len(key) - 1)
    return [key[:i] + key[i + 1] + key[i] + key[i + 2 :], key[:i] + key[i + 1 :], key + key[-1]][
        rnd.randrange(3)
    ]


def edit_toml(text: str, rnd: random.Random) -> str:
    """One to three edits of ``text``'s ``key = value`` lines (or its bytes)."""
    lines = text.splitlines()
    for _ in range(rnd.randint(1, 3)):
        keyed = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
        if not keyed:
            break
        i = rnd.choice(keyed)
        key, _, value = lines[i].partition("=")
        what = rnd.randrange(6)
        if what == 0:
            lines[i] = f"{_typo(key.strip(), rnd)} ={value}"
        elif what in (1, 2):
            lines[i] = f"{key}= {rnd.choice(HOSTILE)}"
        elif what == 3:
            del lines[i]
        elif what == 4:
            lines.insert(i, lines[i])
        else:
            return "\n".join(lines)[: rnd.randrange(max(len(text), 1))]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- packs and scenarios
def check_pack(text: str, folder: Path) -> str:
    """Load the pack at a path as a scenario would: 'ok' or the project's error's type name."""
    from allocator.policy.pack import load_policy

    path = folder / "pack.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_policy(path)
    except AllocatorError as exc:
        return type(exc).__name__
    return "ok"


def check_scenario(text: str, folder: Path) -> str:
    """Load the scenario and its pack as ``allocator run`` does: 'ok' or the project's error's type name."""
    from allocator.config.scenario import load_scenario
    from allocator.policy.pack import load_policy

    path = folder / "scenario.toml"
    path.write_text(text.replace("data/changchun-2017-applications.xlsx", APPS.as_posix()), encoding="utf-8")
    try:
        scenario = load_scenario(path)
        load_policy(scenario.policy, base=scenario.path.parent)
    except AllocatorError as exc:
        return type(exc).__name__
    return "ok"


# ---------------------------------------------------------------- result folders
def result_folder(where: Path) -> Path:
    """A real result folder of the shipped sample, made once per process under ``where``."""
    from allocator.app.run import run

    out = where / "genuine"
    if not out.is_dir():
        scenario = where / "s.toml"
        text = SCENARIO.read_text(encoding="utf-8")
        scenario.write_text(text.replace("data/changchun-2017-applications.xlsx", APPS.as_posix()), "utf-8")
        run(scenario, out)
    return out


def edit_folder(folder: Path, rnd: random.Random) -> str:
    """One edit of one file in ``folder`` (a copy); returns what was done."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    path = rnd.choice(files)
    name = path.relative_to(folder).as_posix()
    data = path.read_bytes()
    what = rnd.randrange(6)
    if what == 0 or not data:
        path.unlink()
        return f"removed {name}"
    if what == 1:
        path.write_bytes(data[: rnd.randrange(len(data))])
        return f"cut {name}"
    if what == 2:
        i = rnd.randrange(len(data))
        path.write_bytes(data[:i] + bytes([data[i] ^ (1 << rnd.randrange(8))]) + data[i + 1 :])
        return f"flipped a bit of {name}"
    if what == 3 and name.endswith(".json"):
        doc = json.loads(data)
        key = rnd.choice(sorted(doc)) if isinstance(doc, dict) and doc else None
        if key is not None:
            doc[key] = rnd.choice([None, -1, 10**20, "x", [], {}, 0.5, True])
            path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            return f"{name}: {key} changed"
    if what == 4 and name.endswith(".csv"):
        rows = data.decode("utf-8-sig").splitlines()
        if len(rows) > 3:
            i, j = rnd.sample(range(1, len(rows)), 2)
            if rows[i] != rows[j]:
                rows[i], rows[j] = rows[j], rows[i]
                path.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
                return f"{name}: rows {i} and {j} swapped"
    (folder / f"extra-{rnd.randrange(10**6)}.txt").write_text("planted", encoding="utf-8")
    return "a file added"


def check_folder(folder: Path) -> str:
    """``allocator verify``'s audit of ``folder``: 'passed', 'failed', or the project's error's type name."""
    from allocator.audit.verify import audit

    try:
        return "passed" if audit(folder).ok else "failed"
    except AllocatorError as exc:
        return type(exc).__name__


def case(rnd: random.Random, kind: str, where: Path) -> tuple[str, str]:
    """One case of ``kind`` run in ``where``: (what was done, the outcome)."""
    if kind == "pack":
        return "pack edited", check_pack(edit_toml(PACK.read_text(encoding="utf-8"), rnd), where)
    if kind == "scenario":
        return "scenario edited", check_scenario(edit_toml(SCENARIO.read_text(encoding="utf-8"), rnd), where)
    copy = where / f"folder-{rnd.randrange(10**9)}"
    shutil.copytree(result_folder(where.parent), copy)
    try:
        done = edit_folder(copy, rnd)
        return done, check_folder(copy)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def main(argv: list[str]) -> int:
    seconds, seed = 60.0, 2017
    args = iter(argv)
    for a in args:
        if a == "--seconds":
            seconds = float(next(args))
        elif a == "--seed":
            seed = int(next(args))
    rnd = random.Random(seed)
    counts: Counter = Counter()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / "cases"
        where.mkdir()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            kind = rnd.choice(KINDS)
            try:
                done, outcome = case(rnd, kind, where)
            except Exception:  # noqa: BLE001 — what the fuzzer is for
                bad += 1
                print(f"{kind}: not our error\n{traceback.format_exc()}", file=sys.stderr)
                continue
            if kind == "folder" and outcome == "passed":
                bad += 1
                print(f"folder: {done} passed verify", file=sys.stderr)
            counts[(kind, outcome)] += 1
    for (kind, outcome), n in sorted(counts.items()):
        print(f"{kind:9} {outcome:16} {n:6,}")
    print(f"{sum(counts.values()):,} cases in {seconds:.0f} s, {bad} not handled")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
