"""The ``mlops-audit fleet`` command: many JSON reports (or, with ``--audit``, local checkouts audited in
parallel) aggregated into one fleet report, in Markdown (default), JSON or HTML.

Exit codes: 0 the fleet report was written; 1 with ``--strict``, when an input was skipped or the reports do
not all come from the same tool version and catalogue; 2 a usage mistake (one line naming the option), or no
report could be read at all. Each input that is not a report is said on stderr, one line each, and skipped.

This module is imported by the CLI to register the command: it imports only typer and the standard library;
the rest is imported when the command runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

FORMATS = ("markdown", "json", "html")
PREFIX = "mlops-audit: fleet:"


class FleetUsageError(Exception):
    """A usage mistake: one line, exit code 2."""


def _say(message: str) -> None:
    from mlops_audit.checkcmd import say

    say(message)


def _report_url(template: str | None) -> str | None:
    if template is None:
        return None
    if "{name}" not in template:
        raise FleetUsageError("--report-url must contain {name} (e.g. https://ci.example.com/audit/{name}.html)")
    from urllib.parse import urlsplit

    scheme = urlsplit(template.replace("{name}", "x")).scheme.lower()
    if scheme not in ("", "http", "https"):
        raise FleetUsageError(f"--report-url must be an http(s) URL or a relative path (got scheme {scheme!r})")
    return template


def _linker(output: Path | None, template: str | None) -> Any:
    """Each repository's link to its own report: ``template`` with its name, else the HTML report beside its
    JSON report when there is one (``NAME.html`` next to ``NAME.json``), else the JSON report, as a path
    relative to the fleet report's folder."""
    from urllib.parse import quote

    from mlops_audit.fleet.reading import Entry

    base = (output.parent if output is not None else Path(".")).resolve()

    def link(entry: Entry) -> str | None:
        if template is not None:
            return template.replace("{name}", quote(entry.name, safe="/"))
        if entry.file is None:
            return None
        file = Path(entry.file)
        html = file.with_suffix(".html")
        target = html if file.suffix.lower() == ".json" and html.is_file() else file
        try:
            rel = os.path.relpath(target.resolve(), base)
        except ValueError:  # another drive (Windows)
            rel = str(target.resolve())
        return quote(Path(rel).as_posix(), safe="/")

    return link


def _previous(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    import json

    from mlops_audit.fleet.aggregate import PreviousError, check_previous

    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
        check_previous(doc)
    except OSError as exc:
        raise FleetUsageError(f"--previous {path}: cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = str(exc) if isinstance(exc, PreviousError) else "not JSON"
        raise FleetUsageError(f"--previous {path}: {why}") from None
    return doc  # type: ignore[no-any-return]


def run_fleet(reports: list[str], *, fmt: str = "markdown", output: Path | None = None,
              previous: Path | None = None, audit: bool = False, jobs: int | None = None, save: Path | None = None,
              report_url: str | None = None, rows: int = 100, strict: bool = False) -> int:
    """The command's work; the exit code."""
    try:
        return _run(reports, fmt, output, previous, audit, jobs, save, report_url, rows, strict)
    except FleetUsageError as exc:
        _say(f"mlops-audit: error: {exc}")
        return 2


def _run(reports: list[str], fmt: str, output: Path | None, previous: Path | None, audit: bool, jobs: int | None,
         save: Path | None, report_url: str | None, rows: int, strict: bool) -> int:
    if fmt not in FORMATS:
        raise FleetUsageError(f"--format must be one of {', '.join(FORMATS)}")
    if not reports:
        raise FleetUsageError("give report files, folders or - (a stream), or --audit DIR...")
    if jobs is not None and jobs < 1:
        raise FleetUsageError("--jobs must be at least 1")
    if save is not None and not audit:
        raise FleetUsageError("--save keeps the reports of --audit: use it with --audit")
    if rows < 0:
        raise FleetUsageError("--rows must be 0 (all) or more")
    if audit and "-" in reports:
        raise FleetUsageError("--audit takes folders to audit, not - (a stream of reports)")
    template = _report_url(report_url)
    prev = _previous(previous)
    if save is not None:
        try:
            save.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FleetUsageError(f"--save {save}: {exc.strerror or exc}") from None
    if audit:
        from mlops_audit.checkcmd import progress_bar
        from mlops_audit.fleet.audit import audit_all

        with progress_bar(enabled=True, label=f"{len(reports)} checkouts", color="NO_COLOR" not in os.environ) as t:
            reading = audit_all(reports, jobs=jobs, save=save, progress=t)
    else:
        from mlops_audit.fleet.reading import read_sources

        reading = read_sources(reports)
    for source, reason in reading.skipped:
        _say(f"{PREFIX} {source}: {reason}")
    if not reading.entries:
        _say(f"mlops-audit: error: no report could be read from {len(reports)} input(s)")
        return 2
    from mlops_audit.fleet.aggregate import aggregate

    doc = aggregate(reading, previous=prev, link=_linker(output, template))
    text = _render(doc, fmt, rows)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise FleetUsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    versions = doc["versions"]
    if versions["mixed"]:
        _say(f"{PREFIX} warning: {versions['reports_not_matching']} of {len(reading.entries)} reports were not made "
             f"with mlops-audit {versions['reference']['tool']} and catalogue {versions['reference']['catalogue']} "
             "(flagged in the report)")
    skipped = f", {len(reading.skipped)} input(s) skipped" if reading.skipped else ""
    _say(f"{PREFIX} {len(reading.entries)} repositories{skipped}")
    return 1 if strict and (reading.skipped or versions["mixed"]) else 0


def _render(doc: dict[str, Any], fmt: str, rows: int) -> str:
    from mlops_audit.safetext import escape

    if fmt == "json":
        from mlops_audit.fleet.json import render_json

        return render_json(doc)
    if fmt == "html":
        from mlops_audit.fleet.html import render_html

        return escape(render_html(doc), keep_newlines=True)
    from mlops_audit.fleet.markdown import render_markdown

    return escape(render_markdown(doc, rows=rows), keep_newlines=True)


def fleet_command(
    reports: Annotated[
        list[str] | None,
        typer.Argument(metavar="REPORTS...", help="JSON reports: files, folders (every *.json under them) or - (a "
                       "stream: JSON lines or concatenated reports); with --audit, checkouts to audit.",
                       show_default=False),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown, json or html.")] = "markdown",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the fleet report to this file.")]
    = None,
    previous: Annotated[
        Path | None, typer.Option(help="A previous fleet report (JSON): say what moved since.")
    ] = None,
    audit: Annotated[
        bool, typer.Option("--audit", help="REPORTS are local checkouts: audit them in parallel, then aggregate.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="With --audit: processes (default: one per core).")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="With --audit: keep each checkout's JSON report in this folder.")
    ] = None,
    report_url: Annotated[
        str | None, typer.Option(help="Link each repository to this URL, {name} replaced by its name.")
    ] = None,
    rows: Annotated[int, typer.Option(help="Markdown: the lowest-scoring N repositories (0: all).")] = 100,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when an input was skipped or versions are mixed.")
    ] = False,
) -> None:
    """Aggregate many repositories' JSON reports into one fleet report (levels, pillars heat map, the rules
    failing most, what moved)."""
    raise typer.Exit(run_fleet(reports or [], fmt=fmt, output=output, previous=previous, audit=audit, jobs=jobs,
                               save=save, report_url=report_url, rows=rows, strict=strict))
