"""The ``allocator`` command: arguments in, words on the console out, nothing else.

Modules: main (the argument parser and one handler per command).
"""

__all__ = ["main"]
