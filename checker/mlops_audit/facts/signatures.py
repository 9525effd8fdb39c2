"""Files recognised by what they hold, not by their name: CI configurations and conda environments anywhere.

Each signature runs in up to three steps, from cheap to dear, so that a repository with 20,000 files pays for
the few files that may match, not for every YAML file:

1. the path (:func:`mlops_audit.facts.ci.candidate`: YAML files, Jenkinsfile-like names);
2. :data:`YAML_HINT`, one linear search of the text for a top-level key no signature can do without
   (``steps:``, ``jobs:``, ``dependencies:``...), answered from the cache on a warm run without reading;
3. :func:`top_level`, a line scan of the column-0 keys of each document, then the YAML parse (through the
   safe loader the caller passes, never raising) and a look at the document's structure.

Multi-document YAML (Kubernetes-style Tekton, Argo, Drone files) is recognised from the line scan alone: the
project's YAML reader takes one document, and these kinds are told apart by ``apiVersion:``/``kind:``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A top-level key one of the YAML signatures needs, an indented `script:` (a GitLab job), a Tekton or Argo
# apiVersion, a Drone `kind: pipeline` (other Kubernetes manifests and Helm templates are not read further).
# Linear: each branch is anchored at a line start, and no two neighbouring quantifiers take the same characters.
YAML_HINT = re.compile(
    r"^(?:trigger|pr|pool|stages|jobs|steps|extends|phases|workflows|dependencies)[ \t]*:"
    r"|^[ \t]+script[ \t]*:"
    r"|^apiVersion[ \t]*:[ \t]*[\"']?(?:tekton\.dev|triggers\.tekton\.dev|argoproj\.io)/"
    r"|^kind[ \t]*:[ \t]*[\"']?pipeline\b",
    re.M,
)
# `pipeline {` (declarative) or `node {` / `node('label') {` (scripted): a Jenkins pipeline.
JENKINS_PIPELINE = re.compile(r"\b(?:pipeline|node)[ \t]*(?:\([^()\n]{0,200}\)[ \t]*)?\{")

AZURE_STEP_KEYS = frozenset({
    "task", "script", "bash", "pwsh", "powershell", "template", "checkout", "download", "downloadBuild",
    "getPackage", "publish", "reviewApp", "restoreCache",
})
AZURE_ONLY_STEP_KEYS = AZURE_STEP_KEYS - {"script"}  # Cloud Build steps may have `script:` too
CLOUDBUILD_KEYS = frozenset({
    "steps", "timeout", "queueTtl", "logsBucket", "options", "substitutions", "tags", "secrets",
    "availableSecrets", "images", "artifacts", "serviceAccount",
})
CODEBUILD_PHASES = frozenset({"install", "pre_build", "build", "post_build"})
GITLAB_GLOBAL_KEYS = frozenset({
    "default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script",
    "after_script", "spec",
})
GITLAB_JOB_KEYS = frozenset({
    "stage", "image", "extends", "rules", "only", "except", "needs", "services", "tags", "artifacts",
    "environment", "before_script",
})
TEKTON_KINDS = frozenset({"Pipeline", "PipelineRun", "Task", "TaskRun", "EventListener", "TriggerTemplate"})
ARGO_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"})
CONDA_KEYS = frozenset({"name", "channels", "dependencies", "prefix", "variables", "platforms", "category"})

Loader = Callable[[str], Any]  # text -> YAML document, None when it is not valid YAML (never raises)
# YAML files of other tools, never a CI configuration or a conda environment: not read for a signature
OTHER_TOOLS = frozenset({
    "chart.yaml", "values.yaml", "values.yml", "docker-compose.yml", "docker-compose.yaml", "compose.yml",
    "compose.yaml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "mkdocs.yml", "mkdocs.yaml", "dvc.yaml",
    "params.yaml", "pnpm-lock.yaml", "kustomization.yaml", "kustomization.yml", ".readthedocs.yaml",
    ".readthedocs.yml", "codecov.yml", ".codecov.yml", "dependabot.yml", ".yamllint.yml", ".yamllint.yaml",
})


def may_hold_signature(path: str) -> bool:
    """Whether the YAML file ``path`` (not recognised by its name) may be recognised by its content: not another
    tool's file (Helm, Compose, pre-commit, DVC...), not under ``.github/`` (only its workflows run, by path)."""
    name = path.rsplit("/", 1)[-1].lower()
    return name not in OTHER_TOOLS and not name.startswith(("docker-compose.", "values-", "values.")) and not (
        path.startswith(".github/"))


# --------------------------------------------------------------------------- the line scan
def documents(text: str) -> list[tuple[int, str]]:
    """The documents of a YAML stream: (first line, from 1; text). A ``---`` line starts a document (it is
    kept at the start of its text: a lone document may begin with one); what comes before the first one with
    no content (comments, directives) stays with it."""
    out: list[tuple[int, str]] = []
    start = 0
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if number > start and _separator(line) and _has_content(lines[start:number]):
            out.append((start + 1, "".join(lines[start:number])))
            start = number
    out.append((start + 1, "".join(lines[start:])))
    return out


def _has_content(lines: list[str]) -> bool:
    return any(s and s[0] not in "#%" and not _separator(s) for s in (line.strip() for line in lines))


def _separator(line: str) -> bool:
    return line.startswith("---") and (len(line) == 3 or line[3] in " \t\r\n")


def top_level(text: str) -> list[dict[str, str]]:
    """For each document, its column-0 keys and what follows each on its line (quotes around a key dropped).
    A cheap look before any parse: block scalars and nested keys are indented, list items start with ``-``."""
    docs: list[dict[str, str]] = [{}]
    for line in text.splitlines():
        if _separator(line):
            if docs[-1]:
                docs.append({})
            continue
        if not line or line[0] in " \t#-%[{" or line.startswith("..."):
            continue
        key, sep, rest = line.partition(":")
        if sep:
            docs[-1][key.strip().strip("\"'")] = rest.split(" #", 1)[0].strip()
    return [d for d in docs if d] or [{}]


def _kind(doc: dict[str, str]) -> tuple[str, str]:
    return doc.get("apiVersion", "").strip("\"'"), doc.get("kind", "").strip("\"'")


# --------------------------------------------------------------------------- CI configurations
def ci_signature(path: str, text: str, load: Loader) -> str | None:
    """The CI system ``text`` (the content of ``path``) is a configuration of, judged by its content; None
    when it is none (an Azure ML job, a docker-compose file, a Kubernetes manifest, a GitHub workflow outside
    ``.github/workflows``, which nothing runs)."""
    name = path.rsplit("/", 1)[-1].lower()
    if not name.endswith((".yml", ".yaml")):
        return "jenkins" if JENKINS_PIPELINE.search(text) else None
    docs = top_level(text)
    system = _kubernetes_style(docs)
    if system is not None:
        return system or None  # a Kubernetes-style manifest: Tekton, Argo, or none of the CI systems
    if len(docs) > 1:
        return None  # the other systems take one document
    keys = docs[0].keys()
    if "on" in keys or "runs" in keys:
        return None  # a GitHub-style workflow or action outside .github/workflows: nothing runs it
    gitlab_job = "script" in text and any(f"{k}:" in text for k in GITLAB_JOB_KEYS)
    if keys.isdisjoint({"steps", "jobs", "stages", "extends", "phases", "workflows"}) and not gitlab_job:
        return None
    if "$schema" in keys and "azureml" in docs[0]["$schema"]:
        return None  # an Azure Machine Learning job or pipeline: run by Azure ML, not CI
    doc = load(text)
    if not isinstance(doc, dict):
        return None
    if _codebuild(doc):
        return "codebuild"
    if _cloudbuild(doc, name):
        return "cloudbuild"
    if _azure(doc):
        return "azure"
    if path.startswith(".circleci/") and "version" in doc and (
            isinstance(doc.get("jobs"), dict) or isinstance(doc.get("workflows"), dict)):
        return "circleci"
    if _gitlab(doc):
        return "gitlab"
    return None


def _kubernetes_style(docs: list[dict[str, str]]) -> str | None:
    """"tekton", "argo" or "drone" when a document is one of theirs; "" for another Kubernetes-style
    manifest; None when no document has an ``apiVersion`` or a Drone ``kind: pipeline``."""
    found: str | None = None
    for doc in docs:
        api, kind = _kind(doc)
        group = api.split("/", 1)[0]
        if group in ("tekton.dev", "triggers.tekton.dev") and kind in TEKTON_KINDS:
            return "tekton"
        if group == "argoproj.io" and kind in ARGO_KINDS:
            return "argo"
        if not api and kind == "pipeline" and "steps" in doc:
            return "drone"
        if api:
            found = ""
    return found


def _codebuild(doc: dict[Any, Any]) -> bool:
    phases = doc.get("phases")
    return "version" in doc and isinstance(phases, dict) and bool(phases) and all(
        k in CODEBUILD_PHASES for k in phases)


def _image_like(name: object) -> bool:
    return isinstance(name, str) and ("/" in name or ":" in name or name.endswith("docker.pkg.dev"))


def _cloudbuild(doc: dict[Any, Any], name: str) -> bool:
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps or any(k not in CLOUDBUILD_KEYS for k in doc):
        return False
    if not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in steps):
        return False
    if any(not AZURE_ONLY_STEP_KEYS.isdisjoint(s) for s in steps):
        return False
    return any("args" in s or "entrypoint" in s or _image_like(s["name"]) for s in steps) or (
        "cloudbuild" in name and any("script" in s for s in steps))


def _azure_steps(steps: object) -> bool:
    return isinstance(steps, list) and bool(steps) and all(isinstance(s, dict) for s in steps) and any(
        not AZURE_STEP_KEYS.isdisjoint(s) for s in steps)


def _azure_items(items: object, kinds: tuple[str, ...]) -> bool:
    """A list of stages or jobs: mappings, one at least with ``stage:``/``job:``... or ``template:``."""
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) for i in items) and any(
        any(k in i for k in kinds) for i in items)


def _azure(doc: dict[Any, Any]) -> bool:
    """An Azure DevOps pipeline or template: ``steps:`` with tasks or scripts, ``jobs:`` / ``stages:`` as
    lists of job / stage entries (GitHub and Azure ML ``jobs:`` are mappings), or ``extends: template:``."""
    if _azure_steps(doc.get("steps")):
        return True
    if _azure_items(doc.get("jobs"), ("job", "deployment", "template")):
        return True
    if _azure_items(doc.get("stages"), ("stage", "template")):
        return True
    extends = doc.get("extends")
    return isinstance(extends, dict) and isinstance(extends.get("template"), str)


def _gitlab(doc: dict[Any, Any]) -> bool:
    """GitLab CI jobs: a top-level mapping with ``script:`` and ``stage:``, ``image:``, ``extends:``... (a file
    included from ``.gitlab-ci.yml``, wherever it lives)."""
    for key, job in doc.items():
        if not isinstance(key, str) or key in GITLAB_GLOBAL_KEYS or not isinstance(job, dict):
            continue
        script = job.get("script")
        if isinstance(script, (str, list)) and script and not GITLAB_JOB_KEYS.isdisjoint(job):
            return True
    return False


# --------------------------------------------------------------------------- conda environments
def may_be_conda(text: str) -> bool:
    """Cheap: a single document whose column-0 keys are a conda environment's, with what only one has."""
    docs = top_level(text)
    if len(docs) != 1 or "dependencies" not in docs[0] or any(k not in CONDA_KEYS for k in docs[0]):
        return False
    return "channels" in docs[0] or "pip:" in text or "python" in text


def is_conda_env(doc: object) -> bool:
    """A conda environment: ``dependencies:`` a list of specs (and ``- pip:`` lists), with ``channels:``, a
    ``- pip:`` list or a ``python`` spec. Not a Helm Chart.yaml, whose dependencies are mappings."""
    if not isinstance(doc, dict) or any(k not in CONDA_KEYS for k in doc):
        return False
    deps = doc.get("dependencies")
    if not isinstance(deps, list) or not deps:
        return False
    pip = False
    for dep in deps:
        if isinstance(dep, dict):
            if set(dep) != {"pip"} or not isinstance(dep["pip"], list):
                return False
            pip = True
        elif not isinstance(dep, str):
            return False
    return pip or isinstance(doc.get("channels"), list) or any(
        isinstance(d, str) and _python_spec(d) for d in deps)


def _python_spec(dep: str) -> bool:
    dep = dep.rsplit("::", 1)[-1].strip()
    return dep.startswith("python") and dep[6:7] in ("=", "<", ">", "!", "~", " ") and any(
        c.isdigit() for c in dep[6:])
