"""Trade-offs for leadership: the scenario solved again and again, and two results compared.

Modules: sweep (budget frontier, weights, rules), compare (who gains and who loses between two result folders).
"""

__all__ = ["compare", "sweep"]
