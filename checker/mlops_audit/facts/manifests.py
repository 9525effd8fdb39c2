"""Dependency manifests and lock files, read as text or data (setup.py is never run: its syntax tree is read,
and only literals in it)."""

from __future__ import annotations

import ast
import bisect
import configparser
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mlops_audit.facts.code import parse_error
from mlops_audit.models import CheckUnavailable

REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
LOCK_NAMES = {"uv.lock", "poetry.lock", "pdm.lock", "pipfile.lock", "conda-lock.yml", "conda-lock.yaml", "pixi.lock"}


@dataclass(frozen=True)
class Requirement:
    name: str
    spec: str  # version specifier, "" when unpinned
    path: str
    line: int | None

    @property
    def unpinned(self) -> bool:
        return not self.spec or self.spec.strip() in ("*", "")

    @property
    def exact(self) -> bool:
        return self.spec.lstrip().startswith(("==", "===")) and "*" not in self.spec


REQUIREMENTS, LOCK, PYTHON, LICENSE = "requirements", "lock", "python", "license"  # what a file may declare


@dataclass
class Manifests:
    """What the dependency manifests declare. A manifest that exists but could not be read (too large, not
    UTF-8...) is still listed in ``files``, and what it may declare is unknown: reading such a declaration
    raises CheckUnavailable (the rule's status is "error", saying why) rather than answer "none"."""

    files: list[str] = field(default_factory=list)
    found_requirements: list[Requirement] = field(default_factory=list)
    found_lock_files: list[str] = field(default_factory=list)
    found_python_version: list[str] = field(default_factory=list)  # where a Python version is declared
    found_license: bool = False
    # distributions declared (path, name, published: a `Development Status` classifier); the name may be ""
    distributions: list[tuple[str, str, bool]] = field(default_factory=list)
    unread: dict[str, dict[str, str]] = field(default_factory=dict)  # declaration -> {path: why not read}

    def mark_unread(self, path: str, reason: str, *declarations: str) -> None:
        """``path`` exists and may declare ``declarations``, but its content could not be read."""
        for what in declarations:
            self.unread.setdefault(what, {})[path] = reason

    def _unknown(self, what: str) -> CheckUnavailable:
        files = self.unread[what]
        path, reason = next(iter(files.items()))
        more = f" (and {len(files) - 1} more)" if len(files) > 1 else ""
        return CheckUnavailable(f"not checked: {path}: {reason}{more}")

    @property
    def requirements(self) -> list[Requirement]:
        """Every requirement declared; unknown when a file that may declare some could not be read."""
        if REQUIREMENTS in self.unread:
            raise self._unknown(REQUIREMENTS)
        return self.found_requirements

    @property
    def lock_files(self) -> list[str]:
        if not self.found_lock_files and LOCK in self.unread:
            raise self._unknown(LOCK)
        return self.found_lock_files

    @property
    def python_version(self) -> list[str]:
        if not self.found_python_version and PYTHON in self.unread:
            raise self._unknown(PYTHON)
        return self.found_python_version

    @property
    def license_declared(self) -> bool:
        if not self.found_license and LICENSE in self.unread:
            raise self._unknown(LICENSE)
        return self.found_license


def is_requirements_txt(path: str) -> bool:
    """``requirements*.txt``, ``*-requirements.txt`` / ``*_requirements.txt`` (and ``.in``), or any ``.txt`` /
    ``.in`` in a ``requirements/`` folder."""
    parts = path.rsplit("/", 2)
    name = parts[-1].lower()
    if not name.endswith((".txt", ".in")):
        return False
    stem = name.rsplit(".", 1)[0]
    return name.startswith("requirements") or stem.endswith(("-requirements", "_requirements", ".requirements")) or (
        len(parts) > 1 and parts[-2].lower() == "requirements")


def is_lock_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name in LOCK_NAMES or name.endswith((".conda-lock.yml", ".conda-lock.yaml")) or (
        name.startswith("requirements") and name.endswith((".lock", ".lock.txt"))
    ) or (name.startswith("conda-") and name.endswith(".lock"))  # conda-lock's explicit files: conda-linux-64.lock


def parse_requirements(text: str, path: str) -> tuple[list[Requirement], bool]:
    """Requirements of a requirements file, and whether it carries hashes."""
    reqs: list[Requirement] = []
    hashes = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if "--hash" in line:
            hashes = True
        if not line or line.startswith(("#", "-", "--")):
            continue
        if "://" in line or line.startswith((".", "/", "git+")) or " @ " in line:
            reqs.append(Requirement(line.split("@")[0].strip() or line, "@url", path, number))
            continue
        m = REQ_NAME.match(line.split(";", 1)[0])
        if m:
            spec = m.group(3).split("--hash", 1)[0].strip().rstrip("\\").strip()
            reqs.append(Requirement(m.group(1), spec, path, number))
    return reqs, hashes


class _LineIndex:
    """Where entries are in a manifest's text: each line by its content (list dashes, quotes, a trailing comma
    and comments dropped) and by the key it starts with (`name = ...`, `name: ...`), then a scan of the lines for
    a few entries found neither way. Built once a text: a manifest of 50,000 entries is not scanned 50,000 times."""

    MAX_SCANS = 200

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.by_content: dict[str, list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        for number, line in enumerate(self.lines, start=1):
            content = line.split(" #", 1)[0].strip().lstrip("-").strip().rstrip(",").strip().strip("\"'")
            self.by_content.setdefault(content, []).append(number)
            key = re.split(r"[=:]", content, maxsplit=1)[0].strip().strip("\"'")
            self.by_key.setdefault(key, []).append(number)
        self.scans = 0

    def find(self, needle: str, after: int = 0) -> int | None:
        """The first line after line ``after`` holding ``needle``."""
        needle = needle.strip()
        for index in (self.by_content, self.by_key):
            numbers = index.get(needle, ())
            at = bisect.bisect_right(numbers, after)
            if at < len(numbers):
                return numbers[at]
        if self.scans >= self.MAX_SCANS:
            return None
        self.scans += 1
        return next((n for n in range(after + 1, len(self.lines) + 1) if needle in self.lines[n - 1]), None)

    def key_line(self, key: str) -> int:
        """The line of the first ``key:`` / ``key =``, 0 when there is none."""
        return next(iter(self.by_key.get(key, ())), 0)


@lru_cache(maxsize=8)
def _line_index(text: str) -> _LineIndex:
    return _LineIndex(text)


def _line_of(text: str, needle: str, after_key: str | None = None) -> int | None:
    """The line (from 1) of the entry ``needle`` in ``text`` (after the line of ``after_key``), None when it is
    not found."""
    if not needle:
        return None
    index = _line_index(text)
    return index.find(needle, index.key_line(after_key) if after_key else 0)


def pep508(entry: str, path: str, text: str) -> Requirement | None:
    m = REQ_NAME.match(entry.split(";", 1)[0])
    if not m:
        return None
    spec = m.group(3).strip()
    if spec.startswith("@"):
        spec = "@url"
    return Requirement(m.group(1), spec, path, _line_of(text, entry))


def _spec_version(spec: Any) -> str:
    """The version of a Poetry/Pipfile dependency entry ("*", "^1.2", or a table with `version`)."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        return str(spec.get("version", "@"))  # a table without version: git/path source, pinned by its ref
    return ""


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _license_classifier(classifiers: object) -> bool:
    return isinstance(classifiers, list) and any(isinstance(c, str) and c.startswith("License ::") for c in classifiers)


PUBLISHED = "Development Status ::"


def _published(classifiers: object) -> bool:
    """A ``Development Status`` classifier: the distribution is published as a library."""
    return isinstance(classifiers, (list, tuple)) and any(
        isinstance(c, str) and c.startswith(PUBLISHED) for c in classifiers)


def _declare(out: Manifests, path: str, name: object, classifiers: object) -> None:
    out.distributions.append((path, name.strip().lower() if isinstance(name, str) else "", _published(classifiers)))


def read_pyproject(data: dict[str, Any], text: str, path: str, out: Manifests) -> None:
    project = _table(data, "project")
    entries = list(project.get("dependencies") or [])
    for extra in _table(project, "optional-dependencies").values():  # extras: what `pip install .[x]` installs
        entries.extend(extra if isinstance(extra, list) else [])
    for entry in entries:
        if isinstance(entry, str) and (req := pep508(entry, path, text)):
            out.found_requirements.append(req)
    if project.get("requires-python"):
        out.found_python_version.append(f"{path} (requires-python)")
    if project.get("license") or project.get("license-files") or _license_classifier(project.get("classifiers")):
        out.found_license = True
    tool = _table(data, "tool")
    poetry = _table(tool, "poetry")
    for name, spec in _table(poetry, "dependencies").items():
        if name == "python":
            out.found_python_version.append(f"{path} (tool.poetry python)")
            continue
        out.found_requirements.append(Requirement(name, str(_spec_version(spec)), path, _line_of(text, name)))
    if poetry.get("license") or _license_classifier(poetry.get("classifiers")):
        out.found_license = True
    for table in (project, poetry):  # PEP 621 `[project]`, or Poetry's own `[tool.poetry]`
        if isinstance(table.get("name"), str) and table["name"].strip():
            _declare(out, path, table["name"], table.get("classifiers"))
            break
    if "pixi" in tool:
        read_pixi(_table(tool, "pixi"), text, path, out, "tool.pixi ")


def read_pixi(data: dict[str, Any], text: str, path: str, out: Manifests, where: str = "") -> None:
    """pixi.toml (or ``[tool.pixi]``): conda ``[dependencies]`` and ``[pypi-dependencies]``, also per feature
    and per target platform; ``python = "3.11.*"`` among them is the Python version."""
    tables = [data, *(t for t in _table(data, "target").values() if isinstance(t, dict))]
    for feature in _table(data, "feature").values():
        if isinstance(feature, dict):
            tables += [feature, *(t for t in _table(feature, "target").values() if isinstance(t, dict))]
    for table in tables:
        for section in ("dependencies", "pypi-dependencies"):
            for name, spec in _table(table, section).items():
                version = str(_spec_version(spec)).strip()
                if name == "python":
                    if version not in ("", "*", "@"):
                        out.found_python_version.append(f"{path} ({where}python)")
                    continue
                out.found_requirements.append(Requirement(name, version, path, _line_of(text, name)))
    for key in ("project", "workspace"):
        if _table(data, key).get("license"):
            out.found_license = True


def read_environment_yml(doc: Any, text: str, path: str, out: Manifests) -> None:
    if not isinstance(doc, dict):
        return
    for dep in doc.get("dependencies") or []:
        if isinstance(dep, str):
            m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", dep.rsplit("::", 1)[-1])  # conda-forge::numpy
            if not m:
                continue
            if m.group(1) == "python":
                if m.group(2):
                    out.found_python_version.append(f"{path} (python)")
                continue
            if m.group(1) == "pip" and not m.group(2):
                continue  # the installer that the `- pip:` list needs, not a dependency of the code
            spec = m.group(2).strip()
            spec = spec if spec.startswith(("=", "<", ">", "!", "~")) or not spec else "=" + spec
            out.found_requirements.append(Requirement(m.group(1), spec, path, _line_of(text, dep, "dependencies")))
        elif isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            for entry in dep["pip"]:
                if isinstance(entry, str) and (req := pep508(entry, path, text)):
                    out.found_requirements.append(req)


def read_pipfile(data: dict[str, Any], text: str, path: str, out: Manifests) -> None:
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        if isinstance(table, dict):
            for name, spec in table.items():
                out.found_requirements.append(Requirement(name, str(_spec_version(spec)), path, _line_of(text, name)))
    requires = data.get("requires")
    if isinstance(requires, dict) and (requires.get("python_version") or requires.get("python_full_version")):
        out.found_python_version.append(f"{path} (requires.python_version)")


# --------------------------------------------------------------------------- setup.py and setup.cfg
RequirementFile = Callable[[str], bool]  # whether a path of the repository is a requirements file the audit reads
SETUP_MODULES = frozenset({"setuptools", "distutils", "core", "skbuild", "numpy", "distutils.core"})
MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "update", "setdefault", "add",
                      "__setitem__", "__iadd__"})
MAX_DEPTH = 40  # names resolved through names, lists in lists: past this, the value is unknown
MAX_REFERENCES = 400  # syntax nodes looked at for the files a computed value reads


class _Unknown(Exception):
    """A value of setup() that is not a literal (nor names bound once to literals, joined with `+`)."""


def _requirement(entry: str, path: str, line: int | None) -> Requirement | None:
    m = REQ_NAME.match(entry.split(";", 1)[0])
    if not m:
        return None
    spec = m.group(3).strip()
    if spec.startswith("@") or "://" in entry:
        spec = "@url"
    return Requirement(m.group(1), spec, path, line)


class _SetupModule:
    """The syntax tree of a setup.py, and what its names are bound to (module-wide: a name bound more than once,
    or changed in place, has no literal value)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.bindings: dict[str, list[ast.AST]] = {}
        self.changed: set[str] = set()
        self.setup_names = {"setup"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind_target(target, node)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                self._bind_target(node.target, node)
                if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    self.changed.add(node.target.id)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self._bind_target(node.target, node.iter)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind_target(item.optional_vars, item.context_expr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bindings.setdefault(node.name, []).append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    self.bindings.setdefault((alias.asname or alias.name).split(".")[0], []).append(node)
                    if isinstance(node, ast.ImportFrom) and alias.name == "setup":
                        self.setup_names.add(alias.asname or "setup")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.attr in MUTATORS:
                self.changed.add(node.func.value.id)

    def _bind_target(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.bindings.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element.value if isinstance(element, ast.Starred) else element, value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(target.value, ast.Name):
            self.changed.add(target.value.id)  # NAME[k] = ..., NAME.attr = ...: changed in place

    def setup_calls(self) -> list[ast.Call]:
        calls = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                named = func.id in self.setup_names
            elif isinstance(func, ast.Attribute) and func.attr == "setup":  # setuptools.setup, distutils.core.setup
                owner = func.value
                named = (isinstance(owner, ast.Name) and owner.id in SETUP_MODULES) or (
                    isinstance(owner, ast.Attribute) and owner.attr == "core")
            else:
                named = False
            if named:
                calls.append(node)
        return calls

    def bound(self, name: ast.Name) -> ast.expr:
        """The value ``name`` is bound to, when it is bound once by a plain assignment and never changed."""
        values = self.bindings.get(name.id, [])
        if len(values) != 1 or name.id in self.changed:
            raise _Unknown(name.id)
        node = values[0]
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and not (
                isinstance(node, ast.Assign) and any(not isinstance(t, ast.Name) for t in node.targets)):
            return node.value
        raise _Unknown(name.id)

    def strings(self, node: ast.expr, depth: int = 0) -> list[tuple[str, int]]:
        """A list of strings (requirements, classifiers) with the line of each; one string is its lines."""
        if depth > MAX_DEPTH:
            raise _Unknown("nested too deeply")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [(line.strip(), node.lineno + i) for i, line in enumerate(node.value.splitlines())
                    if line.strip() and not line.strip().startswith("#")]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            out: list[tuple[str, int]] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    out += self.strings(element.value, depth + 1)
                elif isinstance(element, ast.Constant) and isinstance(element.value, str):
                    out.append((ast.literal_eval(element), element.lineno))
                else:
                    out += self.strings(element, depth + 1)
            return out
        if isinstance(node, ast.Name):
            return self.strings(self.bound(node), depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.strings(node.left, depth + 1) + self.strings(node.right, depth + 1)
        raise _Unknown(type(node).__name__)

    def mapping(self, node: ast.expr, depth: int = 0) -> dict[str, ast.expr]:
        """A dict literal (keys literal strings; ``**`` of such dicts), its values as syntax."""
        if depth > MAX_DEPTH:
            raise _Unknown("nested too deeply")
        if isinstance(node, ast.Name):
            return self.mapping(self.bound(node), depth + 1)
        if not isinstance(node, ast.Dict):
            raise _Unknown(type(node).__name__)
        out: dict[str, ast.expr] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out.update(self.mapping(value, depth + 1))
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                out[key.value] = value
            else:
                raise _Unknown("a key that is not a literal")
        return out

    def scalar(self, node: ast.expr, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise _Unknown("nested too deeply")
        if isinstance(node, ast.Name):
            return self.scalar(self.bound(node), depth + 1)
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise _Unknown(type(node).__name__) from None

    def files_read(self, node: ast.expr) -> Iterator[str]:
        """The string literals a computed value may be made from: in it, in what the names it uses are bound
        to, in the functions it calls (the file names an ``open(...)`` or a helper reads)."""
        queue: list[ast.AST] = [node]
        seen: set[int] = set()
        budget = MAX_REFERENCES
        while queue and budget > 0:
            current = queue.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            for sub in ast.walk(current):
                budget -= 1
                if budget <= 0:
                    break
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield sub.value
                elif isinstance(sub, ast.Name):
                    queue.extend(self.bindings.get(sub.id, []))


def _keywords(module: _SetupModule, call: ast.Call) -> tuple[dict[str, ast.expr], str | None]:
    """The keyword arguments of a setup() call, and why some may be missing (``**`` of a computed dict)."""
    found: dict[str, ast.expr] = {}
    unknown = None
    for keyword in call.keywords:
        if keyword.arg is not None:
            found[keyword.arg] = keyword.value
            continue
        try:
            found.update(module.mapping(keyword.value))
        except _Unknown:
            unknown = f"setup(**...) at line {call.lineno} passes a computed mapping"
    return found, unknown


def _requirements_from_files(names: Iterator[str], folder: str, requirement_file: RequirementFile) -> bool:
    """Whether the string literals ``names`` name requirements files (relative to ``folder``), all of them read by
    the audit: a value computed by reading them declares what they declare, which is checked there."""
    found = False
    for name in names:
        if not is_requirements_txt(name) or "\n" in name:
            continue
        resolved = posixpath.normpath(posixpath.join(folder, name.lstrip("./") if name.startswith("./") else name))
        if resolved.startswith("../") or name.startswith("/") or not requirement_file(resolved):
            return False
        found = True
    return found


def read_setup_py(text: str, path: str, out: Manifests, requirement_file: RequirementFile) -> None:
    """What setup.py's ``setup(...)`` call declares, read from its syntax tree (the file is never run): literal
    ``install_requires``/``extras_require`` become requirements with their lines, ``python_requires`` a Python
    version, ``license``/``license_files``/a License classifier the license. Names bound once to a literal
    (``REQUIRED = [...]``) and ``+`` of lists are followed; any other value is unknown, never guessed, except a
    list computed by reading requirements files the audit reads itself (their requirements are checked there)."""
    folder = path.rpartition("/")[0]
    try:
        tree = ast.parse(text, filename=path)
    except Exception as exc:  # SyntaxError, RecursionError, MemoryError, ValueError (null bytes): hostile input
        out.mark_unread(path, f"{parse_error(exc)}: what setup() declares is unknown", REQUIREMENTS, PYTHON, LICENSE)
        return
    module = _SetupModule(tree)
    calls = module.setup_calls()
    if not calls:
        if any(word in text for word in ("setuptools", "distutils", "exec(", "runpy")):  # a setup made at run time
            out.mark_unread(path, "no setup() call found: what it declares is unknown", REQUIREMENTS, PYTHON,
                            LICENSE)
        return  # else a script named setup.py (a build or deployment step), not a package's setup: nothing declared
    for call in calls:
        keywords, missing = _keywords(module, call)
        if missing:
            out.mark_unread(path, missing, REQUIREMENTS, PYTHON, LICENSE)
        _setup_requirements(module, keywords, path, folder, out, requirement_file)
        _setup_metadata(module, keywords, path, out)


def _computed(what: str, node: ast.expr) -> str:
    return f"`{what}` at line {node.lineno} is computed, not a literal: what it declares is unknown"


def _setup_requirements(module: _SetupModule, keywords: dict[str, ast.expr], path: str, folder: str,
                        out: Manifests, requirement_file: RequirementFile) -> None:
    values: list[tuple[str, ast.expr]] = []
    if "install_requires" in keywords:
        values.append(("install_requires", keywords["install_requires"]))
    if "extras_require" in keywords:
        node = keywords["extras_require"]
        try:
            values += [(f"extras_require[{extra!r}]", value) for extra, value in module.mapping(node).items()]
        except _Unknown:
            if not _requirements_from_files(module.files_read(node), folder, requirement_file):
                out.mark_unread(path, _computed("extras_require", node), REQUIREMENTS)
    for what, node in values:
        try:
            entries = module.strings(node)
        except _Unknown:
            if not _requirements_from_files(module.files_read(node), folder, requirement_file):
                out.mark_unread(path, _computed(what, node), REQUIREMENTS)
            continue
        for entry, line in entries:
            if req := _requirement(entry, path, line):
                out.found_requirements.append(req)


def _setup_metadata(module: _SetupModule, keywords: dict[str, ast.expr], path: str, out: Manifests) -> None:
    for what, declaration in (("python_requires", PYTHON), ("license", LICENSE), ("license_files", LICENSE),
                              ("license_file", LICENSE), ("license_expression", LICENSE)):
        if what not in keywords:
            continue
        try:
            value = module.scalar(keywords[what])
        except _Unknown:
            out.mark_unread(path, _computed(what, keywords[what]), declaration)
            continue
        if value and isinstance(value, (str, list, tuple)):
            if declaration == PYTHON:
                out.found_python_version.append(f"{path} (python_requires)")
            else:
                out.found_license = True
    classifiers: list[str] = []
    if "classifiers" in keywords:
        try:
            classifiers = [c for c, _ in module.strings(keywords["classifiers"])]
        except _Unknown:
            classifiers = []  # a license classifier is one way among others: nothing is known missing
        if _license_classifier(classifiers):
            out.found_license = True
    name: object = ""
    if "name" in keywords:
        try:
            name = module.scalar(keywords["name"])
        except _Unknown:
            name = ""  # computed: a distribution all the same, of a name not known
    _declare(out, path, name, classifiers)


def _cfg_lines(value: str) -> list[str]:
    lines = (line.split(" #", 1)[0].strip() for line in value.splitlines())
    return [line for line in lines if line and not line.startswith(("#", ";"))]


def read_setup_cfg(text: str, path: str, out: Manifests, requirement_file: RequirementFile) -> bool:
    """What setup.cfg's ``[metadata]`` and ``[options]`` declare (configparser, no interpolation); False when it
    has neither (a tool's settings only: flake8, pytest... not a manifest)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=path)
    except (configparser.Error, ValueError) as exc:
        reason = f"not valid INI ({str(exc).splitlines()[0][:200]}): what it declares is unknown"
        out.mark_unread(path, reason, REQUIREMENTS, PYTHON, LICENSE)
        return True
    sections = {name.lower(): name for name in parser.sections()}
    if "metadata" not in sections and not any(s == "options" or s.startswith("options.") for s in sections):
        return False
    folder = path.rpartition("/")[0]
    values: list[tuple[str, str]] = []  # (what, value)
    if "options" in sections and parser.has_option(sections["options"], "install_requires"):
        values.append(("install_requires", parser.get(sections["options"], "install_requires")))
    if "options.extras_require" in sections:
        section = sections["options.extras_require"]
        values += [(f"extras_require {extra}", value) for extra, value in parser.items(section)]
    for what, value in values:
        stripped = value.strip()
        if stripped.startswith("file:"):
            names = iter(n for n in re.split(r"[,\s]+", stripped[5:]) if n)
            if not _requirements_from_files(names, folder, requirement_file):
                out.mark_unread(path, f"`{what}` reads files the audit does not read as requirements", REQUIREMENTS)
            continue
        if stripped.startswith("attr:"):
            out.mark_unread(path, f"`{what}` is an attribute of the code (attr:): unknown", REQUIREMENTS)
            continue
        for entry in _cfg_lines(value):
            if req := _requirement(entry, path, _line_of(text, entry)):
                out.found_requirements.append(req)
    if "options" in sections and parser.get(sections["options"], "python_requires", fallback="").strip():
        out.found_python_version.append(f"{path} (python_requires)")
    if "metadata" in sections:
        metadata = sections["metadata"]
        if any(parser.get(metadata, key, fallback="").strip()
               for key in ("license", "license_files", "license_file", "license_expression")):
            out.found_license = True
        classifiers = _cfg_lines(parser.get(metadata, "classifiers", fallback=""))
        if _license_classifier(classifiers):
            out.found_license = True
        _declare(out, path, parser.get(metadata, "name", fallback=""), classifiers)
    return True
