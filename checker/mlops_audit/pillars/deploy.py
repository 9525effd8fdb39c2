"""Predicates of rules/deploy.yaml: an inference entry point, containers, request schemas, health routes."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlops_audit.facts.docker import LAMBDA_IMAGE, serves_requests, unpinned_image
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
    fastapi = {r.path for r in facts.imports_of(["fastapi"], tests=False)}
    untyped = [p for p in serving if p not in fastapi or not facts.text_answer(p, "typed-routes:1", _typed_routes)]
    if serving and not untyped:
        return Outcome.ok(f"FastAPI validates the typed parameters of every route ({serving[0]}), answering 422")
    return sample([Evidence("requests reach the model without a schema (pydantic, marshmallow...)", p)
                   for p in untyped])


# A FastAPI route's decorator; its handler's ``def name(`` is looked for in the next HANDLER_LINES lines (other
# decorators between them), its parameters then read by _parameters up to the matching ``)``: linear, each
# decorator reads a bounded stretch.
ROUTE_DECORATOR = re.compile(r"(?m)^[ \t]*@\w+\.(?:get|post|put|patch|delete|api_route)\(")
HANDLER_DEF = re.compile(r"(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(")  # matched after the line's indentation
# the annotations FastAPI checks by themselves: Python's scalars and containers of them (a class of the project's
# own is checked only when it is a pydantic model, which the request_schema knowledge sees); not the raw request
# nor a free-form dict
CHECKED_TYPES = frozenset({"str", "int", "float", "bool", "list", "List", "tuple", "Tuple", "set", "Set",
                           "Optional", "Union", "Literal", "Annotated", "None", "typing", "UUID", "uuid", "date",
                           "datetime", "Decimal", "conint", "constr", "confloat"})
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
QUOTED = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")
MAX_SIGNATURE = 4000  # characters of a signature read; a longer one is not judged typed


def _parameters(text: str, start: int) -> list[str] | None:
    """The parameters of the signature whose ``(`` ends at ``start``, split at its top-level commas (a default's
    own call, ``Query(..., max_length=500)``, stays whole); None when it does not close within MAX_SIGNATURE."""
    params, depth, quote, piece = [], 0, "", start
    for at in range(start, min(len(text), start + MAX_SIGNATURE)):
        char = text[at]
        if quote:
            quote = "" if char == quote and text[at - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                params.append(text[piece:at])
                return [p.strip() for p in params if p.strip() and p.strip() not in ("self", "/", "*")]
            depth -= 1
        elif char == "," and depth == 0:
            params.append(text[piece:at])
            piece = at + 1
    return None


def _checked(param: str) -> bool:
    """``text: str``, ``x: list[float]``, ``k: Optional[int]``: an annotation FastAPI checks by itself."""
    _, colon, annotation = param.partition(":")
    words = IDENTIFIER.findall(QUOTED.sub("", annotation))
    return bool(colon) and bool(words) and all(w in CHECKED_TYPES for w in words)


def _typed_routes(text: str) -> list[str]:
    """``["typed"]`` when every route handler of a FastAPI app types each of its parameters with types FastAPI
    checks (``text: str``, ``x: list[float]``, ``q: int = Query(...)``): FastAPI then validates every request,
    answering 422, with no schema of the project's own; [] when a handler takes an untyped parameter, the raw
    request, a dict or a class of its own, or there is no handler with parameters."""
    typed = False
    for match in ROUTE_DECORATOR.finditer(text):
        start = text.find("\n", match.end()) + 1
        handler = None
        for _ in range(HANDLER_LINES):
            if start <= 0:
                break
            end = text.find("\n", start)
            end = end if end >= 0 else len(text)
            line = text[start:end]
            handler = HANDLER_DEF.match(text, start + len(line) - len(line.lstrip(" \t")), end)
            if handler is not None or not line.lstrip().startswith("@"):
                break
            start = end + 1
        if handler is None:
            return []
        params = _parameters(text, handler.end())
        if params is None or not all(_checked(p.partition("=")[0]) for p in params):
            return []
        typed = typed or bool(params)
    return ["typed"] if typed else []


HEALTH_ROUTE = re.compile(
    r"^/?(health|healthz|healthcheck|heartbeat|ready|readyz|readiness|live|livez|liveness|ping)\b", re.I)
PREFIX_KEYWORDS = ("prefix", "url_prefix")  # include_router(r, prefix="/health"), Blueprint(url_prefix="/health")


@predicate
def health_endpoint(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the routes (first string arguments) of the serving files; the folders of AWS Lambda images."""
    ((found,),) = facts.derived.rows("health_route", "?", lambda: [(_health_route(facts),)])
    if found is not None:
        return Outcome.ok(str(found)) if found else Outcome.ok()
    serving = [p for p in facts.model_serving_files if not facts.in_lambda_image(p)]
    if facts.model_serving_files and not serving:
        return Outcome.ok(LAMBDA_SERVED)
    return sample([Evidence("the service has no /health or /ready route", p) for p in serving])


LAMBDA_SERVED = "served as AWS Lambda functions (a Lambda base image): Lambda has no liveness or readiness probes"


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
