"""The command line: ``mlops-audit [PATH]`` (check), ``rules``, ``explain ID``, ``new [DIR]``, ``fix [PATH]``.

Exit codes: 0 no failing findings, 1 findings at or above ``--fail-on`` (or score below ``--min-score``),
2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from mlops_audit import checkcmd
from mlops_audit.checkcmd import UsageError
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

def _fail(message: str) -> typer.Exit:
    checkcmd.say(f"mlops-audit: error: {message}")
    return typer.Exit(2)


def _out(text: str, *, lines: bool = False) -> None:
    """One line on stdout (``lines``: text whose lines we wrote, such as a snippet to paste); what it quotes
    from a repository or its configuration (a path, a custom rule's title) has its control characters
    escaped, a newline too unless ``lines`` (one would forge another line)."""
    from mlops_audit.safetext import escape

    print(escape(text, keep_newlines=lines))


@contextmanager
def _usage() -> Iterator[None]:
    """A :class:`UsageError` from the shared command code becomes the CLI's exit code 2."""
    try:
        yield
    except UsageError as exc:
        raise _fail(str(exc)) from None


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
    raise typer.Exit(checkcmd.run_check(paths, fmt, output, select, ignore, fail_on, min_score, min_level, baseline,
                                        config, no_color, quiet, verbose, exit_zero, no_cache))


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
    with _usage():
        cfg = checkcmd.config_for(path, config)
    report = run_audit(path.resolve(), cfg)
    target = output or path / BASELINE_NAME
    try:
        count = write_baseline(report, target)
    except OSError as exc:
        raise _fail(f"cannot write {target}: {exc.strerror or exc}") from None
    _out(f"Recorded {count} finding(s) in {target}; audit with --baseline {target} to fail only on new ones.")


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
                           "source": r.source} for r in rules], indent=2))  # ASCII: controls are \u escapes
        return
    if fmt != "table":
        raise _fail("--format must be table or json")
    width = max((len(r.name) for r in rules), default=10)
    for r in rules:
        custom = "  (custom)" if r.source == "custom" else ""
        _out(f"{r.id}  {r.name:<{width}}  {r.pillar:<15} {r.severity:<7}  L{r.level}  {r.title}{custom}")


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
    from mlops_audit.safetext import escape

    sys.stdout.write(escape(rule_markdown(rule), keep_newlines=True))


@app.command()
def new(
    directory: Annotated[
        Path | None,
        typer.Argument(help="The project folder to create; its name is the project's slug (default: ask the "
                       "project name and create its slug here).", show_default=False),
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Use the defaults, ask nothing.")] = False,
    context: Annotated[list[str] | None, typer.Option("--set", "-c", help="key=value answers.")] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write the template over an existing, non-empty folder.")
    ] = False,
) -> None:
    """Create a new ML project from the bundled template (same as cookiecutter --directory template)."""
    from mlops_audit.new import create_project, created_message, new_project

    extra: dict[str, str] = {}
    for item in context or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(f"--set takes key=value, got {item!r}")
        extra[key.strip()] = value
    try:
        if directory is None:
            created = new_project(Path("."), no_input=no_input, extra_context=extra or None, overwrite=overwrite)
        else:
            created = create_project(directory, no_input=no_input, extra_context=extra or None, overwrite=overwrite)
    except Exception as exc:  # cookiecutter raises many kinds; all are user-facing failures
        raise _fail(f"could not create the project: {exc}") from None
    _out(created_message(created), lines=True)


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
        print(problem.line())  # escaped: a staged file's name is the repository's
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
        _out(action, lines=True)  # a snippet to paste spans lines


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
    with _usage():
        cfg = checkcmd.config_for(path, config)
        sel, ign = checkcmd.split_codes(select), checkcmd.split_codes(ignore)
        checkcmd.validate_codes(cfg, sel, ign)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    code = run_fix(path.resolve(), cfg, select=sel, ignore=ign, to_level=to_level, unsafe=unsafe, dry_run=dry_run,
                   yes=yes, confirm=_ask if interactive else None)
    raise typer.Exit(code)


def _ask(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False
