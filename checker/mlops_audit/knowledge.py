"""Ecosystem knowledge as data: which imports, calls, keywords and files give which capability.

The built-in knowledge is ``rules/knowledge/*.yaml`` (one file per capability for the open-source libraries, one
per platform for the cloud and MLOps platforms); teams add their own in ``[[tool.mlops-audit.knowledge]]``
(``docs/knowledge.md``). Each file is a mapping::

    platform: Azure Machine Learning           # who the entries are about (an entry may name its own)
    link: https://learn.microsoft.com/azure/machine-learning/
    entries:
      - capability: tracking                   # one of CAPABILITIES
        why: v1 SDK, metrics logged to the run of the workspace
        calls: ["azureml.core.Run.get_context().log*"]

An entry gives its capability by one kind of evidence:

- ``imports``: module names; importing one of them or a submodule counts;
- ``calls``: call-name patterns (``*`` is any run of characters) matched against the dotted name of a call with
  the repository's import aliases and simple bindings resolved (``run = Run.get_context(); run.log(...)`` is
  ``azureml.core.Run.get_context().log``); narrowed by ``keywords`` (the call passes one of them),
  ``min_args`` (that many arguments at least) and ``not_values`` (a keyword passed with one of these values does
  not count: ``random_state=None``);
- ``keywords`` alone: any call passing one of these keywords;
- ``together``: call-name patterns that must all occur in one file (a hand-written training loop);
- ``files``: path globs, optionally narrowed by ``contains`` (literals one of which the file's text holds) and
  ``contains_all`` (literals every one of which it holds: a Kedro catalog with ``06_models`` *and*
  ``versioned: true``);
- ``lead``: phrases (words, matched whole and case-blind) one of which the opening of the root README says: its
  title and first paragraphs (``facts/readme_lead.py``), where a repository says what it is ("sample code for",
  "a library for"); a phrase starting with ``^`` must be the opening's first words (``^example``: the title
  "Example MLflow project").

``exclude: true`` turns an entry of calls into an exception: a call it matches never counts for the capability
(``CountVectorizer().fit`` is not training). Matching is linear: patterns are split on ``*`` and their pieces
found in order (no regular expression), and each pattern is indexed by the characters every name it matches
ends with (or starts with), so a name is tried against a few patterns, not all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

CAPABILITIES: dict[str, str] = {
    "ml_library": "a machine-learning library: its import makes the file ML code",
    "training": "a call that trains a model",
    "deterministic_training": "a fit with no randomness in it (least squares, nearest neighbours): no seed to fix",
    "remote_training": "a training job launched on a platform (SageMaker, Vertex AI, Azure ML...)",
    "seeding": "a call or keyword that fixes a random seed",
    "tracking": "experiment tracking: parameters and metrics of each run recorded",
    "registry": "a model registry: trained models registered and versioned",
    "pipeline": "a pipeline or orchestrator defining the training steps",
    "schedule": "training re-run on a schedule or a trigger (continuous training)",
    "drift": "live data compared with the training data (drift monitoring)",
    "service_metrics": "the service exports metrics (latency, errors, throughput)",
    "prediction_logging": "the requests and predictions a model serves are recorded (a platform's data capture)",
    "data_validation": "a schema or validation step for data",
    "request_schema": "requests validated against a schema before they reach the model",
    "serving": "a web framework or model server (a service can be built with it)",
    "model_loading": "a trained model loaded from a file, a hub or a model server",
    "prediction": "a model asked for predictions (predict, predict_proba, generate)",
    "model_endpoint": "a model served or published through a platform the repository declares (endpoint, hub)",
    "runtime_image": "the image a model runs in, provided or built by a platform (no Dockerfile needed)",
    "config_loading": "hyper-parameters read from a configuration file or the command line",
    "data_versioning": "data versioned outside git (DVC, lakeFS, Delta...)",
    "data_reading": "data read from a file or a dataset hub",
    "data_checks": "a data set's content checked (missing values, duplicates, ranges), validation in a test",
    "alerting": "a client that tells people when something degrades",
    "model_evaluation": "model quality measured (metrics libraries and calls)",
    "api_testing": "a test client for a web service",
    "archive_extraction": "an archive unpacked with every member trusted: a member's path can write anywhere",
    "showcase": "the repository presents itself as examples, a tutorial, a course, a book's code or a template",
    "library": "the repository presents itself as a library, a framework or a toolkit others build with",
}
EVIDENCE_KEYS = ("imports", "calls", "keywords", "together", "files", "lead")
ENTRY_KEYS = frozenset({"capability", "why", "link", "platform", "contains", "contains_all", "min_args",
                        "not_values", "exclude",
                        *EVIDENCE_KEYS})
FILE_KEYS = frozenset({"platform", "link", "entries"})
LEAD_CAPABILITIES = ("showcase", "library")  # what the repository is, as its README says: ``lead`` evidence
TAIL = 3  # patterns are indexed by the last characters every matching name ends with
MAX_PATTERN = 256  # characters: no call name is longer (facts/code.py MAX_CALL_NAME)


def _head(name: str) -> str:
    """The first segment of a dotted name, without a call's ``()``."""
    return name.partition(".")[0].removesuffix("()")


class KnowledgeError(ValueError):
    """A knowledge entry that cannot be used (a built-in one fails the test suite; a configured one is a
    configuration error)."""


class NamePattern:
    """A call-name pattern: literal pieces separated by ``*`` (any run of characters). Matching finds the pieces
    in order, so it is linear in the name whatever the pattern."""

    __slots__ = ("longest", "pieces", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces = text.split("*")
        self.longest = max(self.pieces, key=len)  # in every matching name: a quick test before ``match``

    def __repr__(self) -> str:  # stable across runs: part of the digest of what the kept answers depend on
        return f"NamePattern({self.text!r})"

    def match(self, name: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:
            return name == self.text
        first, last = pieces[0], pieces[-1]
        if len(name) < len(first) + len(last) or not name.startswith(first) or not name.endswith(last):
            return False
        pos, end = len(first), len(name) - len(last)
        for piece in pieces[1:-1]:
            found = name.find(piece, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return True


@dataclass(frozen=True)
class Entry:
    """One piece of knowledge: this evidence gives this capability."""

    capability: str
    platform: str
    why: str
    source: str  # the file it comes from ("tracking.yaml", "pyproject.toml")
    imports: tuple[str, ...] = ()
    calls: tuple[NamePattern, ...] = ()
    keywords: tuple[str, ...] = ()
    together: tuple[NamePattern, ...] = ()
    files: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    contains_all: tuple[str, ...] = ()
    min_args: int = 0
    not_values: tuple[str, ...] = ()
    exclude: bool = False
    link: str = ""

    def accepts(self, nargs: int, kwargs: tuple[tuple[str, str], ...]) -> bool:
        """Whether a call whose name matched passes this entry's conditions (arguments and keywords)."""
        if nargs + len(kwargs) < self.min_args:
            return False
        if self.keywords:
            return any(k in self.keywords and v not in self.not_values for k, v in kwargs)
        return not self.not_values or not any(v in self.not_values for _, v in kwargs)


_Row = tuple[int, NamePattern, "Entry"]  # (rank, pattern, entry): see _PatternIndex


class _PatternIndex:
    """Call patterns, each in one index, with its rank (the order the matches are tried in: exceptions first,
    then by the pattern's kind, then as added); a name is matched against the few its index gives."""

    __slots__ = ("exact", "general", "head", "segment", "tail")

    def __init__(self) -> None:
        self.exact: dict[str, list[_Row]] = {}  # no ``*``
        self.segment: dict[str, list[_Row]] = {}  # "*.fit": by the last segment every matching name has
        self.tail: dict[str, list[_Row]] = {}  # by the last characters every matching name ends with
        self.head: dict[str, list[_Row]] = {}  # "sklearn.preprocessing.*": by its first segment
        self.general: list[_Row] = []

    def add(self, pattern: NamePattern, entry: Entry, order: int) -> None:
        last, first = pattern.pieces[-1], pattern.pieces[0]
        if len(last) >= TAIL:  # every matching name ends with it
            row = ((0 if entry.exclude else 3) << 32 | order, pattern, entry)
            if len(pattern.pieces) == 1:  # a literal: that name only
                self.exact.setdefault(last, []).append(row)
            elif "." in last:
                self.segment.setdefault(last.rpartition(".")[2], []).append(row)
            else:
                self.tail.setdefault(last[-TAIL:], []).append(row)
        elif len(pattern.pieces) > 1 and "." in first:
            row = ((1 if entry.exclude else 4) << 32 | order, pattern, entry)
            self.head.setdefault(_head(first), []).append(row)
        else:
            self.general.append(((2 if entry.exclude else 5) << 32 | order, pattern, entry))

    def extend(self, other: _PatternIndex) -> None:
        for mine, theirs in ((self.exact, other.exact), (self.segment, other.segment), (self.tail, other.tail),
                             (self.head, other.head)):
            for key, rows in theirs.items():
                mine.setdefault(key, []).extend(rows)
        self.general.extend(other.general)

    def matching(self, name: str) -> list[_Row]:
        """The rows whose pattern matches ``name``, unsorted."""
        found: list[_Row] = []
        for rows in (self.exact.get(name), self.segment.get(name.rpartition(".")[2]), self.tail.get(name[-TAIL:]),
                     self.head.get(_head(name)) if self.head else None, self.general):
            if rows:
                found += [r for r in rows if r[1].longest in name and r[1].match(name)]
        return found


@dataclass
class Capability:
    """Every entry of one capability, indexed by kind of evidence (the lists are filled as entries are added:
    matching reads them once per file, never filters ``entries`` again)."""

    name: str
    entries: list[Entry] = field(default_factory=list)
    imports: list[tuple[str, Entry]] = field(default_factory=list)  # (module, entry), exceptions aside
    keyword_entries: list[Entry] = field(default_factory=list)  # keywords alone, on any call
    together: list[Entry] = field(default_factory=list)
    file_entries: list[Entry] = field(default_factory=list)
    lead_entries: list[Entry] = field(default_factory=list)
    _patterns: _PatternIndex = field(default_factory=_PatternIndex)
    _added: int = 0

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if not entry.exclude:
            self.imports.extend((module, entry) for module in entry.imports)
        if entry.keywords and not entry.calls:
            self.keyword_entries.append(entry)
        if entry.together:
            self.together.append(entry)
        if entry.files:
            self.file_entries.append(entry)
        if entry.lead:
            self.lead_entries.append(entry)
        for pattern in entry.calls:
            self._added += 1
            self._patterns.add(pattern, entry, self._added)

    def call_entries(self, name: str) -> list[Entry]:
        """The entries whose call patterns match ``name`` (exceptions first)."""
        found = self._patterns.matching(name)
        if len(found) > 1:
            found.sort(key=lambda r: r[0])
        return [r[2] for r in found]

    @staticmethod
    def call_counts(nargs: int, kwargs: tuple[tuple[str, str], ...], entries: list[Entry]) -> Entry | None:
        """The entry a call counts by (``entries``: :meth:`call_entries` of its name), None if it does not."""
        for entry in entries:
            if entry.accepts(nargs, kwargs):
                return None if entry.exclude else entry
        return None


@dataclass
class Knowledge:
    capabilities: dict[str, Capability]

    def __getitem__(self, name: str) -> Capability:
        return self.capabilities[name]

    def names_by_capability(self, names: Iterable[str]) -> dict[str, dict[str, list[Entry]]]:
        """For every capability, the ``names`` its call patterns match -> the entries that match, in the order
        :meth:`Capability.call_entries` gives them: one pass over the names for all the capabilities (the
        capabilities' indexes merged), instead of one per capability."""
        merged = _PatternIndex()
        for cap in self.capabilities.values():
            merged.extend(cap._patterns)
        out: dict[str, dict[str, list[Entry]]] = {name: {} for name in self.capabilities}
        for name in names:
            by_cap: dict[str, list[_Row]] = {}
            for row in merged.matching(name):  # an entry is in the capability it names (``build``)
                by_cap.setdefault(row[2].capability, []).append(row)
            for cap_name, cap_rows in by_cap.items():
                cap_rows.sort(key=lambda r: r[0])
                out[cap_name][name] = [r[2] for r in cap_rows]
        return out


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: `{key}` must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def _patterns(value: Any, key: str, where: str) -> tuple[NamePattern, ...]:
    texts = _strings(value, key, where)
    for text in texts:
        if len(text) > MAX_PATTERN or text.strip("*") == "":
            raise KnowledgeError(f"{where}: call pattern {text[:40]!r} must hold a name (at most {MAX_PATTERN})")
    return tuple(NamePattern(t) for t in texts)


def _phrases(value: Any, where: str) -> tuple[str, ...]:
    """``lead`` phrases, as the README's opening is compared with them: lower-case words split on anything that
    is not a letter or a digit (``sample code``, ``o'reilly book`` is ``o reilly book``); a leading ``^`` is kept:
    the phrase must then open the README (``^example``: a title "Example MLflow project")."""
    from mlops_audit.facts.readme_lead import words

    texts = _strings(value, "lead", where)
    phrases = tuple(("^" if t.startswith("^") else "") + words(t) for t in texts)
    if not all(p.lstrip("^") for p in phrases) or any(len(p) > MAX_PATTERN for p in phrases):
        raise KnowledgeError(f"{where}: a `lead` phrase must hold a word (at most {MAX_PATTERN} characters)")
    return phrases


def entry_from_dict(data: Any, source: str, platform: str = "", link: str = "") -> Entry:
    """One entry, validated: a KnowledgeError names what is wrong."""
    where = source
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: a knowledge entry must be a table")
    unknown = sorted(str(k) for k in data if k not in ENTRY_KEYS)
    if unknown:
        raise KnowledgeError(f"{where}: unknown key `{unknown[0]}` in a knowledge entry "
                             f"(expected one of {', '.join(sorted(ENTRY_KEYS))})")
    capability = data.get("capability")
    if capability not in CAPABILITIES:
        raise KnowledgeError(f"{where}: `capability` must be one of {', '.join(CAPABILITIES)} "
                             f"(got {str(capability)[:40]!r})")
    where = f"{source}: {capability} entry"
    kinds = [k for k in EVIDENCE_KEYS if k in data]
    if not kinds:
        raise KnowledgeError(f"{where}: give its evidence with one of {', '.join(EVIDENCE_KEYS)}")
    if "keywords" in kinds and "calls" in kinds:
        kinds.remove("keywords")  # keywords narrow the calls
    if len(kinds) > 1:
        raise KnowledgeError(f"{where}: one kind of evidence per entry (got {', '.join(kinds)})")
    if (kinds == ["lead"]) != (capability in LEAD_CAPABILITIES):
        raise KnowledgeError(f"{where}: `lead` is the evidence of {' and '.join(LEAD_CAPABILITIES)}, "
                             "and their only one (what a README says the repository is)")
    why = data.get("why", "")
    if not isinstance(why, str) or not why.strip():
        raise KnowledgeError(f"{where}: `why` must say what the evidence shows")
    min_args = data.get("min_args", 0)
    if isinstance(min_args, bool) or not isinstance(min_args, int) or not 0 <= min_args <= 64:
        raise KnowledgeError(f"{where}: `min_args` must be a whole number from 0 to 64")
    exclude = data.get("exclude", False)
    if not isinstance(exclude, bool) or (exclude and kinds != ["calls"]):
        raise KnowledgeError(f"{where}: `exclude` is true or false, and only for an entry of `calls`")
    for key in ("contains", "contains_all"):
        if key in data and "files" not in data:
            raise KnowledgeError(f"{where}: `{key}` narrows `files`")
    own_platform = data.get("platform", platform)
    own_link = data.get("link", link)
    if not isinstance(own_platform, str) or not own_platform.strip() or not isinstance(own_link, str):
        raise KnowledgeError(f"{where}: `platform` must name who the evidence is about")
    return Entry(
        capability=capability,
        platform=own_platform.strip(),
        why=why.strip(),
        source=source,
        imports=_strings(data["imports"], "imports", where) if "imports" in data else (),
        calls=_patterns(data["calls"], "calls", where) if "calls" in data else (),
        keywords=_strings(data["keywords"], "keywords", where) if "keywords" in data else (),
        together=_patterns(data["together"], "together", where) if "together" in data else (),
        files=_strings(data["files"], "files", where) if "files" in data else (),
        lead=_phrases(data["lead"], where) if "lead" in data else (),
        contains=_strings(data["contains"], "contains", where) if "contains" in data else (),
        contains_all=_strings(data["contains_all"], "contains_all", where) if "contains_all" in data else (),
        min_args=min_args,
        not_values=_strings(data["not_values"], "not_values", where) if "not_values" in data else (),
        exclude=exclude,
        link=own_link,
    )


def entries_from_file(doc: Any, source: str) -> list[Entry]:
    """The entries of one knowledge file."""
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise KnowledgeError(f"{source}: a knowledge file is a mapping with a list of `entries`")
    unknown = sorted(str(k) for k in doc if k not in FILE_KEYS)
    if unknown:
        raise KnowledgeError(f"{source}: unknown key `{unknown[0]}` (expected platform, link, entries)")
    platform, link = doc.get("platform", ""), doc.get("link", "")
    if not isinstance(platform, str) or not isinstance(link, str):
        raise KnowledgeError(f"{source}: `platform` and `link` must be strings")
    return [entry_from_dict(item, source, platform, link) for item in doc["entries"]]


@lru_cache(maxsize=2)
def builtin_entries(cache: bool = True) -> tuple[Entry, ...]:
    """The entries of ``rules/knowledge/*.yaml``: parsed once per process, or taken from the sealed compiled
    catalogue of the cache directory (``cache=False``: never, as ``--no-cache``)."""
    from mlops_audit.catalogue import knowledge_docs

    entries: list[Entry] = []
    for name, doc in knowledge_docs(cache):
        entries.extend(entries_from_file(doc, name))
    return tuple(entries)


def build(extra: list[Entry] | tuple[Entry, ...] = (), *, cache: bool = True) -> Knowledge:
    """The built-in knowledge plus ``extra`` (a repository's own entries), indexed by capability."""
    capabilities = {name: Capability(name) for name in CAPABILITIES}
    for entry in (*builtin_entries(cache), *extra):
        capabilities[entry.capability].add(entry)
    return Knowledge(capabilities)
