"""The commands as functions: plain arguments (paths) in, data out — the result, the paths written and the
lines a summary shows — so that the CLI only parses and prints, and a page can call the same functions.

Modules: run (run() and result_for(): the scenario, its pack and the applications in, a written result folder
out), plan (run_plan(): a plan's years), sweep (sweep(): the trade-offs), release (release(): released money
to the waitlist, a new dated folder), compare (compare(): two result folders lined up, compare.xlsx and its
charts), validate (validate(): a workbook checked, nothing allocated), policy (a pack shown as a table,
checked), summaries (the lines each command says when it is done).
"""

__all__ = ["compare", "plan", "policy", "release", "run", "summaries", "sweep", "validate"]
