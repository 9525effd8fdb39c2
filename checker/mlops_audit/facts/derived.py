"""Answers worked out from the code alone, kept between runs by the code they were worked out from.

What trains, what seeds, what serves a model, where a capability shows in the code: each is a function of the
code units (their paths and contents) and of the knowledge, nothing else. A run whose units are the same as a
past run's (same paths, same content keys, same configured knowledge, under the same tool and catalogue: the
cache's stamp) reads these answers back instead of building the call graph and matching the knowledge again.
One changed file changes the digest, and every answer is worked out again (from the cached analyses).

The answers are stored as plain JSON in the analysis cache (sealed, checked when loaded), and checked again
here when decoded: a damaged value is worked out again, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mlops_audit.cache import CodeCache
    from mlops_audit.facts.capabilities import Hit
    from mlops_audit.facts.repo import Ref
    from mlops_audit.knowledge import Capability

DOC = "derived"
T = TypeVar("T")


class Undecodable(ValueError):
    """A stored answer that is not of the shape it was stored in."""


@lru_cache(maxsize=1)
def source_stamp() -> str:
    """The size and modification time of the modules that work the answers out (facts/, pillars/, the
    knowledge): an answer of code changed since (a development install between two versions) is not taken.
    Stat only, no read: a run pays ~50 stats, once."""
    return _source_stamp()


@lru_cache(maxsize=1)
def _source_stamp() -> str:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    for folder in ("facts", "pillars"):
        with os.scandir(os.path.join(package, folder)) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{folder}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    for name in ("knowledge.py", "predicates.py"):
        st = os.stat(os.path.join(package, name))
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def digest(units: Iterable[tuple[str, int | None, str]], knowledge: Any) -> str:
    """The digest of the code: every unit's (path, cell, content key), in order, the configured knowledge, and
    the deriving code's :func:`source_stamp`."""
    h = hashlib.sha256(source_stamp().encode())
    for path, cell, key in units:
        h.update(f"{path}\0{'' if cell is None else cell}\0{key}\n".encode("utf-8", "surrogatepass"))
    h.update(json.dumps(knowledge, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class Derived:
    """The answers of one digest: read from the cache when a past run stored them, else worked out and stored.
    Without a cache (``--no-cache``) or a digest, every answer is worked out."""

    def __init__(self, cache: CodeCache | None, code: str | None) -> None:
        self.cache, self.code = cache, code
        stored = cache.doc(DOC, code) if cache is not None and code is not None else None
        self.answers: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}

    def get(self, name: str, compute: Callable[[], T], encode: Callable[[T], Any],
            decode: Callable[[Any], T]) -> T:
        if self.cache is None or self.code is None:
            return compute()
        if name in self.answers:
            try:
                return decode(self.answers[name])
            except (Undecodable, TypeError, ValueError, KeyError, IndexError):
                pass
        value = compute()
        self.answers[name] = encode(value)
        self.cache.put_doc(DOC, self.code, dict(self.answers))
        return value

    def rows(self, name: str, kinds: str, compute: Callable[[], list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
        """:meth:`get` for rows of plain values (``kinds``: see :func:`rows_codec`)."""
        return self.get(name, compute, *rows_codec(kinds))


# ------------------------------------------------------------------------------------------ shapes
def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise Undecodable(value)
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise Undecodable(value)
    return value


def _raise(value: Any) -> Any:
    raise Undecodable(value)


_KINDS: dict[str, Callable[[Any], Any]] = {
    "s": _str,
    "n": _int_or_none,
    "i": lambda v: v if type(v) is int else _raise(v),
    "b": lambda v: v if type(v) is bool else _raise(v),
    "?": lambda v: None if v is None else _str(v),  # a string or None
}


def rows_codec(kinds: str) -> tuple[Callable[[list[tuple[Any, ...]]], Any], Callable[[Any], list[tuple[Any, ...]]]]:
    """How rows of plain values are stored: ``kinds`` names each column ("s" a string, "i" an int, "n" an int or
    None, "b" a bool, "?" a string or None); decoding checks every value."""
    checks = [_KINDS[k] for k in kinds]

    def encode(rows: list[tuple[Any, ...]]) -> Any:
        return [list(row) for row in rows]

    def decode(value: Any) -> list[tuple[Any, ...]]:
        if not isinstance(value, list):
            raise Undecodable(value)
        out = []
        for row in value:
            if not isinstance(row, list) or len(row) != len(checks):
                raise Undecodable(row)
            out.append(tuple(check(v) for check, v in zip(checks, row, strict=True)))
        return out

    return encode, decode


def encode_paths(paths: list[str]) -> list[str]:
    return list(paths)


def decode_paths(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Undecodable(value)
    return [_str(v) for v in value]


_encode_places, _decode_places = rows_codec("snn")  # (path, line, cell)


def encode_refs(refs: list[Ref]) -> Any:
    return _encode_places([tuple(r) for r in refs])


def decode_refs(value: Any) -> list[Ref]:
    from mlops_audit.facts.repo import Ref

    return [Ref(*row) for row in _decode_places(value)]


def hit_codec(capability: Capability) -> tuple[Callable[[list[Hit]], Any], Callable[[Any], list[Hit]]]:
    """How hits of ``capability`` are stored: their place and the index of their entry in the capability."""
    from mlops_audit.facts.capabilities import Hit
    from mlops_audit.facts.repo import Ref

    index = {id(e): i for i, e in enumerate(capability.entries)}
    entries = capability.entries
    encode_rows, decode_rows = rows_codec("snni")

    def encode(hits: list[Hit]) -> Any:
        return encode_rows([(*h.ref, index[id(h.entry)]) for h in hits])

    def decode(value: Any) -> list[Hit]:
        out = []
        for path, line, cell, i in decode_rows(value):
            if not 0 <= i < len(entries):
                raise Undecodable(i)
            out.append(Hit(Ref(path, line, cell), entries[i]))
        return out

    return encode, decode
