"""``mlops_audit.new`` and ``cruft create`` generate the same project from the bundled template;
``mlops-audit new PATH`` makes PATH the project folder and prints the real next steps."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mlops_audit.new import NewProjectError, create_project, new_project, next_steps, template_dir
from template_support import PACKAGE, PROJECT_DIR, TEMPLATE, expected_files, project_files

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULTS = {"serving": "fastapi", "data_versioning": "dvc", "ci": "github", "tracking": "mlflow"}


def test_template_dir_is_the_checkout_template() -> None:
    assert template_dir().resolve() == TEMPLATE.resolve()
    assert (template_dir() / "cookiecutter.json").is_file()


def test_new_project_with_defaults(tmp_path: Path) -> None:
    project = new_project(tmp_path, no_input=True)
    assert project == tmp_path / PROJECT_DIR
    assert project_files(project) == expected_files(DEFAULTS)
    assert (project / ".git").is_dir()


OTHER_ANSWERS = {
    "project_name": "Churn Model", "tracking": "none", "serving": "none", "ci": "gitlab", "license": "Apache-2.0",
}  # fmt: skip


@pytest.mark.parametrize("answers", [{}, OTHER_ANSWERS], ids=["defaults", "options"])
def test_new_project_bakes_what_cookiecutter_bakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers: dict[str, str]
) -> None:
    """``new`` calls Cookiecutter's library functions rather than ``cookiecutter()`` (whose module imports what
    remote templates need): same files, same bytes, same replay file."""
    import json

    from cookiecutter.main import cookiecutter

    config = tmp_path / "cookiecutterrc.yaml"
    config.write_text(f"replay_dir: {tmp_path / 'replay'}\n", encoding="utf-8")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    context = {**answers, "git_init": "no"}
    ours = new_project(tmp_path / "ours", no_input=True, extra_context=context)
    ours_replay = json.loads((tmp_path / "replay" / "template.json").read_text(encoding="utf-8"))
    theirs = Path(cookiecutter(str(TEMPLATE), no_input=True, extra_context=context, output_dir=str(tmp_path / "cc")))
    theirs_replay = json.loads((tmp_path / "replay" / "template.json").read_text(encoding="utf-8"))
    assert project_files(ours) == project_files(theirs)
    assert all((ours / f).read_bytes() == (theirs / f).read_bytes() for f in project_files(ours))
    for replay in (ours_replay, theirs_replay):
        del replay["cookiecutter"]["_output_dir"]
    assert ours_replay == theirs_replay


def test_the_template_uses_nothing_the_fast_bake_leaves_out() -> None:
    """What ``cookiecutter()`` does and ``mlops_audit.new._bake`` does not: nested templates, local Jinja
    extensions, a pre_prompt hook. Using one in the template means calling ``cookiecutter()`` again."""
    import json

    data = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    assert not {"template", "templates", "_extensions"} & set(data)
    hooks = {p.name for p in (TEMPLATE / "hooks").iterdir() if p.stem in HOOK_NAMES}
    assert hooks == {"pre_gen_project.py", "post_gen_project.py"}  # Python hooks, the two ``new`` runs itself


# The hooks Cookiecutter looks for (cookiecutter.hooks._HOOKS), whatever their extension.
HOOK_NAMES = ("pre_prompt", "pre_gen_project", "post_gen_project")


def test_new_runs_the_hooks_without_starting_an_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cookiecutter starts a Python interpreter per hook (about a third of a bake); ``new`` runs the bundled
    template's hooks in its own process, with the same effects (here: the post-generation hook's git init and
    lock filtering; the refused answers of the pre-generation hook are the tests below)."""
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    class RecordingPopen(real_popen):  # type: ignore[valid-type,misc]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            started.append([str(a) for a in args] if isinstance(args, list | tuple) else [str(args)])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)
    project = new_project(tmp_path, no_input=True, extra_context={"serving": "none"})
    assert [c for c in started if c[0] == sys.executable or Path(c[0]).name.startswith("python")] == []
    assert [c[:2] for c in started] == [["git", "init"]]  # the post-generation hook ran
    assert (project / ".git").is_dir() and not (project / "src" / PACKAGE / "serving").exists()
    assert "  # needs " not in (project / "requirements.lock").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("failure", "message"),
    [("raise RuntimeError('boom')", r"RuntimeError: boom"), ("sys.exit(3)", r"exit status: 3")],
    ids=["exception", "exit-status"],
)
def test_a_failing_hook_stops_new_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str, message: str
) -> None:
    from cookiecutter.exceptions import FailedHookException

    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template)
    hook = template / "hooks" / "post_gen_project.py"
    hook.write_text(hook.read_text(encoding="utf-8").replace("    sys.exit(main())", f"    {failure}"), "utf-8")
    monkeypatch.setattr("mlops_audit.new.template_dir", lambda: template)
    here = Path.cwd()
    with pytest.raises(FailedHookException, match=message):
        create_project(tmp_path / "out" / "proj", no_input=True, extra_context=NO_GIT)
    assert Path.cwd() == here  # the hook ran in the project folder; the process is back where it was
    assert not (tmp_path / "out").exists()


def test_a_refused_answer_over_an_existing_folder_writes_nothing_and_keeps_it(tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException

    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(FailedHookException):
        create_project(target, no_input=True, extra_context={**NO_GIT, "package_name": "pandas"}, overwrite=True)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]  # the answers are checked before any file


def test_new_project_with_extra_context(tmp_path: Path) -> None:
    context = {"project_name": "Churn Model", "serving": "none", "ci": "gitlab", "git_init": "no"}
    project = new_project(tmp_path, no_input=True, extra_context=context)
    assert project.name == "churn-model"
    assert (project / ".gitlab-ci.yml").is_file()
    assert not (project / "src" / "churn_model" / "serving").exists()
    assert not (project / ".git").exists()


def test_new_project_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    from cookiecutter.exceptions import OutputDirExistsException

    new_project(tmp_path, no_input=True, extra_context={"git_init": "no"})
    with pytest.raises(OutputDirExistsException):
        new_project(tmp_path, no_input=True, extra_context={"git_init": "no"})
    project = new_project(tmp_path, no_input=True, extra_context={"git_init": "no"}, overwrite=True)
    assert project.is_dir()


def test_new_project_bad_answer_leaves_nothing(tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException

    with pytest.raises(FailedHookException):
        new_project(tmp_path, no_input=True, extra_context={"package_name": "pandas"})
    assert list(tmp_path.iterdir()) == []


def test_cruft_create_from_a_local_copy(tmp_path: Path) -> None:
    cruft = shutil.which("cruft")
    assert cruft, "cruft not found: install the test extras"
    source = tmp_path / "template-repo"
    shutil.copytree(TEMPLATE, source / "template")
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=source, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "template"],
        cwd=source, check=True,
    )  # fmt: skip
    out = tmp_path / "out"
    result = subprocess.run(
        [cruft, "create", str(source), "--directory", "template", "--no-input", "--output-dir", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    project = out / PROJECT_DIR
    assert project_files(project) == expected_files(DEFAULTS) | {".cruft.json"}
    assert (project / ".git").is_dir()
    check = subprocess.run([cruft, "check"], cwd=project, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


# ---------------------------------------------------------------- mlops-audit new PATH: PATH is the project
NO_GIT = {"git_init": "no"}


def _distribution(project: Path) -> str:
    return str(tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"])


def test_the_path_is_the_project_folder(tmp_path: Path) -> None:
    project = create_project(tmp_path / "my-project", no_input=True, extra_context=NO_GIT)
    assert project == tmp_path / "my-project"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-project"]  # no my-project/wine-quality-classifier
    assert _distribution(project) == "my-project"
    assert (project / "src" / "my_project" / "__init__.py").is_file()
    assert (project / "README.md").read_text(encoding="utf-8").startswith("# my-project\n")
    assert "docker build -t my-project:latest ." in (project / "Makefile").read_text(encoding="utf-8")


def test_a_nested_path_creates_its_parents(tmp_path: Path) -> None:
    project = create_project(tmp_path / "path" / "to" / "churn_model", no_input=True, extra_context=NO_GIT)
    assert project == tmp_path / "path" / "to" / "churn_model"
    assert _distribution(project) == "churn_model"  # the folder name, not a re-slugged "churn-model"
    assert (project / "src" / "churn_model").is_dir()


def test_a_project_name_answer_keeps_the_folder(tmp_path: Path) -> None:
    context = {**NO_GIT, "project_name": "Churn Risk Model"}
    project = create_project(tmp_path / "churn", no_input=True, extra_context=context)
    assert project == tmp_path / "churn" and _distribution(project) == "churn"
    assert (project / "src" / "churn_risk_model").is_dir()
    assert (project / "README.md").read_text(encoding="utf-8").startswith("# Churn Risk Model\n")


def test_an_existing_empty_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "wine"
    target.mkdir()
    monkeypatch.chdir(target)
    project = create_project(Path("."), no_input=True, extra_context=NO_GIT)
    assert project == target and (target / "Makefile").is_file() and _distribution(project) == "wine"


def test_an_existing_folder_that_is_not_empty_is_refused_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(NewProjectError, match=r"exists and is not empty.*--overwrite"):
        create_project(target, no_input=True, extra_context=NO_GIT)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    create_project(target, no_input=True, extra_context=NO_GIT, overwrite=True)
    assert (target / "Makefile").is_file() and (target / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("", encoding="utf-8")
    with pytest.raises(NewProjectError, match="not a folder"):
        create_project(tmp_path / "taken", no_input=True, extra_context=NO_GIT)


@pytest.mark.parametrize("name", ["My-Project", "my project", "-x", "{{ 7 * 7 }}", "caf\u00e9"])
def test_a_name_that_cannot_be_a_slug_is_refused_and_leaves_nothing(tmp_path: Path, name: str) -> None:
    with pytest.raises(NewProjectError, match="lowercase letters, digits"):
        create_project(tmp_path / "a" / "b" / name, no_input=True, extra_context=NO_GIT)
    assert list(tmp_path.iterdir()) == []


def test_a_refused_answer_removes_the_parents_it_created(tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException

    with pytest.raises(FailedHookException):
        create_project(tmp_path / "a" / "b" / "ok", no_input=True, extra_context={**NO_GIT, "package_name": "pandas"})
    assert list(tmp_path.iterdir()) == []


def test_next_steps_cd_into_the_project_then_follow_its_readme(tmp_path: Path) -> None:
    project = create_project(tmp_path / "deep" / "my-project-ok", no_input=True, extra_context=NO_GIT)
    steps = next_steps(project, cwd=tmp_path)
    assert steps[0] == "cd deep/my-project-ok"
    assert steps[1].endswith("-m venv .venv && . .venv/bin/activate")
    assert [s.split()[1] for s in steps[2:]] == ["install", "test", "train", "predict", "drift", "lint", "serve"]
    assert next_steps(project, cwd=project)[0].startswith("python")  # already there: no cd
    assert next_steps(project, cwd=tmp_path / "elsewhere")[0] == f"cd {project}"


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mlops_audit", "new", *args, "--no-input", "-c", "git_init=no"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def test_cli_new_name_creates_that_folder_and_prints_the_real_next_steps(tmp_path: Path) -> None:
    result = _cli(tmp_path, "my-project")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-project"]
    lines = result.stdout.splitlines()
    assert lines[0] == f"Created {tmp_path / 'my-project'}"
    printed = [line.strip() for line in lines[lines.index("Next steps:") + 1 :]]
    assert printed == next_steps(tmp_path / "my-project", cwd=tmp_path)
    assert printed[0] == "cd my-project" and "cd wine-quality-classifier" not in result.stdout


def test_cli_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("", encoding="utf-8")
    result = _cli(tmp_path, "busy")
    assert result.returncode == 2 and "exists and is not empty" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]


def test_cli_new_without_a_path_creates_the_slug_here(tmp_path: Path) -> None:
    result = _cli(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / PROJECT_DIR / "Makefile").is_file()
    assert f"  cd {PROJECT_DIR}" in result.stdout.splitlines()


def test_cli_new_reports_a_refused_answer_in_one_line(tmp_path: Path) -> None:
    result = _cli(tmp_path, "1st-model")  # the package name it gives, 1st_model, is not an import name
    assert result.returncode == 2 and list(tmp_path.iterdir()) == []
    assert "ERROR: package_name '1st_model' is not a valid import name" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_cli_new_name_on_a_terminal_asks_with_name_as_default_and_prints_the_steps(tmp_path: Path) -> None:
    """On a terminal (a pty), ``mlops-audit new NAME`` asks the template's questions with NAME as the project
    name; taking every default creates NAME itself and prints the steps to run from here."""
    import os
    import pty
    import select

    main, secondary = pty.openpty()
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_audit", "new", "my-project"], cwd=tmp_path, env=env,
        stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    os.write(main, b"\n" * 11)  # Enter for each of cookiecutter.json's 11 questions: the defaults
    output = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait(timeout=60) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace").replace("\r\n", "\n")
    assert "[1/11] Project name (human readable) (my-project)" in text, text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-project"]
    assert (tmp_path / "my-project" / ".git").is_dir()  # git_init's default, and the hook ran
    steps = text[text.index("Next steps:") :].splitlines()[1:]
    assert [s.strip() for s in steps if s.strip()] == next_steps(tmp_path / "my-project", cwd=tmp_path)
