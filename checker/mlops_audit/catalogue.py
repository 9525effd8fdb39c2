"""The rule catalogue: rules/*.yaml (shipped with the package) plus a team's custom rules from config.

The catalogue sits above the analysis cache (:mod:`mlops_audit.cache`): it keeps its compiled form in the cache
directory with the cache's helpers, and hands the cache its digest and that save (:func:`analysis_cache`); the
cache never imports the catalogue (``tests/test_import_layers.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_audit.models import PILLARS, SEVERITIES, Rule
from mlops_audit.resources import resource_dir

if TYPE_CHECKING:
    from mlops_audit.cache import CodeCache

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}\d{3}$")
REQUIRED = ("id", "pillar", "severity", "level", "title", "why", "fix", "check")


class CatalogueError(ValueError):
    """A rule definition is invalid."""


def rule_from_dict(data: Any, source: str, *, deep: bool = True) -> Rule:
    """Build and validate one rule; raises CatalogueError with a message naming the rule. ``deep=False`` leaves
    out what needs the predicates (their names, the check's shape: importing them imports every fact), for the
    built-in rules, checked by :func:`check_builtin` before any is evaluated."""
    if not isinstance(data, dict):
        raise CatalogueError(f"{source}: a rule must be a mapping")
    rid = str(data.get("id", "?"))
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CatalogueError(f"{source}: rule {rid} lacks {', '.join(missing)}")
    if not ID_PATTERN.match(rid):
        raise CatalogueError(f"{source}: rule id {rid!r} must look like ABC123 (family letters, 3 digits)")
    if data["pillar"] not in PILLARS:
        raise CatalogueError(f"{source}: rule {rid} has unknown pillar {data['pillar']!r} ({', '.join(PILLARS)})")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{source}: rule {rid} severity must be one of {', '.join(SEVERITIES)}")
    level = data["level"]
    if isinstance(level, bool) or level not in (1, 2, 3):
        raise CatalogueError(f"{source}: rule {rid} level must be 1, 2 or 3")
    applies = data.get("applies_when") or []
    if isinstance(applies, str):
        applies = [applies]
    if not isinstance(applies, list) or not all(isinstance(c, str) for c in applies):
        raise CatalogueError(f"{source}: rule {rid} applies_when must be a list of condition names")
    if deep:
        _check_against_predicates(rid, applies, data["check"], source)
    refs = data.get("references") or []
    if not isinstance(refs, list):
        raise CatalogueError(f"{source}: rule {rid} references must be a list")
    return Rule(
        id=rid,
        name=str(data.get("name") or rid.lower()),
        pillar=data["pillar"],
        severity=data["severity"],
        level=int(level),
        title=str(data["title"]).strip(),
        why=str(data["why"]).strip(),
        fix=str(data["fix"]).strip(),
        check=data["check"],
        applies_when=tuple(applies),
        references=tuple(str(r) for r in refs),
        source=source,
    )


def _check_against_predicates(rid: str, applies: list[str], check: Any, source: str) -> None:
    from mlops_audit.checks import CheckSpecError, validate
    from mlops_audit.predicates import CONDITIONS

    unknown = [c for c in applies if c not in CONDITIONS]
    if unknown:
        raise CatalogueError(f"{source}: rule {rid} unknown condition(s) {unknown} (known: {sorted(CONDITIONS)})")
    try:
        validate(check, untrusted=source != "builtin")  # a custom rule's regexes run under RE2
    except CheckSpecError as exc:
        raise CatalogueError(f"{source}: rule {rid}: {exc}") from None


COMPILED_FORMAT = 3  # 2: sealed (a keyed checksum, as the analysis cache's entries); 3: with the knowledge
KNOWLEDGE = "knowledge"  # rules/knowledge/: the ecosystem knowledge (mlops_audit/knowledge.py)
MAX_COMPILED = 4
MAX_COMPILED_BYTES = 8 * 1024 * 1024  # the compiled catalogue is ~100 KB: a bigger file is not ours
_SEAL_KEY = b"mlops-audit rule catalogue"  # the seal's key: a file sealed for another purpose is not taken


@lru_cache(maxsize=1)
def _sources() -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) of every rules/*.yaml file, then of every rules/knowledge/*.yaml file (named
    ``knowledge/<file>``: the ecosystem knowledge the predicates read, compiled and sealed with the rules)."""
    directory: Path = resource_dir("rules")
    paths = sorted(directory.glob("*.yaml")) + sorted((directory / KNOWLEDGE).glob("*.yaml"))
    return tuple((path.relative_to(directory).as_posix(), path.read_bytes()) for path in paths)


@lru_cache(maxsize=1)
def catalogue_digest() -> str:
    """A hash of the catalogue's YAML files: any edit to rules/*.yaml changes it."""
    digest = hashlib.sha256(f"{COMPILED_FORMAT}".encode())
    for name, data in _sources():
        digest.update(f"\0{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.hexdigest()[:20]


@lru_cache(maxsize=2)
def knowledge_docs(cache: bool = True) -> tuple[tuple[str, Any], ...]:
    """(file name, parsed document) of every rules/knowledge/*.yaml file, from the sealed compiled catalogue
    when there is one (no YAML parsed: 35 ms a run), else parsed. ``cache=False``: nothing read from the cache
    directory (``--no-cache``)."""
    compiled = _compiled(cache)
    files = compiled if compiled is not None else _parse_yaml()
    prefix = KNOWLEDGE + "/"
    return tuple((name[len(prefix):], doc) for name, doc in files if name.startswith(prefix))


SHIPPED = "catalogue.json"  # the compiled catalogue shipped beside the YAML files (see _read_shipped)


def _compiled_path(directory: Path) -> Path:
    return directory / f"catalogue-{catalogue_digest()}.json"


@lru_cache(maxsize=1)
def _parse_yaml() -> tuple[tuple[str, Any], ...]:
    """The YAML files parsed, once per process (a cold run reads them for the rules, then to save the JSON)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster; both are safe
    return tuple((name, yaml.load(data.decode("utf-8"), Loader=loader) or [])  # a safe loader, see above
                 for name, data in _sources())


def _read_sealed(directory: Path) -> list[tuple[str, Any]] | None:
    """The catalogue as parsed on an earlier run (sealed JSON in the cache directory), if this tool wrote it
    (its seal verifies) for these YAML files. Anything else in the cache directory is ignored: it may have been
    planted there (in CI the cache directory is often inside the workspace a pull request writes)."""
    from mlops_audit.cache import open_regular
    from mlops_audit.sealing import unseal

    try:
        with open_regular(_compiled_path(directory)) as fh:
            data = fh.read(MAX_COMPILED_BYTES + 1)
        if len(data) > MAX_COMPILED_BYTES:
            return None
        doc = json.loads(bytes(unseal(data, _SEAL_KEY)).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return _files_of(doc)


def _build(files: list[tuple[str, Any]] | tuple[tuple[str, Any], ...], *, deep: bool = False) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    seen: set[str] = set()
    for name, docs in files:
        if name.startswith(KNOWLEDGE + "/"):
            continue  # knowledge, not rules: see knowledge_docs
        for item in docs:
            rule = rule_from_dict(item, "builtin", deep=deep)
            if rule.id in seen:
                raise CatalogueError(f"duplicate rule id {rule.id} in {name}")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


@lru_cache(maxsize=2)
def check_builtin(cache: bool = True) -> None:
    """Check the built-in rules against the predicates (their conditions and checks, see ``rule_from_dict``),
    once a process, before the first is evaluated; raises CatalogueError. :func:`builtin_rules` leaves it out
    so that a run which evaluates no rule (a report kept by :mod:`mlops_audit.memo`, ``rules``, ``explain``)
    imports no fact."""
    _build(_builtin_files(cache), deep=True)


@lru_cache(maxsize=2)
def builtin_rules(cache: bool = True) -> tuple[Rule, ...]:
    """The built-in catalogue. Parsing YAML (and importing PyYAML) costs 20 ms a run, so the parsed catalogue
    is kept as sealed JSON in the cache directory, keyed by the hash of rules/*.yaml (written by the analysis
    cache's save, so ``--no-cache`` writes nothing); its shape is checked on every run, and what needs the
    predicates by :func:`check_builtin` before a rule is evaluated. ``cache=False`` (``--no-cache``): nothing
    is read from the cache directory."""
    return _builtin(cache)[1]


def _builtin_files(cache: bool) -> list[tuple[str, Any]] | tuple[tuple[str, Any], ...]:
    return _builtin(cache)[0]


@lru_cache(maxsize=2)
def _builtin(cache: bool) -> tuple[list[tuple[str, Any]] | tuple[tuple[str, Any], ...], tuple[Rule, ...]]:
    """The files of the built-in rules and the rules built from them: the compiled catalogue when its rules
    build, else the YAML parsed (a damaged file)."""
    compiled = _compiled(cache)
    if compiled is not None:
        try:
            return compiled, _build(compiled)
        except (CatalogueError, TypeError, AttributeError):
            pass  # a damaged file: read the YAML
    files = _parse_yaml()
    return files, _build(files)


@lru_cache(maxsize=2)
def _compiled(cache: bool) -> list[tuple[str, Any]] | None:
    """The compiled catalogue, read once per process for the rules and the knowledge: the one shipped with the
    package when it is of these YAML files, else the cache directory's (``cache=False``: none)."""
    shipped = _read_shipped()
    if shipped is not None:
        return shipped
    return _read_compiled() if cache else None


def _read_shipped() -> list[tuple[str, Any]] | None:
    """``rules/catalogue.json``: the YAML files parsed when the package was made (``python -m
    mlops_audit.catalogue``; tests/test_project.py fails when it is stale), so that no run, ``--no-cache`` or
    first, parses YAML (50-80 ms). Part of the package like the YAML itself; used only when its digest is that
    of the YAML files beside it (an edited rule is read from its YAML until the file is written again)."""
    try:
        doc = json.loads((resource_dir("rules") / SHIPPED).read_bytes().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return _files_of(doc)


def _files_of(doc: Any) -> list[tuple[str, Any]] | None:
    """The (file name, document) pairs of a compiled catalogue, None unless it is of these YAML files."""
    if not isinstance(doc, dict) or doc.get("digest") != catalogue_digest() or not isinstance(doc.get("files"), list):
        return None
    files = doc["files"]
    if not all(isinstance(f, list) and len(f) == 2 and isinstance(f[0], str) for f in files):
        return None
    return [(name, docs) for name, docs in files]


def compiled_text() -> str | None:
    """The compiled catalogue as JSON text, None when JSON cannot hold the YAML exactly (dates, non-string
    keys): then the YAML is read every time."""
    files = _parse_yaml()
    text = json.dumps({"digest": catalogue_digest(), "files": files}, separators=(",", ":"))
    return text if json.loads(text)["files"] == [list(f) for f in files] else None


def write_shipped() -> Path:
    """Write ``rules/catalogue.json`` for the YAML files as they are (see _read_shipped)."""
    text = compiled_text()
    if text is None:
        raise CatalogueError("the catalogue holds values JSON cannot hold exactly")
    path = resource_dir("rules") / SHIPPED
    path.write_text(text + "\n", encoding="utf-8")
    return path


def forget() -> None:
    """Drop what this process read of the catalogue (the rules, the knowledge, the compiled file): the next
    call reads the cache directory and the YAML again."""
    for cached in (_compiled, builtin_rules, knowledge_docs):
        cached.cache_clear()


def _read_compiled() -> list[tuple[str, Any]] | None:
    """The compiled catalogue of the cache directory (see _read_sealed), if there is one."""
    from mlops_audit.cache import cache_dir

    try:
        directory = cache_dir()
    except OSError:  # no cache directory (no HOME): the YAML then
        return None
    return _read_sealed(directory)


def save_compiled(directory: Path) -> None:
    """Write the parsed catalogue as sealed JSON into ``directory`` (the cache), unless this tool's is there."""
    if _compiled(False) is not None or _read_sealed(directory) is not None:
        return  # the shipped one is of these YAML files, or this tool's is there
    try:
        from mlops_audit.sealing import seal

        text = compiled_text()
        if text is None:
            return  # something JSON cannot hold exactly (dates, non-string keys): keep reading the YAML
        fd, tmp = tempfile.mkstemp(prefix=".catalogue-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(seal(text.encode("utf-8"), _SEAL_KEY))
            os.replace(tmp, _compiled_path(directory))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        old = sorted(directory.glob("catalogue-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[MAX_COMPILED:]:
            stale.unlink(missing_ok=True)
    except Exception:  # only an optimisation: a YAML error surfaces where the catalogue is read
        return


def analysis_cache(root: Path, *, enabled: bool = True) -> CodeCache:
    """The analysis cache of ``root`` for this catalogue: stamped with its digest (an edit to rules/*.yaml
    invalidates every entry) and keeping the compiled catalogue beside it (written when the cache is, so
    ``--no-cache``, ``enabled=False``, writes nothing)."""
    from mlops_audit.cache import CodeCache

    digest = ""
    if enabled:
        try:
            digest = catalogue_digest()
        except OSError:  # the YAML cannot be read: no cache (the catalogue itself says why when it is read)
            enabled = False
    return CodeCache(root, enabled=enabled, catalogue=digest, on_save=save_compiled)


def all_rules(custom: list[dict[str, Any]] | None = None, *, cache: bool = True) -> tuple[list[Rule], list[str]]:
    """Built-in rules plus valid custom ones; returns (rules, problems with the custom ones). ``cache=False``:
    the built-in catalogue is not read from the cache directory (``--no-cache``)."""
    rules = list(builtin_rules(cache))
    problems: list[str] = []
    ids = {r.id for r in rules}
    for item in custom or []:
        try:
            rule = rule_from_dict(item, "custom")
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        except Exception as exc:  # untrusted data of any shape (a table where a string goes...): skip the rule
            rid = item.get("id", "?") if isinstance(item, dict) else "?"
            problems.append(f"custom: rule {str(rid)[:40]} could not be read ({type(exc).__name__}: {exc})")
            continue
        if rule.id in ids:
            problems.append(f"custom: rule id {rule.id} is already taken")
            continue
        ids.add(rule.id)
        rules.append(rule)
    return rules, problems


def find(rule_id: str, rules: list[Rule] | tuple[Rule, ...]) -> Rule | None:
    wanted = rule_id.upper()
    for rule in rules:
        if rule.id == wanted or rule.name == rule_id.lower():
            return rule
    return None


if __name__ == "__main__":  # python -m mlops_audit.catalogue: write rules/catalogue.json after editing rules/
    print(write_shipped())
