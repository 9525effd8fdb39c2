"""Declarative checks: the small vocabulary rules (built-in or a team's own) are written in.

A rule's ``check`` is a mapping; every key must pass (AND); ``any_of`` takes a list of such mappings (OR).

- ``predicate: NAME`` (+ ``params``): a named Python predicate from :mod:`mlops_audit.predicates`.
- ``any_file: [globs]`` passes when a file of the inventory matches; ``no_file: [globs]`` fails per match.
- ``any_import: [modules]`` / ``no_import: [modules]``: imports in .py files and notebook cells.
- ``any_call: [regexes]`` / ``no_call: [regexes]``: calls by dotted name, import aliases resolved.
- ``any_text`` / ``no_text``: ``{files: [globs], pattern: regex}`` over file contents.

Globs use gitignore syntax (``/README*`` is the root only, ``*.csv`` is anywhere).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mlops_audit.facts.repo import Ref, RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.predicates import MAX_EVIDENCE, PREDICATES, evidence_at

CHECK_KEYS = {
    "predicate", "params", "any_of", "any_file", "no_file", "any_import", "no_import", "any_call",
    "no_call", "any_text", "no_text",
}


class CheckSpecError(ValueError):
    """A rule's check is malformed."""


def _list(spec: Any, key: str) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list) and spec and all(isinstance(s, str) for s in spec):
        return spec
    raise CheckSpecError(f"`{key}` takes a non-empty list of strings")


def _text_spec(spec: Any, key: str) -> tuple[list[str], re.Pattern[str]]:
    if not isinstance(spec, dict) or "pattern" not in spec:
        raise CheckSpecError(f"`{key}` takes {{files: [globs], pattern: regex}}")
    try:
        pattern = re.compile(str(spec["pattern"]))
    except re.error as exc:
        raise CheckSpecError(f"`{key}.pattern` is not a valid regex: {exc}") from None
    return _list(spec.get("files", ["*"]), f"{key}.files"), pattern


def _presence(key: str, refs: list[Ref], what: str) -> Outcome:
    """`any_*` passes when something was found; `no_*` fails with one evidence per place found."""
    if key.startswith("any_"):
        return Outcome.ok() if refs else Outcome.fail()
    return Outcome(not refs, tuple(evidence_at(r, f"forbidden {what}") for r in refs[:MAX_EVIDENCE]))


def validate(check: Any) -> None:
    """Raise CheckSpecError if ``check`` is not a well-formed check mapping."""
    if not isinstance(check, dict) or not check:
        raise CheckSpecError("`check` must be a non-empty mapping")
    unknown = set(check) - CHECK_KEYS
    if unknown:
        raise CheckSpecError(f"unknown check key(s): {', '.join(sorted(unknown))}")
    if "predicate" in check and check["predicate"] not in PREDICATES:
        raise CheckSpecError(f"unknown predicate `{check['predicate']}`")
    if "params" in check and "predicate" not in check:
        raise CheckSpecError("`params` goes with `predicate`")
    for key in ("any_file", "no_file", "any_import", "no_import", "any_call", "no_call"):
        if key in check:
            items = _list(check[key], key)
            if key.endswith("_call"):
                for item in items:
                    try:
                        re.compile(item)
                    except re.error as exc:
                        raise CheckSpecError(f"`{key}` regex {item!r}: {exc}") from None
    for key in ("any_text", "no_text"):
        if key in check:
            _text_spec(check[key], key)
    if "any_of" in check:
        if not isinstance(check["any_of"], list) or not check["any_of"]:
            raise CheckSpecError("`any_of` takes a list of checks")
        for sub in check["any_of"]:
            validate(sub)


def evaluate(check: dict[str, Any], facts: RepoFacts) -> Outcome:
    """Run a (validated) check against the facts."""
    outcomes: list[Outcome] = []
    for key, spec in check.items():
        if key == "params":
            continue
        if key == "predicate":
            fn: Callable[[RepoFacts, dict[str, Any]], Outcome] = PREDICATES[spec]
            outcomes.append(fn(facts, check.get("params") or {}))
        elif key == "any_of":
            subs = [evaluate(sub, facts) for sub in spec]
            if any(o.passed for o in subs):
                outcomes.append(Outcome.ok())
            else:
                outcomes.append(Outcome.fail(*[e for o in subs for e in o.evidence]))
        elif key == "any_file":
            found = facts.matching(_list(spec, key))
            outcomes.append(Outcome.ok(found[0]) if found else Outcome.fail())
        elif key == "no_file":
            found = facts.matching(_list(spec, key))
            outcomes.append(Outcome(not found, tuple(Evidence(f"{p} is present", p) for p in found[:MAX_EVIDENCE])))
        elif key in ("any_import", "no_import"):
            outcomes.append(_presence(key, facts.imports_of(_list(spec, key)), "import"))
        elif key in ("any_call", "no_call"):
            pattern = re.compile("|".join(f"(?:{p})" for p in _list(spec, key)))
            outcomes.append(_presence(key, facts.calls_matching(pattern), "call"))
        elif key in ("any_text", "no_text"):
            files, pattern = _text_spec(spec, key)
            outcomes.append(_presence(key, facts.files_text_matching(files, pattern), "text"))
    passed = all(o.passed for o in outcomes)
    evidence = tuple(e for o in outcomes if not o.passed for e in o.evidence)
    return Outcome(passed, evidence, "; ".join(o.detail for o in outcomes if o.detail))
