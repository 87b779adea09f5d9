"""The ``equime`` source a piece of code runs: the modules it imports, transitively (read from
their syntax, so nothing is imported), and the package data files they name in ``PACKAGE_DATA``.
Both what a DVC stage depends on and what a per-item resume key fingerprints come from here, so
a change to any code an item's work runs re-makes the item and re-runs the stage."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "equime"
PACKAGE_DIR = Path(__file__).resolve().parent


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
        and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> set[str]:
    """Names imported anywhere in the module (functions included), minus typing-only imports."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_type_checking(node):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        stack.extend(ast.iter_child_nodes(node))
    return found


@functools.cache
def module_path(name: str) -> Path | None:
    """The source file of an ``equime`` module (a package's ``__init__.py``), None otherwise."""
    if name != PACKAGE and not name.startswith(f"{PACKAGE}."):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ModuleNotFoundError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin else None


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@functools.cache
def _module_imports(path: Path) -> frozenset[str]:
    return frozenset(_imports(ast.parse(path.read_text(encoding="utf-8"))))


def imported_modules(roots: Iterable[str | Path]) -> dict[str, Path]:
    """Every ``equime`` module the ``roots`` (module names, or a script's path) import,
    transitively, packages' ``__init__`` too; root modules included."""
    seen: dict[str, Path] = {}
    todo: list[str] = []
    for root in roots:
        todo.extend(_module_imports(root) if isinstance(root, Path) else [root])
    while todo:
        for name in _with_parents(todo.pop()):
            path = module_path(name)
            if path is None or name in seen:
                continue
            seen[name] = path
            todo.extend(_module_imports(path))
    return seen


def _constants(node: ast.expr) -> list[str]:
    """The string constants of a tuple literal."""
    return [e.value for e in node.elts if isinstance(e, ast.Constant)] if isinstance(
        node, ast.Tuple) else []


def package_data(path: Path) -> tuple[str, ...]:
    """A module's ``PACKAGE_DATA`` (paths under ``src/equime`` it reads at run time)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "PACKAGE_DATA" for t in node.targets):
            return tuple(_constants(node.value))
    return ()


def source_bytes(path: Path) -> bytes:
    """The bytes a fingerprint reads (one place, so a test can change what the code says)."""
    return path.read_bytes()


@functools.cache
def code_fingerprint(roots: tuple[str, ...]) -> str:
    """sha256 of every source file the ``roots`` run (:func:`imported_modules`) and of the
    package data they read: part of a per-item resume key, so a change to any code that shapes
    an item re-makes it instead of keeping a stale one."""
    h = hashlib.sha256()
    for name, path in sorted(imported_modules(roots).items()):
        h.update(name.encode() + b"\0" + source_bytes(path))
        for data in package_data(path):
            for file in sorted(p for p in (PACKAGE_DIR / data).rglob("*") if p.is_file()) \
                    if (PACKAGE_DIR / data).is_dir() else [PACKAGE_DIR / data]:
                h.update(data.encode() + b"\0" + source_bytes(file))
    return h.hexdigest()
