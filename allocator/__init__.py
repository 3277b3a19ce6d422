"""allocator: special-fund budget allocation optimizer (policy as data, PuLP/HiGHS, Excel out).

The public API, as a notebook uses it::

    from allocator import load_scenario, load_policy, read_applications, allocate, write_outputs

    scenario = load_scenario("scenarios/changchun-2017.toml")
    policy = load_policy(scenario.policy)
    apps = read_applications(scenario.applications, policy)
    result = allocate(scenario, policy, apps.frame)
    write_outputs(result, "reports/my-run")
"""

from .config.scenario import load_scenario
from .core.errors import AllocatorError
from .core.version import __version__
from .policy.pack import load_policy


def __getattr__(name: str):  # heavier pieces load on first use
    if name == "allocate":
        from .allocation.allocate import allocate

        return allocate
    if name == "run":
        from .app.run import run

        return run
    if name == "read_applications":
        from .intake.read import read_applications

        return read_applications
    if name == "write_outputs":
        from .outputs import write_outputs

        return write_outputs
    raise AttributeError(name)


__all__ = [
    "__version__",
    "AllocatorError",
    "allocate",
    "load_policy",
    "load_scenario",
    "read_applications",
    "run",
    "write_outputs",
]
