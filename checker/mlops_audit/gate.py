"""The CI gate: why an audit fails (severity threshold, score floor, level floor), baseline-aware."""

from __future__ import annotations

from mlops_audit.models import SEVERITY_RANK, Report

FAIL_ON = ("error", "warning", "info", "never")  # the values of --fail-on / fail-on


def gate_failures(report: Report, *, fail_on: str, min_score: int | None, min_level: int | None) -> list[str]:
    """Human-readable reasons the gate fails; empty when it passes. Known baseline findings never fail it."""
    reasons = []
    if fail_on != "never":
        failing = [f for f in report.findings
                   if f.baseline != "known" and SEVERITY_RANK[f.rule.severity] >= SEVERITY_RANK[fail_on]]
        if failing:
            kind = "new finding(s)" if report.baseline_fixed is not None else "finding(s)"
            reasons.append(f"{len(failing)} {kind} at or above {fail_on}")
    if min_score is not None and report.score < min_score:
        reasons.append(f"score {report.score} is below --min-score {min_score}")
    if min_level is not None:
        coverage = report.coverage
        if not coverage.level_assessed:  # --select VER cannot vouch for level 3
            reasons.append(f"the level is not assessed ({coverage.why_not_assessed()}), "
                           f"so --min-level {min_level} cannot be met")
        elif report.level < min_level:
            reasons.append(f"level {report.level} is below --min-level {min_level}")
    return reasons
