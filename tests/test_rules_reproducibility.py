"""Reproducibility pillar: REP001 (manifest), REP002 (unpinned), REP003 (lock file), REP004 (Python version),
REP005 (notebook-only code), REP006 (notebook outputs), REP007 (out-of-order notebooks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, locations, result
from repo_builder import notebook, status

CODE = {"app.py": "def main() -> None:\n    print('hi')\n"}
PYPROJECT_PINNED = '[project]\nname = "x"\nversion = "0"\ndependencies = ["pandas==2.2.3"]\n'


# --------------------------------------------------------------------------- REP001
def test_rep001_python_without_manifest_fires(tmp_path: Path) -> None:
    report = build(tmp_path, CODE)
    assert status(report, "REP001") == "fail"
    assert locations(report, "REP001") == [(None, None, None)]


@pytest.mark.parametrize(
    "manifest",
    [
        {"requirements.txt": "pandas==2.2.3\n"},
        {"requirements/base.in": "pandas\n"},
        {"pyproject.toml": PYPROJECT_PINNED},
        {"environment.yml": "name: x\ndependencies:\n  - python=3.11\n"},
        {"Pipfile": '[packages]\npandas = "==2.2.3"\n'},
        {"setup.py": "from setuptools import setup\nsetup(name='x')\n"},
    ],
    ids=lambda m: next(iter(m)),
)
def test_rep001_any_manifest_passes(tmp_path: Path, manifest: dict[str, str]) -> None:
    assert status(build(tmp_path, {**CODE, **manifest}), "REP001") == "pass"


def test_rep001_not_applicable_without_python(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": "# docs\n"})
    assert status(report, "REP001") == "not_applicable"
    assert result(report, "REP001").reason == "no Python code or notebooks"


# --------------------------------------------------------------------------- REP002
@pytest.mark.parametrize(
    ("path", "text", "line", "name"),
    [
        ("requirements.txt", "# deps\npandas==2.2.3\nscikit-learn\nnumpy>=1.26\n", 3, "scikit-learn"),
        ("requirements.txt", "torch[cuda]  # gpu\n", 1, "torch"),
        ("pyproject.toml", '[project]\nname = "x"\nversion = "0"\ndependencies = [\n  "pandas>=2",\n  "mlflow",\n]\n',
         6, "mlflow"),
        ("environment.yml", "name: x\ndependencies:\n  - python=3.11\n  - numpy=1.26\n  - scipy\n", 5, "scipy"),
        ("environment.yml", "name: x\ndependencies:\n  - pip\n  - pip:\n    - wandb\n", 5, "wandb"),
        ("environment.yml", "name: x\ndependencies:\n  - pip=24.2\n  - numpy\n", 4, "numpy"),
        ("Pipfile", '[packages]\nflask = "==3.0"\nrequests = "*"\n', 3, "requests"),
        ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "*"\n', 3, "httpx"),
    ],
)
def test_rep002_unpinned_dependency_fires_with_file_and_line(
    tmp_path: Path, path: str, text: str, line: int, name: str
) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "REP002") == "fail"
    (f,) = findings(report, "REP002")
    assert (f.path, f.line) == (path, line)
    assert f"`{name}`" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "pandas==2.2.3\n",
        "pandas>=2,<3\n",
        "pandas~=2.2\n",
        "-r base.txt\n--index-url https://example.org/simple\n",
        "mypkg @ git+https://github.com/org/mypkg@v1\n",
        "-e .\n",
    ],
)
def test_rep002_constrained_requirements_pass(tmp_path: Path, text: str) -> None:
    assert status(build(tmp_path, {**CODE, "requirements.txt": text}), "REP002") == "pass"


def test_rep002_not_applicable_without_manifest(tmp_path: Path) -> None:
    report = build(tmp_path, CODE)
    assert status(report, "REP002") == "not_applicable"
    assert result(report, "REP002").reason == "no dependency manifest"


# --------------------------------------------------------------------------- REP003
def test_rep003_ranges_without_lock_fire(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, "requirements.txt": "pandas>=2\nnumpy==1.26.4\n"})
    assert status(report, "REP003") == "fail"
    assert locations(report, "REP003") == [(None, None, None)]


@pytest.mark.parametrize(
    "lock",
    [
        {"uv.lock": "version = 1\n"},
        {"poetry.lock": "# poetry\n"},
        {"Pipfile.lock": "{}\n"},
        {"requirements.lock": "pandas==2.2.3\n"},
        {"requirements-dev.lock.txt": "pytest==8.3.3\n"},
        {"conda-lock.yml": "version: 1\n"},
        {"requirements.txt": "pandas==2.2.3\nnumpy==1.26.4\n"},  # pip freeze output
        {"requirements.txt": "pandas>=2 \\\n    --hash=sha256:abc\n"},  # pip-compile --generate-hashes
    ],
    ids=lambda m: next(iter(m)) + ("-" + next(iter(m.values()))[:8] if "requirements.txt" in m else ""),
)
def test_rep003_lock_files_pass(tmp_path: Path, lock: dict[str, str]) -> None:
    report = build(tmp_path, {**CODE, "pyproject.toml": PYPROJECT_PINNED, **lock})
    assert status(report, "REP003") == "pass"


# --------------------------------------------------------------------------- REP004
def test_rep004_no_python_version_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, "pyproject.toml": PYPROJECT_PINNED})
    assert status(report, "REP004") == "fail"


@pytest.mark.parametrize(
    "declaration",
    [
        {"pyproject.toml": '[project]\nname = "x"\nversion = "0"\nrequires-python = ">=3.11"\n'},
        {".python-version": "3.11.9\n"},
        {"runtime.txt": "python-3.11.9\n"},
        {".tool-versions": "python 3.11.9\n"},
        {"environment.yml": "dependencies:\n  - python=3.11\n"},
        {"setup.py": "from setuptools import setup\nsetup(python_requires='>=3.11')\n"},
        {"Pipfile": '[requires]\npython_version = "3.11"\n'},
        {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'},
        {"Dockerfile": "FROM python:3.11-slim\n"},
        {"docker/Dockerfile": "FROM docker.io/library/python:3.12.4 AS base\n"},
        {".devcontainer.json": '{\n  // a dev container\n'
                               '  "image": "mcr.microsoft.com/devcontainers/python:3.10"\n}\n'},
        {".devcontainer/devcontainer.json": '{"features": {"ghcr.io/devcontainers/features/python:1": '
                                            '{"version": "3.11"}}}\n'},
        {".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                     "      - uses: actions/setup-python@v5\n        with:\n"
                                     "          python-version: '3.8'\n"},
        {".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n"
                                     "        python-version: [\"3.10\", \"3.11\"]\n    runs-on: ubuntu-latest\n"
                                     "    steps:\n      - run: pytest\n"},
    ],
    ids=lambda m: next(iter(m)) + ("" if "python-version" not in next(iter(m.values())) else
                                   "-matrix" if "matrix" in next(iter(m.values())) else "-setup-python"),
)
def test_rep004_declarations_pass(tmp_path: Path, declaration: dict[str, str]) -> None:
    assert status(build(tmp_path, {**CODE, **declaration}), "REP004") == "pass"


@pytest.mark.parametrize(
    "not_a_declaration",
    [
        {"sub/.python-version": "3.11\n"},  # only at the root
        {".tool-versions": "nodejs 20.1.0\n"},
        {"environment.yml": "dependencies:\n  - python\n"},  # no version
        {"Dockerfile": "FROM python:latest\n"},
        {".devcontainer.json": '{"image": "mcr.microsoft.com/devcontainers/base:ubuntu"}\n'},
        {"docs/devcontainer.json": '{"image": "python:3.10"}\n'},  # not where a dev container is read from
        {".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                     "      - uses: actions/setup-python@v5\n      - run: pytest\n"},
    ],
    ids=lambda m: next(iter(m)) + ("-base-image" if "base:ubuntu" in next(iter(m.values())) else ""),
)
def test_rep004_non_declarations_fire(tmp_path: Path, not_a_declaration: dict[str, str]) -> None:
    assert status(build(tmp_path, {**CODE, **not_a_declaration}), "REP004") == "fail"


# --------------------------------------------------------------------------- REP005
def test_rep005_all_code_in_notebooks_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.ipynb": notebook(TRAIN)})
    assert status(report, "REP005") == "fail"
    (f,) = findings(report, "REP005")
    assert f.path is None and "all the code (3 lines) lives in 1 notebook(s)" in f.message


def test_rep005_most_code_in_notebooks_fires(tmp_path: Path) -> None:
    big = notebook(TRAIN, "\n".join(f"a{i} = {i}" for i in range(30)))
    report = build(tmp_path, {"train.ipynb": big, "src/util.py": "def f() -> int:\n    return 1\n"})
    assert status(report, "REP005") == "fail"
    assert "33 lines in notebooks vs 3 in modules" in findings(report, "REP005")[0].message


def test_rep005_module_code_outweighing_notebooks_passes(tmp_path: Path) -> None:
    module = "def train() -> None:\n" + "".join(f"    x{i} = {i}\n" for i in range(10))
    files = {"explore.ipynb": notebook("from src.model import train\ntrain()\n"), "src/model.py": module,
             "train.py": TRAIN}
    assert status(build(tmp_path, files), "REP005") == "pass"


def test_rep005_tests_do_not_count_as_modules(tmp_path: Path) -> None:
    tests = "def test_x():\n" + "".join(f"    assert {i}\n" for i in range(30))
    files = {"train.ipynb": notebook(TRAIN), "tests/test_x.py": tests}
    assert status(build(tmp_path, files), "REP005") == "fail"


def test_rep005_not_applicable_without_notebooks(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "REP005") == "not_applicable"
    assert result(report, "REP005").reason == "no readable notebooks"


# --------------------------------------------------------------------------- REP006
def test_rep006_outputs_fire_per_notebook(tmp_path: Path) -> None:
    files = {"a.ipynb": notebook("x = 1\n", "y = 2\n", outputs=True, counts=[1, 2]), "b.ipynb": notebook("z = 3\n")}
    report = build(tmp_path, files)
    assert status(report, "REP006") == "fail"
    (f,) = findings(report, "REP006")
    assert (f.path, f.cell) == ("a.ipynb", None)
    assert "2 of 2 code cells carry outputs" in f.message


def test_rep006_stripped_notebooks_pass(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"a.ipynb": notebook("x = 1\n")}), "REP006") == "pass"


def test_rep006_not_applicable_without_notebooks(tmp_path: Path) -> None:
    assert status(build(tmp_path, CODE), "REP006") == "not_applicable"


# --------------------------------------------------------------------------- REP007
@pytest.mark.parametrize(
    ("counts", "cell"),
    [
        ([1, 3, 2], 3),
        ([2, 1], 2),
        ([1, 1], 2),
        ([5, None, 4], 3),
    ],
)
def test_rep007_out_of_order_fires_on_the_cell(tmp_path: Path, counts: list[int | None], cell: int) -> None:
    nb = notebook(*[f"x{i} = {i}\n" for i in range(len(counts))], counts=counts)
    report = build(tmp_path, {"nb.ipynb": nb})
    assert status(report, "REP007") == "fail"
    assert locations(report, "REP007") == [("nb.ipynb", None, cell)]


@pytest.mark.parametrize("counts", [[1, 2, 3], [1, None, 3], [None, None, None], [4, 7, 9]])
def test_rep007_in_order_passes(tmp_path: Path, counts: list[int | None]) -> None:
    nb = notebook(*[f"x{i} = {i}\n" for i in range(len(counts))], counts=counts)
    assert status(build(tmp_path, {"nb.ipynb": nb}), "REP007") == "pass"


def test_rep007_cell_index_counts_markdown_cells(tmp_path: Path) -> None:
    doc = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]},
            {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [], "source": ["a = 1\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ["text\n"]},
            {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": ["b = 2\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    report = build(tmp_path, {"nb.ipynb": json.dumps(doc)})
    assert locations(report, "REP007") == [("nb.ipynb", None, 4)]


def test_rep002_a_package_naming_its_own_extras_pins_nothing(tmp_path: Path) -> None:
    pyproject = ('[project]\nname = "My_Pkg"\nversion = "1"\ndependencies = ["numpy==2.1.0"]\n'
                 '[project.optional-dependencies]\ngrpc = ["grpcio==1.6"]\nall = ["my-pkg[grpc]", "pandas"]\n')
    report = build(tmp_path, {"pyproject.toml": pyproject, "lib.py": "x = 1\n"})
    assert {f.message for f in findings(report, "REP002")} == {"`pandas` has no version constraint"}


def test_rep002_a_second_entry_of_a_constrained_project_is_constrained(tmp_path: Path) -> None:
    """``triton = ["tritonclient>=2.29", "tritonclient[all]; sys_platform != 'darwin'"]``: the resolver applies
    both entries together; a project named once without a constraint, or constrained only in another file, is not."""
    pyproject = ('[project]\nname = "pkg"\nversion = "1"\ndependencies = ["numpy==2.1.0"]\n'
                 '[project.optional-dependencies]\ntriton = ["tritonclient>=2.29.0", '
                 '"tritonclient[all]; sys_platform != \'darwin\'", "requests"]\n')
    report = build(tmp_path, {"pyproject.toml": pyproject, "requirements.txt": "numpy\n", "lib.py": "x = 1\n"})
    assert sorted((f.path, f.message) for f in findings(report, "REP002")) == [
        ("pyproject.toml", "`requests` has no version constraint"),
        ("requirements.txt", "`numpy` has no version constraint")]


def test_rep002_one_computed_setup_py_does_not_hide_the_other_manifests(tmp_path: Path) -> None:
    setup = "from setuptools import setup\n\nsetup(name='x', install_requires=open('deps.in').read().split())\n"
    report = build(tmp_path, {"setup.py": setup, "deps.in": "numpy\n", "tools/requirements.txt": "pandas\n",
                              "lib.py": "x = 1\n"})
    rep002 = result(report, "REP002")
    assert rep002.status == "fail"
    assert [f.path for f in rep002.findings] == ["tools/requirements.txt"]
    assert "setup.py" in rep002.reason


def test_rep002_a_build_script_named_setup_py_declares_nothing(tmp_path: Path) -> None:
    script = "import argparse\n\nif __name__ == '__main__':\n    argparse.ArgumentParser().parse_args()\n"
    report = build(tmp_path, {"deploy/setup.py": script, "requirements.txt": "pandas==2.2.3\n", "lib.py": "x = 1\n"})
    assert result(report, "REP002").status == "pass"
