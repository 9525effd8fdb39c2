"""Render one file of the bundled Cookiecutter template for an existing repository.

One source of truth: `fix` writes exactly what `mlops-audit new` would generate, from the same template
files, rendered by Cookiecutter's own Jinja environment with the answers inferred from the repository and a
private `_retrofit` variable (empty for a normal bake) that the template uses where an existing project
differs from a fresh one (install from its requirements, no Makefile, its own entry point).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from mlops_audit.fix.context import RepoContext, shown_value
from mlops_audit.new import template_dir

PROJECT_DIR = "{{cookiecutter.__project_slug}}"


@cache
def _defaults() -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads((template_dir() / "cookiecutter.json").read_text(encoding="utf-8"))
    return data


def python_string_body(text: str) -> str:
    """``text`` as it goes between the double quotes of a Python string literal in a generated file (the smoke
    test lists the repository's files so): a quote or backslash in a file name stays part of the name."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def cookiecutter_context(ctx: RepoContext, *, docker: bool, python_version_file: bool,
                         stages: list[dict[str, Any]]) -> dict[str, Any]:
    """The `cookiecutter` variable the template sees: its defaults, the inferred answers, `_retrofit`."""
    from collections import OrderedDict

    from cookiecutter.prompt import prompt_for_config

    answers = OrderedDict(_defaults())
    answers["project_name"] = ctx.project_name  # letters, digits, spaces and ._+- only (context.project_name)
    if ctx.package_name:
        answers["package_name"] = ctx.package_name
    answers["python_version"] = ctx.python_version
    answers["author"] = shown_value(ctx.author)  # Cookiecutter renders answers as templates: no braces
    answers["ci"] = [ctx.ci]
    answers["tracking"] = [ctx.tracking]
    answers["data_versioning"] = [ctx.data_tool]
    answers["serving"] = ["fastapi" if ctx.serving_mode == "online API" else "none"]
    answers["git_init"] = False
    rendered: dict[str, Any] = dict(prompt_for_config({"cookiecutter": answers}, no_input=True))
    rendered["_retrofit"] = {
        "requirements": ctx.requirements,
        "install_project": ctx.install_project,
        "install": ctx.install_command,
        "python_version_file": python_version_file,
        "docker": docker,
        "run": ctx.entry,
        "stages": stages,
        "import_root": ctx.import_root,
        "sources": [python_string_body(p) for p in ctx.sources],
        "modules": [{"name": m.name, "side_effect": m.side_effect} for m in ctx.modules],
        "notebooks": [python_string_body(p) for p in ctx.notebooks],
        "hyperparameters": ctx.hyperparameters,
        "seed": ctx.seed,
        "model_type": ctx.model_type,
        "data_files": ctx.data_files,
        "serving_mode": ctx.serving_mode,
    }
    return rendered


def template_text(relpath: str) -> str:
    """The raw template source of a project file (path relative to the generated project)."""
    return (template_dir() / PROJECT_DIR / relpath).read_text(encoding="utf-8")


def render(relpath: str, cookiecutter: dict[str, Any]) -> str:
    """Render a project file of the template exactly as Cookiecutter would (copy-without-render included)."""
    from fnmatch import fnmatch

    from cookiecutter.environment import StrictEnvironment

    text = template_text(relpath)
    if any(fnmatch(relpath, pattern) for pattern in cookiecutter.get("_copy_without_render", [])):
        return text
    env = StrictEnvironment(context={"cookiecutter": cookiecutter}, keep_trailing_newline=True)
    rendered: str = env.from_string(text).render(cookiecutter=cookiecutter)
    return rendered
