"""Git LFS: patterns from .gitattributes and pointer files."""

from __future__ import annotations

import posixpath

POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1"


def lfs_patterns(path: str, text: str) -> list[str]:
    """gitignore-style patterns, relative to the root, of paths a .gitattributes file sends to LFS."""
    base = posixpath.dirname(path)
    patterns: list[str] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0].startswith("#") or "filter=lfs" not in parts[1:]:
            continue
        pattern = parts[0]
        if base:
            pattern = f"{base}/{pattern}" if "/" in pattern.strip("/") else f"{base}/**/{pattern}"
        patterns.append(pattern)
    return patterns


def is_pointer(head: bytes) -> bool:
    return head.startswith(POINTER_PREFIX)


def pointer(oid: str, size: int) -> bytes:
    """The Git LFS pointer of an object (its sha256 ``oid`` and size), as the spec writes it
    (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode("ascii")


def object_path(oid: str) -> str:
    """Where Git LFS keeps an object, relative to the git common directory."""
    return f"lfs/objects/{oid[:2]}/{oid[2:4]}/{oid}"
