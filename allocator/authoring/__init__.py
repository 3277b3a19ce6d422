"""What the office starts from: the empty template and seeded sample applications.

Modules: template (``allocator template``), demo / demo_columns / demo_profiles (the shipped samples and large
generated workloads).
"""

__all__ = ["demo", "demo_columns", "demo_profiles", "template"]
