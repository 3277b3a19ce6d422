"""The manifest of a result: what produced it — each input file with its SHA-256 (scenario, applications,
policy pack, carryover), the package versions, the command and the time. summary.json, the 参数 sheet,
``allocator verify`` and a carryover file's check read it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from ..core.provenance import absolute, sha256_file, versions
from ..policy.pack import policy_sha256
from ..policy.types import Policy
from .scenario import Scenario


def manifest_for(scenario: Scenario, policy: Policy, applications_sha256: str) -> dict:
    """What produced a result, for summary.json and the 参数 sheet, and for ``allocator verify``: each input
    file as ``<input>_file`` (absolute) and ``<input>_sha256`` — scenario, applications (its 人员名单 sheet
    included), policy (a shipped pack: ``allocator/policies/<id>.toml``, hashed from the package) and, when
    ``carryover_in`` names last year's summary.json, carryover — then the package versions, the command
    and the time. :func:`run` adds the earlier batch's approved.xlsx (``approved_from``/``approved_sha256``);
    the solver that ran is added by the writers, from the result."""
    out = {
        "scenario_name": scenario.name,
        "scenario_file": absolute(scenario.path),
        "scenario_sha256": sha256_file(scenario.path) if Path(scenario.path).is_file() else "",
        "applications_file": absolute(scenario.applications),
        "applications_sha256": applications_sha256,
        "policy": policy.id,
        "policy_file": policy.path
        if policy.path.startswith("allocator/policies/")
        else absolute(policy.path),
        "policy_sha256": policy_sha256(policy.path, policy.id),
    }
    source = str(getattr(scenario, "carryover_source", "") or "")
    if source and not source.lstrip("-").isdigit() and Path(source).is_file():
        out["carryover_file"] = absolute(source)
        out["carryover_sha256"] = sha256_file(Path(source))
    out.update(
        versions=versions(),
        command=" ".join(sys.argv) if sys.argv else "",
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    return out


__all__ = ["manifest_for"]
