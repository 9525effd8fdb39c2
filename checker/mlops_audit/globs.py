"""Path patterns with gitignore semantics (``data/**``, ``*.csv``, ``/README*``), compiled once and cached."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matcher(patterns: Iterable[str]) -> Any:
    """A compiled pattern set; ``.match_file(path)`` tells whether a relative posix path matches."""
    return _spec(tuple(patterns))


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True when ``path`` (relative, posix) matches any of the gitignore-style ``patterns``."""
    pats = tuple(patterns)
    return bool(pats) and bool(_spec(pats).match_file(path))
