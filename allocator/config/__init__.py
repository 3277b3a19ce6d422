"""Scenario files: which policy, which applications, how much money, what to value.

Modules: scenario (load_scenario and the Scenario type), keys (values read key by key), checks (names that must
exist in the pack), toml_text (where each key is, for messages), carryover (last year's carryover from its
result). Read after the pack: a scenario names the pack's items and districts.
"""

__all__ = ["carryover", "checks", "keys", "scenario", "toml_text"]
