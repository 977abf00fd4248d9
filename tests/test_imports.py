"""The import graph of ``src/rairlab``: no cycle, layers import downwards, imports at the top.

Every module is parsed (not imported), and each ``import`` of a rairlab module is
classed as top level, inside a function body (lazy) or under ``TYPE_CHECKING``.
Three rules follow ``docs/architecture.md`` ("Packages and layers"):

* no cycle between modules among the imports that run, lazy ones included, so that
  a function-body import never hides a cycle (``TYPE_CHECKING`` imports run only
  under mypy, which resolves cycles);
* a package imports only packages of lower layers (:data:`LAYERS`);
* a module imports rairlab modules at its top. The exceptions are listed in
  :data:`LAZY` with the reason for each; the list must stay exact (a stale entry
  fails as well).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import rairlab

SRC = Path(rairlab.__file__).parent

# Reasons a rairlab import may sit in a function body.
_CLI = (
    "CLI command module: it imports the package the command runs on when the command runs, "
    "so `rairlab --help` and the command's own --help stay fast"
)
_NUMBA = "loads the Numba kernels on first use (imports Numba when installed; optional speed-up)"
_NETWORK_KB = (
    "network needs the knowledge base only to resolve genotype and drug names; "
    "`import rairlab.network` stays free of pydantic and the record files"
)

#: The function-body imports allowed: importer -> (imported rairlab modules, reason).
LAZY: dict[str, tuple[frozenset[str], str]] = {
    "rairlab.biokinetics._iodide": (frozenset({"rairlab.biokinetics._kernels"}), _NUMBA),
    "rairlab.network.solvers._engine": (frozenset({"rairlab._numba"}), _NUMBA),
    "rairlab.network.solvers._steady": (
        frozenset({"rairlab.network.solvers._steady_compiled"}),
        _NUMBA,
    ),
    "rairlab.network.solvers._time_course": (
        frozenset({"rairlab.network.solvers._time_course_compiled"}),
        _NUMBA,
    ),
    "rairlab.network._lesion": (frozenset({"rairlab.knowledge"}), _NETWORK_KB),
    "rairlab.network._perturb": (frozenset({"rairlab.knowledge"}), _NETWORK_KB),
    "rairlab.cli._calibrate": (frozenset({"rairlab.calibration"}), _CLI),
    "rairlab.cli._case": (frozenset({"rairlab.cohort", "rairlab.cohort._case_report"}), _CLI),
    "rairlab.cli._demo": (frozenset({"rairlab.cli._trial"}), _CLI),
    "rairlab.cli._export": (frozenset({"rairlab.calibration"}), _CLI),
    "rairlab.cli._output": (frozenset({"rairlab.network"}), _CLI),
    "rairlab.cli._report": (
        frozenset({"rairlab._io", "rairlab.cohort._case_report", "rairlab.cohort._report"}),
        _CLI,
    ),
    "rairlab.cli._results": (frozenset({"rairlab.cohort"}), _CLI),
    "rairlab.cli._serve": (frozenset({"rairlab._io", "rairlab.web", "rairlab.web._app"}), _CLI),
    "rairlab.cli._trial": (frozenset({"rairlab.cohort", "rairlab.cohort._report"}), _CLI),
}

#: Layer of each package (or top-level module): an import goes to a strictly lower layer.
LAYERS: dict[str, int] = {
    "errors": 0, "_version": 0, "_numba": 0, "_distributions": 0,
    "rairlab": 1, "_cited": 1, "_io": 1,
    "_parameters": 2,  # reads fitted.yaml through _cited
    "knowledge": 2, "biokinetics": 2, "radiobiology": 2,
    "dosimetry": 3, "network": 3,
    "observation": 4, "network.export": 4,
    "cohort": 5,
    "calibration": 6,
    "web": 7,
    "cli": 8,
    "__main__": 9,
}  # fmt: skip


@dataclass(frozen=True)
class Import:
    """One rairlab module imported by another, and where the import statement sits."""

    importer: str
    target: str
    line: int
    lazy: bool  # inside a function body
    type_only: bool  # under ``if TYPE_CHECKING:``


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The rairlab modules a statement imports (``from pkg import submodule`` names it)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "rairlab"]
    if node.level or not node.module or node.module.split(".")[0] != "rairlab":
        return []
    return [
        f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
        for a in node.names
    ]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, tree: ast.AST) -> Iterator[Import]:
    def walk(node: ast.AST, lazy: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(child):
                    yield Import(module, target, child.lineno, lazy, type_only)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module([stmt], []), lazy, True)
                for stmt in child.orelse:
                    yield from walk(ast.Module([stmt], []), lazy, type_only)
            else:
                yield from walk(child, lazy, type_only)

    yield from walk(tree, False, False)


IMPORTS: list[Import] = [
    imp
    for name, path in MODULES.items()
    for imp in _imports(name, ast.parse(path.read_text(encoding="utf-8")))
    if imp.target != imp.importer
]


def _unit(module: str) -> str:
    """The layer unit of a module: its package below ``rairlab`` (``network.export`` apart)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "rairlab"
    if parts[1:3] == ["network", "export"]:
        return "network.export"
    return parts[1]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_parser_classes_lazy_and_type_only_imports() -> None:
    tree = ast.parse(
        "from rairlab.errors import DataFileError\n"
        "if TYPE_CHECKING:\n    from rairlab.knowledge import KnowledgeBase\n"
        "def f():\n    from rairlab.cohort import _pipeline as pl\n"
    )
    found = {(i.target, i.lazy, i.type_only) for i in _imports("rairlab.x", tree)}
    assert found == {
        ("rairlab.errors", False, False),
        ("rairlab.knowledge", False, True),
        ("rairlab.cohort._pipeline", True, False),
    }


def test_no_import_cycle_between_modules() -> None:
    """Counting lazy imports: a function-body import must not hide a cycle."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        if not imp.type_only:
            edges[imp.importer].add(imp.target)
    assert _cycles(edges) == []


def test_packages_import_only_lower_layers() -> None:
    units = {_unit(name) for name in MODULES}
    assert units == set(LAYERS), "a new package or top-level module needs a layer"
    upward = sorted(
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if _unit(imp.importer) != _unit(imp.target)
        and LAYERS[_unit(imp.target)] >= LAYERS[_unit(imp.importer)]
    )
    assert upward == []


@pytest.mark.parametrize("package", ["knowledge", "radiobiology"])
def test_knowledge_and_radiobiology_stand_on_the_foundation(package: str) -> None:
    """knowledge and radiobiology import only ``_cited`` (the one data reader) and ``errors``."""
    allowed = {"knowledge": {"_cited", "errors"}, "radiobiology": {"_cited", "errors"}}[package]
    outside = {
        _unit(imp.target)
        for imp in IMPORTS
        if _unit(imp.importer) == package and _unit(imp.target) != package
    }
    assert outside <= allowed


def test_function_body_imports_are_only_the_listed_ones() -> None:
    lazy: dict[str, set[str]] = {}
    for imp in IMPORTS:
        if imp.lazy:
            lazy.setdefault(imp.importer, set()).add(imp.target)
    unlisted = sorted(
        f"{importer} imports {target} in a function body"
        for importer, targets in lazy.items()
        for target in targets - LAZY.get(importer, (frozenset(), ""))[0]
    )
    assert unlisted == [], "move the import to the module's top, or list it in LAZY with a reason"
    stale = sorted(
        f"{importer}: {target}"
        for importer, (targets, _) in LAZY.items()
        for target in targets - lazy.get(importer, set())
    )
    assert stale == [], "LAZY lists imports that are no longer in a function body"
