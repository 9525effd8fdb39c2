"""Bad answers are refused by the pre-generation hook, with one clear line and nothing left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from template_support import PROJECT_DIR, TEMPLATE, bake

BAD_ANSWERS = [
    ({"package_name": "class"}, "is a Python keyword"),
    ({"package_name": "match"}, "is a Python keyword"),
    ({"package_name": "my-package"}, "is not a valid import name"),
    ({"package_name": "1st_model"}, "is not a valid import name"),
    ({"package_name": "Model"}, "is not a valid import name"),
    ({"package_name": "json"}, "standard library"),
    ({"package_name": "src"}, "clashes with a package or folder"),
    ({"package_name": "test"}, "clashes with a package or folder"),
    ({"package_name": "mlflow"}, "clashes with a package or folder"),
    ({"package_name": "sklearn"}, "clashes with a package or folder"),
    ({"package_name": "pandas"}, "clashes with a package or folder"),
    ({"python_version": "3.9"}, "python_version '3.9' is not supported"),
    ({"python_version": "3.10"}, "python_version '3.10' is not supported"),
    ({"python_version": "4.0"}, "python_version '4.0' is not supported"),
    ({"project_name": "a/b"}, "is not a valid import name"),
    ({"project_name": "My Project!"}, "not a valid directory/distribution name"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[str(a) for a, _ in BAD_ANSWERS])
def test_bad_answers_are_refused(tmp_path: Path, answers: dict[str, str], message: str) -> None:
    command = [sys.executable, "-m", "cookiecutter", str(TEMPLATE), "--no-input", "-o", str(tmp_path)]
    command += [f"{key}={value}" for key, value in answers.items()]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ") and message in line]
    assert len(error_lines) == 1, result.stderr
    assert list(tmp_path.iterdir()) == [], "the hook must leave no output directory behind"


@pytest.mark.parametrize("package_name", ["wine", "churn_model", "_private", "model2"])
def test_good_package_names_are_accepted(tmp_path: Path, package_name: str) -> None:
    project = bake(tmp_path, package_name=package_name, git_init=False)
    assert (project / "src" / package_name / "__init__.py").is_file()
    assert project.name == PROJECT_DIR


def test_package_name_is_derived_from_project_name(tmp_path: Path) -> None:
    project = bake(tmp_path, project_name="Churn Risk-Model", git_init=False)
    assert project.name == "churn-risk-model"
    assert (project / "src" / "churn_risk_model").is_dir()


@pytest.mark.parametrize("answer", ["no", "false", "n", "0", "off"])
def test_git_init_no_strings_are_false(tmp_path: Path, answer: str) -> None:
    project = bake(tmp_path, git_init=answer)
    assert not (project / ".git").exists()


@pytest.mark.parametrize("answer", ["yes", "true", "y", "1", "on"])
def test_git_init_yes_strings_are_true(tmp_path: Path, answer: str) -> None:
    project = bake(tmp_path, git_init=answer)
    assert (project / ".git").is_dir()
