"""Sealed bytes: how this tool marks what it writes to its cache directory (a keyed checksum before the body)
and checks it before reading a byte of what it finds there. Each kind of file has a key of its own, so bytes
sealed for one purpose are not taken for another. Nothing else: importing it costs nothing."""

from __future__ import annotations

import hashlib

DIGEST = 16


def _digest(body: bytes | memoryview, key: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=DIGEST, key=key).digest()


def seal(body: bytes, key: bytes) -> bytes:
    """``body`` preceded by its keyed checksum (analyses, cache headers, the compiled rule catalogue, a kept
    report; each kind with a ``key`` of its own)."""
    return _digest(body, key) + body


def unseal(data: bytes, key: bytes) -> memoryview:
    """The body :func:`seal` sealed with ``key``; raises ValueError when the checksum does not match (damaged
    bytes, or bytes not written by this tool for that purpose): nothing of them is read then."""
    body = memoryview(data)[DIGEST:]
    if len(data) <= DIGEST or _digest(body, key) != data[:DIGEST]:
        raise ValueError("not sealed by mlops-audit (damaged, or written by something else)")
    return body
