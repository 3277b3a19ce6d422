"""A policy document as data: the pack, its expression language, its checks and the intake dictionary.

Modules: pack (load_policy: a pack's tables into its types), types (Policy, Item, Clause, Fund, Condition),
read (bytes → TOML), check / check_items / problems / messages / lines / limits / terms (every problem of a
pack, with its file and line), expr and expr_eval (conditions and formulas without eval: checked, then
evaluated on whole columns), fields (the intake data dictionary), levels (names of the cost-sharing levels),
coverage (``allocator policy coverage``). The packs themselves live in ``allocator/policies/``.
"""

__all__ = [
    "check",
    "check_items",
    "coverage",
    "expr",
    "expr_eval",
    "fields",
    "levels",
    "limits",
    "lines",
    "messages",
    "pack",
    "problems",
    "read",
    "terms",
    "types",
]
