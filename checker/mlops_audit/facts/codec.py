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

import marshal
import sys
from collections.abc import Callable

from mlops_audit import sealing
from mlops_audit.facts.code import CodeInfo

_KEY = b"mlops-audit code analysis"
VERSION = f"marshal{marshal.version}-py{sys.version_info[0]}.{sys.version_info[1]}"
DIGEST = sealing.DIGEST


def seal(body: bytes, key: bytes = _KEY) -> bytes:
    """:func:`mlops_audit.sealing.seal`, with the analyses' key by default."""
    return sealing.seal(body, key)


def unseal(data: bytes, key: bytes = _KEY) -> memoryview:
    """:func:`mlops_audit.sealing.unseal`, with the analyses' key by default."""
    return sealing.unseal(data, key)


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
    """An analysis read only when one of its fields is: a warm run whose answers were kept (facts/derived.py)
    reads few of its 2,000 analyses, and pays neither the read nor the checksum of the others. ``load`` gives
    its sealed bytes (None when they cannot be read); their checksum is checked before marshal reads anything,
    and when it does not match, ``recover`` gives the analysis instead (the source analysed again). Its
    ``error`` (AUD001) is known without reading it: the cache keeps it beside the analysis, in its sealed
    header."""

    __slots__ = ("_load", "_recover")

    def __init__(self, load: Callable[[], bytes | None], recover: Callable[[], CodeInfo], error: str | None) -> None:
        self._load, self._recover = load, recover
        self.error = error

    def __getattr__(self, name: str) -> object:
        # a field never set (slots raise AttributeError): read the analysis once and set every field
        if name in ("_load", "_recover"):
            raise AttributeError(name)
        data = self._load()
        try:
            if data is None:
                raise ValueError("unreadable")
            full = _decode_body(unseal(data))
        except ValueError:  # damaged since the header was sealed: never trusted, analysed again
            full = self._recover()
        for slot in CodeInfo.__slots__:
            if slot != "error":
                setattr(self, slot, getattr(full, slot) if slot[0] != "_" else object.__getattribute__(full, slot))
        return object.__getattribute__(self, name)


def decode_lazy(load: Callable[[], bytes | None], recover: Callable[[], CodeInfo], error: str | None) -> CodeInfo:
    """The analysis :func:`encode` wrote, read by ``load`` and checked when a field is first used (see
    :class:`LazyCodeInfo`); ``error`` is its ``error`` (kept beside it)."""
    return LazyCodeInfo(load, recover, error)


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
