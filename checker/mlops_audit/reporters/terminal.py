"""Terminal report with rich: findings grouped by pillar, severity colours, fix hints, then what was accepted
and not checked, the pillar scores, and at the very end the score and level line and **Start here** (the few
rules that matter most for the next level; the CLI prints its verdict line after the report).

Plain text (no colour codes) when the output is not a terminal, with --no-color, or when NO_COLOR is set.
"""

from __future__ import annotations

import io
import os
import sys
from collections import defaultdict
from collections.abc import Callable

from mlops_audit.models import PILLARS, Report, RuleResult
from mlops_audit.reporters.advice import fix_pointer, hint, level_phrase, others_line, start_heading, start_here
from mlops_audit.safetext import escape as escape_controls

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_SHOWN = 8


def render_terminal(report: Report, *, color: bool | None = None, verbose: bool = False) -> str:
    from rich.console import Console
    from rich.markup import escape as escape_markup
    from rich.table import Table

    def escape(text: str) -> str:
        """Text from the repository: no control character (a file name's ANSI/OSC escape would retitle or
        clear the terminal) and no rich markup (a name like "[link=...]" styles nothing)."""
        return escape_markup(escape_controls(text))

    buf = io.StringIO()
    tty = sys.stdout.isatty()
    no_color = color is False or (color is None and (not tty or "NO_COLOR" in os.environ))
    console = Console(file=buf, force_terminal=not no_color, no_color=no_color, width=None if tty else 100,
                      highlight=False, emoji=False)
    p = console.print

    p(f"[bold]mlops-audit {report.tool_version}[/bold]  {escape(report.root)}")
    if report.ml_project:
        p(f"ML project: yes ({escape('; '.join(report.ml_evidence))})")
    else:
        p("ML project: no evidence found (ML-specific rules are not applicable)")
    for note in report.notes:
        p(f"[dim]note: {escape(note)}[/dim]")
    p()

    failing: dict[str, list[RuleResult]] = defaultdict(list)
    for r in report.results:
        if r.status in ("fail", "error"):
            failing[r.rule.pillar].append(r)
    if not failing:
        p("[bold green]No findings.[/bold green]")
    for pillar in PILLARS:
        results = failing.get(pillar)
        if not results:
            continue
        p(f"[bold underline]{pillar.capitalize()}[/bold underline]")
        for r in sorted(results, key=lambda r: (-{"error": 3, "warning": 2, "info": 1}[r.rule.severity], r.rule.id)):
            sev = r.rule.severity
            if r.status == "error":
                p(f"  [magenta]rule error[/magenta] [bold]{r.rule.id}[/bold] {escape(r.rule.title)}: "
                  f"{escape(r.reason)}")
                continue
            p(f"  [{STYLE[sev]}]{sev:<7}[/{STYLE[sev]}] [bold]{r.rule.id}[/bold] {escape(r.rule.title)}")
            active = [f for f in r.findings if f.suppressed is None]
            shown = active if verbose else active[:MAX_SHOWN]
            for f in shown:
                if not f.location and f.message == r.rule.title:
                    continue  # a repository-level finding: the title already says it
                where = f"{escape(f.location)}: " if f.location else ""
                known = " [dim](known, in baseline)[/dim]" if f.baseline == "known" else ""
                p(f"      {where}{escape(f.message)}{known}", soft_wrap=True)
            if len(active) > len(shown):
                p(f"      [dim]... and {len(active) - len(shown)} more (--verbose shows all)[/dim]")
            if r.omitted:
                p(f"      [dim]{escape(r.cap_note())}[/dim]")
            p(f"      [dim]fix:[/dim] {escape(hint(r.rule))}  "
              f"[dim](mlops-audit explain {r.rule.id})[/dim]", soft_wrap=True)
        p()

    suppressed = [f for r in report.results for f in r.findings if f.suppressed is not None]
    ignored = [r for r in report.results if r.status == "ignored"]
    na = [r for r in report.results if r.status == "not_applicable"]
    if ignored or suppressed:
        p("[bold]Accepted (ignored in configuration or suppressed inline)[/bold]")
        for r in ignored:
            p(f"  {r.rule.id} {escape(r.rule.title)}: [dim]{escape(r.reason)}[/dim]", soft_wrap=True)
        for f in suppressed:
            p(f"  {f.rule.id} {escape(f.location)}: [dim]{escape(f.suppressed or '')}[/dim]", soft_wrap=True)
        p()
    if na:
        by_reason: dict[str, list[str]] = defaultdict(list)
        for r in na:
            by_reason[r.reason].append(r.rule.id)
        p(f"[bold]Not checked[/bold] ({len(na)} rules not applicable)")
        for reason, ids in by_reason.items():
            p(f"  [dim]{', '.join(ids)}: {escape(reason)}[/dim]", soft_wrap=True)
        p()

    table = Table(title=None, box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("pillar")
    table.add_column("score", justify="right")
    table.add_column("pass", justify="right")
    table.add_column("fail", justify="right")
    table.add_column("n/a", justify="right")
    for ps in report.pillars:
        if ps.score is None and not ps.not_applicable:
            continue
        score = "-" if ps.score is None else str(ps.score)
        style = "" if ps.score is None else ("green" if ps.score >= 80 else "yellow" if ps.score >= 50 else "red")
        table.add_row(ps.pillar, f"[{style}]{score}[/{style}]" if style else score, str(ps.passed), str(ps.failed),
                      str(ps.not_applicable))
    p(table)
    p()
    findings = report.findings
    counts = ", ".join(f"{sum(f.rule.severity == s for f in findings)} {s}" for s in ("error", "warning", "info"))
    p(f"[bold]Score {report.score}/100[/bold]   [bold]{escape(level_phrase(report))}[/bold]   findings: {counts}",
      soft_wrap=True)
    if report.baseline_fixed is not None:
        new = sum(f.baseline == "new" for f in findings)
        p(f"Baseline: {new} new, {len(findings) - new} known, {report.baseline_fixed} fixed since it was recorded")
    _start_here(report, p, escape)
    return buf.getvalue()


def _start_here(report: Report, p: Callable[..., None], escape: Callable[[str], str]) -> None:
    """The report's last block: the rules to start with, most important first, and what `fix` can do."""
    start = start_here(report)
    if start.empty:
        return
    p(f"[bold]Start here.[/bold] {escape(start_heading(report, start))}", soft_wrap=True)
    width = max((len(i.rule.id) for i in start.items), default=0)
    for n, item in enumerate(start.items, 1):
        sev = item.rule.severity
        how = f"[green]{item.how():<12}[/green]" if item.automatic else f"{item.how():<12}"
        p(f"  {n}. [bold]{item.rule.id:<{width}}[/bold]  [{STYLE[sev]}]{sev:<7}[/{STYLE[sev]}]  "
          f"blocks level {item.rule.level}  {item.where():<10}  {how}  {escape(item.rule.title)}", soft_wrap=True)
    others = others_line(start)
    if others:
        p(f"  {escape(others)}", soft_wrap=True)
    pointer = fix_pointer(start)
    if pointer:
        p(f"  [bold]{escape(pointer)}[/bold]", soft_wrap=True)
