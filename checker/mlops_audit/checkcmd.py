"""The ``check`` command's work, free of any command-line framework: validate the options, audit each path, gate,
render, write. The typer command (``cli.check``) and the fast path of ``entry.main`` both call :func:`run_check`,
so the two ways in cannot drift apart.

The report goes to stdout (or ``--output``); the verdict (``mlops-audit: PATH: N finding(s) at or above error``)
goes to stderr *after* it, once stdout is flushed, so it is the last line a person reads in a terminal, a pipe
that merges both streams, a CI log or a pre-commit hook's output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_audit.config import Config
    from mlops_audit.models import Report, Rule

CONFIG_RULE = "AUD002"  # a configuration file that could not be read: named first in the report
STAGES = ("reading", "parsing")  # progress labels that count files (any other label is a rule ID)


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


def _unmatched(codes: Sequence[str], rules: Sequence[Rule]) -> str | None:
    """The first of ``codes`` (IDs, prefixes, names, ALL) that matches no rule, or None."""
    known, names = [r.id for r in rules], {r.name for r in rules}
    for code in codes:
        if code.upper() != "ALL" and code.lower() not in names and not any(k.startswith(code.upper()) for k in known):
            return code
    return None


def validate_codes(cfg: Config, sel: list[str] | None, ign: list[str] | None, *, cache: bool = True) -> None:
    """Every rule code of the command line and of the configuration matches a rule, and every custom rule of
    the configuration is valid; a UsageError names the option (or the file and key) otherwise."""
    from mlops_audit.catalogue import all_rules

    rules, problems = all_rules(cfg.custom_rules, cache=cache)
    if problems and cfg.source is not None:
        raise UsageError(f"{cfg.where('rules')}: {problems[0].removeprefix('custom: ')}")
    for option, codes in (("--select", sel), ("--ignore", ign)):
        code = _unmatched(codes or [], rules)
        if code is not None:
            raise UsageError(f"{option}: no rule matches {code!r} (see `mlops-audit rules`)")
    configured: list[tuple[str, list[str]]] = [
        ("`select`", cfg.select or []), ("`extend-select`", cfg.extend_select), ("`ignore`", list(cfg.ignore)),
        *((f'`per-path-ignores` "{pattern}"', codes) for pattern, codes in cfg.per_path_ignores.items()),
    ]
    for key, codes in configured:
        code = _unmatched(codes, rules)
        if code is not None:
            raise UsageError(f"{cfg.where()}: {key}: no rule matches {code!r} (see `mlops-audit rules`)")


def audit_root(path: Path | None) -> Path:
    """The folder to audit: ``path``, or with none given the top of the repository the working directory is in
    (found without running git: :func:`mlops_audit.config.repository_top`), else the working directory."""
    if path is not None:
        return path
    from mlops_audit.config import repository_top

    top = repository_top(Path("."))
    if top is None or top == Path.cwd().resolve():
        return Path(".")
    return top


def config_for(path: Path, explicit: Path | None, *, isolated: bool = False) -> Config:
    """The configuration of an audit of ``path`` as the command line reads it: ``explicit`` (``--config``), none
    (``--isolated``), or the nearest one from ``path`` up to its repository's top, strictly (a mistake is a
    UsageError)."""
    from mlops_audit.config import Config, ConfigError, load, load_explicit, repository_top

    if isolated:
        if explicit is not None:
            raise UsageError("--isolated and --config cannot be used together")
        return Config()
    try:
        if explicit is not None:
            return load_explicit(explicit)
        return load(path, top=repository_top(path))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def use_color(no_color: bool) -> bool:
    """Whether colour may be used at all: not with ``--no-color``, nor when ``NO_COLOR`` is set (any value)."""
    return not no_color and "NO_COLOR" not in os.environ


@contextmanager
def progress_bar(*, enabled: bool, label: str, color: bool = True) -> Iterator[Callable[[int, int, str], None] | None]:
    """A transient progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes), without
    colour when ``color`` is false. The engine calls the tick with ``(done, total, what)``: ``what`` is a stage
    of reading the files ("reading", "parsing": ``done``/``total`` count files, shown "parsing 812/2,849
    files") or the ID of the rule about to run (they count rules)."""
    if not enabled or not sys.stderr.isatty() or "CI" in os.environ:
        yield None
        return
    from rich.console import Console
    from rich.markup import escape as escape_markup
    from rich.progress import BarColumn, Progress, TextColumn

    from mlops_audit.safetext import escape

    console = Console(stderr=True, no_color=not color, highlight=False)
    with Progress(TextColumn("auditing {task.description}"), BarColumn(), TextColumn("{task.fields[what]}"),
                  console=console, transient=True) as bar:
        task = bar.add_task(escape_markup(escape(label)), total=None, what="")

        def tick(done: int, total: int, what: str) -> None:
            shown = f"{what} {done:,}/{total:,} files" if what in STAGES else escape_markup(escape(what))
            bar.update(task, completed=done, total=total or None, what=shown)

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
    isolated: bool = False,
    statistics: bool = False,
) -> int:
    """Audit ``paths`` and print or write the report; the exit code (0 pass, 1 gate failed, 2 usage error)."""
    try:
        return _run(paths, fmt, output, select, ignore, fail_on, min_score, min_level, baseline, config, no_color,
                    quiet, verbose, exit_zero, no_cache, isolated, statistics)
    except UsageError as exc:
        say(f"mlops-audit: error: {exc}")
        return 2


def _run(paths: list[Path] | None, fmt: str, output: Path | None, select: list[str] | None,
         ignore: list[str] | None, fail_on: str | None, min_score: int | None, min_level: int | None,
         baseline: Path | None, config: Path | None, no_color: bool, quiet: bool, verbose: bool, exit_zero: bool,
         no_cache: bool, isolated: bool, statistics: bool) -> int:
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
    if statistics and fmt != "terminal":
        raise UsageError(f"--statistics prints a table: it cannot be combined with --format {fmt}")
    if isolated and config is not None:
        raise UsageError("--isolated and --config cannot be used together")
    targets = paths or [audit_root(None)]
    for path in targets:
        if not path.exists():
            raise UsageError(f"path not found: {path}")
        if not path.is_dir():
            raise UsageError(f"not a directory: {path}")
    sel, ign = split_codes(select), split_codes(ignore)
    color = use_color(no_color)

    reports: list[Report] = []
    verdicts: list[str] = []
    gates: list[str] = []
    for path in targets:
        cfg = config_for(path, config, isolated=isolated)
        validate_codes(cfg, sel, ign, cache=not no_cache)
        with progress_bar(enabled=not quiet, label=str(path), color=color) as tick:
            report = run_audit(path.resolve(), cfg, select=sel, ignore=ign, progress=tick, cache=not no_cache)
        if baseline is not None:
            file = baseline if len(targets) == 1 or baseline.is_absolute() else path / baseline
            try:
                apply_baseline(report, load_baseline(file))
            except BaselineError as exc:
                raise UsageError(str(exc)) from None
        config_problems_first(report, cfg)
        gate = fail_on or cfg.fail_on
        reasons = gate_failures(report, fail_on=gate,
                                min_score=min_score if min_score is not None else cfg.min_score,
                                min_level=min_level)
        verdicts += [f"mlops-audit: {path}: {reason}" for reason in reasons]
        gates.append(gate)
        reports.append(report)

    if statistics:
        text = statistics_table(reports)
    elif quiet and fmt == "terminal":
        text = quiet_lines(reports, gates)
    else:
        text = render_many(reports, fmt, color=False if (not color or output is not None) else None,
                           verbose=verbose)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    _verdict(verdicts)
    return 1 if verdicts and not exit_zero else 0


def _verdict(lines: list[str]) -> None:
    """The verdict on stderr, after everything on stdout: flushed first, so a stream merging both (a pipe with
    ``2>&1``, pre-commit, a CI log) has it last."""
    with suppress(OSError, ValueError):  # a closed pipe: the verdict still goes to stderr
        sys.stdout.flush()
    for line in lines:
        say(line)


def config_problems_first(report: Report, cfg: Config) -> None:
    """A configuration that could not be read (AUD002) is named first: its findings lead the report's results
    (so every format lists them first) and a note at the top says the audit ran with the defaults; a note of
    the configuration (one found but not applied) is said at the top too."""
    from mlops_audit.models import shown

    failing = [r for r in report.results if r.rule.id == CONFIG_RULE and r.status == "fail"]
    if failing:
        report.results = failing + [r for r in report.results if r not in failing]
        files = ", ".join(sorted({f.path or "configuration" for r in failing for f in r.findings}))
        report.notes.insert(0, shown(f"{files} could not be read: the audit ran with the defaults ({CONFIG_RULE})"))
    if cfg.note:
        report.notes.insert(0, shown(cfg.note))


def _fails_gate(rule: Rule, fail_on: str) -> bool:
    from mlops_audit.models import SEVERITY_RANK

    return fail_on in SEVERITY_RANK and SEVERITY_RANK[rule.severity] >= SEVERITY_RANK[fail_on]


def quiet_lines(reports: list[Report], fail_on: Sequence[str] | str = "error") -> str:
    """``--quiet``: one line per finding that fails the gate (at or above ``fail_on``, one value per report or
    one for all; not known in the baseline), and one per such rule that found more than it lists. Nothing when
    no finding fails it (the verdict, printed after, says why the gate fails otherwise)."""
    from mlops_audit.safetext import escape

    gates = [fail_on] * len(reports) if isinstance(fail_on, str) else list(fail_on)
    lines = []
    for r, gate in zip(reports, gates, strict=True):
        for result in r.results:
            if result.status != "fail" or not _fails_gate(result.rule, gate):
                continue
            for f in result.findings:
                if f.suppressed is None and f.baseline != "known":
                    where = r.display_path(f.path) if len(reports) > 1 else (f.location or ".")
                    lines.append(f"{escape(where)}: {f.rule.id} [{f.rule.severity}] {f.message}\n")
            if result.omitted:
                where = r.display_path(None) if len(reports) > 1 else "."
                lines.append(f"{escape(where)}: {result.rule.id} [{result.rule.severity}] {result.cap_note()}\n")
    return "".join(lines)


def statistics_table(reports: list[Report]) -> str:
    """``--statistics``: the number of findings of each failing rule (every place it found, those not listed
    included; suppressed and baseline-known ones aside), most first, as ruff prints it: count, code, severity,
    title."""
    from mlops_audit.safetext import escape

    counts: dict[str, int] = {}
    rules: dict[str, Rule] = {}
    for r in reports:
        for result in r.results:
            if result.status != "fail":
                continue
            n = sum(f.suppressed is None and f.baseline != "known" for f in result.findings) + result.omitted
            if n:
                counts[result.rule.id] = counts.get(result.rule.id, 0) + n
                rules[result.rule.id] = result.rule
    if not counts:
        return ""
    ordered = sorted(counts, key=lambda rid: (-counts[rid], rid))
    width = max(len(f"{counts[rid]:,}") for rid in ordered)
    code_width = max(len(rid) for rid in ordered)
    return "".join(f"{counts[rid]:>{width},}  {rid:<{code_width}}  {rules[rid].severity:<7}  "
                   f"{escape(rules[rid].title)}\n" for rid in ordered)
