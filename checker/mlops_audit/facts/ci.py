"""CI configurations of the common systems: which files are (:func:`ci_system` by path, else
:func:`candidate` then :func:`mlops_audit.facts.signatures.ci_signature` by content), and what each runs,
read as text (YAML validity is checked separately)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

TEST_COMMAND = re.compile(
    r"\b(pytest|py\.test|tox|nox|unittest|make\s+test\w*|hatch\s+(run\s+)?test|"
    r"(poetry|uv|pdm|pipenv)\s+run\s+(python\s+-m\s+)?pytest|npm\s+test|dvc\s+exp\s+run)\b"
)
JENKINS_CRON = re.compile(r"\b(?:cron|parameterizedCron)[ \t]*[(\"']")
YAML_SUFFIXES = (".yml", ".yaml")
DOCUMENT_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".html", ".orig", ".bak")  # Jenkinsfile.md: about one

# Folders named for Azure DevOps pipelines (`.pipelines/`, `azdo_pipelines/`, `.azure-pipelines/templates/`...): a
# file there that cannot be read is taken for one. Any other YAML file is judged by its content alone.
AZURE_FOLDERS = frozenset({
    ".pipelines", ".azure-pipelines", "azure-pipelines", "azure_pipelines", "azdo_pipelines", "azdo-pipelines",
    ".azuredevops", ".ado",
})
BY_NAME = {".travis.yml": "travis", "cloudbuild.yaml": "cloudbuild", "cloudbuild.yml": "cloudbuild",
           "buildspec.yml": "codebuild", "appveyor.yml": "appveyor", ".appveyor.yml": "appveyor",
           ".drone.yml": "drone", ".drone.yaml": "drone", ".drone.star": "drone",
           "bitbucket-pipelines.yml": "bitbucket", ".circleci/config.yml": "circleci"}
# The system whose schedules are not in its files (set in the web interface, a trigger, EventBridge...)
UNSCHEDULED_IN_FILE = frozenset({"cloudbuild", "codebuild", "bitbucket", "buildkite", "appveyor"})


@dataclass(frozen=True)
class CiFile:
    path: str
    system: str
    runs_tests: bool
    scheduled: bool
    yaml: bool


def ci_system(path: str) -> str | None:
    """The CI system that runs ``path`` by its path alone (the names each system reads), or None."""
    parent, slash, name = path.rpartition("/")  # inventory paths: relative, normalised (no PurePosixPath: 25 us)
    if not slash:
        parent = "."
    yaml = name.endswith(YAML_SUFFIXES)
    if parent == ".github/workflows" and yaml:
        return "github"
    if parent in (".gitea/workflows", ".forgejo/workflows") and yaml:
        return parent[1:].split("/")[0]
    if path in (".gitlab-ci.yml", ".gitlab-ci.yaml") or name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")) or (
            path.startswith(".gitlab/ci/") and yaml):
        return "gitlab"
    if path in ("azure-pipelines.yml", "azure-pipelines.yaml") or parent == ".azure-pipelines":
        return "azure"
    if name == "Jenkinsfile" or (name.startswith("Jenkinsfile.") and not name.endswith(DOCUMENT_SUFFIXES)):
        return "jenkins"
    if path in BY_NAME:
        return BY_NAME[path]
    if path in (".woodpecker.yml", ".woodpecker.yaml") or (path.startswith(".woodpecker/") and yaml):
        return "woodpecker"
    if path in ("buildkite.yml", "buildkite.yaml", ".buildkite.yml", ".buildkite.yaml") or parent == ".buildkite" or (
            path.startswith(".buildkite/") and yaml):
        return "buildkite"
    return None


def candidate(path: str) -> str | None:
    """Whether ``path`` (not a CI file by :func:`ci_system`) may be one, judged by its content: None when it
    cannot be; else the system its name or folder suggests ("" when nothing does: any YAML file). A file that
    is suggested but cannot be read counts as that system's configuration (what it runs unknown)."""
    parent, _, name = path.rpartition("/")
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES):
        folder = parent.rsplit("/", 1)[-1].lower()
        if lower.startswith("azure-pipelines") or folder in AZURE_FOLDERS:
            return "azure"
        if lower.startswith("cloudbuild"):
            return "cloudbuild"
        if lower.startswith("buildspec"):
            return "codebuild"
        if path.startswith(".tekton/"):
            return "tekton"
        if path.startswith(".circleci/"):
            return "circleci"
        return ""
    if lower.endswith(DOCUMENT_SUFFIXES):
        return None
    if lower.startswith("jenkinsfile") or lower.endswith(".jenkinsfile") or (
            lower.endswith(".groovy") and "jenkins" in path.lower()):
        return "jenkins"
    return None


def describe(path: str, system: str, text: str) -> CiFile:
    return CiFile(
        path=path,
        system=system,
        runs_tests=bool(TEST_COMMAND.search(text)),
        scheduled=scheduled(system, text),
        yaml=path.endswith(YAML_SUFFIXES),
    )


# --------------------------------------------------------------------------- schedules, per system
class _Line:
    __slots__ = ("indent", "item", "key", "rest", "text")

    def __init__(self, indent: int, item: bool, key: str | None, rest: str, text: str) -> None:
        self.indent, self.item, self.key, self.rest, self.text = indent, item, key, rest, text


def _lines(text: str) -> Iterator[_Line]:
    """The lines of a YAML text that are not blank or comments: indentation (a list item's ``- `` counts as
    indentation), whether it starts a list item, the mapping key it starts with (None for a plain list item or
    a scalar), and what follows that key."""
    for raw in text.splitlines():
        body = raw.lstrip(" \t")
        item = False
        while body.startswith("- ") or body == "-":
            body = body[2:].lstrip(" \t")
            item = True
        if not body or body[0] == "#":
            continue
        indent = len(raw) - len(body)
        key, sep, rest = body.partition(":")
        if sep and (not rest or rest[0] in " \t") and key[:1] not in ("{", "["):
            yield _Line(indent, item, key.strip().strip("\"'"), rest.split(" #", 1)[0].strip(), body)
        else:
            yield _Line(indent, item, None, body.split(" #", 1)[0].strip(), body)


def _block(lines: list[_Line], key: str) -> Iterator[str]:
    """What each ``key:`` holds, as text: the rest of its line, then every line of its block (nested keys and
    list items, stripped)."""
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.key != key:
            continue
        yield line.rest
        while i < len(lines) and lines[i].indent > line.indent:
            yield lines[i].text
            i += 1


def _words(text: str) -> set[str]:
    return set(re.split(r"[^A-Za-z_]+", text))


def _gitlab_scheduled(lines: list[_Line]) -> bool:
    """``only: [schedules]`` (or ``refs: - schedules`` within it), or a rule ``if: $CI_PIPELINE_SOURCE ==
    "schedule"`` that is not ``when: never`` (the rule that keeps a job out of scheduled pipelines)."""
    if any("schedules" in _words(v) for v in _block(lines, "only")):
        return True
    for i, line in enumerate(lines):
        condition = line.text
        if line.key != "if" or "CI_PIPELINE_SOURCE" not in condition or "schedule" not in condition:
            continue
        if "!=" in condition or "!~" in condition:
            continue
        never = False
        for other in lines[i + 1:i + 20]:  # the rest of this rule: until the next item or a shallower line
            if other.indent < line.indent or (other.item and other.indent <= line.indent):
                break
            never |= other.key == "when" and other.rest.strip("\"'") == "never"
        if not never:
            return True
    return False


def scheduled(system: str, text: str) -> bool:
    """Whether the configuration runs on a schedule it declares itself."""
    if system in UNSCHEDULED_IN_FILE:
        return False
    if system == "jenkins":
        return bool(JENKINS_CRON.search(text))
    lines = list(_lines(text))
    keys = {line.key for line in lines}
    if system == "gitlab":
        return _gitlab_scheduled(lines)
    if system in ("github", "gitea", "forgejo"):
        return "schedule" in keys or any("schedule" in _words(line.rest) and "cron" in line.rest for line in lines)
    if system == "azure":
        return any(line.key == "schedules" and line.indent == 0 for line in lines) and "cron" in keys
    if system == "circleci":
        return ("schedule" in keys and "cron" in keys) or "scheduled_pipeline" in text or "pipeline.schedule." in text
    if system == "travis":
        return any(line.key == "if" and "!=" not in line.rest and {"type", "cron"} <= _words(line.rest)
                   for line in lines)
    if system in ("drone", "woodpecker"):
        return "cron" in keys or any("cron" in _words(v) for v in _block(lines, "event"))
    if system == "argo":
        return any(line.key == "kind" and line.indent == 0 and line.rest.strip("\"'") == "CronWorkflow"
                   for line in lines)
    if system == "tekton":  # a CronJob that starts the pipeline (through its EventListener), in the same file
        return any(line.key == "kind" and line.indent == 0 and line.rest.strip("\"'") == "CronJob"
                   for line in lines) or (
            "schedule" in keys and "cron" in text.lower())
    return bool(keys & {"schedule", "schedules", "cron"})
