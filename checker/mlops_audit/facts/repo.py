"""RepoFacts: every fact about the audited repository, computed on first use and cached for the run.

Rules receive a RepoFacts and never touch the disk themselves. Each property reads only the files it
needs, once; unreadable files are recorded in ``problems`` (reported by rule AUD001) instead of raising.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import posixpath
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from mlops_audit import tomlread
from mlops_audit.cache import CodeCache, bytes_key, content_key
from mlops_audit.config import Config
from mlops_audit.facts import (
    capabilities,
    ci,
    derived,
    discovery,
    docker,
    dvc,
    lfs,
    manifests,
    ml_usage,
    readme_lead,
    secret_places,
    yamlsafe,
)
from mlops_audit.facts.callgraph import CallGraph
from mlops_audit.facts.cell_aliases import carry
from mlops_audit.facts.code import CodeInfo, blank_magics, describe_error
from mlops_audit.facts.history import HistoryFacts, HistoryScan
from mlops_audit.facts.notebooks import Notebook, parse_notebook
from mlops_audit.facts.notebooks import from_data as notebook_from_data
from mlops_audit.facts.notebooks import to_data as notebook_data
from mlops_audit.facts.workers import analyse_many
from mlops_audit.globs import Matcher, matcher
from mlops_audit.inventory import FileEntry, Inventory, build_inventory
from mlops_audit.knowledge import Entry, Knowledge, NamePattern
from mlops_audit.knowledge import build as build_knowledge

MAX_SOURCE_BYTES = 1024 * 1024
MAX_SOURCE_LINES = 30_000  # an AST costs ~2.5 KB a line: bigger modules are generated code, not read
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 1024 * 1024

DATA_EXTENSIONS = (
    ".csv", ".tsv", ".parquet", ".pq", ".feather", ".arrow", ".jsonl", ".ndjson", ".npy", ".npz", ".hdf5",
    ".hdf", ".xlsx", ".xls", ".avro", ".orc", ".sqlite", ".sqlite3", ".db", ".tfrecord", ".tfrecords",
    ".zip", ".tar", ".tar.gz", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".mat", ".sav.csv", ".dta", ".arff",
    ".libsvm", ".lmdb",
)
MODEL_EXTENSIONS = (
    ".pkl", ".pickle", ".joblib", ".sav", ".pt", ".pth", ".ckpt", ".onnx", ".safetensors", ".h5", ".keras",
    ".pb", ".tflite", ".mlmodel", ".gguf", ".pmml", ".cbm", ".msgpack",
)
MEDIA_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".webp", ".wav", ".mp3", ".flac")
MEDIA_SET_MIN = 20
# folders of a site's or a README's pictures; a media set under one of DATA_DIRS is data all the same
DOC_MEDIA_DIRS = {"img", "imgs", "images", "image", "assets", "static", "screenshots", "figures", "figs", "fig",
                  "media", "icons", "logos", "diagrams", "_static", "site", "website"}
# a folder named for the documentation's pictures (``README-img``, ``doc_images``, ``readme-assets``), and GitHub's
# own folder (README pictures kept in ``.github/``): media there illustrate the documentation
DOC_MEDIA_NAME = re.compile(r"(?i)(?:^|[-_.])(?:img|imgs|images?|screenshots?|figures?|assets)(?:[-_.]|$)")
# what a tool generates, not the project's data or models: Sphinx's build folder (``docs/_build/doctrees/
# environment.pickle``), Python's bytecode caches
BUILD_DIRS = frozenset({"_build", "doctrees", ".doctrees", "__pycache__"})
DATA_DIRS = {"data", "dataset", "datasets", "raw", "processed", "train", "training", "val", "valid", "validation",
             "test_images", "samples", "corpus"}
# a .zip of only these (and names without a suffix: LICENSE, Dockerfile), with a program among them, is code
BUNDLE_PROGRAM_EXTENSIONS = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".java", ".class", ".go", ".rb", ".sh",
                                       ".ps1", ".jar"})
BUNDLE_MEMBER_EXTENSIONS = BUNDLE_PROGRAM_EXTENSIONS | {".pyc", ".pyi", ".yaml", ".yml", ".toml", ".cfg", ".ini",
                                                        ".txt", ".md", ".rst", ".html", ".css", ".xml", ".lock",
                                                        ".typed", ".env"}
MAX_BUNDLE_BYTES = 8_000_000  # a zip larger than this is not opened (judged data, as by its suffix)
MAX_BUNDLE_BYTES_TOTAL = 64_000_000  # zips opened per run, in bytes
MAX_BUNDLE_MEMBERS = 20_000
CODE_BUNDLES = (".py.zip", ".js.zip", ".ts.zip", ".java.zip", ".go.zip")  # a zipped function's source (AWS Lambda)
TEXT_EXTENSIONS = (
    ".py", ".ipynb", ".yml", ".yaml", ".json", ".toml", ".cfg", ".ini", ".env", ".txt", ".sh", ".md", ".conf",
    ".properties", ".r", ".scala", ".js", ".ts", ".sql", ".tf", ".bash", ".zsh", ".ps1", ".envrc",
)
TEXT_NAMES = ("Dockerfile", "Makefile", "Jenkinsfile", ".env", ".netrc", ".npmrc", ".pypirc", "Procfile")
FIXTURE_DIRS = {"tests", "test", "fixtures", "testdata", "test_data", "docs", "doc", "examples"}

MAX_SHOWN_READS = 5
PYTHON_FLOOR = re.compile(r">=\s*(\d+)\.(\d+)")  # requires-python's lower bound: ">=3.14", ">= 3.10,<4"
TRAIN_SCRIPT = re.compile(r"(?i)train")  # a file name starting so (matched at its start)
_T = TypeVar("_T")
INFERENCE_NAME = re.compile(r"(predict|infer|inference|serve|serving|score|batch)", re.I)
# a function named so predicts; ``score_ap_from_ranks`` / ``batch_norm`` do not (score and batch: file names only)
INFERENCE_FUNCTION = re.compile(r"(predict|infer|inference|serve|serving)", re.I)
CONFIG_NAME = re.compile(r"(?i)^(params|hparams|hyperparams|config|train_config|training)[\w.-]*$")
VERSION_SPRAWL = re.compile(
    r"(?i)([_\-\s.](v\d+|final|copy|old|new|fixed|backup|bak|tmp|temp|orig|latest|draft|wip)$)|"
    r"(\s\(\d+\)$)|(^copy of )|(-\s?copy$)"
)


class TextPattern(Protocol):
    """What the facts need of a pattern: ``re.Pattern``, or an RE2 regex (a custom rule's, see checks.py)."""

    def search(self, string: str, /) -> object: ...


class Ref(NamedTuple):
    """A place in a code unit: a .py file, or a notebook cell (a tuple: one per import, 200,000 on 20,000 files)."""

    path: str
    line: int | None = None
    cell: int | None = None


class Unit(NamedTuple):
    """A piece of analysed Python: a .py file, or one code cell of a notebook."""

    path: str
    cell: int | None
    info: CodeInfo


@lru_cache(maxsize=64)
def _search_kind(pattern: re.Pattern[str]) -> str:
    """The cache document kind of :meth:`RepoFacts.text_search` answers for ``pattern``."""
    text = f"{pattern.flags}:{pattern.pattern}"
    return "search-" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _seal(rows: list[int]) -> str:
    """A checksum of cached row numbers: well-formed but wrong numbers would silently give wrong answers."""
    return hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()


def in_build_dir(path: str) -> bool:
    """A file a tool generated (under a BUILD_DIRS folder): neither the project's data nor its model."""
    return "/" in path and not BUILD_DIRS.isdisjoint(path.split("/")[:-1])


def suffix_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    for double in (".tar.gz", ".sav.csv"):
        if name.endswith(double):
            return double
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _suffix(name: str) -> str:
    """``PurePosixPath(name).suffix`` for a file name."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _stem(name: str) -> str:
    """``PurePosixPath(name).stem`` for a file name."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _pattern_key(pattern: TextPattern) -> str | None:
    """What names a regex for the answers kept between runs (its kind, text and flags); None when unknown."""
    text, flags = getattr(pattern, "pattern", None), getattr(pattern, "flags", 0)
    if not isinstance(text, str) or not isinstance(flags, int):
        return None
    return f"{type(pattern).__module__}.{type(pattern).__qualname__}:{flags}:{text}"


@lru_cache(maxsize=65536)
def is_test_path(path: str) -> bool:
    """Test code: test modules, anything under tests/, and pytest's conftest.py files (fixtures that train a
    small model are test code, not training code)."""
    folder, _, name = path.rpartition("/")  # string operations: PurePosixPath costs 10 us a call
    if not name.endswith(".py") or len(name) <= 3:  # ".py" alone has no suffix
        return False
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return bool(folder) and not {"tests", "test"}.isdisjoint(folder.split("/"))


class _Batch:
    """Sources to analyse, each looked up in the cache first; the rest analysed together, FLUSH_AT at a time
    (in parallel on large trees), so the sources waiting for analysis never all sit in memory at once."""

    FLUSH_AT = 2048

    def __init__(self, cache: CodeCache | None, progress: Callable[[int, int, str], None] | None = None) -> None:
        self.cache = cache
        self.progress = progress
        self.keys: list[str] = []
        self._infos: list[CodeInfo | None] = []
        self._todo: dict[str, tuple[str, str]] = {}  # content key -> (source, filename), one per content
        self._waiting: list[int] = []  # slots whose analysis is in _todo

    def ready(self, info: CodeInfo, key: str = "") -> int:
        self.keys.append(key)
        self._infos.append(info)
        return len(self._infos) - 1

    def add(self, source: str, filename: str) -> int:
        key = content_key(source) if self.cache is not None else str(len(self.keys))  # no cache: no lookup
        info = self.cache.get(key, source) if self.cache is not None and key not in self._todo else None
        self.keys.append(key)
        self._infos.append(info)
        slot = len(self._infos) - 1
        if info is None:
            self._todo.setdefault(key, (source, filename))
            self._waiting.append(slot)
            if len(self._todo) >= self.FLUSH_AT:
                self._flush()
        return slot

    def _flush(self) -> None:
        if not self._todo:
            return
        done = dict(zip(self._todo, analyse_many(list(self._todo.values()), self.progress), strict=True))
        self._todo = {}
        if self.cache is not None:
            for key, info in done.items():
                self.cache.put(key, info)
        for slot in self._waiting:
            self._infos[slot] = done[self.keys[slot]]
        self._waiting = []

    def run(self) -> list[CodeInfo]:
        self._flush()
        out: list[CodeInfo] = []
        for info in self._infos:
            assert info is not None
            out.append(info)
        return out


class RepoFacts:
    """Lazily computed, cached facts about one repository (one audit run)."""

    def __init__(self, root: Path, config: Config | None = None, cache: CodeCache | None = None) -> None:
        self.root = root.resolve()
        self.config = config or Config()
        self.cache = cache if cache is not None and cache.enabled else None  # --no-cache: no cache at all
        self.cache_note = cache.note if cache is not None else ""  # why there is no cache (no home directory)
        self.problems: list[tuple[str, str]] = list(self.config.problems)
        self._texts: dict[str, str | None] = {}
        self._unread: dict[str, str] = {}  # path -> why its text could not be read
        self._names_matching: dict[TextPattern, frozenset[str]] = {}
        self.capability_names: dict[str, dict[str, list[Entry]]] = {}  # see facts/capabilities.call_names
        self._pattern_names: dict[str, frozenset[str]] = {}
        self._history_scan: HistoryScan | None = None
        self._notebook_keys: dict[str, str] = {}  # notebook path -> content key, when the cache is on
        self._last_lines: tuple[str | None, list[str]] = (None, [])  # the file line_text split last
        self._unit_keys: dict[tuple[str, int | None], str] = {}  # (path, cell) -> content key, with a cache
        # the engine's progress report, called as ``(done, total, stage)`` while files are read and parsed
        self.progress: Callable[[int, int, str], None] | None = None

    # ----------------------------------------------------------------- inventory and reading
    @cached_property
    def inventory(self) -> Inventory:
        return build_inventory(self.root, self.config.exclude)

    @property
    def files(self) -> list[FileEntry]:
        return self.inventory.files

    @cached_property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    @cached_property
    def path_set(self) -> frozenset[str]:
        return frozenset(self.paths)

    @cached_property
    def suffixes(self) -> list[str]:
        """``suffix_of`` each file, in inventory order (several facts filter the files by suffix)."""
        return [sys.intern(suffix_of(f.path)) for f in self.files]  # a few distinct ones, one copy each

    def matching(self, patterns: list[str] | tuple[str, ...]) -> list[str]:
        """The paths that match any of the gitignore-style ``patterns``, in inventory order. The answer is cached
        for this exact list of paths: a warm run of an unchanged tree matches nothing again."""
        cache = self.cache
        paths = self.paths
        if cache is None:
            return matcher(patterns).filter(paths)
        kind = "match-" + hashlib.blake2b("\0".join(patterns).encode("utf-8", "surrogatepass"),
                                          digest_size=8).hexdigest()
        known = cache.doc(kind, self._listing_key)
        if isinstance(known, list) and len(known) == 2 and isinstance(known[1], list) \
                and all(type(i) is int and 0 <= i < len(paths) for i in known[1]) and known[0] == _seal(known[1]):
            return [paths[i] for i in known[1]]
        found = matcher(patterns).filter(paths)
        index = self._path_index
        rows = [index[p] for p in found]
        cache.put_doc(kind, self._listing_key, [_seal(rows), rows])  # sealed: a damaged list is not taken
        return found

    @cached_property
    def _listing_key(self) -> str:
        """The list of paths, hashed: what answers that depend on the names alone are cached by."""
        return hashlib.blake2b("\0".join(self.paths).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    @cached_property
    def _path_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.paths)}

    def problem(self, path: str, message: str) -> None:
        if (path, message) not in self.problems:
            self.problems.append((path, message))

    def text(self, path: str, limit: int = MAX_TEXT_BYTES, *, report: bool = True, keep: bool = True) -> str | None:
        """The UTF-8 text of a file of the inventory, or None (recorded as a problem when ``report``; the reason
        is kept for :meth:`why_unread` either way).

        ``keep=False`` reads without keeping the text for later (whole-tree scans: sources, secrets), so memory
        does not grow with the size of the repository."""
        if path in self._texts:
            text = self._texts[path]
            if text is None and report and path in self._unread:
                self.problem(path, self._unread[path])
            return text
        text, reason = self._read_text(path, limit)
        if reason is not None:
            self._unread[path] = reason
            if report:
                self.problem(path, reason)
        if keep or text is None:
            self._texts[path] = text
        return text

    def _read_text(self, path: str, limit: int) -> tuple[str | None, str | None]:
        """(text, None), or (None, why it could not be read); (None, None) for a path not in the inventory."""
        entry = self.inventory.by_path.get(path)
        if entry is None:
            return None, None
        if not entry.symlink and entry.size > limit:
            return None, f"too large to read ({entry.size / 1e6:.1f} MB); skipped"
        raw = self.inventory.read_bytes(path, limit + 1)
        if raw is None:
            if entry.symlink:
                return None, "symlink to a target outside the audited folder (or broken); not read"
            return None, "could not be read (permission denied or vanished)"
        if len(raw) > limit:
            return None, f"too large to read (over {limit // 1_000_000} MB); skipped"
        if b"\0" in raw[:8192]:
            return None, "binary content where text was expected; skipped"
        try:
            return raw.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, "not valid UTF-8; skipped"

    def why_unread(self, path: str) -> str:
        """Why :meth:`text` returned None for ``path``."""
        return self._unread.get(path, "could not be read")

    @contextlib.contextmanager
    def _reading(self, path: str) -> Iterator[None]:
        """Anything raised while reading one file of the repository (hostile input: a YAML key nested a thousand
        deep, a value no reader expected) becomes that file's problem, reported by AUD001, and the facts go on
        with the next file. Never the end of the run."""
        try:
            yield
        except Exception as exc:
            self._unreadable(path, exc)

    def _unreadable(self, path: str, exc: Exception) -> None:
        self.problem(path, f"could not be read: {describe_error(exc)}")

    def line_text(self, path: str, line: int) -> str:
        """Line ``line`` (from 1) of a text file, stripped; "" when there is no such line or the file cannot be
        read. Findings' fingerprints are made of it: the text of each line asked for is cached by the file's
        content, so a warm run does not read again the thousand files a per-file rule points at."""
        cache = self.cache
        entry, key = self._known_key(path)
        known = cache.doc("lines", key) if cache is not None and key is not None else None
        if isinstance(known, dict):
            text = known.get(str(line))
            if isinstance(text, str):
                return text
        if self._last_lines[0] != path:  # findings come file by file: split each file once
            read_ns = time.time_ns()
            content = self.text(path, report=False, keep=False)
            if key is None and content is not None:
                key = self._remember(entry, content, read_ns)
                known = cache.doc("lines", key) if cache is not None and key is not None else None
            self._last_lines = (path, (content or "").splitlines())
        lines = self._last_lines[1]
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if cache is not None and key is not None:
            cache.put_doc("lines", key, {**(known if isinstance(known, dict) else {}), str(line): text})
        return text

    def _known_key(self, path: str) -> tuple[FileEntry | None, str | None]:
        """The inventory entry of ``path``, and its content key when its stat signature maps to one the cache
        knows (the file need not be read)."""
        entry = self.inventory.by_path.get(path)
        key = self.cache.known_key(path, entry.signature) if self.cache is not None and entry is not None else None
        return entry, key

    def _remember(self, entry: FileEntry | None, text: str, read_ns: int) -> str | None:
        """Record that ``entry``'s stat signature holds ``text`` (read at ``read_ns``), so the next run knows its
        content key without reading it; that key, or None when the cache is off or the file too fresh to trust
        by its signature. Not for notebooks: their key is their bytes' (see _notebook)."""
        cache = self.cache
        if cache is None or entry is None or entry.path.endswith(".ipynb"):
            return None
        cache.remember(entry.path, entry.signature, content_key(text), read_ns)
        return cache.known_key(entry.path, entry.signature)

    def text_search(self, path: str, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` is found in the text of ``path`` (False when it cannot be read). The answer is
        cached by the file's content and the pattern, so a warm run answers without reading the file."""
        return self._text_doc(path, _search_kind(pattern), lambda text: pattern.search(text) is not None,
                              lambda known: isinstance(known, bool), False)

    def text_answer(self, path: str, kind: str, compute: Callable[[str], list[str]]) -> list[str]:
        """``compute`` of the text of ``path`` (a list of strings; [] when it cannot be read), kept by the file's
        content under ``kind`` (name a new kind when ``compute`` changes): a warm run answers without reading."""
        return self._text_doc(path, kind, compute,
                              lambda known: isinstance(known, list) and all(isinstance(v, str) for v in known), [])

    def _text_doc(self, path: str, kind: str, compute: Callable[[str], _T], valid: Callable[[Any], bool],
                  unread: _T) -> _T:
        """``compute`` of the text of ``path``, kept in the cache under ``kind`` by the file's content key (a
        kept value is taken when ``valid``); ``unread`` when the file cannot be read."""
        cache = self.cache
        entry, key = self._known_key(path)
        if cache is not None and key is not None:
            known = cache.doc(kind, key)
            if valid(known):
                return cast(_T, known)
        read_ns = time.time_ns()
        text = self.text(path, report=False, keep=False)
        if text is None:
            return unread
        found = compute(text)
        if key is None:
            key = self._remember(entry, text, read_ns)
        if cache is not None and key is not None:
            cache.put_doc(kind, key, found)
        return found

    def head(self, path: str, size: int = 200) -> bytes:
        return self.inventory.read_bytes(path, size) or b""

    def yaml(self, path: str) -> Any:
        """The parsed YAML document (None when unreadable or invalid, recorded as a problem). A document seen
        before is taken from the cache (["ok", document] or ["error", message]) without importing PyYAML."""
        text = self.text(path)
        if text is None:
            return None
        cache = self.cache
        key = content_key(text) if cache is not None else ""
        found = cache.doc("yaml", key) if cache is not None else None
        if isinstance(found, list) and len(found) == 2 and found[0] in ("ok", "error"):
            if found[0] == "ok":
                try:
                    return yamlsafe.from_json(found[1])
                except (TypeError, ValueError, RecursionError):
                    pass  # a damaged entry: parse again
            else:
                self.problem(path, str(found[1]))
                return None
        try:
            doc = yamlsafe.load(text)
        except ValueError as exc:
            if cache is not None:
                cache.put_doc("yaml", key, ["error", str(exc)])
            self.problem(path, str(exc))
            return None
        if cache is not None:
            with contextlib.suppress(yamlsafe.NotJson):  # dates, sets...: parsed again next time
                cache.put_doc("yaml", key, ["ok", yamlsafe.to_json(doc)])
        return doc

    def toml(self, path: str) -> dict[str, Any] | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomlread.loads(text)
        except tomlread.TOMLDecodeError as exc:
            self.problem(path, f"invalid TOML: {exc}")
            return None

    def python_floor(self, path: str = "") -> tuple[int, int] | None:
        """The oldest Python the code at ``path`` declares it runs on: the ``requires-python`` lower bound
        (``>=3.14`` -> (3, 14)) of the nearest pyproject.toml in its folder or above (``backend/pyproject.toml``
        for ``backend/app/deps.py``; the root's for ``""``), or None."""
        folder = posixpath.dirname(path)
        while True:
            manifest = f"{folder}/pyproject.toml" if folder else "pyproject.toml"
            if manifest in self.path_set:
                return self._declared_floor(manifest)
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    def _declared_floor(self, manifest: str) -> tuple[int, int] | None:
        floors = self._floors
        if manifest not in floors:
            floors[manifest] = self._read_floor(manifest)
        return floors[manifest]

    @cached_property
    def _floors(self) -> dict[str, tuple[int, int] | None]:
        return {}

    def _read_floor(self, manifest: str) -> tuple[int, int] | None:
        doc = self.toml(manifest)
        project = doc.get("project") if isinstance(doc, dict) else None
        spec = project.get("requires-python") if isinstance(project, dict) else None
        floor = PYTHON_FLOOR.search(spec) if isinstance(spec, str) else None
        return (int(floor.group(1)), int(floor.group(2))) if floor is not None else None

    def _newer_grammar(self, path: str, error: str) -> str:
        """A syntax error in a project that requires a newer Python than the one auditing it: perhaps that
        Python's grammar (``except A, B:`` is valid from 3.14), so said so, with what to do."""
        floor = self.python_floor(path)
        running = sys.version_info[:2]
        if not error.startswith("syntax error") or floor is None or floor <= running:
            return error
        return (f"not readable by Python {running[0]}.{running[1]}, which runs this audit: {error}; the project "
                f"requires Python {floor[0]}.{floor[1]} or later, whose grammar may allow it (run mlops-audit "
                f"on Python {floor[0]}.{floor[1]})")

    # ----------------------------------------------------------------- code
    @cached_property
    def python_files(self) -> dict[str, CodeInfo]:
        cache = self.cache
        by_path = self.inventory.by_path
        batch = _Batch(cache, self.progress)
        # first every file is looked up or read (problems kept aside, to be recorded in path order), then the
        # sources nobody analysed before are analysed together (in parallel on large trees)
        steps: list[tuple[str, list[tuple[str, str]], int]] = []  # path, problems while reading, batch slot
        sources = [path for path in self.paths if path.endswith(".py")]
        progress = self.progress
        for index, path in enumerate(sources):
            if progress is not None and index % 64 == 0:
                progress(index, len(sources), "reading")
            signature = by_path[path].signature if cache is not None else None
            if cache is not None:
                key = cache.known_key(path, signature)  # unchanged since a run that read it: no need to read it
                if key is not None:
                    info = cache.get(key, functools.partial(self.text, path, MAX_SOURCE_BYTES, report=False,
                                                            keep=False))
                    if info is not None:
                        steps.append((path, [], batch.ready(info, key)))
                        continue
            read_ns = time.time_ns()
            saved, self.problems = self.problems, []
            try:
                text = self.text(path, MAX_SOURCE_BYTES, keep=False)
                if text is not None and text.count("\n") > MAX_SOURCE_LINES:
                    lines = text.count("\n")
                    self.problem(path, f"too large to analyse ({lines} lines, over {MAX_SOURCE_LINES}); skipped")
                    text = None
            finally:
                found, self.problems = self.problems, saved
            if text is None:
                steps.append((path, found, -1))
                continue
            slot = batch.add(text, path)
            if cache is not None:
                cache.remember(path, signature, batch.keys[slot], read_ns)
            steps.append((path, found, slot))
        infos = batch.run()
        out: dict[str, CodeInfo] = {}
        for path, found, slot in steps:
            for where, message in found:
                self.problem(where, message)
            if slot < 0:
                continue
            info = infos[slot]
            if info.error:
                self.problem(path, self._newer_grammar(path, info.error))
            out[path] = info
            if cache is not None:
                self._unit_keys[(path, None)] = batch.keys[slot]
        return out

    @cached_property
    def notebooks(self) -> dict[str, Notebook]:
        out: dict[str, Notebook] = {}
        for entry in self.files:
            if not entry.path.endswith(".ipynb"):
                continue
            if entry.size > MAX_NOTEBOOK_BYTES:
                self.problem(entry.path, f"notebook too large to read ({entry.size / 1e6:.0f} MB); skipped")
                continue
            nb = self._notebook(entry)
            if nb is None:
                self.problem(entry.path, "could not be read (symlink outside the folder, or permission denied)")
                continue
            if nb.error:
                self.problem(entry.path, nb.error)
                continue
            out[entry.path] = nb
        return out

    def _notebook(self, entry: FileEntry) -> Notebook | None:
        """A notebook parsed, or taken from the cache when its content (or its stat signature) is known."""
        cache = self.cache
        key = cache.known_key(entry.path, entry.signature) if cache is not None else None
        if cache is not None and key is not None:
            nb = notebook_from_data(cache.doc("notebook", key))
            if nb is not None:
                self._notebook_keys[entry.path] = key
                return nb
        read_ns = time.time_ns()
        raw = self.inventory.read_bytes(entry.path, MAX_NOTEBOOK_BYTES)
        if raw is None:
            return None
        if cache is None:
            return parse_notebook(raw)
        key = bytes_key(raw)
        nb = notebook_from_data(cache.doc("notebook", key))
        if nb is None:
            nb = parse_notebook(raw)
            cache.put_doc("notebook", key, notebook_data(nb))
        cache.remember(entry.path, entry.signature, key, read_ns)
        self._notebook_keys[entry.path] = key
        return nb

    @cached_property
    def units(self) -> list[Unit]:
        """All analysed Python: .py files, then notebook code cells."""
        units = [Unit(path, None, info) for path, info in self.python_files.items()]
        cache = self.cache
        batch = _Batch(cache, self.progress)
        steps: list[tuple[str, int, int]] = []  # notebook, cell index (-1: too large), batch slot
        cell_slots: list[tuple[str, list[int], list[str] | None]] = []  # notebook, its cells' slots, known keys
        for path, nb in self.notebooks.items():
            lines = sum(c.source.count("\n") + 1 for c in nb.cells)
            if lines > MAX_SOURCE_LINES:
                steps.append((path, -1, lines))
                continue
            known = self._cell_keys(path, len(nb.cells))
            slots = []
            for i, cell in enumerate(nb.cells):
                info = cache.get(known[i], functools.partial(blank_magics, cell.source)) \
                    if cache is not None and known is not None else None
                if info is not None and known is not None:  # no need to blank the magics and hash the cell again
                    slot = batch.ready(info, known[i])
                else:
                    slot = batch.add(blank_magics(cell.source), f"{path}[{cell.index}]")
                steps.append((path, cell.index, slot))
                slots.append(slot)
            cell_slots.append((path, slots, known))
        infos = batch.run()
        if cache is not None:
            for path, slots, known in cell_slots:
                keys = [batch.keys[slot] for slot in slots]
                nb_key = self._notebook_keys.get(path)
                if nb_key is not None and keys != known:
                    cache.put_doc("cells", nb_key, keys)
        carried = self._carry_aliases(steps, infos)
        for path, index, slot in steps:
            if index < 0:
                self.problem(path, f"code too large to analyse ({slot} lines, over {MAX_SOURCE_LINES}); skipped")
                continue
            info = carried.get(slot, infos[slot])
            if info.error:
                self.problem(path, f"cell {index}: {info.error}")
            units.append(Unit(path, index, info))
            if cache is not None:
                self._unit_keys[(path, index)] = batch.keys[slot]
        return units

    def _carry_aliases(self, steps: list[tuple[str, int, int]], infos: list[CodeInfo]) -> dict[int, CodeInfo]:
        """The cells' analyses that calls through an earlier cell's import alias change (facts/cell_aliases.py),
        by batch slot."""
        out: dict[int, CodeInfo] = {}
        by_path: dict[str, list[tuple[int, int]]] = {}
        for path, index, slot in steps:
            if index >= 0:
                by_path.setdefault(path, []).append((index, slot))
        for path, cells in by_path.items():
            if len(cells) < 2:
                continue
            sources = {c.index: c.source for c in self.notebooks[path].cells}
            pairs = [(sources.get(index, ""), infos[slot]) for index, slot in cells]
            for (_, slot), (_, info), new in zip(cells, pairs, carry(pairs), strict=True):
                if new is not info:
                    out[slot] = new
        return out

    @cached_property
    def python_secrets(self) -> dict[str, list[tuple[int, str]]]:
        """The (line, kind) of each secret-looking value of each .py file that has one (the scan is done as the
        file is parsed)."""
        def compute() -> list[tuple[str, int, str]]:
            return [(path, line, kind) for path, info in self.python_files.items() for line, kind in info.secrets]

        out: dict[str, list[tuple[int, str]]] = {}
        for path, line, kind in self.derived.rows("python_secrets", "sis", compute):
            out.setdefault(path, []).append((line, kind))
        return out

    @cached_property
    def derived(self) -> derived.Derived:
        """The answers worked out from the code alone, kept between runs by the code's digest (facts/derived.py)."""
        if self.cache is None:
            return derived.Derived(None, None)
        keys = self._unit_keys
        rows = []
        for unit in self.units:
            key = keys.get((unit.path, unit.cell))
            if key is None:  # a unit whose content is not known by key: nothing kept
                return derived.Derived(None, None)
            rows.append((unit.path, unit.cell, key))
        return derived.Derived(self.cache, derived.digest(rows, self.config.knowledge))

    def _derived_refs(self, name: str, compute: Callable[[], list[Ref]]) -> list[Ref]:
        return self.derived.get(name, compute, derived.encode_refs, derived.decode_refs)

    def _derived_paths(self, name: str, compute: Callable[[], list[str]]) -> list[str]:
        return self.derived.get(name, compute, derived.encode_paths, derived.decode_paths)

    def _cell_keys(self, path: str, cells: int) -> list[str] | None:
        """The content keys of a notebook's code cells (magics blanked), as stored by an earlier run."""
        key = self._notebook_keys.get(path)
        keys = self.cache.doc("cells", key) if self.cache is not None and key is not None else None
        if isinstance(keys, list) and len(keys) == cells and all(isinstance(k, str) and k for k in keys):
            return keys
        return None

    @cached_property
    def units_by_path(self) -> dict[str, list[Unit]]:
        index: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.units:
            index[unit.path].append(unit)
        return index

    @cached_property
    def _units_by_kind(self) -> tuple[list[Unit], list[Unit]]:
        """(units outside test code, units in test code), each in unit order."""
        code: list[Unit] = []
        tests: list[Unit] = []
        for unit, in_tests in zip(self.units, self._unit_in_tests, strict=True):
            (tests if in_tests else code).append(unit)
        return code, tests

    def code_units(self, *, tests: bool | None = None) -> Iterator[Unit]:
        if tests is None:
            return iter(self.units)
        return iter(self._units_by_kind[1 if tests else 0])

    @cached_property
    def _import_index(self) -> dict[str, list[int]]:
        """Top-level package -> the units that import it or one of its modules, in unit order (units, not
        imports: 200,000 imports on 20,000 files took 11 MB as index rows)."""
        index: dict[str, list[int]] = defaultdict(list)
        for i, unit in enumerate(self.units):
            for package in unit.info.packages:
                index[package].append(i)
        return index

    @cached_property
    def _unit_in_tests(self) -> list[bool]:
        return [is_test_path(u.path) for u in self.units]

    def imports_of(self, modules: tuple[str, ...] | list[str], *, tests: bool | None = None) -> list[Ref]:
        """Where any of ``modules`` (or their submodules) is imported, in file order."""
        in_tests = self._unit_in_tests
        hits: list[tuple[int, int]] = []  # unit index, line
        units = self.units
        for module in modules:
            prefix = module + "."
            for i in self._import_index.get(module.partition(".")[0], ()):
                if tests is not None and in_tests[i] != tests:
                    continue
                for name, line in units[i].info.imports:
                    if name == module or name.startswith(prefix):
                        hits.append((i, line))
        if len(modules) > 1:  # keep the file order, whatever the order of ``modules``
            hits = sorted(set(hits))
        return [Ref(units[i].path, line, units[i].cell) for i, line in hits]

    @cached_property
    def call_name_set(self) -> frozenset[str]:
        """Every distinct call name: a pattern is tried once per name, not once per call."""
        return frozenset().union(*(u.info.call_names for u in self.units))

    def call_names_matching(self, pattern: TextPattern) -> frozenset[str]:
        """The distinct call names in which ``pattern`` finds a match (``search``)."""
        cached = self._names_matching.get(pattern)
        if cached is None:
            def compute() -> list[str]:
                return sorted(n for n in self.call_name_set if pattern.search(n))

            key = _pattern_key(pattern)
            names = compute() if key is None else self._derived_paths(f"names:{key}", compute)
            cached = self._names_matching[pattern] = frozenset(names)
        return cached

    def calls_matching(self, pattern: TextPattern, *, tests: bool | None = None,
                       limit: int | None = None) -> list[Ref]:
        """Where a call whose name ``pattern`` finds something in is made, in file order (the first ``limit``)."""
        key = _pattern_key(pattern)
        if key is None:
            return self._calls_matching(pattern, tests, limit)
        return self._derived_refs(f"calls:{key}:{tests}:{limit}", lambda: self._calls_matching(pattern, tests, limit))

    def _calls_matching(self, pattern: TextPattern, tests: bool | None, limit: int | None) -> list[Ref]:
        hit = self.call_names_matching(pattern)
        refs: list[Ref] = []
        if not hit:
            return refs
        for u in self.code_units(tests=tests):
            if hit.isdisjoint(u.info.call_names):  # a file without any of these names: its calls not read
                continue
            refs.extend(Ref(u.path, c.line, u.cell) for c in u.info.calls if c.name in hit)
            if limit is not None and len(refs) >= limit:
                return refs[:limit]
        return refs

    @cached_property
    def test_files(self) -> list[str]:
        """Test modules (conftest.py is test code, but not a test on its own)."""
        return [p for p in self.paths if is_test_path(p) and not p.endswith("conftest.py")]

    # ----------------------------------------------------------------- ecosystem knowledge
    @cached_property
    def knowledge(self) -> Knowledge:
        """The built-in knowledge (rules/knowledge/*.yaml) plus the repository's ``[[tool.mlops-audit.knowledge]]``."""
        return build_knowledge(self.config.knowledge, cache=self.cache is not None)

    def capability(self, name: str, *, tests: bool | None = False, limit: int | None = None,
                   code_only: bool = False) -> list[capabilities.Hit]:
        """Where the repository shows capability ``name`` (see facts/capabilities.find)."""
        cap = self.knowledge[name]
        encode, decode = derived.hit_codec(cap)
        hits = self.derived.get(f"capability:{name}:{tests}:{limit}",
                                lambda: capabilities.find(self, cap, tests=tests, limit=limit, code_only=True),
                                encode, decode)
        if code_only or (limit is not None and len(hits) >= limit):
            return hits
        return capabilities.find_files(self, cap, hits, tests=tests, limit=limit)

    def shows(self, name: str, *, tests: bool | None = False) -> capabilities.Hit | None:
        """The first place the repository shows capability ``name``, or None."""
        hits = self.capability(name, tests=tests, limit=1)
        return hits[0] if hits else None

    def names_matching_pattern(self, pattern: NamePattern) -> frozenset[str]:
        """The distinct call names a knowledge call pattern matches."""
        found = self._pattern_names.get(pattern.text)
        if found is None:
            last = pattern.pieces[-1]
            if len(pattern.pieces) > 1 and "." in last:  # "*.step": only the names whose last segment is "step"
                names: Iterable[str] = self._names_by_segment.get(last.rpartition(".")[2], ())
            else:
                names = self.call_name_set
            longest = pattern.longest
            found = self._pattern_names[pattern.text] = frozenset(
                n for n in names if longest in n and pattern.match(n))
        return found

    @cached_property
    def _names_by_segment(self) -> dict[str, list[str]]:
        """The distinct call names by their last segment ("fit" -> "model.fit", "sklearn...SVC().fit")."""
        index: dict[str, list[str]] = defaultdict(list)
        for name in self.call_name_set:
            index[name.rpartition(".")[2]].append(name)
        return index

    @staticmethod
    def in_tests(path: str) -> bool:
        return is_test_path(path)

    @cached_property
    def call_graph(self) -> CallGraph:
        """The repository's own call graph (non-test code): which local function each call reaches."""
        return CallGraph(self.code_units(tests=False))

    # ----------------------------------------------------------------- what kind of project
    @cached_property
    def ml_files(self) -> list[str]:
        """Files (py or notebooks) importing an ML library (the ``ml_library`` knowledge)."""
        return self._derived_paths("ml_files", lambda: sorted(capabilities.paths_importing(
            self, self.knowledge["ml_library"])))

    @cached_property
    def training_refs(self) -> list[Ref]:
        """Where each file first trains a model, in file order (the ``training`` knowledge: fit/train calls with
        arguments, trainers, hand-written loops; deterministic transforms and PyTorch's mode switch excepted), in
        a file that imports an ML library. One place per file is all the rules use."""
        return self._derived_refs("training_refs", lambda: ml_usage.training(self))

    @cached_property
    def training_loops(self) -> list[capabilities.Hit]:
        """Hand-written training loops (facts/ml_usage.py), computed once for training and its scopes."""
        cap = self.knowledge["training"]
        encode, decode = derived.hit_codec(cap)
        return self.derived.get("training_loops", lambda: ml_usage.training_loops(self), encode, decode)

    @cached_property
    def unseeded_training(self) -> list[Ref]:
        """Training places reached from an entry point that fixes no seed (facts/ml_usage.py)."""
        return self._derived_refs("unseeded_training", lambda: ml_usage.unseeded_training(self))

    @cached_property
    def training_files(self) -> list[str]:
        """The files that train, or, when nothing trains here, the files that launch training jobs."""
        refs = self.training_refs or self.remote_training_refs
        return sorted({r.path for r in refs})

    @cached_property
    def model_suffixes(self) -> tuple[str, ...]:
        """The suffixes of model files: the built-in ones and the configured ``model-extensions``."""
        return MODEL_EXTENSIONS + tuple(self.config.model_extensions)

    @cached_property
    def model_files(self) -> list[FileEntry]:
        exts = self.model_suffixes
        return [f for f, suffix in zip(self.files, self.suffixes, strict=True)
                if suffix in exts and not in_build_dir(f.path)]

    @cached_property
    def serving_refs(self) -> list[Ref]:
        """Imports of a web framework or model server (the ``serving`` knowledge) outside tests."""
        return [h.ref for h in self.capability("serving", code_only=True)]

    @cached_property
    def model_serving_files(self) -> list[str]:
        """Serving files that serve a model: they load or call one (the ``model_loading`` knowledge), or
        import a module of the repository that does. A web app with no model is not ML serving."""
        return self._derived_paths("model_serving_files", lambda: ml_usage.model_serving_files(self))

    @cached_property
    def lambda_folders(self) -> tuple[str, ...]:
        """The folders of the Dockerfiles that build AWS Lambda function images ("" for the root): the code
        there is packaged as Lambda functions, not as a long-running service."""
        folders = (posixpath.dirname(df.path) for df in self.dockerfiles if docker.is_lambda_image(df))
        return tuple(dict.fromkeys(folders))

    def in_lambda_image(self, path: str) -> bool:
        """``path`` is in the folder (or under it) of a Dockerfile building an AWS Lambda image."""
        return any(not folder or path.startswith(folder + "/") for folder in self.lambda_folders)

    @cached_property
    def serving_files(self) -> list[str]:
        return sorted({r.path for r in self.serving_refs if r.cell is None})

    @cached_property
    def inference_files(self) -> list[str]:
        """Non-test .py files that serve or predict: serving apps that serve a model, predict/infer/score scripts or
        functions, scripts that load a model and predict."""
        return self._derived_paths("inference_files", self._inference_files)

    def _inference_files(self) -> list[str]:
        found = set(self.model_serving_files)  # a web app with no model (a tool's own API) infers nothing
        # named for predicting, in ML code: ``def serve()`` in a website's fabfile or ``score_ap()`` in an
        # evaluation module of a library that loads no model is not inference
        loads = self._paths_showing("model_loading")
        predicts = self._paths_showing("prediction")
        ml = set(self.ml_files) | loads | predicts
        for path, info in self.python_files.items():
            if is_test_path(path) or path not in ml:
                continue
            stem = _stem(path.rsplit("/", 1)[-1])
            if INFERENCE_NAME.search(stem) or any(INFERENCE_FUNCTION.match(f.name) for f in info.functions):
                found.add(path)
        # whatever its name: a script that loads a model and asks it for predictions (``sample.py`` loading a
        # checkpoint and generating), when it neither trains nor measures the model (an evaluation script)
        for path in (loads & predicts) - set(self.training_files) - self._paths_showing("model_evaluation"):
            if path in self.python_files:
                found.add(path)
        return sorted(found)

    def _paths_showing(self, capability: str) -> set[str]:
        """The code files (outside tests) where ``capability`` is shown."""
        return {h.ref.path for h in self.capability(capability, code_only=True)}

    @cached_property
    def ml_evidence(self) -> list[str]:
        evidence: list[str] = []
        if self.ml_files:
            evidence.append(f"ML library imports in {len(self.ml_files)} file(s), e.g. {self.ml_files[0]}")
        if self.model_files:
            evidence.append(f"{len(self.model_files)} model artifact(s), e.g. {self.model_files[0].path}")
        train_scripts = [p for p in self.paths if p.endswith((".py", ".ipynb"))
                         and TRAIN_SCRIPT.match(p.rsplit("/", 1)[-1])]
        if train_scripts:
            evidence.append(f"training entry point {train_scripts[0]}")
        if self.remote_training_refs:
            ref = self.remote_training_refs[0]
            evidence.append(f"a training job launched on a platform, e.g. {ref.path}")
        data_nbs = [p for p, nb in self.notebooks.items() if nb.cells]
        if data_nbs and (self.ml_files or self.data_files or self.data_reads):
            evidence.append(f"{len(data_nbs)} notebook(s) working with data, e.g. {data_nbs[0]}")
        if any(p in ("dvc.yaml", "MLproject") or p.endswith("/MLproject") for p in self.paths):
            evidence.append("an ML pipeline definition (dvc.yaml / MLproject)")
        return evidence

    @property
    def is_ml_project(self) -> bool:
        return bool(self.ml_evidence)

    @cached_property
    def remote_training_refs(self) -> list[Ref]:
        """Training jobs launched on a platform (the ``remote_training`` knowledge), outside tests."""
        return [h.ref for h in self.capability("remote_training")]

    @property
    def trains(self) -> bool:
        """A model is trained: here (training code) or in a job this repository launches on a platform."""
        return bool(self.training_refs) or bool(self.remote_training_refs)

    @property
    def trains_here(self) -> bool:
        """Training code in the repository (what a seed or a hyper-parameter file is about)."""
        return bool(self.training_refs)

    @property
    def has_model(self) -> bool:
        return self.trains or bool(self.model_files)

    @property
    def serves(self) -> bool:
        """Model serving in an ML project: a serving file that loads or calls a model."""
        return self.is_ml_project and bool(self.model_serving_files)

    @cached_property
    def data_reads(self) -> list[Ref]:
        """The first places data is read (read_csv, load_dataset...) outside tests: rules show five at most."""
        return [h.ref for h in self.capability("data_reading", code_only=True, limit=MAX_SHOWN_READS)]

    @property
    def uses_data(self) -> bool:
        return bool(self.data_reads or self.data_files)

    # ----------------------------------------------------------------- data and models in git
    @cached_property
    def package_data(self) -> Matcher | None:
        """The files the repository's distributions declare they ship in their packages (facts/package_data.py:
        ``MANIFEST.in``, setuptools' ``package-data`` in ``pyproject.toml`` or ``setup.cfg``): resources of the
        code, not data sets. None when nothing is declared."""
        from mlops_audit.facts import package_data

        names = ("manifest.in", "pyproject.toml", "setup.cfg")
        sources = [p for p in self.paths if p.rpartition("/")[2].lower() in names and p.count("/") <= 2]
        if not sources:
            return None
        folders = {posixpath.dirname(p) for p in self.paths}
        patterns: list[str] = []
        for path in sorted(sources):
            base, _, name = path.rpartition("/")
            with self._reading(path):
                if name.lower() == "pyproject.toml":
                    data = self.toml(path)
                    patterns += package_data.pyproject(data, base, folders.__contains__) if data else []
                    continue
                text = self.text(path)
                if text is None:
                    continue
                if name.lower() == "manifest.in":
                    patterns += package_data.manifest_in(text, base)
                else:
                    patterns += package_data.setup_cfg(text, base, folders.__contains__)
        return matcher(patterns) if patterns else None

    def is_package_data(self, path: str) -> bool:
        found = self.package_data
        return found is not None and found.match_file(path)

    def is_small_fixture(self, entry: FileEntry) -> bool:
        """A small file (``fixture-max-kb``) under tests/, fixtures/, docs/..., or anywhere in a showcase (a
        tutorial's sample CSV, shipped so that the example runs on its own): allowed in git."""
        if entry.size > self.config.fixture_max_kb * 1024:
            return False
        return not FIXTURE_DIRS.isdisjoint(entry.path.split('/')[:-1]) or self._is_showcase

    @cached_property
    def _is_showcase(self) -> bool:
        from mlops_audit.facts.project_kind import showcase

        return showcase(self) is not None

    @cached_property
    def lfs_patterns(self) -> list[str]:
        patterns: list[str] = []
        for path in self.paths:
            if path.rsplit("/", 1)[-1] == ".gitattributes":
                with self._reading(path):
                    text = self.text(path)
                    if text:
                        patterns.extend(lfs.lfs_patterns(path, text))
        return patterns

    def lfs_managed(self, entry: FileEntry) -> bool:
        if self.lfs_patterns and matcher(self.lfs_patterns).match_file(entry.path):
            return True
        return entry.size < 1024 and lfs.is_pointer(self.head(entry.path, 64))

    @cached_property
    def data_files(self) -> list[FileEntry]:
        """Data files in the inventory (tracked or about to be), media folders included, fixtures excluded."""
        exts = DATA_EXTENSIONS + tuple(self.config.data_extensions)
        pairs = list(zip(self.files, self.suffixes, strict=True))
        found = [f for f, suffix in pairs if suffix in exts and not self.is_small_fixture(f)
                 and not f.path.endswith(CODE_BUNDLES) and not in_build_dir(f.path)]
        if found and self.package_data is not None:  # a package's resources, shipped with its code
            found = [f for f in found if not self.is_package_data(f.path)]
        if any(f.path.endswith(".zip") for f in found):
            budget = [MAX_BUNDLE_BYTES_TOTAL]
            found = [f for f in found if not (f.path.endswith(".zip") and self._zipped_code(f, budget))]
        media: dict[str, list[FileEntry]] = defaultdict(list)
        for f, suffix in pairs:
            if suffix not in MEDIA_EXTENSIONS:
                continue
            folders = set(f.path.split('/')[:-1])
            docs = folders & DOC_MEDIA_DIRS or ".github" in folders or any(DOC_MEDIA_NAME.search(d) for d in folders)
            if folders & FIXTURE_DIRS or (docs and not folders & DATA_DIRS):
                continue  # screenshots and figures of the documentation, not a data set
            media[posixpath.dirname(f.path)].append(f)
        for entries in media.values():
            if len(entries) >= MEDIA_SET_MIN:
                found.extend(entries)
        return found

    def _zipped_code(self, entry: FileEntry, budget: list[int]) -> bool:
        """A .zip whose members are all source and configuration, with a program among them (a Lambda or Cloud
        Function bundle, a zip of the repository's own source): code, not data. Only its directory is read
        (names, never a member's content: nothing is extracted), within a byte budget for the whole run; a zip
        too large, unreadable or not a zip is data as before."""
        if entry.symlink or entry.size > min(MAX_BUNDLE_BYTES, budget[0]):
            return False
        budget[0] -= entry.size
        raw = self.inventory.read_bytes(entry.path, MAX_BUNDLE_BYTES + 1)
        if raw is None or len(raw) > MAX_BUNDLE_BYTES:
            return False
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as bundle:
                names = [i.filename for i in bundle.infolist()[:MAX_BUNDLE_MEMBERS + 1] if not i.is_dir()]
        except Exception:  # not a zip, a damaged one: whatever zipfile raises on hostile bytes
            return False
        if not names or len(names) > MAX_BUNDLE_MEMBERS:
            return False
        suffixes = [_suffix(n.rsplit("/", 1)[-1]) for n in names]
        return all(x in BUNDLE_MEMBER_EXTENSIONS or not x for x in suffixes) and any(
            x in BUNDLE_PROGRAM_EXTENSIONS for x in suffixes)

    def unversioned(self, entries: list[FileEntry]) -> list[FileEntry]:
        """Entries that are neither DVC-tracked nor in Git LFS. A file DVC versions that git still tracks is
        in git all the same (DVC refuses to version what git tracks: ``git rm --cached`` it)."""
        return [e for e in entries if (not self.dvc.covers(e.path) or e.tracked) and not self.lfs_managed(e)]

    # ----------------------------------------------------------------- tools and configuration
    @cached_property
    def manifests(self) -> manifests.Manifests:
        return discovery.read_manifests(self)

    @cached_property
    def readme_opening(self) -> tuple[str, str] | None:
        """(root README's path, its opening as words), read once: facts/readme_lead.py."""
        return readme_lead.lead(self)

    @cached_property
    def content_signatures(self) -> dict[str, discovery.Signature]:
        """YAML files recognised by their content (CI systems, conda environments), for manifests and CI."""
        return discovery.content_signatures(self)

    @cached_property
    def ci_files(self) -> list[ci.CiFile | discovery.UnreadCiFile]:
        return discovery.find_ci_files(self)

    @cached_property
    def dockerfiles(self) -> list[docker.Dockerfile]:
        out = []
        for path in self.paths:
            if docker.is_dockerfile(path):
                with self._reading(path):
                    text = self.text(path)
                    if text is None:  # it exists: there is a Dockerfile, its stages are unknown
                        out.append(docker.Dockerfile(path, problem=self.why_unread(path)))
                    else:
                        out.append(docker.parse_dockerfile(text, path))
        return out

    @cached_property
    def dvc(self) -> dvc.DvcFacts:
        facts = dvc.DvcFacts()
        for path in self.paths:
            name = path.rsplit("/", 1)[-1]
            try:  # as in manifests: every path, so a plain try
                if name == "dvc.yaml":
                    dvc.add_dvc_yaml(facts, path, self.yaml(path))
                elif name.endswith(".dvc") and name != ".dvc":
                    dvc.add_dvc_file(facts, path, self.yaml(path))
                elif path == ".dvc/config":
                    dvc.add_config(facts, self.text(path) or "")
            except Exception as exc:
                self._unreadable(path, exc)
        return facts

    def prefetch_history(self) -> None:
        """Start the history scan now, in the background (git works while the audit parses files)."""
        inv = self.inventory
        if self._history_scan is None and inv.git is not None:
            cfg = self.config  # data and models above a fixture's size (is_small_fixture), the rest above large
            self._history_scan = HistoryScan(
                inv.git, self.root, int(cfg.large_file_mb * 1024 * 1024), small=int(cfg.fixture_max_kb * 1024),
                data_suffixes=DATA_EXTENSIONS + tuple(cfg.data_extensions),
                model_suffixes=MODEL_EXTENSIONS + tuple(cfg.model_extensions), store=self.cache)

    @cached_property
    def history(self) -> HistoryFacts:
        inv = self.inventory
        if inv.git is None:
            return HistoryFacts()
        self.prefetch_history()
        assert self._history_scan is not None
        return self._history_scan.result()

    @cached_property
    def makefile_targets(self) -> dict[str, list[str]]:
        """Targets of the top-level Makefile(s) -> their recipe lines."""
        targets: dict[str, list[str]] = {}
        for path in self.paths:
            if path in ("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile"):
                self._read_makefile(path, targets)
        return targets

    def _read_makefile(self, path: str, targets: dict[str, list[str]]) -> None:
        with self._reading(path):
            current: str | None = None
            for line in (self.text(path) or "").splitlines():
                m = re.match(r"^([A-Za-z0-9_.\-]+)\s*:(?!=)", line)
                if m:
                    current = m.group(1)
                    targets.setdefault(current, [])
                elif current and line.startswith(("\t", "    ")):
                    targets[current].append(line.strip())

    @cached_property
    def secrets(self) -> list[tuple[Ref, str]]:
        """(place, kind) of every secret-looking value in the repository's text files and notebooks."""
        return secret_places.find(self)

    @cached_property
    def config_files(self) -> list[str]:
        """Parameter / configuration files for experiments (params.yaml, Hydra conf/, configs/...)."""
        found = []
        for path in self.paths:
            folder, _, name = path.rpartition("/")
            if name == "MLproject":
                found.append(path)
                continue
            dirs = folder.split("/") if folder else []
            # .github/, .circleci/, .dvc/...: tool configuration (CI, editors), not experiment parameters
            in_conf = any(part in ("conf", "config", "configs", "params", "hparams") for part in dirs)
            if in_conf and name.endswith(".py") and name != "__init__.py" and not dirs[0].startswith("."):
                found.append(path)  # config/train_gpt2.py: hyper-parameters kept as Python files, read at run time
                continue
            if _suffix(name) not in (".yaml", ".yml", ".toml", ".json", ".cfg", ".ini") or any(
                part.startswith(".") for part in dirs
            ):
                continue
            in_conf_dir = any(part in ("conf", "config", "configs", "params", "hparams") for part in dirs)
            named = CONFIG_NAME.match(_stem(name))
            if in_conf_dir or named:
                found.append(path)
        return found

    def files_text_matching(self, patterns: list[str], regex: TextPattern) -> list[Ref]:
        refs = []
        for path in self.matching(patterns):
            text = self.text(path, report=False)
            if text is None:
                continue
            if path.endswith(".ipynb"):
                nb = self.notebooks.get(path)
                for cell in nb.cells if nb else []:
                    for number, line in enumerate(cell.source.splitlines(), start=1):
                        if regex.search(line):
                            refs.append(Ref(path, number, cell.index))
                continue
            if not regex.search(text):
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if regex.search(line):
                    refs.append(Ref(path, number))
        return refs
