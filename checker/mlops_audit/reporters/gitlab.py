"""GitLab Code Quality report (a JSON array of issues, CodeClimate subset)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlops_audit.models import Report, Rule
from mlops_audit.reporters.json import DOCS_URL

SEVERITY = {"error": "critical", "warning": "major", "info": "info"}


def _issue(report: Report, rule: Rule, text: str, key: str, path: str | None, line: int | None) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": rule.id,
        "description": f"{rule.id} {rule.title}: {text}",
        "content": {"body": f"{rule.fix}\n\n[{rule.id} documentation]({DOCS_URL.format(id=rule.id)})"},
        "categories": ["Bug Risk" if rule.severity == "error" else "Style"],
        "severity": SEVERITY[rule.severity],
        "fingerprint": hashlib.md5(key.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest(),
        "location": {"path": report.display_path(path), "lines": {"begin": line or 1}},
        "engine_name": f"mlops-audit {report.tool_version}",
    }


def gitlab_list(report: Report) -> list[dict[str, Any]]:
    issues = []
    for f in report.findings:
        key = f"{f.rule.id}\0{f.path or ''}\0{f.line or ''}\0{f.cell or ''}\0{f.message}"
        issues.append(_issue(report, f.rule, f.message, key, f.path, f.line))
    for r in report.results:  # a rule that found more places than it lists says so, as an issue of its own
        if r.status == "fail" and r.omitted:
            issues.append(_issue(report, r.rule, r.cap_note(), f"{r.rule.id}\0not-shown", None, None))
    return issues


def render_gitlab(report: Report) -> str:
    from mlops_audit.safetext import json_text

    return json_text(json.dumps(gitlab_list(report), indent=2, ensure_ascii=False)) + "\n"
