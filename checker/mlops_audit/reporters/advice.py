"""What every human-facing report says a person should do next: the one-sentence fix hint, the level line
(or why there is no level), and **Start here**, the few failing rules that matter most for the next level, with
what `mlops-audit fix` can do about them.

Terminal, Markdown and HTML render these; none of them decides priorities on its own. Nothing here escapes:
each reporter escapes for its own format (titles and hints can come from a custom rule of the audited
repository's configuration)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mlops_audit.models import SEVERITY_RANK, Report, Rule, RuleResult
from mlops_audit.scoring import LEVEL_NAMES

Automatic = Literal["fix", "fix --unsafe"]
MOST = 5  # Start here lists at most this many rules ...
LEAST = 3  # ... and at least this many when there are that many failing rules (later levels fill in)
FALLBACK_HINT = "See its documentation for the steps."

# a clause ending with one of these words wants what follows it (a code block, a list): "..., or at least:"
_DANGLING = frozenset({
    "a", "an", "and", "as", "at", "by", "e.g.", "example", "following", "follows", "for", "from", "i.e.", "in",
    "including", "into", "least", "like", "of", "on", "or", "such", "the", "these", "this", "those", "to",
    "using", "via", "with",
})
_CONNECTORS = (" with ", " or ", " and ", " using ", " like ", " such as ", " e.g. ", " for example ")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def hint(rule: Rule) -> str:
    """The first complete sentence or paragraph of the rule's fix, on one line, ending with a full stop: never a
    fragment. A paragraph that introduces a code block or a list ("..., with one of:") loses the clause that
    wants it ("Generate a lock file and commit it."); `mlops-audit explain` shows the whole fix."""
    fix = rule.fix.lstrip("\n").rstrip()
    first = _PARAGRAPH.split(fix, maxsplit=1)[0]
    if not first.strip() or first.startswith(("    ", "\t", "```", "~~~")):  # a code block first: no sentence
        return FALLBACK_HINT
    text = " ".join(first.split())
    if text.endswith((":", ",", ";")):
        text = _complete(text[:-1].rstrip())
    if len(text.split()) < 2:
        return FALLBACK_HINT
    return text if text.endswith((".", "!", "?")) else text + "."


def _dangles(text: str) -> bool:
    words = text.split()
    return not words or words[-1].lower() in _DANGLING


def _complete(text: str) -> str:
    """``text`` without its trailing clauses that dangle (want a code block); "" when nothing complete is
    left."""
    for _ in range(4):
        if not _dangles(text):
            return text
        cut = _last_break(text)
        if cut is None:
            return ""
        text = text[:cut].rstrip(" ,;")
    return "" if _dangles(text) else text


def _last_break(text: str) -> int | None:
    """Where the last clause of ``text`` starts, outside parentheses, brackets and code spans: after a comma or
    semicolon, after a sentence's full stop (kept), else before a connecting word ("with", "or", "using"...)."""
    depth, code = 0, False
    punctuation: int | None = None
    connectors: list[int] = []
    for i, ch in enumerate(text):
        if ch == "`":
            code = not code
        elif code:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            if ch in ",;":
                punctuation = i
            elif ch in ".!?" and text[i + 1: i + 2] == " " and not _abbreviation(text, i):
                punctuation = i + 1
            elif ch == " " and any(text.startswith(c, i) for c in _CONNECTORS):
                connectors.append(i)
    if punctuation is not None:
        return punctuation
    return connectors[-1] if connectors else None


def _abbreviation(text: str, dot: int) -> bool:
    """A full stop that ends "e.g." or "i.e.", not a sentence."""
    word = text[:dot + 1].rsplit(" ", 1)[-1].lower()
    return word in ("e.g.", "i.e.", "etc.", "vs.")


def automatic(rule: Rule) -> Automatic | None:
    """How `mlops-audit fix` resolves a built-in rule: "fix" (a safe remedy), "fix --unsafe" (it changes what
    exists), None (it needs a person). Read from :data:`mlops_audit.fix.REMEDIES`, the table the planner is
    tested against (``tests/test_fix.py``), where the remedies that need ``--unsafe`` say so first ("with
    --unsafe: ..."; ``tests/test_start_here.py`` checks that against the planner's own ``Remedy.unsafe``). A
    remedy may still find nothing to do in a given repository (no training script for a pipeline stage):
    the plan of ``fix --dry-run`` is the exact answer, this is what it can do at most."""
    if rule.source != "builtin":
        return None
    from mlops_audit.fix import REMEDIES

    remedy = REMEDIES.get(rule.id)
    if remedy is None:
        return None
    return "fix --unsafe" if remedy.startswith("with --unsafe") else "fix"


def level_phrase(report: Report, *, word: str = "Level") -> str:
    """"Level 0 (Manual process)"; "Level 2 (CI/CD pipeline automation), 47 of 48 rules run" when rules were
    ignored or left out but the level still holds; "Level not assessed: 2 of 48 rules run" when a rule that
    was not run could change it (``--select VER``, ``--ignore ALL``); "Level not assessed: not an ML project"."""
    cov = report.coverage
    if not cov.level_assessed:
        return f"{word} not assessed: {cov.why_not_assessed()}"
    text = f"{word} {report.level} ({LEVEL_NAMES[report.level]})"
    return text if cov.complete else f"{text}, {cov.phrase()}"


@dataclass(frozen=True)
class Priority:
    """One failing rule of Start here."""

    result: RuleResult
    places: int  # places found (active findings, and those not listed)
    located: bool  # False: the finding is about the repository as a whole (no README, no tracking)
    automatic: Automatic | None

    @property
    def rule(self) -> Rule:
        return self.result.rule

    def where(self) -> str:
        """"3 places", "1 place" or "repository" (a finding about the whole repository)."""
        if not self.located:
            return "repository"
        return f"{self.places} place{'s' if self.places != 1 else ''}"

    def how(self) -> str:
        """"fix", "fix --unsafe" or "by hand"."""
        return self.automatic or "by hand"


@dataclass(frozen=True)
class StartHere:
    """Where to start: the rules that matter most for the next level, most important first."""

    target: int | None  # the level they lead to; None: the level is not assessed, or already 3
    items: list[Priority] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the target level's other blockers: "REP003 (ignored)"
    blocking: int = 0  # rules between the report and the target level
    failing: int = 0  # failing rules in the whole report
    fixable: int = 0  # of them, those `fix` has a remedy for (with --unsafe or not)
    unsafe: int = 0  # of those, the ones that need --unsafe

    @property
    def empty(self) -> bool:
        return not self.items and not self.others


def _priority(result: RuleResult) -> Priority:
    active = [f for f in result.findings if f.suppressed is None]
    located = any(f.path is not None for f in active) or result.omitted > 0
    return Priority(result, max(1, len(active) + result.omitted), located, automatic(result.rule))


def _order(p: Priority) -> tuple[int, int, int, int, str]:
    """Importance: the level it blocks (the next one first), severity, how many places, then whether `fix` can
    do it (a quick win first), then the ID."""
    auto = {"fix": 0, "fix --unsafe": 1, None: 2}[p.automatic]
    return (p.rule.level, -SEVERITY_RANK[p.rule.severity], -p.places, auto, p.rule.id)


def _blocker(rule: Rule, status: str) -> str:
    return {"ignored": f"{rule.id} (ignored)", "error": f"{rule.id} (rule error)"}.get(status, rule.id)


def others_line(start: StartHere) -> str:
    """"Also for level 1: AUT003, DAT005 ..." (or "Resolve for level 2: REP003 (ignored) ..." when no failing
    rule of that level is listed); "" when there is none."""
    if not start.others:
        return ""
    label = "Also" if any(p.rule.level == start.target for p in start.items) else "Resolve"
    ignored = "; an ignored rule counts as unmet for its level" if any(o.endswith("(ignored)")
                                                                      for o in start.others) else ""
    return f"{label} for level {start.target}: {', '.join(start.others)}{ignored}"


def start_here(report: Report) -> StartHere:
    """Start here for ``report``: at most :data:`MOST` failing rules of the lowest level that has any (the next
    level, when the level is assessed), filled up to :data:`LEAST` from the later levels; the next level's
    other blockers by ID; and how many failing rules `fix` has a remedy for."""
    failing = sorted((_priority(r) for r in report.results if r.status == "fail"), key=_order)
    fixable = [p for p in failing if p.automatic is not None]
    unsafe = sum(p.automatic == "fix --unsafe" for p in fixable)
    assessed = report.coverage.level_assessed
    target = report.level + 1 if assessed and report.level < 3 else None
    if target is None and not failing:
        return StartHere(None, failing=len(failing), fixable=len(fixable), unsafe=unsafe)
    first = failing[0].rule.level if failing else None
    items = [p for p in failing if p.rule.level == (target or first)][:MOST]
    shown = {p.rule.id for p in items}
    if len(items) < LEAST:
        items += [p for p in failing if p.rule.id not in shown][:LEAST - len(items)]
        shown = {p.rule.id for p in items}
    if target is None:
        return StartHere(None, items, failing=len(failing), fixable=len(fixable), unsafe=unsafe)
    status = {r.rule.id: r.status for r in report.results}
    others = [_blocker(rule, status.get(rule.id, "fail")) for rule in report.next_level if rule.id not in shown]
    return StartHere(target, items, others, len(report.next_level), failing=len(failing), fixable=len(fixable),
                     unsafe=unsafe)


def fix_pointer(start: StartHere) -> str:
    """The line that points at `mlops-audit fix --dry-run`, with how many failing rules it has a remedy for;
    "" when it has none."""
    if not start.fixable:
        return ""
    unsafe = f" ({start.unsafe} of them with --unsafe)" if start.unsafe else ""
    return (f"mlops-audit fix --dry-run shows the remedies for up to {start.fixable} of the {start.failing} "
            f"failing rules{unsafe}")


def start_heading(report: Report, start: StartHere) -> str:
    """"To reach level 1 (ML pipeline automation), 18 rules must pass; these matter most:" (the words after
    "Start here"); without a level to reach, what the list is."""
    if start.target is not None:
        left_out = report.coverage.left_out_from
        least = "at least " if left_out is not None and left_out <= start.target else ""  # not run: not known
        count = f"{least}{start.blocking} rule{'s' if start.blocking != 1 else ''} must pass"
        tail = "; these matter most:" if start.items else ":"
        return f"To reach level {start.target} ({LEVEL_NAMES[start.target]}), {count}{tail}"
    if not report.coverage.level_assessed:
        return f"The failing rules that matter most ({report.coverage.why_not_assessed()}, so no level is claimed):"
    return "The failing rules that matter most:"
