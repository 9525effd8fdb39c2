"""Where the repository shows a capability (tracking, registry, training, seeding...), per the knowledge data.

A function of the code index (units, their imports and call names), the listing and the texts of
:class:`~mlops_audit.facts.repo.RepoFacts`, and of the :mod:`~mlops_audit.knowledge` entries. Call patterns
are tried once per distinct call name of the repository, not once per call; a file whose call names hold none
of the matching names is not read call by call.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from mlops_audit.knowledge import Capability, Entry

if TYPE_CHECKING:
    from mlops_audit.facts.code import Call
    from mlops_audit.facts.repo import Ref, RepoFacts, Unit


class Hit(NamedTuple):
    ref: Ref
    entry: Entry


def call_names(facts: RepoFacts, capability: Capability) -> dict[str, list[Entry]]:
    """The repository's distinct call names that some call entry of ``capability`` matches -> those entries."""
    cache = facts.capability_names
    if not cache:  # every capability at once: one pass over the names
        cache.update(facts.knowledge.names_by_capability(facts.call_name_set))
    return cache.get(capability.name, {})


def unit_calls(unit: Unit, capability: Capability, names: dict[str, list[Entry]]) -> list[tuple[Call, Entry]]:
    """Each call of ``unit`` that counts for ``capability`` (``names``: :func:`call_names`), with its entry."""
    info = unit.info
    if not names or names.keys().isdisjoint(info.call_names):
        return []
    out = []
    for call in info.calls:
        entries = names.get(call.name)
        if entries is not None:
            entry = capability.call_counts(call.nargs, call.kwargs, entries)
            if entry is not None:
                out.append((call, entry))
    return out


def keyword_calls(unit: Unit, entries: list[Entry]) -> list[tuple[Call, Entry]]:
    """Each call of ``unit`` passing a keyword that one of ``entries`` (keyword-only entries) counts."""
    info = unit.info
    wanted = {k for e in entries for k in e.keywords}
    if not entries or wanted.isdisjoint(info.keywords):
        return []
    out = []
    for call in info.calls:
        if not call.kwargs:
            continue
        for entry in entries:
            if entry.accepts(call.nargs, call.kwargs):
                out.append((call, entry))
                break
    return out


def counted_calls(facts: RepoFacts, capability: Capability, unit: Unit) -> list[tuple[Call, Entry]]:
    """The calls of ``unit`` that count for ``capability`` (by call pattern or by keyword), in line order."""
    found = unit_calls(unit, capability, call_names(facts, capability))
    found += keyword_calls(unit, capability.keyword_entries)
    return sorted(found, key=lambda f: f[0].line)


def together_hits(facts: RepoFacts, entry: Entry, tests: bool | None) -> list[Hit]:
    """The files where every pattern of a ``together`` entry is called (at the first call of the first)."""
    from mlops_audit.facts.repo import Ref

    per_pattern = [facts.names_matching_pattern(p) for p in entry.together]
    if not all(per_pattern):
        return []
    hits = []
    for path, units in facts.units_by_path.items():
        if tests is not None and facts.in_tests(path) != tests:
            continue
        names = [n for u in units for n in u.info.call_names]
        present = set(names)
        if all(not present.isdisjoint(p) for p in per_pattern):
            first = per_pattern[0]
            unit, line = next((u, ln) for u in units
                              for n, ln in zip(u.info.call_names, u.info.call_lines, strict=True) if n in first)
            hits.append(Hit(Ref(path, line, unit.cell), entry))
    return hits


def _file_hits(facts: RepoFacts, entry: Entry, tests: bool | None) -> list[Hit]:
    from mlops_audit.facts.repo import Ref

    hits = []
    for path in facts.matching(list(entry.files)):
        if tests is not None and facts.in_tests(path) != tests:
            continue
        if entry.contains and not facts.text_search(path, _literals(entry.contains)):
            continue  # answered from the cache on a warm run: the file is not read again
        if entry.contains_all and not all(facts.text_search(path, _literals((t,))) for t in entry.contains_all):
            continue
        hits.append(Hit(Ref(path), entry))
    return hits


@lru_cache(maxsize=256)
def _literals(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of ``tokens`` (escaped literals: linear)."""
    return re.compile("|".join(re.escape(t) for t in tokens))


def find(facts: RepoFacts, capability: Capability, *, tests: bool | None = False, limit: int | None = None,
         code_only: bool = False) -> list[Hit]:
    """Where the repository shows ``capability``: imports first, then calls, keywords and hand-written loops in
    file order, then files; the first ``limit`` of them (``limit=1``: does it at all?). ``tests``: only in test
    code (True), only outside it (False), anywhere (None). ``code_only``: no file evidence."""
    from mlops_audit.facts.repo import Ref

    hits: list[Hit] = []

    def full() -> bool:
        return limit is not None and len(hits) >= limit

    imports = capability.imports
    if imports:
        by_module: dict[str, Entry] = {}
        for module, entry in imports:
            by_module.setdefault(module, entry)
        for ref in facts.imports_of(list(by_module), tests=tests):
            hits.append(Hit(ref, _entry_of_import(facts, ref, by_module)))
            if full():
                return hits
    if call_names(facts, capability) or capability.keyword_entries:
        for unit in facts.code_units(tests=tests):
            for call, entry in counted_calls(facts, capability, unit):
                hits.append(Hit(Ref(unit.path, call.line, unit.cell), entry))
                if full():
                    return hits
    for entry in capability.together:
        hits.extend(together_hits(facts, entry, tests))
        if full():
            return hits[:limit]
    if not code_only:
        return find_files(facts, capability, hits, tests=tests, limit=limit)
    return hits


def find_files(facts: RepoFacts, capability: Capability, hits: list[Hit], *, tests: bool | None,
               limit: int | None) -> list[Hit]:
    """``hits`` (the code's, from :func:`find` with ``code_only``) followed by the file evidence, the first
    ``limit`` of them."""
    hits = list(hits)
    for entry in capability.file_entries:
        hits.extend(_file_hits(facts, entry, tests))
        if limit is not None and len(hits) >= limit:
            return hits[:limit]
    return hits


def _entry_of_import(facts: RepoFacts, ref: Ref, by_module: dict[str, Entry]) -> Entry:
    """The entry whose module the import at ``ref`` is (the longest module name that it is or is under)."""
    for unit in facts.units_by_path.get(ref.path, ()):
        if unit.cell != ref.cell:
            continue
        for name, line in unit.info.imports:
            if line != ref.line:
                continue
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):
                entry = by_module.get(".".join(parts[:cut]))
                if entry is not None:
                    return entry
    return next(iter(by_module.values()))


def paths_importing(facts: RepoFacts, capability: Capability) -> set[str]:
    """The files (Python or notebooks, tests included) importing a module of ``capability``'s import entries: by
    each unit's top-level packages for whole packages (no import read one by one), by name for submodules."""
    modules = {module for module, _ in capability.imports}
    packages = frozenset(m for m in modules if "." not in m)
    dotted = [m for m in modules if "." in m and m.partition(".")[0] not in packages]
    found = {u.path for u in facts.units if not packages.isdisjoint(u.info.packages)}
    if dotted:
        found.update(ref.path for ref in facts.imports_of(dotted))
    return found
