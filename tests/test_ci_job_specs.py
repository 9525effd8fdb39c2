"""Platform job specifications (issue 13): a CI step that submits a job spec file runs what the spec's command
runs (AUT002), and a job spec that runs the repository's training script is a pipeline definition (AUT003).

Written from the class: each job-submission CLI (Anyscale, Azure ML, Vertex AI, SkyPilot) and the near misses
(a spec nobody submits, a spec that runs no tests or no training, a YAML with an ``entrypoint:`` that is no job
spec, a spec pointing out of the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result
from repo_builder import status

CODE = {"src/lib.py": "def f() -> int:\n    return 1\n"}


def workflow(*commands: str) -> str:
    steps = "".join(f"      - run: {c}\n" for c in commands)
    return f"on: [push, pull_request]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"


ANYSCALE_JOB = ("name: ci\ncompute_config: ci-compute\nruntime_env:\n  working_dir: .\nentrypoint: {cmd}\n"
                "max_retries: 0\n")


# --------------------------------------------------------------------------- AUT002: what a submitted job runs
@pytest.mark.parametrize(
    ("step", "spec_path", "spec", "platform"),
    [
        pytest.param("anyscale jobs submit deploy/jobs/ci.yaml --wait", "deploy/jobs/ci.yaml",
                     ANYSCALE_JOB.format(cmd="bash deploy/jobs/ci.sh"), "Anyscale", id="anyscale-script"),
        pytest.param("anyscale job submit -f jobs/ci.yaml", "jobs/ci.yaml",
                     ANYSCALE_JOB.format(cmd="python -m pytest tests"), "Anyscale", id="anyscale-config-file"),
        pytest.param("az ml job create --file jobs/test-job.yml --resource-group rg", "jobs/test-job.yml",
                     "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
                     "command: python -m pytest tests\ncode: .\nenvironment: azureml:ci-env@latest\n"
                     "compute: azureml:cpu\n", "Azure Machine Learning", id="azure-ml-command-job"),
        pytest.param("gcloud ai custom-jobs create --region=europe-west4 --display-name=ci --config=jobs/ci.yaml",
                     "jobs/ci.yaml",
                     "workerPoolSpecs:\n  - machineSpec: {machineType: n1-standard-4}\n    replicaCount: 1\n"
                     "    containerSpec:\n      imageUri: eu.gcr.io/p/ci:latest\n"
                     "      command: [python, -m, pytest, tests]\n", "Vertex AI", id="vertex-custom-job"),
        pytest.param("sky launch -c ci --yes jobs/ci.yaml", "jobs/ci.yaml",
                     "resources:\n  cpus: 4\nsetup: pip install -e .\nrun: |\n  bash deploy/jobs/ci.sh\n",
                     "SkyPilot", id="skypilot-task"),
    ],
)
def test_aut002_a_submitted_job_that_runs_tests_is_tested_ci(tmp_path: Path, step: str, spec_path: str, spec: str,
                                                             platform: str) -> None:
    files = {**CODE, ".github/workflows/jobs.yml": workflow("pip install anyscale", step), spec_path: spec,
             "deploy/jobs/ci.sh": "#!/bin/bash\nset -e\npytest tests/data\npython -m pytest tests/code\n"}
    report = build(tmp_path, files)
    assert status(report, "AUT002") == "pass"
    assert f"runs {spec_path} ({platform} job), which runs the tests" in result(report, "AUT002").reason


def test_aut002_a_submit_command_split_over_lines_is_read(tmp_path: Path) -> None:
    step = "|\n          anyscale job submit \\\n            --config-file jobs/ci.yaml \\\n            --wait"
    files = {**CODE, ".github/workflows/jobs.yml": workflow(step),
             "jobs/ci.yaml": ANYSCALE_JOB.format(cmd="pytest -q")}
    assert status(build(tmp_path, files), "AUT002") == "pass"


@pytest.mark.parametrize(
    ("step", "spec"),
    [
        pytest.param("anyscale jobs submit deploy/jobs/train.yaml --wait",
                     ANYSCALE_JOB.format(cmd="python src/train.py"), id="job-runs-no-tests"),
        pytest.param("cat deploy/jobs/train.yaml", ANYSCALE_JOB.format(cmd="pytest tests"), id="spec-not-submitted"),
        pytest.param("anyscale jobs submit deploy/jobs/train.yaml --wait", "entrypoint: [unclosed\n",
                     id="spec-not-valid-yaml"),
        pytest.param("anyscale jobs submit deploy/jobs/train.yaml --wait",
                     ANYSCALE_JOB.format(cmd="anyscale jobs submit deploy/jobs/train.yaml"), id="spec-submits-itself"),
        pytest.param("anyscale jobs submit deploy/jobs/missing.yaml --wait", ANYSCALE_JOB.format(cmd="pytest"),
                     id="spec-not-in-the-repository"),
    ],
)
def test_aut002_near_misses_still_fail(tmp_path: Path, step: str, spec: str) -> None:
    files = {**CODE, ".github/workflows/jobs.yml": workflow(step), "deploy/jobs/train.yaml": spec}
    report = build(tmp_path, files)
    assert status(report, "AUT002") == "fail"


def test_aut002_a_spec_never_leads_out_of_the_repository(tmp_path: Path) -> None:
    (tmp_path / "outside.sh").write_text("pytest\n", encoding="utf-8")  # beside the repository, not in it
    files = {**CODE, ".github/workflows/jobs.yml": workflow("anyscale jobs submit jobs/ci.yaml"),
             "jobs/ci.yaml": ANYSCALE_JOB.format(cmd="bash ../../outside.sh")}
    assert status(build(tmp_path / "repo", files), "AUT002") == "fail"


# --------------------------------------------------------------------------- AUT003: a job that trains
@pytest.mark.parametrize(
    ("spec_path", "spec", "platform"),
    [
        pytest.param("deploy/jobs/workloads.yaml", ANYSCALE_JOB.format(cmd="bash deploy/jobs/workloads.sh"),
                     "Anyscale", id="anyscale-through-a-script"),
        pytest.param("jobs/train.yaml", ANYSCALE_JOB.format(cmd="python src/proj/train.py --epochs 3"), "Anyscale",
                     id="anyscale-direct"),
        pytest.param("sky/train.yaml", "resources:\n  accelerators: A100\nworkdir: .\nrun: |\n"
                     "  cd src && python -m proj.train\n", "SkyPilot", id="skypilot-module"),
        pytest.param("jobs/train.yml", "workerPoolSpecs:\n  - replicaCount: 1\n    pythonPackageSpec:\n"
                     "      executorImageUri: eu-docker.pkg.dev/p/train:latest\n      pythonModule: proj.train\n",
                     "Vertex AI", id="vertex-python-module"),
    ],
)
def test_aut003_a_job_spec_running_the_training_script_is_a_pipeline(tmp_path: Path, spec_path: str, spec: str,
                                                                     platform: str) -> None:
    files = {"src/proj/__init__.py": "", "src/proj/train.py": TRAIN, spec_path: spec,
             "deploy/jobs/workloads.sh": "pytest tests/data\npython src/proj/train.py\npython src/proj/evaluate.py\n"}
    report = build(tmp_path, files)
    assert status(report, "AUT003") == "pass"
    assert result(report, "AUT003").reason == f"{platform} job ({spec_path}) runs src/proj/train.py"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"deploy/job.yaml": "entrypoint: python src/proj/train.py\nname: nightly\n"},
                     id="entrypoint-but-no-job-spec"),
        pytest.param({"docker-compose.yml": "services:\n  train:\n    image: t\n"
                                            "    entrypoint: python src/proj/train.py\n"},
                     id="compose-service-entrypoint"),
        pytest.param({"deploy/job.yaml": ANYSCALE_JOB.format(cmd="python src/proj/serve.py")},
                     id="job-runs-no-training"),
        pytest.param({"deploy/job.yaml": ANYSCALE_JOB.format(cmd="bash deploy/serve.sh"),
                      "deploy/serve.sh": "python src/proj/serve.py\n"}, id="job-script-runs-no-training"),
        pytest.param({"tests/fixtures/job.yaml": ANYSCALE_JOB.format(cmd="python src/proj/train.py")},
                     id="job-spec-in-tests"),
    ],
)
def test_aut003_near_misses_still_fail(tmp_path: Path, extra: dict[str, str]) -> None:
    files = {"src/proj/train.py": TRAIN, "src/proj/serve.py": "print('serving')\n", **extra}
    report = build(tmp_path, files)
    assert status(report, "AUT003") == "fail"
