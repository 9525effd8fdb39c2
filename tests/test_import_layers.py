"""Nothing below a layer imports from above it. The analysis cache (cache.py) stores and seals what it is handed:
the rule catalogue depends on it (it keeps its compiled form in the cache directory and hands the cache its
digest), never the reverse. The history scan (facts/history.py) is handed its suffixes and thresholds by
RepoFacts and never imports facts/repo.py or the configuration.

Imports are read from the source with ``ast``: every ``import`` and ``from ... import`` anywhere in a module
(inside functions, ``if TYPE_CHECKING:`` blocks, ``try:``), relative ones resolved, and calls of
``importlib.import_module`` / ``__import__`` with a literal name. Importing ``a.b.c`` counts ``a`` and ``a.b``
too (their ``__init__`` runs)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "checker" / "mlops_audit"
ROOT = "mlops_audit"

# module -> modules it must not reach, directly or through what it imports
BELOW: dict[str, frozenset[str]] = {
    "mlops_audit.cache": frozenset({
        "mlops_audit.catalogue", "mlops_audit.engine", "mlops_audit.checks", "mlops_audit.predicates",
        "mlops_audit.facts.repo", "mlops_audit.config", "mlops_audit.cli",
    }),
    "mlops_audit.facts.history": frozenset({"mlops_audit.facts.repo", "mlops_audit.config"}),
}


def module_file(name: str) -> Path | None:
    """The source file of an in-package module or package, or None (not ours, or not a module: an attribute)."""
    parts = name.split(".")
    if parts[0] != ROOT:
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _resolve(module: str | None, level: int, importer: str, is_package: bool) -> str:
    if not level:
        return module or ""
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[:len(parts) - (level - 1)]
    return ".".join([*parts, *([module] if module else [])])


def _literal_import(node: ast.Call) -> tuple[str, str | None] | None:
    """(name, package) of ``importlib.import_module("x", "pkg")`` or ``__import__("x")`` with literal names."""
    func = node.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    package = node.args[1] if called == "import_module" and len(node.args) > 1 else None
    for keyword in node.keywords:
        if keyword.arg == "package":
            package = keyword.value
    pkg = package.value if isinstance(package, ast.Constant) and isinstance(package.value, str) else None
    return first.value, pkg


def imported_names(source: str, importer: str, *, is_package: bool = False) -> set[str]:
    """Every module name ``source`` (the module ``importer``) imports, wherever the import is, resolved."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, importer, is_package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        elif isinstance(node, ast.Call):
            found = _literal_import(node)
            if found is not None:
                name, package = found
                if name.startswith(".") and package is not None:
                    dots = len(name) - len(name.lstrip("."))
                    name = _resolve(name.lstrip(".") or None, dots, package, True)
                names.add(name)
    return names


@cache
def imports_of(module: str) -> frozenset[str]:
    """The in-package modules ``module`` imports (and the packages that hold them)."""
    path = module_file(module)
    assert path is not None, module
    found: set[str] = set()
    for name in imported_names(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"):
        parts = name.split(".")
        found.update(m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if module_file(m))
    found.discard(module)
    return frozenset(found)


def reachable(module: str) -> dict[str, str]:
    """Every in-package module ``module`` imports, directly or not -> the module that imports it (the path)."""
    via: dict[str, str] = {}
    todo = [module]
    while todo:
        current = todo.pop()
        for name in sorted(imports_of(current)):
            if name not in via and name != module:
                via[name] = current
                todo.append(name)
    return via


def chain(module: str, target: str, via: dict[str, str]) -> str:
    steps = [target]
    while steps[-1] != module:
        steps.append(via[steps[-1]])
    return " -> ".join(reversed(steps))


def test_cache_does_not_import_the_catalogue() -> None:
    assert "mlops_audit.catalogue" not in imports_of("mlops_audit.cache")


@pytest.mark.parametrize("module", sorted(BELOW))
def test_nothing_a_lower_module_imports_reaches_above_it(module: str) -> None:
    via = reachable(module)
    above = sorted(BELOW[module] & via.keys())
    assert not above, [chain(module, target, via) for target in above]


@pytest.mark.parametrize("module", sorted(BELOW))
def test_a_lower_module_is_in_no_import_cycle(module: str) -> None:
    via = reachable(module)
    back = sorted(m for m in via if module in imports_of(m))
    assert not back, [chain(module, m, via) + f" -> {module}" for m in back]


def test_the_catalogue_is_the_one_that_depends_on_the_cache() -> None:
    assert "mlops_audit.cache" in reachable("mlops_audit.catalogue")


# ------------------------------------------------------------------------------------------ the scanner itself
SNEAKY = '''
from __future__ import annotations
import importlib
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from mlops_audit.engine import Report
def later():
    from mlops_audit.catalogue import catalogue_digest
    return catalogue_digest()
class Lazy:
    def method(self):
        try:
            from . import predicates
        except ImportError:
            import mlops_audit.checks as checks
        return importlib.import_module("mlops_audit.cli"), __import__("mlops_audit.config")
def relative():
    from .facts import repo
    return importlib.import_module(".globs", package="mlops_audit")
'''


def test_the_scanner_sees_imports_in_functions_relative_and_by_name() -> None:
    names = imported_names(SNEAKY, "mlops_audit.cache")
    assert {"mlops_audit.engine", "mlops_audit.catalogue", "mlops_audit.predicates", "mlops_audit.checks",
            "mlops_audit.cli", "mlops_audit.config", "mlops_audit.facts.repo", "mlops_audit.globs"} <= names


def test_relative_imports_resolve_from_a_package_and_from_a_module() -> None:
    assert "mlops_audit.facts.code" in imported_names("from .code import x", "mlops_audit.facts.history")
    assert "mlops_audit.facts.code" in imported_names("from .code import x", "mlops_audit.facts", is_package=True)
    assert "mlops_audit.cache" in imported_names("from ..cache import x", "mlops_audit.facts.repo")


def test_every_module_named_in_the_table_exists() -> None:
    for module, above in BELOW.items():
        assert module_file(module) is not None, module
        assert all(module_file(m) is not None for m in above), above
