"""GitLab Code Quality report (a JSON array of issues, CodeClimate subset)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlops_audit.models import Report
from mlops_audit.reporters.json import DOCS_URL

SEVERITY = {"error": "critical", "warning": "major", "info": "info"}


def gitlab_list(report: Report) -> list[dict[str, Any]]:
    issues = []
    for f in report.findings:
        key = f"{f.rule.id}\0{f.path or ''}\0{f.line or ''}\0{f.cell or ''}\0{f.message}"
        issues.append({
            "type": "issue",
            "check_name": f.rule.id,
            "description": f"{f.rule.id} {f.rule.title}: {f.message}",
            "content": {"body": f"{f.rule.fix}\n\n[{f.rule.id} documentation]({DOCS_URL.format(id=f.rule.id)})"},
            "categories": ["Bug Risk" if f.rule.severity == "error" else "Style"],
            "severity": SEVERITY[f.rule.severity],
            "fingerprint": hashlib.md5(key.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest(),
            "location": {"path": report.display_path(f.path), "lines": {"begin": f.line or 1}},
            "engine_name": f"mlops-audit {report.tool_version}",
        })
    return issues


def render_gitlab(report: Report) -> str:
    return json.dumps(gitlab_list(report), indent=2, ensure_ascii=False) + "\n"
