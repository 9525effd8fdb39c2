"""The plain data that flows one way through the audit: rules -> results -> findings -> report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlops_audit.safetext import escape

if TYPE_CHECKING:
    from mlops_audit.scoring import Coverage

Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "not_applicable", "error", "ignored"]
MAX_EVIDENCE = 50  # places kept per rule; the rest are counted (RuleResult.omitted) and every report says so


def shown(text: str) -> str:
    """Text from the audited repository (a file name, a message quoting its code) as every report can show it:
    control characters as visible escapes, bytes that are not UTF-8 (kept as surrogates so the file can be
    opened) as U+FFFD (see :mod:`mlops_audit.safetext`), and every value the secret scan recognises masked
    (``ghp_****``): a message that quotes a line, a parser error that quotes the file, a suppression's reason
    never carries a secret out. Findings, rule results and rules apply it themselves, so nothing the repository
    wrote reaches a reporter raw."""
    return escape(_redact(text))


def _redact(text: str) -> str:
    from mlops_audit.facts.secrets import redact

    return redact(text)


class CheckUnavailable(Exception):
    """A rule could not be checked (its facts could not be read): the rule's status is "error" with this
    message, never a silent pass."""


SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "error": 3}

PILLARS: tuple[str, ...] = (
    "design",
    "data",
    "model",
    "deploy",
    "monitor",
    "reproducibility",
    "testing",
    "automation",
    "versioning",
    "governance",
)


@dataclass(frozen=True)
class Rule:
    """One entry of the rule catalogue (rules/*.yaml or a team's custom rule)."""

    id: str
    name: str
    pillar: str
    severity: Severity
    level: int
    title: str
    why: str
    fix: str
    check: dict[str, Any]
    applies_when: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    source: str = "builtin"

    def __post_init__(self) -> None:
        # a custom rule comes from the audited repository's own configuration: its text is untrusted (controls
        # escaped; and, for a custom rule, secrets masked)
        custom = self.source != "builtin"
        for name in ("name", "title"):
            _clean(self, name, getattr(self, name), redact=custom)
        for name in ("why", "fix"):
            value = getattr(self, name)
            cleaned = escape(_redact(value) if custom else value, keep_newlines=True)
            if cleaned != value:
                object.__setattr__(self, name, cleaned)
        refs = tuple(shown(r) if custom else escape(r) for r in self.references)
        if refs != self.references:
            object.__setattr__(self, "references", refs)


def _clean(obj: object, name: str, value: str | None, *, redact: bool = False) -> None:
    """Set ``obj.name`` (even on a frozen dataclass) to ``value`` escaped (and its secrets masked: ``redact``),
    when that changes it."""
    if value is not None:
        cleaned = shown(value) if redact else escape(value)
        if cleaned != value:
            object.__setattr__(obj, name, cleaned)


@dataclass(frozen=True)
class Evidence:
    """Where a rule failed: a message, and a location when there is one."""

    message: str
    path: str | None = None
    line: int | None = None
    cell: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What a predicate decided: passed or not, with the evidence for a failure."""

    passed: bool
    evidence: tuple[Evidence, ...] = ()
    detail: str = ""
    omitted: int = 0  # places found beyond the evidence kept (at most MAX_EVIDENCE are kept)

    @staticmethod
    def ok(detail: str = "") -> Outcome:
        return Outcome(True, (), detail)

    @staticmethod
    def fail(*evidence: Evidence, detail: str = "", omitted: int = 0) -> Outcome:
        return Outcome(False, tuple(evidence), detail, omitted)

    @staticmethod
    def found(evidence: Sequence[Evidence], detail: str = "", *, limit: int = MAX_EVIDENCE) -> Outcome:
        """Fails when anything was found: the first ``limit`` places as evidence, the others counted."""
        return Outcome(not evidence, tuple(evidence[:limit]), detail, max(0, len(evidence) - limit))


@dataclass(frozen=True)
class Finding:
    """A failing rule at one location, as reporters show it."""

    rule: Rule
    message: str
    path: str | None = None
    line: int | None = None
    cell: int | None = None
    suppressed: str | None = None  # reason when an inline suppression covers it
    fingerprint: str = ""  # stable identity for baselines: survives line moves (see mlops_audit.baseline)
    baseline: str | None = None  # "known" or "new" when the audit ran against a baseline

    def __post_init__(self) -> None:
        # the boundary: what a finding says about the repository is escaped once, here, for every reporter
        # (the engine computes fingerprints and suppressions from the raw evidence before it builds findings)
        _clean(self, "message", self.message, redact=True)
        _clean(self, "path", self.path, redact=True)
        _clean(self, "suppressed", self.suppressed, redact=True)

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        where = self.path
        if self.cell is not None:
            where += f" [cell {self.cell}]"
        if self.line is not None:
            where += f":{self.line}"
        return where


@dataclass
class RuleResult:
    """The status of one rule in one audit."""

    rule: Rule
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""  # why not applicable / ignored / errored
    omitted: int = 0  # places found but not listed in ``findings`` (at most MAX_EVIDENCE are listed)

    def __post_init__(self) -> None:
        self.reason = shown(self.reason)  # an exception's text, a git error, an ignore reason from the repo

    @property
    def evidence_total(self) -> int:
        """Every place the rule found: the findings listed (suppressed ones included) and those not listed."""
        return len(self.findings) + self.omitted

    def cap_note(self) -> str:
        """"50 of 60 shown ..." when places were left out, else ""."""
        if not self.omitted:
            return ""
        return f"{len(self.findings)} of {self.evidence_total} shown ({self.omitted} more not listed)"


@dataclass
class PillarScore:
    pillar: str
    score: int | None  # None when no rule of the pillar applied
    passed: int
    failed: int
    not_applicable: int


@dataclass
class Report:
    """Everything reporters need; built once by the engine."""

    root: str
    tool_version: str
    results: list[RuleResult]
    pillars: list[PillarScore]
    score: int
    level: int
    next_level: list[Rule]
    notes: list[str]
    is_git: bool
    ml_project: bool
    ml_evidence: list[str]
    baseline_fixed: int | None = None  # baseline entries no longer found (None: no baseline)
    # the catalogue's rules the selection left out (--select); None: not recorded, the built-in catalogue is
    # compared with the results instead (see ``coverage``)
    unselected: tuple[Rule, ...] | None = None

    def __post_init__(self) -> None:
        # ``root`` stays as it is (display_path resolves it): reporters escape it where they show it
        self.notes = [shown(n) for n in self.notes]
        self.ml_evidence = [shown(e) for e in self.ml_evidence]

    def display_path(self, rel: str | None) -> str:
        """A finding path as seen from the working directory (for CI annotations in monorepos)."""
        from pathlib import Path

        root = Path(self.root)
        try:
            prefix = root.relative_to(Path.cwd().resolve())
        except ValueError:
            prefix = Path()
        if rel is None:
            return prefix.as_posix() if prefix.parts else "."
        return (prefix / rel).as_posix()

    @property
    def coverage(self) -> Coverage:
        """How many rules ran, of how many, and whether ``level`` is a claim (see :mod:`mlops_audit.scoring`)."""
        from mlops_audit.scoring import coverage

        unselected = self.unselected
        if unselected is None:
            unselected = _builtin_left_out({r.rule.id for r in self.results})
        return coverage(self.results, self.level, unselected, ml_project=self.ml_project)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results if r.status == "fail" for f in r.findings if f.suppressed is None]


def _builtin_left_out(ran: set[str]) -> tuple[Rule, ...]:
    """The built-in rules not among ``ran``: what the selection left out, for a report that did not record it
    (custom rules left out are not known here). The catalogue is the one the audit read, kept in memory (after
    a --no-cache audit it is read once more); one that cannot be read leaves nothing out (the audit itself
    would have said why)."""
    from mlops_audit.catalogue import builtin_rules

    try:
        rules = builtin_rules()
    except Exception:  # pragma: no cover - the audit read the same catalogue moments ago
        return ()
    return tuple(r for r in rules if r.id not in ran)
