"""JSON report: a versioned document (schema: docs/schema/report-v1.schema.json).

Text from the repository arrives escaped (control characters as visible ``\\xNN``, see
:mod:`mlops_audit.safetext`); the root is the path as given, JSON-escaped. A rule lists at most
``MAX_EVIDENCE`` places: ``evidence_total`` and ``not_shown`` say how many it found."""

from __future__ import annotations

import json
from typing import Any

from mlops_audit.models import PILLARS, Finding, Report
from mlops_audit.scoring import LEVEL_NAMES

SCHEMA_VERSION = 1
DOCS_URL = "https://github.com/mlops-audit/mlops-audit/blob/main/docs/rules/{id}.md"


def finding_dict(f: Finding) -> dict[str, Any]:
    d: dict[str, Any] = {
        "rule": f.rule.id,
        "name": f.rule.name,
        "pillar": f.rule.pillar,
        "severity": f.rule.severity,
        "level": f.rule.level,
        "title": f.rule.title,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "cell": f.cell,
        "help": f"mlops-audit explain {f.rule.id}",
        "url": DOCS_URL.format(id=f.rule.id),
    }
    if f.suppressed is not None:
        d["suppressed"] = f.suppressed
    if f.baseline is not None:
        d["baseline"] = f.baseline
    return d


def _coverage(report: Report) -> dict[str, Any]:
    """How many rules ran, and whether ``level`` is a claim: with ``level_assessed`` false, a rule that was not
    run (left out by --select) could change the level, or no rule ran at all (--ignore ALL)."""
    cov = report.coverage
    return {"rules_run": cov.run, "rules_total": cov.total, "level_assessed": cov.level_assessed}


def report_dict(report: Report) -> dict[str, Any]:
    findings = report.findings
    counts = {s: sum(f.rule.severity == s for f in findings) for s in ("error", "warning", "info")}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mlops-audit", "version": report.tool_version},
        "root": report.root,
        "git": report.is_git,
        "ml_project": report.ml_project,
        "ml_evidence": report.ml_evidence,
        "score": report.score,
        "level": report.level,
        "level_name": LEVEL_NAMES[report.level],
        "coverage": _coverage(report),
        "next_level": None if report.level >= 3 else {
            "level": report.level + 1,
            "name": LEVEL_NAMES[report.level + 1],
            "rules": [r.id for r in report.next_level],
        },
        "summary": {**counts, "findings": len(findings)},
        "pillars": {
            p.pillar: {"score": p.score, "passed": p.passed, "failed": p.failed, "not_applicable": p.not_applicable}
            for p in report.pillars if p.pillar in PILLARS
        },
        "findings": [finding_dict(f) for f in findings],
        "suppressed": [finding_dict(f) for r in report.results for f in r.findings if f.suppressed is not None],
        "rules": [
            {
                "id": r.rule.id,
                "name": r.rule.name,
                "pillar": r.rule.pillar,
                "severity": r.rule.severity,
                "level": r.rule.level,
                "title": r.rule.title,
                "status": r.status,
                "reason": r.reason or None,
                "findings": sum(f.suppressed is None for f in r.findings),
                "evidence_total": r.evidence_total,
                "not_shown": r.omitted,
            }
            for r in report.results
        ],
        "notes": report.notes,
        "baseline": None if report.baseline_fixed is None else {
            "new": sum(f.baseline == "new" for f in findings),
            "known": sum(f.baseline == "known" for f in findings),
            "fixed": report.baseline_fixed,
        },
    }


def render_json(report: Report) -> str:
    from mlops_audit.safetext import json_text

    return json_text(json.dumps(report_dict(report), indent=2, ensure_ascii=False)) + "\n"
