"""allocator: special-fund budget allocation optimizer (policy as data, PuLP/HiGHS, Excel out)."""

__version__ = "0.1.0"
