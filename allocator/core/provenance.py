"""What produced a result (the manifest): each input file with its SHA-256, the package versions, the
command and the time. summary.json, the 参数 sheet, ``allocator verify`` and a carryover file's check
read it; it needs nothing but the scenario and the policy it describes."""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .version import __version__

if TYPE_CHECKING:
    from ..config.scenario import Scenario
    from ..policy.pack import Policy


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The packages whose versions every manifest records (besides allocator and Python).
PACKAGES = (
    "pulp",
    "highspy",
    "pandas",
    "numpy",
    "openpyxl",
    "xlsxwriter",
    "matplotlib",
    "mplfonts",  # the charts' font: another one draws other bytes
    "python-calamine",
    "defusedxml",
)


def versions() -> dict[str, str]:
    """allocator's, Python's and each of :data:`PACKAGES`' version ('not installed' when missing)."""
    out = {"allocator": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def policy_sha256(policy_file: str, policy_id: str = "") -> str:
    """The SHA-256 of a policy pack: a shipped one (``allocator/policies/<id>.toml``) from the installed
    package, any other from its file; '' when neither can be read."""
    from importlib import resources

    from ..policy.pack import builtin_policies

    if (
        policy_id
        and policy_file == f"allocator/policies/{policy_id}.toml"
        and policy_id in builtin_policies()
    ):
        data = (resources.files("allocator") / "policies" / f"{policy_id}.toml").read_bytes()
        return hashlib.sha256(data).hexdigest()
    path = Path(policy_file)
    return sha256_file(path) if path.is_file() else ""


def absolute(path: str | Path) -> str:
    return str(Path(path).resolve())


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


__all__ = ["PACKAGES", "absolute", "manifest_for", "policy_sha256", "sha256_file", "versions"]
