"""Validate the answers before Cookiecutter writes anything.

On a bad answer this prints one line to stderr and exits 1; Cookiecutter then removes the (still empty)
project directory it created, so nothing is left behind.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

# Cookiecutter renders this file with Jinja: the answers arrive as one JSON document.
CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT_NAME: str = CONTEXT["project_name"]
PROJECT_SLUG: str = CONTEXT["__project_slug"]
PACKAGE_NAME: str = CONTEXT["package_name"]
PYTHON_VERSION: str = CONTEXT["python_version"]
SUPPORTED_PYTHONS: list[str] = list(CONTEXT["_docker_python_tags"])

# Names that would shadow (or be shadowed by) a module the generated project imports or commonly meets.
# The standard library comes on top of this list through sys.stdlib_module_names.
CLASHING_NAMES = {
    # layout / tooling names
    "src",
    "test",
    "tests",
    "testing",
    "lib",
    "app",
    "main",
    "setup",
    "site",
    "conftest",
    "docs",
    "data",
    "models",
    "notebooks",
    "scripts",
    # third-party packages this template (or a typical ML stack) imports
    "mlflow",
    "sklearn",
    "scikit_learn",
    "pandas",
    "numpy",
    "scipy",
    "pandera",
    "pydantic",
    "yaml",
    "joblib",
    "fastapi",
    "starlette",
    "uvicorn",
    "prometheus_client",
    "dvc",
    "httpx",
    "pytest",
    "ruff",
    "torch",
    "tensorflow",
    "keras",
    "xgboost",
    "lightgbm",
    "matplotlib",
    "seaborn",
    "requests",
    "jinja2",
    "click",
    "typer",
    "attr",
    "attrs",
    "six",
    "setuptools",
    "pip",
    "wheel",
    "mlops_audit",
}
PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def problems() -> list[str]:
    """Return the reasons the answers cannot be used (empty when all is well)."""
    found: list[str] = []
    if not PROJECT_NAME.strip():
        found.append("project_name must not be empty")
    if not SLUG_RE.match(PROJECT_SLUG):
        found.append(
            f"project_name {PROJECT_NAME!r} gives the directory name {PROJECT_SLUG!r}, which is not a valid "
            "directory/distribution name: use letters, digits, spaces, '-' or '_'"
        )
    if not PACKAGE_RE.match(PACKAGE_NAME):
        found.append(
            f"package_name {PACKAGE_NAME!r} is not a valid import name: use lowercase letters, digits and "
            "underscores, not starting with a digit"
        )
    elif keyword.iskeyword(PACKAGE_NAME) or keyword.issoftkeyword(PACKAGE_NAME):
        found.append(f"package_name {PACKAGE_NAME!r} is a Python keyword")
    elif PACKAGE_NAME in sys.stdlib_module_names:
        found.append(f"package_name {PACKAGE_NAME!r} clashes with the standard library module of that name")
    elif PACKAGE_NAME in CLASHING_NAMES:
        found.append(f"package_name {PACKAGE_NAME!r} clashes with a package or folder the project uses")
    if PYTHON_VERSION not in SUPPORTED_PYTHONS:
        found.append(
            f"python_version {PYTHON_VERSION!r} is not supported: choose one of {', '.join(SUPPORTED_PYTHONS)}"
        )
    # All the choice variables (tracking, data_versioning, serving, ci) are independent of each other:
    # every combination yields a working project, so no combination is refused here.
    return found


def main() -> int:
    found = problems()
    if found:
        print("ERROR: " + "; ".join(found), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
