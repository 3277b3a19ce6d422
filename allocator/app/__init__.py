"""The commands as functions: read, allocate and write, returning data the CLI (or a page) shows.

Modules: run (run() and result_for(): the scenario, its pack and the applications in, a written result folder out).
"""

__all__ = ["run"]
