"""Reading JSON reports for the fleet: files, folders (every ``*.json`` under them) and ``-``, a stream of
reports (JSON lines, or documents simply concatenated).

A report is untrusted input (an artifact uploaded by a CI job of any repository): it is parsed as data and
checked field by field. A file that is not a report is skipped with one line saying why, never a traceback.
Of each report only what the fleet needs is kept (:class:`Entry`: scores, levels, the failing rules in order of
importance), so 10,000 reports fit in little memory; the rule catalogue each report was made with (its rules'
IDs, pillars, severities and levels) is kept once per distinct catalogue (:class:`Catalogue`)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from mlops_audit.fleet import KIND
from mlops_audit.models import PILLARS, SEVERITY_RANK

REPORT_SCHEMA_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # a report of a huge repository is a few MB (a rule lists at most 50 places)
STATUSES = frozenset({"pass", "fail", "not_applicable", "error", "ignored"})
_PILLAR_INDEX = {p: i for i, p in enumerate(PILLARS)}


class NotAReport(ValueError):
    """The document is not an mlops-audit report; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    title: str
    pillar: str
    severity: str
    level: int


@dataclass(slots=True)
class Catalogue:
    """The rules one or more reports were audited against (built-in and custom)."""

    digest: str
    rules: dict[str, RuleInfo]
    reports: int = 0


@dataclass(slots=True)
class Entry:
    """One repository's report, as much of it as the fleet needs."""

    root: str  # the audited folder as the report says (untrusted text)
    source: str  # where it was read: a file path, or "-#3" (the third document of the stream)
    file: str | None  # the file it was read from (None: the stream)
    tool: str
    catalogue: str  # Catalogue.digest
    score: int
    level: int
    assessed: bool  # coverage.level_assessed: False, the level is no claim (rules left out by --select)
    pillars: tuple[int | None, ...]  # in PILLARS order; None: not applicable (or absent)
    counts: tuple[int, int, int, int]  # error, warning, info, findings
    failing: tuple[str, ...]  # the failing rules, most important first
    places: tuple[int, ...]  # how many places each failing rule found
    name: str = ""  # set once every report is read (see :func:`assign_names`)


@dataclass
class Reading:
    """What reading the inputs gave: the reports, the catalogues they use, one line per input skipped."""

    entries: list[Entry] = field(default_factory=list)
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    # every rule definition met, checked once; every catalogue met (its rules in report order), by digest
    known: dict[tuple[Any, ...], RuleInfo] = field(default_factory=dict, repr=False)
    digests: dict[tuple[RuleInfo, ...], str] = field(default_factory=dict, repr=False)

    def skip(self, source: str, reason: str) -> None:
        self.skipped.append((source, reason))


# --------------------------------------------------------------------------- checking one document
def _int(doc: dict[str, Any], key: str, lo: int, hi: int | None = None) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        bound = f"{lo}-{hi}" if hi is not None else f">= {lo}"
        raise NotAReport(f"`{key}` is not an integer {bound}")
    return value


def _str(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise NotAReport(f"`{key}` is not a string")
    return value


def _dict(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise NotAReport(f"`{key}` is not an object")
    return value


def _rule(item: Any, known: dict[tuple[Any, ...], RuleInfo]) -> tuple[RuleInfo, str, int]:
    """A ``rules`` entry: its definition (checked once per distinct definition, then shared through
    ``known``), its status and how many places it found."""
    try:
        key = (item["id"], item["title"], item["pillar"], item["severity"], item["level"])
        status, findings, not_shown = item["status"], item["findings"], item.get("not_shown", 0)
        info = known.get(key)
        ok_status = status in STATUSES
    except (KeyError, TypeError, AttributeError):  # not an object, a field missing or not a scalar
        raise NotAReport("a `rules` entry lacks id, title, pillar, severity, level, status or findings") from None
    if info is None:
        info = known[key] = _definition(item)
    if not ok_status:
        raise NotAReport(f"rule {info.id}: unknown status")
    if type(findings) is not int or findings < 0 or type(not_shown) is not int or not_shown < 0:
        raise NotAReport(f"rule {info.id}: `findings` or `not_shown` is not an integer >= 0")
    return info, status, findings + not_shown


def _definition(item: dict[str, Any]) -> RuleInfo:
    rule_id = _str(item, "id")
    if not 0 < len(rule_id) <= 64:
        raise NotAReport("a `rules` entry has an empty or overlong `id`")
    pillar, severity = _str(item, "pillar"), _str(item, "severity")
    if pillar not in _PILLAR_INDEX:
        raise NotAReport(f"rule {rule_id}: unknown pillar")
    if severity not in SEVERITY_RANK:
        raise NotAReport(f"rule {rule_id}: unknown severity")
    return RuleInfo(sys.intern(rule_id), _str(item, "title"), sys.intern(pillar), sys.intern(severity),
                    _int(item, "level", 1, 3))


def parse_report(doc: Any, source: str, file: str | None, reading: Reading) -> Entry:
    """The :class:`Entry` of a report document (its catalogue recorded in ``reading``); :class:`NotAReport`
    when it is not one."""
    if not isinstance(doc, dict):
        raise NotAReport("not a JSON object")
    if doc.get("kind") == KIND:
        raise NotAReport("a fleet report, not a repository's report (give it with --previous)")
    if "schema_version" not in doc or "tool" not in doc:
        raise NotAReport("no `schema_version` and `tool`")
    version = doc["schema_version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > REPORT_SCHEMA_VERSION:
        raise NotAReport(f"report schema version {version}; this mlops-audit reads version {REPORT_SCHEMA_VERSION}")
    if version != REPORT_SCHEMA_VERSION:
        raise NotAReport("`schema_version` is not 1")
    tool = _dict(doc, "tool")
    if tool.get("name") != "mlops-audit":
        raise NotAReport("`tool.name` is not mlops-audit")
    tool_version = _str(tool, "version")
    if not 0 < len(tool_version) <= 64:
        raise NotAReport("`tool.version` is empty or overlong")
    root = _str(doc, "root")
    score, level = _int(doc, "score", 0, 100), _int(doc, "level", 0, 3)
    coverage = doc.get("coverage", {})
    if not isinstance(coverage, dict) or not isinstance(coverage.get("level_assessed", True), bool):
        raise NotAReport("`coverage.level_assessed` is not a boolean")
    summary = _dict(doc, "summary")
    counts = (_int(summary, "error", 0), _int(summary, "warning", 0), _int(summary, "info", 0),
              _int(summary, "findings", 0))
    pillars: list[int | None] = [None] * len(PILLARS)
    for name, value in _dict(doc, "pillars").items():
        if name not in _PILLAR_INDEX or not isinstance(value, dict):
            raise NotAReport("`pillars` holds an unknown pillar")
        pillar_score = value.get("score")
        if pillar_score is not None:
            pillar_score = _int(value, "score", 0, 100)
        pillars[_PILLAR_INDEX[name]] = pillar_score
    rules = doc.get("rules")
    if not isinstance(rules, list):
        raise NotAReport("`rules` is not a list")
    infos: list[RuleInfo] = []
    failing: list[tuple[RuleInfo, int]] = []
    for item in rules:
        info, status, places = _rule(item, reading.known)
        infos.append(info)
        if status == "fail":
            failing.append((info, max(1, places)))
    shape = tuple(infos)
    digest = reading.digests.get(shape)
    if digest is None:
        if len({i.id for i in infos}) != len(infos):
            raise NotAReport("`rules` lists a rule twice")
        digest = reading.digests[shape] = catalogue_digest(infos)
    catalogue = reading.catalogues.get(digest)
    if catalogue is None:
        catalogue = reading.catalogues[digest] = Catalogue(digest, {i.id: i for i in infos})
    catalogue.reports += 1
    failing.sort(key=lambda fp: (fp[0].level, -SEVERITY_RANK[fp[0].severity], -fp[1], fp[0].id))
    return Entry(root=root, source=source, file=file, tool=sys.intern(tool_version), catalogue=digest, score=score,
                 level=level, assessed=coverage.get("level_assessed", True), pillars=tuple(pillars), counts=counts,
                 failing=tuple(info.id for info, _ in failing), places=tuple(p for _, p in failing))


def catalogue_digest(infos: Iterable[RuleInfo]) -> str:
    """A short fingerprint of a catalogue: its rules' IDs, pillars, severities and levels (what scores and levels
    are computed from; a reworded title does not change it)."""
    text = "\n".join(sorted(f"{i.id}\t{i.pillar}\t{i.severity}\t{i.level}" for i in infos))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


# --------------------------------------------------------------------------- sources
def _documents(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """The JSON documents of a stream (JSON lines, or documents one after another with any whitespace between
    them): (number, document, None), or (number, None, error) for one that is not JSON, after which reading
    resumes on the next line."""
    decoder = json.JSONDecoder()
    pos, n, end = 0, 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return
        n += 1
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            line = text.count("\n", 0, exc.pos) + 1
            yield n, None, f"not JSON (line {line}: {exc.msg})"
            nxt = text.find("\n", max(exc.pos, pos + 1))
            pos = end if nxt < 0 else nxt + 1
            continue
        except RecursionError:
            yield n, None, "not JSON (nested too deeply)"
            nxt = text.find("\n", pos + 1)
            pos = end if nxt < 0 else nxt + 1
            continue
        yield n, doc, None


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8")  # UnicodeDecodeError: not a report (JSON is UTF-8)


def read_file(path: Path, reading: Reading) -> None:
    """One report file (a file may also hold several reports, as JSON lines)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            reading.skip(source, f"{size // (1024 * 1024)} MB: larger than any report ({MAX_BYTES // 2**20} MB)")
            return
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reading.skip(source, f"cannot be read: {exc.strerror or exc}")
        return
    _read_text(data, source, source, reading)


def read_stream(stream: BinaryIO, reading: Reading, name: str = "-") -> None:
    """Every report of a stream (standard input)."""
    _read_text(stream.read(), name, None, reading, numbered=True)


def _read_text(data: bytes, source: str, file: str | None, reading: Reading, *, numbered: bool = False) -> None:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        reading.skip(source, "not a report: not UTF-8 text")
        return
    docs = list(_documents(text))
    if not docs:
        reading.skip(source, "not a report: empty")
        return
    many = numbered or len(docs) > 1
    for n, doc, error in docs:
        where = f"{source}#{n}" if many else source
        if error is not None:
            reading.skip(where, f"not a report: {error}")
            continue
        try:
            reading.entries.append(parse_report(doc, where, file, reading))
        except NotAReport as exc:
            reading.skip(where, f"not a report: {exc}")


def report_files(folder: Path) -> list[Path]:
    """The ``*.json`` files under ``folder``, sorted; symbolic links to folders are not followed."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        found += [Path(top, f) for f in sorted(files) if f.lower().endswith(".json")]
    return found


def read_sources(sources: Iterable[str], stdin: BinaryIO | None = None) -> Reading:
    """Read every source: a file, a folder (its ``*.json`` files), or ``-`` (``stdin``, by default standard
    input, read once). A file named twice (itself and its folder) is read once."""
    reading = Reading()
    used_stdin = False
    seen: set[str] = set()
    files: list[str] = []

    def add(file: Path) -> None:
        key = os.path.normpath(os.path.abspath(file))
        if key not in seen:
            seen.add(key)
            files.append(str(file))

    for source in sources:
        if source == "-":
            if not used_stdin:
                used_stdin = True
                read_stream(stdin if stdin is not None else sys.stdin.buffer, reading)
            continue
        path = Path(source)
        if path.is_dir():
            found = report_files(path)
            if not found:
                reading.skip(source, "no *.json file in this folder")
            for file in found:
                add(file)
        elif path.exists():
            add(path)
        else:
            reading.skip(source, "no such file or folder")
    for name in files:  # one process: on 2 shared cores, forked readers measured slower (pickling, contention)
        read_file(Path(name), reading)
    assign_names(reading.entries)
    return reading


# --------------------------------------------------------------------------- naming
def _parts(root: str) -> list[str]:
    return [p for p in root.replace("\\", "/").split("/") if p not in ("", ".")]


def assign_names(entries: list[Entry]) -> None:
    """Each repository's name: the last folder of its root, or as many trailing folders as tell it apart from
    the others (``team-a/churn``, ``team-b/churn``); a report whose root names nothing (``.``), or that shares its
    whole root with another (two checkouts in the same CI path), is named by its file instead; what is still
    the same gets ``#2``, ``#3``..."""
    parts = [_parts(e.root) for e in entries]
    for e, p in zip(entries, parts, strict=True):
        if not p and e.file is not None:
            p.extend(_parts(str(Path(e.file).with_suffix(""))))
    full: dict[str, int] = {}
    for p in parts:
        key = "/".join(p)
        full[key] = full.get(key, 0) + 1
    for i, e in enumerate(entries):
        if full["/".join(parts[i])] > 1 and e.file is not None:
            parts[i] = _parts(str(Path(e.file).with_suffix("")))
    depth = [1] * len(entries)
    for _ in range(8):
        names: dict[str, list[int]] = {}
        for i, p in enumerate(parts):
            names.setdefault("/".join(p[-depth[i]:]) or "repository", []).append(i)
        clashes = [idx for idx in names.values() if len(idx) > 1]
        grew = False
        for idx in clashes:
            for i in idx:
                if depth[i] < len(parts[i]):
                    depth[i] += 1
                    grew = True
        if not grew:
            break
    used: dict[str, int] = {}
    for i, e in enumerate(entries):
        name = "/".join(parts[i][-depth[i]:]) or "repository"
        used[name] = used.get(name, 0) + 1
        e.name = name if used[name] == 1 else f"{name}#{used[name]}"
