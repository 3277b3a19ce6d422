"""Seeded sample applications for any policy pack: realistic companies, districts and figures.

:func:`demo_frame` builds the frame (the intake contract, without the source columns) and
:func:`write_demo` writes it as an applications workbook: sheet 申报表 with an item column, and a
couple of items on sheets of their own, named by the item's Chinese name (one of them with （万元）
headers), so every path of :mod:`allocator.intake` is exercised. Same seed, same data.

Every item of the policy gets several applications; values make most rows eligible and about one in
ten ineligible the way real applications are (registered capital just below 20,000,000, a building of
exactly 30,000 m², which is not 超过3万平方米, no property certificate, …), with the edge of exactly
20,000,000 registered capital (eligible) included. Names and codes are invented. The Changchun items
have hand-written profiles (:data:`PROFILES`); any other pack's items get the generic filler: values by field kind (ranges per field where the data dictionary's field is known),
yes/no conditions mostly 是 and about one row in ten failing one condition, and, for an item with a
floor (不低于…), a few requested amounts below the floor. Districts come from the pack's
``regions`` (the Changchun table when a pack has none), credit codes from its ``division_code``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from . import creditcode
from .fields import Field
from .intake import COMMON_KEYS, TEXT_KINDS, item_fields
from .policy import Item, Policy

# Changchun district -> administrative division code used in credit codes (development zones: the city's
# code); the default geography of a pack that lists no regions of its own.
DISTRICTS = {
    "南关区": "220102", "宽城区": "220103", "朝阳区": "220104", "二道区": "220105", "绿园区": "220106",
    "双阳区": "220112", "九台区": "220113", "长春新区": "220100", "经开区": "220100", "高新区": "220100",
    "净月区": "220100", "汽开区": "220100",
}  # fmt: skip
_DISTRICT_W = np.array([6, 4, 9, 5, 4, 1, 1, 5, 7, 12, 9, 4], dtype=float)
_WORDS = (
    "华信 启明 融创 新锐 博远 汇智 东北亚 北方 净月 长白山 松原 鼎盛 天合 中科 吉大 恒润 联创 星辰 远航 "
    "瀚海 睿思 云图 诚达 信达 金桥 卓越 同创 安泰 嘉禾 鸿宇 智汇 亿联 众诚 新光 长影 东方 宏达 盛世 海纳 泰华"
).split()
_FOREIGN = "艾克森 凯普勒 博安达 瑞斯特 德思恩 尼科斯 埃文斯 麦睿德 卓思维 柯林斯 施耐德 奥斯汀".split()
_BUSINESS = (
    "信息技术 软件 数据服务 网络科技 科技 信息服务 软件开发 动漫设计 呼叫中心服务 金融信息服务 "
    "医药研发 检测技术 人力资源服务 云计算 智能科技 大数据"
).split()
# {c}: the company's city, {p}/{P}: its province, short and full (长春, 吉林, 吉林省; see _Geography).
_NAMES: dict[str, tuple[str, ...]] = {
    "enterprise": (
        "{c}{w}{b}有限公司",
        "{P}{w}{b}股份有限公司",
        "{w}{b}有限公司",
        "{c}市{w}{b}有限责任公司",
    ),
    "global": ("{f}{b}（{c}）有限公司",),
    "domestic": ("{w}{b}（{c}）有限公司", "{c}{w}{b}有限公司"),
    "hq": ("{p}{w}{b}集团有限公司", "{w}{b}集团股份有限公司"),
    "park": ("{c}{w}服务外包产业园开发有限公司", "{c}{w}软件园管理有限公司", "{P}{w}科技园投资有限公司"),
    "institution": ("{c}{w}职业培训学校", "{P}{w}服务外包人才培训中心", "{c}{w}软件技能培训学校"),
    "base": ("{c}{w}职业技术学院", "{p}{w}科技学院"),
    "alliance": ("{c}市{w}服务外包产业联盟", "{P}{w}服务外包协会", "{c}市{w}软件行业协会"),
    "services": ("{c}{w}管理咨询有限公司", "{p}{w}文化传媒有限公司", "{c}{w}信息咨询有限公司"),
}
_CODE_KIND = {"institution": "52", "base": "12", "alliance": "51"}  # others: 91 (company)
# Assumed scenario numbers for discretionary items, only to size the requested amounts.
DEMO_PARAMS = {"rate": 0.5, "amount": 200_000, "per_person": 30_000, "cap": 2_000_000}
# GB/T 2260 province-level codes (first two digits) -> name, for the {p}/{P} of company names.
PROVINCES = dict(
    pair.split(":")
    for pair in "11:北京市 12:天津市 13:河北省 14:山西省 15:内蒙古自治区 21:辽宁省 22:吉林省 23:黑龙江省 31:上海市 "
    "32:江苏省 33:浙江省 34:安徽省 35:福建省 36:江西省 37:山东省 41:河南省 42:湖北省 43:湖南省 44:广东省 "
    "45:广西壮族自治区 46:海南省 50:重庆市 51:四川省 52:贵州省 53:云南省 54:西藏自治区 61:陕西省 62:甘肃省 "
    "63:青海省 64:宁夏回族自治区 65:新疆维吾尔自治区".split()
)
_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|自治州|地区|省|市|盟|州|区|县)$")
# Generic filler: value range (low, high, step) per field where its magnitude is known (the standard
# fields and pack fields seen so far: premises, rent, patent fees), else per kind (KIND_RANGES).
FIELD_RANGES = {
    "talents": (1, 8, 1), "trained_hired": (20, 300, 1), "eligible_hires": (5, 120, 1), "employees": (50, 800, 1),
    "project_investment": (3e5, 6e6, 1000), "platform_investment": (5e5, 8e6, 1000), "expo_fee": (2e4, 2.5e5, 100),
    "purchase_amount": (1e5, 1.2e6, 1000), "cert_cost": (5e4, 5e5, 100), "premises_cost": (2e6, 4e7, 10_000),
    "annual_rent": (1e5, 2e6, 10), "patent_fee": (1e4, 3e5, 100),
}  # fmt: skip
KIND_RANGES = {
    "yuan": (5e4, 1e6, 100),
    "usd": (1e5, 5e6, 100),
    "area": (100, 5_000, 10),
    "count": (5, 200, 1),
}
OWN_SHEET_ITEMS = ("c13-train", "c15-innovation")  # written on sheets named by the item's Chinese name
WAN_SHEETS = frozenset({"c15-innovation"})  # that sheet's yuan columns are in 万元
Y, N = 1.0, 0.0
Row = dict[str, float]


def _r(x: float, step: float) -> float:
    return float(round(x / step) * step)


def _logu(rng: np.random.Generator, lo: float, hi: float, step: float) -> float:
    return _r(math.exp(rng.uniform(math.log(lo), math.log(hi))), step)


# Each filler gets (rng, k = the k-th application of the item, bad = make it fail realistically).
def _park(rng, k, bad) -> Row:
    row = {"certified": Y, "building_area_m2": _r(rng.uniform(32_000, 90_000), 100)}
    if k == 0:
        row["building_area_m2"] = 30_000.0  # exactly 3万: not 超过3万平方米
    elif bad:
        row["certified"] = N
    return row


def _buy(rng, k, bad) -> Row:
    row = {"certified": Y, "registered_capital": _r(rng.uniform(22e6, 80e6), 1e6), "has_property_cert": Y}
    row |= {"has_land_cert": Y, "purchase_area_m2": _logu(rng, 500, 5_000, 10)}
    if k == 0:
        row["registered_capital"] = 20_000_000.0  # exactly 2000万: 以上 includes it
    elif k == 1:
        row["registered_capital"] = 19_800_000.0  # just below
    elif bad:
        row[str(rng.choice(["has_property_cert", "has_land_cert"]))] = N
    return row


def _rent(rng, k, bad) -> Row:
    months = 12.0 if rng.random() < 0.75 else float(rng.integers(4, 12))
    return {"in_park": N if bad else Y, "rent_area_m2": _logu(rng, 150, 2_500, 10), "rent_months": months}


def _global(rng, k, bad) -> Row:
    row = {"independent_entity": Y, "registered_capital": _r(rng.uniform(30e6, 200e6), 1e6)}
    row |= {"employees": float(rng.integers(120, 800)), "offshore_usd": _r(rng.uniform(5.5e6, 30e6), 1e4)}
    if k == 0:
        row |= {"registered_capital": 20e6, "employees": 100.0, "offshore_usd": 5e6}  # all just 达到
    elif bad:
        row |= {"employees": 96.0} if rng.random() < 0.5 else {"offshore_usd": 4_600_000.0}
    return row


def _domestic(rng, k, bad) -> Row:
    row = {"independent_entity": Y, "registered_capital": _r(rng.uniform(10e6, 50e6), 1e6)}
    row |= {"employees": float(rng.integers(50, 400)), "offshore_usd": _r(rng.uniform(2e6, 8e6), 1e4)}
    if bad:
        row |= {"registered_capital": 8e6} if rng.random() < 0.5 else {"employees": 42.0}
    return row


def _hq(rng, k, bad) -> Row:
    return {"is_headquarters": Y, "offshore_usd": 4_200_000.0 if bad else _r(rng.uniform(5e6, 15e6), 1e4)}


def _spinoff(rng, k, bad) -> Row:
    row = {"independent_entity": Y, "in_mofcom_system": N if bad else Y}
    return row | {"offshore_usd": _logu(rng, 2e5, 3e6, 100)}


def _cert(rng, k, bad) -> Row:
    cost = _logu(rng, 50_000, 500_000, 100)
    if bad:
        return {"cert_cost": cost, "other_support": cost, "fully_supported": Y}
    other = _r(cost * rng.uniform(0.2, 0.6), 100) if rng.random() < 0.4 else 0.0
    return {"cert_cost": cost, "other_support": other, "fully_supported": N}


def _one(key: str, lo: float, hi: float, step: float, bad_value: float | None = None) -> Callable:
    def fill(rng, k, bad) -> Row:
        value = _logu(rng, lo, hi, step)
        return {key: bad_value if bad and bad_value is not None else value}

    return fill


# item id -> (relative number of applications, applicant category, filler, share of rows made to fail)
PROFILES: dict[str, tuple[float, str, Callable, float]] = {
    "c03-park": (0.05, "park", _park, 0.0),
    "c04-buy": (1.0, "enterprise", _buy, 0.15),
    "c04-rent": (7.0, "enterprise", _rent, 0.15),
    "c05-line": (5.0, "enterprise", _one("line_fee", 20_000, 300_000, 100, 0.0), 0.08),
    "c06-platform": (0.8, "enterprise", lambda rng, k, bad: {"certified": N if bad else Y}
                     | {"platform_investment": _logu(rng, 3e5, 3e6, 1000)}, 0.15),
    "c07-global": (0.2, "global", _global, 0.2),
    "c07-domestic": (0.5, "domestic", _domestic, 0.2),
    "c07-other": (1.0, "enterprise", lambda rng, k, bad: {}, 0.0),
    "c07-hq": (0.3, "hq", _hq, 0.2),
    "c08-spinoff": (1.2, "enterprise", _spinoff, 0.15),
    "c09-offshore": (6.0, "enterprise", _one("offshore_increment_usd", 1e5, 1.5e6, 100, 0.0), 0.12),
    "c10-expo": (4.0, "enterprise", _one("expo_fee", 20_000, 250_000, 100), 0.0),
    "c11-institution": (0.6, "institution", lambda rng, k, bad: {"certified": N if bad else Y}, 0.15),
    "c12-talent-base": (0.3, "base", lambda rng, k, bad: {}, 0.0),
    "c13-hire": (9.0, "enterprise", _one("eligible_hires", 5, 120, 1, 0.0), 0.1),
    "c13-train": (4.0, "institution", _one("trained_hired", 20, 300, 1, 0.0), 0.08),
    "c14-talent": (3.0, "enterprise", _one("talents", 1, 8, 1, 0.0), 0.1),
    "c15-innovation": (2.0, "enterprise", _one("project_investment", 2e5, 1.6e6, 1000, 0.0), 0.12),
    "c15-tech": (2.0, "enterprise", _one("purchase_amount", 1e5, 1.2e6, 1000, 0.0), 0.1),
    "c16-cert": (4.0, "enterprise", _cert, 0.2),
    "c17-alliance": (0.3, "alliance", lambda rng, k, bad: {}, 0.0),
    "c18-services": (0.6, "services", lambda rng, k, bad: {}, 0.0),
}  # fmt: skip
# Items a company also applies for besides others (row-level figures only: a shared company stays consistent).
_SHAREABLE = frozenset(
    "c04-rent c05-line c09-offshore c10-expo c13-hire c14-talent c15-tech c16-cert".split()
)


class _Geography:
    """Where sample applicants are: the pack's regions (the Changchun table if it lists none), their
    weights (Changchun's own; else falling with the listed order), credit-code divisions (the Changchun
    district codes there, else the pack's ``division_code``) and the city and province of their names."""

    def __init__(self, policy: Policy) -> None:
        self.regions = list(policy.regions or DISTRICTS)
        weights = (
            _DISTRICT_W if self.regions == list(DISTRICTS) else 1 / np.arange(1, len(self.regions) + 1) ** 0.8
        )
        self.p = weights / weights.sum()
        code = policy.division_code or "220100"
        local = code.startswith("2201")  # Changchun: each district its own code
        self.codes = {r: DISTRICTS[r] if local and r in DISTRICTS else code for r in self.regions}
        self.province = PROVINCES.get(code[:2], "")
        m = re.match(r"(?:.+?省)?(.+?)市", policy.issuer)
        self.city = m.group(1) if m else "长春" if local else _SUFFIX.sub("", self.province)

    def place(self, region: str) -> dict[str, str]:
        """The {c}, {p} and {P} of a company name in ``region`` (a city in the list, or the issuer's)."""
        city = _SUFFIX.sub("", region) if re.search(r"(市|地区|盟|州)$", region) else self.city
        return {"c": city, "p": _SUFFIX.sub("", self.province), "P": self.province}


class _Companies:
    def __init__(self, rng: np.random.Generator, geo: _Geography) -> None:
        self.rng, self.geo = rng, geo
        self.names: set[str] = set()  # names before the place is filled in ({c}…): unique wherever
        self.pool: dict[str, list[dict]] = {}

    def new(self, category: str) -> dict:
        rng = self.rng
        patterns = _NAMES.get(category, _NAMES["enterprise"])
        for attempt in range(50):
            w = "".join(_WORDS[i] for i in rng.integers(len(_WORDS), size=1 if attempt < 20 else 2))
            pattern = str(rng.choice(patterns))
            f, b = _FOREIGN[rng.integers(len(_FOREIGN))], _BUSINESS[rng.integers(len(_BUSINESS))]
            name = pattern.format(w=w, f=f, b=b, c="{c}", p="{p}", P="{P}")  # the place once it is known
            if name not in self.names:
                break
        self.names.add(name)
        district = str(rng.choice(self.geo.regions, p=self.geo.p))
        code = creditcode.make_code(rng, self.geo.codes[district], _CODE_KIND.get(category, "91"))
        name = name.format(**self.geo.place(district))
        company = {"applicant": name, "credit_code": code, "district": district, "items": set()}
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


def _counts(n: int, policy: Policy, rng: np.random.Generator) -> dict[str, int]:
    items = policy.items
    base = min(3, n // len(items)) if n >= len(items) else 0
    weights = np.array([PROFILES.get(it.id, (1.0,))[0] for it in items], dtype=float)
    extra = rng.multinomial(n - base * len(items), weights / weights.sum()) if n >= len(items) else None
    if extra is None:  # fewer rows than items: the first n items, one each
        return {it.id: int(i < n) for i, it in enumerate(items)}
    return {it.id: base + int(e) for it, e in zip(items, extra, strict=True)}


def _generic(item: Item, policy: Policy) -> tuple[float, str, Callable, float]:
    """The profile of an item without a hand-written one: plausible values of each field's kind (the
    field's own range where known); a bad row (one in ten) fails one condition: a yes/no answered 否,
    or, with no yes/no condition, a figure of 0. Training subsidies go to training institutions."""
    used = item_fields(item)
    fields = [f for f in policy.fields if f.key in used]  # data-dictionary order: same seed, same data
    in_conditions = {k for c in item.conditions for k in c.expr.names}
    failing = [f.key for f in fields if f.key in in_conditions and f.kind == "bool"]
    failing = failing or [f.key for f in fields if f.key in in_conditions]

    def fill(rng, k, bad) -> Row:
        row: Row = {}
        for f in fields:
            if f.kind == "bool":
                row[f.key] = Y
            elif f.kind == "months":
                row[f.key] = 12.0
            elif f.kind == "score":
                row[f.key] = round(float(rng.uniform(55, 98)), 1)
            else:
                row[f.key] = _logu(rng, *FIELD_RANGES.get(f.key, KIND_RANGES.get(f.kind, (1, 100, 1))))
        if bad and failing:
            row[failing[int(rng.integers(len(failing)))]] = N
        return row

    category = "institution" if "trained_hired" in used else "enterprise"
    return 1.0, category, fill, 0.1


def _requested(item: Item, row: Row, rng: np.random.Generator, nth: int = 0) -> float:
    """A requested amount near the policy amount (sometimes above or below), or NaN (not given).

    For an item with a floor (不低于…) most ask at least the floor, some exactly it, and a few (the
    item's first application and about one in eight) less, so the floor has something to refuse."""
    env = {k: np.float64(row.get(k, math.nan)) for k in item_fields(item)}
    env |= {p: DEMO_PARAMS.get(p, 100_000) for p in item.params}
    estimate = float(item.amount.evaluate(env)) if item.amount is not None else math.inf
    estimate = min(estimate, item.cap if item.cap is not None else math.inf)
    u = rng.random()
    if not math.isfinite(estimate) or estimate <= 0 or (u < 0.15 and not item.discretionary):
        return math.nan
    factor = 1.0 if u < 0.55 else rng.uniform(0.7, 1.0) if u < 0.75 else rng.uniform(1.0, 1.4)
    if item.discretionary:
        factor = rng.uniform(0.6, 1.5)
    if item.floor:
        estimate = max(estimate, item.floor)
        factor = float(rng.uniform(0.5, 0.95)) if nth == 0 or u < 0.12 else max(factor, 1.0)
    return max(1000.0, math.floor(estimate * factor / 1000) * 1000)


def demo_frame(n: int, policy: Policy, seed: int = 2017) -> pd.DataFrame:
    """``n`` sample applications for ``policy``: the intake frame's columns, without the source columns."""
    rng = np.random.default_rng(seed)
    counts = _counts(n, policy, rng)
    sequence = [item_id for item_id, c in counts.items() for _ in range(c)]
    sequence = [sequence[i] for i in rng.permutation(len(sequence))]
    companies = _Companies(rng, _Geography(policy))
    profiles = {it.id: PROFILES.get(it.id) or _generic(it, policy) for it in policy.items}
    seen: dict[str, int] = {}
    rows: list[dict] = []
    for item_id in sequence:
        item = policy.item(item_id)
        weight, category, fill, p_bad = profiles[item_id]
        k = seen[item_id] = seen.get(item_id, -1) + 1
        bad = rng.random() < p_bad
        shareable = item_id in _SHAREABLE or item_id not in PROFILES or category == "institution"
        share = 0.1 if shareable and not bad else 0.0
        company = companies.pick(category, item_id, share)
        company["items"].add(item_id)
        values = fill(rng, k, bad)
        row = {key: company[key] for key in ("applicant", "credit_code", "district")}
        row |= {"item": item_id, "score": round(float(rng.uniform(55, 98)), 1), **values}
        row["requested"] = _requested(item, values, rng, k)
        rows.append(row)
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


def write_demo(path: str | Path, n: int, policy: Policy, seed: int = 2017) -> pd.DataFrame:
    """Write ``n`` sample applications as an intake workbook at ``path``; return :func:`demo_frame`."""
    frame = demo_frame(n, policy, seed)
    wb = xlsxwriter.Workbook(str(path))
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
        used = item_fields(item)
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
