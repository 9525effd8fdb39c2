"""What trains, what seeds, and what serves a model, judged over the repository's own call graph.

Functions of the code index, the call graph and the knowledge data (facts/capabilities.py), called once per
run by :class:`~mlops_audit.facts.repo.RepoFacts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_audit.facts import capabilities

if TYPE_CHECKING:
    from mlops_audit.facts.callgraph import Node
    from mlops_audit.facts.repo import Ref, RepoFacts
    from mlops_audit.knowledge import Entry


def training(facts: RepoFacts) -> list[Ref]:
    """Where each file first trains, in unit order. Only files that import an ML library train; test code
    never does. A file's calls are decoded only when a name that may train has a condition (arguments,
    keywords, an exception): the per-file name summaries answer the rest."""
    from mlops_audit.facts.repo import Ref

    ml = set(facts.ml_files)
    cap = facts.knowledge["training"]
    names = capabilities.call_names(facts, cap)
    first: dict[str, Ref] = {}
    order: dict[str, int] = {}
    for index, unit in enumerate(facts.code_units(tests=False)):
        if unit.path not in ml:
            continue
        order.setdefault(unit.path, index)
        if unit.path in first:
            continue
        info = unit.info
        candidates = [(line, name, args) for name, line, args in
                      zip(info.call_names, info.call_lines, info.call_args or (0,) * len(info.call_names),
                          strict=True) if name in names]
        if not candidates:
            continue
        if all(_by_summary(names[name]) for _, name, _ in candidates):
            # the answer from the summaries: a name counts when one of its calls passes enough arguments
            lines = [line for line, name, args in candidates if _counts(names[name], args)]
            if lines:
                first[unit.path] = Ref(unit.path, min(lines), unit.cell)
            continue
        counted = capabilities.counted_calls(facts, cap, unit)
        if counted:
            first[unit.path] = Ref(unit.path, counted[0][0].line, unit.cell)
    for hit in facts.training_loops:  # hand-written loops: backward() and step() in one file
        if hit.ref.path in ml:
            first.setdefault(hit.ref.path, hit.ref)
    return sorted(first.values(), key=lambda r: (order.get(r.path, 0), r.cell or 0, r.line or 0))


def _by_summary(entries: list[Entry]) -> bool:
    """Whether the per-name summary (the most arguments a call of the name passes) decides these entries: no
    keyword to look at, and no exception that depends on the arguments."""
    return all(not e.keywords and not e.not_values and not (e.exclude and e.min_args) for e in entries)


def _counts(entries: list[Entry], args: int) -> bool:
    """Whether a name whose calls pass at most ``args`` arguments trains (exceptions come first)."""
    for entry in entries:
        if entry.exclude:
            return False
        if args >= entry.min_args:
            return True
    return False


def training_scopes(facts: RepoFacts, path: str) -> set[str]:
    """The scopes of ``path`` (functions, "" for module level) where it trains (its calls decoded)."""
    cap = facts.knowledge["training"]
    scopes: set[str] = set()
    for unit in facts.units_by_path.get(path, ()):
        scopes.update(call.scope for call, _ in capabilities.counted_calls(facts, cap, unit))
    for hit in facts.training_loops:
        if hit.ref.path == path:
            scopes.update(_scopes_at(facts, hit.ref))
    return scopes or {""}


def training_loops(facts: RepoFacts) -> list[capabilities.Hit]:
    """The files (outside tests) holding a hand-written training loop, at its first call."""
    cap = facts.knowledge["training"]
    return [hit for entry in cap.together for hit in capabilities.together_hits(facts, entry, False)]


def _scopes_at(facts: RepoFacts, ref: Ref) -> set[str]:
    for unit in facts.units_by_path.get(ref.path, ()):
        if unit.cell == ref.cell:
            return {c.scope for c in unit.info.calls if c.line == ref.line} or {""}
    return {""}


def _seeds(facts: RepoFacts) -> tuple[set[str], set[Node]]:
    """(files that fix a seed anywhere, the nodes that fix one themselves)."""
    cap = facts.knowledge["seeding"]
    files: set[str] = set()
    nodes: set[Node] = set()
    if not capabilities.call_names(facts, cap) and not cap.keyword_entries:
        return files, nodes
    for unit in facts.code_units(tests=False):
        for call, _ in capabilities.counted_calls(facts, cap, unit):
            files.add(unit.path)
            nodes.add((unit.path, call.scope))
    return files, nodes


def unseeded_training(facts: RepoFacts) -> list[Ref]:
    """Where training runs with no seed fixed: the first training place of each file that neither seeds itself
    nor is reached only from entry points that seed (directly or through the repository's own helpers,
    transitively). An entry point is module-level code or a function no local code calls."""
    first = {ref.path: ref for ref in facts.training_refs}
    seeded_files, seed_nodes = _seeds(facts)
    missing = [path for path in first if path not in seeded_files and not _trains_deterministically(facts, path)]
    if not missing:
        return []
    graph = facts.call_graph
    seeding = graph.reaching(seed_nodes)  # every node from which a seed is fixed
    out = []
    for path in missing:
        trains = {(path, scope) for scope in training_scopes(facts, path)}
        callers = graph.reaching(trains)
        entries = [n for n in callers if graph.is_entry(n)] or list(trains)  # a cycle with no way in: itself
        if not all(n in seeding or n[0] in seeded_files for n in entries):
            out.append(first[path])
    return out


def _trains_deterministically(facts: RepoFacts, path: str) -> bool:
    """Every training call of ``path`` fits a model with no randomness (the ``deterministic_training``
    knowledge: ordinary least squares, nearest neighbours, naive Bayes...): there is no seed to fix. A
    hand-written loop is never deterministic."""
    if any(hit.ref.path == path for hit in facts.training_loops):
        return False
    training = facts.knowledge["training"]
    deterministic = facts.knowledge["deterministic_training"]
    names = capabilities.call_names(facts, deterministic)
    if not names:
        return False
    calls = [call for unit in facts.units_by_path.get(path, ())
             for call, _ in capabilities.counted_calls(facts, training, unit)]
    return bool(calls) and all(call.name in names for call in calls)


def model_serving_files(facts: RepoFacts) -> list[str]:
    """Serving files (a web framework or model server imported, outside tests) that load or call a model (the
    ``model_loading`` and ``prediction`` knowledge), or
    call into a module of the repository that does."""
    serving = facts.serving_files
    if not serving:
        return []
    loading = {h.ref.path for name in ("model_loading", "prediction") for h in facts.capability(name, code_only=True)}
    if not loading:
        return []
    graph = facts.call_graph
    out = []
    for path in serving:
        if path in loading:
            out.append(path)
            continue
        reached = {node[0] for node in graph.reached(graph.calling_nodes(path))}
        if reached & loading or _imported_paths(facts, path) & loading:
            out.append(path)
    return out


def _imported_paths(facts: RepoFacts, path: str) -> set[str]:
    """The repository's own modules that ``path`` imports (absolute imports, by module name)."""
    modules = facts.call_graph.modules
    out: set[str] = set()
    for unit in facts.units_by_path.get(path, ()):
        for name, _ in unit.info.imports:
            out.update(modules.get(name, ()))
    return out
