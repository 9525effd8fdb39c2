"""Predicates of rules/governance.yaml: secrets, licence, services open to anyone (a notebook server without a
token, CORS for every origin with credentials), and the audit's own reading problems."""

from __future__ import annotations

import re
from typing import Any

from mlops_audit.facts.repo import Ref, RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import evidence_at, predicate


@predicate
def committed_secrets(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    hits = facts.secrets
    return Outcome.found([
        evidence_at(ref, f"{kind} committed (value masked); rotate it and load it from the environment")
        for ref, kind in hits
    ])


LICENSE_HEADING = re.compile(r"^[ \t]{0,3}#{1,4}[ \t]*Licen[cs]e\b", re.M | re.I)
LICENSE_NAME = re.compile(r"\b(MIT|Apache|BSD|GPL|LGPL|AGPL|MPL|Mozilla Public|Creative Commons|CC-BY|Unlicense|ISC)\b")


@predicate
def license_declared(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.matching(["/LICENSE*", "/LICENCE*", "/COPYING*", "/license*", "/licence*"]):
        return Outcome.ok()
    if facts.manifests.license_declared:
        return Outcome.ok("license in package metadata")
    for readme in facts.matching(["/README*", "/readme*"]):  # a "## License" section naming the licence
        if facts.text_search(readme, LICENSE_HEADING) and facts.text_search(readme, LICENSE_NAME):
            return Outcome.ok(f"license stated in {readme}")
    return Outcome.fail(Evidence("no LICENSE file and no license in the package metadata"))


@predicate
def unreadable_files(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    # touch the facts that read files, so every unreadable file is known
    _ = facts.units, facts.manifests, facts.ci_files, facts.dvc, facts.dockerfiles
    config_files = {name for name, _ in facts.config.problems}
    ev = [Evidence(msg, path) for path, msg in facts.problems if path not in config_files]
    return Outcome.found(ev)


@predicate
def config_readable(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = [Evidence(f"[tool.mlops-audit] settings: {msg}", path) for path, msg in facts.config.problems]
    return Outcome.found(ev)


# --------------------------------------------------------------------------- services open to anyone
# where a notebook server is started or configured: images, compose and Kubernetes files, scripts, Jupyter's own
NOTEBOOK_FILES = ["Dockerfile*", "*.dockerfile", "Containerfile*", "*.sh", "*.bash", "*.yml", "*.yaml",
                  "Makefile", "Procfile", "jupyter_*config.py", "jupyter_*config.json"]
NOTEBOOK_SERVER = re.compile(r"\bjupyter(?:-|[ \t\"',]{1,4})(?:notebook|lab|server)\b|\bjupyterlab\b|"
                             r"\b(?:NotebookApp|ServerApp|IdentityProvider)\.token\b")
# the token set empty: a flag (``--NotebookApp.token=''``, ``"--ServerApp.token="`` in an exec form, quotes
# escaped in JSON) or a configuration line (``c.ServerApp.token = ''``, ``"token": ""`` in a JSON config)
EMPTY_TOKEN = re.compile(
    r"--(?:NotebookApp|ServerApp|IdentityProvider)\.token[ \t]*=[ \t]*"
    r"(?:''|\"\"|\\\"\\\"|(?=[\s,\]]|$)|\\?[\"'](?=[\s,\]]|$))"
    r"|\bc\.(?:NotebookApp|ServerApp|IdentityProvider)\.token[ \t]*=[ \t]*(?:''|\"\")")
# bound to every interface: ``--ip=0.0.0.0``, ``--ip '*'``, ``c.ServerApp.ip = '0.0.0.0'``
ALL_INTERFACES = re.compile(r"--ip(?:[ \t]*=[ \t]*|[ \t]+)[\"']?(?:0\.0\.0\.0|\*)[\"']?"
                            r"|\bc\.(?:NotebookApp|ServerApp)\.ip[ \t]*=[ \t]*[\"'](?:0\.0\.0\.0|\*)[\"']")


def notebook_launches(facts: RepoFacts) -> list[str]:
    """The files that start or configure a Jupyter server (NOTEBOOK_SERVER), each read once and kept by content."""
    return [p for p in facts.matching(NOTEBOOK_FILES) if facts.text_search(p, NOTEBOOK_SERVER)]


COMMENT_LINE = re.compile(r"^[ \t]*#[^\n]*", re.M)


def _open_tokens(text: str) -> list[str]:
    """The lines (1-based, as strings) that set an empty token, when the text also binds every interface;
    comment lines left out (blanked, so the lines keep their numbers)."""
    text = COMMENT_LINE.sub("", text)
    if not ALL_INTERFACES.search(text):
        return []
    return _line_numbers(text, [m.start() for m in EMPTY_TOKEN.finditer(text)])


def _line_numbers(text: str, starts: list[int]) -> list[str]:
    """The 1-based line of each offset of ``starts`` in ``text``, as strings (what ``text_answer`` keeps)."""
    return [str(text.count("\n", 0, at) + 1) for at in sorted(starts)]


# the Werkzeug debugger: a Flask app run with debug on, listening on every interface
FLASK_RUN = re.compile(r"^flask\.Flask\(\)\.run$")
EVERY_INTERFACE = frozenset({"'0.0.0.0'", "'::'", "''"})  # constants as the scan writes them (repr)


def flask_apps(facts: RepoFacts) -> list[str]:
    """The files importing Flask, outside tests."""
    return list(dict.fromkeys(r.path for r in facts.imports_of(["flask"], tests=False)))


@predicate
def code_server_auth(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the files that start a notebook server, then their text (kept by content); the calls of the files
    importing Flask."""
    ev = []
    for path in notebook_launches(facts):
        for line in facts.text_answer(path, "open-notebook-token:1", _open_tokens):
            ev.append(Evidence("Jupyter started with an empty token on every interface (0.0.0.0): anyone who "
                               "reaches the port runs code as this container's user", path, int(line)))
    runs = facts.call_names_matching(FLASK_RUN)
    for path in flask_apps(facts) if runs else ():
        for unit in facts.units_by_path.get(path, ()):
            if runs.isdisjoint(unit.info.call_names):
                continue
            for call in unit.info.calls:
                kwargs = dict(call.kwargs)
                debug = kwargs.get("debug") == "True" or kwargs.get("use_debugger") == "True"
                host = kwargs.get("host") or (repr(call.first_arg) if call.first_arg is not None else None)
                if call.name in runs and debug and host in EVERY_INTERFACE:
                    ev.append(evidence_at(Ref(path, call.line, unit.cell),
                                          "Flask run with debug=True on every interface: the Werkzeug debugger "
                                          "runs the Python code anyone who reaches the port sends"))
    return Outcome.found(ev)


CORS_MODULES = ("fastapi.middleware.cors", "starlette.middleware.cors", "flask_cors", "corsheaders", "aiohttp_cors",
                "sanic_cors", "litestar.config.cors")
# Starlette / FastAPI: every origin with credentials (the middleware then echoes any site's Origin back)
ANY_ORIGIN = re.compile(r"allow_origins[ \t]*=[ \t]*[\[(][ \t]*[\"']\*[\"'][ \t]*(?:,[ \t]*)?[\])]"
                        r"|allow_origin_regex[ \t]*=[ \t]*r?[\"']\.\*[\"']")
WITH_CREDENTIALS = re.compile(r"allow_credentials[ \t]*=[ \t]*True\b")
DJANGO_ANY = re.compile(r"^[ \t]*CORS_(?:ORIGIN|ALLOW_ALL)_ORIGINS?[ \t]*=[ \t]*True\b", re.M)
DJANGO_CORS = re.compile(r"^[ \t]*CORS_[A-Z_]+[ \t]*=", re.M)
DJANGO_CREDENTIALS = re.compile(r"^[ \t]*CORS_ALLOW_CREDENTIALS[ \t]*=[ \t]*True\b", re.M)


def _any_origin_with_credentials(text: str) -> list[str]:
    found = []
    if WITH_CREDENTIALS.search(text):
        found += [m.start() for m in ANY_ORIGIN.finditer(text)]
    if DJANGO_CREDENTIALS.search(text):
        found += [m.start() for m in DJANGO_ANY.finditer(text)]
    return _line_numbers(text, found)


def cors_files(facts: RepoFacts) -> list[str]:
    """The files configuring CORS: importing a CORS middleware (outside tests), or Django settings setting a
    ``CORS_*`` option (django-cors-headers)."""
    paths = list(dict.fromkeys(r.path for r in facts.imports_of(list(CORS_MODULES), tests=False)))
    settings = facts.matching(["settings*.py", "**/settings/*.py"])
    return paths + [p for p in settings if p not in paths and facts.text_search(p, DJANGO_CORS)]


@predicate
def cors_credentials(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the files configuring CORS (cors_files), then their text and calls."""
    ev: list[Evidence] = []
    message = ("every origin allowed with credentials: any web site a user visits can call this API with the "
               "user's cookies or tokens and read the answer")
    for path in cors_files(facts):
        if path.endswith(".py"):
            ev += [Evidence(message, path, int(line))
                   for line in facts.text_answer(path, "cors-any-origin:1", _any_origin_with_credentials)]
        for unit in facts.units_by_path.get(path, ()):  # Flask-CORS: origins default to "*"
            if "flask_cors" not in unit.info.packages or "supports_credentials" not in unit.info.keywords:
                continue
            for call in unit.info.calls:
                kwargs = dict(call.kwargs)
                if call.name.startswith("flask_cors.") and kwargs.get("supports_credentials") == "True" and (
                        kwargs.get("origins", "'*'") == "'*'" and "resources" not in kwargs):
                    ev.append(evidence_at(Ref(path, call.line, unit.cell), message))
    return Outcome.found(sorted(ev, key=lambda e: (e.path or "", e.line or 0)))


DEFAULT_FILTER_FROM = (3, 14)  # tarfile's default filter is "data" from Python 3.14: members writing out are refused


@predicate
def filtered_extraction(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``archive_extraction`` knowledge (calls, outside tests); the requires-python of the nearest
    pyproject.toml of each place."""
    hits = facts.capability("archive_extraction")
    unfiltered = [h for h in hits if (facts.python_floor(h.ref.path) or (0, 0)) < DEFAULT_FILTER_FROM]
    if hits and not unfiltered:
        return Outcome.ok("Python 3.14 or later is required: tarfile filters members by default")
    return Outcome.found([evidence_at(hit.ref, f"archive unpacked with every member trusted: {hit.entry.why}")
                          for hit in unfiltered])
