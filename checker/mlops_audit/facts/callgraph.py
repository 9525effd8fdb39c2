"""The repository's own call graph: which local function a call reaches, and the entry points.

A node is a function or method of one file (``("src/train.py", "Trainer.fit")``) or a file's module-level code
(``(path, "")``; a notebook is one module). A call reaches a local node when its name, with the file's imports
resolved (facts/code.py), names a module of the repository and a function in it (``utils.set_seeds``,
``.utils.set_seeds``, ``pkg.train.Trainer().fit``), or a function of the same file (``set_seeds``,
``self.helper``). Nothing is imported or run: names are matched, and a name that could be several modules reaches
all of them. Methods are looked up through the repository's own classes: a method a class inherits is its
base's (``trainer = Trainer(cfg); trainer.train()`` reaches ``DefaultTrainer.train`` when ``class
Trainer(DefaultTrainer)`` defines no ``train``), ``super().m()`` is the base's ``m``, and ``self.m()`` also
reaches the subclasses' overrides of ``m`` (``TrainerBase.train`` calling ``self.run_step()`` runs
``SimpleTrainer.run_step``). Entry points are the nodes no local code calls: module-level code, and functions
run from outside (console scripts, CLI decorators, frameworks).
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
        self.classes: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)  # path -> class -> its bases
        units = list(units)
        for unit in units:
            self._units[unit.path].append(unit)
            for fn in unit.info.functions:
                self.defs[unit.path].add(fn.scope or fn.name)
            for name, bases, _ in unit.info.classes:
                self.classes[unit.path].setdefault(name, bases)
        self.paths = set(self._units)
        self._heads = {path: {d.partition(".")[0] for d in defs} for path, defs in self.defs.items()}
        for path, classes in self.classes.items():
            self._heads.setdefault(path, set()).update(classes)
        self._methods: dict[tuple[str, str, str], list[Node]] = {}  # (path, class, method) -> where it is defined
        self._children: defaultdict[tuple[str, str], list[tuple[str, str]]] | None = None  # class -> subclasses
        for path in self.paths:
            for name in module_names(path):
                self.modules[name].append(path)
        # a call can reach a local function only if its name ends with one (or with a local class): the others
        # (``pd.read_csv``, ``df.groupby``) are never resolved, nor are the calls of a file with none
        local = {d.rpartition(".")[2] for defs in self.defs.values() for d in defs}
        local |= {h for heads in self._heads.values() for h in heads}
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
        if parts[0] in ("self", "cls", "super") and scope and len(parts) == 2:
            cls = scope.rpartition(".")[0]
            if cls and parts[0] == "super":
                return [n for base in self._bases(path, cls) for n in self.method(base[0], base[1], parts[1])][:1]
            if cls and f"{cls}.{parts[1]}" in self.defs.get(path, ()):
                return [(path, f"{cls}.{parts[1]}"), *self._overrides(path, cls, parts[1])]
            if cls and cls in self.classes.get(path, ()):
                inherited = self.method(path, cls, parts[1])
                if inherited:
                    return [*inherited, *self._overrides(path, cls, parts[1])]
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
        if len(rest) == 1 and rest[0] in self.classes.get(path, ()):  # a local class called: its constructor runs
            return self.method(path, rest[0], "__init__")
        if len(rest) == 2 and rest[0] in self.classes.get(path, ()):  # a method the class inherits
            return self.method(path, rest[0], rest[1])
        if path.rpartition("/")[2] == "__init__.py":
            return self._reexported(path, rest)
        return []

    def method(self, path: str, cls: str, name: str) -> list[Node]:
        """Where method ``name`` of class ``cls`` (of ``path``) is defined: in the class, else in its bases, the
        first that has it (left to right, depth first); bases outside the repository are not known."""
        key = (path, cls, name)
        found = self._methods.get(key)
        if found is None:
            self._methods[key] = []  # a cycle of bases ends here
            found = self._method(path, cls, name, {(path, cls)})
            self._methods[key] = found
        return found

    def _method(self, path: str, cls: str, name: str, seen: set[tuple[str, str]]) -> list[Node]:
        if f"{cls}.{name}" in self.defs.get(path, ()):
            return [(path, f"{cls}.{name}")]
        for base in self._bases(path, cls):
            if base not in seen and len(seen) < 32:
                seen.add(base)
                found = self._method(base[0], base[1], name, seen)
                if found:
                    return found
        return []

    def _bases(self, path: str, cls: str) -> list[tuple[str, str]]:
        """The repository's classes ``cls`` of ``path`` derives from (its bases as the file imports them)."""
        out = []
        for base in self.classes.get(path, {}).get(cls, ()):
            out.extend(self._class_named(path, base))
        return out

    def _class_named(self, path: str, name: str) -> list[tuple[str, str]]:
        """The local class a base named ``name`` in ``path`` is: ``Base`` of the same file, ``pkg.mod.Base``,
        ``.mod.Base`` (relative), or a class a package's ``__init__.py`` gives from the one module defining it."""
        parts = [p for p in name.lstrip(".").split(".") if p]
        if not parts:
            return []
        if name.startswith("."):
            base = _package_of(path, name)
            module = posixpath.join(base, *parts[:-1]) if parts[:-1] else base
            candidates = [module + ".py", module + "/__init__.py"] if parts[:-1] else [base + "/__init__.py"]
        elif len(parts) == 1:
            return [(path, name)] if name in self.classes.get(path, ()) else []
        else:
            candidates = list(self.modules.get(".".join(parts[:-1]), ()))
        out = []
        for candidate in candidates:
            if parts[-1] in self.classes.get(candidate, ()):
                out.append((candidate, parts[-1]))
            elif candidate.rpartition("/")[2] == "__init__.py":
                folder = candidate.rpartition("/")[0]
                found = [(p, parts[-1]) for p in self._modules_of(folder) if parts[-1] in self.classes.get(p, ())]
                out.extend(found if len(found) == 1 else [])
        return out

    def _overrides(self, path: str, cls: str, name: str) -> list[Node]:
        """The overrides of method ``name`` in the repository's subclasses of ``cls``, transitively: where
        ``self.name()`` may run."""
        if self._children is None:
            self._children = defaultdict(list)
            for child_path, classes in self.classes.items():
                for child_name in classes:
                    for base in self._bases(child_path, child_name):
                        self._children[base].append((child_path, child_name))
        out: list[Node] = []
        seen = {(path, cls)}
        stack: list[tuple[str, str]] = list(self._children.get((path, cls), []))
        while stack:
            child = stack.pop()
            if child in seen or len(seen) > 256:
                continue
            seen.add(child)
            qual = f"{child[1]}.{name}"
            if qual in self.defs.get(child[0], ()):
                out.append((child[0], qual))
            stack.extend(self._children.get(child, []))
        return sorted(out)

    def _modules_of(self, folder: str) -> list[str]:
        """The modules of a package folder, its ``__init__.py`` left out."""
        if self._package_modules is None:
            self._package_modules = defaultdict(list)
            for path in self.paths:
                parent, _, name = path.rpartition("/")
                if name.endswith(".py") and name != "__init__.py":
                    self._package_modules[parent].append(path)
        return self._package_modules.get(folder, [])

    def _reexported(self, init: str, rest: list[str]) -> list[Node]:
        """A name a package gives without defining it (``from .parser import get_train_args`` in its
        ``__init__.py``, ``from .defaults import *``): the function of that name in the one module of the package
        that defines it at its top level. A name two modules define is left unresolved (which one the package
        gives is not known without its imports)."""
        folder = init.rpartition("/")[0]
        if len(rest) == 2:  # ``pkg.Trainer.train``, ``pkg.Trainer().train``: a method of a class it gives
            classes = [p for p in self._modules_of(folder) if rest[0] in self.classes.get(p, ())]
            return self.method(classes[0], rest[0], rest[1]) if len(classes) == 1 else []
        if len(rest) != 1:
            return []
        found = [(p, rest[0]) for p in self._modules_of(folder) if rest[0] in self.defs.get(p, ())]
        if not found:
            classes = [p for p in self._modules_of(folder) if rest[0] in self.classes.get(p, ())]
            return self.method(classes[0], rest[0], "__init__") if len(classes) == 1 else []
        return found if len(found) == 1 else []

    def _relative(self, path: str, name: str) -> list[Node]:
        base = _package_of(path, name)
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


def _package_of(path: str, name: str) -> str:
    """The folder a relative name of ``path`` starts from: its own for ``.mod``, one up for ``..mod``..."""
    base = posixpath.dirname(path)
    for _ in range(len(name) - len(name.lstrip(".")) - 1):
        base = posixpath.dirname(base)
    return base


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
