"""Dependency manifests and lock files, read as text or data (setup.py is never run)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlops_audit.models import CheckUnavailable

REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
LOCK_NAMES = {"uv.lock", "poetry.lock", "pdm.lock", "pipfile.lock", "conda-lock.yml", "conda-lock.yaml"}


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
    parts = path.rsplit("/", 2)
    name = parts[-1].lower()
    if not name.endswith((".txt", ".in")):
        return False
    return name.startswith("requirements") or (len(parts) > 1 and parts[-2].lower() == "requirements")


def is_lock_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name in LOCK_NAMES or name.endswith((".conda-lock.yml", ".conda-lock.yaml")) or (
        name.startswith("requirements") and name.endswith((".lock", ".lock.txt"))
    )


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


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


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


def read_pyproject(data: dict[str, Any], text: str, path: str, out: Manifests) -> None:
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    assert isinstance(project, dict)
    for entry in project.get("dependencies") or []:
        if isinstance(entry, str) and (req := pep508(entry, path, text)):
            out.found_requirements.append(req)
    if project.get("requires-python"):
        out.found_python_version.append(f"{path} (requires-python)")
    if project.get("license") or project.get("license-files"):
        out.found_license = True
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    assert isinstance(poetry, dict)
    deps = poetry.get("dependencies") if isinstance(poetry.get("dependencies"), dict) else {}
    assert isinstance(deps, dict)
    for name, spec in deps.items():
        if name == "python":
            out.found_python_version.append(f"{path} (tool.poetry python)")
            continue
        out.found_requirements.append(Requirement(name, str(_spec_version(spec)), path, _line_of(text, name)))
    if poetry.get("license"):
        out.found_license = True


def read_environment_yml(doc: Any, text: str, path: str, out: Manifests) -> None:
    if not isinstance(doc, dict):
        return
    for dep in doc.get("dependencies") or []:
        if isinstance(dep, str):
            m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", dep)
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
            out.found_requirements.append(Requirement(m.group(1), spec, path, _line_of(text, dep)))
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
