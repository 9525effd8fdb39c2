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
from mlops_audit.models import CheckUnavailable
from mlops_audit.safetext import escape, is_safe

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
    skipped: list[str] = field(default_factory=list)  # files left out of the inference (unreadable, too deep)

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


def _skip(skipped: list[str] | None, path: str, exc: BaseException) -> None:
    """Note that ``path`` was left out of the inference (an exception while reading it is that file's alone)."""
    if skipped is None:
        return
    reason = type(exc).__name__ if isinstance(exc, RecursionError | MemoryError) else (str(exc) or type(exc).__name__)
    skipped.append(f"{escape(path)}: {escape(reason)}")


_NAME_CHARS = re.compile(r"[^\w .+-]+")


def project_name(name: str) -> str:
    """A project name fit for every file the template writes it into (Markdown titles, YAML, the slug and
    package names Cookiecutter derives from it): letters, digits, spaces and ``._+-`` only."""
    cleaned = _NAME_CHARS.sub("-", escape(name)).strip(" .-_")[:100]
    return cleaned or "project"


def shown_value(text: str, limit: int = 200) -> str:
    """A value read from the repository written into a generated file: control characters escaped, and no
    brace (Cookiecutter renders its answers as Jinja templates: ``{{ ... }}`` in an author's name would run)."""
    return escape(text).replace("{", "(").replace("}", ")")[:limit]


def writable_name(path: str) -> bool:
    """Whether a path can be written into a generated file as it is (no control character, no backtick)."""
    return is_safe(path) and "`" not in path


def _python_version(facts: RepoFacts, pyproject: dict[str, Any],
                    skipped: list[str] | None = None) -> tuple[str, str]:
    for path in (".python-version", "runtime.txt"):
        if path in facts.paths:
            m = re.search(r"(?<![\d.])(\d+\.\d+)", facts.text(path) or "")
            if m:
                return m.group(1), path
    requires = pyproject.get("project", {}).get("requires-python") if isinstance(pyproject.get("project"), dict) \
        else None
    if isinstance(requires, str):
        m = re.search(r"(?<![\d.])(\d+\.\d+)", requires)
        if m:
            return m.group(1), "pyproject.toml (requires-python)"
    for path in sorted(facts.notebooks):
        raw = facts.inventory.read_bytes(path, 50_000_000)
        try:
            version = json.loads(raw or b"{}").get("metadata", {}).get("language_info", {}).get("version", "")
        except (ValueError, AttributeError):
            continue
        except Exception as exc:  # nested too deep to parse (RecursionError): that notebook is skipped
            _skip(skipped, path, exc)
            continue
        m = re.match(r"(?<![\d.])(\d+\.\d+)", str(version))
        if m:
            return m.group(1), f"{escape(path)} (kernel metadata)"
    for df in facts.dockerfiles:
        if df.problem is not None:
            continue  # too large or not text: its stages are unknown
        for stage in df.stages:
            m = re.match(r"(?:docker\.io/)?(?:library/)?python:(\d+\.\d+)", stage.image or "")
            if m:
                return m.group(1), f"{escape(df.path)} (FROM {escape(stage.image or '')})"
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


SECRET_ARGUMENT = re.compile(r"(?i)key|token|secret|passw|auth|credential|cookie|session")


def _call_name(node: ast.Call) -> str:
    """The class a call constructs (``RandomForestClassifier`` of ``ensemble.RandomForestClassifier(...)``),
    or "" when the callee is not a plain (dotted) name."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _literal_arguments(tree: ast.AST, found: dict[str, dict[str, Any]], seeds: list[int]) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if not name[:1].isupper() or not name.isidentifier():
            continue
        for kw in node.keywords:
            if kw.arg is None or not isinstance(kw.value, ast.Constant):
                continue
            value = kw.value.value
            if not isinstance(value, (int, float, str, bool)) or (isinstance(value, str) and len(value) > 80):
                continue
            if kw.arg in ("random_state", "seed") and isinstance(value, int) and not isinstance(value, bool):
                seeds.append(value)
                continue
            if SECRET_ARGUMENT.search(kw.arg) or (isinstance(value, str) and _secret_like(value)):
                continue  # an API key passed to a client is no hyper-parameter, and must not be copied anywhere
            found.setdefault(name, {}).setdefault(kw.arg, value)


def _secret_like(value: str) -> bool:
    from mlops_audit.facts import secrets

    return bool(secrets.scan_text(value)) or bool(secrets.scan_text(f'token = "{value}"'))


def _hyperparameters(facts: RepoFacts,
                     skipped: list[str] | None = None) -> tuple[dict[str, dict[str, Any]], int | None]:
    """Literal keyword arguments of the constructors called in the training code: {Class: {arg: value}}."""
    found: dict[str, dict[str, Any]] = {}
    seeds: list[int] = []
    for path in facts.training_files:
        sources = [facts.text(path) or ""] if path.endswith(".py") else [
            c.source for c in facts.notebooks[path].cells] if path in facts.notebooks else []
        for source in sources:
            try:
                _literal_arguments(ast.parse(blank_magics(source)), found, seeds)
            except (SyntaxError, ValueError):
                continue
            except Exception as exc:  # nested too deep (RecursionError): that file is skipped, not the run
                _skip(skipped, path, exc)
                break
    return found, (seeds[0] if seeds else None)


def _entry(facts: RepoFacts) -> list[str]:
    scripts = [p for p in facts.inference_files if writable_name(p)]
    for path in scripts:
        if ("/" not in path or path.startswith("src/")) and path in facts.serving_files:
            return ["python", path]
    for path in scripts:
        return ["python", path]
    return []


def infer_context(facts: RepoFacts) -> RepoContext:
    pyproject = _pyproject(facts)
    project: dict[str, Any] = pyproject["project"] if isinstance(pyproject.get("project"), dict) else {}
    name = project_name(str(project.get("name") or facts.root.name))
    package, import_root = _package(facts)
    skipped: list[str] = []
    version, version_source = _python_version(facts, pyproject, skipped)
    paths = set(facts.paths)
    gitlab = ".gitlab-ci.yml" in paths or any(p.startswith(".gitlab/") for p in paths) or _gitlab_remote(facts)
    ci = "gitlab" if gitlab else "github"
    # a dvc.yaml pipeline alone (which fix itself writes) does not make an LFS repository a DVC one
    data_tool = "lfs" if facts.lfs_patterns and not (facts.dvc.dvc_files or facts.dvc.has_config) else "dvc"
    authors = project.get("authors")
    author = ""
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        author = shown_value(str(authors[0].get("name") or authors[0].get("email") or ""))
    requirements = next((p for p in ("requirements.lock", "requirements.txt", "requirements/base.txt",
                                     "requirements/prod.txt") if p in paths), "")
    install_project = bool(project) or "setup.py" in paths or "setup.cfg" in paths
    try:
        python_declared = bool(facts.manifests.python_version)
    except CheckUnavailable:  # a manifest too large to read: assume it declares one (nothing is added over it)
        python_declared = True
    ctx = RepoContext(
        project_name=name, package_name=package, import_root=import_root,
        python_version=version, python_source=version_source, python_declared=python_declared,
        ci=ci, data_tool=data_tool, author=author or "_team or person accountable_", requirements=requirements,
        install_project=install_project, skipped=skipped,
    )
    for path, info in sorted(facts.python_files.items()):
        if is_test_path(path) or PurePosixPath(path).name == "conftest.py" or not writable_name(path):
            continue
        ctx.sources.append(path)
        module = _module_name(path, import_root, package)
        if module and not info.error:
            try:
                ctx.modules.append(Module(module, side_effect(facts.text(path) or "")))
            except Exception as exc:  # too deep to walk (RecursionError): not imported by the smoke test
                _skip(ctx.skipped, path, exc)
    ctx.notebooks = sorted(p for p in facts.notebooks if not is_test_path(p) and writable_name(p))
    ctx.training_scripts = [p for p in facts.training_files if p.endswith(".py") and writable_name(p)]
    ctx.entry = _entry(facts)
    ctx.hyperparameters, seed = _hyperparameters(facts, ctx.skipped)
    if seed is not None:
        ctx.seed = seed
    libraries = sorted({ML_LIBRARY_NAMES[n.split(".")[0]] for u in facts.code_units(tests=False)
                        for n, _ in u.info.imports if n.split(".")[0] in ML_LIBRARY_NAMES})
    estimators = sorted(ctx.hyperparameters)
    if estimators or libraries:
        ctx.model_type = ", ".join(estimators[:3]) + (f" ({', '.join(libraries)})" if libraries else "")
        ctx.model_type = ctx.model_type.strip()
    ctx.data_files = sorted(e.path for e in facts.data_files if writable_name(e.path))[:5]
    ctx.serving_mode = "online API" if facts.serves else ("batch prediction" if facts.inference_files else "")
    ctx.tracking = "mlflow" if facts.imports_of(("mlflow",)) else "none"
    return ctx


def _gitlab_remote(facts: RepoFacts) -> bool:
    """Whether a git remote of the repository is on a GitLab host (read from git's configuration)."""
    repo = facts.inventory.git
    if repo is None:
        return False
    from mlops_audit import gitrun

    try:
        out = gitrun.run(repo, "config", "--get-regexp", r"^remote\..*\.url$", timeout=10).stdout
    except gitrun.GitUnavailable:
        return False
    return b"gitlab" in out.lower()


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
