"""A cache of per-file code analysis, keyed by the content's hash, so unchanged files are not parsed again.

One file per audited folder lives in the user's cache directory (``$MLOPS_AUDIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/mlops-audit``, else ``~/.cache/mlops-audit``), never in the audited repository. Entries
are invalidated by the tool version, the analysers' source (code, secrets, notebooks, YAML, globs) and the rule
catalogue's digest, which the caller hands in (:func:`mlops_audit.catalogue.analysis_cache`): this module is below
the catalogue and never imports it (``tests/test_import_layers.py``).

Besides the analyses (by content), the cache remembers, per path, the file's stat signature (size, mtime,
ctime, inode) and the content key it had: a warm run takes an unchanged file's analysis and secret-scan result
without reading it. A signature is recorded only for a file last modified well before it was read (as git
does for its index), so a file changed within the file system's timestamp granularity is read again.

The file (:func:`write_cache_file`): the analyses back to back (each a checksum and marshal data, see
:mod:`mlops_audit.facts.codec`), then a JSON header (stamp, signatures, parsed documents, secret scans and the
offset of every analysis), then the header's length. A run parses the header and reads each analysis from disk
when it needs it, so the whole cache is never in memory at once (30 MB on 20,000 files), and a run that changed
a few files copies the other analyses' bytes instead of encoding them again. Writes go to a temporary file
renamed into place, so two runs sharing the cache never see a half-written file; the last writer wins and
nothing is lost but cache hits. A cache that cannot be read is ignored; one that cannot be written is skipped.
Never pickle: a cache file is data and can never run code.

Nothing in the cache directory is read unless this tool sealed it (:func:`mlops_audit.facts.codec.seal`: a keyed
blake2b checksum before the bytes): the header is checked before it is parsed, each analysis before it is
decoded, the compiled rule catalogue (:mod:`mlops_audit.catalogue`, which reads it with :func:`open_regular` from
:func:`cache_dir`) before it is used; a file that fails is ignored (a miss). The key is part of this tool, not a
secret: the seal stops damaged files and files written by anything else (a hand-made catalogue with no rules),
not someone who reads this source to forge one. Keep the cache directory out of what an untrusted change can
write, or run with ``--no-cache``, which reads nothing from it. Temporary files left by a killed save are removed
after an hour. Without a home directory (HOME unset, no passwd entry) and no MLOPS_AUDIT_CACHE_DIR, the audit runs
without a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from mlops_audit import __version__
from mlops_audit.cachedir import RACY_NS as RACY_NS
from mlops_audit.cachedir import NoCacheDir as NoCacheDir
from mlops_audit.cachedir import cache_dir as cache_dir
from mlops_audit.cachedir import open_regular as open_regular
from mlops_audit.facts.code import CodeInfo, analyse
from mlops_audit.facts.codec import VERSION as CODEC_VERSION
from mlops_audit.facts.codec import decode_lazy, encode, seal, unseal

CACHE_FORMAT = 11  # 2: each entry is its own JSON text, decoded only when used; 3: stat signatures, secrets;
# 4: parsed documents (notebooks, YAML) and notebook secret scans; 5: entries read from disk by offset, secret
# scans stored among the documents; 6: entries as checksummed marshal data (facts.codec); 7: a path's signature
# and content key as one string; 8: the header sealed too (facts.codec.seal); 9: an analysis's error kept among
# the documents (an entry read only when used), answers worked out from the code (facts.derived); 10: a generic
# secret whose value is a UUID says so in its kind (facts.secrets.UUID_MARK); 11: a name bound to an attribute of a
# call's result resolves through it, ``var = %magic`` lines blanked (facts.code)
HEADER_KEY = b"mlops-audit cache header"  # the header's seal (entries are sealed by facts.codec's own key)
STALE_TMP_SECONDS = 3600  # a temporary file of ours this old was left by a killed run: removed
SUFFIX = ".cache"
TRAILER = 21  # b"\n", the header's length in 19 digits, b"\n"
MAX_CACHE_FILES = 64


def analysers_hash(catalogue: str) -> str:
    """``catalogue`` (the rule catalogue's digest, handed in) and the analysers' own source (globs too: path
    matches are cached): a change to any of them invalidates every entry."""
    from mlops_audit import globs
    from mlops_audit.facts import code, codec, notebooks, secrets, yamlsafe

    digest = hashlib.sha256(catalogue.encode())
    for module in (code, codec, secrets, notebooks, yamlsafe, globs):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def content_key(source: str) -> str:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def bytes_key(raw: bytes) -> str:
    """The content key of a file read as bytes (notebooks)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _signature_text(signature: tuple[int, int, int, int]) -> str:
    size, mtime, ctime, inode = signature
    return f"{size} {mtime} {ctime} {inode}"


class CacheFile:
    """A cache file open for reading: its header parsed, its entries read one by one when asked for."""

    def __init__(self, path: Path) -> None:
        """Raises OSError or ValueError when the file cannot be read or is not a cache file."""
        self._fh = open_regular(path)  # kept open: entries are read from it during the run
        try:
            size = os.fstat(self._fh.fileno()).st_size
            if size < TRAILER:
                raise ValueError("not a cache file")
            self._fh.seek(size - TRAILER)
            trailer = self._fh.read(TRAILER)
            if trailer[:1] != b"\n" or trailer[-1:] != b"\n" or not trailer[1:-1].isdigit():
                raise ValueError("not a cache file")
            length = int(trailer[1:-1])
            self._end = size - TRAILER - length  # where the header starts: no entry goes past it
            if self._end < 0:
                raise ValueError("not a cache file")
            self._fh.seek(self._end)
            header = json.loads(bytes(unseal(self._fh.read(length), HEADER_KEY)))
            if not isinstance(header, dict) or not isinstance(header.get("index"), dict):
                raise ValueError("not a cache file")
        except BaseException:
            self._fh.close()
            raise
        self.header: dict[str, Any] = header
        self.index: dict[str, Any] = header.pop("index")

    def has(self, key: str) -> bool:
        """Whether the index has a well-formed row for entry ``key`` (its bytes are not read)."""
        row = self.index.get(key)
        return (isinstance(row, list) and len(row) == 2 and all(type(x) is int for x in row)
                and row[0] >= 0 and row[1] >= 0 and row[0] + row[1] <= self._end)

    def read(self, key: str) -> bytes | None:
        """The stored bytes of entry ``key``; None when there is none (or its index row is damaged)."""
        if not self.has(key):
            return None
        offset, length = self.index[key]
        try:
            data = os.pread(self._fh.fileno(), length, offset)  # one system call, no buffer to copy through
        except (OSError, ValueError):  # ValueError: read after close
            return None
        return data if len(data) == length else None

    def close(self) -> None:
        self._fh.close()


def write_cache_file(path: Path, header: dict[str, Any], entries: Iterable[tuple[str, bytes]]) -> None:
    """Write ``entries`` (key, bytes) back to back, then ``header`` with their index, then the trailer;
    into a temporary file renamed over ``path``. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".code-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            index: dict[str, list[int]] = {}
            offset = 0
            for key, data in entries:
                fh.write(data)
                index[key] = [offset, len(data)]
                offset += len(data)
            head = seal(json.dumps({**header, "index": index}, separators=(",", ":")).encode("ascii"), HEADER_KEY)
            fh.write(head)
            fh.write(b"\n%019d\n" % len(head))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class CodeCache:
    """Analyses by content hash for one audited folder; ``save()`` keeps only what this run used.

    ``catalogue`` is the digest of the rule catalogue the analyses serve (part of the stamp: another catalogue,
    another cache); ``on_save`` is called with the cache directory after each write of the cache file (the
    catalogue keeps its compiled form there). The audit builds it with :func:`mlops_audit.catalogue.analysis_cache`,
    which hands in both."""

    def __init__(self, root: Path, *, enabled: bool = True, catalogue: str = "",
                 on_save: Callable[[Path], None] | None = None) -> None:
        self.enabled = enabled
        self.on_save = on_save
        self.hits = 0
        self.misses = 0
        self._file: CacheFile | None = None  # the previous run's cache, entries read from it when needed
        self._from_file: set[str] = set()  # keys decoded from it (their bytes are copied as they are on save)
        self._new: dict[str, CodeInfo] = {}  # what this run used or computed; serialised only when saved
        self._dropped = False
        self._old_files: dict[str, Any] = {}
        self._new_files: dict[str, str] = {}
        self._old_docs: dict[str, Any] = {}
        self._new_docs: dict[str, Any] = {}
        self._dirty = False
        self._stamp = ""
        self.path: Path | None = None
        self.note = ""  # why the run had no cache, when that is worth saying
        if not enabled:
            return
        try:
            self._stamp = f"{CACHE_FORMAT}:{__version__}:{CODEC_VERSION}:{analysers_hash(catalogue)}"
            name = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
            self.path = cache_dir() / f"code-{name}{SUFFIX}"
        except NoCacheDir as exc:
            self.enabled = False
            self.note = f"ran without a cache: {exc}; set MLOPS_AUDIT_CACHE_DIR to keep one"
            return
        except (OSError, ValueError, UnicodeDecodeError):
            return
        try:
            file = CacheFile(self.path)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):  # none yet, damaged, or not ours
            return
        header = file.header
        if header.get("stamp") != self._stamp:
            file.close()
            return
        self._file = file
        files, docs = header.get("files"), header.get("docs")
        self._old_files = files if isinstance(files, dict) else {}
        self._old_docs = docs if isinstance(docs, dict) else {}

    def get(self, key: str, source: str | Callable[[], str | None] | None = None) -> CodeInfo | None:
        """The analysis of content ``key``, or None. One from the cache file is read (and its checksum checked)
        only when a field of it is; if its bytes turn out damaged then, ``source`` (the text, or a function
        reading it again) is analysed instead."""
        if not self.enabled:
            return None
        info = self._new.get(key)
        if info is not None:  # the same content twice (empty __init__.py files...): one analysis, shared
            self.hits += 1
            return info
        file = self._file
        if file is None or not file.has(key):
            self.misses += 1
            return None
        error = self.doc("error", key)

        def recover() -> CodeInfo:
            self._dropped = True  # written again, from the analysis made now
            self._from_file.discard(key)
            text = source() if callable(source) else source
            if text is None:
                return CodeInfo(error="its cached analysis was damaged, and it could not be read again")
            return analyse(text)

        info = decode_lazy(lambda: file.read(key), recover, error if isinstance(error, str) else None)
        self._new[key] = info
        self._from_file.add(key)
        self.hits += 1
        return info

    def put(self, key: str, info: CodeInfo) -> None:
        if self.enabled:
            self._new[key] = info
            self._dirty = True
            if info.error is not None:  # kept beside the analysis: known without reading it (decode_lazy)
                self.put_doc("error", key, info.error)

    # ------------------------------------------------------------------ per path: stat signature -> content key
    def known_key(self, path: str, signature: tuple[int, int, int, int] | None) -> str | None:
        """The content key recorded for ``path`` when its stat ``signature`` is unchanged, else None."""
        if not self.enabled or signature is None:
            return None
        row = self._new_files.get(path) or self._old_files.get(path)
        if not isinstance(row, str):
            return None
        known, _, key = row.rpartition(" ")
        if not key or known != _signature_text(signature):
            return None
        self._new_files[path] = row
        return key

    def remember(self, path: str, signature: tuple[int, int, int, int] | None, key: str, read_ns: int) -> None:
        """Record that ``path`` with this stat ``signature`` holds the content ``key`` (read at ``read_ns``)."""
        if not self.enabled or signature is None or max(signature[1], signature[2]) > read_ns - RACY_NS:
            return  # modified moments before it was read: a later change could keep the same mtime
        row = f"{_signature_text(signature)} {key}"  # one string, not a list of five: 17,000 on 20,000 files
        if self._new_files.get(path) != row:
            self._new_files[path] = row
            if self._old_files.get(path) != row:
                self._dirty = True

    # ------------------------------------------------------------------ secret scan results by content key
    def secrets(self, key: str) -> list[tuple[int, str]] | None:
        """The (line, kind) of each secret found in the content ``key``; None when not scanned before."""
        rows = self.doc("secrets", key)
        try:
            return [(int(line), str(kind)) for line, kind in rows] if isinstance(rows, list) else None
        except (TypeError, ValueError):
            return None

    def put_secrets(self, key: str, hits: list[tuple[int, str]]) -> None:
        self.put_doc("secrets", key, [list(h) for h in hits])

    # ------------------------------------------------------------------ parsed documents by kind and content key
    def doc(self, kind: str, key: str) -> Any:
        """What was stored for ``kind`` ("notebook", "yaml"...) and content ``key``; None when nothing was.
        The caller checks the shape and computes it again when it is not what it expects."""
        if not self.enabled:
            return None
        name = f"{kind}:{key}"
        value = self._new_docs.get(name)
        if value is None:
            value = self._old_docs.get(name)
            if value is not None:
                self._new_docs[name] = value
        return value

    def put_doc(self, kind: str, key: str, value: Any) -> None:
        """Store a JSON value (lists, dicts with string keys, strings, numbers, booleans, None)."""
        if self.enabled:
            name = f"{kind}:{key}"
            self._new_docs[name] = value
            if self._old_docs.get(name) != value:
                self._dirty = True

    def save(self) -> None:
        """Write what this run used (nothing when nothing changed); closes the previous cache file."""
        try:
            self._save()
        finally:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _save(self) -> None:
        if not self.enabled or self.path is None:
            return
        old_keys = self._file.index if self._file is not None else {}
        dropped = self._dropped or any(set(old) - set(new) for old, new in (
            (old_keys, self._new), (self._old_files, self._new_files),
            (self._old_docs, self._new_docs)))
        if not (self._dirty or dropped):
            return  # the usual warm run: nothing changed, nothing to write
        header = {"stamp": self._stamp, "files": self._new_files, "docs": self._new_docs}
        try:
            write_cache_file(self.path, header, self._entries())
            self._prune()
            if self.on_save is not None:
                self.on_save(self.path.parent)
        except (OSError, ValueError, TypeError):  # a read-only or full disk, a value marshal refuses: the audit
            return  # does not need the cache

    def _entries(self) -> Iterator[tuple[str, bytes]]:
        """Each entry's bytes, one at a time: copied from the previous file when read from it, else encoded."""
        for key, info in self._new.items():
            data = self._file.read(key) if self._file is not None and key in self._from_file else None
            yield key, data if data is not None else encode(info)

    def _prune(self) -> None:
        assert self.path is not None
        folder = self.path.parent
        for stale in folder.glob("code-*.json"):  # format 4 and older
            stale.unlink(missing_ok=True)
        for pattern in (f"code-*{SUFFIX}", "report-*.memo"):  # analyses, and kept reports (mlops_audit.memo)
            files = sorted(folder.glob(pattern), key=_mtime, reverse=True)
            for old in files[MAX_CACHE_FILES:]:
                old.unlink(missing_ok=True)
        prune_stale_temporaries(folder)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (another run pruning)
        return 0.0


# what write_cache_file and an on_save writer leave (catalogue.save_compiled names its temporary files so)
TEMPORARY_PATTERNS = (".code-*.tmp", ".catalogue-*.tmp", ".report-*.tmp")


def prune_stale_temporaries(folder: Path, *, now: float | None = None) -> None:
    """Remove our own temporary files (by their name pattern only) older than STALE_TMP_SECONDS: a run killed
    while saving leaves its temporary file; a younger one may be another run's save in progress."""
    limit = (time.time() if now is None else now) - STALE_TMP_SECONDS
    for pattern in TEMPORARY_PATTERNS:
        for tmp in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if tmp.is_file() and not tmp.is_symlink() and tmp.lstat().st_mtime < limit:
                    tmp.unlink()
