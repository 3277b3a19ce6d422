"""Errors carry a stable code beside their words (issue 18, point 5), so that a page, an API or a database
can key on them; ``as_dict`` gives everything as plain data."""

from __future__ import annotations

import errno
import importlib
import json
import pkgutil
from pathlib import Path

import pytest

import allocator
from allocator.core.errors import AllocatorError, InputError
from allocator.core.oserrors import os_error
from allocator.outputs.publish import target_folder

#: The class codes are a contract: never renamed (a new kind of error gets a new code).
CLASS_CODES = {
    "AllocatorError": "error",
    "InputError": "input",
    "PolicyError": "policy",
    "ScenarioError": "scenario",
    "InfeasibleError": "infeasible",
    "SolverError": "solver",
    "VerificationError": "verification",
    "OutputError": "output",
    "ComparisonError": "compare",
    "ResultFolderError": "result_folder",
}


def _every_error_class() -> dict[str, type]:
    for mod in pkgutil.walk_packages(allocator.__path__, "allocator."):
        if not mod.name.endswith("__main__"):  # that one runs the command
            importlib.import_module(mod.name)
    seen, todo = {}, [AllocatorError]
    while todo:
        cls = todo.pop()
        seen[cls.__name__] = cls
        todo += cls.__subclasses__()
    return seen


def test_every_error_class_has_its_own_stable_code():
    classes = _every_error_class()
    assert {name: cls.code for name, cls in classes.items()} == CLASS_CODES


def test_an_input_error_is_plain_data_down_to_each_problem(tmp_path):
    from allocator.intake.read import read_applications
    from allocator.policy.pack import load_policy

    (tmp_path / "empty.xlsx").write_bytes(b"")
    with pytest.raises(InputError) as caught:
        read_applications(tmp_path / "empty.xlsx", load_policy("changchun-2017"))
    data = json.loads(json.dumps(caught.value.as_dict(), ensure_ascii=False))
    assert data["code"] == "input" and data["zh"] and data["en"]
    assert [p["code"] for p in data["problems"]] == ["input.empty_excel"]
    assert data["problems"][0]["file"] == "empty.xlsx"


def test_finer_codes_where_they_are_raised(tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(AllocatorError) as caught:
        target_folder(tmp_path / "afile")
    assert caught.value.code == "output.not_a_folder"
    full = os_error(OSError(errno.ENOSPC, "No space left on device"), "写出结果", "writing the results", "x")
    assert full.code == "os.ENOSPC" and full.as_dict()["code"] == "os.ENOSPC"


def test_a_code_given_is_the_instances_own_not_the_classes():
    from allocator.core.errors import OutputError

    one = OutputError("甲", "a", code="output.busy")
    assert one.code == "output.busy" and OutputError("乙", "b").code == "output"


def test_a_pack_error_carries_its_problems_codes(tmp_path):
    from allocator.core.errors import PolicyError
    from allocator.policy.pack import load_policy

    pack = Path(allocator.__file__).parent / "policies" / "changchun-2017.toml"
    text = pack.read_text(encoding="utf-8").replace('id = "changchun-2017"', 'idd = "changchun-2017"', 1)
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "p.toml")
    codes = {caught.value.code, *(p.code for p in getattr(caught.value, "problems", ()))}
    assert any("unknown_key" in c for c in codes), codes
