"""allocator: special-fund budget allocation optimizer (policy as data, PuLP/HiGHS, Excel out).

The public API, as a notebook uses it::

    from allocator import load_scenario, load_policy, read_applications, allocate, write_outputs

    scenario = load_scenario("scenarios/changchun-2017.toml")
    policy = load_policy(scenario.policy)
    apps = read_applications(scenario.applications, policy)
    result = allocate(scenario, policy, apps.frame)
    write_outputs(result, "reports/my-run")

or a command at a time, as the CLI runs them: ``run`` (a scenario file to a written result folder),
``run_plan``, ``budget_frontier`` / ``weight_sweep`` / ``rule_comparison``, ``compare``, ``release`` and
``verify``. The result types (:class:`AllocationResult`, :class:`PlanResult`, :class:`Status`) and the one
error type (:class:`AllocatorError`, with its stable ``code``) come with them.
"""

from importlib import import_module

from .config.scenario import load_scenario
from .core.errors import AllocatorError
from .core.result import AllocationResult, PlanResult, Status
from .core.version import __version__
from .policy.pack import load_policy

#: The heavier pieces, imported on first use: name -> (module, attribute).
_LAZY = {
    "allocate": ("allocation.allocate", "allocate"),
    "budget_frontier": ("analysis.sweep", "budget_frontier"),
    "compare": ("app.compare", "compare"),
    "read_applications": ("intake.read", "read_applications"),
    "release": ("app.release", "release"),
    "rule_comparison": ("analysis.sweep", "rule_comparison"),
    "run": ("app.run", "run"),
    "run_plan": ("app.plan", "run_plan"),
    "verify": ("audit.verify", "audit"),
    "weight_sweep": ("analysis.sweep", "weight_sweep"),
    "write_outputs": ("outputs", "write_outputs"),
}


def __getattr__(name: str):
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(import_module(f".{module}", __name__), attribute)
    raise AttributeError(name)


__all__ = [
    "__version__",
    "AllocationResult",
    "AllocatorError",
    "PlanResult",
    "Status",
    *sorted(_LAZY),
    "load_policy",
    "load_scenario",
]
