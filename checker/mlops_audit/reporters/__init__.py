"""Reporters turn a Report into one output format each; no rule or format logic crosses over."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from mlops_audit.models import Report

# format -> (module, function); each module is imported only when its format is asked for
RENDERERS: dict[str, tuple[str, str]] = {
    "terminal": ("terminal", "render_terminal"),
    "json": ("json", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "markdown": ("markdown", "render_markdown"),
    "html": ("html", "render_html"),
    "gitlab": ("gitlab", "render_gitlab"),
    "junit": ("junit", "render_junit"),
    "badge": ("badge", "render_badge"),
}
FORMATS = tuple(RENDERERS)


JSON_FORMATS = ("json", "sarif", "gitlab", "badge")


def render(report: Report, fmt: str, *, color: bool | None = None, verbose: bool = False) -> str:
    """The report in ``fmt`` as text (terminal output is rendered to a string, not printed)."""
    module, function = RENDERERS[fmt]
    renderer: Any = getattr(import_module(f"mlops_audit.reporters.{module}"), function)
    if fmt == "terminal":
        return safe_output(str(renderer(report, color=color, verbose=verbose)), fmt)
    return safe_output(str(renderer(report)), fmt)


def safe_output(text: str, fmt: str) -> str:
    """The last line of defence (each reporter already escapes what the repository wrote, and findings arrive
    escaped): no control character, bidi override or undecodable byte leaves in any format. JSON formats get
    JSON escapes (the parsed document is unchanged), the terminal keeps its colour sequences, the others get
    visible escapes."""
    from mlops_audit import safetext

    if fmt in JSON_FORMATS:
        return safetext.json_text(text)
    if fmt == "terminal":
        return safetext.escape_terminal(text)
    return safetext.escape(text, keep_newlines=True)
