"""CI configurations of the common systems: which files are (:func:`ci_system` by path, else
:func:`candidate` then :func:`mlops_audit.facts.signatures.ci_signature` by content), what each runs, read as
text (YAML validity is checked separately), whether anything but a person starts it (:func:`by_hand`), and
the platform job specifications a command submits (:data:`JOB_PLATFORMS`, :func:`submitted_specs`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

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
    by_hand: str = ""  # what says only a person starts it ("on: workflow_dispatch"), "" when something else does
    off_changes: str = ""  # what says only repository events that change no code start it ("on: issues"), or ""


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
        by_hand=by_hand(system, text),
        off_changes=off_changes(system, text),
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


# --------------------------------------------------------------------------- run by hand only
# GitHub-style events that only a person (or another system's API call) starts: a workflow with no other event
# runs on no push, pull request, merge queue, schedule or other workflow, so it checks no change by itself.
MANUAL_EVENTS = frozenset({"workflow_dispatch", "repository_dispatch"})
# GitHub events that change no code: an issue bot or a project-board automation is no continuous integration
NO_CODE_EVENTS = frozenset({
    "issues", "issue_comment", "discussion", "discussion_comment", "label", "milestone", "project", "project_card",
    "project_column", "watch", "fork", "gollum", "public", "page_build", "status", "check_run", "check_suite",
    "deployment", "deployment_status", "registry_package", "branch_protection_rule", "pull_request_review_comment",
})
OFF = frozenset({"none", "false", "[]"})


def _flow(rest: str) -> list[str]:
    """The names of a one-line YAML value: ``[push, pull_request]``, ``push``, ``"push"``."""
    return [w.strip().strip("\"'") for w in rest.strip().strip("[]{}").split(",") if w.strip()]


def _github_events(lines: list[_Line]) -> set[str] | None:
    """The events of a GitHub-style workflow's ``on:`` (its first-level keys or items), None when it has none."""
    for i, line in enumerate(lines):
        if line.indent != 0 or line.key != "on":
            continue
        if line.rest:
            return {w.partition(":")[0].strip() for w in _flow(line.rest)} - {""}
        block = []
        for other in lines[i + 1:]:
            if other.indent == 0 and not other.item:
                break
            block.append(other)
        if not block:
            return None
        first = min(b.indent for b in block)
        events: set[str] = set()
        for b in block:
            if b.indent == first:
                events.add(b.key if b.key is not None else b.rest.strip("\"'"))
        return events
    return None


def not_on_changes(c: object) -> str:
    """How CI file ``c`` (a :class:`CiFile`, or one that could not be read) runs when no change starts it: "only
    by hand (on: workflow_dispatch)", "only on repository events that change no code (on: issues)" (a triage
    bot); "" when changes or a schedule do, or it cannot be told."""
    manual = str(getattr(c, "by_hand", ""))
    if manual:
        return f"only by hand ({manual})"
    events = str(getattr(c, "off_changes", ""))
    return f"only on repository events that change no code ({events})" if events else ""


def off_changes(system: str, text: str) -> str:
    """What says that only repository events changing no code start this workflow (``on: issues``, a triage bot),
    by hand or not; "" otherwise. GitHub-like systems only: the others run on changes or by settings."""
    if system not in ("github", "gitea", "forgejo"):
        return ""
    events = _github_events(list(_lines(text)))
    if events and events <= NO_CODE_EVENTS | MANUAL_EVENTS and not events <= MANUAL_EVENTS:
        return "on: " + ", ".join(sorted(events))
    return ""


def by_hand(system: str, text: str) -> str:
    """What says that only a person starts this pipeline (a run from the web interface or the API), or "" when
    a push, a pull or merge request, a schedule or another pipeline starts it (or it cannot be told).

    - GitHub, Gitea, Forgejo: ``on:`` holds only ``workflow_dispatch`` / ``repository_dispatch``;
    - Azure Pipelines: ``trigger: none``, no ``schedules:``, no pipeline or repository resource trigger, and
      either ``pr: none`` or a runtime parameter with no default (a run nobody starts by hand fails: "A value
      for the parameter must be provided"). ``trigger: none`` alone is not enough: a branch policy of an Azure
      Repos repository (set outside the file) may run it on every pull request;
    - Bitbucket Pipelines: only ``custom:`` pipelines (run from the web interface).

    Other systems start pipelines from settings outside the file (GitLab ``workflow: rules``, Jenkins, Cloud
    Build, CodeBuild): never "by hand" here."""
    if system in ("github", "gitea", "forgejo"):
        events = _github_events(list(_lines(text)))
        if events and events <= MANUAL_EVENTS:
            return "on: " + ", ".join(sorted(events))
        return ""
    if system == "azure":
        lines = list(_lines(text))
        top = {line.key: line.rest for line in lines if line.indent == 0 and line.key is not None}
        if top.get("trigger", "x").strip("\"'").lower() not in OFF or "schedules" in top:
            return ""
        pr = top.get("pr")
        if pr is not None and pr.strip("\"'").lower() not in OFF:
            return ""
        if any(line.key == "trigger" and line.indent > 0 and line.rest.strip("\"'").lower() not in OFF
               for line in lines):
            return ""  # a pipeline completion or repository resource trigger
        if pr is not None:
            return "trigger: none, pr: none"
        required = _required_parameter(lines)
        return f"trigger: none, no pr trigger, parameter `{required}` has no default" if required else ""
    if system == "bitbucket":
        lines = list(_lines(text))
        for i, line in enumerate(lines):
            if line.indent == 0 and line.key == "pipelines" and not line.rest:
                block = []
                for other in lines[i + 1:]:
                    if other.indent == 0:
                        break
                    block.append(other)
                first = min((b.indent for b in block), default=0)
                kinds = {b.key for b in block if b.indent == first}
                return "only custom pipelines" if kinds == {"custom"} else ""
    return ""


def _required_parameter(lines: list[_Line]) -> str:
    """The name of the first top-level runtime parameter (``parameters:`` items) without a ``default``, or ""."""
    for i, line in enumerate(lines):
        if line.indent != 0 or line.key != "parameters" or line.rest:
            continue
        items: list[dict[str, str]] = []
        first = -1
        for other in lines[i + 1:]:
            if other.indent == 0 and not other.item:
                break
            if other.item and (first < 0 or other.indent == first):
                first = other.indent
                items.append({})
            if items and other.indent == first and other.key is not None:
                items[-1][other.key] = other.rest
        for item in items:
            if "default" not in item:
                return item.get("name", "?").strip("\"'")[:60]
        return ""
    return ""


# --------------------------------------------------------------------------- platform job specifications
class JobPlatform(NamedTuple):  # a NamedTuple: no dataclass built at import (start-up)
    """A platform that runs a job described in a file of the repository: the command that submits one (and the
    options naming the file), how a specification of it looks (its top-level keys), and the keys whose values are
    what the job runs (found anywhere in the specification)."""

    platform: str
    link: str
    submit: str  # a regex of the submitting command's words (no repetition around a path: linear)
    spec_options: tuple[str, ...]  # the options whose value is the specification; else its first YAML argument
    required: frozenset[str]  # top-level keys every specification has
    any_of: frozenset[str]  # and at least one of these (empty: none needed)
    commands: frozenset[str]  # keys whose string (or list of strings) value is a command the job runs
    modules: frozenset[str] = frozenset()  # keys whose value is a Python module the job runs (``trainer.task``)


JOB_PLATFORMS: tuple[JobPlatform, ...] = (
    JobPlatform(
        "Anyscale", "https://docs.anyscale.com/reference/job-api",
        r"\banyscale[ \t]+jobs?[ \t]+submit\b", ("-f", "--config-file", "--config"),
        frozenset({"entrypoint"}),
        frozenset({"compute_config", "cluster_env", "image_uri", "containerfile", "runtime_env", "working_dir",
                   "project_id", "requirements", "max_retries", "cloud"}),
        frozenset({"entrypoint"})),
    JobPlatform(
        "Azure Machine Learning", "https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-command",
        r"\baz[ \t]+ml[ \t]+job[ \t]+create\b", ("-f", "--file"),
        frozenset({"command"}), frozenset({"environment", "compute", "code", "$schema"}),
        frozenset({"command"})),
    JobPlatform(
        "Vertex AI", "https://cloud.google.com/vertex-ai/docs/training/create-custom-job",
        r"\bgcloud[ \t]+(?:beta[ \t]+|alpha[ \t]+)?ai[ \t]+custom-jobs[ \t]+create\b", ("--config",),
        frozenset(), frozenset({"workerPoolSpecs", "worker_pool_specs"}),
        frozenset({"command", "args"}), frozenset({"pythonModule", "python_module"})),
    JobPlatform(
        "SkyPilot", "https://docs.skypilot.co/en/latest/reference/yaml-spec.html",
        r"\bsky[ \t]+(?:jobs[ \t]+launch|spot[ \t]+launch|launch|exec)\b", (),
        frozenset({"run"}), frozenset({"resources", "setup", "workdir", "num_nodes", "file_mounts", "envs"}),
        frozenset({"run", "setup"})),
)
MAX_COMMAND = 2_000  # characters of one submitting command read for its arguments
MAX_SPEC_COMMANDS = 200  # command values taken from one specification


def command_lines(text: str) -> Iterator[str]:
    """The lines of a script or a CI file, with backslash continuations joined (bounded per command)."""
    buffer = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            if len(buffer) > MAX_COMMAND:
                yield buffer[:MAX_COMMAND]
                buffer = ""
            continue
        yield (buffer + line)[:MAX_COMMAND]
        buffer = ""
    if buffer:
        yield buffer[:MAX_COMMAND]


def _argument(token: str) -> str:
    return token.strip().strip("\"'`").rstrip(";&|)")


def submitted_specs(text: str) -> list[tuple[JobPlatform, str]]:
    """The job specification files that the commands of ``text`` submit (``anyscale job submit job.yaml``,
    ``az ml job create --file job.yml``...), as written (relative paths, unresolved), each once."""
    found: list[tuple[JobPlatform, str]] = []
    for line in command_lines(text):
        for job in JOB_PLATFORMS:
            match = re.search(job.submit, line)
            if match is None:
                continue
            spec = _spec_argument(line[match.end():].split(), job.spec_options)
            if spec and (job, spec) not in found:
                found.append((job, spec))
    return found


def _spec_argument(tokens: list[str], options: tuple[str, ...]) -> str:
    for i, raw in enumerate(tokens):
        token = _argument(raw)
        if token in ("--", "&&", "||", ";", "|"):
            break
        name, eq, value = token.partition("=")
        if name in options:
            value = value if eq else (_argument(tokens[i + 1]) if i + 1 < len(tokens) else "")
            return value if value.endswith(YAML_SUFFIXES) or value.endswith(".json") else ""
        if not token.startswith("-") and token.endswith(YAML_SUFFIXES):
            return token
    return ""


def job_platform(doc: object) -> JobPlatform | None:
    """The platform whose job specification ``doc`` (a parsed YAML document) is, by its top-level keys."""
    if not isinstance(doc, dict):
        return None
    keys = {k for k in doc if isinstance(k, str)}
    for job in JOB_PLATFORMS:
        if job.required <= keys and (not job.any_of or not job.any_of.isdisjoint(keys)):
            return job
    return None


def job_commands(doc: object, job: JobPlatform) -> str:
    """What a job specification runs: the values of its command keys, one a line (a list of strings is one
    command), and ``python -m MODULE`` for a module it runs."""
    from mlops_audit.facts.yamlsafe import walk

    out: list[str] = []
    for key, value in walk(doc):
        if len(out) >= MAX_SPEC_COMMANDS:
            break
        if key in job.commands:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                out.append(" ".join(value))
        elif key in job.modules and isinstance(value, str):
            out.append(f"python -m {value}")
    return "\n".join(out)
