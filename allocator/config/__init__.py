"""Scenario files: which policy, which applications, how much money, what to value.

Modules: scenario (load_scenario and the Scenario type), shape (the keys a scenario may have, an unknown one
named with the nearest), keys (values read key by key), checks (names that must exist in the pack), toml_text
(where each key is, for messages), carryover (last year's carryover from its result), manifest (what a result
records of its inputs: files, hashes, versions). Read after the pack: a scenario names the pack's items and
districts.
"""

__all__ = ["carryover", "checks", "keys", "manifest", "scenario", "shape", "toml_text"]
