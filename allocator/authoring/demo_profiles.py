"""Who the sample applicants are and what they ask for: the demo's profiles, shared by both generators.

:mod:`allocator.authoring.demo` builds sample applications row by row (up to
:data:`allocator.authoring.demo.ROW_BY_ROW_MAX`) and :mod:`allocator.authoring.demo_columns` column by column (above);
both draw names, places and figures from here. A filler takes a whole item's rows at once — ``k``, the
k-th application of the item, and ``bad``, make it fail realistically — and returns one array per
field. Called with one row, a filler draws exactly what the row-by-row generator drew before fillers
worked on columns (same calls, same order: a draw only where the row needs it).

Some applications are further filings of an earlier applicant for the same item (:data:`REFILE`: a
second premises bought or rented, a second sub-platform, now and then the same sub-platform twice), and
some firms on both top-100 lists file clause 七's global and domestic entries (:func:`cross_filers`);
both generators make them the same way (:func:`refile`, :func:`cross_filers`). Only the fields an item
uses are filled (:func:`demo_fields`), and a few of those are left blank where an office's form often
is (:data:`MAY_BE_BLANK`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import numpy as np

from ..intake.read import item_fields
from ..policy.types import Item, Policy

# Changchun district -> administrative division code used in credit codes (development zones: the city's
# code); the default geography of a pack that lists no regions of its own.
DISTRICTS = {
    "南关区": "220102", "宽城区": "220103", "朝阳区": "220104", "二道区": "220105", "绿园区": "220106",
    "双阳区": "220112", "九台区": "220113", "长春新区": "220100", "经开区": "220100", "高新区": "220100",
    "净月区": "220100", "汽开区": "220100",
}  # fmt: skip
_DISTRICT_W = np.array([6, 4, 9, 5, 4, 1, 1, 5, 7, 12, 9, 4], dtype=float)
WORDS = (
    "华信 启明 融创 新锐 博远 汇智 东北亚 北方 净月 长白山 松原 鼎盛 天合 中科 吉大 恒润 联创 星辰 远航 "
    "瀚海 睿思 云图 诚达 信达 金桥 卓越 同创 安泰 嘉禾 鸿宇 智汇 亿联 众诚 新光 长影 东方 宏达 盛世 海纳 泰华"
).split()
FOREIGN = "艾克森 凯普勒 博安达 瑞斯特 德思恩 尼科斯 埃文斯 麦睿德 卓思维 柯林斯 施耐德 奥斯汀".split()
BUSINESS = (
    "信息技术 软件 数据服务 网络科技 科技 信息服务 软件开发 动漫设计 呼叫中心服务 金融信息服务 "
    "医药研发 检测技术 人力资源服务 云计算 智能科技 大数据"
).split()
# {c}: the company's city, {p}/{P}: its province, short and full (长春, 吉林, 吉林省; see Geography).
NAMES: dict[str, tuple[str, ...]] = {
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
CODE_KIND = {"institution": "52", "base": "12", "alliance": "51"}  # others: 91 (company)
# Assumed scenario numbers for discretionary items, only to size the requested amounts.
DEMO_PARAMS = {"rate": 0.5, "amount": 200_000, "per_person": 30_000, "cap": 2_000_000, "per_usd": 0.1}
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
# Clause 六's sub-platforms (子平台名称): the four it names first, then others of the kind ("……等").
PLATFORMS = (
    "园区管理平台", "教育培训平台", "云众包平台", "人才交流平台", "公共技术服务平台", "信息共享服务平台",
    "国际市场推广平台", "投融资服务平台", "知识产权服务平台", "测试认证服务平台",
)  # fmt: skip
_PLATFORM_CDF = np.cumsum([5, 5, 5, 5, 2, 2, 2, 1, 1, 1]) / 29
OWN_SHEET_ITEMS = ("c13-train", "c15-innovation")  # written on sheets named by the item's Chinese name
WAN_SHEETS = frozenset({"c15-innovation"})  # that sheet's yuan columns are in 万元
Y, N = 1.0, 0.0
Cols = dict[str, np.ndarray]


def _r(x: np.ndarray, step: float) -> np.ndarray:
    """Round to a multiple of ``step`` (half to even, as Python's round)."""
    return np.rint(np.asarray(x, dtype=float) / step) * step


def _logu(rng: np.random.Generator, lo: float, hi: float, step: float, size: int) -> np.ndarray:
    """Log-uniform between ``lo`` and ``hi``, rounded to ``step``; math.exp, as the figures always had."""
    u = rng.uniform(math.log(lo), math.log(hi), size=size)
    return _r(np.fromiter(map(math.exp, u.tolist()), dtype=float, count=size), step)


def round1(x: np.ndarray) -> np.ndarray:
    """Python's round(x, 1) (numpy's differs in the last place now and then)."""
    return np.array([round(v, 1) for v in x.tolist()], dtype=float)


def _flag(bad: np.ndarray) -> np.ndarray:
    return np.where(bad, N, Y)


# Each filler gets (rng, k = the k-th application of the item, bad = make it fail realistically).
def _park(rng, k, bad) -> Cols:
    area = _r(rng.uniform(32_000, 90_000, len(k)), 100)
    area[k == 0] = 30_000.0  # exactly 3万: not 超过3万平方米
    return {"certified": _flag(bad & (k != 0)), "building_area_m2": area}


def _buy(rng, k, bad) -> Cols:
    capital = _r(rng.uniform(22e6, 80e6, len(k)), 1e6)
    cols = {"certified": np.full(len(k), Y), "registered_capital": capital}
    cols |= {"has_property_cert": np.full(len(k), Y), "has_land_cert": np.full(len(k), Y)}
    cols["purchase_area_m2"] = _logu(rng, 500, 5_000, 10, len(k))
    whole = np.flatnonzero(rng.random(len(k)) < 0.15)  # a whole building: 500万 binds above 10,000 m²
    cols["purchase_area_m2"][whole] = _logu(rng, 5_000, 12_000, 10, len(whole))
    capital[k == 0] = 20_000_000.0  # exactly 2000万: 以上 includes it
    capital[k == 1] = 19_800_000.0  # just below
    fail = np.flatnonzero(bad & (k > 1))
    which = rng.integers(0, 2, size=len(fail))  # the certificate the applicant lacks
    cols["has_property_cert"][fail[which == 0]] = N
    cols["has_land_cert"][fail[which == 1]] = N
    return cols


def _rent(rng, k, bad) -> Cols:
    months = np.full(len(k), 12.0)
    short = np.flatnonzero(rng.random(len(k)) >= 0.75)
    months[short] = rng.integers(4, 12, size=len(short))
    area = _logu(rng, 150, 2_500, 10, len(k))
    large = np.flatnonzero(rng.random(len(k)) < 0.08)  # a call centre's floors: 100万 a year binds
    area[large] = _logu(rng, 2_500, 6_000, 10, len(large))
    return {"in_park": _flag(bad), "rent_area_m2": area, "rent_months": months}


def _global(rng, k, bad) -> Cols:
    capital = _r(rng.uniform(30e6, 200e6, len(k)), 1e6)
    employees = rng.integers(120, 800, size=len(k)).astype(float)
    offshore = _r(rng.uniform(5.5e6, 30e6, len(k)), 1e4)
    top, settled = np.full(len(k), Y), np.full(len(k), Y)
    first = k == 0
    capital[first], employees[first], offshore[first] = 20e6, 100.0, 5e6  # all just 达到
    top[k == 1] = N  # a large firm on no global list: the figures are there, the 全球百强 is not
    fail = np.flatnonzero(bad & ~first)
    u = rng.random(len(fail))
    employees[fail[u < 0.25]] = 96.0
    offshore[fail[(u >= 0.25) & (u < 0.5)]] = 4_600_000.0
    top[fail[(u >= 0.5) & (u < 0.7)]] = N
    settled[fail[u >= 0.7]] = N  # in Changchun for years: not 新入驻
    entity = np.full(len(k), Y)
    return {
        "global_top100": top,
        "newly_settled": settled,
        "independent_entity": entity,
        "registered_capital": capital,
        "employees": employees,
        "offshore_usd": offshore,
    }


def _domestic(rng, k, bad) -> Cols:
    capital = _r(rng.uniform(10e6, 50e6, len(k)), 1e6)
    employees = rng.integers(50, 400, size=len(k)).astype(float)
    offshore = _r(rng.uniform(2e6, 8e6, len(k)), 1e4)
    top = np.full(len(k), Y)
    fail = np.flatnonzero(bad)
    u = rng.random(len(fail))
    capital[fail[u < 0.35]] = 8e6
    employees[fail[(u >= 0.35) & (u < 0.7)]] = 42.0
    top[fail[u >= 0.7]] = N  # not on the 国内100强 list
    entity = np.full(len(k), Y)
    return {
        "domestic_top100": top,
        "independent_entity": entity,
        "registered_capital": capital,
        "employees": employees,
        "offshore_usd": offshore,
    }


def _other(rng, k, bad) -> Cols:
    """Clause 七's other firms: newly settled, on neither top-100 list; the form's 百强 cells are often
    left blank (the pack reads blank as 否). A bad row: a firm long in Changchun, or a 国内100强 firm
    short of its tier's figures filing here."""
    settled = np.full(len(k), Y)
    top_global, top_domestic = np.full(len(k), N), np.full(len(k), N)
    blank = rng.random(len(k)) < 0.4
    top_global[blank] = top_domestic[blank] = math.nan
    fail = np.flatnonzero(bad)
    u = rng.random(len(fail))
    settled[fail[u < 0.6]] = N
    top_domestic[fail[u >= 0.6]] = Y
    return {"global_top100": top_global, "domestic_top100": top_domestic, "newly_settled": settled}


def _hq(rng, k, bad) -> Cols:
    offshore = np.full(len(k), 4_200_000.0)
    good = np.flatnonzero(~bad)
    offshore[good] = _r(rng.uniform(5e6, 15e6, len(good)), 1e4)
    return {"is_headquarters": np.full(len(k), Y), "offshore_usd": offshore}


def _spinoff(rng, k, bad) -> Cols:
    spinoff, mofcom = np.full(len(k), Y), np.full(len(k), Y)
    spinoff[k == 1] = N  # a private firm's branch: clause 八 is for the large state-owned ones
    fail = np.flatnonzero(bad)
    u = rng.random(len(fail))
    mofcom[fail[u < 0.5]] = N
    spinoff[fail[u >= 0.5]] = N
    cols = {"state_owned_spinoff": spinoff, "independent_entity": np.full(len(k), Y)}
    return cols | {"in_mofcom_system": mofcom, "offshore_usd": _logu(rng, 2e5, 3e6, 100, len(k))}


def _cert(rng, k, bad) -> Cols:
    cost = _logu(rng, 50_000, 500_000, 100, len(k))
    other = cost.copy()  # a bad row: the state and province paid it all
    good = np.flatnonzero(~bad)
    other[good] = 0.0
    some = good[rng.random(len(good)) < 0.4]
    other[some] = _r(cost[some] * rng.uniform(0.2, 0.6, len(some)), 100)
    return {"cert_cost": cost, "other_support": other, "fully_supported": np.where(bad, Y, N)}


def _platform(rng, k, bad) -> Cols:
    investment = _logu(rng, 3e5, 6e6, 1000, len(k))  # above 4,000,000 the sub-platform's 200万 binds
    name = np.array(PLATFORMS, dtype=object)[_PLATFORM_CDF.searchsorted(rng.random(len(k)), side="right")]
    return {"certified": _flag(bad), "platform_name": name, "platform_investment": investment}


def _headcount(key: str, lo: float, hi: float) -> Callable:
    """Clause 十三: an 经认定 firm (or training institution) and its hires; a bad row has none that
    count, or is not 经认定."""

    def fill(rng, k, bad) -> Cols:
        count = _logu(rng, lo, hi, 1, len(k))
        certified = np.full(len(k), Y)
        fail = np.flatnonzero(bad)
        u = rng.random(len(fail))
        count[fail[u < 0.5]] = 0.0
        certified[fail[u >= 0.5]] = N
        return {"certified": certified, key: count}

    return fill


def _certified(rng, k, bad) -> Cols:
    return {"certified": _flag(bad)}


def _nothing(rng, k, bad) -> Cols:
    return {}


def _one(key: str, lo: float, hi: float, step: float, bad_value: float | None = None) -> Callable:
    def fill(rng, k, bad) -> Cols:
        value = _logu(rng, lo, hi, step, len(k))
        if bad_value is not None:
            value[bad] = bad_value
        return {key: value}

    return fill


# item id -> (relative number of applications, applicant category, filler, share of rows made to fail)
PROFILES: dict[str, tuple[float, str, Callable, float]] = {
    "c03-park": (0.05, "park", _park, 0.0),
    "c04-buy": (1.0, "enterprise", _buy, 0.15),
    "c04-rent": (7.0, "enterprise", _rent, 0.15),
    "c05-line": (5.0, "enterprise", _one("line_fee", 20_000, 300_000, 100, 0.0), 0.08),
    "c06-platform": (0.8, "enterprise", _platform, 0.15),
    "c07-global": (0.2, "global", _global, 0.2),
    "c07-domestic": (0.5, "domestic", _domestic, 0.2),
    "c07-other": (1.0, "enterprise", _other, 0.12),
    "c07-hq": (0.3, "hq", _hq, 0.2),
    "c08-spinoff": (1.2, "enterprise", _spinoff, 0.2),
    "c09-offshore": (6.0, "enterprise", _one("offshore_increment_usd", 1e5, 1.5e6, 100, 0.0), 0.12),
    "c10-expo": (4.0, "enterprise", _one("expo_fee", 20_000, 250_000, 100), 0.0),
    "c11-institution": (0.6, "institution", _certified, 0.15),
    "c12-talent-base": (0.3, "base", _nothing, 0.0),
    "c13-hire": (9.0, "enterprise", _headcount("eligible_hires", 5, 120), 0.1),
    "c13-train": (4.0, "institution", _headcount("trained_hired", 20, 300), 0.08),
    "c14-talent": (3.0, "enterprise", _one("talents", 1, 8, 1, 0.0), 0.1),
    "c15-innovation": (2.0, "enterprise", _one("project_investment", 2e5, 1.6e6, 1000, 0.0), 0.12),
    "c15-tech": (2.0, "enterprise", _one("purchase_amount", 1e5, 1.2e6, 1000, 0.0), 0.1),
    "c16-cert": (4.0, "enterprise", _cert, 0.2),
    "c17-alliance": (0.3, "alliance", _nothing, 0.0),
    "c18-services": (0.6, "services", _nothing, 0.0),
}  # fmt: skip
# Items a company also applies for besides others (row-level figures only: a shared company stays consistent).
_SHAREABLE = frozenset(
    "c04-rent c05-line c09-offshore c10-expo c13-hire c14-talent c15-tech c16-cert".split()
)


# Items one firm may file more than once a year (two premises rented, two sub-platforms; an item the
# pack makes once-only, ``once_per`` such as clause 四's purchase, never is, whatever this table says):
# the share of an item's applications, from its fourth on, that are an earlier applicant's second
# filing, of a firm whose first filing was the item's third or later (the first two are its edge cases).
REFILE = {"c04-buy": 0.12, "c04-rent": 0.04, "c06-platform": 0.2}
SAME_PLATFORM = 0.25  # of a firm's further sub-platform filings, the same sub-platform again
# What a firm is, not what one application asks for: a further filing repeats its first filing's.
FIRM_KEYS = (
    "registered_capital", "employees", "independent_entity", "is_headquarters", "global_top100",
    "domestic_top100", "newly_settled", "state_owned_spinoff",
)  # fmt: skip
# Clause 七: a firm on both lists (a Chinese firm among the global top 100) files both entries. Of the
# c07-global applications from the third on that are not made to fail, the third and about one in
# twenty are such a firm's, where a c07-domestic applicant meets the global figures (the pack's
# [[alternatives]] then keeps one of its two entries).
CROSS_ITEMS = ("c07-global", "c07-domestic")
CROSS_SHARE = 0.05
CROSS_KEYS = ("independent_entity", "registered_capital", "employees", "offshore_usd")
# Used fields an office's form often leaves blank (the pack reads a blank 百强 as 否).
MAY_BE_BLANK = {"c07-other": frozenset({"global_top100", "domestic_top100"})}


def demo_fields(item: Item) -> frozenset[str]:
    """The fields a sample application of ``item`` fills: those intake reads for it (its conditions,
    amount and cap scope, :func:`allocator.intake.read.item_fields`)."""
    return item_fields(item)


def refile(rng: np.random.Generator, values: Cols, first: Cols) -> Cols:
    """Further filings of firms for an item they have filed already: ``values`` drawn for them,
    ``first`` the firms' first filings (row for row). What the firm is comes from its first filing;
    a sub-platform is another one (:data:`PLATFORMS`) but for one filing in four, which is the same."""
    out = dict(values)
    for key in FIRM_KEYS:
        if key in first:
            out[key] = np.array(first[key], dtype=float)
    if "platform_name" in first:
        before = np.asarray(first["platform_name"], dtype=object)
        at = np.array([PLATFORMS.index(p) if p in PLATFORMS else -1 for p in before.tolist()], dtype=np.int64)
        other = rng.integers(len(PLATFORMS) - 1, size=len(before))
        other += (other >= at) & (at >= 0)
        same = rng.random(len(before)) < SAME_PLATFORM
        out["platform_name"] = np.where(same, before, np.array(PLATFORMS, dtype=object)[other])
    return out


def cross_filers(
    rng: np.random.Generator, k: np.ndarray, bad: np.ndarray, domestic: Cols, domestic_bad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Clause 七's firms on both lists: positions among the c07-global applications (``k``, ``bad``:
    theirs, in row order) and, pair for pair, among the c07-domestic ones (``domestic``: their
    figures) whose firm files both. The global application then takes the firm and its figures
    (:data:`CROSS_KEYS`); its requested amount is the item's cap whatever the figures."""
    u = rng.random(len(k))
    chosen = np.flatnonzero((k >= 2) & ~bad & ((k == 2) | (u < CROSS_SHARE)))
    blank = np.full(len(domestic_bad), math.nan)
    with np.errstate(invalid="ignore"):
        fits = ~domestic_bad & (domestic.get("domestic_top100", blank) != N)
        fits &= domestic.get("independent_entity", blank) != N
        fits &= domestic.get("registered_capital", blank) >= 20e6
        fits &= (domestic.get("employees", blank) >= 100) & (domestic.get("offshore_usd", blank) >= 5e6)
    candidates = np.flatnonzero(fits)
    candidates = candidates[rng.permutation(len(candidates))]
    m = min(len(chosen), len(candidates))
    return chosen[:m], candidates[:m]


def shareable(item_id: str, category: str) -> bool:
    """Whether an applicant for this item may be one that has applied for another item."""
    return item_id in _SHAREABLE or item_id not in PROFILES or category == "institution"


class Geography:
    """Where sample applicants are: the pack's regions (the Changchun table if it lists none), their
    weights (Changchun's own; else falling with the listed order), credit-code divisions (the Changchun
    district codes there, else the pack's ``division_code``) and the city and province of their names."""

    def __init__(self, policy: Policy) -> None:
        self.regions = list(policy.sample_regions or policy.regions or DISTRICTS)
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


def item_counts(
    n: int, policy: Policy, rng: np.random.Generator, mix: Mapping[str, float] | None = None
) -> dict[str, int]:
    """Applications per item: three of each, the rest drawn by the items' relative numbers (their
    profiles', or ``mix``'s where it names the item)."""
    items = policy.items
    base = min(3, n // len(items)) if n >= len(items) else 0
    own = mix or {}
    weights = np.array([own.get(it.id, PROFILES.get(it.id, (1.0,))[0]) for it in items], dtype=float)
    extra = rng.multinomial(n - base * len(items), weights / weights.sum()) if n >= len(items) else None
    if extra is None:  # fewer rows than items: the first n items, one each
        return {it.id: int(i < n) for i, it in enumerate(items)}
    return {it.id: base + int(e) for it, e in zip(items, extra, strict=True)}


def profile(item: Item, policy: Policy) -> tuple[float, str, Callable, float]:
    """The item's hand-written profile (:data:`PROFILES`) or the generic one (:func:`_generic`)."""
    return PROFILES.get(item.id) or _generic(item, policy)


def _generic(item: Item, policy: Policy) -> tuple[float, str, Callable, float]:
    """The profile of an item without a hand-written one: plausible values of each field's kind (the
    field's own range where known); a bad row (one in ten) fails one condition: a yes/no answered 否,
    or, with no yes/no condition, a figure of 0. Training subsidies go to training institutions."""
    used = item_fields(item)
    fields = [f for f in policy.fields if f.key in used]  # data-dictionary order: same seed, same data
    in_conditions = {k for c in item.conditions for k in c.expr.names}
    failing = [f.key for f in fields if f.key in in_conditions and f.kind == "bool"]
    failing = failing or [f.key for f in fields if f.key in in_conditions]

    def fill(rng, k, bad) -> Cols:
        cols: Cols = {}
        for f in fields:
            if f.kind == "bool":
                cols[f.key] = np.full(len(k), Y)
            elif f.kind == "months":
                cols[f.key] = np.full(len(k), 12.0)
            elif f.kind == "score":
                cols[f.key] = round1(rng.uniform(55, 98, len(k)))
            else:
                low, high, step = FIELD_RANGES.get(f.key, KIND_RANGES.get(f.kind, (1, 100, 1)))
                cols[f.key] = _logu(rng, low, high, step, len(k))
        fail = np.flatnonzero(bad) if failing else np.empty(0, dtype=np.int64)
        pick = rng.integers(len(failing) or 1, size=len(fail))
        for j, key in enumerate(failing):
            cols[key][fail[pick == j]] = N
        return cols

    category = "institution" if "trained_hired" in used else "enterprise"
    return 1.0, category, fill, 0.1


def requested(item: Item, cols: Cols, rng: np.random.Generator, nth: np.ndarray) -> np.ndarray:
    """Requested amounts near the policy amount (sometimes above or below), or NaN (not given).

    For an item with a floor (不低于…) most ask at least the floor, some exactly it, and a few (the
    item's first application and about one in eight) less, so the floor has something to refuse."""
    m = len(nth)
    env: dict[str, object] = {k: cols.get(k, np.full(m, math.nan)) for k in item_fields(item)}
    env |= {p: DEMO_PARAMS.get(p, 100_000) for p in item.params}
    estimate = (
        np.broadcast_to(item.amount.evaluate(env), (m,)).astype(float)
        if item.amount is not None
        else np.full(m, math.inf)
    )
    estimate = np.minimum(estimate, item.cap if item.cap is not None else math.inf)
    u = rng.random(m)
    with np.errstate(invalid="ignore"):
        live = np.isfinite(estimate) & (estimate > 0) & ((u >= 0.15) | item.discretionary)
    factor = np.ones(m)
    some = np.flatnonzero(live & (u >= 0.55) & (u < 0.75))
    factor[some] = rng.uniform(0.7, 1.0, len(some))
    more = np.flatnonzero(live & (u >= 0.75))
    factor[more] = rng.uniform(1.0, 1.4, len(more))
    if item.discretionary:
        factor[live] = rng.uniform(0.6, 1.5, int(live.sum()))
    if item.floor:
        estimate = np.maximum(estimate, item.floor)
        low = live & ((nth == 0) | (u < 0.12))
        factor[low] = rng.uniform(0.5, 0.95, int(low.sum()))
        factor[live & ~low] = np.maximum(factor[live & ~low], 1.0)
    out = np.full(m, math.nan)
    out[live] = np.maximum(1000.0, np.floor(estimate[live] * factor[live] / 1000) * 1000)
    return out
