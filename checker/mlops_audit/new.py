"""``mlops-audit new``: generate a project from the bundled Cookiecutter template.

Two ways to place the project:

- :func:`create_project` (``mlops-audit new PATH``): ``PATH`` is the project folder itself; its name is the
  project's slug (folder, distribution and image name) and the default project name.
- :func:`new_project` (``mlops-audit new`` without a path, and Cookiecutter itself): the folder is the slug
  of the project name, created inside an output directory.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_audit.resources import resource_dir

if TYPE_CHECKING:
    from jinja2 import Environment

# The rule of template/hooks/pre_gen_project.py (SLUG_RE): the folder name is also the distribution name
# and the container image name, so it is lowercase.
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class NewProjectError(Exception):
    """The project folder cannot be used (a bad name, a file, a folder that is not empty)."""


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
    import logging

    # A refused answer is reported by the template's hook (one ERROR line) and by the exception raised here;
    # without a handler, Python's last-resort handler would add cookiecutter's logged traceback to stderr.
    logging.getLogger("cookiecutter").addHandler(logging.NullHandler())
    output_dir.mkdir(parents=True, exist_ok=True)
    return Path(_bake(template_dir(), output_dir, no_input, dict(extra_context or {}), overwrite))


def _bake(template: Path, output_dir: Path, no_input: bool, extra_context: dict[str, str], overwrite: bool) -> str:
    """``cookiecutter.main.cookiecutter`` for a local template, through the library functions it calls.

    ``cookiecutter.main`` imports what remote templates need (``requests``, for zip downloads), 60-110 ms. The
    steps are those of ``cookiecutter()`` for a local directory, with its user config, context keys and replay
    file; what it offers that this template does not use (replay, nested templates, ``pre_prompt`` hooks, local
    Jinja extensions, hooks that are not Python) is left out, and tests/template/test_new_command.py fails if the
    template starts using one, or if the output differs from ``cookiecutter()``'s.
    """
    from cookiecutter.config import get_user_config  # imported lazily: only ``new`` needs them
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config
    from cookiecutter.replay import dump

    config = get_user_config()
    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        default_context=config["default_context"],
        extra_context=extra_context,
    )
    context["_cookiecutter"] = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    context["cookiecutter"].update(prompt_for_config(context, no_input))
    context["cookiecutter"].update(
        _template=str(template), _output_dir=os.path.abspath(output_dir), _repo_dir=str(template), _checkout=None
    )
    dump(config["replay_dir"], template.name, context)
    return _generate(template, context, output_dir, overwrite)


def _generate(template: Path, context: dict[str, Any], output_dir: Path, overwrite: bool) -> str:
    """``cookiecutter.generate.generate_files`` with the template's hooks run in this process.

    Cookiecutter runs each Python hook in a new interpreter: two interpreter start-ups, about a third of the
    bake. The hooks are this package's own files (the bundled template), so ``new`` renders them as Cookiecutter
    does and runs them here, in the same order and folder and with the same outcome: the project folder is
    created, the pre-generation hook runs in it, the files are written, the post-generation hook runs; a failure
    removes the folder if this call created it. (Hooks run by ``cookiecutter`` or ``cruft`` still run in their
    own process.)
    """
    from cookiecutter.find import find_template
    from cookiecutter.generate import generate_files, render_and_create_dir
    from cookiecutter.utils import create_env_with_context, rmtree

    env = create_env_with_context(context)
    folder, created = render_and_create_dir(find_template(template, env).name, context, output_dir, env, overwrite)
    project: str = os.path.abspath(folder)
    try:
        _run_hook(template / "hooks" / "pre_gen_project.py", project, context, env)
        generate_files(
            repo_dir=str(template), context=context, output_dir=str(output_dir), overwrite_if_exists=True,
            accept_hooks=False,
        )  # fmt: skip
        _run_hook(template / "hooks" / "post_gen_project.py", project, context, env)
    except BaseException:
        if created:
            rmtree(project)
        raise
    return project


def _run_hook(script: Path, cwd: str, context: dict[str, Any], env: Environment) -> None:
    """Render ``script`` with Jinja and run it as ``__main__`` in ``cwd``, as ``cookiecutter.hooks`` would in a
    new interpreter; a non-zero exit status (or an exception) raises ``FailedHookException``."""
    from cookiecutter.exceptions import FailedHookException

    if not script.is_file():
        return
    source = env.from_string(script.read_text(encoding="utf-8")).render(**context)
    code = compile(source, str(script), "exec", dont_inherit=True)
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        exec(code, {"__name__": "__main__", "__file__": str(script)})
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except Exception as error:
        raise FailedHookException(f"Hook script failed ({type(error).__name__}: {error})") from error
    finally:
        os.chdir(previous)
    if status:
        raise FailedHookException(f"Hook script failed (exit status: {status})")


def _exit_status(code: object) -> int:
    """The exit status the interpreter would give ``sys.exit(code)`` (a message is printed, as it would be)."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def create_project(
    path: Path,
    *,
    no_input: bool = False,
    extra_context: dict[str, str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Generate the project *in* ``path`` and return it (absolute).

    The folder's name becomes the project's slug and, unless ``extra_context`` names the project, its
    name (a ``project_name`` answer still changes the title and the package name, not the folder). The
    missing parent folders are created, and removed again if the generation fails. An existing empty
    folder is used; a folder that is not empty is refused unless ``overwrite`` (the template's files are
    then written over it, its other files kept). Raises :class:`NewProjectError` for a folder that cannot
    be used, and what :func:`new_project` raises.
    """
    target = Path(os.path.abspath(path))  # lexical: "." is the current folder, a symlink keeps its name
    name = target.name
    if not _SLUG_RE.match(name):
        hint = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
        raise NewProjectError(
            f"{name or str(path)!r} cannot name a project folder: its name is also the distribution and "
            "image name, so use lowercase letters, digits, '-', '_' or '.'"
            + (f" (for example {hint!r})" if hint and _SLUG_RE.match(hint) else "")
        )
    if target.exists() and not target.is_dir():
        raise NewProjectError(f"{path} exists and is not a folder")
    existing = target.is_dir()
    if existing and not overwrite and any(target.iterdir()):
        raise NewProjectError(
            f"{path} exists and is not empty: choose a new folder, or add --overwrite to write the "
            "template's files into it (its other files are kept)"
        )
    context = {"project_name": name, **(extra_context or {}), "__project_slug": name}
    made = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    try:
        return new_project(target.parent, no_input=no_input, extra_context=context, overwrite=overwrite or existing)
    except BaseException:
        for folder in made:  # deepest first; only the empty folders this call created
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def next_steps(project: Path, cwd: Path | None = None) -> list[str]:
    """The commands to run next: ``cd`` into the project (unless it is ``cwd``), then the generated README's
    quickstart (the project's own list, so what is printed is what its README says)."""
    here = Path(os.path.abspath(cwd or Path.cwd()))
    project = Path(os.path.abspath(project))
    steps = []
    if project != here:
        shown = project.relative_to(here) if project.is_relative_to(here) else project
        steps.append(f"cd {shlex.quote(str(shown))}")
    return steps + _quickstart(project / "README.md")


def _quickstart(readme: Path) -> list[str]:
    """The lines of the first ``bash`` block under the README's ``## Quickstart`` heading."""
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    _, found, section = text.partition("\n## Quickstart\n")
    if not found:
        return []
    _, opened, block = section.partition("```bash\n")
    body, closed, _ = block.partition("\n```")
    return [line for line in body.splitlines() if line.strip()] if opened and closed else []


def created_message(project: Path, cwd: Path | None = None) -> str:
    """What ``mlops-audit new`` prints: where the project is and what to run next."""
    lines = [f"Created {project}", "", "Next steps:"]
    lines += [f"  {step}" for step in next_steps(project, cwd)]
    return "\n".join(lines)
