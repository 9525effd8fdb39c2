"""Markdown for $GITHUB_STEP_SUMMARY and pull-request comments.

Every text from the audited repository (paths, messages quoting its code, reasons, custom rule titles) goes
through :func:`text` or :func:`code`: it can neither break a table (``|``, a newline), nor open a code span or
a link, nor inject HTML (``<script>``, ``<img onerror>``) into a comment that others read.

The header names the repository by its folder (relative to the working directory in a monorepo), never by an
absolute local path; the score and level are followed by **Start here** (see :mod:`.advice`); each rule's
findings come with its whole fix in a collapsible ``<details>``."""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape as escape_html
from pathlib import Path

from mlops_audit.models import PILLARS, Finding, Report, Rule
from mlops_audit.reporters.advice import automatic, fix_pointer, level_phrase, others_line, start_heading, start_here
from mlops_audit.reporters.json import DOCS_URL, SCHEMA_VERSION
from mlops_audit.safetext import escape
from mlops_audit.scoring import LEVEL_NAMES

ICON = {"error": "🔴", "warning": "🟠", "info": "🔵"}
# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start markup inline
_MARKUP = re.compile(r"([\\`*_\[\]~|!#$^])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_HTML = re.compile(r'[&<>"]')
_TICKS = re.compile(r"`+")


def text(value: str) -> str:
    """``value`` as literal inline Markdown text, fit for a table cell: controls escaped visibly, markup and
    ``|`` backslash-escaped, ``& < > "`` as entities (so no tag, entity or autolink can form)."""
    value = escape(value)
    value = _MARKUP.sub(r"\\\1", value)
    return _HTML.sub(lambda m: _ENTITIES[m.group(0)], value)


def code(value: str) -> str:
    """``value`` as an inline code span, fit for a table cell: a fence longer than any run of backticks in it
    (a name holding a backtick cannot close the span), ``|`` escaped for the table (GFM unescapes it in the
    cell before reading the span). Inside a code span nothing is HTML or markup. A backslash before a pipe
    would escape the table's own escape: such a value is shown as :func:`text` instead."""
    value = escape(value)
    if "|" in value and "\\" in value:
        return text(value)
    value = value.replace("|", "\\|")
    longest = max((len(m.group(0)) for m in _TICKS.finditer(value)), default=0)
    fence = "`" * (longest + 1)
    if value.startswith(("`", " ")) or value.endswith(("`", " ")):
        value = f" {value} "  # CommonMark strips one space each side: the value keeps its own
    return f"{fence}{value}{fence}"


def _where(f: Finding) -> str:
    return code(f.location) if f.location else "repository"


def html_text(value: str) -> str:
    """``value`` as text inside an HTML block (a ``<summary>``), where Markdown is not read: entities only."""
    return escape_html(escape(value), quote=True)


def repository_name(report: Report) -> str:
    """The audited folder as a reader of the comment knows it: its path from the working directory when it is
    below it (a monorepo's ``services/api``), else its own name; never the absolute path of the machine that
    ran the audit."""
    shown = report.display_path(None)
    return shown if shown != "." else (Path(report.root).name or ".")


def fix_block(rule: Rule) -> list[str]:
    """The rule's whole fix, collapsed. A built-in rule's fix is the catalogue's own Markdown (code blocks,
    lists); a custom rule's comes from the audited repository's configuration, so it is shown as a fenced code
    block (a fence longer than any run of backticks in it): nothing in it is read as Markdown or HTML."""
    body = rule.fix.strip()
    if rule.source != "builtin":
        longest = max((len(m.group(0)) for m in _TICKS.finditer(body)), default=0)
        fence = "`" * max(3, longest + 1)
        body = f"{fence}text\n{escape(body, keep_newlines=True)}\n{fence}"
    out = [f"<details><summary>How to fix {rule.id}: {html_text(rule.title)}</summary>", "", body, ""]
    if automatic(rule) is not None:
        from mlops_audit.fix import REMEDIES

        out += [f"Automatic fix: `mlops-audit fix --select {rule.id}` {REMEDIES[rule.id]}.", ""]  # our own text
    return [*out, "</details>", ""]


def _start_here(report: Report) -> list[str]:
    start = start_here(report)
    if start.empty:
        return []
    out = [f"### Start here: {text(start_heading(report, start))}", ""]
    if start.items:
        out += ["| rule | severity | blocks | places | automatic fix |", "|---|---|---:|---|---|"]
        for item in start.items:
            rule = item.rule
            how = f"`mlops-audit {item.automatic}`" if item.automatic else "by hand"
            out.append(f"| [{rule.id}]({DOCS_URL.format(id=rule.id)}) {text(rule.title)} | "
                       f"{ICON[rule.severity]} {rule.severity} | level {rule.level} | {item.where()} | {how} |")
        out.append("")
    others = others_line(start)
    if others:
        out += [text(others), ""]
    pointer = fix_pointer(start)
    if pointer:
        out += [f"`mlops-audit fix --dry-run`{text(pointer.removeprefix('mlops-audit fix --dry-run'))}.", ""]
    return out


def render_markdown(report: Report, *, known: set[int] | None = None) -> str:
    """The report as GitHub-flavoured Markdown; ``known`` marks baseline findings by ``id()``."""
    findings = report.findings
    counts = {s: sum(f.rule.severity == s for f in findings) for s in ("error", "warning", "info")}
    out = [
        f"## mlops-audit: score {report.score}/100, {text(level_phrase(report, word='level'))}",
        "",
        f"{ICON['error']} {counts['error']} errors · {ICON['warning']} {counts['warning']} warnings · "
        f"{ICON['info']} {counts['info']} info · {code(repository_name(report))}",
        "",
        *_start_here(report),
        "| pillar | score | pass | fail | not applicable |",
        "|---|---:|---:|---:|---:|",
    ]
    for p in report.pillars:
        if p.score is None and not p.not_applicable:
            continue
        out.append(f"| {p.pillar} | {'-' if p.score is None else p.score} | {p.passed} | {p.failed} | "
                   f"{p.not_applicable} |")
    out.append("")
    if report.coverage.level_assessed and report.level < 3 and report.next_level:
        out.append(f"<details><summary>What gets you to level {report.level + 1} "
                   f"({LEVEL_NAMES[report.level + 1]}): {len(report.next_level)} rule(s)</summary>")
        out.append("")
        for rule in report.next_level:
            out.append(f"- [ ] [{rule.id}]({DOCS_URL.format(id=rule.id)}) {text(rule.title)}")
        out.append("")
        out.append("</details>")
        out.append("")
    by_pillar: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_pillar[f.rule.pillar].append(f)
    capped = {r.rule.id: r for r in report.results if r.status == "fail" and r.omitted}
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
        last = {f.rule.id: i for i, f in enumerate(items)}
        rules: dict[str, Rule] = {}
        for i, f in enumerate(items):
            rules.setdefault(f.rule.id, f.rule)
            tag = " (known)" if known is not None and id(f) in known else ""
            out.append(f"| {ICON[f.rule.severity]} | [{f.rule.id}]({DOCS_URL.format(id=f.rule.id)}) "
                       f"{text(f.rule.title)}{tag} | {_where(f)} | {text(f.message)} |")
            if f.rule.id in capped and last[f.rule.id] == i:
                out.append(f"| {ICON[f.rule.severity]} | [{f.rule.id}]({DOCS_URL.format(id=f.rule.id)}) "
                           f"{text(f.rule.title)} | … | {text(capped[f.rule.id].cap_note())} |")
        out.append("")
        for rule in rules.values():
            out.extend(fix_block(rule))
        out.append("</details>")
        out.append("")
    na = [r for r in report.results if r.status in ("not_applicable", "ignored")]
    if na:
        out.append(f"<details><summary>Not checked: {len(na)} rule(s)</summary>")
        out.append("")
        for r in na:
            out.append(f"- {r.rule.id} ({r.status.replace('_', ' ')}): {text(r.reason)}")
        out.append("")
        out.append("</details>")
        out.append("")
    out.append(f"<sub>mlops-audit {report.tool_version} · report schema {SCHEMA_VERSION}</sub>")
    return "\n".join(out) + "\n"
