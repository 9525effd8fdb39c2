"""The plain data that flows one way through the audit: rules -> results -> findings -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "not_applicable", "error", "ignored"]

def printable(text: str) -> str:
    """File names may hold bytes that are not UTF-8 (kept as surrogates so the file can be opened): shown as
    U+FFFD, so every reporter can write them."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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

    @staticmethod
    def ok(detail: str = "") -> Outcome:
        return Outcome(True, (), detail)

    @staticmethod
    def fail(*evidence: Evidence, detail: str = "") -> Outcome:
        return Outcome(False, tuple(evidence), detail)


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
    def findings(self) -> list[Finding]:
        return [f for r in self.results if r.status == "fail" for f in r.findings if f.suppressed is None]
