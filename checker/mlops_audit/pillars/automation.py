"""Predicates of rules/automation.yaml: CI, tests in CI, training pipelines, continuous training."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from mlops_audit.facts.ci import not_on_changes
from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import ok_if_shows, per_training_file, predicate

if TYPE_CHECKING:
    from mlops_audit.facts.ci import JobPlatform


def _in_tests(path: str) -> bool:
    """Under a tests folder (fixtures of the repository's own tests), whatever the kind of file."""
    return not {"tests", "test"}.isdisjoint(path.split("/")[:-1])


def _by_hand(c: object) -> str:
    """What says only a person starts CI file ``c`` ("" when something else does, or it could not be read)."""
    return str(getattr(c, "by_hand", ""))


@predicate
def has_ci(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the CI files and their triggers.

    A pipeline that only a person starts (``on: workflow_dispatch``, Azure ``trigger: none`` with no ``pr``)
    checks no change by itself: it is not continuous integration. The failure points at each such file."""
    files = facts.ci_files
    if not files:
        return Outcome.fail(Evidence(
            "no CI configuration (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins, Cloud Build, Tekton...)"))
    on_changes = [c for c in files if not not_on_changes(c)]
    if on_changes:
        return Outcome.ok(on_changes[0].system)
    return Outcome.fail(*[Evidence(f"no CI runs on changes: this pipeline runs {not_on_changes(c)}, on no "
                                   "push, pull request or schedule", c.path) for c in files])


@predicate
def ci_runs_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the CI files' commands and triggers, Makefile targets, the scripts CI runs, the job specifications
    CI submits.

    CI runs tests when a pipeline that runs on changes runs a test command (pytest, tox, nox, behave...), a
    Makefile target that does, a script of the repository that does (``./scripts/test.sh``, followed two
    scripts deep), or submits a platform job whose specification runs one (``anyscale job submit job.yaml``:
    its ``entrypoint``, then the scripts it names). A pipeline run only by hand does not count; when every
    pipeline is, there is no CI to judge: the rule does not apply (AUT001 says so)."""
    files = [c for c in facts.ci_files if not not_on_changes(c)]  # not empty: the rule applies (has_ci)
    if any(c.runs_tests for c in files):
        return Outcome.ok()
    test_targets = {t for t, recipe in facts.makefile_targets.items() if any("pytest" in r for r in recipe)}
    for c in files:
        text = facts.text(c.path) or ""
        if any(re.search(rf"\bmake\s+(\S+\s+)*{re.escape(t)}\b", text) for t in test_targets):
            return Outcome.ok()
        if BEHAVE.search(text):
            return Outcome.ok("behave (BDD) suite")
        script = _script_running_tests(facts, text, depth=2)
        if script is not None:
            return Outcome.ok(f"{c.path} runs {script}, which runs the tests")
        action = _local_action_running_tests(facts, text)
        if action is not None:
            return Outcome.ok(f"{c.path} uses the local action {action}, which runs the tests")
        smoke = _test_step_running_scripts(facts, c.path, c.system)
        if smoke is not None:
            return Outcome.ok(smoke)
    evidence = [Evidence("CI runs no test command", c.path) for c in files]
    evidence += [Evidence(f"runs the tests only by hand ({_by_hand(c)}): no change is tested", c.path)
                 for c in facts.ci_files if _by_hand(c) and c.runs_tests]
    return Outcome.fail(*evidence)


BEHAVE = re.compile(r"(^|[\s;&|\"'])behave(\s|$)", re.M)
# from the start of a run of path characters only (the look-behind): tried once per run, not once per character
SCRIPT_REF = re.compile(r"(?<![\w./-])[\w./-]{1,200}\.(?:sh|bash|ps1|py)\b")
MODULE_REF = re.compile(r"(?:^|[\s;&|\"'])-m[ \t]+([A-Za-z_][\w.]{0,200})")  # python -m pkg.train


def _resolve(facts: RepoFacts, ref: str, base: str = "") -> str | None:
    """The file of the repository that ``ref`` (a path written in a command) names: beside ``base`` (the folder of
    the file that names it) first, then from the top; run from a sub-folder (``cd backend && bash
    scripts/test.sh``), by its tail; a path inside a container (``/app/tests-start.sh``), the one file of that
    name. Only files of the inventory: never a path out of the audited folder."""
    present = facts.path_set
    path = posixpath.normpath(ref.removeprefix("./")).lstrip("/")
    beside = posixpath.normpath(posixpath.join(base, path)) if base and not ref.startswith("/") else ""
    if beside in present:
        return beside
    if path in present:
        return path
    tails = [p for p in facts.paths if p.endswith("/" + path)]
    if not tails:
        name = "/" + path.rpartition("/")[2]
        tails = [p for p in facts.paths if p.endswith(name) or p == name[1:]]
    return tails[0] if len(tails) == 1 else None


TEST_STEP = re.compile(r"\btest(?:s|ing)?\b", re.I)
MAX_STEPS = 500  # steps of one workflow read for their names


def _test_step_running_scripts(facts: RepoFacts, path: str, system: str) -> str | None:
    """A GitHub Actions step named as a test (``Test detection``) whose commands run the repository's own
    scripts (``python train.py --epochs 1``, ``python detect.py``): an end-to-end smoke test, which fails the
    build when a script fails. Steps that run nothing of the repository (``Upload test results``) do not count."""
    if system != "github":
        return None
    doc = facts.yaml(path)
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return None
    steps = [step for job in jobs.values() if isinstance(job, dict) and isinstance(job.get("steps"), list)
             for step in job["steps"] if isinstance(step, dict)][:MAX_STEPS]
    for step in steps:
        name, run = step.get("name"), step.get("run")
        if not isinstance(name, str) or not isinstance(run, str) or not TEST_STEP.search(name):
            continue
        for ref in dict.fromkeys(m.group(0) for m in SCRIPT_REF.finditer(run)):
            if ref.endswith(".py") and any(PYTHON_RUNNER.search(line.partition(ref)[0]) for line in run.splitlines()
                                           if ref in line):
                script = _resolve(facts, ref)
                if script is not None:
                    return f"{path}: the step `{name[:80]}` runs {script} (a smoke test of the repository's scripts)"
            elif ref.endswith((".sh", ".bash")):
                script = _resolve(facts, ref)
                body = facts.text(script) if script is not None else None
                if body is not None and RUNS_PYTHON_FILE.search(body):
                    return (f"{path}: the step `{name[:80]}` runs {script}, which runs the repository's Python "
                            "scripts (a smoke test)")
    return None


# what runs a Python file: python, python3.11, uv run, poetry run (python), pipenv run, pdm run, hatch run
PYTHON_RUNNER = re.compile(r"(?:^|[\s;&|(])(?:python[\d.]*|(?:uv|poetry|pipenv|pdm|hatch|conda)[ \t]+run)\b")
RUNS_PYTHON_FILE = re.compile(
    r"^[ \t]*(?:[\w-]+=\S*[ \t]+)*(?:python[\d.]*|(?:uv|poetry|pipenv|pdm|hatch)[ \t]+run(?:[ \t]+python[\d.]*)?)"
    r"[ \t]+(?:-[\w-]+[ \t]+)*[\w./-]{1,200}\.py\b", re.M)


LOCAL_ACTION = re.compile(r"^[ \t-]*uses:[ \t]*[\"']?\./([\w./-]{1,200}?)/?[\"']?[ \t]*(?:#[^\n]*)?$", re.M)


def _local_action_running_tests(facts: RepoFacts, text: str) -> str | None:
    """A composite action of the repository (``uses: ./.github/actions/unit-tests``) whose steps run a test
    command, themselves or through a script they name: the workflow runs what the action runs."""
    for folder in dict.fromkeys(m.group(1) for m in LOCAL_ACTION.finditer(text)):
        folder = posixpath.normpath(folder)
        path = next((f"{folder}/{n}" for n in ("action.yml", "action.yaml") if f"{folder}/{n}" in facts.path_set),
                    None)
        if path is None:
            continue
        if _commands_run_tests(facts, facts.text(path, report=False) or "", 1, folder):
            return path
    return None


def _spec_commands(facts: RepoFacts, path: str, job: JobPlatform) -> str:
    """What the job specification at ``path`` runs (its command keys' values), "" when it cannot be read."""
    from mlops_audit.facts.ci import job_commands
    from mlops_audit.facts.discovery import quiet_yaml

    text = facts.text(path, report=False)
    if text is None:
        return ""
    return job_commands(quiet_yaml(facts, text), job)


def _script_running_tests(facts: RepoFacts, text: str, depth: int, base: str = "") -> str | None:
    """A script of the repository named in ``text`` that runs a test command (itself, or a script it names,
    found beside the naming script first: ``base`` is its folder), or a job specification ``text`` submits whose
    commands do (described with its platform)."""
    from mlops_audit.facts.ci import submitted_specs

    for ref in dict.fromkeys(m.group(0) for m in SCRIPT_REF.finditer(text)):
        path = _resolve(facts, ref, base)
        if path is not None and _commands_run_tests(facts, facts.text(path, report=False) or "", depth - 1,
                                                    path.rpartition("/")[0]):
            return path
    for job, ref in submitted_specs(text):
        path = _resolve(facts, ref, base)
        if path is not None and _commands_run_tests(facts, _spec_commands(facts, path, job), depth - 1,
                                                    path.rpartition("/")[0]):
            return f"{path} ({job.platform} job)"
    return None


def _commands_run_tests(facts: RepoFacts, text: str, depth: int, base: str) -> bool:
    """Whether the commands of ``text`` run a test command, or a script or job they name does (``depth`` more
    levels deep; ``base``: the folder of the file ``text`` comes from)."""
    from mlops_audit.facts.ci import TEST_COMMAND

    return bool(TEST_COMMAND.search(text) or BEHAVE.search(text)) or (
        depth > 0 and _script_running_tests(facts, text, depth, base) is not None)


# --------------------------------------------------------------------------- AUT003
JOB_HINT = re.compile(r"^(?:entrypoint|command|run|workerPoolSpecs|worker_pool_specs)[ \t]*:", re.M)


@predicate
def training_pipeline(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: dvc stages, Makefile targets, the ``pipeline`` knowledge (orchestrators, pipeline files), platform
    job specifications (facts/ci.py ``JOB_PLATFORMS``) and the scripts they run."""
    if facts.dvc.stages:
        return Outcome.ok("dvc.yaml")
    if any(re.match(r"(train|pipeline|repro|all)", t) for t in facts.makefile_targets):
        return Outcome.ok("Makefile")
    ok = ok_if_shows(facts, "pipeline")
    if ok is not None:
        return ok
    job = _job_running_training(facts)
    if job is not None:
        return Outcome.ok(job)
    return per_training_file(facts, "training is run by hand: no pipeline definition")


def _job_running_training(facts: RepoFacts) -> str | None:
    """A platform job specification (an Anyscale job, an Azure ML command job, a Vertex AI custom job, a
    SkyPilot task) whose commands run a training file of the repository, directly or through a script: the
    job is the pipeline definition that trains, described with its platform."""
    from mlops_audit.facts.ci import YAML_SUFFIXES, job_commands, job_platform
    from mlops_audit.facts.discovery import quiet_yaml

    training = set(facts.training_files)
    if not training:
        return None
    for path in facts.paths:
        if not path.endswith(YAML_SUFFIXES) or _in_tests(path) or not facts.text_search(path, JOB_HINT):
            continue
        text = facts.text(path, report=False, keep=False)
        doc = quiet_yaml(facts, text) if text is not None else None
        job = job_platform(doc)
        if job is None:
            continue
        trained = _runs_training(facts, job_commands(doc, job), training, 2, path.rpartition("/")[0])
        if trained is not None:
            return f"{job.platform} job ({path}) runs {trained}"
    return None


def _runs_training(facts: RepoFacts, text: str, training: set[str], depth: int, base: str) -> str | None:
    """The training file that the commands of ``text`` run (``python train.py``, ``python -m pkg.train``), or
    that a script they run does (``depth`` scripts deep)."""
    refs = [m.group(0) for m in SCRIPT_REF.finditer(text)]
    refs += [m.group(1).replace(".", "/") + ".py" for m in MODULE_REF.finditer(text)]
    for ref in dict.fromkeys(refs):
        path = _resolve(facts, ref, base)
        if path is None:
            continue
        if path in training:
            return path
        if depth > 1 and path.endswith((".sh", ".bash")):
            found = _runs_training(facts, facts.text(path, report=False) or "", training, depth - 1,
                                   path.rpartition("/")[0])
            if found is not None:
                return found
    return None


# --------------------------------------------------------------------------- AUT004
@predicate
def continuous_training(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: scheduled CI, the ``schedule`` knowledge (scheduled DAGs and deployments, retrain triggers), event
    functions (Cloud Functions, AWS Lambda, Azure Functions with an event trigger) and their code's calls."""
    scheduled = next((c for c in facts.ci_files if _scheduled_work(facts, c)), None)
    if scheduled is not None:
        return Outcome.ok("scheduled CI")
    ok = ok_if_shows(facts, "schedule")
    if ok is not None:
        return ok
    found = _event_function_starting_training(facts)
    if found is not None:
        return Outcome.ok(found)
    return Outcome.fail(Evidence("models are retrained only by hand: no schedule and no drift-triggered retrain"))


def _scheduled_work(facts: RepoFacts, c: Any) -> bool:
    """A scheduled CI file that can retrain: any system's, but a GitHub workflow whose steps all run published
    actions (``uses: actions/stale@v9``, a lock or labelling bot, a code scan) is housekeeping, no training; a
    ``run:`` step, a local action or a container action runs the repository's own work. Unreadable: counted."""
    if not c.scheduled:
        return False
    if c.system != "github":
        return True
    doc = facts.yaml(c.path)
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return True
    for job in jobs.values():
        if not isinstance(job, dict):
            return True
        if "uses" in job:  # a reusable workflow: what it runs is elsewhere
            return True
        steps = job.get("steps")
        if not isinstance(steps, list):
            return True
        for step in steps:
            if not isinstance(step, dict):
                return True
            uses = step.get("uses")
            if "run" in step or not isinstance(uses, str) or uses.startswith(("./", "docker://")):
                return True
    return False


class EventFunction(NamedTuple):
    """A cloud function that an event starts (a message, a new file, a timer), not a request or a person."""

    platform: str
    trigger: str  # what starts it, and where that is said ("Pub/Sub topic, deploy.sh")
    path: str  # its code


# Calls that start a training pipeline run or a training job on a platform (the ``remote_training`` knowledge
# counts as well): in an event function, they make the event a continuous-training trigger.
STARTS_TRAINING = (
    "*create_run_from_job_spec", "*create_run_from_pipeline_package", "*create_run_from_pipeline_func",
    "kfp*.run_pipeline", "google.cloud.aiplatform*PipelineJob*", "*.start_pipeline_execution",
    "*.create_training_job", "*.create_hyper_parameter_tuning_job", "sagemaker*Pipeline*.start",
    "*jobs.create_or_update", "*jobs.begin_create_or_update", "azureml*.submit", "*PublishedPipeline*.submit",
    "*PipelineEndpoint*.submit", "*jobs.run_now", "*jobs.submit_run", "*JobSubmissionClient*.submit_job",
    "anyscale*job.submit",
)
GCLOUD_DEPLOY = re.compile(r"\bgcloud[ \t]+(?:beta[ \t]+|alpha[ \t]+)?functions[ \t]+deploy\b")
GCLOUD_EVENT_OPTIONS = {"--trigger-topic": "a Pub/Sub topic", "--trigger-bucket": "a Cloud Storage bucket",
                        "--trigger-event": "an event", "--trigger-event-filters": "an Eventarc event",
                        "--trigger-resource": "an event"}
DEPLOY_SCRIPTS = (".sh", ".bash", ".ps1", ".ipynb", ".md", ".yaml", ".yml", ".mk", "Makefile")
CLOUD_EVENT = re.compile(r"^[ \t]*@[ \t]*(?:functions_framework\.)?cloud_event\b", re.M)
SAM_FUNCTION = re.compile(r"AWS::Serverless::Function")
# SAM event source types that are not a request (Api, HttpApi...) or a person
SAM_EVENTS = frozenset({"S3", "SQS", "SNS", "Kinesis", "DynamoDB", "Schedule", "ScheduleV2", "EventBridgeRule",
                        "CloudWatchEvent", "MSK", "MQ", "SelfManagedKafka", "DocumentDB", "CloudWatchLogs",
                        "IoTRule"})
SERVERLESS_EVENTS = frozenset({"s3", "sqs", "sns", "stream", "schedule", "eventBridge", "cloudwatchEvent",
                               "cloudwatchLog", "kafka", "msk", "activemq", "rabbitmq", "iot"})
AZURE_TRIGGER = re.compile(r"Trigger\b")
AZURE_V2_TRIGGERS = frozenset({"schedule", "timer_trigger", "blob_trigger", "queue_trigger", "event_grid_trigger",
                               "service_bus_queue_trigger", "service_bus_topic_trigger", "event_hub_message_trigger",
                               "cosmos_db_trigger"})


def _event_function_starting_training(facts: RepoFacts) -> str | None:
    """An event function whose code starts a training pipeline run or a training job: "Cloud Functions
    (src/trigger/main.py:40), started by a Pub/Sub topic (deploy.sh)..."."""
    from mlops_audit.knowledge import NamePattern

    patterns = [NamePattern(p) for p in STARTS_TRAINING]
    remote = {h.ref.path: h.ref.line for h in reversed(facts.capability("remote_training", code_only=True))}
    seen: set[str] = set()
    for fn in _event_functions(facts):
        if fn.path in seen:
            continue
        seen.add(fn.path)
        line = remote.get(fn.path) or _first_call(facts, fn.path, patterns)
        if line is not None:
            return (f"{fn.platform} ({fn.path}:{line}): started by {fn.trigger}, it starts a training pipeline "
                    "or job")
    return None


def _first_call(facts: RepoFacts, path: str, patterns: list[Any]) -> int | None:
    for unit in facts.units_by_path.get(path, ()):
        for name, line in zip(unit.info.call_names, unit.info.call_lines, strict=True):
            if any(p.longest in name and p.match(name) for p in patterns):
                return line
    return None


def _event_functions(facts: RepoFacts) -> Iterator[EventFunction]:
    yield from _gcloud_functions(facts)
    for ref in facts.imports_of(["functions_framework"], tests=False):
        if ref.path.endswith(".py") and facts.text_search(ref.path, CLOUD_EVENT):
            yield EventFunction("Cloud Functions", "CloudEvents (functions_framework.cloud_event)", ref.path)
    yield from _aws_functions(facts)
    yield from _azure_functions(facts)


def _gcloud_functions(facts: RepoFacts) -> Iterator[EventFunction]:
    """Functions deployed with ``gcloud functions deploy NAME --trigger-topic=... --source=DIR`` in a script, a
    notebook, a CI file or a document: their code is ``DIR/main.py`` (DIR beside the deploying file first)."""
    from mlops_audit.facts.ci import command_lines

    for path in facts.paths:
        if not path.endswith(DEPLOY_SCRIPTS) or _in_tests(path) or not facts.text_search(path, GCLOUD_DEPLOY):
            continue
        if path.endswith(".ipynb"):
            nb = facts.notebooks.get(path)
            texts = [(c.source, f"{path} cell {c.index}") for c in nb.cells] if nb else []
        else:
            texts = [(facts.text(path, report=False, keep=False) or "", path)]
        base = path.rpartition("/")[0]
        for text, where in texts:
            for line in command_lines(text):
                match = GCLOUD_DEPLOY.search(line)
                if match is None:
                    continue
                options = _options(line[match.end():].split())
                trigger = next((GCLOUD_EVENT_OPTIONS[o] for o in GCLOUD_EVENT_OPTIONS if o in options), None)
                if trigger is None:
                    continue
                code = _function_source(facts, options.get("--source", ""), base)
                if code is not None:
                    yield EventFunction("Cloud Functions", f"{trigger} ({where})", code)


def _options(tokens: list[str]) -> dict[str, str]:
    """``--name=value`` and ``--name value`` options of a command line (a flag alone: "")."""
    out: dict[str, str] = {}
    for i, raw in enumerate(tokens):
        token = raw.strip().strip("\"'")
        if not token.startswith("--"):
            continue
        name, eq, value = token.partition("=")
        if not eq and i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
            value = tokens[i + 1]
        out[name] = value.strip().strip("\"'").rstrip("\\")
    return out


def _literal(value: str) -> bool:
    return bool(value) and not any(c in value for c in "{}$%<>")


def _function_source(facts: RepoFacts, source: str, base: str) -> str | None:
    """The ``main.py`` of a Cloud Function deployed from folder ``source`` (the deploying file's folder when
    ``source`` is not given); None when it is not in the repository or ``source`` is not a literal path."""
    if source and not _literal(source):
        return None
    folder = posixpath.normpath(source.removeprefix("./")) if source else "."
    for candidate in (posixpath.join(base, folder), folder):
        path = posixpath.normpath(posixpath.join(candidate, "main.py"))
        if path in facts.path_set:
            return path
    return None


def _handler_file(facts: RepoFacts, handler: object, code_dir: object, base: str) -> str | None:
    """The Python file of an AWS Lambda handler ``dir/module.function`` (under ``code_dir``, beside the template)."""
    if not isinstance(handler, str) or "." not in handler or not _literal(handler):
        return None
    module = handler.rpartition(".")[0].replace(".", "/") + ".py"
    folder = code_dir if isinstance(code_dir, str) and _literal(code_dir) else ""
    return _resolve(facts, posixpath.join(folder, module) if folder else module, base)


def _aws_functions(facts: RepoFacts) -> Iterator[EventFunction]:
    """AWS Lambda functions with an event source: a SAM ``AWS::Serverless::Function`` with an ``Events`` entry of
    a non-request type (S3, SQS, Schedule, EventBridgeRule...), a Serverless Framework function with such an
    event; their code is the handler's module."""
    from mlops_audit.facts.ci import YAML_SUFFIXES
    from mlops_audit.facts.discovery import quiet_yaml

    for path in facts.paths:
        name = path.rpartition("/")[2]
        serverless = name in ("serverless.yml", "serverless.yaml")
        if not path.endswith((*YAML_SUFFIXES, ".json")) or _in_tests(path) or not (
                serverless or facts.text_search(path, SAM_FUNCTION)):
            continue
        text = facts.text(path, report=False, keep=False)
        doc = quiet_yaml(facts, text) if text is not None else None
        if not isinstance(doc, dict):
            continue
        base = path.rpartition("/")[0]
        if serverless:
            functions = doc.get("functions")
            for spec in functions.values() if isinstance(functions, dict) else ():
                events = spec.get("events") if isinstance(spec, dict) else None
                kinds = sorted({k for e in events if isinstance(e, dict) for k in e if k in SERVERLESS_EVENTS}
                               ) if isinstance(events, list) else []
                code = _handler_file(facts, spec.get("handler"), "", base) if kinds else None
                if code is not None:
                    yield EventFunction("AWS Lambda", f"{kinds[0]} events ({path})", code)
            continue
        glob = doc.get("Globals")
        defaults = glob.get("Function") if isinstance(glob, dict) else None
        defaults = defaults if isinstance(defaults, dict) else {}
        resources = doc.get("Resources")
        for resource in resources.values() if isinstance(resources, dict) else ():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
                continue
            props = resource.get("Properties")
            props = props if isinstance(props, dict) else {}
            events = props.get("Events")
            kinds = sorted({e["Type"] for e in events.values() if isinstance(e, dict) and isinstance(
                e.get("Type"), str) and e["Type"] in SAM_EVENTS}) if isinstance(events, dict) else []
            if not kinds:
                continue
            code = _handler_file(facts, props.get("Handler", defaults.get("Handler")),
                                 props.get("CodeUri", defaults.get("CodeUri")), base)
            if code is not None:
                yield EventFunction("AWS Lambda", f"{kinds[0]} events ({path})", code)


def _azure_functions(facts: RepoFacts) -> Iterator[EventFunction]:
    """Azure Functions with a trigger that is not HTTP: a ``function.json`` binding (``queueTrigger``,
    ``blobTrigger``, ``timerTrigger``, ``eventGridTrigger``...) and its ``scriptFile``, or the Python v2 model's
    trigger decorators (``@app.blob_trigger(...)``, ``@app.schedule(...)``) on ``azure.functions.FunctionApp``."""
    from mlops_audit.facts.discovery import quiet_yaml

    for path in facts.paths:
        if path.rpartition("/")[2] != "function.json" or _in_tests(path) or not facts.text_search(
                path, AZURE_TRIGGER):
            continue
        text = facts.text(path, report=False, keep=False)
        doc = quiet_yaml(facts, text) if text is not None else None
        if not isinstance(doc, dict):
            continue
        bindings = doc.get("bindings")
        kinds = sorted({b["type"] for b in bindings if isinstance(b, dict) and isinstance(b.get("type"), str)
                        and b["type"].endswith("Trigger") and b["type"].lower() != "httptrigger"}
                       ) if isinstance(bindings, list) else []
        if not kinds:
            continue
        script = doc.get("scriptFile", "__init__.py")
        code = posixpath.normpath(posixpath.join(path.rpartition("/")[0], script)) if isinstance(
            script, str) and _literal(script) else None
        if code is not None and code in facts.path_set:
            yield EventFunction("Azure Functions", f"a {kinds[0]} ({path})", code)
    for ref in facts.imports_of(["azure.functions"], tests=False):
        for unit in facts.units_by_path.get(ref.path, ()):
            names = [n for n in unit.info.call_names
                     if n.startswith("azure.functions") and n.rpartition(".")[2] in AZURE_V2_TRIGGERS]
            if names:
                yield EventFunction("Azure Functions", f"a {names[0].rpartition('.')[2]} trigger", ref.path)
                break
