"""No import cycle inside ``simulator/``, counting every import the code can make.

The graph is read from the source with :mod:`ast`, not by importing: an import inside a
function, or under ``if TYPE_CHECKING:``, is an edge too (a cycle that only closes at run
time, or only for the type checker, is still a knot a reader has to untie). Relative imports
are resolved against the importing module's package, and ``from pkg import name`` is an
edge to the submodule ``pkg.name`` when there is one, else to ``pkg`` itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package in folder ``root``: dotted name -> file."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (relative levels resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports anywhere in its source."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}

    def internal(name: str) -> str | None:
        """``name`` or its longest prefix that is a module of the package."""
        parts = name.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in modules:
                return candidate
            parts.pop()
        return None

    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):  # every statement: function bodies, if-blocks, try
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve_from(module, is_package, node)
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    targets.append(sub if sub in modules else source)
            for target in targets:
                found = internal(target)
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (sorted), i.e. every set of
    modules that import each other round in a circle; [] when there is none."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative (no recursion limit)
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(groups)


def describe(graph: dict[str, set[str]], group: list[str]) -> str:
    """One circle through ``group`` as "a -> b -> a", for the failure message."""
    members = set(group)
    path = [group[0]]
    while True:
        nxt = sorted(t for t in graph[path[-1]] if t in members)
        step = next((t for t in nxt if t not in path), None)
        if step is None:
            back = next(t for t in nxt if t in path)
            return " -> ".join(path[path.index(back):] + [back])
        path.append(step)


# --- the real package ----------------------------------------------------------------------

def test_simulator_has_no_import_cycle():
    graph = import_graph(REPO / "simulator", "simulator")
    assert len(graph) > 50  # the walk found the package, not an empty folder
    assert "simulator.app.commands" in graph["simulator.app.model"]
    cycles = find_cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(describe(graph, g) for g in cycles)


# --- the cycle finder on a planted package -------------------------------------------------

def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_finder_sees_cycles_through_functions_type_checking_and_submodules(tmp_path):
    _write(tmp_path / "pkg", {
        "__init__.py": "",
        # a <-> b: a imports b inside a function, b imports a only for the type checker
        "a.py": "def f():\n    from . import b\n    return b\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n",
        # c -> sub.d -> c: an absolute dotted import, and a relative import two levels up
        "c.py": "import pkg.sub.d\n",
        "sub/__init__.py": "",
        "sub/d.py": "from .. import c\n",
        # e imports a, nothing imports e back: not a cycle
        "e.py": "from pkg.a import f\nimport os\n",
    })
    graph = import_graph(tmp_path / "pkg", "pkg")
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.c"] == {"pkg.sub.d"}
    assert graph["pkg.sub.d"] == {"pkg.c"}  # "from .. import c" is the submodule pkg.c
    assert graph["pkg.e"] == {"pkg.a"}  # os is not in the package
    assert find_cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]
    assert describe(graph, ["pkg.a", "pkg.b"]) == "pkg.a -> pkg.b -> pkg.a"


def test_finder_passes_a_package_without_cycles(tmp_path):
    _write(tmp_path / "pkg", {
        "__init__.py": "from .a import f\n",  # the package re-exports a: an edge, no circle
        "a.py": "from .util import g\n\ndef f():\n    return g()\n",
        "util.py": "def g():\n    return 1\n",
    })
    graph = import_graph(tmp_path / "pkg", "pkg")
    assert graph["pkg"] == {"pkg.a"} and graph["pkg.a"] == {"pkg.util"}
    assert find_cycles(graph) == []


def test_finder_finds_a_long_circle(tmp_path):
    files = {"__init__.py": ""}
    for i in range(5):
        files[f"m{i}.py"] = f"import os\nfrom .m{(i + 1) % 5} import x\nx = 1\n"
    _write(tmp_path / "pkg", files)
    graph = import_graph(tmp_path / "pkg", "pkg")
    assert find_cycles(graph) == [[f"pkg.m{i}" for i in range(5)]]
