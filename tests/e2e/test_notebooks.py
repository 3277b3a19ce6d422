"""Every notebook's code cells run, in order, against the installed package (so they cannot rot)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)  # noqa: S102
    ran = namespace.get("result") or namespace.get("frontier")
    assert ran is not None  # each notebook ends with an allocation or a frontier
    if "frontier" in namespace:
        assert (namespace["frontier"].points["value"].diff().dropna() >= -1e-6).all()
    else:
        assert namespace["result"].summary.status == "optimal"
