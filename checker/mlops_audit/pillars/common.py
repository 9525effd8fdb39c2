"""What every pillar's predicates share: the registry, and the ways a predicate points at places.

Each predicate is a pure function ``(facts, params) -> Outcome``: it never reads the disk itself; the facts it
reads are its documentation's "needs".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlops_audit.facts.capabilities import Hit
from mlops_audit.facts.repo import Ref, RepoFacts
from mlops_audit.models import Evidence, Outcome

Predicate = Callable[[RepoFacts, dict[str, Any]], Outcome]
PREDICATES: dict[str, Predicate] = {}
SAMPLE = 5  # repository-level failures point at a few example files; the others are counted, not listed


def predicate(fn: Predicate) -> Predicate:
    PREDICATES[fn.__name__] = fn
    return fn


def evidence_at(ref: Ref, message: str) -> Evidence:
    """Evidence pointing at a place in code (file, line, notebook cell)."""
    return Evidence(message, ref.path, ref.line, ref.cell)


def human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def sample(evidence: list[Evidence]) -> Outcome:
    """A failure pointing at the first few places of ``evidence`` (a repository-level finding when empty)."""
    return Outcome.fail(*evidence[:SAMPLE], omitted=max(0, len(evidence) - SAMPLE))


def per_training_file(facts: RepoFacts, message: str) -> Outcome:
    """A failure pointing at the (first five) files that train a model."""
    return sample([Evidence(message, p) for p in facts.training_files])


def shown_by(hit: Hit) -> str:
    """How a pass names what it found: "MLflow (src/train.py:12)"."""
    ref = hit.ref
    where = ref.path + (f":{ref.line}" if ref.line else "") + (f" cell {ref.cell}" if ref.cell is not None else "")
    return f"{hit.entry.platform} ({where})"


def ok_if_shows(facts: RepoFacts, capability: str, *, tests: bool | None = False) -> Outcome | None:
    """A pass naming the first place ``capability`` is shown, or None when it is nowhere."""
    hit = facts.shows(capability, tests=tests)
    return Outcome.ok(shown_by(hit)) if hit is not None else None


def shown_or_missing(facts: RepoFacts, capability: str, message: str, paths: list[str]) -> Outcome:
    """A pass naming where ``capability`` is shown (outside tests), else a failure at each of ``paths``."""
    ok = ok_if_shows(facts, capability)
    return ok if ok is not None else sample([Evidence(message, p) for p in paths])
