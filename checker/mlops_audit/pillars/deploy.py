"""Predicates of rules/deploy.yaml: an inference entry point, containers, request schemas, health routes."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlops_audit.facts.docker import serves_requests, unpinned_image
from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import ok_if_shows, predicate, sample, shown_by


@predicate
def inference_entry_point(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the inference files (serving apps, predict/infer scripts, scripts that load a model and predict),
    then the ``model_endpoint`` knowledge (endpoints declared for a platform, torch.hub entry points)."""
    if facts.inference_files:
        return Outcome.ok(facts.inference_files[0])
    # an endpoint deployed from a notebook cell is still "the model only used inside notebooks"
    endpoint = next((h for h in facts.capability("model_endpoint") if h.ref.cell is None), None)
    if endpoint is not None:
        return Outcome.ok(shown_by(endpoint))
    return Outcome.fail(
        Evidence("no serving app or batch-inference script: the model is only used inside notebooks or training"))


@predicate
def has_container(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the Dockerfiles, then the ``runtime_image`` knowledge (images a platform provides or builds)."""
    if facts.dockerfiles:
        return Outcome.ok()
    ok = ok_if_shows(facts, "runtime_image")
    if ok is not None:
        return ok
    return Outcome.fail(Evidence("no Dockerfile or Containerfile, and no platform image (SageMaker, Azure ML, "
                                 "Vertex AI, Anyscale) declared"))


@predicate
def docker_base_pinned(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for df in facts.dockerfiles:
        names = {s.name.lower() for s in df.stages if s.name}
        for stage in df.stages:
            if unpinned_image(stage.image, names):
                ev.append(Evidence(f"base image `{stage.image}` is not pinned to a version", df.path, stage.line))
            elif stage.base is not None and unpinned_image(stage.base, names):  # FROM ${BASE}, ARG BASE=python
                ev.append(Evidence(f"base image `{stage.image}` (`{stage.base}` by its ARG default) is not pinned "
                                   "to a version", df.path, stage.line))
    return Outcome.found(ev)


# AWS Lambda's base images (``public.ecr.aws/lambda/python:3.12``, Docker Hub's ``amazon/aws-lambda-python``)
LAMBDA_IMAGE = re.compile(r"(?i)(?:public\.ecr\.aws/lambda/|(?:docker\.io/)?amazon/aws-lambda-)")


@predicate
def docker_non_root(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for df in facts.dockerfiles:
        final = df.final
        if final is None:
            continue
        if final.user is None and LAMBDA_IMAGE.match(final.base or final.image):
            continue  # AWS Lambda runs the function as its own unprivileged user, whatever the image says
        if final.user is None or final.user in ("root", "0"):
            ev.append(Evidence("the final stage runs as root (no USER, or USER root)", df.path,
                               final.user_line or final.line))
    return Outcome.found(ev)


@predicate
def docker_healthcheck(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    serving = [df for df in facts.dockerfiles if serves_requests(df)]
    if not serving:
        return Outcome.ok("no serving image (no EXPOSE and no server command in a final stage)")
    ev = [Evidence("the final stage has no HEALTHCHECK", df.path, df.final.line)
          for df in serving if df.final is not None and not df.final.healthcheck]
    return Outcome.found(ev)


@predicate
def dockerignore(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    present = set(facts.paths)
    ev = []
    for df in facts.dockerfiles:
        if df.problem is None and not df.copies:
            continue  # it takes no file from the context (it clones or downloads what it needs): nothing to leak
        here = posixpath.dirname(df.path)
        candidates = {".dockerignore", posixpath.join(here, ".dockerignore"), df.path + ".dockerignore"}
        if not candidates & present:
            ev.append(Evidence("no .dockerignore beside it: the whole folder (data, .git, secrets) is sent to "
                               "the build", df.path))
    return Outcome.found(ev)


# a handler refusing bad input itself: ``return {"error": ...}, 400``, ``abort(422)``, ``status_code=400``
REFUSES_BAD_INPUT = re.compile(
    r"(?:\babort[ \t]*\([ \t]*|\bstatus(?:_code)?[ \t]*=[ \t]*|\},[ \t]*|\),[ \t]*|HTTPStatus\.)"
    r"(?:400|422|BAD_REQUEST|UNPROCESSABLE_ENTITY)\b")


@predicate
def request_validation(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``request_schema`` knowledge outside tests, model_serving_files, then their text (a handler
    that answers HTTP 400/422 to bad input validates by hand)."""
    ok = ok_if_shows(facts, "request_schema")
    if ok is not None:
        return ok
    serving = facts.model_serving_files
    by_hand = [p for p in serving if facts.text_search(p, REFUSES_BAD_INPUT)]
    if by_hand:
        return Outcome.ok(f"requests validated by hand: {by_hand[0]} answers HTTP 400/422 to bad input")
    return sample([Evidence("requests reach the model without a schema (pydantic, marshmallow...)", p)
                   for p in serving])


HEALTH_ROUTE = re.compile(
    r"^/?(health|healthz|healthcheck|heartbeat|ready|readyz|readiness|live|livez|liveness|ping)\b", re.I)
PREFIX_KEYWORDS = ("prefix", "url_prefix")  # include_router(r, prefix="/health"), Blueprint(url_prefix="/health")


@predicate
def health_endpoint(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the routes (first string arguments) of the serving files."""
    ((found,),) = facts.derived.rows("health_route", "?", lambda: [(_health_route(facts),)])
    if found is not None:
        return Outcome.ok(str(found)) if found else Outcome.ok()
    return sample([Evidence("the service has no /health or /ready route", p) for p in facts.model_serving_files])


def _health_route(facts: RepoFacts) -> str | None:
    """"" for a health route, a message for health routes under a prefix, None for none."""
    serving = set(facts.serving_files)
    for unit in facts.code_units(tests=False):
        if unit.path not in serving and not any(n.startswith(("fastapi", "flask")) for n, _ in unit.info.imports):
            continue
        roots = []
        for c in unit.info.calls:
            if c.first_arg and HEALTH_ROUTE.match(c.first_arg):
                return ""
            if any(k in PREFIX_KEYWORDS and HEALTH_ROUTE.match(v.strip("'\"")) for k, v in c.kwargs):
                return "health routes mounted under a /health prefix"
            if c.first_arg == "/" and c.method in ROUTE_METHODS and unit.cell is None:
                roots.append(c.line)
        for line in roots:
            if _documented_as_health(facts, unit.path, line):
                return f"the root route is the health check ({unit.path}:{line})"
    return None


ROUTE_METHODS = frozenset({"get", "route", "api_route", "head"})
HEALTH_WORD = re.compile(r"health|liveness|readiness|heartbeat|\balive\b", re.I)
HANDLER_LINES = 6  # lines after a route decorator read for its handler's name and docstring


def _documented_as_health(facts: RepoFacts, path: str, line: int) -> bool:
    """Whether the handler under the route decorator at ``line`` says it is a health check: its name
    (``def healthcheck``) or the first line of its docstring (``\"\"\"Health check.\"\"\"``)."""
    text = facts.text(path, report=False, keep=False)
    if text is None:
        return False
    lines = text.splitlines()[line:line + HANDLER_LINES]
    for i, source in enumerate(lines):
        stripped = source.lstrip()
        if stripped.startswith(("def ", "async def ")):
            doc = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return bool(HEALTH_WORD.search(stripped)) or (doc[:1] in ("'", '"') and bool(HEALTH_WORD.search(doc)))
    return False
