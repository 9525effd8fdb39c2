"""Predicates of rules/reproducibility.yaml: version control, dependencies, Python version, file-name
versions, notebooks."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from mlops_audit.facts.manifests import Requirement
from mlops_audit.facts.repo import DATA_EXTENSIONS, MODEL_EXTENSIONS, VERSION_SPRAWL, RepoFacts, is_test_path, suffix_of
from mlops_audit.models import CheckUnavailable, Evidence, Outcome
from mlops_audit.pillars.common import predicate


@predicate
def under_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.inventory.is_git:
        return Outcome.ok()
    return Outcome.fail(Evidence("the folder is not a git work tree" + (
        f" ({facts.inventory.notes[0]})" if facts.inventory.notes else "")))


@predicate
def dependency_manifest(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok() if facts.manifests.files else Outcome.fail(
        Evidence("no requirements.txt, pyproject.toml, setup.py/setup.cfg, Pipfile, pixi.toml or conda environment"))


@predicate
def unpinned_dependencies(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    manifests = facts.manifests
    detail = ""
    try:
        requirements = manifests.requirements
    except CheckUnavailable as unknown:  # one manifest unread or computed: judge the others, and say so
        requirements = manifests.found_requirements
        if not any(r.unpinned for r in requirements):
            raise
        detail = str(unknown).removeprefix("not checked: ") + " (the other manifests were checked)"
    own = _own_names(facts, {r.path for r in requirements if r.unpinned})
    # ``pkg[grpc]`` in pkg's own extras names the package itself (its extras), not a dependency to pin; and
    # ``tritonclient[all]`` beside ``tritonclient>=2.29`` in one file is constrained by it (the resolver applies
    # every specifier of a project it is asked for together)
    constrained = {(r.path, _canonical(r.name)) for r in requirements if not r.unpinned}
    locked = _locked(facts, requirements)
    bad = [r for r in requirements if r.unpinned and _canonical(r.name) not in own.get(r.path, ())
           and (r.path, _canonical(r.name)) not in constrained and not locked(r)]
    return Outcome.found([Evidence(f"`{r.name}` has no version constraint", r.path, r.line) for r in bad],
                         detail)


# the lock file a manifest's resolver writes beside it: what it pins, every dependency is installed at
LOCKS_OF = {"pipfile": ("pipfile.lock",), "pyproject.toml": ("poetry.lock", "uv.lock", "pdm.lock", "pixi.lock")}


def _locked(facts: RepoFacts, requirements: list[Requirement]) -> Callable[[Requirement], bool]:
    """Whether a requirement with no constraint is pinned by the lock its manifest is resolved into: a pip-tools
    input (``requirements/prod.in``) by the file ``pip-compile`` writes from it (``prod.txt``, the same name
    pinned with ``==``), a ``Pipfile`` by the ``Pipfile.lock`` beside it, a ``pyproject.toml`` by the Poetry,
    uv, PDM or pixi lock beside it (pixi's only when no ``pixi.toml`` is there: the lock is then that file's)."""
    exact = {(r.path, _canonical(r.name)) for r in requirements if r.exact}
    present = {p.lower() for p in facts.paths if p.lower().endswith("pixi.toml")}
    try:
        locks = {lock.lower() for lock in facts.manifests.lock_files}
    except CheckUnavailable:
        locks = set()

    def locked(r: Requirement) -> bool:
        if r.path.endswith(".in"):
            return (r.path[:-3] + ".txt", _canonical(r.name)) in exact
        folder, _, name = r.path.rpartition("/")
        prefix = f"{folder}/".lower() if folder else ""
        # pixi.lock is a pixi.toml's when there is one: a pyproject.toml beside it is then not what pixi resolves
        own = [lock for lock in LOCKS_OF.get(name.lower(), ())
               if not (lock == "pixi.lock" and prefix + "pixi.toml" in present)]
        return any(prefix + lock in locks for lock in own)

    return locked


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _own_names(facts: RepoFacts, paths: set[str]) -> dict[str, set[str]]:
    """pyproject.toml path -> the project's own name (``[project] name``, Poetry's ``name``), canonical."""
    out: dict[str, set[str]] = {}
    for path in paths:
        if not path.endswith("pyproject.toml"):
            continue
        data = facts.toml(path) or {}
        names = {n for n in (data.get("project", {}).get("name") if isinstance(data.get("project"), dict) else None,
                             data.get("tool", {}).get("poetry", {}).get("name")
                             if isinstance(data.get("tool"), dict) and isinstance(data["tool"].get("poetry"), dict)
                             else None) if isinstance(n, str)}
        out[path] = {_canonical(n) for n in names}
    return out


@predicate
def lock_file(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.manifests.lock_files[0]) if facts.manifests.lock_files else Outcome.fail(
        Evidence("no lock file: the exact versions of transitive dependencies are not recorded"))


@predicate
def python_version(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.manifests.python_version[0]) if facts.manifests.python_version else Outcome.fail(
        Evidence("no Python version declared (requires-python, .python-version, environment.yml...)"))


# In every name VERSION_SPRAWL finds something in (each of its branches holds one of these), case aside; names
# are scanned joined by newlines, so ^ is a name's start.
VERSION_SPRAWL_HINT = re.compile(
    r"(?im)[_\-\s.](v\d|final|copy|old|new|fixed|backup|bak|tmp|temp|orig|latest|draft|wip)|\s\(|^copy")
SPEC_SUFFIXES = {".json", ".yaml", ".yml", ".toml", ".xml", ".xsd", ".proto", ".graphql", ".avsc"}
# a copy word that alone says "this is a copy of another file" (``_final``, ``_copy``, ``_old``, ``(2)``); a bare
# ``_v1``/``_new``/``_latest`` names a version of a thing (``inception_resnet_v1.py``, an architecture): it is a
# copy only when a sibling has the same stem with another version or copy word, or none
SELF_EVIDENT = re.compile(
    r"(?i)([_\-\s.](final|copy|backup|bak|orig|fixed|old|tmp|temp|draft|wip)$)|(\s\(\d+\)$)|(^copy of )|(-\s?copy$)")


VERSIONED_KINDS = frozenset(DATA_EXTENSIONS + MODEL_EXTENSIONS)  # a data set or model named _v2 is a hand-kept version


def _stem_of(name: str) -> str:
    """``model_v2.tar.gz`` -> model_v2; ``utils.bak.py`` -> utils.bak; ``train.py.orig`` -> train.py.orig."""
    return name if name.startswith(".") else name.split(".")[0]


@predicate
def version_sprawl(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: paths.

    A copy word in a name (``_final``, ``_copy``, ``_old``, ``(2)``, ``.bak``) is a copy by itself; a version
    word (``_v2``, ``_new``, ``_latest``) only when another file in the folder has the same stem with
    another version, or none: ``train_v2.py`` beside ``train.py``, not ``inception_resnet_v1.py`` alone. A data
    or model file with a version in its name (``data_cleaned_v2.csv``) is a version kept by hand by itself."""
    ev = []
    paths = facts.paths
    names = [path.rsplit("/", 1)[-1] for path in paths]
    joined = "\n".join(names)  # one scan of every name for a hint of sprawl; the exact test on those few only
    starts = list(accumulate((len(n) + 1 for n in names[:-1]), initial=0))
    candidates = sorted({bisect_right(starts, m.start()) - 1 for m in VERSION_SPRAWL_HINT.finditer(joined)})
    found: list[tuple[int, re.Match[str]]] = []
    for index in candidates:
        path, name = paths[index], names[index]
        stems = [name] if name.startswith(".") else [name.split(".")[0], name.rsplit(".", 1)[0], name]
        m = next((hit for s in stems if (hit := VERSION_SPRAWL.search(s))), None)
        if m and re.fullmatch(r"[_\-\s.]v\d+", m.group(0), re.I) and suffix_of(path) in SPEC_SUFFIXES:
            continue  # `openapi_v3.yaml`, `report-v1.schema.json`: a format's version, not a copy
        if m:
            found.append((index, m))
    if not found:
        return Outcome.ok()
    siblings: dict[tuple[str, str], int] = defaultdict(int)  # (folder, base stem) -> how many files share it
    bases: dict[int, tuple[str, str]] = {}
    for index, m in found:
        path = paths[index]
        folder = path.rpartition("/")[0]
        base = m.string[:m.start()].lower()
        bases[index] = (folder, base)
    wanted = set(bases.values())
    for path, name in zip(paths, names, strict=True):
        key = (path.rpartition("/")[0], _stem_of(name).lower())
        if key in wanted:
            siblings[key] += 1  # the unversioned original (``train.py`` for ``train_v2.py``)
    for key in bases.values():
        siblings[key] += 1
    for index, m in found:
        path = paths[index]
        word = m.group(0)
        if not SELF_EVIDENT.search(word) and siblings[bases[index]] < 2 and suffix_of(path) not in VERSIONED_KINDS:
            continue  # a lone ``_v1``: a thing's version (an architecture, an API), not a copy of a file
        ev.append(Evidence(f"version in the file name ({word.strip()!r}): let git keep the versions", path))
    return Outcome.found(ev)


@predicate
def notebook_only_code(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    nb_lines = sum(len([ln for ln in c.source.splitlines() if ln.strip()])
                   for nb in facts.notebooks.values() for c in nb.cells)
    ((module_lines, defines),) = facts.derived.rows("module_code", "ib", lambda: [_module_code(facts)])
    if not defines:
        return Outcome.fail(Evidence(
            f"all the code ({nb_lines} lines) lives in {len(facts.notebooks)} notebook(s): no importable module"))
    if nb_lines > module_lines:
        return Outcome.fail(Evidence(
            f"notebooks hold most of the code ({nb_lines} lines in notebooks vs {module_lines} in modules)"))
    return Outcome.ok()


def _module_code(facts: RepoFacts) -> tuple[int, bool]:
    """(lines of the non-test modules that parse, whether one of them defines a function or a class)."""
    module_lines = 0
    defines = False
    for path, info in facts.python_files.items():
        if is_test_path(path) or info.error:
            continue
        module_lines += info.lines
        defines = defines or bool(info.functions or info.classes)
    return module_lines, defines


@predicate
def notebook_outputs(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for path, nb in facts.notebooks.items():
        cells = nb.with_outputs
        if cells:
            ev.append(Evidence(f"{len(cells)} of {len(nb.cells)} code cells carry outputs", path))
    return Outcome.found(ev)


@predicate
def notebook_order(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for path, nb in facts.notebooks.items():
        cell = nb.out_of_order()
        if cell is not None:
            ev.append(Evidence(
                f"cell {cell.index} ran as [{cell.execution_count}] after a later-numbered cell: "
                "the saved results do not come from a top-to-bottom run", path, None, cell.index))
    return Outcome.found(ev)
