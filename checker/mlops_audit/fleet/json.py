"""The fleet report as JSON (schema: docs/schema/fleet-v1.schema.json). Text from the reports is JSON-escaped
and its control characters are ``\\u`` escapes (see :func:`mlops_audit.safetext.json_text`), so the document
is safe to print."""

from __future__ import annotations

import json
from typing import Any


def render_json(doc: dict[str, Any]) -> str:
    from mlops_audit.safetext import json_text

    return json_text(json.dumps(doc, indent=1, ensure_ascii=False)) + "\n"
