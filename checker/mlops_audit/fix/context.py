"""What `fix` needs to know about the repository to render the template's files for it.

Everything is read, never run: names come from the manifests and the layout, the Python version from what
the repository declares (or from its notebooks' kernel metadata, its Dockerfile), the modules' import-time
side effects from their syntax tree.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from mlops_audit.facts.code import blank_magics
from mlops_audit.facts.repo import RepoFacts, is_test_path

TEMPLATE_PYTHON = "3.11"
NOT_MODULES = {"setup", "conftest", "noxfile", "tasks", "fabfile", "manage", "__main__"}
# Top-level calls that only define things: importing a module that makes them is harmless.
HARMLESS_CALLS = re.compile(
    r"^(logging\.getLogger|getLogger|os\.getenv|os\.environ\.get|Path|pathlib\.Path|TypeVar|NewType|namedtuple|"
    r"collections\.namedtuple|re\.compile|dataclasses\.field|field|warnings\.filterwarnings|frozenset|set|dict|"
    r"list|tuple|object|APIRouter|FastAPI|Flask|Blueprint|Router|typing\.\w+|\w+\.register|declarative_base)$"
)
ML_LIBRARY_NAMES = {
    "sklearn": "scikit-learn", "xgboost": "XGBoost", "lightgbm": "LightGBM", "catboost": "CatBoost",
    "torch": "PyTorch", "tensorflow": "TensorFlow", "keras": "Keras", "transformers": "Hugging Face Transformers",
    "statsmodels": "statsmodels", "prophet": "Prophet", "jax": "JAX",
}


@dataclass
class Module:
    name: str
    side_effect: str = ""  # why importing it would do work (skipped in the smoke test), else ""


@dataclass
class RepoContext:
    """Values inferred from the repository, and where each came from (shown in the plan)."""

    project_name: str
    package_name: str | None
    import_root: str  # "" or "src"
    python_version: str
    python_source: str
    python_declared: bool
    ci: str  # github | gitlab
    data_tool: str  # dvc | lfs
    author: str
    requirements: str = ""  # the requirements file to install from, if any
    install_project: bool = False  # pyproject/setup.py with an installable project
    sources: list[str] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)
    training_scripts: list[str] = field(default_factory=list)
    entry: list[str] = field(default_factory=list)  # the container's ENTRYPOINT
    hyperparameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 42
    model_type: str = ""
    data_files: list[str] = field(default_factory=list)
    serving_mode: str = ""
    tracking: str = "none"

    @property
    def install_command(self) -> str:
        parts = ["python -m pip install"]
        if self.requirements:
            parts.append(f"-r {self.requirements}")
        if self.install_project:
            parts.append("-e .")
        parts.append("pytest")
        return " ".join(parts)


def _pyproject(facts: RepoFacts) -> dict[str, Any]:
    """pyproject.toml parsed by the facts' own reader ({} when absent or malformed: the audit reports that)."""
    return (facts.toml("pyproject.toml") or {}) if "pyproject.toml" in facts.paths else {}


def _identifier(name: str) -> str:
    ident = re.sub(r"\W+", "_", name.strip().lower()).strip("_")
    return ident if ident.isidentifier() else ""


def _package(facts: RepoFacts) -> tuple[str | None, str]:
    """The importable package (src/ layout first) and the folder it is imported from."""
    paths = set(facts.paths)
    for root in ("src", ""):
        prefix = f"{root}/" if root else ""
        candidates = sorted({
            p[len(prefix):].split("/")[0] for p in paths
            if p.startswith(prefix) and p.count("/") == prefix.count("/") + 1 and p.endswith("/__init__.py")
        })
        candidates = [c for c in candidates if c.isidentifier() and c not in ("tests", "test", "docs")]
        if candidates:
            return candidates[0], root
    return None, ""


def _python_version(facts: RepoFacts, pyproject: dict[str, Any]) -> tuple[str, str]:
    for path in (".python-version", "runtime.txt"):
        if path in facts.paths:
            m = re.search(r"(\d+\.\d+)", facts.text(path) or "")
            if m:
                return m.group(1), path
    requires = pyproject.get("project", {}).get("requires-python") if isinstance(pyproject.get("project"), dict) \
        else None
    if isinstance(requires, str):
        m = re.search(r"(\d+\.\d+)", requires)
        if m:
            return m.group(1), "pyproject.toml (requires-python)"
    for path in sorted(facts.notebooks):
        raw = facts.inventory.read_bytes(path, 50_000_000)
        try:
            version = json.loads(raw or b"{}").get("metadata", {}).get("language_info", {}).get("version", "")
        except (ValueError, AttributeError):
            continue
        m = re.match(r"(\d+\.\d+)", str(version))
        if m:
            return m.group(1), f"{path} (kernel metadata)"
    for df in facts.dockerfiles:
        for stage in df.stages:
            m = re.match(r"(?:docker\.io/)?(?:library/)?python:(\d+\.\d+)", stage.image or "")
            if m:
                return m.group(1), f"{df.path} (FROM {stage.image})"
    return TEMPLATE_PYTHON, "the template's default"


def side_effect(source: str) -> str:
    """Why importing this module would run real work (the first such top-level statement), or ""."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return "does not parse"
    for node in tree.body:
        if _harmless(node):
            continue
        return f"runs code at import time (line {node.lineno}): move it into a function"
    return ""


def _harmless(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                         ast.Pass)):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True  # docstring
    if isinstance(node, ast.If):  # if __name__ == "__main__": ... / if TYPE_CHECKING:
        test = ast.unparse(node.test)
        return "__name__" in test or "TYPE_CHECKING" in test
    if isinstance(node, ast.Try):
        return all(_harmless(n) for n in node.body)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        value = node.value
        return value is None or all(
            not isinstance(n, ast.Call) or HARMLESS_CALLS.match(ast.unparse(n.func)) is not None
            for n in ast.walk(value)
        )
    return False


def _hyperparameters(facts: RepoFacts) -> tuple[dict[str, dict[str, Any]], int | None]:
    """Literal keyword arguments of the constructors called in the training code: {Class: {arg: value}}."""
    found: dict[str, dict[str, Any]] = {}
    seed: int | None = None
    for path in facts.training_files:
        sources = [facts.text(path) or ""] if path.endswith(".py") else [
            c.source for c in facts.notebooks[path].cells] if path in facts.notebooks else []
        for source in sources:
            try:
                tree = ast.parse(blank_magics(source))
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = ast.unparse(node.func).rsplit(".", 1)[-1]
                if not name[:1].isupper():
                    continue
                for kw in node.keywords:
                    if kw.arg is None or not isinstance(kw.value, ast.Constant):
                        continue
                    value = kw.value.value
                    if not isinstance(value, (int, float, str, bool)) or (isinstance(value, str) and len(value) > 80):
                        continue
                    if kw.arg in ("random_state", "seed") and isinstance(value, int) and not isinstance(value, bool):
                        seed = value if seed is None else seed
                        continue
                    found.setdefault(name, {}).setdefault(kw.arg, value)
    return found, seed


def _entry(facts: RepoFacts) -> list[str]:
    for path in facts.inference_files:
        if ("/" not in path or path.startswith("src/")) and path in facts.serving_files:
            return ["python", path]
    for path in facts.inference_files:
        return ["python", path]
    return []


def infer_context(facts: RepoFacts) -> RepoContext:
    pyproject = _pyproject(facts)
    project: dict[str, Any] = pyproject["project"] if isinstance(pyproject.get("project"), dict) else {}
    name = str(project.get("name") or facts.root.name)
    package, import_root = _package(facts)
    version, version_source = _python_version(facts, pyproject)
    paths = set(facts.paths)
    gitlab = ".gitlab-ci.yml" in paths or any(p.startswith(".gitlab/") for p in paths) or _gitlab_remote(facts)
    ci = "gitlab" if gitlab else "github"
    data_tool = "lfs" if facts.lfs_patterns and not facts.dvc.used else "dvc"
    authors = project.get("authors")
    author = ""
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        author = str(authors[0].get("name") or authors[0].get("email") or "")
    requirements = next((p for p in ("requirements.lock", "requirements.txt", "requirements/base.txt",
                                     "requirements/prod.txt") if p in paths), "")
    install_project = bool(project) or "setup.py" in paths or "setup.cfg" in paths
    ctx = RepoContext(
        project_name=name, package_name=package, import_root=import_root,
        python_version=version, python_source=version_source, python_declared=bool(facts.manifests.python_version),
        ci=ci, data_tool=data_tool, author=author or "_team or person accountable_", requirements=requirements,
        install_project=install_project,
    )
    for path, info in sorted(facts.python_files.items()):
        if is_test_path(path) or PurePosixPath(path).name == "conftest.py":
            continue
        ctx.sources.append(path)
        module = _module_name(path, import_root, package)
        if module and not info.error:
            ctx.modules.append(Module(module, side_effect(facts.text(path) or "")))
    ctx.notebooks = sorted(p for p in facts.notebooks if not is_test_path(p))
    ctx.training_scripts = [p for p in facts.training_files if p.endswith(".py")]
    ctx.entry = _entry(facts)
    ctx.hyperparameters, seed = _hyperparameters(facts)
    if seed is not None:
        ctx.seed = seed
    libraries = sorted({ML_LIBRARY_NAMES[n.split(".")[0]] for u in facts.code_units(tests=False)
                        for n, _ in u.info.imports if n.split(".")[0] in ML_LIBRARY_NAMES})
    estimators = sorted(ctx.hyperparameters)
    if estimators or libraries:
        ctx.model_type = ", ".join(estimators[:3]) + (f" ({', '.join(libraries)})" if libraries else "")
        ctx.model_type = ctx.model_type.strip()
    ctx.data_files = sorted(e.path for e in facts.data_files)[:5]
    ctx.serving_mode = "online API" if facts.serves else ("batch prediction" if facts.inference_files else "")
    ctx.tracking = "mlflow" if facts.imports_of(("mlflow",)) else "none"
    return ctx


def _gitlab_remote(facts: RepoFacts) -> bool:
    """Whether a git remote of the repository is on a GitLab host (read from git's configuration)."""
    if not facts.inventory.is_git:
        return False
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(facts.root), "config", "--get-regexp", r"^remote\..*\.url$"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "gitlab" in out.lower()


def _module_name(path: str, import_root: str, package: str | None) -> str:
    """The dotted import name of a source file, or "" when it is not importable from the import root."""
    p = PurePosixPath(path)
    parts = list(p.with_suffix("").parts)
    if import_root:
        if not parts or parts[0] != import_root:
            return ""
        parts = parts[1:]
    if not parts:
        return ""
    if len(parts) > 1 and (package is None or parts[0] != package):
        return ""  # a file in a folder that is not the package: scripts/, notebooks/...
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or parts[-1] in NOT_MODULES or not all(part.isidentifier() for part in parts):
        return ""
    return ".".join(parts)
