"""``mlops-audit new``: generate a project from the bundled Cookiecutter template."""

from __future__ import annotations

from pathlib import Path

from mlops_audit.resources import resource_dir


def template_dir() -> Path:
    """Return the directory holding the template's ``cookiecutter.json`` (bundled or checkout)."""
    return resource_dir("template")


def new_project(
    output_dir: Path,
    *,
    no_input: bool = False,
    extra_context: dict[str, str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Generate a project into ``output_dir`` and return the path of the generated project.

    ``extra_context`` overrides the template's defaults (e.g. ``{"serving": "none"}``); with
    ``no_input`` nothing is asked. Raises ``cookiecutter.exceptions.FailedHookException`` when the
    template's pre-generation hook refuses the answers (nothing is left behind), and
    ``cookiecutter.exceptions.OutputDirExistsException`` when the project exists and ``overwrite`` is
    false.
    """
    from cookiecutter.main import cookiecutter  # imported lazily: only ``new`` needs it

    output_dir.mkdir(parents=True, exist_ok=True)
    project = cookiecutter(
        str(template_dir()),
        no_input=no_input,
        extra_context=dict(extra_context or {}),
        output_dir=str(output_dir),
        overwrite_if_exists=overwrite,
    )
    return Path(project)
