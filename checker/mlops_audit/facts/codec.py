"""A :class:`CodeInfo` as bytes and back: how an analysis travels from a worker process and sits in the cache.

The bytes are a keyed checksum followed by :mod:`marshal` data made only of tuples, strings, ints, booleans,
None and dicts (never code objects). marshal is the fastest way CPython has to rebuild such values (3x faster
than ``json.loads`` plus the tuples built from its lists, on 56,000 calls), keeps one copy of each interned name,
and writes a keyword tuple shared by many calls once (shared again across files as it is read). marshal is not
made to read damaged or hostile bytes, so :func:`decode` checks the checksum before it reads anything (the cache
stamp carries the marshal and Python versions). The bytes come only from this tool: worker processes it started,
and its cache in the user's cache directory, never from the audited repository.
"""

from __future__ import annotations

import hashlib
import marshal
import sys

from mlops_audit.facts.code import CodeInfo

DIGEST = 16
_KEY = b"mlops-audit code analysis"
VERSION = f"marshal{marshal.version}-py{sys.version_info[0]}.{sys.version_info[1]}"


def _digest(body: bytes | memoryview, key: bytes = _KEY) -> bytes:
    return hashlib.blake2b(body, digest_size=DIGEST, key=key).digest()


def seal(body: bytes, key: bytes = _KEY) -> bytes:
    """``body`` preceded by its keyed checksum: how this tool marks the bytes it writes to its cache (analyses,
    cache headers, the compiled rule catalogue; each kind with a ``key`` of its own)."""
    return _digest(body, key) + body


def unseal(data: bytes, key: bytes = _KEY) -> memoryview:
    """The body :func:`seal` sealed with ``key``; raises ValueError when the checksum does not match (damaged
    bytes, or bytes not written by this tool for that purpose): nothing of them is read then."""
    body = memoryview(data)[DIGEST:]
    if len(data) <= DIGEST or _digest(body, key) != data[:DIGEST]:
        raise ValueError("not sealed by mlops-audit (damaged, or written by something else)")
    return body


def encode(info: CodeInfo) -> bytes:
    """The checksum, then the analysis as marshal data (its calls and functions as marshal data of their own,
    so that reading an analysis leaves them undecoded until a rule reads them)."""
    body = marshal.dumps((
        tuple(info.imports),
        info.calls_dump(),
        tuple(info.strings),
        info.functions_dump(),
        tuple(info.classes),
        info.suppressions,
        info.lines,
        info.error,
        tuple(info.secrets),
        info.call_names,
        info.call_lines,
        info.call_args,
        info.keywords,
        info.packages,
    ))
    return seal(body)


def decode(data: bytes) -> CodeInfo:
    """The analysis :func:`encode` wrote. Raises ValueError when the bytes are not exactly what it wrote."""
    try:
        body = unseal(data)
    except ValueError:
        raise ValueError("damaged analysis") from None
    return _decode_body(body)


class LazyCodeInfo(CodeInfo):
    """An analysis whose checksum was checked, read (marshal) only when one of its fields is: a warm run whose
    answers were kept (facts/derived.py) reads few of its 2,000 analyses. Its ``error`` (AUD001) is known
    without reading it: the cache keeps it beside the analysis."""

    __slots__ = ("_body",)

    def __init__(self, body: memoryview, error: str | None) -> None:
        self._body = body
        self.error = error

    def __getattr__(self, name: str) -> object:
        # a field never set (slots raise AttributeError): read the analysis once and set every field
        if name == "_body":
            raise AttributeError(name)
        full = _decode_body(self._body)
        for slot in CodeInfo.__slots__:
            if slot != "error":
                setattr(self, slot, getattr(full, slot) if slot[0] != "_" else object.__getattribute__(full, slot))
        return object.__getattribute__(self, name)


def decode_lazy(data: bytes, error: str | None) -> CodeInfo:
    """The analysis :func:`encode` wrote, its checksum checked now and its fields read when first used;
    ``error`` is its ``error`` (kept beside it). Raises ValueError when the checksum does not match."""
    try:
        body = unseal(data)
    except ValueError:
        raise ValueError("damaged analysis") from None
    return LazyCodeInfo(body, error)


def _decode_body(body: memoryview) -> CodeInfo:
    try:
        (imports, calls, strings, functions, classes, suppressions, lines, error, secrets, call_names, call_lines,
         call_args, keywords, packages) = marshal.loads(body)
    except (EOFError, TypeError) as exc:  # pragma: no cover - the checksum matched: only another Python's bytes
        raise ValueError("unreadable analysis") from exc
    if not (isinstance(calls, bytes) and isinstance(functions, bytes)):
        raise ValueError("unreadable analysis")
    return CodeInfo(
        imports=list(imports),
        strings=list(strings),
        classes=list(classes),
        suppressions=suppressions,
        lines=lines,
        error=error,
        secrets=list(secrets),
        call_names=call_names,
        call_lines=call_lines,
        call_args=call_args,
        keywords=keywords,
        packages=packages,
        calls_data=calls,
        functions_data=functions,
    )
