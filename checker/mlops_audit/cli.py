"""The command line: ``mlops-audit [PATH]`` (check), ``rules``, ``explain ID``, ``new [DIR]``, ``fix [PATH]``.

Exit codes: 0 no failing findings, 1 findings at or above ``--fail-on`` (or score below ``--min-score``),
2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from mlops_audit.config import Config
from mlops_audit.models import Rule

app = typer.Typer(
    name="mlops-audit",
    help="Audit an ML repository against MLOps pillars: findings, a score and a maturity level.\n\n"
    "Run `mlops-audit [PATH]` to audit (same as `mlops-audit check [PATH]`).",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FAIL_ON = ("error", "warning", "info", "never")


def _fail(message: str) -> typer.Exit:
    print(f"mlops-audit: error: {message}", file=sys.stderr)
    return typer.Exit(2)


def _codes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _check_codes(codes: list[str] | None, known: list[str], names: list[str], option: str) -> None:
    for code in codes or []:
        if code.upper() != "ALL" and code.lower() not in names and not any(k.startswith(code.upper()) for k in known):
            raise _fail(f"{option}: no rule matches {code!r} (see `mlops-audit rules`)")


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Repositories or folders to audit (default: .).", show_default=False)
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="terminal, json, sarif, markdown, html, gitlab, junit or badge.")
    ] = "terminal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only these rule IDs or prefixes (comma-separated).")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these rule IDs or prefixes (comma-separated).")] = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Lowest severity that fails: error, warning, info, never.")
    ] = None,
    min_score: Annotated[int | None, typer.Option(help="Also fail when the score is below this (0-100).")] = None,
    min_level: Annotated[
        int | None, typer.Option(help="Also fail when the maturity level is below this (0-3).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Fail only on findings not in this baseline (see `mlops-audit baseline`).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Read settings from this TOML file instead.")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain output.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="One line per finding, no summary.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every finding of every rule.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when findings fail.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Parse every file again (cache: $MLOPS_AUDIT_CACHE_DIR).")
    ] = False,
) -> None:
    """Audit PATH(s) and report findings, a score and a maturity level."""
    from mlops_audit.baseline import BaselineError, apply_baseline, load_baseline
    from mlops_audit.engine import run_audit
    from mlops_audit.gate import gate_failures
    from mlops_audit.reporters import FORMATS
    from mlops_audit.reporters.combine import render_many

    if fmt not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise _fail(f"--fail-on must be one of {', '.join(FAIL_ON)}")
    if min_score is not None and not 0 <= min_score <= 100:
        raise _fail("--min-score must be between 0 and 100")
    if min_level is not None and not 0 <= min_level <= 3:
        raise _fail("--min-level must be between 0 and 3")
    targets = paths or [Path(".")]
    for path in targets:
        if not path.exists():
            raise _fail(f"path not found: {path}")
        if not path.is_dir():
            raise _fail(f"not a directory: {path}")
    sel, ign = _codes(select), _codes(ignore)

    reports = []
    failed = False
    for path in targets:
        cfg = _config_for(path, config)
        _validate_codes(cfg, sel, ign)
        with _progress(enabled=not quiet, label=str(path)) as tick:
            report = run_audit(path.resolve(), cfg, select=sel, ignore=ign, progress=tick, cache=not no_cache)
        if baseline is not None:
            file = baseline if len(targets) == 1 or baseline.is_absolute() else path / baseline
            try:
                apply_baseline(report, load_baseline(file))
            except BaselineError as exc:
                raise _fail(str(exc)) from None
        reasons = gate_failures(report, fail_on=fail_on or cfg.fail_on,
                                min_score=min_score if min_score is not None else cfg.min_score,
                                min_level=min_level)
        if reasons:
            failed = True
            if not quiet:
                for reason in reasons:
                    print(f"mlops-audit: {path}: {reason}", file=sys.stderr)
        reports.append(report)

    if quiet and fmt == "terminal":
        text = "".join(
            f"{r.display_path(f.path) if len(reports) > 1 else (f.location or '.')}: {f.rule.id} "
            f"[{f.rule.severity}] {f.message}\n"
            for r in reports for f in r.findings if f.baseline != "known"
        )
    else:
        text = render_many(reports, fmt, color=False if (no_color or output is not None) else None,
                           verbose=verbose)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    raise typer.Exit(1 if failed and not exit_zero else 0)


@contextmanager
def _progress(*, enabled: bool, label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A transient progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes)."""
    if not enabled or not sys.stderr.isatty() or "CI" in os.environ:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ)
    with Progress(TextColumn("auditing {task.description}"), BarColumn(), TextColumn("{task.fields[rule]}"),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, rule="")

        def tick(done: int, total: int, rule_id: str) -> None:
            bar.update(task, completed=done, total=total, rule=rule_id)

        yield tick


def _config_for(path: Path, explicit: Path | None) -> Config:
    from mlops_audit.config import ConfigError, discover, load_explicit

    try:
        return load_explicit(explicit) if explicit is not None else discover(path.resolve())
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _validate_codes(cfg: Config, sel: list[str] | None, ign: list[str] | None) -> None:
    from mlops_audit.catalogue import all_rules

    rules, _ = all_rules(cfg.custom_rules)
    known, names = [r.id for r in rules], [r.name for r in rules]
    _check_codes(sel, known, names, "--select")
    _check_codes(ign, known, names, "--ignore")


@app.command("baseline")
def write_baseline_command(
    path: Annotated[Path, typer.Argument(help="Repository or folder to audit.")] = Path("."),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Baseline file (default: PATH/.mlops-audit-baseline.json).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Read settings from this TOML file instead.")] = None,
) -> None:
    """Record the current findings so that `--baseline` fails only on new ones."""
    from mlops_audit.baseline import BASELINE_NAME, write_baseline
    from mlops_audit.engine import run_audit

    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    cfg = _config_for(path, config)
    report = run_audit(path.resolve(), cfg)
    target = output or path / BASELINE_NAME
    try:
        count = write_baseline(report, target)
    except OSError as exc:
        raise _fail(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"Recorded {count} finding(s) in {target}; audit with --baseline {target} to fail only on new ones.")


@app.command("rules")
def list_rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    pillar: Annotated[str | None, typer.Option(help="Only rules of this pillar.")] = None,
) -> None:
    """List the rule catalogue, with the custom rules of the configuration in the current directory."""
    import json

    rules = [r for r in _known_rules() if pillar is None or r.pillar == pillar]
    if fmt == "json":
        print(json.dumps([{"id": r.id, "name": r.name, "pillar": r.pillar, "severity": r.severity,
                           "level": r.level, "title": r.title, "applies_when": list(r.applies_when),
                           "source": r.source} for r in rules], indent=2))
        return
    if fmt != "table":
        raise _fail("--format must be table or json")
    width = max((len(r.name) for r in rules), default=10)
    for r in rules:
        custom = "  (custom)" if r.source == "custom" else ""
        print(f"{r.id}  {r.name:<{width}}  {r.pillar:<15} {r.severity:<7}  L{r.level}  {r.title}{custom}")


def _known_rules() -> list[Rule]:
    """Built-in rules plus the valid custom rules of the configuration found in the current directory."""
    from mlops_audit.catalogue import all_rules
    from mlops_audit.config import discover

    rules, _ = all_rules(discover(Path(".").resolve()).custom_rules)
    return rules


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule ID (e.g. DAT001) or name.")]) -> None:
    """Explain a rule: why it matters, how to fix it, references."""
    from mlops_audit.catalogue import find
    from mlops_audit.docs import rule_markdown

    rule = find(rule_id, _known_rules())
    if rule is None:
        raise _fail(f"unknown rule {rule_id!r} (see `mlops-audit rules`)")
    sys.stdout.write(rule_markdown(rule))


@app.command()
def new(
    directory: Annotated[Path, typer.Argument(help="Where to create the project.")] = Path("."),
    no_input: Annotated[bool, typer.Option("--no-input", help="Use the defaults, ask nothing.")] = False,
    context: Annotated[list[str] | None, typer.Option("--set", "-c", help="key=value answers.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Overwrite an existing project.")] = False,
) -> None:
    """Create a new ML project from the bundled template (same as cookiecutter --directory template)."""
    from mlops_audit.new import new_project

    extra: dict[str, str] = {}
    for item in context or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(f"--set takes key=value, got {item!r}")
        extra[key.strip()] = value
    try:
        created = new_project(directory, no_input=no_input, extra_context=extra or None, overwrite=overwrite)
    except Exception as exc:  # cookiecutter raises many kinds; all are user-facing failures
        raise _fail(f"could not create the project: {exc}") from None
    print(f"Created {created}")


@app.command()
def notebooks(
    files: Annotated[list[Path] | None, typer.Argument(help="Notebooks to check (pre-commit passes the staged ones).")]
    = None,
    allow_outputs: Annotated[bool, typer.Option("--allow-outputs", help="Do not report committed outputs.")] = False,
) -> None:
    """Fast notebook check for pre-commit: outputs, execution order, secrets (values never shown)."""
    from mlops_audit.notebook_hook import check_notebooks

    problems = check_notebooks(files or [], allow_outputs=allow_outputs)
    for problem in problems:
        print(problem.line())
    raise typer.Exit(1 if problems else 0)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Repository to set up.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite what an earlier init wrote.")] = False,
    ci: Annotated[str | None, typer.Option(help="CI system for the gate snippet: github or gitlab (default: detect).")]
    = None,
) -> None:
    """Add mlops-audit to an existing repository: config section, pre-commit hook and a CI gate."""
    from mlops_audit.init import InitError, init_repository

    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    try:
        actions = init_repository(path, force=force, ci=ci)
    except InitError as exc:
        raise _fail(str(exc)) from None
    for action in actions:
        print(action)


@app.command()
def fix(
    path: Annotated[Path, typer.Argument(help="Repository to fix.")] = Path("."),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and every diff; change nothing.")]
    = False,
    unsafe: Annotated[
        bool, typer.Option("--unsafe", help="Also move data/models to DVC or LFS, strip notebooks, "
                           "replace secrets (changes tracked files and the git index; commits nothing).")
    ] = False,
    select: Annotated[list[str] | None, typer.Option(help="Only remedies for these rule IDs or prefixes.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="No remedies for these rule IDs or prefixes.")] = None,
    to_level: Annotated[
        int | None, typer.Option("--to-level", help="Only what maturity level N needs (rules of levels 1..N).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Read settings from this TOML file instead.")] = None,
) -> None:
    """Plan the remedies for the findings, show them, and apply them with the template's own files."""
    from mlops_audit.fix.run import run_fix

    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    if to_level is not None and not 1 <= to_level <= 3:
        raise _fail("--to-level must be 1, 2 or 3")
    cfg = _config_for(path, config)
    sel, ign = _codes(select), _codes(ignore)
    _validate_codes(cfg, sel, ign)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    code = run_fix(path.resolve(), cfg, select=sel, ignore=ign, to_level=to_level, unsafe=unsafe, dry_run=dry_run,
                   yes=yes, confirm=_ask if interactive else None)
    raise typer.Exit(code)


def _ask(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False
