"""Finding the repository's dependency manifests and CI configurations, and reading what they declare.

Functions of the facts they read (paths, bounded texts, YAML/TOML documents), called once per run by
:class:`~mlops_audit.facts.repo.RepoFacts`. Files are recognised by their names where the tools read fixed
names, else by their content (:mod:`mlops_audit.facts.signatures`): each other YAML file is read once, and
parsed only when a cheap search of its text finds a key a signature needs; what it was recognised as is cached
by its content, so a warm run does not read an unchanged file again.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mlops_audit.cache import content_key
from mlops_audit.facts import ci, manifests, signatures, yamlsafe
from mlops_audit.facts.manifests import Manifests
from mlops_audit.models import CheckUnavailable

if TYPE_CHECKING:
    from mlops_audit.facts.repo import RepoFacts

YAML_SUFFIXES = (".yml", ".yaml")
ENVIRONMENT_NAMES = ("environment.yml", "environment.yaml", "conda.yaml", "conda.yml")


class Signature(NamedTuple):
    """What the content of a YAML file was recognised as: a CI system's configuration, or a conda environment."""

    ci: str | None
    conda: bool


class UnreadCiFile:
    """A CI configuration that exists but could not be read: there is CI, and what it runs is unknown (reading
    it raises CheckUnavailable: the rule's status is "error", saying why)."""

    __slots__ = ("path", "problem", "system", "yaml")

    def __init__(self, path: str, system: str, problem: str) -> None:
        self.path, self.system, self.problem = path, system, problem
        self.yaml = path.endswith(YAML_SUFFIXES)

    def _unknown(self) -> CheckUnavailable:
        return CheckUnavailable(f"not checked: {self.path}: {self.problem}")

    @property
    def runs_tests(self) -> bool:
        raise self._unknown()

    @property
    def scheduled(self) -> bool:
        raise self._unknown()


def content_signatures(facts: RepoFacts) -> dict[str, Signature]:
    """The YAML files (not known by their names) that a content signature recognises, computed once a run for
    both the manifests and the CI files. Each file is read once (and not kept); one with none of the keys a
    signature needs (signatures.YAML_HINT) is not parsed. The answer is cached by the file's content: a warm run
    does not read an unchanged file again. Called once a run, through ``RepoFacts.content_signatures``."""
    known: dict[str, Signature] = {}
    for path, suffix in zip(facts.paths, facts.suffixes, strict=True):
        if suffix not in YAML_SUFFIXES or ci.ci_system(path) is not None or manifests.is_lock_file(path) or (
                path.rsplit("/", 1)[-1].lower() in ENVIRONMENT_NAMES) or not signatures.may_hold_signature(path):
            continue
        try:
            signature = _signature(facts, path)
        except Exception as exc:
            facts._unreadable(path, exc)
            continue
        if signature.ci or signature.conda:
            known[path] = signature
    return known


@lru_cache(maxsize=1)
def _signatures_digest() -> str:
    """The signatures' own source, hashed: cached answers of an older version are not taken."""
    source = b"".join(Path(str(m.__file__)).read_bytes() for m in (signatures, ci))
    return hashlib.blake2b(source, digest_size=8).hexdigest()


def _signature(facts: RepoFacts, path: str) -> Signature:
    cache = facts.cache
    # the path matters to a few signatures (CircleCI's folder, a Cloud Build file's name): part of the kind
    name = path.rsplit("/", 1)[-1].lower()
    kind = f"signature-{_signatures_digest()}-{int(path.startswith('.circleci/'))}{int('cloudbuild' in name)}"
    entry, key = facts._known_key(path)
    if cache is not None and key is not None:
        found = cache.doc(kind, key)
        if isinstance(found, list) and len(found) == 2 and (found[0] is None or isinstance(found[0], str)) \
                and isinstance(found[1], bool):
            return Signature(found[0], found[1])
    read_ns = time.time_ns()
    text = facts.text(path, report=False, keep=False)
    if text is None:
        return Signature(None, False)
    signature = _recognise(facts, path, text)
    if key is None:
        key = facts._remember(entry, text, read_ns)
    if cache is not None and key is not None:
        cache.put_doc(kind, key, list(signature))
    return signature


KUBEFLOW_SPEC = "pipelines.kubeflow.org/"  # the annotations KFP writes into the Argo / Tekton specs it compiles


def _recognise(facts: RepoFacts, path: str, text: str) -> Signature:
    if not signatures.YAML_HINT.search(text):
        return Signature(None, False)
    parsed: list[Any] = []

    def load(source: str) -> Any:  # parsed once for both signatures
        if not parsed:
            parsed.append(quiet_yaml(facts, source))
        return parsed[0]

    system = signatures.ci_signature(path, text, load)
    if system in ("argo", "tekton") and KUBEFLOW_SPEC in text:
        system = None  # a pipeline compiled by Kubeflow Pipelines (a workflow of the ML pipeline), not CI
    if system is not None:
        return Signature(system, False)
    return Signature(None, signatures.may_be_conda(text) and signatures.is_conda_env(load(text)))


def quiet_yaml(facts: RepoFacts, text: str) -> Any:
    """The YAML document ``text`` holds, None when it is not valid YAML: for a file that is only *maybe* a
    manifest or a CI configuration (a Helm template is not valid YAML, and is no problem of the audit's). The
    same cache as :meth:`RepoFacts.yaml`."""
    cache = facts.cache
    key = content_key(text) if cache is not None else ""
    if cache is not None:
        found = cache.doc("yaml", key)
        if isinstance(found, list) and len(found) == 2 and found[0] in ("ok", "error"):
            if found[0] == "error":
                return None
            try:
                return yamlsafe.from_json(found[1])
            except (TypeError, ValueError, RecursionError):
                pass  # a damaged entry: parse again
    try:
        doc = yamlsafe.load(text)
    except ValueError as exc:
        if cache is not None:
            cache.put_doc("yaml", key, ["error", str(exc)])
        return None
    if cache is not None:
        with contextlib.suppress(yamlsafe.NotJson):
            cache.put_doc("yaml", key, ["ok", yamlsafe.to_json(doc)])
    return doc


# --------------------------------------------------------------------------- manifests
def read_manifests(facts: RepoFacts) -> Manifests:
    """Every dependency manifest, lock file and Python-version declaration of the repository."""
    out = manifests.Manifests()
    signed = facts.content_signatures
    for path in facts.paths:
        try:  # not `with facts._reading(path)`: this loop runs over every path, a try costs nothing
            _read_manifest(facts, path, out, signed)
        except Exception as exc:
            facts._unreadable(path, exc)
    _python_of_environments(facts, out)
    for df in facts.dockerfiles:
        if df.problem is not None:
            out.mark_unread(df.path, df.problem, manifests.PYTHON)
            continue
        for stage in df.stages:
            if re.match(r"^([\w.-]+/)*python:\d", stage.image):
                out.found_python_version.append(f"{df.path} (FROM {stage.image})")
                break
    return out


# a dev container built on a Python image ("image": "mcr.microsoft.com/devcontainers/python:3.10"), or with the
# Python feature at a version; a GitHub workflow's setup-python (or a matrix) at a version
DEVCONTAINER_PYTHON = re.compile(
    r'"image"[ \t]*:[ \t]*"[^"\n]{0,200}python:[ \t]*\d|features/python[^"\n]{0,50}"[ \t]*:[ \t]*\{[^}]{0,200}'
    r'"version"[ \t]*:[ \t]*"\d')
WORKFLOW_PYTHON = re.compile(r"(?m)^[ \t-]*python-version:[\[\"' \t]*3\.\d")  # one class: linear


def _is_devcontainer(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path == ".devcontainer.json" or (name == "devcontainer.json" and path.startswith(".devcontainer/"))


def _python_of_environments(facts: RepoFacts, out: Manifests) -> None:
    """The Python version a dev container or a CI workflow runs, declared where it is set up (not in a
    manifest: the project runs on that version all the same)."""
    for path in facts.paths:
        if _is_devcontainer(path) and facts.text_search(path, DEVCONTAINER_PYTHON):
            out.found_python_version.append(f"{path} (a Python image)")
    for ci_file in facts.ci_files:
        if ci_file.system == "github" and facts.text_search(ci_file.path, WORKFLOW_PYTHON):
            out.found_python_version.append(f"{ci_file.path} (python-version)")


def _read_manifest(facts: RepoFacts, path: str, out: Manifests, signed: dict[str, Signature]) -> None:
    """Add what ``path`` declares, when it is a manifest. A manifest whose text cannot be read still counts as
    one (it exists), and what it may declare is marked unknown."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if manifests.is_lock_file(path):
        out.found_lock_files.append(path)
        if lower.endswith(YAML_SUFFIXES):
            return  # conda-lock.yml: a lock, not an environment to read
    if manifests.is_requirements_txt(path) or (lower.startswith("requirements") and lower.endswith(".lock")):
        out.files.append(path)
        text = facts.text(path)
        if text is None:
            if not lower.endswith(".lock"):
                out.mark_unread(path, facts.why_unread(path), manifests.REQUIREMENTS, manifests.LOCK)
            return
        reqs, hashes = manifests.parse_requirements(text, path)
        if lower.endswith(".lock"):
            return
        out.found_requirements.extend(reqs)
        if reqs and (hashes or all(r.exact for r in reqs)):  # a pip-compile / pip freeze output
            out.found_lock_files.append(path)
    elif name in ("pyproject.toml", "pixi.toml"):
        out.files.append(path)
        data = facts.toml(path)
        if data is not None:
            read = manifests.read_pyproject if name == "pyproject.toml" else manifests.read_pixi
            read(data, facts.text(path) or "", path, out)
        _unknown_if_unread(facts, path, out, manifests.REQUIREMENTS, manifests.PYTHON, manifests.LICENSE)
    elif lower in ENVIRONMENT_NAMES:
        out.files.append(path)
        doc = facts.yaml(path)
        manifests.read_environment_yml(doc, facts.text(path) or "", path, out)
        _unknown_if_unread(facts, path, out, manifests.REQUIREMENTS, manifests.PYTHON)
    elif lower.endswith(YAML_SUFFIXES):
        _read_conda_env(facts, path, lower, out, signed)
    elif name == "Pipfile":
        out.files.append(path)
        data = facts.toml(path)
        if data is not None:
            manifests.read_pipfile(data, facts.text(path) or "", path, out)
        _unknown_if_unread(facts, path, out, manifests.REQUIREMENTS, manifests.PYTHON)
    elif name in ("setup.py", "setup.cfg"):
        _read_setup(facts, path, name, out)
    elif name in (".python-version", "runtime.txt", ".tool-versions") and "/" not in path:
        text = facts.text(path) or ""
        if name != ".tool-versions":
            out.found_python_version.append(path)  # the file declares a version by being there
        elif "python" in text:
            out.found_python_version.append(path)
        else:
            _unknown_if_unread(facts, path, out, manifests.PYTHON)


def _read_conda_env(facts: RepoFacts, path: str, lower: str, out: Manifests, signed: dict[str, Signature]) -> None:
    """A conda environment by another name (conda_dependencies.yml, env.yaml, environment-gpu.yml, conda/*.yml):
    recognised by its content. One that cannot be read counts when its name says conda or environment."""
    signature = signed.get(path)
    if signature is None or not signature.conda:
        if (lower.startswith("environment") or "conda" in lower) and facts.text(
                path, report=False, keep=False) is None:
            out.files.append(path)
            facts.text(path)  # now reported: it is a manifest that could not be read
            out.mark_unread(path, facts.why_unread(path), manifests.REQUIREMENTS, manifests.PYTHON)
        return
    text = facts.text(path, report=False, keep=False)
    if text is not None:
        out.files.append(path)
        manifests.read_environment_yml(quiet_yaml(facts, text), text, path, out)


def _read_setup(facts: RepoFacts, path: str, name: str, out: Manifests) -> None:
    text = facts.text(path)
    if text is None:
        out.files.append(path)
        out.mark_unread(path, facts.why_unread(path), manifests.REQUIREMENTS, manifests.PYTHON, manifests.LICENSE)
        return

    def requirement_file(candidate: str) -> bool:
        return candidate in facts.inventory.by_path and manifests.is_requirements_txt(candidate)

    if name == "setup.py":
        out.files.append(path)
        manifests.read_setup_py(text, path, out, requirement_file)
    elif manifests.read_setup_cfg(text, path, out, requirement_file):
        out.files.append(path)


def _unknown_if_unread(facts: RepoFacts, path: str, out: Manifests, *declarations: str) -> None:
    if facts.text(path, report=False) is None:
        out.mark_unread(path, facts.why_unread(path), *declarations)


# --------------------------------------------------------------------------- CI configurations
def find_ci_files(facts: RepoFacts) -> list[ci.CiFile | UnreadCiFile]:
    """Every CI configuration of the repository (one that cannot be read is there, what it runs unknown): by
    the paths each system reads (:func:`ci.ci_system`), else by content (:func:`signatures.ci_signature`)."""
    found: list[ci.CiFile | UnreadCiFile] = []
    signed = facts.content_signatures
    for path in facts.paths:
        system = ci.ci_system(path)
        if system is not None:
            with facts._reading(path):
                _add_by_path(facts, path, system, found)
            continue
        hint = ci.candidate(path)
        signature = signed.get(path)
        if hint is None or (hint == "" and (signature is None or signature.ci is None)):
            continue
        with facts._reading(path):
            _add_by_content(facts, path, hint, signature, found)
    return found


def _add_by_path(facts: RepoFacts, path: str, system: str, found: list[ci.CiFile | UnreadCiFile]) -> None:
    text = facts.text(path)
    if text is None:  # it exists: there is CI, what it runs is unknown
        found.append(UnreadCiFile(path, system, facts.why_unread(path)))
        return
    if path.endswith(YAML_SUFFIXES):  # validity: an invalid workflow is reported, and still read as text
        documents = signatures.documents(text)
        if len(documents) == 1:
            facts.yaml(path)
        else:  # .drone.yml, Woodpecker...: one pipeline a document; the YAML reader takes one document
            for start, document in documents:
                try:
                    yamlsafe.load("\n" * (start - 1) + document)  # padded: the error's line is the file's
                except ValueError as exc:
                    facts.problem(path, str(exc))
                    break
    found.append(described(facts, path, system, text))


def described(facts: RepoFacts, path: str, system: str, text: str) -> ci.CiFile:
    """:func:`ci.describe`, kept in the (sealed) cache by the system, the text's content key and the deriving
    code's stamp: a warm run reads a workflow's lines again only when it changed (34 files, 6,700 lines on
    diffusers)."""
    cache = facts.cache
    if cache is None:
        return ci.describe(path, system, text)
    from mlops_audit.facts import derived

    key = f"{system}:{derived.source_stamp()}:{content_key(text)}"
    found = cache.doc("ci", key)
    if isinstance(found, list) and len(found) == 4 and type(found[0]) is bool and type(found[1]) is bool \
            and isinstance(found[2], str) and isinstance(found[3], str):
        return ci.CiFile(path, system, found[0], found[1], path.endswith(YAML_SUFFIXES), found[2], found[3])
    out = ci.describe(path, system, text)
    cache.put_doc("ci", key, [out.runs_tests, out.scheduled, out.by_hand, out.off_changes])
    return out


def _add_by_content(facts: RepoFacts, path: str, hint: str, signature: Signature | None,
                    found: list[ci.CiFile | UnreadCiFile]) -> None:
    """``path`` when its content is a CI configuration's (a YAML file: its signature is known already). A file
    whose name suggests a system and that cannot be read counts as one, what it runs unknown."""
    yaml = path.endswith(YAML_SUFFIXES)
    if yaml and (signature is None or signature.ci is None):
        if hint and facts.text(path, report=False, keep=False) is None:
            facts.text(path)  # reported: a CI configuration by its name, that could not be read
            found.append(UnreadCiFile(path, hint, facts.why_unread(path)))
        return
    text = facts.text(path, report=bool(hint), keep=False)
    if text is None:
        if hint:
            found.append(UnreadCiFile(path, hint, facts.why_unread(path)))
        return
    if yaml and signature is not None:
        system = signature.ci
    else:  # a Jenkinsfile-like name: the signature is a regex on the text
        system = signatures.ci_signature(path, text, lambda source: quiet_yaml(facts, source))
    if system is not None:
        found.append(described(facts, path, system, text))
