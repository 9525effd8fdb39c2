"""CI configurations of the common systems, read as text (YAML validity is checked separately)."""

from __future__ import annotations

import re
from dataclasses import dataclass

TEST_COMMAND = re.compile(
    r"\b(pytest|py\.test|tox|nox|unittest|make\s+test\w*|hatch\s+(run\s+)?test|"
    r"(poetry|uv|pdm|pipenv)\s+run\s+(python\s+-m\s+)?pytest|npm\s+test|dvc\s+exp\s+run)\b"
)
SCHEDULE = re.compile(
    r"(^\s*-?\s*schedules?\s*:)|(CI_PIPELINE_SOURCE\s*==\s*[\"']?schedule)|(\bcron\s*[:(])", re.M
)


@dataclass(frozen=True)
class CiFile:
    path: str
    system: str
    runs_tests: bool
    scheduled: bool
    yaml: bool


def ci_system(path: str) -> str | None:
    parent, slash, name = path.rpartition("/")  # inventory paths: relative, normalised (no PurePosixPath: 25 us)
    if not slash:
        parent = "."
    if parent == ".github/workflows" and name.endswith((".yml", ".yaml")):
        return "github"
    if path in (".gitlab-ci.yml", ".gitlab-ci.yaml") or (path.startswith(".gitlab/ci/") and name.endswith(".yml")):
        return "gitlab"
    if path in ("azure-pipelines.yml", "azure-pipelines.yaml") or parent == ".azure-pipelines":
        return "azure"
    if name == "Jenkinsfile" or name.startswith("Jenkinsfile."):
        return "jenkins"
    if path == ".circleci/config.yml":
        return "circleci"
    if path == "bitbucket-pipelines.yml":
        return "bitbucket"
    if path in (".travis.yml", ".drone.yml", "cloudbuild.yaml", "cloudbuild.yml", "buildspec.yml") or (
        parent == ".buildkite"
    ):
        return path.lstrip(".").split(".")[0].split("/")[0]
    return None


def describe(path: str, system: str, text: str) -> CiFile:
    return CiFile(
        path=path,
        system=system,
        runs_tests=bool(TEST_COMMAND.search(text)),
        scheduled=bool(SCHEDULE.search(text)),
        yaml=path.endswith((".yml", ".yaml")),
    )
