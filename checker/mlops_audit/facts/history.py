"""Data, models and large files ever committed, found with one pipe: ``git rev-list --objects --all | git
cat-file``.

A blob is judged by its kind, as the work tree is: a data or model file (by the suffix of the path rev-list
prints for it, so the kind costs nothing more than the sizes) is flagged above ``small`` bytes, any other blob
above ``large`` bytes. The suffixes and both thresholds are handed in by the caller (RepoFacts), which owns the
lists and the configuration; this module only reads git.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from mlops_audit import gitrun
from mlops_audit.gitrun import GitRepo

# A Git LFS pointer is about 130 bytes and never 1024 or more (the LFS specification): a data file tracked by
# LFS has only its pointer in git's history, so a data or model blob this small or smaller is never flagged,
# whatever ``small`` is set to.
LFS_POINTER_MAX = 1024
HISTORY_DOC = "history"  # the cache's kind for a scan's result (see HistoryScan)


class DocStore(Protocol):
    """Where a finished scan is kept between runs (the analysis cache: sealed, checked on load)."""

    def doc(self, kind: str, key: str) -> Any: ...

    def put_doc(self, kind: str, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class HistoryBlob:
    """A path of the history whose blob was flagged: its largest flagged version and how many there were."""

    path: str  # relative to the audited root, as rev-list printed it (the first path the blob was reached by)
    size: int  # bytes of its largest flagged version
    kind: str  # "data" or "model" (by the path's suffix, above the small threshold), else "large"
    versions: int = 1  # flagged blobs reached by this path (each version of the file is one)
    total: int = 0  # their bytes together (0 when constructed without it: then ``size``)

    def __post_init__(self) -> None:
        if self.total < self.size:
            object.__setattr__(self, "total", self.size)


@dataclass
class HistoryFacts:
    blobs: list[HistoryBlob] = field(default_factory=list)  # sorted by path
    shallow: bool = False
    scanned: bool = False
    problem: str | None = None
    lasting: bool = False  # the scan ran to its end (complete or not): the same tips give the same answer

    @property
    def large_blobs(self) -> list[tuple[str, int]]:
        """(path, bytes) of every flagged blob, whatever its kind (the shape before kinds were told apart)."""
        return [(b.path, b.size) for b in self.blobs]


def _suffixes(values: Iterable[str]) -> tuple[str, ...]:
    """Lower-case suffixes with their dot (".csv"), as config.py normalises the configured ones."""
    return tuple(sorted({v.lower() if v.startswith(".") else "." + v.lower() for v in values if v.strip(".")}))


def blob_kind(name: str, data: Iterable[str], model: Iterable[str]) -> str | None:
    """"data" or "model" when the file name ``name`` ends with one of the suffixes (lower case, with their dot),
    else None. The longest suffix that matches decides (".pt.gz" a model before ".gz" data), data winning a tie;
    a name that is only a suffix (".csv") has none, as for ``PurePosixPath.suffix``. Every data or model file
    of the work tree (``suffix_of`` in the lists) is one here too; a configured suffix of two parts
    (".nii.gz") is matched whole."""
    lowered = name.lower()
    best, kind = 0, None
    for suffixes, what in ((data, "data"), (model, "model")):
        for suffix in suffixes:
            if len(suffix) > best and len(lowered) > len(suffix) and lowered.endswith(suffix):
                best, kind = len(suffix), what
    return kind




class HistoryScan:
    """A history scan running in the background: ``git rev-list --objects --all --missing=print | git cat-file
    --batch-check`` starts at once, writes to an anonymous temporary file (so git never waits for us), and is
    read by :meth:`result` when a rule needs it. On a large repository git works while the audit parses files.

    ``large`` is the size in bytes above which any blob is flagged; ``small`` the one above which a data or
    model blob (a path ending with one of ``data_suffixes`` / ``model_suffixes``) is flagged. ``small`` is raised
    to LFS_POINTER_MAX (an LFS pointer is never a data file) and lowered to ``large``. Without suffixes (the
    default) every blob is judged by ``large`` alone.

    A scan that fails (git's exit status) or is partial (objects missing: a partial clone, a snapshot without
    large blobs, a damaged repository) says so in ``problem``: the rule is then not checked, never passed."""

    def __init__(self, repo: GitRepo, root: Path, large: int, timeout: float = 120.0, *, small: int | None = None,
                 data_suffixes: Iterable[str] = (), model_suffixes: Iterable[str] = (),
                 store: DocStore | None = None) -> None:
        self.repo, self.root, self.large, self.timeout = repo, root, large, timeout
        self.small = min(large, max(LFS_POINTER_MAX, large if small is None else small))
        self.data_suffixes, self.model_suffixes = _suffixes(data_suffixes), _suffixes(model_suffixes)
        self.deadline = time.monotonic() + timeout
        self._error: str | None = None
        self._revs: subprocess.Popen[bytes] | None = None
        self._cat: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        self._store = store
        self._key = "\0".join((str(root), str(repo.git_dir), str(self.large), str(self.small),
                                ",".join(self.data_suffixes), ",".join(self.model_suffixes)))
        self._tips: list[str] | None = None  # the object names rev-list --all starts from, when known
        self._known: dict[str, list[Any]] | None = None  # path -> [size, kind, versions, total] of a past scan
        self._done: HistoryFacts | None = None  # the result, when a past scan of the same tips gives it
        revs: list[str] = ["--all"]
        if store is not None:
            revs = self._plan(store)
            if self._done is not None:
                return
        try:
            self._out = tempfile.TemporaryFile()  # noqa: SIM115 (read and closed in result())
            stdin: IO[bytes] | None = None
            if revs != ["--all"]:
                stdin = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, once rev-list holds it)
                stdin.write("".join(f"{r}\n" for r in revs).encode("ascii"))
                stdin.seek(0)
            try:
                self._revs = gitrun.popen(repo, "rev-list", "--objects", "--missing=print",
                                          *(["--stdin"] if stdin is not None else ["--all"]),
                                          stdin=stdin, stdout=subprocess.PIPE)
            finally:
                if stdin is not None:
                    stdin.close()
            self._cat = gitrun.popen(repo, "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)",
                                     stdin=self._revs.stdout, stdout=self._out)
            if self._revs.stdout is not None:
                self._revs.stdout.close()  # cat-file holds the read end now
        except (OSError, gitrun.GitUnavailable) as exc:
            self._error = f"history could not be read: {exc}"
            self._stop()

    def _plan(self, store: DocStore) -> list[str]:
        """What rev-list must walk, given the scan a past run kept: nothing when the tips (every ref and HEAD)
        are the same (the result is the past one), only the new objects when every past tip is still reachable
        (``NEW --not OLD``: a commit on a branch, a fetch), else everything (a branch deleted, a rewrite)."""
        tips = self._current_tips()
        if tips is None:
            return ["--all"]
        self._tips = tips
        past = store.doc(HISTORY_DOC, self._key)
        if not (isinstance(past, dict) and isinstance(past.get("tips"), list) and isinstance(past.get("blobs"), list)):
            return ["--all"]
        old = [t for t in past["tips"] if isinstance(t, str) and _is_object_name(t)]
        try:
            known = {str(p): [int(size), str(kind), int(versions), int(total)]
                     for p, size, kind, versions, total in past["blobs"]}
        except (TypeError, ValueError):
            return ["--all"]
        if len(old) != len(past["tips"]):
            return ["--all"]
        problem = past.get("problem")
        if old == tips:  # a partial scan (objects missing: a partial clone) is kept as partial
            self._done = HistoryFacts(blobs=_blobs(known), scanned=not isinstance(problem, str),
                                      problem=problem if isinstance(problem, str) else None, lasting=True)
            return []
        if isinstance(problem, str) or not old or not self._reachable(old, tips):
            return ["--all"]
        self._known = known
        return [*tips, *(f"^{t}" for t in old)]

    def _current_tips(self) -> list[str] | None:
        return gitrun.ref_tips(self.repo)

    def _reachable(self, old: list[str], new: list[str]) -> bool:
        """Whether every past tip is reachable from the current ones (nothing the past scan saw was dropped)."""
        lines = "".join([*(f"{t}\n" for t in old), *(f"^{t}\n" for t in new)]).encode("ascii")
        try:
            done = gitrun.run(self.repo, "rev-list", "--count", "--stdin", input=lines, timeout=60)
        except (OSError, gitrun.GitUnavailable, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0 and done.stdout.strip() == b"0"

    def _stop(self) -> None:
        for proc in (self._revs, self._cat):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    def result(self) -> HistoryFacts:
        shallow = (self.repo.common_dir / "shallow").exists()
        if self._done is not None:
            self._done.shallow = shallow
            return self._done
        facts = HistoryFacts()
        facts.shallow = shallow
        if self._error is not None or self._cat is None or self._revs is None or self._out is None:
            facts.problem = self._error or "history could not be read"
            return facts
        try:
            self._cat.wait(timeout=max(0.0, self.deadline - time.monotonic()))
            self._revs.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._stop()
            self._out.close()
            facts.problem = f"history scan stopped after {self.timeout:.0f} s"
            return facts
        if self._revs.returncode != 0 or self._cat.returncode != 0:
            self._out.close()
            facts.problem = (f"history could not be read (git rev-list exited {self._revs.returncode}, "
                             f"cat-file {self._cat.returncode}: missing objects or a damaged repository)")
            return facts
        try:
            self._out.seek(0)
            output = self._out.read()
        except OSError as exc:
            facts.problem = f"history could not be read: {exc}"
            return facts
        finally:
            self._out.close()
        blobs, missing = self._parse(output)
        if self._known is not None:  # the objects new since the past scan: added to what it found
            merged = {p: list(row) for p, row in self._known.items()}
            for b in blobs:
                row = merged.get(b.path)
                if row is None:
                    merged[b.path] = [b.size, b.kind, b.versions, b.total]
                else:
                    row[0], row[2], row[3] = max(row[0], b.size), row[2] + b.versions, row[3] + b.total
            blobs = _blobs(merged)
        facts.blobs = blobs
        if missing:
            facts.problem = (f"history scan incomplete: {missing} object(s) missing from the repository "
                             "(a partial clone or a copy without large blobs); data, models and large files "
                             "may be unseen")
        else:
            facts.scanned = True
        facts.lasting = True
        if self._store is not None and self._tips is not None:
            doc: dict[str, Any] = {"tips": self._tips,
                                   "blobs": [[b.path, b.size, b.kind, b.versions, b.total] for b in blobs]}
            if facts.problem is not None:
                doc["problem"] = facts.problem
            self._store.put_doc(HISTORY_DOC, self._key, doc)
        return facts

    def _parse(self, output: bytes) -> tuple[list[HistoryBlob], int]:
        """The flagged blobs of cat-file's output ("<type> <size> <path>" lines), and how many objects were
        missing. The size is read before the path is decoded: most blobs are below both thresholds."""
        top = self.repo.work_tree
        prefix = self.root.relative_to(top).as_posix() if self.root != top else ""
        prefix = f"{prefix}/" if prefix else ""
        large, small = self.large, self.small
        data, model = self.data_suffixes, self.model_suffixes
        floor = small if data or model else large
        found: dict[str, list[int]] = {}  # path -> [largest size, versions, total]
        kinds: dict[str, str] = {}
        missing = 0
        for raw in output.splitlines():
            if not raw.startswith(b"blob "):
                if raw.endswith(b" missing"):  # rev-list printed "?<id>" for an object the repository lacks
                    missing += 1
                continue
            parts = raw.split(b" ", 2)
            if len(parts) < 3:
                continue  # a blob reached by no path (git prints none for a blob named on the command line)
            try:
                size = int(parts[1])
            except ValueError:
                continue
            if size <= floor:
                continue
            path = parts[2].decode("utf-8", "surrogateescape")
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            kind = kinds.get(rel)
            if kind is None:
                kind = kinds[rel] = blob_kind(rel.rsplit("/", 1)[-1], data, model) or "large"
            if size <= (large if kind == "large" else small):
                continue
            row = found.get(rel)
            if row is None:
                found[rel] = [size, 1, size]
            else:
                row[0], row[1], row[2] = max(row[0], size), row[1] + 1, row[2] + size
        blobs = [HistoryBlob(rel, size, kinds[rel], versions, total)
                 for rel, (size, versions, total) in sorted(found.items())]
        return blobs, missing


_is_object_name = gitrun.is_object_name


def _blobs(rows: dict[str, list[Any]]) -> list[HistoryBlob]:
    return [HistoryBlob(path, size, kind, versions, total)
            for path, (size, kind, versions, total) in sorted(rows.items())]


def scan_history(repo: GitRepo, root: Path, large: int, timeout: float = 120.0, *, small: int | None = None,
                 data_suffixes: Iterable[str] = (), model_suffixes: Iterable[str] = ()) -> HistoryFacts:
    """Every blob reachable from any ref, with a path under ``root``, that is a data or model file larger than
    ``small`` bytes or any file larger than ``large`` bytes (see HistoryScan)."""
    return HistoryScan(repo, root, large, timeout, small=small, data_suffixes=data_suffixes,
                       model_suffixes=model_suffixes).result()
