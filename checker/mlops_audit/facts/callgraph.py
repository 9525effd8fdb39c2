"""The repository's own call graph: which local function a call reaches, and the entry points.

A node is a function or method of one file (``("src/train.py", "Trainer.fit")``) or a file's module-level code
(``(path, "")``; a notebook is one module). A call reaches a local node when its name, with the file's imports
resolved (facts/code.py), names a module of the repository and a function in it (``utils.set_seeds``,
``.utils.set_seeds``, ``pkg.train.Trainer().fit``), or a function of the same file (``set_seeds``,
``self.helper``). Nothing is imported or run: names are matched, and a name that could be several modules reaches
all of them. Entry points are the nodes no local code calls: module-level code, and functions run from outside
(console scripts, CLI decorators, frameworks).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_audit.facts.repo import Unit

Node = tuple[str, str]  # (path, qualified function name, "" for module-level code)


def module_names(path: str) -> list[str]:
    """The dotted names a .py file can be imported by: ``src/pkg/utils.py`` -> utils, pkg.utils,
    src.pkg.utils (which folder is on the path is not known); a package's ``__init__.py`` is the package."""
    parts = path[:-3].split("/") if path.endswith(".py") else []
    if parts and parts[-1] == "__init__":
        parts.pop()
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:] and all(p.isidentifier() for p in parts[i:])]


class CallGraph:
    """Built lazily: the functions of every unit are read at once (what a name can reach), but a file's calls
    are decoded and resolved only when a question needs them: its own calls when the graph is walked from it
    (``reached``), and, when the graph is walked back to a function (``reaching``, ``is_entry``), the calls of the
    files that call something of that name. The answers are those of a graph built from every call."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.defs: dict[str, set[str]] = defaultdict(set)  # path -> qualified names of its functions
        self.modules: dict[str, list[str]] = defaultdict(list)  # dotted module name -> paths
        self._callees: dict[Node, set[Node]] = defaultdict(set)
        self._callers: dict[Node, set[Node]] = defaultdict(set)
        self._units: dict[str, list[Unit]] = defaultdict(list)
        units = list(units)
        for unit in units:
            self._units[unit.path].append(unit)
            for fn in unit.info.functions:
                self.defs[unit.path].add(fn.scope or fn.name)
        self.paths = set(self._units)
        self._heads = {path: {d.partition(".")[0] for d in defs} for path, defs in self.defs.items()}
        for path in self.paths:
            for name in module_names(path):
                self.modules[name].append(path)
        # a call can reach a local function only if its name ends with one (or with a local class): the others
        # (``pd.read_csv``, ``df.groupby``) are never resolved, nor are the calls of a file with none
        local = {d.rpartition(".")[2] for defs in self.defs.values() for d in defs}
        local |= {d.partition(".")[0] for defs in self.defs.values() for d in defs}
        self._wanted: dict[str, set[str]] = {}  # path -> its call names that may reach a local function
        self._by_last: dict[str, set[str]] = defaultdict(set)  # such a name's last segment -> the paths calling it
        for unit in units:
            for name in unit.info.call_names:
                last = name.rpartition(".")[2].removesuffix("()")
                if last in local:
                    self._wanted.setdefault(unit.path, set()).add(name)
                    self._by_last[last].add(unit.path)
        self._resolved: set[str] = set()  # paths whose calls are in the edges
        self._keys_done: set[str] = set()  # last segments whose calling paths are all resolved
        self._package_modules: defaultdict[str, list[str]] | None = None  # folder -> its modules (lazily)

    def _resolve_path(self, path: str) -> None:
        """Every edge from the calls of ``path`` (once)."""
        if path in self._resolved:
            return
        self._resolved.add(path)
        wanted = self._wanted.get(path)
        if not wanted:
            return
        for unit in self._units[path]:
            for call in unit.info.calls:
                if call.name not in wanted:
                    continue
                source = (path, call.scope)
                for target in self.resolve(path, call.scope, call.name):
                    if target != source:
                        self._callees[source].add(target)
                        self._callers[target].add(source)

    def callees_of(self, node: Node) -> set[Node]:
        """The local nodes ``node`` calls."""
        self._resolve_path(node[0])
        return self._callees.get(node, set())

    def callers_of(self, node: Node) -> set[Node]:
        """The local nodes calling ``node``: every file calling a name that ends as its function (or, for a
        constructor, its class) is resolved first."""
        qual = node[1]
        last = qual.rpartition(".")[2]
        keys = {last}
        if last == "__init__":
            keys.add(qual.rpartition(".")[0].rpartition(".")[2])
        for key in keys - self._keys_done:
            self._keys_done.add(key)
            for path in self._by_last.get(key, ()):
                self._resolve_path(path)
        return self._callers.get(node, set())

    def calling_nodes(self, path: str) -> list[Node]:
        """The nodes of ``path`` that call some local node."""
        self._resolve_path(path)
        return [n for n in self._callees if n[0] == path and self._callees[n]]

    def resolve(self, path: str, scope: str, name: str) -> list[Node]:
        """The local nodes a call named ``name``, made in ``scope`` of ``path``, can reach."""
        if name.startswith("."):
            return self._relative(path, name)
        parts = name.replace("()", "").split(".")
        found: list[Node] = []
        if parts[0] == "self" and scope and len(parts) == 2:
            cls = scope.rpartition(".")[0]
            if cls and f"{cls}.{parts[1]}" in self.defs.get(path, ()):
                return [(path, f"{cls}.{parts[1]}")]
        for cut in range(len(parts) - 1, 0, -1):
            for target in self.modules.get(".".join(parts[:cut]), ()):
                found.extend(self._in_module(target, parts[cut:]))
            if found:
                return found
        own = ".".join(parts)
        prefix = scope
        while True:  # a function of the same file: nested in the caller's scope, or at an outer level
            qual = f"{prefix}.{own}" if prefix else own
            if qual in self.defs.get(path, ()):
                return [(path, qual)]
            if not prefix:
                break
            prefix = prefix.rpartition(".")[0]
        return self._in_module(path, parts) if parts[0] in self._heads.get(path, ()) else []

    def _in_module(self, path: str, rest: list[str]) -> list[Node]:
        defs = self.defs.get(path, ())
        qual = ".".join(rest)
        if qual in defs:
            return [(path, qual)]
        if len(rest) == 1 and f"{qual}.__init__" in defs:  # a local class called: its constructor runs
            return [(path, f"{qual}.__init__")]
        if path.rpartition("/")[2] == "__init__.py":
            return self._reexported(path, rest)
        return []

    def _reexported(self, init: str, rest: list[str]) -> list[Node]:
        """A name a package gives without defining it (``from .parser import get_train_args`` in its
        ``__init__.py``, ``from .defaults import *``): the function of that name in the one module of the package
        that defines it at its top level. A name two modules define is left unresolved (which one the package
        gives is not known without its imports)."""
        if len(rest) != 1:
            return []
        if self._package_modules is None:
            self._package_modules = defaultdict(list)
            for path in self.paths:
                folder, _, name = path.rpartition("/")
                if name.endswith(".py") and name != "__init__.py":
                    self._package_modules[folder].append(path)
        folder = init.rpartition("/")[0]
        found = [(p, rest[0]) for p in self._package_modules.get(folder, ()) if rest[0] in self.defs.get(p, ())]
        return found if len(found) == 1 else []

    def _relative(self, path: str, name: str) -> list[Node]:
        level = len(name) - len(name.lstrip("."))
        base = posixpath.dirname(path)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        rest = [p for p in name.lstrip(".").replace("()", "").split(".") if p]
        for cut in range(len(rest) - 1, 0, -1):
            module = posixpath.join(base, *rest[:cut])
            for candidate in (module + ".py", module + "/__init__.py"):
                if candidate in self.defs or self._is_module(candidate):
                    found = self._in_module(candidate, rest[cut:])
                    if found:
                        return found
        init = posixpath.join(base, "__init__.py")  # ``from . import helper``
        return self._in_module(init, rest) if rest else []

    def _is_module(self, path: str) -> bool:
        return path in self.paths

    def reaching(self, targets: Iterable[Node]) -> set[Node]:
        """Every node from which one of ``targets`` is reached (the targets included)."""
        return _closure(targets, self.callers_of)

    def reached(self, sources: Iterable[Node]) -> set[Node]:
        """Every node ``sources`` reach (the sources included)."""
        return _closure(sources, self.callees_of)

    def is_entry(self, node: Node) -> bool:
        """Module-level code, or a function no local code calls."""
        return not node[1] or not self.callers_of(node)


def _closure(start: Iterable[Node], edges: Callable[[Node], set[Node]]) -> set[Node]:
    """``start`` and every node reached from it along ``edges``."""
    seen = set(start)
    stack = list(seen)
    while stack:
        for node in edges(stack.pop()):
            if node not in seen:
                seen.add(node)
                stack.append(node)
    return seen
