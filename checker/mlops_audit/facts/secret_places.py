"""Where secret-looking values are committed: every text file and notebook, scanned by facts/secrets.py.

A function of the listing, the bounded texts, the parsed Python files (whose scan is done with their parse and
cached with it) and the analysis cache of :class:`~mlops_audit.facts.repo.RepoFacts`. Values are never kept:
only the line and the kind.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mlops_audit.cache import content_key
from mlops_audit.facts import manifests, secrets

if TYPE_CHECKING:
    from mlops_audit.facts.notebooks import Notebook
    from mlops_audit.facts.repo import Ref, RepoFacts


def find(facts: RepoFacts) -> list[tuple[Ref, str]]:
    """(place, kind) of every secret-looking value: text files (Python ones as they are parsed, the others read
    once and cached by content) and notebooks (cells and outputs)."""
    from mlops_audit.facts.repo import MAX_TEXT_BYTES, TEXT_EXTENSIONS, TEXT_NAMES, Ref

    hits: list[tuple[Ref, str]] = []
    cache = facts.cache
    for entry, suffix in zip(facts.files, facts.suffixes, strict=True):
        path = entry.path
        name = path.rsplit("/", 1)[-1]
        if path.endswith(".ipynb"):
            continue
        if not (suffix in TEXT_EXTENSIONS or name in TEXT_NAMES or name.startswith(".env")):
            continue
        if manifests.is_lock_file(path) or entry.size > MAX_TEXT_BYTES:
            continue
        found: list[tuple[int, str]] | None = None
        if path.endswith(".py") and path in facts.python_files:  # scanned as parsed
            found = facts.python_secrets.get(path, [])
        if found is None and cache is not None:
            key = cache.known_key(path, entry.signature)
            if key is not None:
                found = cache.secrets(key)
        if found is None:
            read_ns = time.time_ns()
            text = facts.text(path, report=False, keep=False)
            if text is None:
                continue
            if cache is None:
                found = secrets.scan_text(text)
            else:
                key = content_key(text)
                found = cache.secrets(key)
                if found is None:
                    found = secrets.scan_text(text)
                    cache.put_secrets(key, found)
                cache.remember(path, entry.signature, key, read_ns)
        test = is_test_file(path)
        hits.extend((Ref(path, line), kind) for line, kind in found
                    if not (test and kind.endswith(secrets.UUID_MARK)))
    for path, nb in facts.notebooks.items():
        hits.extend((Ref(path, line, cell), kind) for cell, line, kind in _notebook_secrets(facts, path, nb))
    return hits

def is_test_file(path: str) -> bool:
    """A test module, conftest.py, or any file under a tests/ folder (fixtures): where a generic key that is a
    UUID is the test's own made-up value (facts/secrets.py, "Test fixtures")."""
    from mlops_audit.facts.repo import is_test_path

    return is_test_path(path) or not {"tests", "test"}.isdisjoint(path.split("/")[:-1])


def _notebook_secrets(facts: RepoFacts, path: str, nb: Notebook) -> list[tuple[int, int | None, str]]:
    """(cell, line or None for an output, kind) of each secret in a notebook, cached by its content."""
    key = facts._notebook_keys.get(path)
    if facts.cache is not None and key is not None:
        rows = facts.cache.doc("notebook-secrets", key)
        try:
            return [(int(cell), None if line is None else int(line), str(kind)) for cell, line, kind in rows]
        except (TypeError, ValueError):
            pass  # nothing cached yet (None), or a damaged entry
    found: list[tuple[int, int | None, str]] = []
    for cell in nb.cells:
        found.extend((cell.index, line, kind) for line, kind in secrets.scan_text(cell.source))
        found.extend((cell.index, None, f"{kind} in cell output")
                     for _, kind in secrets.scan_text(cell.output_text))
    if facts.cache is not None and key is not None:
        facts.cache.put_doc("notebook-secrets", key, [list(row) for row in found])
    return found
