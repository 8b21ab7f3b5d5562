"""The import rules of docs/ARCHITECTURE.md ("Layers"), checked from the source itself.

Every import statement counts, at the top of a module or inside a function, so that a
later change that breaks a rule fails here rather than in a reader's head.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("contracts", "edge", "origins", "scenarios", "reports", "locustfiles")

# Within a package, a module may import its own layer and the layers before it, never a later
# one. "" is the package's own top-level modules (commands and errors), placed where listed.
LAYERS = {
    "edge": ("errors", "config", "core", "compute", "security", "pop", "wire", ""),
    "scenarios": ("errors", "spec", "stack", "remote", "run", "batch", "ui", ""),
    "reports": ("errors", "values", "read", "metrics", "history", "render", ""),
}
# Which other packages each package may import (contracts: anyone; nothing else unless listed).
ALLOWED = {
    "contracts": set(),
    "edge": {"contracts"},
    "origins": {"contracts"},
    "locustfiles": {"contracts"},
    "reports": {"contracts"},
    "scenarios": {"contracts", "reports", "origins.client", "origins.errors", "origins.faults",
                  "edge.config", "edge.errors"},
}
NO_IO = {"edge.core": ("aiohttp", "asyncio"), "edge.config": ("aiohttp", "asyncio")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from pkg import module" imports pkg.module when that is a module of ours.
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append(candidate if _is_ours(candidate) else node.module)
    return found


def _is_ours(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
GRAPH = {name: sorted({i for i in _imports(path) if i.split(".")[0] in PACKAGES})
         for name, path in MODULES.items()}


def _layer(module: str) -> tuple[str, int] | None:
    package, _, rest = module.partition(".")
    if package not in LAYERS:
        return None
    order = LAYERS[package]
    first = rest.split(".")[0]
    name = first if first in order else ""
    return package, order.index(name)


def test_every_package_module_is_seen() -> None:
    assert len(MODULES) > 150 and "edge.core.ttl" in MODULES and "contracts.events" in MODULES


def test_contracts_import_only_the_standard_library() -> None:
    bad = [(m, i) for m, p in MODULES.items() if m.startswith("contracts")
           for i in _imports(p) if i.split(".")[0] not in sys.stdlib_module_names
           and not i.startswith("contracts") and i != "__future__"]
    assert bad == []


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_the_rules_allow(package: str) -> None:
    allowed = ALLOWED[package]
    bad = [(m, i) for m, imports in GRAPH.items() if m.split(".")[0] == package for i in imports
           if i.split(".")[0] != package and not any(i == a or i.startswith(a + ".") for a in allowed)]
    assert bad == []


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_layer_imports_a_later_layer(package: str) -> None:
    bad = []
    for module, imports in GRAPH.items():
        mine = _layer(module)
        if mine is None or mine[0] != package:
            continue
        for imported in imports:
            theirs = _layer(imported)
            if theirs is not None and theirs[0] == package and theirs[1] > mine[1]:
                bad.append(f"{module} -> {imported}")
    assert bad == []


@pytest.mark.parametrize("layer", sorted(NO_IO))
def test_sans_io_layers_import_no_io(layer: str) -> None:
    bad = [(m, i) for m, p in MODULES.items() if m == layer or m.startswith(layer + ".")
           for i in _imports(p) if i.split(".")[0] in NO_IO[layer]]
    assert bad == []


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components over every import between our modules.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    edges = defaultdict(list, {m: [i for i in imports if i in MODULES and i != m]
                               for m, imports in GRAPH.items()})

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    assert circles == []
