"""SARIF 2.1.0 for GitHub code scanning: one rule descriptor per catalogue rule, results with locations.

Artifact locations are URI references: each path is percent-encoded (RFC 3986), so a file name holding ``%``,
``#``, ``?``, a space, a colon (``c:x`` would read as a URI scheme) or non-ASCII letters stays one relative
reference to that file. A rule that found more places than it lists says so in a tool notification."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from mlops_audit.models import Finding, Report
from mlops_audit.reporters.json import DOCS_URL, SCHEMA_VERSION

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SECURITY = {"GOV001": "9.0", "MOD006": "7.5"}


def _rule(report: Report, index: int) -> dict[str, Any]:
    rule = report.results[index].rule
    props: dict[str, Any] = {"tags": ["mlops", rule.pillar, f"level-{rule.level}"], "pillar": rule.pillar,
                             "maturity-level": rule.level}
    if rule.id in SECURITY:
        props["security-severity"] = SECURITY[rule.id]
        props["tags"].append("security")
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": rule.fix, "markdown": f"**Why**\n\n{rule.why}\n\n**How to fix**\n\n{rule.fix}"},
        "helpUri": DOCS_URL.format(id=rule.id),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": props,
    }


def _result(report: Report, f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule.id,
        "ruleIndex": index,
        "level": LEVEL[f.rule.severity],
        "message": {"text": f.message if f.cell is None else f"{f.message} (notebook cell {f.cell})"},
    }
    # code scanning needs a location: repository-level findings point at the audited folder
    artifact = artifact_uri(report.display_path(f.path))
    region = {"startLine": f.line} if f.line else None
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact, "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {"mlopsAudit/v1": f.fingerprint}
    if f.baseline is not None:
        result["baselineState"] = "unchanged" if f.baseline == "known" else "new"
    if f.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
    return result


def artifact_uri(path: str) -> str:
    """A relative path (``/`` separators) as a URI reference: every byte outside RFC 3986's unreserved set
    percent-encoded, ``/`` kept (UTF-8 bytes; control characters as the visible escapes every report shows,
    U+FFFD where the name was not UTF-8)."""
    from mlops_audit.safetext import escape

    return quote(escape(path), safe="/", encoding="utf-8")


def _notifications(report: Report, index: dict[str, int]) -> list[dict[str, Any]]:
    """One note per rule that found more places than it lists ("50 of 60 shown")."""
    return [
        {"level": "note", "message": {"text": f"{r.rule.id}: {r.cap_note()}"},
         "associatedRule": {"id": r.rule.id, "index": index[r.rule.id]}}
        for r in report.results if r.status == "fail" and r.omitted
    ]


def sarif_dict(report: Report) -> dict[str, Any]:
    index = {r.rule.id: i for i, r in enumerate(report.results)}
    findings = [f for r in report.results for f in r.findings]
    notes = _notifications(report, index)
    invocations = [{"executionSuccessful": True, "toolExecutionNotifications": notes}] if notes else []
    coverage = report.coverage
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mlops-audit",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/mlops-audit/mlops-audit",
                "rules": [_rule(report, i) for i in range(len(report.results))],
            }},
            "results": [_result(report, f, index[f.rule.id]) for f in findings],
            **({"invocations": invocations} if invocations else {}),
            "properties": {"score": report.score, "level": report.level, "schemaVersion": SCHEMA_VERSION,
                           "levelAssessed": coverage.level_assessed, "rulesRun": coverage.run,
                           "rulesTotal": coverage.total,
                           **({"notShown": {r.rule.id: {"shown": len(r.findings), "total": r.evidence_total}
                                            for r in report.results if r.status == "fail" and r.omitted}}
                              if notes else {})},
        }],
    }


def render_sarif(report: Report) -> str:
    from mlops_audit.safetext import json_text

    return json_text(json.dumps(sarif_dict(report), indent=2, ensure_ascii=False)) + "\n"
