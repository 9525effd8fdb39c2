"""Dependency manifests and lock files, read as text or data (setup.py is never run)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Manifests:
    files: list[str] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    lock_files: list[str] = field(default_factory=list)
    python_version: list[str] = field(default_factory=list)  # where a Python version is declared
    license_declared: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)


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
            out.requirements.append(req)
    if project.get("requires-python"):
        out.python_version.append(f"{path} (requires-python)")
    if project.get("license") or project.get("license-files"):
        out.license_declared = True
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    assert isinstance(poetry, dict)
    deps = poetry.get("dependencies") if isinstance(poetry.get("dependencies"), dict) else {}
    assert isinstance(deps, dict)
    for name, spec in deps.items():
        if name == "python":
            out.python_version.append(f"{path} (tool.poetry python)")
            continue
        out.requirements.append(Requirement(name, str(_spec_version(spec)), path, _line_of(text, name)))
    if poetry.get("license"):
        out.license_declared = True


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
                    out.python_version.append(f"{path} (python)")
                continue
            if m.group(1) == "pip" and not m.group(2):
                continue  # the installer that the `- pip:` list needs, not a dependency of the code
            spec = m.group(2).strip()
            spec = spec if spec.startswith(("=", "<", ">", "!", "~")) or not spec else "=" + spec
            out.requirements.append(Requirement(m.group(1), spec, path, _line_of(text, dep)))
        elif isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            for entry in dep["pip"]:
                if isinstance(entry, str) and (req := pep508(entry, path, text)):
                    out.requirements.append(req)


def read_pipfile(data: dict[str, Any], text: str, path: str, out: Manifests) -> None:
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        if isinstance(table, dict):
            for name, spec in table.items():
                out.requirements.append(Requirement(name, str(_spec_version(spec)), path, _line_of(text, name)))
    requires = data.get("requires")
    if isinstance(requires, dict) and (requires.get("python_version") or requires.get("python_full_version")):
        out.python_version.append(f"{path} (requires.python_version)")
