"""No import circles among proxy/ and plugins/, and a plugin contract that sits at the bottom.

Every module is parsed with ast, so an import counts wherever it is written: at the top, inside a
function (a lazy import is a circle that waits for the wrong import order) or under TYPE_CHECKING (a
circle for the reader and for mypy). Importing ``a.b.c`` also runs ``a/__init__.py`` and
``a/b/__init__.py``, so those count too (except a module's own packages, which are already running).
"""
from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.support import REPO

ROOTS = ("proxy", "plugins")

# What hookspecs.py (the plugin contract) may import from genproxy: the request model, errors, media and
# the route and upstream types it names. Anything else is above it (the handlers reach it through
# hookspecs.PLUGIN_SERVICES). Growing this list is a decision about the architecture, not a fix for a test.
CONTRACT_IMPORTS = {
    "proxy.http.errors", "proxy.http.models", "proxy.media.datauri", "proxy.media.fetch", "proxy.media.store",
    "proxy.media.stream", "proxy.routing.routes", "proxy.upstreams.base",
}
# What the contract and errors.py must never reach, however indirectly: the layers that use them.
UPPER_LAYERS = ("proxy.app", "proxy.keys", "proxy.cli", "proxy.handlers", "proxy.native", "proxy.openrouter",
                "proxy.jobs", "proxy.money.ledger", "proxy.routing.pipeline", "proxy.routing.plugins",
                "proxy.discovery", "proxy.emulator", "plugins")


def module_files(repo: Path = REPO, roots: Iterable[str] = ROOTS) -> dict[str, tuple[Path, bool]]:
    """module name -> (file, is a package's __init__)."""
    found = {}
    for root in roots:
        for path in sorted((repo / root).rglob("*.py")):
            parts = list(path.relative_to(repo).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join(parts)] = (path, is_package)
    return found


def imported_names(source: str, module: str, is_package: bool) -> set[str]:
    """Every dotted name ``source`` imports, wherever the statement is (``from a import b`` gives a and a.b:
    b may be a module or a name in a)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def import_graph(files: dict[str, tuple[Path, bool]]) -> dict[str, set[str]]:
    """module -> the modules of ``files`` that importing it runs first."""
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in files.items():
        own_packages = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        edges = set()
        for name in imported_names(path.read_text(), module, is_package):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # a.b.c runs a, a.b and a.b.c
                prefix = ".".join(parts[:i])
                if prefix in files and prefix not in own_packages:
                    edges.add(prefix)
        edges.discard(module)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, ..., a], or None. Depth-first search with the path on a stack."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(sorted(graph.get(start, ())))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif following in on_path:
                return path[path.index(following):] + [following]
            elif following not in done:
                path.append(following)
                on_path.add(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for following in graph.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def in_layer(module: str, layers: Iterable[str]) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(module_files())


def test_no_module_of_proxy_or_plugins_is_in_an_import_circle(graph):
    assert len(graph) > 100, "the walk found too few modules: is REPO right?"
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_errors_import_nothing_of_genproxy(graph):
    assert graph["proxy.http.errors"] == set()


def test_the_plugin_contract_imports_only_the_lowest_modules(graph):
    packages = {m.rpartition(".")[0] for m in CONTRACT_IMPORTS}  # importing a module runs its package
    assert sorted(graph["proxy.hookspecs"] - CONTRACT_IMPORTS - packages) == []
    above = sorted(m for m in reachable(graph, "proxy.hookspecs") if in_layer(m, UPPER_LAYERS))
    assert above == [], f"hookspecs.py reaches {above}"


# -- the checks themselves can fail --
def test_a_circle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"b"}}) is None


def test_lazy_type_checking_and_package_imports_all_count(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("from pkg.sub.low import X\n")
    (tmp_path / "pkg" / "sub" / "low.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high import Y\nX = 1\n")
    (tmp_path / "pkg" / "high.py").write_text("def f():\n    from .sub import other\n")
    graph = import_graph(module_files(tmp_path, ["pkg"]))
    assert graph["pkg.sub.low"] == {"pkg.high"}  # under TYPE_CHECKING; its own packages are not edges
    assert graph["pkg.high"] == {"pkg.sub"}  # inside a function, relative, through the package
    assert find_cycle(graph) == ["pkg.high", "pkg.sub", "pkg.sub.low", "pkg.high"]
