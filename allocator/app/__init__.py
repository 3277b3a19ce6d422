"""The commands as functions: read, allocate and write, returning data the CLI (or a page) shows.

Modules: run (run() and result_for(): the scenario, its pack and the applications in, a written result folder
out), plan (run_plan(): a plan's years), release (release(): released money to the waitlist, a new dated folder),
compare (compare(): two result folders lined up, compare.xlsx and its charts).
"""

__all__ = ["compare", "plan", "release", "run"]
