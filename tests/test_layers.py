"""The import graph (issue 18, point 2): every import follows the layer order (:data:`LAYERS`, the table of
the README's "How it works"), no import cycle, no import of a private name across modules. The known
exceptions are listed below (none today); one that is removed must be removed here too (the test fails on
a stale entry), so the lists only shrink.

Every import counts, at the top of a module or inside a function, except those under ``if TYPE_CHECKING``.
The package ``allocator`` itself (the curated API) may import anything; nothing may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "allocator"

#: Import cycles today (strongly connected groups of modules), each to be broken.
KNOWN_CYCLES: list[set[str]] = []

#: (importer, module) -> the private names it takes from it, each to be made public or moved.
KNOWN_PRIVATE: dict[tuple[str, str], set[str]] = {}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    modules = {_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    private: dict[tuple[str, str], set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("allocator")
            ):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = (
                    ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
                )
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    into = sub if sub in modules else target
                    if into in modules and into != name:
                        edges[name].add(into)
                    if alias.name.startswith("_") and not alias.name.startswith("__") and sub not in modules:
                        key = (name.removeprefix("allocator."), target.removeprefix("allocator."))
                        private.setdefault(key, set()).add(alias.name)
            elif isinstance(node, ast.Import):
                edges[name].update(a.name for a in node.names if a.name in modules and a.name != name)
    return edges, private


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                group = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    group.add(w)
                    if w == v:
                        break
                if len(group) > 1:
                    found.append({m.removeprefix("allocator.") for m in group})
    return found


def test_nothing_imports_the_package_itself():
    edges, _ = _graph()
    assert sorted(m for m, to in edges.items() if "allocator" in to) == []


def test_no_import_cycle_but_the_known_ones():
    edges, _ = _graph()
    edges = {m: to - {"allocator"} for m, to in edges.items() if m != "allocator"}
    cycles = _cycles(edges)
    assert [c for c in cycles if c not in KNOWN_CYCLES] == [], "a new import cycle"
    assert [c for c in KNOWN_CYCLES if c not in cycles] == [], (
        "a cycle that is gone: remove it from KNOWN_CYCLES"
    )


def test_no_private_name_across_modules_but_the_known_ones():
    _, private = _graph()
    new = {k: v - KNOWN_PRIVATE.get(k, set()) for k, v in private.items()}
    assert {k: v for k, v in new.items() if v} == {}, "a new import of a private name"
    gone = {k: v - private.get(k, set()) for k, v in KNOWN_PRIVATE.items()}
    assert {k: v for k, v in gone.items() if v} == {}, "made public or moved: remove it from KNOWN_PRIVATE"


#: The layers, first to last: a module may import only from its own layer and the layers before it.
#: ``policy`` comes before ``config`` because a scenario is checked against its pack; ``store`` (what earlier
#: runs kept) before ``allocation``, which fixes the earlier batches' awards it reads; ``audit`` after ``app``
#: because it re-runs a result folder's allocation to check it.
LAYERS = (
    "core policy intake config store model solve allocation years analysis outputs authoring app audit cli"
).split()


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_import_follows_the_layer_order():
    edges, _ = _graph()
    against = sorted(
        f"{m} -> {to}"
        for m, targets in edges.items()
        for to in targets
        if _layer(m) is not None and _layer(to) is not None and _layer(to) > _layer(m)
    )
    assert against == [], "an import against the layer order"


def test_every_subpackage_has_a_layer():
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"policies"}
    assert sorted(packages - set(LAYERS)) == []


def test_every_subpackage_names_its_api_and_its_modules():
    """Each subpackage's ``__all__`` names what it offers (its modules, or the functions of its API) and
    every name resolves; each public module is in ``__all__`` or its docstring says what it is for."""
    import importlib

    wrong = {}
    for package in LAYERS:
        mod = importlib.import_module(f"allocator.{package}")
        listed = getattr(mod, "__all__", [])
        modules = {p.stem for p in (ROOT / package).glob("*.py") if not p.stem.startswith("_")}
        unresolved = [n for n in listed if n not in modules and not hasattr(mod, n)]
        unnamed = [m for m in modules if m not in listed and m not in (mod.__doc__ or "")]
        if not listed or unresolved or unnamed:
            wrong[package] = {"unresolved": unresolved, "unnamed": sorted(unnamed)}
    assert wrong == {}


def test_the_curated_api_resolves():
    """``allocator``'s ``__all__`` (what a notebook imports): every name there, each a function or a type."""
    import allocator

    missing = [n for n in allocator.__all__ if not hasattr(allocator, n)]
    assert missing == []
    for name in ("allocate", "run", "run_plan", "budget_frontier", "compare", "release", "verify"):
        assert callable(getattr(allocator, name)), name
