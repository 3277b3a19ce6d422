"""Seeded sample applications for any policy pack: realistic companies, districts and figures.

:func:`demo_frame` builds the frame (the intake contract, without the source columns) and
:func:`write_demo` writes it as an applications workbook: sheet 申报表 with an item column, and a
couple of items on sheets of their own, named by the item's Chinese name (one of them with （万元）
headers), so every path of :mod:`allocator.intake.read` is exercised. :func:`write_demo_csv` and
:func:`write_demo_parquet` write the same applications as one .csv (Chinese headers, as Excel saves
it) or .parquet (English keys, typed columns) table; :func:`write_sample` picks by suffix. Same seed,
same data, in every format.

Every item of the policy gets several applications; values make most rows eligible and about one in
ten ineligible the way real applications are (registered capital just below 20,000,000, a building of
exactly 30,000 m², which is not 超过3万平方米, no property certificate, a firm on no global top-100
list filing clause 七's global entry, a private firm's branch filing clause 八's, …), with the edge of
exactly 20,000,000 registered capital (eligible) included. A few firms file an item twice (two
rented premises, two sub-platforms; now and then one sub-platform twice; never an item the pack makes
once-only, ``once_per``) and a firm on both top-100 lists
files both of clause 七's entries, so the shared caps and the one-entry rule have something to do.
Only the fields an item uses are filled; a few of them are left blank where a form often is. Names
and codes are invented. The Changchun items have hand-written profiles; any other pack's items get
the generic filler: values by field kind (ranges per field where the data dictionary's field is
known), yes/no conditions mostly 是 and about one row in ten failing one condition, and, for an item
with a floor (不低于…), a few requested amounts below the floor. Districts come from the pack's
``sample_regions``, else its ``regions`` (the Changchun table when a pack has none), credit codes
from its ``division_code``. The profiles: :mod:`allocator.authoring.demo_profiles`.

Up to :data:`ROW_BY_ROW_MAX` rows the applications are drawn row by row: every sample shipped, tested
or benchmarked is this generator's output (the shipped ones regenerated whenever the profiles change:
``allocator demo-data 320 scenarios/data/changchun-2017-applications.xlsx --seed 2017``, likewise
2018–2020 with their year as the seed, and ``allocator demo-data 300
scenarios/data/heilongjiang-2008-applications.xlsx --policy heilongjiang-2008 --seed 2009``). It
does not scale (a new company draws names until one is unused, which at 100,000 rows means some 50 draws for
each new company: most of a minute). Above, :mod:`allocator.authoring.demo_columns` draws them column by
column with numpy from the same profiles: other rows than the row-by-row generator would give, the
same kind of rows, 1,000,000 in well under a minute.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import OutputError
from ..intake import creditcode
from ..intake.read import COMMON_KEYS, TEXT_KINDS
from ..policy.fields import Field
from ..policy.types import Policy
from .demo_columns import columns_frame
from .demo_profiles import (
    BUSINESS,
    CODE_KIND,
    CROSS_ITEMS,
    CROSS_KEYS,
    FOREIGN,
    NAMES,
    OWN_SHEET_ITEMS,
    REFILE,
    WAN_SHEETS,
    WORDS,
    Cols,
    Geography,
    cross_filers,
    demo_fields,
    item_counts,
    profile,
    refile,
    requested,
    round1,
    shareable,
)
from .demo_profiles import DISTRICTS as DISTRICTS  # where it always was, for callers

#: Up to this many rows, :func:`demo_frame` draws row by row (the generator every existing sample
#: came from); above, column by column (:func:`allocator.authoring.demo_columns.columns_frame`).
ROW_BY_ROW_MAX = 100_000
EXCEL_ROWS = 1_048_576  # rows of an Excel sheet, the header included


class _Companies:
    def __init__(self, rng: np.random.Generator, geo: Geography) -> None:
        self.rng, self.geo = rng, geo
        self.names: set[str] = set()  # names before the place is filled in ({c}…): unique wherever
        self.pool: dict[str, list[dict]] = {}
        self.filers: dict[str, list[dict]] = {}  # item -> firms that may file it again (REFILE)
        self.cdf = np.cumsum(geo.p) / np.cumsum(geo.p)[-1]  # rng.choice(p=…)'s own table: the same draw

    def new(self, category: str) -> dict:
        rng = self.rng
        patterns = NAMES.get(category, NAMES["enterprise"])
        for attempt in range(50):
            w = "".join(WORDS[i] for i in rng.integers(len(WORDS), size=1 if attempt < 20 else 2))
            pattern = patterns[rng.integers(len(patterns))]  # what rng.choice(patterns) draws, 10x faster
            f, b = FOREIGN[rng.integers(len(FOREIGN))], BUSINESS[rng.integers(len(BUSINESS))]
            name = pattern.format(w=w, f=f, b=b, c="{c}", p="{p}", P="{P}")  # the place once it is known
            if name not in self.names:
                break
        self.names.add(name)
        district = self.geo.regions[int(self.cdf.searchsorted(rng.random(), side="right"))]
        code = creditcode.make_code(rng, self.geo.codes[district], CODE_KIND.get(category, "91"))
        name = name.format(**self.geo.place(district))
        company = {"applicant": name, "credit_code": code, "district": district, "items": set(), "first": {}}
        self.pool.setdefault(category, []).append(company)
        return company

    def pick(self, category: str, item_id: str, share: float) -> dict:
        """An existing applicant (that has not applied for this item) with probability ``share``."""
        pool = self.pool.get(category, [])
        if pool and self.rng.random() < share:
            for _ in range(5):
                company = pool[self.rng.integers(len(pool))]
                if item_id not in company["items"]:
                    return company
        return self.new(category)

    def again(self, item_id: str, k: int, once: bool = False) -> dict | None:
        """For the ``k``-th application of an item one firm may file more than once (:data:`REFILE`):
        now and then a firm that has filed it once already (from the item's fourth application on).
        ``once``: the pack makes the item once a year per firm (``once_per``): never a second filing, the
        draw still made, so a seed's other applications stay those it always drew."""
        if item_id not in REFILE or k < 3 or self.rng.random() >= REFILE[item_id] or once:
            return None
        firms = self.filers.get(item_id, [])
        return firms.pop(int(self.rng.integers(len(firms)))) if firms else None  # at most twice


def demo_frame(n: int, policy: Policy, seed: int = 2017) -> pd.DataFrame:
    """``n`` sample applications for ``policy``: the intake frame's columns, without the source columns."""
    return _rows_frame(n, policy, seed) if n <= ROW_BY_ROW_MAX else columns_frame(n, policy, seed)


def _rows_frame(n: int, policy: Policy, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = item_counts(n, policy, rng)
    sequence = [item_id for item_id, c in counts.items() for _ in range(c)]
    sequence = [sequence[i] for i in rng.permutation(len(sequence))]
    companies = _Companies(rng, Geography(policy))
    profiles = {it.id: profile(it, policy) for it in policy.items}
    used = {it.id: demo_fields(it) for it in policy.items}
    seen: dict[str, int] = {}
    rows: list[dict] = []
    drawn: list[tuple[int, bool, Cols]] = []  # per row: k, bad, the item's figures (for cross_filers)
    for item_id in sequence:
        item = policy.item(item_id)
        weight, category, fill, p_bad = profiles[item_id]
        k = seen[item_id] = seen.get(item_id, -1) + 1
        bad = rng.random() < p_bad
        company = companies.again(item_id, k, once=bool(item.once_per))  # a once-only item: never twice
        if company is None:
            share = 0.1 if shareable(item_id, category) and not bad else 0.0
            company = companies.pick(category, item_id, share)
        company["items"].add(item_id)
        values = fill(rng, np.array([k]), np.array([bad]))  # one row: the draws of the row generator
        values = {key: v for key, v in values.items() if key in used[item_id]}
        if item_id in company["first"]:
            values = refile(rng, values, company["first"][item_id])
        else:
            company["first"][item_id] = values
            if item_id in REFILE and k >= 2:
                companies.filers.setdefault(item_id, []).append(company)
        row = {key: company[key] for key in ("applicant", "credit_code", "district")}
        row |= {"item": item_id, "score": float(round1(rng.uniform(55, 98, 1))[0])}
        row |= {key: v[0] if v.dtype == object else float(v[0]) for key, v in values.items()}
        row["requested"] = float(requested(item, values, rng, np.array([k]))[0])
        rows.append(row)
        drawn.append((k, bad, values))
    _cross_file(rng, rows, drawn)
    own = [i for i in OWN_SHEET_ITEMS if i in counts]  # their rows last, in the order write_demo writes them
    rows.sort(key=lambda r: own.index(r["item"]) + 1 if r["item"] in own else 0)
    for i, row in enumerate(rows, 1):
        row["application_id"] = f"A{i:04d}"
    data: dict[str, object] = {}
    for f in policy.fields:
        values = [row.get(f.key) for row in rows]
        if f.kind in TEXT_KINDS:
            data[f.key] = pd.Series(values, dtype=object)
        else:
            data[f.key] = np.array([math.nan if v is None else v for v in values], dtype=float)
    return pd.DataFrame(data)


def _cross_file(rng: np.random.Generator, rows: list[dict], drawn: list[tuple[int, bool, Cols]]) -> None:
    """Clause 七's firms on both lists (:func:`allocator.authoring.demo_profiles.cross_filers`): the c07-global
    application takes the c07-domestic applicant and its figures (requested is the cap either way)."""
    at = {i: [r for r, row in enumerate(rows) if row["item"] == i] for i in CROSS_ITEMS}
    if not all(at.values()):
        return
    g_rows, d_rows = at[CROSS_ITEMS[0]], at[CROSS_ITEMS[1]]
    keys = set().union(*(drawn[r][2] for r in d_rows))
    domestic = {key: np.array([rows[r].get(key, math.nan) for r in d_rows], dtype=float) for key in keys}
    k = np.array([drawn[r][0] for r in g_rows])
    bad = np.array([drawn[r][1] for r in g_rows], dtype=bool)
    d_bad = np.array([drawn[r][1] for r in d_rows], dtype=bool)
    g, d = cross_filers(rng, k, bad, domestic, d_bad)
    for gi, di in zip(g.tolist(), d.tolist(), strict=True):
        target, source = rows[g_rows[gi]], rows[d_rows[di]]
        for key in ("applicant", "credit_code", "district", *CROSS_KEYS):
            if key in target and key in source:
                target[key] = source[key]


def write_sample(path: str | Path, n: int, policy: Policy, seed: int = 2017) -> pd.DataFrame:
    """Write ``n`` sample applications at ``path`` as its suffix says: .csv, .parquet, else an .xlsx
    workbook; return :func:`demo_frame`. What ``allocator demo-data`` runs."""
    suffix = Path(path).suffix.lower()
    from ..outputs import staged_file

    write = {".csv": write_demo_csv, ".parquet": write_demo_parquet}.get(suffix, write_demo)
    with staged_file(path) as temp:  # an earlier file stays as it was unless this one is written whole
        return write(temp, n, policy, seed)


def write_demo_csv(
    path: str | Path, n: int, policy: Policy, seed: int = 2017, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The applications of :func:`write_demo` as one CSV table, the way Excel saves a sheet: Chinese
    headers, items by Chinese name, 是/否, numbers without a needless ".0"; UTF-8 with a BOM, which
    Excel needs to open it as UTF-8. ``frame``: these applications instead of :func:`demo_frame`'s."""
    frame = demo_frame(n, policy, seed) if frame is None else frame
    names = {it.id: it.name for it in policy.items}
    table: dict[str, object] = {}
    for f in policy.fields:
        column = frame[f.key]
        if f.key == "item":
            column = column.map(names)
        elif f.kind == "bool":
            x = column.to_numpy()
            column = np.where(np.isnan(x), "", np.where(x == 1, "是", "否"))
        elif f.kind not in TEXT_KINDS:
            column = _number_text(column.to_numpy())
        table[f.header] = column
    pd.DataFrame(table).to_csv(path, index=False, encoding="utf-8-sig")
    return frame


def _number_text(x: np.ndarray) -> np.ndarray:
    """Numbers as Excel writes them to CSV: 1200000, 88.5; "" for blank."""
    out = np.full(len(x), "", dtype=object)
    with np.errstate(invalid="ignore"):
        whole = (x == np.floor(x)) & (np.abs(x) < 2**53)
    out[whole] = x[whole].astype(np.int64).astype(str)
    part = ~whole & ~np.isnan(x)
    out[part] = [repr(v) for v in x[part].tolist()]  # the shortest text that reads back as the same float
    return out


def write_demo_parquet(path: str | Path, n: int, policy: Policy, seed: int = 2017) -> pd.DataFrame:
    """The applications of :func:`write_demo` as one Parquet table: English keys, item ids, typed
    columns (text, float64, yes/no as nullable booleans). Needs pyarrow."""
    frame = demo_frame(n, policy, seed)
    typed = frame.copy()
    for f in policy.fields:
        if f.kind == "bool":
            typed[f.key] = frame[f.key].astype("boolean")
    try:
        typed.to_parquet(path, index=False, engine="pyarrow")
    except ImportError:
        raise OutputError(
            "写出 .parquet 文件需要 pyarrow：pip install pyarrow",
            "writing .parquet needs pyarrow: pip install pyarrow",
        ) from None
    return frame


def write_demo(
    path: str | Path, n: int, policy: Policy, seed: int = 2017, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Write ``n`` sample applications as an intake workbook at ``path``; return :func:`demo_frame`
    (``frame``: write these applications instead, e.g. another mix, :class:`~allocator.authoring.demo_columns.Mix`)."""
    if n >= EXCEL_ROWS:
        raise OutputError(
            f"Excel 工作表最多 {EXCEL_ROWS:,} 行（含表头），写不下 {n:,} 条；请写为 .csv 或 .parquet 文件",
            f"an Excel sheet holds {EXCEL_ROWS:,} rows with the header, not {n:,} applications; "
            "write a .csv or .parquet file",
        )
    frame = demo_frame(n, policy, seed) if frame is None else frame
    from ..outputs.xlsx_style import open_workbook

    wb = open_workbook(path)
    wb.set_properties({"title": f"{policy.name} 示例申报数据", "created": datetime(2017, 9, 1)})  # same bytes
    base = {"font_name": "等线", "font_size": 11}
    fmt = {
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "text": wb.add_format({**base, "num_format": "@"}),
        "money": wb.add_format({**base, "num_format": "#,##0.00"}),
        "wan": wb.add_format({**base, "num_format": "#,##0.0000"}),
        "plain": wb.add_format(base),
    }
    own = [i for i in OWN_SHEET_ITEMS if i in set(frame["item"])]
    keys = [f.key for f in policy.fields]
    _sheet(wb, "申报表", frame[~frame["item"].isin(own)], keys, policy, fmt, wan=False)
    for item_id in own:
        item = policy.item(item_id)
        used = demo_fields(item)
        keys = [f.key for f in policy.fields if (f.key in COMMON_KEYS and f.key != "item") or f.key in used]
        _sheet(wb, item.name, frame[frame["item"] == item_id], keys, policy, fmt, wan=item_id in WAN_SHEETS)
    text = (
        f"示例数据：由 allocator.demo 生成（政策 {policy.id}，{n} 条，seed={seed}）；单位名称与代码均为虚构。"
    )
    wb.add_worksheet("说明").write(0, 0, text)
    wb.close()
    return frame


def _sheet(wb, name: str, frame: pd.DataFrame, keys: list[str], policy: Policy, fmt: dict, wan: bool) -> None:
    ws = wb.add_worksheet(name)
    names = {it.id: it.name for it in policy.items}
    by_key: dict[str, Field] = {f.key: f for f in policy.fields}
    for c, key in enumerate(keys):
        f = by_key[key]
        header = f"{f.zh}（万元）" if wan and f.kind == "yuan" else f.header
        ws.write_string(0, c, header, fmt["head"])
        width = max(10, min(34, sum(2 if ord(ch) > 255 else 1 for ch in header) + 2))
        style = (
            "text" if f.kind in TEXT_KINDS else ("wan" if wan else "money") if f.kind == "yuan" else "plain"
        )
        if key == "applicant":
            width = 34
        ws.set_column(c, c, width, fmt[style])
        column = frame[key].tolist()
        for r, value in enumerate(column, 1):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if key == "item":
                ws.write_string(r, c, names[value])
            elif f.kind in TEXT_KINDS:
                ws.write_string(r, c, value)
            elif f.kind == "bool":
                ws.write_string(r, c, "是" if value else "否")
            else:
                ws.write_number(r, c, value / 10_000 if wan and f.kind == "yuan" else value)
    ws.freeze_panes(1, 2)
