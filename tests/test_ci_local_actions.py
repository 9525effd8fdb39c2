"""Issue 13, class 3 for CI: a workflow step that uses a composite action of the repository
(``uses: ./.github/actions/unit-tests``) runs what the action's steps run, so tests run there are run by CI
(AUT002). The near misses: an action that runs no tests, a published action (``uses: owner/action@v1``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, result

WORKFLOW = ("name: build\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - name: Run unit tests\n        uses: {uses}\n")
ACTION = "name: unit tests\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: {run}\n"
BASE = {"train.py": TRAIN, "tests/test_train.py": "def test_it():\n    assert 1\n"}


@pytest.mark.parametrize(
    ("uses", "action_path", "run"),
    [
        pytest.param("./.github/actions/run-unit-tests", ".github/actions/run-unit-tests/action.yaml",
                     "coverage run -m unittest discover -s tests", id="unittest-in-the-action"),
        pytest.param("'./ci/test-action/'", "ci/test-action/action.yml", "python -m pytest -q", id="quoted-path"),
        pytest.param("./.github/actions/t", ".github/actions/t/action.yml", "bash ci/run_tests.sh",
                     id="through-a-script"),
    ],
)
def test_a_local_action_running_tests_is_ci_running_tests(tmp_path: Path, uses: str, action_path: str,
                                                          run: str) -> None:
    files = {**BASE, ".github/workflows/ci.yml": WORKFLOW.format(uses=uses), action_path: ACTION.format(run=run),
             "ci/run_tests.sh": "pytest tests\n"}
    aut002 = result(build(tmp_path, files), "AUT002")
    assert aut002.status == "pass"
    assert action_path in (aut002.reason or "")


@pytest.mark.parametrize(
    ("uses", "files"),
    [
        pytest.param("./.github/actions/lint", {".github/actions/lint/action.yml": ACTION.format(run="ruff check .")},
                     id="action-running-no-tests"),
        pytest.param("owner/run-tests@v1", {}, id="published-action"),
        pytest.param("./../outside", {}, id="path-out-of-the-repository"),
    ],
)
def test_near_misses_are_ci_running_no_tests(tmp_path: Path, uses: str, files: dict[str, str]) -> None:
    files = {**BASE, ".github/workflows/ci.yml": WORKFLOW.format(uses=uses), **files}
    assert result(build(tmp_path, files), "AUT002").status == "fail"


SMOKE = ("name: ci\non: [push]\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/checkout@v4\n      - name: {name}\n        run: |\n          {run}\n")


@pytest.mark.parametrize(("name", "run"), [
    ("Test detection", "python train.py --epochs 1 --device cpu"),
    ("Run tests", "python3 -u scripts/check_model.py --quick"),
])
def test_a_test_step_running_the_repositorys_scripts_is_a_smoke_test(tmp_path: Path, name: str, run: str) -> None:
    files = {**BASE, "scripts/check_model.py": "print('ok')\n", ".github/workflows/ci.yml": SMOKE.format(name=name,
                                                                                                          run=run)}
    aut002 = result(build(tmp_path, files), "AUT002")
    assert aut002.status == "pass"
    assert "smoke test" in (aut002.reason or "")


@pytest.mark.parametrize(("name", "run"), [
    ("Upload test results", "echo uploading"),
    ("Build docs", "python train.py --epochs 1"),
    ("Test the package", "python -c 'import pkg' && python missing.py"),
])
def test_steps_that_are_no_smoke_test_do_not_count(tmp_path: Path, name: str, run: str) -> None:
    files = {**BASE, ".github/workflows/ci.yml": SMOKE.format(name=name, run=run)}
    assert result(build(tmp_path, files), "AUT002").status == "fail"


EXAMPLES_SH = ("#!/bin/bash\n# runs every example once, as an integration test\nset -e\n"
               "pushd mnist\n  uv run main.py --epochs 1 --dry-run || error 'mnist failed'\npopd\n")


@pytest.mark.parametrize("run", ["./run_python_examples.sh", "bash run_python_examples.sh dcgan,mnist"])
def test_a_test_step_running_a_script_of_the_examples_is_a_smoke_test(tmp_path: Path, run: str) -> None:
    """A step named as a test runs a shell script of the repository that runs its Python scripts (``uv run
    main.py``, ``python3 train.py``): every example fails the build when it breaks."""
    files = {**BASE, "run_python_examples.sh": EXAMPLES_SH, "mnist/main.py": "print('ok')\n",
             ".github/workflows/ci.yml": SMOKE.format(name="Run Tests", run=run)}
    aut002 = result(build(tmp_path, files), "AUT002")
    assert aut002.status == "pass"
    assert "run_python_examples.sh, which runs the repository's Python scripts" in (aut002.reason or "")


@pytest.mark.parametrize(("name", "script"), [
    ("Run Tests", "#!/bin/sh\nruff check .\n# python main.py, once the examples are back\n"),  # runs no Python file
    ("Run Tests", "#!/bin/sh\npip install -r requirements.py\necho python main.py\n"),
    ("Build images", EXAMPLES_SH),  # not a test step
], ids=["lint-only", "no-python-run", "not-a-test-step"])
def test_a_script_step_that_is_no_smoke_test(tmp_path: Path, name: str, script: str) -> None:
    files = {**BASE, "check.sh": script, ".github/workflows/ci.yml": SMOKE.format(name=name, run="./check.sh")}
    assert result(build(tmp_path, files), "AUT002").status == "fail"


TRIAGE = ("name: triage\non:\n  issues:\n    types: [opened, labeled]\n  issue_comment:\njobs:\n  test:\n"
          "    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/triage@v1\n")


def test_an_issue_bot_is_no_ci(tmp_path: Path) -> None:
    """A workflow started only by issue events (a triage bot) tests no change: alone, there is no CI (AUT001);
    beside a CI that runs the tests, it is not a CI "running no tests" (AUT002)."""
    report = build(tmp_path, {**BASE, ".github/workflows/triage.yml": TRIAGE})
    assert result(report, "AUT001").status == "fail"
    assert "only on repository events that change no code (on: issue_comment, issues)" in \
        findings(report, "AUT001")[0].message
    assert result(report, "AUT002").status == "not_applicable"
    tested = build(tmp_path / "t", {**BASE, ".github/workflows/triage.yml": TRIAGE,
                                    ".github/workflows/ci.yml": SMOKE.format(name="unit", run="pytest -q")})
    assert result(tested, "AUT001").status == "pass" and result(tested, "AUT002").status == "pass"


def test_a_workflow_on_pushes_and_issues_is_ci(tmp_path: Path) -> None:
    text = TRIAGE.replace("on:\n", "on:\n  push:\n")
    report = build(tmp_path, {**BASE, ".github/workflows/triage.yml": text})
    assert result(report, "AUT001").status == "pass" and result(report, "AUT002").status == "fail"
