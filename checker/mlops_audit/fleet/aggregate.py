"""The fleet document (schema: docs/schema/fleet-v1.schema.json) built from the reports read.

Numbers are computed from the reports as they are, never re-scored: a repository's score and level are its
report's. Reports made by another tool version or against another rule catalogue are *flagged* (``versions``
and each repository's ``flags``), not silently averaged as if they were alike; the reference is what most
reports use. Custom rules (a repository's own, in its configuration) are not a different catalogue: they are
listed as such. Given the previous fleet document, ``moved`` says what changed since."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

from mlops_audit.fleet import FLEET_SCHEMA_VERSION, KIND
from mlops_audit.fleet.reading import Entry, Reading, RuleInfo, catalogue_digest
from mlops_audit.models import PILLARS

TOP = 3  # top findings shown per repository
LEVELS = ("0", "1", "2", "3")


class PreviousError(ValueError):
    """The --previous document is not a fleet report."""


def _automatic() -> Callable[[str], str | None]:
    """rule ID -> "fix", "fix --unsafe" or None, for the built-in rules this mlops-audit knows (see
    :func:`mlops_audit.reporters.advice.automatic`)."""
    from mlops_audit.catalogue import builtin_rules
    from mlops_audit.reporters.advice import automatic

    known = {rule.id: automatic(rule) for rule in builtin_rules()}
    return known.get


def _reference(reading: Reading) -> tuple[str, dict[str, RuleInfo]]:
    """The tool version most reports were made with, and the reference catalogue: each rule held by more than
    half of the reports, with the definition most of them give it."""
    tools = Counter(e.tool for e in reading.entries)
    tool = min(tools, key=lambda t: (-tools[t], t))
    total = len(reading.entries)
    held: Counter[str] = Counter()
    shapes: dict[str, Counter[RuleInfo]] = {}
    for cat in reading.catalogues.values():
        for rule_id, info in cat.rules.items():
            held[rule_id] += cat.reports
            shapes.setdefault(rule_id, Counter())[info] += cat.reports
    rules = {}
    for rule_id, count in held.items():
        if 2 * count > total:
            shape = shapes[rule_id]
            rules[rule_id] = min(shape, key=lambda i: (-shape[i], i.title))
    return tool, rules


def _same(a: RuleInfo, b: RuleInfo) -> bool:
    return (a.pillar, a.severity, a.level) == (b.pillar, b.severity, b.level)


def _versions(reading: Reading) -> tuple[dict[str, Any], dict[str, list[str]], str, dict[str, RuleInfo]]:
    """The ``versions`` block, each catalogue's flags, the reference tool and rules."""
    tool, reference = _reference(reading)
    flags: dict[str, list[str]] = {}
    differing: list[dict[str, Any]] = []
    for cat in reading.catalogues.values():
        removed = sorted(r for r in reference if r not in cat.rules)
        changed = sorted(r for r, info in cat.rules.items() if r in reference and not _same(info, reference[r]))
        added = sorted(r for r in cat.rules if r not in reference)
        cat_flags = []
        if removed or changed:
            cat_flags.append("catalogue " + cat.digest + ": " + "; ".join(
                part for part in (f"lacks {', '.join(removed)}" if removed else "",
                                  f"defines differently {', '.join(changed)}" if changed else "") if part))
            differing.append({"catalogue": cat.digest, "reports": cat.reports, "removed": removed,
                              "changed": changed, "added": added})
        if added:
            cat_flags.append(f"custom rules: {', '.join(added)}")
        flags[cat.digest] = cat_flags
    tools = Counter(e.tool for e in reading.entries)
    other_tools = sum(n for t, n in tools.items() if t != tool)
    other_catalogues = sum(d["reports"] for d in differing)
    mixed = sum(1 for e in reading.entries if e.tool != tool or any(
        f.startswith("catalogue ") for f in flags[e.catalogue]))
    block = {
        "mixed": mixed > 0,
        "reports_not_matching": mixed,
        "reference": {"tool": tool, "catalogue": catalogue_digest(reference.values()), "rules": len(reference)},
        "tools": dict(sorted(tools.items())),
        "other_tools": other_tools,
        "catalogues": differing,
        "other_catalogues": other_catalogues,
    }
    return block, flags, tool, reference


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _levels(entries: list[Entry]) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    counts["not_assessed"] = 0
    for e in entries:
        counts[str(e.level) if e.assessed else "not_assessed"] += 1
    return counts


def aggregate(reading: Reading, *, previous: dict[str, Any] | None = None,
              link: Callable[[Entry], str | None] | None = None, tool_version: str | None = None) -> dict[str, Any]:
    """The fleet document of ``reading`` (``link``: each repository's own report, a relative path or a URL)."""
    from mlops_audit import __version__

    entries = sorted(reading.entries, key=lambda e: e.name)
    automatic = _automatic()
    if entries:
        versions, flags, ref_tool, reference = _versions(reading)
    else:
        versions, flags, ref_tool, reference = ({"mixed": False, "reports_not_matching": 0, "reference": None,
                                                 "tools": {}, "other_tools": 0, "catalogues": [],
                                                 "other_catalogues": 0}, {}, "", {})
    failing: Counter[str] = Counter()
    places: Counter[str] = Counter()
    fixable = unsafe = fixable_repos = 0
    pillar_scores: list[list[int]] = [[] for _ in PILLARS]
    repositories = []
    for e in entries:
        failing.update(e.failing)
        places.update(dict(zip(e.failing, e.places, strict=True)))
        autos = [automatic(r) for r in e.failing]
        n_fix = sum(a is not None for a in autos)
        fixable += n_fix
        unsafe += sum(a == "fix --unsafe" for a in autos)
        fixable_repos += n_fix > 0
        for i, s in enumerate(e.pillars):
            if s is not None:
                pillar_scores[i].append(s)
        repo_flags = []
        if e.tool != ref_tool:
            repo_flags.append(f"mlops-audit {e.tool} (most reports: {ref_tool})")
        repo_flags += flags.get(e.catalogue, [])
        if not e.assessed:
            repo_flags.append("level not assessed (rules left out)")
        repositories.append({
            "name": e.name,
            "root": e.root,
            "source": e.source,
            "report": link(e) if link is not None else None,
            "tool": e.tool,
            "catalogue": e.catalogue,
            "score": e.score,
            "level": e.level,
            "level_assessed": e.assessed,
            "pillars": dict(zip(PILLARS, e.pillars, strict=True)),
            "summary": dict(zip(("error", "warning", "info", "findings"), e.counts, strict=True)),
            "failing": list(e.failing),
            "fixable": n_fix,
            "top": [{"rule": r, "places": p} for r, p in zip(e.failing[:TOP], e.places[:TOP], strict=True)],
            "flags": repo_flags,
        })
    infos: dict[str, RuleInfo] = dict(reference)
    for cat in reading.catalogues.values():
        for rule_id, info in cat.rules.items():
            infos.setdefault(rule_id, info)
    rules = []
    for rule_id, count in sorted(failing.items(), key=lambda kv: (-kv[1], infos[kv[0]].level, kv[0])):
        info = infos[rule_id]
        rules.append({"id": rule_id, "title": info.title, "pillar": info.pillar, "severity": info.severity,
                      "level": info.level, "repositories": count, "places": places[rule_id],
                      "fix": automatic(rule_id), "custom": rule_id not in reference})
    scores = [e.score for e in entries]
    doc: dict[str, Any] = {
        "schema_version": FLEET_SCHEMA_VERSION,
        "kind": KIND,
        "tool": {"name": "mlops-audit", "version": tool_version or __version__},
        "summary": {
            "repositories": len(entries),
            "levels": _levels(entries),
            "score": {"mean": _mean(scores), "median": statistics.median(scores) if scores else None,
                      "min": min(scores, default=None), "max": max(scores, default=None)},
            "findings": {k: sum(e.counts[i] for e in entries)
                         for i, k in enumerate(("error", "warning", "info", "findings"))},
        },
        "pillars": {p: {"mean": _mean(pillar_scores[i]), "repositories": len(pillar_scores[i]),
                        "below_50": sum(s < 50 for s in pillar_scores[i])} for i, p in enumerate(PILLARS)},
        "rules": rules,
        "fix": {"failures": sum(failing.values()), "fixable": fixable, "unsafe": unsafe,
                "repositories": fixable_repos},
        "versions": versions,
        "repositories": repositories,
        "moved": None if previous is None else moved(previous, repositories),
        "skipped": [{"source": s, "reason": r} for s, r in reading.skipped],
    }
    return doc


# --------------------------------------------------------------------------- what moved
def check_previous(doc: Any) -> list[dict[str, Any]]:
    """The repositories of a previous fleet document, checked; :class:`PreviousError` when it is not one."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PreviousError("not a fleet report (`kind` is not mlops-audit-fleet)")
    if doc.get("schema_version") != FLEET_SCHEMA_VERSION:
        raise PreviousError(f"fleet schema version {doc.get('schema_version')!r}; this mlops-audit reads "
                            f"version {FLEET_SCHEMA_VERSION}")
    repos = doc.get("repositories")
    if not isinstance(repos, list):
        raise PreviousError("`repositories` is not a list")
    for repo in repos:
        ok = (isinstance(repo, dict) and isinstance(repo.get("name"), str)
              and isinstance(repo.get("level"), int) and isinstance(repo.get("score"), int | float)
              and isinstance(repo.get("level_assessed", True), bool)
              and isinstance(repo.get("failing"), list) and all(isinstance(r, str) for r in repo["failing"]))
        if not ok:
            raise PreviousError("a repository entry lacks a name, score, level or failing list")
    return repos


def moved(previous: dict[str, Any], repositories: list[dict[str, Any]]) -> dict[str, Any]:
    """What changed since ``previous`` (a fleet document), repository by repository (matched by name)."""
    before = {r["name"]: r for r in check_previous(previous)}
    now = {r["name"]: r for r in repositories}
    up: list[dict[str, Any]] = []
    down: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    resolved: list[dict[str, Any]] = []
    for name in sorted(now.keys() & before.keys()):
        a, b = before[name], now[name]
        if a.get("level_assessed", True) and b["level_assessed"] and a["level"] != b["level"]:
            (up if b["level"] > a["level"] else down).append({"repository": name, "from": a["level"],
                                                              "to": b["level"]})
        if a["score"] != b["score"]:
            scores.append({"repository": name, "from": a["score"], "to": b["score"]})
        was = set(a["failing"])
        if added := [r for r in b["failing"] if r not in was]:
            new.append({"repository": name, "rules": added})
        if gone := sorted(was - set(b["failing"])):
            resolved.append({"repository": name, "rules": gone})
    old_rules = Counter(r for repo in before.values() for r in repo["failing"])
    new_rules = Counter(r for repo in now.values() for r in repo["failing"])
    rule_moves = [{"id": r, "from": old_rules[r], "to": new_rules[r]}
                  for r in sorted(old_rules.keys() | new_rules.keys()) if old_rules[r] != new_rules[r]]
    rule_moves.sort(key=lambda m: (-abs(m["to"] - m["from"]), m["id"]))
    scores.sort(key=lambda m: (-abs(m["to"] - m["from"]), m["repository"]))
    old_scores = [r["score"] for r in before.values()]
    return {
        "previous": {"repositories": len(before), "score_mean": _mean(old_scores) if old_scores else None,
                     "levels": _previous_levels(before.values())},
        "added": sorted(now.keys() - before.keys()),
        "removed": sorted(before.keys() - now.keys()),
        "level_up": up,
        "level_down": down,
        "scores": scores,
        "new_failures": new,
        "resolved": resolved,
        "rules": rule_moves,
    }


def _previous_levels(repos: Any) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    counts["not_assessed"] = 0
    for r in repos:
        key = str(r["level"]) if r.get("level_assessed", True) and str(r["level"]) in counts else "not_assessed"
        counts[key] += 1
    return counts
