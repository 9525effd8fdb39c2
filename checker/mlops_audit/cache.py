"""A cache of per-file code analysis, keyed by the content's hash, so unchanged files are not parsed again.

One JSON file per audited folder lives in the user's cache directory (``$MLOPS_AUDIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/mlops-audit``, else ``~/.cache/mlops-audit``), never in the audited repository. Entries
are invalidated by the tool version, the rule catalogue's hash and the analyser's source. Writes go to a
temporary file and are renamed into place, so two runs sharing the cache never see a half-written file;
the last writer wins and nothing is lost but cache hits. A cache that cannot be read is ignored; one that
cannot be written is skipped.
JSON, not pickle: a cache file is data and can never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from mlops_audit import __version__
from mlops_audit.facts.code import Call, CodeInfo, Function

CACHE_FORMAT = 2  # 2: each entry is its own JSON text, decoded only when used (a tenth of the memory)
MAX_CACHE_FILES = 64


def cache_dir() -> Path:
    explicit = os.environ.get("MLOPS_AUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlops-audit"


def catalogue_hash() -> str:
    """The rule catalogue and the analyser's own source: a change to either invalidates every entry."""
    from mlops_audit.facts import code
    from mlops_audit.resources import resource_dir

    digest = hashlib.sha256()
    for path in sorted(resource_dir("rules").glob("*.yaml")):
        digest.update(path.read_bytes())
    digest.update(Path(code.__file__).read_bytes())
    return digest.hexdigest()[:16]


def content_key(source: str) -> str:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _dump(info: CodeInfo) -> str:
    return json.dumps([
        info.imports,
        [[c.name, c.line, c.kwargs, c.first_arg, c.method, c.nargs] for c in info.calls],
        info.strings,
        [[f.name, f.line, f.asserts] for f in info.functions],
        [[n, list(b), line] for n, b, line in info.classes],
        {str(k): v for k, v in info.suppressions.items()},
        info.lines,
        info.error,
    ], separators=(",", ":"))


def _load(text: str) -> CodeInfo:
    imports, calls, strings, functions, classes, suppressions, lines, error = json.loads(text)
    intern = sys.intern  # names repeat across thousands of files: one copy each
    return CodeInfo(
        imports=[(intern(m), n) for m, n in imports],
        calls=[Call(intern(n), li, tuple((intern(k), intern(v)) for k, v in kw), fa, intern(me), na)
               for n, li, kw, fa, me, na in calls],
        strings=[(str(v), int(n)) for v, n in strings],
        functions=[Function(str(n), int(li), bool(a)) for n, li, a in functions],
        classes=[(str(n), tuple(str(x) for x in b), int(li)) for n, b, li in classes],
        suppressions={int(k): {str(i): str(r) for i, r in v.items()} for k, v in suppressions.items()},
        lines=int(lines),
        error=error,
    )


class CodeCache:
    """Analyses by content hash for one audited folder; ``save()`` keeps only what this run used."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self._old: dict[str, str] = {}
        self._new: dict[str, str] = {}
        self._dirty = False
        self._stamp = ""
        self.path: Path | None = None
        if not enabled:
            return
        try:
            self._stamp = f"{CACHE_FORMAT}:{__version__}:{catalogue_hash()}"
            name = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
            self.path = cache_dir() / f"code-{name}.json"
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("stamp") == self._stamp and isinstance(doc.get("entries"), dict):
                self._old = doc["entries"]
        except (OSError, ValueError, UnicodeDecodeError):
            self._old = {}

    def get(self, key: str) -> CodeInfo | None:
        if not self.enabled:
            return None
        row = self._new.get(key) or self._old.get(key)
        if row is None:
            self.misses += 1
            return None
        try:
            info = _load(row)
        except (TypeError, ValueError, KeyError, AttributeError):  # json.JSONDecodeError is a ValueError
            self.misses += 1
            return None  # a damaged entry: parse again
        self._new[key] = row
        self.hits += 1
        return info

    def put(self, key: str, info: CodeInfo) -> None:
        if self.enabled:
            self._new[key] = _dump(info)
            self._dirty = True

    def save(self) -> None:
        if not self.enabled or self.path is None or not (self._dirty or set(self._old) - set(self._new)):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".code-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"stamp": self._stamp, "entries": self._new}, fh, separators=(",", ":"))
            os.replace(tmp, self.path)
            self._prune()
        except OSError:
            return  # a read-only or full disk: the audit does not need the cache

    def _prune(self) -> None:
        assert self.path is not None
        files = sorted(self.path.parent.glob("code-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[MAX_CACHE_FILES:]:
            old.unlink(missing_ok=True)
