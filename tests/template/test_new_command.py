"""``mlops_audit.new`` and ``cruft create`` generate the same project from the bundled template."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from mlops_audit.new import new_project, template_dir
from template_support import PROJECT_DIR, TEMPLATE, expected_files, project_files

DEFAULTS = {"serving": "fastapi", "data_versioning": "dvc", "ci": "github", "tracking": "mlflow"}


def test_template_dir_is_the_checkout_template() -> None:
    assert template_dir().resolve() == TEMPLATE.resolve()
    assert (template_dir() / "cookiecutter.json").is_file()


def test_new_project_with_defaults(tmp_path: Path) -> None:
    project = new_project(tmp_path, no_input=True)
    assert project == tmp_path / PROJECT_DIR
    assert project_files(project) == expected_files(DEFAULTS)
    assert (project / ".git").is_dir()


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
