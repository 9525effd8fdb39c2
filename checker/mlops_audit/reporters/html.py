"""One self-contained HTML file (no CDN, no script, no network): score and level, **Start here** (see
:mod:`.advice`), level ladder, per-pillar chart, findings with their why and fix. Readable on screen and
printable."""

from __future__ import annotations

from collections import defaultdict
from html import escape as escape_html

from mlops_audit.models import PILLARS, Finding, Report, Rule, RuleResult
from mlops_audit.reporters.advice import automatic, fix_pointer, level_phrase, others_line, start_heading, start_here
from mlops_audit.reporters.json import DOCS_URL, SCHEMA_VERSION
from mlops_audit.safetext import escape as escape_controls
from mlops_audit.scoring import LEVEL_NAMES

CSS = """
:root{--err:#c62828;--warn:#e08600;--info:#1565c0;--ok:#2e7d32;--muted:#666;--line:#ddd}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222}
main{max-width:1000px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}h2{margin-top:32px;
border-bottom:2px solid var(--line);padding-bottom:4px}.muted{color:var(--muted)}.cards{display:flex;gap:16px;
flex-wrap:wrap;margin:16px 0}.card{border:1px solid var(--line);border-radius:8px;padding:12px 18px;min-width:160px}
.big{font-size:34px;font-weight:700}.ladder{display:flex;gap:6px;margin:12px 0}.step{flex:1;border-radius:6px;
padding:8px;border:1px solid var(--line);font-size:13px}.step.done{background:#e8f5e9;border-color:#a5d6a7}
.step.now{outline:3px solid var(--ok)}.sev{display:inline-block;min-width:64px;text-align:center;border-radius:4px;
color:#fff;font-size:12px;padding:1px 6px;font-weight:600}.error{background:var(--err)}.warning{background:var(--warn)}
.info{background:var(--info)}.rule{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0;
break-inside:avoid}.rule h3{margin:0;font-size:16px}.loc{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:13px}ul.ev{margin:6px 0;padding-left:20px}details{margin-top:6px}pre{background:#f6f8fa;padding:10px;
border-radius:6px;overflow-x:auto;white-space:pre-wrap;font-size:13px}table{border-collapse:collapse}
td,th{padding:3px 10px;text-align:left;border-bottom:1px solid var(--line)}
.start{border:2px solid var(--ok);border-radius:8px;padding:4px 18px 10px;margin:16px 0}.start h2{margin-top:10px;
border:0}.start li{margin:4px 0}
@media print{main{max-width:none;padding:0}details{display:block}details>*{display:block}a{color:inherit}
.rule{page-break-inside:avoid}}
"""


def escape(text: str, *, lines: bool = False) -> str:
    """Text (from the repository, often) as HTML text or attribute value: markup characters as entities, and
    control characters (which HTML forbids, and which would reach a terminal that shows the file) as visible
    escapes; ``lines`` keeps newlines and tabs (for ``<pre>``)."""
    return escape_html(escape_controls(text, keep_newlines=lines), quote=True)


def _bar_chart(report: Report) -> str:
    rows = [p for p in report.pillars if p.score is not None or p.not_applicable]
    height = 26 * len(rows) + 10
    parts = [f'<svg role="img" aria-label="Score by pillar" width="640" height="{height}" '
             f'viewBox="0 0 640 {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, p in enumerate(rows):
        y = 5 + i * 26
        parts.append(f'<text x="0" y="{y + 15}" font-size="13" fill="#222">{escape(p.pillar)}</text>')
        parts.append(f'<rect x="130" y="{y}" width="440" height="18" fill="#eee" rx="3"/>')
        if p.score is None:
            parts.append(f'<text x="580" y="{y + 14}" font-size="12" fill="#666">n/a</text>')
            continue
        color = "#2e7d32" if p.score >= 80 else "#e08600" if p.score >= 50 else "#c62828"
        parts.append(f'<rect x="130" y="{y}" width="{4.4 * p.score:.1f}" height="18" fill="{color}" rx="3"/>')
        parts.append(f'<text x="580" y="{y + 14}" font-size="12" fill="#222">{p.score}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _start_here(report: Report) -> str:
    start = start_here(report)
    if start.empty:
        return ""
    items = "".join(
        f'<li><a href="#{p.rule.id}">{p.rule.id}</a> {escape(p.rule.title)} '
        f'<span class="sev {p.rule.severity}">{p.rule.severity}</span> '
        f'<span class="muted">blocks level {p.rule.level} · {escape(p.where())} · '
        f'{"<code>mlops-audit " + escape(p.automatic) + "</code>" if p.automatic else "by hand"}</span></li>'
        for p in start.items
    )
    others, pointer = others_line(start), fix_pointer(start)
    return (f'<section class="start"><h2>Start here</h2><p>{escape(start_heading(report, start))}</p>'
            + (f"<ol>{items}</ol>" if items else "")
            + (f"<p>{escape(others)}</p>" if others else "")
            + (f"<p><code>mlops-audit fix --dry-run</code>"
               f"{escape(pointer.removeprefix('mlops-audit fix --dry-run'))}.</p>" if pointer else "")
            + "</section>")


def _ladder(report: Report) -> str:
    steps = []
    assessed = report.coverage.level_assessed
    for level in range(4):
        cls = "step done" if assessed and level <= report.level else "step"
        if assessed and level == report.level:
            cls += " now"
        steps.append(f'<div class="{cls}"><b>Level {level}</b><br>{escape(LEVEL_NAMES[level])}</div>')
    return '<div class="ladder">' + "".join(steps) + "</div>"


def _rule_block(result: RuleResult, findings: list[Finding]) -> str:
    rule = result.rule
    items = "".join(
        f'<li><span class="loc">{escape(f.location or "repository")}</span>: {escape(f.message)}</li>'
        for f in findings if f.location or f.message != rule.title  # the title already says it
    )
    if result.omitted:
        items += f'<li class="more">{escape(result.cap_note())}</li>'
    return (
        f'<div class="rule" id="{rule.id}"><h3><span class="sev {rule.severity}">{rule.severity}</span> '
        f'<a href="{DOCS_URL.format(id=rule.id)}">{rule.id}</a> {escape(rule.title)}</h3>'
        f'<ul class="ev">{items}</ul>'
        f"<details><summary>Why it matters</summary><p>{escape(rule.why, lines=True)}</p></details>"
        f"<details open><summary>How to fix</summary><pre>{escape(rule.fix, lines=True)}</pre>{_automatic(rule)}"
        "</details></div>"
    )


def _automatic(rule: Rule) -> str:
    if automatic(rule) is None:
        return ""
    from mlops_audit.fix import REMEDIES

    return f"<p>Automatic fix: <code>mlops-audit fix --select {rule.id}</code> {escape(REMEDIES[rule.id])}.</p>"


def _level_card(report: Report) -> str:
    cov = report.coverage
    if not cov.level_assessed:
        return ('<div class="card"><div class="muted">Maturity level</div><div class="big">-</div>'
                f"<div>{escape(level_phrase(report))}</div></div>")
    runs = "" if cov.complete else f'<div class="muted">{escape(cov.phrase())}</div>'
    return (f'<div class="card"><div class="muted">Maturity level</div><div class="big">{report.level}</div>'
            f"<div>{escape(LEVEL_NAMES[report.level])}</div>{runs}</div>")


def render_html(report: Report) -> str:
    findings = report.findings
    counts = {s: sum(f.rule.severity == s for f in findings) for s in ("error", "warning", "info")}
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule.id].append(f)
    sections = []
    for pillar in PILLARS:
        rules = [r for r in report.results if r.rule.pillar == pillar and r.rule.id in by_rule]
        if rules:
            blocks = "".join(_rule_block(r, by_rule[r.rule.id]) for r in rules)
            sections.append(f"<h2>{escape(pillar.capitalize())}</h2>{blocks}")
    next_level = ""
    if report.coverage.level_assessed and report.level < 3 and report.next_level:
        items = "".join(f'<li><a href="#{r.id}">{r.id}</a> {escape(r.title)}</li>' for r in report.next_level)
        next_level = (f"<h2>What gets you to level {report.level + 1}</h2>"
                      f"<p>{escape(LEVEL_NAMES[report.level + 1])}: resolve</p><ul>{items}</ul>")
    not_checked = "".join(
        f"<tr><td>{r.rule.id}</td><td>{escape(r.status.replace('_', ' '))}</td><td>{escape(r.reason)}</td></tr>"
        for r in report.results if r.status in ("not_applicable", "ignored")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="mlops-audit {escape(report.tool_version)}; report schema {SCHEMA_VERSION}">
<title>mlops-audit report: {escape(report.root)}</title><style>{CSS}</style></head>
<body><main>
<h1>mlops-audit report</h1>
<div class="muted">{escape(report.root)} · mlops-audit {escape(report.tool_version)}</div>
<div class="cards">
<div class="card"><div class="muted">Score</div><div class="big">{report.score}<small>/100</small></div></div>
{_level_card(report)}
<div class="card"><div class="muted">Findings</div><div>
<span class="sev error">{counts["error"]} error</span>
<span class="sev warning">{counts["warning"]} warning</span>
<span class="sev info">{counts["info"]} info</span></div></div>
</div>
{_start_here(report)}
{_ladder(report)}
<h2>Score by pillar</h2>
{_bar_chart(report)}
{next_level}
{"".join(sections) or "<h2>No findings</h2>"}
<h2>Not checked</h2>
<table><tr><th>rule</th><th>status</th><th>why</th></tr>{not_checked}</table>
</main></body></html>
"""
