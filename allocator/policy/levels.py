"""The names of the cost-sharing levels (:func:`level_labels`) and the words built from them.

``city_cost`` and ``district_cost`` keep their machine names, but what a person reads says the policy's
levels (市级/区级 for changchun-2017, 省级/市级 for heilongjiang-2008).
"""

from __future__ import annotations

#: The names of the two cost levels when the policy names none: the fund's (``city_cost``) and the
#: co-funding level's (``district_cost``); changchun-2017's.
FUND_LEVEL, COFUND_LEVEL = "市级", "区级"
#: Names for level ids a policy lists without a ``level_names`` entry.
LEVEL_ZH = {"province": "省级", "city": "市级", "district": "区级", "county": "县级"}


def level_labels(source: object) -> tuple[str, str]:
    """``(fund, cofund)``: the Chinese names of the policy's first level (the fund being allocated, whose share
    is ``city_cost``) and of its second (the co-funding level, ``district_cost``) — 市级/区级 for
    changchun-2017, 省级/市级 for heilongjiang-2008. ``source`` is a result, a plan or a policy; a policy
    without levels (a hand-built result) reads 市级/区级."""
    policy = getattr(source, "policy", source)
    levels = tuple(getattr(policy, "levels", ()) or ())
    names = getattr(policy, "level_names", None) or {}

    def name(k: int, default: str) -> str:
        if k >= len(levels):
            return default
        level = str(levels[k])
        return str(names.get(level) or LEVEL_ZH.get(level) or level)

    return name(0, FUND_LEVEL), name(1, COFUND_LEVEL)


def level_short(name: str) -> str:
    """``市级`` → ``市`` (for 「市、区分担」, 「所在区」)."""
    return name[:-1] if len(name) > 1 and name.endswith("级") else name


def cofund_clause(source: object) -> str:
    """The clause that has the co-funding level pay its share (changchun-2017: ``二``): the first ``fund``
    clause whose title or note speaks of 配套; '' when the policy has none."""
    return str(getattr(getattr(source, "policy", source), "cofund_clause", "") or "")


def cofund_says(source: object, clause_style: str = "plain") -> str:
    """Who pays ``district_cost``: ``由所在区配套资金支付（条款二）`` (changchun-2017), ``由所在市配套资金支付``
    (heilongjiang-2008, no such clause). ``clause_style`` ``"brackets"`` cites ``条款（二）``."""
    _, cofund = level_labels(source)
    no = cofund_clause(source)
    cite = "" if not no else (f"（条款（{no}））" if clause_style == "brackets" else f"（条款{no}）")
    return f"由所在{level_short(cofund)}配套资金支付{cite}"


def sharing_zh(source: object) -> str:
    """``市、区分担`` / ``省、市分担``."""
    fund, cofund = level_labels(source)
    return f"{level_short(fund)}、{level_short(cofund)}分担"


def cost_headers(source: object) -> tuple[str, str]:
    """The two cost columns' headers: ``市级承担（元）``, ``区级承担（元）`` (Changchun)."""
    fund, cofund = level_labels(source)
    return f"{fund}承担（元）", f"{cofund}承担（元）"
