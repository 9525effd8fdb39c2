"""Reporters turn a Report into one output format each; no rule or format logic crosses over."""

from __future__ import annotations

from mlops_audit.models import Report

FORMATS = ("terminal", "json")


def render(report: Report, fmt: str, *, color: bool | None = None, verbose: bool = False) -> str:
    """The report in ``fmt`` as text (terminal output is rendered to a string when not printed)."""
    if fmt == "json":
        from mlops_audit.reporters.json import render_json

        return render_json(report)
    from mlops_audit.reporters.terminal import render_terminal

    return render_terminal(report, color=color, verbose=verbose)
