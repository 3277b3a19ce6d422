"""The ground floor: what every layer may use and that uses nothing of allocator.

Modules: errors (the error types, each with a code and a message in Chinese and English), oserrors (what the
operating system said, in words a fund manager can act on), timing (stage timings), interrupt (a stop asked for by a signal, until the run publishes), version, provenance (the
manifest of what produced a result), result (what an allocation hands to the writers), texttable (terminal
tables that line up Chinese).
"""

__all__ = ["errors", "interrupt", "oserrors", "provenance", "result", "texttable", "timing", "version"]
