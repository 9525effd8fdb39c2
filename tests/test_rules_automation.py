"""Automation pillar: AUT001 (CI), AUT002 (CI runs tests), AUT003 (training pipeline), AUT004 (continuous training)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, locations, result
from repo_builder import status

CODE = {"src/lib.py": "def f() -> int:\n    return 1\n"}
GHA = "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {cmd}\n"


# --------------------------------------------------------------------------- AUT001
def test_aut001_no_ci_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {**CODE, ".github/dependabot.yml": "version: 2\n"})
    assert status(report, "AUT001") == "fail"
    assert locations(report, "AUT001") == [(None, None, None)]


@pytest.mark.parametrize(
    ("path", "system"),
    [
        (".github/workflows/ci.yml", "github"),
        (".gitlab-ci.yml", "gitlab"),
        ("azure-pipelines.yml", "azure"),
        ("Jenkinsfile", "jenkins"),
        (".circleci/config.yml", "circleci"),
        ("bitbucket-pipelines.yml", "bitbucket"),
    ],
)
def test_aut001_ci_systems_pass(tmp_path: Path, path: str, system: str) -> None:
    report = build(tmp_path, {**CODE, path: "script: pytest\n"})
    assert status(report, "AUT001") == "pass"
    assert result(report, "AUT001").reason == system


def test_aut001_not_applicable_without_python(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"README.md": "# x\n"}), "AUT001") == "not_applicable"


# --------------------------------------------------------------------------- AUT002
def test_aut002_ci_without_tests_fires_on_the_workflow(tmp_path: Path) -> None:
    files = {**CODE, ".github/workflows/lint.yml": GHA.format(cmd="ruff check ."),
             ".github/workflows/build.yml": GHA.format(cmd="docker build .")}
    report = build(tmp_path, files)
    assert status(report, "AUT002") == "fail"
    assert sorted(locations(report, "AUT002")) == [
        (".github/workflows/build.yml", None, None), (".github/workflows/lint.yml", None, None)]


@pytest.mark.parametrize(
    "cmd",
    ["pytest -q", "python -m pytest tests", "tox -e py311", "uv run pytest", "make test", "nox -s tests",
     "hatch run test", "python -m unittest discover"],
)
def test_aut002_test_commands_pass(tmp_path: Path, cmd: str) -> None:
    report = build(tmp_path, {**CODE, ".github/workflows/ci.yml": GHA.format(cmd=cmd)})
    assert status(report, "AUT002") == "pass"


def test_aut002_make_target_running_pytest_passes(tmp_path: Path) -> None:
    files = {**CODE, "Makefile": "check:\n\truff check .\n\tpytest -q\n\nlint:\n\truff check .\n",
             ".github/workflows/ci.yml": GHA.format(cmd="make check")}
    assert status(build(tmp_path, files), "AUT002") == "pass"
    files[".github/workflows/ci.yml"] = GHA.format(cmd="make lint")
    assert status(build(tmp_path / "lint", files), "AUT002") == "fail"


def test_aut002_not_applicable_without_ci(tmp_path: Path) -> None:
    report = build(tmp_path, CODE)
    assert status(report, "AUT002") == "not_applicable"
    assert result(report, "AUT002").reason == "no CI configuration"


# --------------------------------------------------------------------------- AUT003
def test_aut003_training_by_hand_fires_on_the_training_file(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/train.py": TRAIN, "Makefile": "lint:\n\truff check .\n"})
    assert status(report, "AUT003") == "fail"
    assert locations(report, "AUT003") == [("src/train.py", None, None)]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n"}, id="dvc-stages"),
        pytest.param({"Makefile": "train:\n\tpython train.py\n"}, id="make-train"),
        pytest.param({"Makefile": "pipeline: data\n\tpython train.py\n"}, id="make-pipeline"),
        pytest.param({"MLproject": "name: x\n"}, id="MLproject"),
        pytest.param({"Snakefile": "rule all:\n  input: 'model.pkl'\n"}, id="snakemake"),
        pytest.param({"airflow/dags/train.py": "x = 1\n"}, id="airflow-dags-folder"),
        pytest.param({"flows/train_flow.py": "from prefect import flow\n"}, id="prefect"),
        pytest.param({"pipe.py": "import kfp\n"}, id="kubeflow"),
    ],
)
def test_aut003_pipeline_definitions_pass(tmp_path: Path, extra: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **extra}), "AUT003") == "pass"


def test_aut003_orchestrator_only_in_tests_does_not_count(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "tests/test_flow.py": "import prefect\n\n\ndef test_x():\n    assert prefect\n"}
    assert status(build(tmp_path, files), "AUT003") == "fail"


def test_aut003_not_applicable_without_training(tmp_path: Path) -> None:
    report = build(tmp_path, {"predict.py": "import onnxruntime\n"})
    assert status(report, "AUT003") == "not_applicable"


# --------------------------------------------------------------------------- AUT004
def test_aut004_no_schedule_or_trigger_fires(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, ".github/workflows/ci.yml": GHA.format(cmd="pytest")}
    report = build(tmp_path, files)
    assert status(report, "AUT004") == "fail"
    assert locations(report, "AUT004") == [(None, None, None)]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({".github/workflows/retrain.yml": 'on:\n  schedule:\n    - cron: "0 3 * * 1"\n'}, "scheduled CI"),
        ({".gitlab-ci.yml": 'train:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "schedule"\n'}, "scheduled CI"),
        ({"Jenkinsfile": "pipeline {\n  triggers { cron('H 3 * * 1') }\n}\n"}, "scheduled CI"),
        ({"monitor.py": "def check(d):\n    if d:\n        trigger_retraining(d)\n"}, "retrain trigger (monitor.py:3)"),
        ({"dags/train.py": "from airflow import DAG\n\nwith DAG('t', schedule='@weekly'):\n    pass\n"},
         "Airflow (dags/train.py:3)"),
    ],
)
def test_aut004_schedules_and_triggers_pass(tmp_path: Path, extra: dict[str, str], reason: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, **extra})
    assert status(report, "AUT004") == "pass"
    assert result(report, "AUT004").reason == reason


STALE = ("on:\n  schedule:\n    - cron: '30 1 * * *'\njobs:\n  stale:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/stale@v9\n        with:\n          days-before-stale: 60\n")


def test_aut004_a_scheduled_housekeeping_bot_retrains_nothing(tmp_path: Path) -> None:
    """A scheduled workflow whose steps all run published actions (a stale-issue bot, a code scan) is no
    continuous training."""
    codeql = STALE.replace("actions/stale@v9", "github/codeql-action/analyze@v3")
    files = {"train.py": TRAIN, ".github/workflows/stale.yml": STALE, ".github/workflows/codeql.yml": codeql}
    assert status(build(tmp_path, files), "AUT004") == "fail"


@pytest.mark.parametrize("step", ["      - run: python train.py\n", "      - uses: ./.github/actions/retrain\n",
                                  "      - uses: docker://acme/retrain:1.2\n"])
def test_aut004_a_scheduled_workflow_running_the_repositorys_work_retrains(tmp_path: Path, step: str) -> None:
    workflow = STALE.replace("      - uses: actions/stale@v9\n        with:\n          days-before-stale: 60\n",
                             "      - uses: actions/checkout@v4\n" + step)
    report = build(tmp_path, {"train.py": TRAIN, ".github/workflows/retrain.yml": workflow})
    assert status(report, "AUT004") == "pass"
    assert result(report, "AUT004").reason == "scheduled CI"


def test_aut004_not_applicable_without_training(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": "# x\n"})
    assert status(report, "AUT004") == "not_applicable"


# --------------------------------------------------------------------------- pipelines run only by hand
# A pipeline that no push, pull request, schedule or other pipeline starts checks no change: it is not CI of the
# repository (AUT001 fails on it), and AUT002 has no CI to judge. The near misses keep a trigger besides.
MANUAL_PIPELINES = [
    pytest.param(".github/workflows/deploy.yml", "on:\n  workflow_dispatch:\n    inputs:\n      env: {default: dev}\n"
                 "jobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n",
                 "on: workflow_dispatch", id="github-dispatch-only"),
    pytest.param(".github/workflows/deploy.yml", "on: [workflow_dispatch, repository_dispatch]\njobs:\n  d:\n"
                 "    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n",
                 "on: repository_dispatch, workflow_dispatch", id="github-dispatch-list"),
    pytest.param(".azuredevops/bootstrap.yml", "trigger: none\n\nparameters:\n  - name: repo\n    type: string\n\n"
                 "pool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: ./create_pipelines.sh\n",
                 "trigger: none, no pr trigger, parameter `repo` has no default", id="azure-required-parameter"),
    pytest.param("azure-pipelines.yml", "trigger: none\npr: none\npool:\n  vmImage: ubuntu-latest\nsteps:\n"
                 "  - script: ./deploy.sh\n", "trigger: none, pr: none", id="azure-pr-none"),
]
TRIGGERED_PIPELINES = [
    pytest.param(".github/workflows/ci.yml", "on:\n  push:\n  workflow_dispatch:\njobs:\n  t:\n"
                 "    runs-on: ubuntu-latest\n    steps:\n      - run: ruff check .\n", id="github-push-and-dispatch"),
    pytest.param(".github/workflows/ci.yml", "on:\n  workflow_dispatch:\n  schedule:\n    - cron: '0 3 * * 1'\njobs:\n"
                 "  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff check .\n", id="github-schedule"),
    pytest.param(".azuredevops/ci.yml", "trigger: none\npr:\n  branches:\n    include: [main]\npool:\n"
                 "  vmImage: ubuntu-latest\nsteps:\n  - script: ruff check .\n", id="azure-pr-trigger"),
    pytest.param(".azuredevops/cd.yml", "trigger: none\npr: none\nresources:\n  pipelines:\n    - pipeline: build\n"
                 "      source: build\n      trigger:\n        branches: [main]\npool:\n  vmImage: ubuntu-latest\n"
                 "steps:\n  - script: ruff check .\n", id="azure-pipeline-completion"),
    # trigger: none alone: a branch policy of an Azure Repos repository (outside the file) may run it on each PR
    pytest.param(".azuredevops/pr.yml", "trigger: none\nparameters:\n  - name: py\n    default: '3.11'\npool:\n"
                 "  vmImage: ubuntu-latest\nsteps:\n  - script: ruff check .\n", id="azure-trigger-none-alone"),
    pytest.param(".azuredevops/nightly.yml", "trigger: none\nschedules:\n  - cron: '0 3 * * *'\n"
                 "    branches: {include: [main]}\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: ruff check .\n",
                 id="azure-schedule"),
]


@pytest.mark.parametrize(("path", "text", "says"), MANUAL_PIPELINES)
def test_aut001_a_pipeline_run_only_by_hand_is_not_ci(tmp_path: Path, path: str, text: str, says: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "AUT001") == "fail"
    assert locations(report, "AUT001") == [(path, None, None)]
    assert says in findings(report, "AUT001")[0].message
    assert status(report, "AUT002") == "not_applicable"  # no CI to judge: AUT001 reports it
    assert result(report, "AUT002").reason == ("every CI pipeline runs only by hand or on events that change no code "
                                               "(AUT001)")


@pytest.mark.parametrize(("path", "text"), TRIGGERED_PIPELINES)
def test_aut001_a_pipeline_with_a_trigger_besides_stays_ci(tmp_path: Path, path: str, text: str) -> None:
    report = build(tmp_path, {**CODE, path: text})
    assert status(report, "AUT001") == "pass"
    assert status(report, "AUT002") == "fail"  # it lints only
    assert locations(report, "AUT002") == [(path, None, None)]


def test_aut002_tests_run_only_by_hand_do_not_count(tmp_path: Path) -> None:
    manual = "on: workflow_dispatch\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    files = {**CODE, ".github/workflows/lint.yml": GHA.format(cmd="ruff check ."),
             ".github/workflows/manual-tests.yml": manual}
    report = build(tmp_path, files)
    assert status(report, "AUT001") == "pass"
    assert status(report, "AUT002") == "fail"
    assert locations(report, "AUT002") == [(".github/workflows/lint.yml", None, None),
                                           (".github/workflows/manual-tests.yml", None, None)]
    assert "only by hand" in findings(report, "AUT002")[1].message
    files[".github/workflows/manual-tests.yml"] = manual.replace("on: workflow_dispatch", "on: [workflow_dispatch, "
                                                                 "pull_request]")
    assert status(build(tmp_path / "pr", files), "AUT002") == "pass"


@pytest.mark.parametrize("script", [
    "dvc stage add -n train -d src/train.py -o model.pkl python src/train.py\ndvc repro\n",
    "dvc run -n train -d train.py python train.py\n",
])
def test_aut003_a_script_writing_the_dvc_pipeline_is_a_pipeline(tmp_path: Path, script: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "generate.sh": script})
    assert result(report, "AUT003").status == "pass"
    assert "DVC" in (result(report, "AUT003").reason or "")


def test_aut003_a_script_mentioning_dvc_otherwise_is_not(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "setup.sh": "pip install dvc\ndvc pull\n"})
    assert result(report, "AUT003").status == "fail"
