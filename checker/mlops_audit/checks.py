"""Declarative checks: the small vocabulary rules (built-in or a team's own) are written in.

A rule's ``check`` is a mapping; every key must pass (AND); ``any_of`` takes a list of such mappings (OR).

- ``predicate: NAME`` (+ ``params``): a named Python predicate from :mod:`mlops_audit.predicates`.
- ``any_file: [globs]`` passes when a file of the inventory matches; ``no_file: [globs]`` fails per match.
- ``any_import: [modules]`` / ``no_import: [modules]``: imports in .py files and notebook cells.
- ``any_call: [regexes]`` / ``no_call: [regexes]``: calls by dotted name, import aliases resolved.
- ``any_text`` / ``no_text``: ``{files: [globs], pattern: regex}`` over file contents.

Globs use gitignore syntax (``/README*`` is the root only, ``*.csv`` is anywhere).

A team's own rules come from the audited repository's configuration: untrusted input. Their regexes run under
RE2 (the ``google-re2`` package, imported only when such a rule exists), whose matching takes linear time, so a
pattern like ``^(a|aa)+$`` cannot hang the audit. A pattern RE2 does not accept (backreferences, lookarounds) is
refused with a message (the rule is skipped and AUD002 says why); without RE2 every such pattern is refused,
never run with Python's backtracking ``re``. The built-in rules' regexes are ours and use ``re``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from mlops_audit.facts.repo import Ref, RepoFacts, TextPattern
from mlops_audit.models import Evidence, Outcome
from mlops_audit.predicates import PREDICATES, evidence_at

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


def _re2() -> Any:
    """The RE2 module (google-re2); raises CheckSpecError when it cannot be imported."""
    try:
        return importlib.import_module("re2")  # untyped, and loaded only for a custom rule's regexes
    except Exception as exc:  # not installed, or its native library missing: refuse, never fall back to re
        raise CheckSpecError("custom rules' regexes run only under RE2, and the google-re2 package could not be "
                             f"imported ({type(exc).__name__}: {exc}): install google-re2") from None


@lru_cache(maxsize=256)
def untrusted_regex(pattern: str) -> TextPattern:
    """``pattern`` compiled by RE2 (linear-time matching); raises CheckSpecError when RE2 refuses it."""
    re2 = _re2()
    options = re2.Options()
    options.log_errors = False  # RE2 would print parse errors on stderr; ours say it in AUD002
    try:
        compiled: TextPattern = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise CheckSpecError(f"regex {pattern!r} is refused: {reason} (custom rules' regexes run under RE2, "
                             "which guarantees linear-time matching: no backreferences, lookarounds or "
                             "repetitions over 1000)") from None
    return compiled


def _regex(pattern: str, key: str, *, untrusted: bool) -> TextPattern:
    """A check's regex: RE2 for a custom rule's (see the module's doc), Python's re for the built-in rules'."""
    if untrusted:
        try:
            return untrusted_regex(pattern)
        except CheckSpecError as exc:
            raise CheckSpecError(f"`{key}` {exc}") from None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise CheckSpecError(f"`{key}` regex {pattern!r}: {exc}") from None


def _text_spec(spec: Any, key: str, *, untrusted: bool) -> tuple[list[str], TextPattern]:
    if not isinstance(spec, dict) or "pattern" not in spec:
        raise CheckSpecError(f"`{key}` takes {{files: [globs], pattern: regex}}")
    pattern = _regex(str(spec["pattern"]), f"{key}.pattern", untrusted=untrusted)
    return _list(spec.get("files", ["*"]), f"{key}.files"), pattern


def _call_pattern(items: list[str], key: str, *, untrusted: bool) -> TextPattern:
    """One regex finding any of ``items`` (each checked on its own first: a part cannot unbalance the whole)."""
    for item in items:
        _regex(item, key, untrusted=untrusted)
    return _regex("|".join(f"(?:{p})" for p in items), key, untrusted=untrusted)


def _presence(key: str, refs: list[Ref], what: str) -> Outcome:
    """`any_*` passes when something was found; `no_*` fails with one evidence per place found."""
    if key.startswith("any_"):
        return Outcome.ok() if refs else Outcome.fail()
    return Outcome.found([evidence_at(r, f"forbidden {what}") for r in refs])


def validate(check: Any, *, untrusted: bool = False) -> None:
    """Raise CheckSpecError if ``check`` is not a well-formed check mapping. ``untrusted``: a custom rule, whose
    regexes must compile under RE2."""
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
                _call_pattern(items, key, untrusted=untrusted)
    for key in ("any_text", "no_text"):
        if key in check:
            _text_spec(check[key], key, untrusted=untrusted)
    if "any_of" in check:
        if not isinstance(check["any_of"], list) or not check["any_of"]:
            raise CheckSpecError("`any_of` takes a list of checks")
        for sub in check["any_of"]:
            validate(sub, untrusted=untrusted)


def evaluate(check: dict[str, Any], facts: RepoFacts, *, untrusted: bool = False) -> Outcome:
    """Run a (validated) check against the facts; ``untrusted`` as for :func:`validate`."""
    outcomes: list[Outcome] = []
    for key, spec in check.items():
        if key == "params":
            continue
        if key == "predicate":
            fn: Callable[[RepoFacts, dict[str, Any]], Outcome] = PREDICATES[spec]
            outcomes.append(fn(facts, check.get("params") or {}))
        elif key == "any_of":
            subs = [evaluate(sub, facts, untrusted=untrusted) for sub in spec]
            if any(o.passed for o in subs):
                outcomes.append(Outcome.ok())
            else:
                outcomes.append(Outcome.fail(*[e for o in subs for e in o.evidence],
                                             omitted=sum(o.omitted for o in subs)))
        elif key == "any_file":
            found = facts.matching(_list(spec, key))
            outcomes.append(Outcome.ok(found[0]) if found else Outcome.fail())
        elif key == "no_file":
            found = facts.matching(_list(spec, key))
            outcomes.append(Outcome.found([Evidence(f"{p} is present", p) for p in found]))
        elif key in ("any_import", "no_import"):
            outcomes.append(_presence(key, facts.imports_of(_list(spec, key)), "import"))
        elif key in ("any_call", "no_call"):
            pattern = _call_pattern(_list(spec, key), key, untrusted=untrusted)
            outcomes.append(_presence(key, facts.calls_matching(pattern), "call"))
        elif key in ("any_text", "no_text"):
            files, text_pattern = _text_spec(spec, key, untrusted=untrusted)
            outcomes.append(_presence(key, facts.files_text_matching(files, text_pattern), "text"))
    passed = all(o.passed for o in outcomes)
    evidence = tuple(e for o in outcomes if not o.passed for e in o.evidence)
    omitted = sum(o.omitted for o in outcomes if not o.passed)
    return Outcome(passed, evidence, "; ".join(o.detail for o in outcomes if o.detail), omitted)
