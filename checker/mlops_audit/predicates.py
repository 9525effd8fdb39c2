"""The named predicates rules check with, and the applicability conditions rules declare.

The predicates live beside the rules that use them, one module per catalogue file
(``mlops_audit/pillars/data.py`` for ``rules/data.yaml``); importing this module registers them all. Each
condition returns None when it holds, or the reason the rule does not apply.
"""

from __future__ import annotations

from collections.abc import Callable

from mlops_audit.facts.ci import not_on_changes
from mlops_audit.facts.repo import RepoFacts
from mlops_audit.pillars import (  # noqa: F401  (imported to register their predicates)
    automation,
    data,
    deploy,
    governance,
    model,
    monitor,
    reproducibility,
    testing,
)
from mlops_audit.pillars.common import PREDICATES as PREDICATES
from mlops_audit.pillars.common import evidence_at as evidence_at


def _has_python(f: RepoFacts) -> str | None:
    # decided from file names: applicability must not pay for parsing every file
    return None if any(p.endswith((".py", ".ipynb")) for p in f.paths) else "no Python code or notebooks"


def _ml_product(f: RepoFacts) -> str | None:
    if not f.is_ml_project:
        return CONDITIONS["ml_project"](f)
    from mlops_audit.facts.project_kind import ml_tool

    tool = ml_tool(f)
    if tool:
        return f"an ML tool, not an ML project: {tool}"
    from mlops_audit.facts.project_kind import demonstration

    shown = demonstration(f)
    return f"no ML product: {shown}" if shown else None


def _own_product(f: RepoFacts) -> str | None:
    reason = _ml_product(f)
    if reason:
        return reason
    from mlops_audit.facts.project_kind import showcase

    shown = showcase(f)
    return f"no product of its own: {shown}" if shown else None


def _not_template(f: RepoFacts) -> str | None:
    from mlops_audit.facts.project_kind import cookiecutter_template

    folder = cookiecutter_template(f)
    if folder is None:
        return None
    shown = folder if len(folder) <= 60 else folder[:57] + "..."
    return (f"a Cookiecutter template: the project it generates ({shown}/) is not audited here; generate one "
            "(cookiecutter --no-input) and audit that")


def _code_server(f: RepoFacts) -> str | None:
    from mlops_audit.pillars.governance import flask_apps, notebook_launches

    return None if notebook_launches(f) or flask_apps(f) else "no notebook server is started here, and no Flask app"


def _unpacks(f: RepoFacts) -> str | None:
    if f.imports_of(["tarfile", "shutil"], tests=False):
        return None
    return "no archive is unpacked here (no tarfile or shutil)"


def _cors(f: RepoFacts) -> str | None:
    from mlops_audit.pillars.governance import cors_files

    return None if cors_files(f) else "no CORS configuration"


NO_TRAINING = "no model training found (fit/train calls, a trainer or a training loop, with an ML library)"
CONDITIONS: dict[str, Callable[[RepoFacts], str | None]] = {
    "ml_project": lambda f: None if f.is_ml_project else
    "not an ML project (no ML library imports, model files, training scripts or data notebooks)",
    "ml_product": _ml_product,
    "own_product": _own_product,
    "not_template": _not_template,
    "code_server": _code_server,
    "cors": _cors,
    "unpacks_archives": _unpacks,
    "trains": lambda f: None if f.trains else NO_TRAINING,
    "trains_here": lambda f: None if f.trains_here else NO_TRAINING
    + ("; training runs in platform jobs, whose training code is not in this repository" if f.trains else ""),
    "has_model": lambda f: None if f.has_model else "no model is trained or stored here",
    "serves": lambda f: None if f.serves else
    "no model serving code (no serving app that loads or calls a model, in an ML project)",
    "inference": lambda f: None if f.inference_files and f.has_model else "no serving or inference code",
    "uses_data": lambda f: None if f.uses_data else "no data files or data loading found",
    "has_python": _has_python,
    "git": lambda f: None if f.inventory.is_git else "not a git repository",
    "has_dockerfile": lambda f: None if f.dockerfiles else "no Dockerfile",
    "has_ci": lambda f: None if any(not not_on_changes(c) for c in f.ci_files) else (
        "every CI pipeline runs only by hand or on events that change no code (AUT001)" if f.ci_files
        else "no CI configuration"),
    "has_notebooks": lambda f: None if f.notebooks else "no readable notebooks",
    "has_tests": lambda f: None if f.test_files else "no tests",
    "has_manifest": lambda f: None if f.manifests.files else "no dependency manifest",
}


def not_applicable(conditions: tuple[str, ...], facts: RepoFacts) -> str | None:
    for name in conditions:
        reason = CONDITIONS[name](facts)
        if reason:
            return reason
    return None
