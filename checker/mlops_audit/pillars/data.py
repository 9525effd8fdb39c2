"""Predicates of rules/data.yaml: data kept out of git, versioned, validated, and found by relative paths."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlops_audit.facts.capabilities import Hit
from mlops_audit.facts.ci import not_on_changes
from mlops_audit.facts.history import HistoryBlob
from mlops_audit.facts.repo import DATA_EXTENSIONS, RepoFacts, in_build_dir, suffix_of
from mlops_audit.inventory import FileEntry
from mlops_audit.models import MAX_EVIDENCE, CheckUnavailable, Evidence, Outcome
from mlops_audit.pillars.common import evidence_at, human, ok_if_shows, predicate, sample


def kind_of(path: str, default: str = "data") -> str:
    """What a file's suffix says it is: "CSV", "PT"; ``default`` for a file without one."""
    return suffix_of(path).lstrip(".").upper() or default


def tracked_state(entry: FileEntry) -> str:
    return "tracked in git" if entry.tracked else "not ignored, so about to be committed"


@predicate
def data_in_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: data_files, dvc, lfs."""
    bad = facts.unversioned(facts.data_files)
    return Outcome.found([
        Evidence(f"{kind_of(e.path)} data file ({human(e.size)}) versioned by DVC but still tracked in git: "
                 "`git rm --cached` it", e.path) if facts.dvc.covers(e.path) else
        Evidence(f"{kind_of(e.path)} data file ({human(e.size)}) {tracked_state(e)} without DVC or Git LFS", e.path)
        for e in bad
    ])


def _history_message(blob: HistoryBlob, present: bool) -> str:
    what = {"data": f"{kind_of(blob.path)} data file",
            "model": f"{kind_of(blob.path, 'model')} model file"}.get(blob.kind, "blob")
    notes = [f"{blob.versions} versions, {human(blob.total)} in all"] if blob.versions > 1 else []
    if not present:
        notes.append("file since deleted, still in every clone")
    return f"{human(blob.size)} {what} committed to history" + (f" ({'; '.join(notes)})" if notes else "")


@predicate
def large_blobs_in_history(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: history."""
    hist = facts.history
    if hist.problem:
        raise CheckUnavailable(f"not checked: {hist.problem}")
    detail = "history is a shallow clone: only the fetched commits were scanned" if hist.shallow else ""
    blobs = hist.blobs
    # a package's resource, or a file a tool generated (docs/_build/doctrees/environment.pickle), below
    # large-file-mb: no data set nor model, judged as any other file
    large = facts.config.large_file_mb * 1024 * 1024
    blobs = [b for b in blobs if b.kind == "large" or b.size >= large or not (
        in_build_dir(b.path) or facts.is_package_data(b.path))]
    present = set(facts.paths)
    ev = [Evidence(_history_message(b, b.path in present), b.path) for b in blobs[:MAX_EVIDENCE]]
    return Outcome(not blobs, tuple(ev), detail, max(0, len(blobs) - MAX_EVIDENCE))


@predicate
def data_versioning(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: dvc, lfs, the ``data_versioning`` knowledge, data_reads."""
    if facts.dvc.used:
        return Outcome.ok("DVC")
    if facts.lfs_patterns:
        return Outcome.ok("Git LFS")
    ok = ok_if_shows(facts, "data_versioning", tests=None)
    if ok is not None:
        return ok
    reads = facts.data_reads
    committed = _committed_data(facts)
    if committed is not None:  # reading a data file git holds: versioned with the code (DAT001 judges that)
        reads = [r for r in reads if not facts.text_search(r.path, committed)]
        if facts.data_reads and not reads:
            return Outcome.ok("the data read is committed with the code: git versions it")
    ev = [evidence_at(r, "data is loaded here, and no data versioning is set up") for r in reads]
    if not ev:
        ev = [Evidence("data file with no versioning", e.path) for e in facts.data_files]
    return sample(ev)


MAX_COMMITTED_NAMES = 200  # data files named in one pattern (a literal alternation: linear in the text)


def _committed_data(facts: RepoFacts) -> re.Pattern[str] | None:
    """The names of the data files git tracks (by suffix, samples included), as one pattern that finds any of
    them in a file's text, quoted: a loader reading ``"wine-quality.csv"`` or ``"data/train.csv"`` reads data
    committed with the code. None when there is none, or too many to name."""
    exts = DATA_EXTENSIONS + tuple(facts.config.data_extensions)
    names = sorted({posixpath.basename(e.path) for e, suffix in zip(facts.files, facts.suffixes, strict=True)
                    if suffix in exts and e.size > 0 and not e.symlink})
    if not names or len(names) > MAX_COMMITTED_NAMES:
        return None
    return re.compile(r"[\"'/\\](?:" + "|".join(re.escape(n) for n in names) + r")[\"']")


ABS_PATH = re.compile(r"^(/(home|Users|mnt|media|Volumes|root|data|datasets|scratch|gpfs|lustre|nfs)/|"
                      r"[A-Za-z]:(\\|/(?!/))|\\\\[\w.-]+\\)")  # C:\ or C:/, not a URL's "g://"
# where Windows installs software (a CUDA toolkit's version file, looked for to detect the toolkit): the same
# on every machine, and no data or model of the project
WINDOWS_SYSTEM = re.compile(r"^[A-Za-z]:[\\/](?:Program Files(?: \(x86\))?|Windows)(?:[\\/]|$)", re.I)


# Where the repository itself says a container's files are: a volume mounted at a path (Kubernetes, a pipeline
# spec, compose), a Dockerfile's WORKDIR / COPY / ADD destination / VOLUME, a keyword naming the path inside the
# container (``remote_path=``, ``mount_path=``). An absolute path under one of them is the container's, the same
# on every machine: not a path on someone's disk.
MOUNT_TEXT = re.compile(r"(?m)^[ \t-]*[\"']?(?:mountPath|mount_path|containerPath|container_path)[\"']?[ \t]*:[ \t]*"
                        r"[\"']?(/[^\s\"'#,}]{1,300})")
COMPOSE_VOLUME = re.compile(r"(?m)^[ \t]*-[ \t]*[\"']?[^\s:\"'#]{1,300}:(/[^/\s:\"'#][^\s:\"'#]{0,300})")
CONTAINER_KEYWORDS = frozenset({"mount_path", "mountPath", "remote_path", "container_path", "containerPath"})
# the same places written in code as data: a pod spec's ``{'mountPath': '/mnt/' + pvc}``, ``self.mount_path =
# "/mnt/data"``, a Kubeflow Pipelines op's ``.add_pvolumes({"/mnt": vop.volume})`` (in a notebook's JSON too,
# where the quotes are escaped); linear: each part is delimited by a character the next cannot take
CODE_MOUNT = re.compile(
    r"(?:mountPath|mount_path|containerPath|container_path)\\?[\"']?[ \t]*[:=][ \t]*[rRuU]?\\?[\"']"
    r"(/[^\"'\\\s]{0,300})"
    r"|add_pvolumes\([ \t]*\{[ \t]*\\?[\"'](/[^\"'\\\s]{0,300})")
DOCKER_PLACES = frozenset({"WORKDIR", "VOLUME", "COPY", "ADD"})


@predicate
def absolute_paths(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: code units' path-like strings (kept by the code's digest, with the paths the code itself places
    inside a container: ``remote_path=``); then where the repository's YAML files and Dockerfiles place files
    inside containers (mounted volumes, Dockerfile destinations), each file's answer kept by its content: a path
    there is the container's, not a machine's."""
    found = facts.derived.rows("absolute_paths", "snns", lambda: _absolute_paths(facts))
    if found:
        inside = _declared_places(facts)
        found = [row for row in found if not _under(row[3], inside)]
    return Outcome.found([Evidence(f"hard-coded absolute path {_shown(v)!r}", path, line, cell)
                          for path, line, cell, v in found])


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _absolute_paths(facts: RepoFacts) -> list[tuple[str, int | None, int | None, str]]:
    """The absolute paths of the code (outside tests), but those under a place the code itself declares inside a
    container (a function of the code alone: kept by the code's digest)."""
    found: list[tuple[str, int | None, int | None, str]] = []
    units = []
    for unit in facts.code_units(tests=False):
        hits = [(v, line) for v, line in unit.info.strings if len(v) < 400 and "\n" not in v and ABS_PATH.match(v)
                and not WINDOWS_SYSTEM.match(v)]
        if hits:
            units.append(unit)
            found.extend((unit.path, line, unit.cell, v) for v, line in hits)
    if not found:
        return []
    inside = _keyword_places(units) | _code_mounts(facts, units)
    return [row for row in found if not _under(row[3], inside)]


def _code_mounts(facts: RepoFacts, units: list[Any]) -> set[str]:
    """The container folders the code declares as data (CODE_MOUNT) in the files holding absolute paths."""
    places: set[str] = set()
    for path in dict.fromkeys(u.path for u in units):
        text = facts.text(path) or ""
        if "ount" not in text and "add_pvolumes" not in text:
            continue
        for m in CODE_MOUNT.finditer(text):
            place = _place(m.group(1) or m.group(2) or "")
            if place is not None:
                places.add(place)
    return places


def _under(value: str, places: set[str]) -> bool:
    value = value.rstrip("/")
    while value.count("/") > 1:
        if value in places:
            return True
        value = value.rpartition("/")[0]
    return value in places


def _place(path: str) -> str | None:
    path = path.strip().strip("\"'").rstrip("/")
    return path if path.startswith("/") and len(path) > 1 and "$" not in path else None


def _keyword_places(units: list[Any]) -> set[str]:
    """The paths the code names inside a container by keyword (``remote_path="/root/data"``)."""
    places: set[str] = set()
    for unit in units:
        if CONTAINER_KEYWORDS.isdisjoint(unit.info.keywords):
            continue
        for call in unit.info.calls:
            for key, value in call.kwargs:
                if key in CONTAINER_KEYWORDS and value[:1] in "'\"":
                    place = _place(value[1:-1])
                    if place is not None:
                        places.add(place)
    return places


def _declared_places(facts: RepoFacts) -> set[str]:
    """The absolute folders (and files) the repository's YAML files and Dockerfiles declare inside containers."""
    from mlops_audit.facts.docker import is_dockerfile

    places: set[str] = set()
    for path in facts.matching(["*.yml", "*.yaml"]):
        places.update(facts.text_answer(path, "container-places-yaml-1", _yaml_places))
    for path in facts.paths:
        if is_dockerfile(path):
            places.update(facts.text_answer(path, "container-places-docker-1", _dockerfile_places))
    return places


def _yaml_places(text: str) -> list[str]:
    if "ount" not in text and "ontainer" not in text and ":/" not in text:
        return []
    found = [m.group(1) for m in MOUNT_TEXT.finditer(text)] + [m.group(1) for m in COMPOSE_VOLUME.finditer(text)]
    return sorted({p for p in map(_place, found) if p is not None})


def _dockerfile_places(text: str) -> list[str]:
    from mlops_audit.facts.docker import instructions

    found: list[str] = []
    for _, instr, args in instructions(text):
        if instr not in DOCKER_PLACES or not args:
            continue
        words = [w for w in args.replace("[", " ").replace("]", " ").replace(",", " ").split()
                 if not w.startswith("--")]
        targets = words if instr in ("WORKDIR", "VOLUME") else words[-1:]
        for target in targets:
            if "." in target.rpartition("/")[2] and instr in ("COPY", "ADD"):
                found.append(target.rpartition("/")[0])  # COPY train.py /opt/program/train.py: its folder
            found.append(target)
    return sorted({p for p in map(_place, found) if p is not None})


@predicate
def data_validation(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``data_validation`` knowledge; test suites that validate data and that CI or a pipeline runs.

    Validation in pipeline code counts. So does a validation suite kept with the tests (Great Expectations or
    pandera under tests/, or plain tests that read the data and check its content: missing values, duplicates,
    ranges, the ``data_checks`` knowledge) when the CI runs the tests: the data is checked on every change."""
    ok = ok_if_shows(facts, "data_validation")
    if ok is not None:
        return ok
    suite = _suite_on_real_data(facts)
    if suite is not None and (any(_runs_tests(c) for c in facts.ci_files) or facts.dvc.stages):
        return Outcome.ok(f"validation suite in the tests, run by CI: {suite.entry.platform} ({suite.ref.path})")
    runner = _script_running(facts, suite.ref.path) if suite is not None else None
    if suite is not None and runner is not None:
        return Outcome.ok(f"validation suite {suite.ref.path} ({suite.entry.platform}), run by {runner}")
    message = "data loaded without a schema or validation step"
    return sample([evidence_at(r, message) for r in facts.data_reads])


DATA_TEST = re.compile(r"(?:^|[/_.-])(?:data|datasets?|features?)(?:[/_.-]|$)", re.I)


def _suite_on_real_data(facts: RepoFacts) -> Hit | None:
    """A test file that validates data it reads (itself, or through a conftest.py of its folders): a validation
    suite. A unit test of a schema on a hand-made frame checks the code, not the data. A validation library
    comes first; then plain checks of the data's content (``data_checks``: ``isna``, ``duplicated``...)."""
    reading = {h.ref.path for h in facts.capability("data_reading", tests=True, code_only=True)}
    if not reading:
        return None
    hits = facts.capability("data_validation", tests=True, code_only=True)
    # plain checks (``isnan`` in any test reading a fixture) only in tests about the data: ``tests/data/``,
    # ``test_dataset.py``, ``data_test.py``; a library's unit test of a distance function checks no data set
    checks = [h for h in facts.capability("data_checks", tests=True, code_only=True) if DATA_TEST.search(h.ref.path)]
    for hit in [*hits, *checks]:
        folder = hit.ref.path.rpartition("/")[0]
        conftests = set()
        while True:
            conftests.add(f"{folder}/conftest.py" if folder else "conftest.py")
            if not folder:
                break
            folder = folder.rpartition("/")[0]
        if hit.ref.path in reading or conftests & reading:
            return hit
    return None


PYTEST = re.compile(r"\bpytest\b")


def _script_running(facts: RepoFacts, test_path: str) -> str | None:
    """A job script, Makefile or workflow file that runs pytest on ``test_path`` or its folder (a training job
    whose first step checks the data: ``pytest tests/data``)."""
    folder = test_path.rpartition("/")[0]
    target = re.compile(re.escape(folder or test_path) + r"(?![\w.-])")
    for path in facts.matching(["*.sh", "Makefile", "*.mk", "*.yml", "*.yaml", "tox.ini", "noxfile.py", "*.toml"]):
        if facts.text_search(path, PYTEST) and facts.text_search(path, target):
            return path
    return None


def _runs_tests(ci_file: object) -> bool:
    """A CI file that runs the tests on changes (one only a person starts checks no change)."""
    try:
        return bool(getattr(ci_file, "runs_tests", False)) and not not_on_changes(ci_file)
    except CheckUnavailable:
        return False
