"""A shields.io endpoint badge: https://img.shields.io/endpoint?url=<where this JSON is served>."""

from __future__ import annotations

import json

from mlops_audit.models import Report


def badge_color(score: int) -> str:
    return "brightgreen" if score >= 90 else "green" if score >= 75 else "yellow" if score >= 50 else \
        "orange" if score >= 25 else "red"


def render_badge(report: Report) -> str:
    doc = {
        "schemaVersion": 1,
        "label": "mlops-audit",
        "message": f"{report.score}/100 · " + (f"level {report.level}" if report.coverage.level_assessed
                                                else "level not assessed"),
        "color": badge_color(report.score),
    }
    # shields.io rejects unknown keys in an endpoint document, so the versions cannot ride along here;
    # `schemaVersion` is the badge schema's own version.
    return json.dumps(doc, ensure_ascii=False) + "\n"
