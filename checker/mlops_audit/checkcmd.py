"""The ``check`` command's work, free of any command-line framework: validate the options, audit each path, gate,
render, write. The typer command (``cli.check``) and the fast path of ``entry.main`` both call :func:`run_check`,
so the two ways in cannot drift apart."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_audit.config import Config
    from mlops_audit.models import Report


class UsageError(Exception):
    """A bad option, path or configuration: printed as one ``mlops-audit: error:`` line, exit code 2."""


def say(message: str) -> None:
    """One line on stderr; what it quotes (a path, a config value, an error from a parser) may come from the
    audited repository: control characters escaped, secrets masked."""
    from mlops_audit.models import shown

    print(shown(message), file=sys.stderr)


def split_codes(values: list[str] | None) -> list[str] | None:
    """``--select A,B --select C`` -> ["A", "B", "C"]; None when nothing was given."""
    if not values:
        return None
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _check_codes(codes: list[str] | None, known: list[str], names: list[str], option: str) -> None:
    for code in codes or []:
        if code.upper() != "ALL" and code.lower() not in names and not any(k.startswith(code.upper()) for k in known):
            raise UsageError(f"{option}: no rule matches {code!r} (see `mlops-audit rules`)")


def validate_codes(cfg: Config, sel: list[str] | None, ign: list[str] | None, *, cache: bool = True) -> None:
    from mlops_audit.catalogue import all_rules

    rules, _ = all_rules(cfg.custom_rules, cache=cache)
    known, names = [r.id for r in rules], [r.name for r in rules]
    _check_codes(sel, known, names, "--select")
    _check_codes(ign, known, names, "--ignore")


def config_for(path: Path, explicit: Path | None) -> Config:
    from mlops_audit.config import ConfigError, discover, load_explicit

    try:
        return load_explicit(explicit) if explicit is not None else discover(path.resolve())
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def progress_bar(*, enabled: bool, label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A transient progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes)."""
    if not enabled or not sys.stderr.isatty() or "CI" in os.environ:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ)
    from rich.markup import escape as escape_markup

    from mlops_audit.safetext import escape

    with Progress(TextColumn("auditing {task.description}"), BarColumn(), TextColumn("{task.fields[rule]}"),
                  console=console, transient=True) as bar:
        task = bar.add_task(escape_markup(escape(label)), total=None, rule="")

        def tick(done: int, total: int, rule_id: str) -> None:
            bar.update(task, completed=done, total=total, rule=rule_id)

        yield tick


def run_check(
    paths: list[Path] | None = None,
    fmt: str = "terminal",
    output: Path | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    min_score: int | None = None,
    min_level: int | None = None,
    baseline: Path | None = None,
    config: Path | None = None,
    no_color: bool = False,
    quiet: bool = False,
    verbose: bool = False,
    exit_zero: bool = False,
    no_cache: bool = False,
) -> int:
    """Audit ``paths`` and print or write the report; the exit code (0 pass, 1 gate failed, 2 usage error)."""
    try:
        return _run(paths, fmt, output, select, ignore, fail_on, min_score, min_level, baseline, config, no_color,
                    quiet, verbose, exit_zero, no_cache)
    except UsageError as exc:
        say(f"mlops-audit: error: {exc}")
        return 2


def _run(paths: list[Path] | None, fmt: str, output: Path | None, select: list[str] | None,
         ignore: list[str] | None, fail_on: str | None, min_score: int | None, min_level: int | None,
         baseline: Path | None, config: Path | None, no_color: bool, quiet: bool, verbose: bool, exit_zero: bool,
         no_cache: bool) -> int:
    from mlops_audit.baseline import BaselineError, apply_baseline, load_baseline
    from mlops_audit.engine import run_audit
    from mlops_audit.gate import FAIL_ON, gate_failures
    from mlops_audit.reporters import FORMATS
    from mlops_audit.reporters.combine import render_many

    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON)}")
    if min_score is not None and not 0 <= min_score <= 100:
        raise UsageError("--min-score must be between 0 and 100")
    if min_level is not None and not 0 <= min_level <= 3:
        raise UsageError("--min-level must be between 0 and 3")
    targets = paths or [Path(".")]
    for path in targets:
        if not path.exists():
            raise UsageError(f"path not found: {path}")
        if not path.is_dir():
            raise UsageError(f"not a directory: {path}")
    sel, ign = split_codes(select), split_codes(ignore)

    reports = []
    failed = False
    for path in targets:
        cfg = config_for(path, config)
        validate_codes(cfg, sel, ign, cache=not no_cache)
        with progress_bar(enabled=not quiet, label=str(path)) as tick:
            report = run_audit(path.resolve(), cfg, select=sel, ignore=ign, progress=tick, cache=not no_cache)
        if baseline is not None:
            file = baseline if len(targets) == 1 or baseline.is_absolute() else path / baseline
            try:
                apply_baseline(report, load_baseline(file))
            except BaselineError as exc:
                raise UsageError(str(exc)) from None
        reasons = gate_failures(report, fail_on=fail_on or cfg.fail_on,
                                min_score=min_score if min_score is not None else cfg.min_score,
                                min_level=min_level)
        if reasons:
            failed = True
            if not quiet:
                for reason in reasons:
                    say(f"mlops-audit: {path}: {reason}")
        reports.append(report)

    if quiet and fmt == "terminal":
        text = quiet_lines(reports)
    else:
        text = render_many(reports, fmt, color=False if (no_color or output is not None) else None,
                           verbose=verbose)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 1 if failed and not exit_zero else 0


def quiet_lines(reports: list[Report]) -> str:
    """``--quiet``: one line per finding (not the baseline's), and one per rule that found more than it lists."""
    from mlops_audit.safetext import escape

    lines = []
    for r in reports:
        for result in r.results:
            if result.status != "fail":
                continue
            for f in result.findings:
                if f.suppressed is None and f.baseline != "known":
                    where = r.display_path(f.path) if len(reports) > 1 else (f.location or ".")
                    lines.append(f"{escape(where)}: {f.rule.id} [{f.rule.severity}] {f.message}\n")
            if result.omitted:
                where = r.display_path(None) if len(reports) > 1 else "."
                lines.append(f"{escape(where)}: {result.rule.id} [{result.rule.severity}] {result.cap_note()}\n")
    return "".join(lines)
