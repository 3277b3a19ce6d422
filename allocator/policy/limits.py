"""The bounds a policy pack's numbers must keep, each with the reason for its value.

Every pack goes through one check (:func:`allocator.policy.check.validate`), wherever it is loaded; these
are the numbers it compares against. A bound is a sanity ceiling, not policy: a pack that needs more is
almost certainly a typo (``cap = 1e308``, ``years = 100000``), and the money arithmetic downstream is
exact only inside them.
"""

from __future__ import annotations

#: Largest cap, floor, annual fund or parameter bound, in yuan: 10^12 (1万亿元). The largest city budgets
#: in China are below it in total (Shanghai's general budget is about 8×10^11 a year), so no single
#: item's cap can exceed it. With share denominators ≤ :data:`MAX_SHARE_DENOMINATOR` it keeps
#: ``award × share numerator`` (the exact city cost, :func:`allocator.allocation.rounding.city_cost`) below 10^18,
#: inside int64 (9.2×10^18), and every yuan amount exact in a float (2^53 ≈ 9×10^15).
MAX_YUAN = 10**12
#: A share is written as a decimal (``0.5``, ``0.3333``) and kept as the exact fraction of that decimal:
#: at most six decimal places (a denominator dividing 10^6), see :data:`MAX_YUAN`.
MAX_SHARE_DENOMINATOR = 10**6
#: ``years``: consecutive years an approval is paid for (clause 四 rent: 2). A special-fund policy runs
#: for a planning period (five years, 十四五); ten allows two such periods, more is a typo.
MAX_YEARS = 10
#: ``ledger_years``: years a supervision duty lasts (clause 四: 3 years). 30 is the longest fixed
#: retention period of 《会计档案管理办法》 (2015), the longest record duty an office keeps.
MAX_LEDGER_YEARS = 30
#: A pack file's size: the shipped packs are 16–27 KB; 1 MB is forty times that and still read and
#: checked in well under a second. A larger file is refused before it is parsed.
MAX_PACK_BYTES = 1_000_000
#: Levels of nested tables and arrays: a pack needs five (items → item → params → parameter → bound);
#: anything deeper is not a pack, and is refused before it is walked.
MAX_NESTING = 8
#: ``[policy] levels``: the fund that is allocated and the one level that co-pays (区级, 市级). Outputs,
#: the model and the ledgers know two levels; a third would be merged into the second without a word.
MAX_LEVELS = 2
#: Problems listed in one loader error (``allocator policy check`` lists all of them).
MAX_LISTED = 20
