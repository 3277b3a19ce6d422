"""Trade-offs for leadership: the scenario solved again and again, and two results compared.

Modules: sweep (budget frontier, weights, rules), compare (who gains and who loses between two result
folders), compare_columns (the comparison's columns and totals).
"""

__all__ = ["compare", "compare_columns", "sweep"]
