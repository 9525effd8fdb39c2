"""Markdown for $GITHUB_STEP_SUMMARY and pull-request comments."""

from __future__ import annotations

from collections import defaultdict

from mlops_audit.models import PILLARS, Finding, Report
from mlops_audit.reporters.json import DOCS_URL, SCHEMA_VERSION
from mlops_audit.scoring import LEVEL_NAMES

ICON = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(f: Finding) -> str:
    return f"`{f.location}`" if f.location else "repository"


def render_markdown(report: Report, *, known: set[int] | None = None) -> str:
    """The report as GitHub-flavoured Markdown; ``known`` marks baseline findings by ``id()``."""
    findings = report.findings
    counts = {s: sum(f.rule.severity == s for f in findings) for s in ("error", "warning", "info")}
    out = [
        f"## mlops-audit: score {report.score}/100, level {report.level} ({LEVEL_NAMES[report.level]})",
        "",
        f"{ICON['error']} {counts['error']} errors · {ICON['warning']} {counts['warning']} warnings · "
        f"{ICON['info']} {counts['info']} info · `{report.root}`",
        "",
        "| pillar | score | pass | fail | not applicable |",
        "|---|---:|---:|---:|---:|",
    ]
    for p in report.pillars:
        if p.score is None and not p.not_applicable:
            continue
        out.append(f"| {p.pillar} | {'-' if p.score is None else p.score} | {p.passed} | {p.failed} | "
                   f"{p.not_applicable} |")
    out.append("")
    if report.level < 3 and report.next_level:
        out.append(f"### What gets you to level {report.level + 1} ({LEVEL_NAMES[report.level + 1]})")
        out.append("")
        for rule in report.next_level:
            out.append(f"- [ ] [{rule.id}]({DOCS_URL.format(id=rule.id)}) {rule.title}")
        out.append("")
    by_pillar: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_pillar[f.rule.pillar].append(f)
    if findings:
        out.append("### Findings")
        out.append("")
    for pillar in PILLARS:
        items = by_pillar.get(pillar)
        if not items:
            continue
        out.append(f"<details><summary><b>{pillar.capitalize()}</b>: {len(items)} finding(s)</summary>")
        out.append("")
        out.append("| | rule | where | message |")
        out.append("|---|---|---|---|")
        for f in items:
            tag = " (known)" if known is not None and id(f) in known else ""
            out.append(f"| {ICON[f.rule.severity]} | [{f.rule.id}]({DOCS_URL.format(id=f.rule.id)}) "
                       f"{_cell(f.rule.title)}{tag} | {_where(f)} | {_cell(f.message)} |")
        out.append("")
        out.append("</details>")
        out.append("")
    na = [r for r in report.results if r.status in ("not_applicable", "ignored")]
    if na:
        out.append(f"<details><summary>Not checked: {len(na)} rule(s)</summary>")
        out.append("")
        for r in na:
            out.append(f"- {r.rule.id} ({r.status.replace('_', ' ')}): {_cell(r.reason)}")
        out.append("")
        out.append("</details>")
        out.append("")
    out.append(f"<sub>mlops-audit {report.tool_version} · report schema {SCHEMA_VERSION}</sub>")
    return "\n".join(out) + "\n"
