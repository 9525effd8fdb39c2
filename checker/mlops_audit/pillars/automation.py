"""Predicates of rules/automation.yaml: CI, tests in CI, training pipelines, continuous training."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import ok_if_shows, per_training_file, predicate


@predicate
def has_ci(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.ci_files[0].system) if facts.ci_files else Outcome.fail(
        Evidence("no CI configuration (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins, Cloud Build, Tekton...)"))


@predicate
def ci_runs_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the CI files' commands, Makefile targets, and the scripts CI runs.

    CI runs tests when it runs a test command (pytest, tox, nox, behave...), a Makefile target that does, or a
    script of the repository that does (``./scripts/test.sh``, followed two scripts deep)."""
    if any(c.runs_tests for c in facts.ci_files):
        return Outcome.ok()
    test_targets = {t for t, recipe in facts.makefile_targets.items() if any("pytest" in r for r in recipe)}
    for c in facts.ci_files:
        text = facts.text(c.path) or ""
        if any(re.search(rf"\bmake\s+(\S+\s+)*{re.escape(t)}\b", text) for t in test_targets):
            return Outcome.ok()
        if BEHAVE.search(text):
            return Outcome.ok("behave (BDD) suite")
        script = _script_running_tests(facts, text, depth=2)
        if script is not None:
            return Outcome.ok(f"{c.path} runs {script}, which runs the tests")
    return Outcome.fail(*[Evidence("CI runs no test command", c.path) for c in facts.ci_files])


BEHAVE = re.compile(r"(^|[\s;&|\"'])behave(\s|$)", re.M)
SCRIPT_REF = re.compile(r"[\w./-]{1,200}\.(?:sh|bash|ps1|py)\b")


def _script_running_tests(facts: RepoFacts, text: str, depth: int, base: str = "") -> str | None:
    """A script of the repository named in ``text`` that runs a test command (itself, or a script it names,
    found beside the naming script first: ``base`` is its folder)."""
    from mlops_audit.facts.ci import TEST_COMMAND

    present = facts.path_set
    for ref in dict.fromkeys(m.group(0) for m in SCRIPT_REF.finditer(text)):
        path = posixpath.normpath(ref.removeprefix("./")).lstrip("/")
        beside = posixpath.normpath(posixpath.join(base, path)) if base and not ref.startswith("/") else ""
        if beside in present:
            path = beside
        elif path not in present:  # run from a sub-folder (``cd backend && bash scripts/test.sh``): by its tail
            tails = [p for p in facts.paths if p.endswith("/" + path)]
            if not tails:  # a path inside a container (``/app/tests-start.sh``): the one file of that name
                name = "/" + path.rpartition("/")[2]
                tails = [p for p in facts.paths if p.endswith(name) or p == name[1:]]
            if len(tails) != 1:
                continue
            path = tails[0]
        body = facts.text(path, report=False) or ""
        if TEST_COMMAND.search(body) or BEHAVE.search(body):
            return path
        if depth > 1 and _script_running_tests(facts, body, depth - 1, path.rpartition("/")[0]) is not None:
            return path
    return None


@predicate
def training_pipeline(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: dvc stages, Makefile targets, the ``pipeline`` knowledge (orchestrators, pipeline files)."""
    if facts.dvc.stages:
        return Outcome.ok("dvc.yaml")
    if any(re.match(r"(train|pipeline|repro|all)", t) for t in facts.makefile_targets):
        return Outcome.ok("Makefile")
    ok = ok_if_shows(facts, "pipeline")
    if ok is not None:
        return ok
    return per_training_file(facts, "training is run by hand: no pipeline definition")


@predicate
def continuous_training(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: scheduled CI, the ``schedule`` knowledge (scheduled DAGs and deployments, retrain triggers)."""
    if any(c.scheduled for c in facts.ci_files):
        return Outcome.ok("scheduled CI")
    ok = ok_if_shows(facts, "schedule")
    if ok is not None:
        return ok
    return Outcome.fail(Evidence("models are retrained only by hand: no schedule and no drift-triggered retrain"))
