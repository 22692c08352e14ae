"""The layers docs/architecture.md draws, checked on the source: no import circles, and core/
imports nothing of casedesk outside core/.

The graph is read statically with `ast`, so an import inside a function counts as much as one
at the top of a module: a lazy import hides a circle from Python, not from this test. Imports
under `if TYPE_CHECKING:` never run; they may name a type from a layer above (a screen names the
app it runs in) but not below the surfaces, where the layer rule counts them too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import casedesk

ROOT = Path(casedesk.__file__).parent


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = ["casedesk", *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, typing: bool) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        if _is_type_checking(node) and not typing:
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def import_graph(root: Path = ROOT, typing: bool = False) -> dict[str, set[str]]:
    """Module → the casedesk modules it imports anywhere in its body (with `typing`, also
    those imported only for type checking)."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), typing):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` mod.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]  # `import a.b.c` of a name in a.b
                if target.startswith("casedesk") and target != name and target != "casedesk":
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
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
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_casedesk_imports_itself_round_a_circle():
    assert cycles(import_graph()) == []


# Imports run downward only. paths.py, config.py and safe_files.py sit beside the surfaces and
# are read by all but core/; anything not named here is a surface (cli/, screens/, app, nag...).
_RANK = {"core": 0, "paths": 1, "config": 1, "safe_files": 1, "store": 2, "desk": 3, "mail": 4}
_SURFACE = 5


def _rank(module: str) -> int:
    name = [*module.split("."), ""][1]  # "" for the package itself
    return _RANK.get(name, _SURFACE)


def test_core_imports_nothing_of_casedesk_outside_core():
    outside = {
        (name, target)
        for name, targets in import_graph(typing=True).items()
        if name.startswith("casedesk.core.")
        for target in targets
        if not target.startswith("casedesk.core.")
    }
    assert outside == set()


def test_below_the_surfaces_imports_only_run_downward():
    upward = set()
    for name, targets in import_graph(typing=True).items():
        rank = _rank(name)
        if rank == _SURFACE:
            continue
        upward |= {(name, target) for target in targets if _rank(target) > rank}
    assert upward == set()


def test_below_the_surfaces_no_circle_even_through_type_checking_imports():
    graph = import_graph(typing=True)
    below = {name for name in graph if _rank(name) < _SURFACE}
    assert cycles({name: graph[name] & below for name in below}) == []


def test_the_check_sees_a_circle_hidden_in_a_function(tmp_path):
    package = tmp_path / "casedesk"
    (package / "desk").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "desk" / "__init__.py").write_text("")
    (package / "desk" / "desk.py").write_text("from casedesk.desk import templates\n")
    (package / "desk" / "templates.py").write_text("def f():\n    from .desk import Desk\n")
    graph = import_graph(package)
    assert graph["casedesk.desk.templates"] == {"casedesk.desk.desk"}
    assert cycles(graph) == [["casedesk.desk.desk", "casedesk.desk.templates"]]


def test_the_check_sees_an_import_made_only_for_type_checking(tmp_path):
    package = tmp_path / "casedesk"
    (package / "store").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "store" / "__init__.py").write_text("")
    (package / "app.py").write_text("import casedesk.store.views\n")
    (package / "store" / "views.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from casedesk.app import App\n"
    )
    assert cycles(import_graph(package)) == []
    assert cycles(import_graph(package, typing=True)) == [["casedesk.app", "casedesk.store.views"]]
