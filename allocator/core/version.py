"""The one place allocator's version is written."""

__version__ = "0.1.0"
