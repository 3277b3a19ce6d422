"""Sample applications drawn column by column: :func:`columns_frame`, for more rows than the row-by-row
generator of :mod:`allocator.authoring.demo` handles (a million rows and more).

The same profiles as row by row (:mod:`allocator.authoring.demo_profiles`: items and their shares, categories,
districts, figures, failure rates), drawn for all applications of an item at once. Applicants: a row
that may share its applicant (one in ten of the shareable, as row by row) takes an earlier company of
its category at random, never one that already applied for the same item; a further filing
(:data:`~allocator.authoring.demo_profiles.REFILE`) takes an earlier applicant of its own item, which files it
at most twice; a c07-global application of a firm on both top-100 lists takes a c07-domestic
applicant (:func:`~allocator.authoring.demo_profiles.cross_filers`); every other row gets a new company.
Names are unique, with more words to a name where a category has many companies (40 words give 2,560
one-word enterprise names and four million three-word ones); credit codes are valid and unique.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..intake import creditcode
from ..intake.cells import TEXT_KINDS
from ..policy.types import Policy
from .demo_profiles import (
    BUSINESS,
    CODE_KIND,
    CROSS_ITEMS,
    CROSS_KEYS,
    FOREIGN,
    NAMES,
    OWN_SHEET_ITEMS,
    REFILE,
    WORDS,
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


@dataclass(frozen=True)
class Mix:
    """Another mix of sample applications than the demo's (the benchmarks' workload family). The
    default changes nothing: the same seed draws the same applications as without a mix."""

    items: Mapping[str, float] = field(default_factory=dict)  # item id -> relative number, over its profile's
    fail: float = 1.0  # each item's share of rows made to fail, times this (at most 1)
    ask: float = 1.0  # requested amounts times this, in whole thousands (at least 1,000 yuan)


def columns_frame(n: int, policy: Policy, seed: int = 2017, mix: Mix | None = None) -> pd.DataFrame:
    """``n`` sample applications for ``policy``, drawn column by column (see the module docstring);
    ``mix``: other item numbers, failure rates or requested amounts (:class:`Mix`)."""
    mix = mix or Mix()
    rng = np.random.default_rng(seed)
    counts = item_counts(n, policy, rng, mix.items)
    ids = list(counts)
    item_of = np.repeat(np.arange(len(ids)), [counts[i] for i in ids])[rng.permutation(n)]
    profiles = [profile(policy.item(i), policy) for i in ids]
    bad = rng.random(n) < np.minimum(np.array([p[3] for p in profiles]) * mix.fail, 1.0)[item_of]
    nth = _nth(item_of)
    category = np.array([p[1] for p in profiles], dtype=object)[item_of]
    share = np.array([shareable(i, p[1]) for i, p in zip(ids, profiles, strict=True)], dtype=bool)[item_of]
    once = frozenset(it.id for it in policy.items if it.once_per)  # never filed twice by one firm
    refiled, origin = _refiled(rng, ids, item_of, nth, once)
    company, made = _applicants(rng, category, item_of, share & ~bad & ~refiled, refiled, origin)
    geo = Geography(policy)
    applicant, code, district = _companies(rng, geo, made)
    cols = {f.key: np.full(n, math.nan) for f in policy.fields if f.kind not in TEXT_KINDS}
    texts: dict[str, np.ndarray] = {}  # text fields an item's filler fills (the sub-platform's name)
    filled: list[tuple[np.ndarray, list[str]]] = []  # per item: its rows, the fields filled
    for j, (_, _, fill, _) in enumerate(profiles):
        rows = np.flatnonzero(item_of == j)
        used = demo_fields(policy.item(ids[j]))
        values = {key: v for key, v in fill(rng, nth[rows], bad[rows]).items() if key in used}
        for key, v in values.items():
            (cols[key] if key in cols else texts.setdefault(key, np.full(n, None, dtype=object)))[rows] = v
        filled.append((rows, list(values)))
    store = cols | texts
    for rows, keys in filled:  # further filings (REFILE): what the firm is, from its first filing
        again = rows[refiled[rows]]
        if len(again):
            first = {key: store[key][origin[again]] for key in keys}
            for key, v in refile(rng, {key: store[key][again] for key in keys}, first).items():
                store[key][again] = v
    if all(i in counts for i in CROSS_ITEMS):  # clause 七's firms on both lists
        (g_rows, g_keys), (d_rows, d_keys) = (filled[ids.index(i)] for i in CROSS_ITEMS)
        domestic = {key: cols[key][d_rows] for key in d_keys if key in cols}
        g, d = cross_filers(rng, nth[g_rows], bad[g_rows], domestic, bad[d_rows])
        company[g_rows[g]] = company[d_rows[d]]
        for key in CROSS_KEYS:
            if key in g_keys and key in domestic:
                cols[key][g_rows[g]] = domestic[key][d]
    cols["score"] = round1(rng.uniform(55, 98, n))
    for j, (rows, keys) in enumerate(filled):
        values = {key: store[key][rows] for key in keys}
        cols["requested"][rows] = requested(policy.item(ids[j]), values, rng, nth[rows])
    if mix.ask != 1.0:
        cols["requested"] = np.maximum(1000.0, np.round(cols["requested"] * mix.ask / 1000) * 1000)
    text = {
        "applicant": applicant[company],
        "credit_code": code[company],
        "district": district[company],
        "item": np.array(ids, dtype=object)[item_of],
    } | texts
    own = [ids.index(i) for i in OWN_SHEET_ITEMS if i in counts]  # last, as write_demo writes them
    rank = np.zeros(len(ids), dtype=np.int64)
    rank[own] = np.arange(1, len(own) + 1)
    order = np.argsort(rank[item_of], kind="stable")
    text = {key: v[order] for key, v in text.items()}
    text["application_id"] = np.array([f"A{i:04d}" for i in range(1, n + 1)], dtype=object)
    data: dict[str, object] = {}
    for f in policy.fields:
        if f.kind in TEXT_KINDS:
            data[f.key] = pd.Series(text.get(f.key, np.full(n, None)), dtype=object)
        else:
            data[f.key] = cols[f.key][order]
    return pd.DataFrame(data)


def _refiled(
    rng, ids: list[str], item_of: np.ndarray, nth: np.ndarray, once: frozenset[str] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """The rows that are a firm's further filing of an item (:data:`REFILE`, from its fourth
    application on), and for each the row of the firm's first filing: an earlier application of the
    item, its third or later, not itself a further filing. A firm files an item at most twice: of two
    further filings drawn for one first filing, the later is a new firm's. An item of ``once`` (the
    pack's ``once_per``) is never filed twice: its draws are still made, then dropped, so that the
    other items' further filings stay those the seed always drew."""
    n = len(item_of)
    p = np.array([REFILE.get(i, 0.0) for i in ids])
    origin = np.full(n, -1)
    if not p.any():
        return np.zeros(n, dtype=bool), origin
    refiled = (nth >= 3) & (rng.random(n) < p[item_of])
    for j in np.flatnonzero(p):
        rows = np.flatnonzero(item_of == j)
        founders = rows[~refiled[rows] & (nth[rows] >= 2)]
        later = rows[refiled[rows]]
        before = np.searchsorted(founders, later)  # ≥ 1: the item's third application is one
        origin[later] = founders[(rng.random(len(later)) * before).astype(np.int64)]
        taken = later[pd.Series(origin[later]).duplicated().to_numpy()]
        refiled[taken], origin[taken] = False, -1
    dropped = np.isin(item_of, [j for j, i in enumerate(ids) if i in once])
    refiled[dropped], origin[dropped] = False, -1
    return refiled, origin


def _nth(item_of: np.ndarray) -> np.ndarray:
    """For each row, how many rows of the same item come before it."""
    order = np.argsort(item_of, kind="stable")
    ordered = item_of[order]
    nth = np.empty(len(item_of), dtype=np.int64)
    nth[order] = np.arange(len(item_of)) - np.searchsorted(ordered, ordered, side="left")
    return nth


def _applicants(rng, category, item_of, share, refiled, origin) -> tuple[np.ndarray, np.ndarray]:
    """Each row's company number, and each company's category.

    A row that may share (``share``) does so one time in ten: it takes a company of its category
    made by an earlier row, at random. Where there is none yet, or the company has applied for the
    row's item already, the row gets a new company, as every other row does but a further filing
    (``refiled``): that takes the company of the row its ``origin`` says."""
    n = len(category)
    again = np.flatnonzero(share & (rng.random(n) < 0.1))
    u = rng.random(len(again))
    fresh = ~refiled
    fresh[again] = False
    founder = np.full(n, -1)  # for a row that shares: the row whose new company it takes
    for c in pd.unique(category):
        rows = np.flatnonzero(category == c)
        founders = rows[fresh[rows]]
        sharing = np.flatnonzero(category[again] == c)
        before = np.searchsorted(founders, again[sharing])  # companies of the category made before the row
        pick = (u[sharing] * before).astype(np.int64)
        founder[again[sharing[before > 0]]] = founders[pick[before > 0]]
    fresh |= (founder < 0) & ~refiled
    company = np.full(n, -1)
    company[fresh] = np.arange(int(fresh.sum()))
    sharing = ~fresh & ~refiled
    company[sharing] = company[founder[sharing]]
    first = np.flatnonzero(~refiled)
    twice = first[pd.DataFrame({"company": company[first], "item": item_of[first]}).duplicated().to_numpy()]
    company[twice] = np.arange(int(fresh.sum()), int(fresh.sum()) + len(twice))
    company[refiled] = company[origin[refiled]]
    made = np.empty(int(company.max()) + 1 if n else 0, dtype=object)
    made[company] = category
    return company, made


def _companies(rng, geo: Geography, category: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name, credit code and district of each company (unique names, unique valid codes)."""
    m = len(category)
    cdf = np.cumsum(geo.p) / np.sum(geo.p)
    where = np.minimum(cdf.searchsorted(rng.random(m), side="right"), len(geo.regions) - 1)
    district = np.array(geo.regions, dtype=object)[where]
    divisions = np.array([geo.codes[r] for r in geo.regions], dtype=object)[where]
    kinds = np.array([CODE_KIND.get(c, "91") for c in category.tolist()], dtype=object)
    codes = creditcode.make_codes(rng, divisions, kinds)
    for _ in range(100):  # a few thousand collisions at a million companies, then a handful, then none
        again = pd.Series(codes, dtype=object).duplicated().to_numpy()
        if not again.any():
            break
        codes[again] = creditcode.make_codes(rng, divisions[again], kinds[again])
    return _names(rng, geo, category, district), codes, district


def _names(rng, geo: Geography, category: np.ndarray, district: np.ndarray) -> np.ndarray:
    """Unique company names: drawn, and drawn again with one word more where taken."""
    sizes = pd.Series(category, dtype=object).value_counts().to_dict()
    words = np.array([1 if sizes[c] <= 500 else 2 if sizes[c] <= 20_000 else 3 for c in category.tolist()])
    names = np.empty(len(category), dtype=object)
    taken: set[str] = set()
    todo = np.arange(len(category))
    for attempt in range(100):
        if not len(todo):
            break
        drawn = _draw_names(
            rng, geo, category[todo], district[todo], np.minimum(words[todo] + attempt // 3, 3)
        )
        first = ~pd.Series(drawn, dtype=object).duplicated().to_numpy()
        free = (
            np.fromiter((name not in taken for name in drawn.tolist()), dtype=bool, count=len(drawn)) & first
        )
        names[todo[free]] = drawn[free]
        taken.update(drawn[free].tolist())
        todo = todo[~free]
    names[todo] = [f"{name}（{i}）" for i, name in enumerate(names[todo].tolist(), 1)]  # never in practice
    return names


def _draw_names(rng, geo: Geography, category, district, words) -> np.ndarray:
    m = len(category)
    w = _distinct(rng, len(WORDS), m)
    pattern = rng.random(m)
    f = rng.integers(len(FOREIGN), size=m)
    b = rng.integers(len(BUSINESS), size=m)
    vocabulary = np.array(WORDS, dtype=object)
    one, two = vocabulary[w[:, 0]], vocabulary[w[:, 0]] + vocabulary[w[:, 1]]  # str + str, elementwise
    text = np.where(words == 1, one, np.where(words == 2, two, two + vocabulary[w[:, 2]]))
    places = {r: geo.place(r) for r in geo.regions}
    out = []
    for c, d, t, n, p, fi, bi in zip(
        category.tolist(),
        district.tolist(),
        text.tolist(),
        words.tolist(),
        pattern.tolist(),
        f.tolist(),
        b.tolist(),
        strict=True,
    ):
        patterns = NAMES.get(c, NAMES["enterprise"])
        name = patterns[int(p * len(patterns))]
        if n > 1 and "{w}" not in name:  # 外资: 12 × 16 names without a word; more need one
            name = name.replace("{f}", "{f}{w}")
        out.append(name.format(w=t, f=FOREIGN[fi], b=BUSINESS[bi], **places[d]))
    return np.array(out, dtype=object)


def _distinct(rng, k: int, m: int) -> np.ndarray:
    """``m`` rows of 3 different numbers below ``k`` (a name repeats no word)."""
    a = rng.integers(k, size=m)
    b = (a + 1 + rng.integers(k - 1, size=m)) % k
    c = rng.integers(k - 2, size=m)
    low, high = np.minimum(a, b), np.maximum(a, b)
    c += c >= low
    c += c >= high
    return np.stack([a, b, c], axis=1)
