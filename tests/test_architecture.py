"""The import graph of `ccreport/`: no import circle, and the renderers depend only downwards.

The graph is built with the standard library alone: every module is parsed with `ast`, and
every `import` / `from ... import` in it counts, at module level, inside functions (lazy
imports) and under `if TYPE_CHECKING:` alike, because each is a dependency a reader has to
follow. Relative imports are resolved against the importing module's package;
`from pkg import name` is an edge to `pkg.name` when that is a module, else to `pkg`. The
implicit import of a parent package's `__init__` is not an edge (Python runs it first, so it
cannot close a circle on its own).
"""

from __future__ import annotations

import ast
from pathlib import Path


PACKAGE = Path(__file__).resolve().parent.parent / "ccreport"

#: Circles that exist today outside the renderers and chart drawing, each as the sorted list
#: of its modules, with who removes it. Empty: none exists, keep it so.
KNOWN_CYCLES: list[list[str]] = []


def _module_name(package: Path, path: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: Path) -> dict[str, Path]:
    return {_module_name(package, p): p for p in sorted(package.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = importer if is_package else importer.rpartition(".")[0]
    base = package.split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports (anywhere in its code)."""
    root = package.name
    mods = modules(package)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, is_package, node)
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in mods else source for a in node.names]
            for target in targets:
                # `import ccreport.a.b` names the deepest module that exists.
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                # The top package's __init__ only hands names on; a module importing itself
                # (as a package __init__ can) is a circle too.
                if target and (target != root or target == name):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a self-import),
    Tarjan's algorithm; each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _path(graph: dict[str, set[str]], component: list[str]) -> str:
    """The shortest circle through the component's first module, written a -> b -> ... -> a."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    route = [v]
                    while route[-1] != start:
                        route.append(came_from[route[-1]])
                    return " -> ".join([*reversed(route), start])
                if w not in came_from:
                    came_from[w] = v
                    nxt.append(w)
        frontier = nxt
    return start  # not reached: every component of cycles() has a circle through each member


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    out: set[str] = set()
    todo = list(graph[start])
    while todo:
        m = todo.pop()
        if m not in out:
            out.add(m)
            todo.extend(graph[m])
    return out


GRAPH = import_graph()

#: The two modules that stand above the renderers: the list of formats and the writer that
#: loops over it. Every other module of ccreport/render/ is below the renderers or is one.
ABOVE_RENDERERS = ("ccreport.render.registry", "ccreport.render.output")


def renderer_modules() -> set[str]:
    from ccreport.render.registry import RENDERERS

    return set(RENDERERS.values())


def test_the_parser_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import X\n",
        "b.py": "def f():\n    from pkg.sub import c\n",
        "sub/__init__.py": "from . import d\nfrom .. import a\n",
        "sub/c.py": "import pkg.sub.d\nimport json\n",
        "sub/d.py": "from ..b import f\nfrom . import name_in_init\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    graph = import_graph(pkg)
    assert graph == {
        "pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"}, "pkg.sub": {"pkg.sub.d", "pkg.a"},
        "pkg.sub.c": {"pkg.sub.d"}, "pkg.sub.d": {"pkg.b", "pkg.sub"},
    }
    (circle,) = cycles(graph)
    assert circle == ["pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c", "pkg.sub.d"]
    assert _path(graph, circle) == "pkg.a -> pkg.b -> pkg.sub.c -> pkg.sub.d -> pkg.sub -> pkg.a"


def test_the_graph_sees_the_package():
    assert "ccreport.document" in GRAPH["ccreport.render.html"]
    assert "ccreport.document" in GRAPH["ccreport.render.blocks"]  # from .. import document
    assert renderer_modules() <= set(GRAPH)


def test_no_import_circle():
    found = [c for c in cycles(GRAPH) if c not in KNOWN_CYCLES]
    assert not found, "import circles:\n" + "\n".join(_path(GRAPH, c) for c in found)


def test_known_circles_still_exist():
    # When a known circle is removed, drop it from KNOWN_CYCLES so it cannot come back unseen.
    gone = [c for c in KNOWN_CYCLES if c not in cycles(GRAPH)]
    assert not gone, f"no longer circles, remove from KNOWN_CYCLES: {gone}"


def test_nothing_the_renderers_import_leads_back_to_a_renderer():
    renderers = renderer_modules()
    render_modules = {m for m in GRAPH if m.startswith("ccreport.render.") and m not in ABOVE_RENDERERS}
    imported = set().union(*(GRAPH[m] for m in render_modules))
    offenders = {m: sorted(reachable(GRAPH, m) & renderers) for m in sorted(imported)}
    offenders = {m: r for m, r in offenders.items() if r}
    assert not offenders, f"imported by a module of ccreport/render/, yet imports a renderer: {offenders}"


def test_only_the_registry_and_the_writer_name_every_format():
    # A new format is its module plus one registry line: no other module imports the renderers.
    renderers = renderer_modules()
    importers = {m for m in GRAPH if GRAPH[m] & renderers} - renderers
    assert importers <= set(ABOVE_RENDERERS), sorted(importers)
