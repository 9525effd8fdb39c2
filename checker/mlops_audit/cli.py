"""The command line: ``mlops-audit [PATH]`` (check), ``rules``, ``explain ID``, ``new [DIR]``, ``fix [PATH]``,
``completion SHELL``...

Exit codes: 0 no failing findings, 1 findings at or above ``--fail-on`` (or score below ``--min-score``),
2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mlops_audit import checkcmd
from mlops_audit.checkcmd import UsageError
from mlops_audit.models import Rule

SHELLS = ("bash", "zsh", "fish")


class _TopLevel(TyperGroup):
    """The top-level help also lists the audit's own options: ``mlops-audit [PATH]... [OPTIONS]`` is the
    ``check`` command, the one run most often."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, "[PATH]... [OPTIONS]")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="   or: ")

    def format_options(self, ctx: Any, formatter: Any) -> None:
        check_command = self.commands.get("check")
        if check_command is not None:
            rows = [record for param in check_command.get_params(ctx)
                    if param.param_type_name == "option" and "--help" not in param.opts
                    and (record := param.get_help_record(ctx))]
            with formatter.section("Audit options (mlops-audit [PATH]... is mlops-audit check [PATH]...)"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)


app = typer.Typer(
    name="mlops-audit",
    cls=_TopLevel,
    help="Audit an ML repository against MLOps pillars: findings, a score and a maturity level.\n\n"
    "Run `mlops-audit [PATH]` to audit (same as `mlops-audit check [PATH]`); with no PATH, the repository "
    "the current folder is in (its git top level). `mlops-audit COMMAND --help` for each command.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from mlops_audit import __version__

        print(f"mlops-audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _top_level(
    version: Annotated[
        bool, typer.Option("--version", "-V", help="Show the version and exit.", is_eager=True,
                           callback=_print_version)
    ] = False,
) -> None:
    """Audit an ML repository against MLOps pillars: findings, a score and a maturity level."""


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
        list[Path] | None,
        typer.Argument(help="Repositories or folders to audit (default: the repository the current folder is "
                       "in).", show_default=False),
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
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour anywhere (also: NO_COLOR=1).")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the verdict and one line per finding that fails the gate.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every finding of every rule.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when findings fail.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Parse every file again (cache: $MLOPS_AUDIT_CACHE_DIR).")
    ] = False,
    isolated: Annotated[
        bool, typer.Option("--isolated", help="Ignore the repository's configuration (pyproject.toml, "
                           ".mlops-audit.toml): the defaults and the options given here only.")
    ] = False,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Instead of the report, the number of findings of each failing "
                           "rule: count, rule, severity, title.")
    ] = False,
) -> None:
    """Audit PATH(s) and report findings, a score and a maturity level (no PATH: the repository the current
    folder is in, at its git top level)."""
    raise typer.Exit(checkcmd.run_check(paths, fmt, output, select, ignore, fail_on, min_score, min_level, baseline,
                                        config, no_color, quiet, verbose, exit_zero, no_cache, isolated,
                                        statistics))


@app.command("baseline")
def write_baseline_command(
    path: Annotated[
        Path | None,
        typer.Argument(help="Repository or folder to audit (default: the repository the current folder is in).",
                       show_default=False),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Baseline file (default: PATH/.mlops-audit-baseline.json).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Read settings from this TOML file instead.")] = None,
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore the repository's configuration.")] = False,
) -> None:
    """Record the current findings so that `--baseline` fails only on new ones."""
    from mlops_audit.baseline import BASELINE_NAME, write_baseline
    from mlops_audit.engine import run_audit

    path = checkcmd.audit_root(path)
    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    with _usage():
        cfg = checkcmd.config_for(path, config, isolated=isolated)
        checkcmd.validate_codes(cfg, None, None)
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
    """List the rule catalogue, with the custom rules of the configuration of the current folder."""
    import json

    from mlops_audit.models import PILLARS

    if fmt not in ("table", "json"):
        raise _fail("--format must be table or json")
    if pillar is not None and pillar not in PILLARS:
        raise _fail(f"--pillar must be one of {', '.join(PILLARS)} (got {pillar!r})")
    rules = [r for r in _known_rules() if pillar is None or r.pillar == pillar]
    if fmt == "json":
        print(json.dumps([{"id": r.id, "name": r.name, "pillar": r.pillar, "severity": r.severity,
                           "level": r.level, "title": r.title, "applies_when": list(r.applies_when),
                           "source": r.source} for r in rules], indent=2))  # ASCII: controls are \u escapes
        return
    for line in rules_table(rules):
        _out(line)


def rules_table(rules: list[Rule]) -> list[str]:
    """The ``rules`` table: a header, then one line per rule."""
    header = ("ID", "NAME", "PILLAR", "SEVERITY", "LEVEL", "TITLE")
    rows = [(r.id, r.name, r.pillar, r.severity, f"L{r.level}",
             r.title + ("  (custom)" if r.source == "custom" else "")) for r in rules]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]])
            for row in [header, *rows]]


def _known_rules() -> list[Rule]:
    """Built-in rules plus the valid custom rules of the configuration that governs the current folder (found
    upward to its repository's top, as an audit finds it); a configuration that cannot be used is said on stderr
    and left out."""
    from mlops_audit.catalogue import all_rules

    try:
        cfg = checkcmd.config_for(Path("."), None)
    except UsageError as exc:
        checkcmd.say(f"mlops-audit: warning: {exc} (its custom rules are not listed)")
        cfg = None
    rules, _ = all_rules(cfg.custom_rules if cfg is not None else None)
    return rules


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule ID (e.g. DAT001) or name.")]) -> None:
    """Explain a rule: why it matters, how to fix it, references (rendered on a terminal, Markdown otherwise)."""
    from mlops_audit.catalogue import find
    from mlops_audit.docs import rule_markdown

    rule = find(rule_id, _known_rules())
    if rule is None:
        raise _fail(f"unknown rule {rule_id!r} (see `mlops-audit rules`)")
    from mlops_audit.safetext import escape

    text = escape(rule_markdown(rule), keep_newlines=True)  # a custom rule's text is the repository's
    if not sys.stdout.isatty():
        sys.stdout.write(text)
        return
    import os

    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(no_color="NO_COLOR" in os.environ, highlight=False, emoji=False)
    console.print(Markdown(text, hyperlinks=False))


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
    baseline: Annotated[bool | None, typer.Option(
        "--baseline/--no-baseline",
        help="On a repository with findings, record them in .mlops-audit-baseline.json and gate the hook and the "
             "CI gate on it, so only new findings block (default: ask on a terminal, else no).",
        show_default=False)] = None,
) -> None:
    """Add mlops-audit to an existing repository: config section, pre-commit hook and a CI gate."""
    from mlops_audit.init import InitError, init_repository

    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    try:
        actions = init_repository(path, force=force, ci=ci, baseline=baseline)
    except InitError as exc:
        raise _fail(str(exc)) from None
    for action in actions:
        _out(action, lines=True)  # a snippet to paste spans lines


@app.command()
def fix(
    path: Annotated[
        Path | None,
        typer.Argument(help="Repository to fix (default: the repository the current folder is in).",
                       show_default=False),
    ] = None,
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
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore the repository's configuration.")] = False,
    no_baseline: Annotated[bool, typer.Option(
        "--no-baseline", help="Gate the CI workflow and hook it creates on every finding, not only on new ones.")]
    = False,
) -> None:
    """Plan the remedies for the findings, show them, and apply them with the template's own files."""
    from mlops_audit.fix.run import run_fix

    path = checkcmd.audit_root(path)
    if not path.is_dir():
        raise _fail(f"not a directory: {path}")
    if to_level is not None and not 1 <= to_level <= 3:
        raise _fail("--to-level must be 1, 2 or 3")
    with _usage():
        cfg = checkcmd.config_for(path, config, isolated=isolated)
        sel, ign = checkcmd.split_codes(select), checkcmd.split_codes(ignore)
        checkcmd.validate_codes(cfg, sel, ign)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    code = run_fix(path.resolve(), cfg, select=sel, ignore=ign, to_level=to_level, unsafe=unsafe, dry_run=dry_run,
                   yes=yes, baseline=not no_baseline, confirm=_ask if interactive else None)
    raise typer.Exit(code)


def _ask(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


# --------------------------------------------------------------------------- shell completion
@app.command()
def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print a completion script for SHELL: `eval "$(mlops-audit completion bash)"` in ~/.bashrc (see the README
    for zsh and fish)."""
    if shell not in SHELLS:
        raise _fail(f"SHELL must be one of {', '.join(SHELLS)} (got {shell!r})")
    sys.stdout.write(completion_script(shell))


class _Spec:
    """What a completion script offers, read from the command tree: each command's options, the words each
    option's value takes ("<files>", "<dirs>" or a list; none: free text), and its arguments'."""

    def __init__(self) -> None:
        from mlops_audit.catalogue import builtin_rules
        from mlops_audit.gate import FAIL_ON
        from mlops_audit.models import PILLARS
        from mlops_audit.reporters import FORMATS

        ids = [r.id for r in builtin_rules()]
        group: Any = typer.main.get_command(app)
        self.top_options = [o for p in group.params for o in (*p.opts, *p.secondary_opts)]
        self.commands: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.values: dict[str, dict[str, list[str] | str]] = {}  # "-f --format" -> what its value takes
        self.arguments: dict[str, list[str] | str] = {}
        self.flags: dict[str, list[list[str]]] = {}  # the spellings of each option that takes no value
        words: dict[str, list[str] | str] = {"fail_on": list(FAIL_ON), "pillar": list(PILLARS), "select": ids,
                                             "ignore": ids, "ci": ["github", "gitlab"]}
        for name, command in group.commands.items():
            self.commands[name] = command.get_short_help_str(60)
            self.options[name], self.values[name], self.flags[name] = [], {}, []
            for param in command.params:
                if param.param_type_name == "option":
                    spellings = [*param.opts, *param.secondary_opts]
                    self.options[name] += spellings
                    if param.is_flag:
                        self.flags[name].append(spellings)
                        continue
                    if param.name == "fmt":
                        kind: list[str] | str = ["table", "json"] if name == "rules" else list(FORMATS)
                    elif param.type.name == "path":
                        kind = "<files>"
                    else:
                        kind = words.get(param.name or "", [])
                    self.values[name][" ".join(param.opts)] = kind
                elif param.name == "rule_id":
                    self.arguments[name] = ids
                elif param.name == "shell":
                    self.arguments[name] = list(SHELLS)
                elif param.name == "files":
                    self.arguments[name] = "<files>"
                elif param.type.name == "path":
                    self.arguments[name] = "<dirs>"


def _words(kind: list[str] | str) -> str:
    return " ".join(kind) if isinstance(kind, list) else ""


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish): commands, options, their values (formats,
    severities, pillars, rule IDs) and paths, with no call back into mlops-audit while completing."""
    spec = _Spec()
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](spec)


def _case_values(spec: _Spec, *, files: str, dirs: str, words: str, none: str) -> str:
    """The ``case "$cmd:$prev"`` arms that complete an option's value (shell syntax shared by bash and zsh)."""
    arms = []
    for name in spec.commands:
        for spellings, kind in spec.values[name].items():
            body = files if kind == "<files>" else dirs if kind == "<dirs>" else (
                words.format(words=_words(kind)) if kind else none)
            # before any command, the options are check's (`mlops-audit --format json .`)
            patterns = [f"{prefix}:{option}" for prefix in ([name, ""] if name == "check" else [name])
                        for option in spellings.split()]
            arms.append(f"        {'|'.join(patterns)}) {body}; return ;;")
    return "\n".join(arms)


def _case_commands(spec: _Spec, *, files: str, dirs: str, words: str) -> str:
    """The ``case "$cmd"`` arms: a command's options after ``-``, its arguments otherwise."""
    arms = []
    for name in spec.commands:
        kind = spec.arguments.get(name, [])
        body = files if kind == "<files>" else dirs if kind == "<dirs>" else (
            words.format(words=_words(kind)) if kind else ":")
        options = " ".join(spec.options[name] + ["--help"])
        arms.append(f"        {name}) options=\"{options}\"; {body} ;;")
    return "\n".join(arms)


def _bash(spec: _Spec) -> str:
    commands = " ".join(spec.commands)
    top = " ".join([*spec.options["check"], *spec.top_options, "--help"])
    values = _case_values(spec, files='COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null',
                          dirs='COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null',
                          words='COMPREPLY=($(compgen -W "{words}" -- "$cur"))', none="COMPREPLY=()")
    arms = _case_commands(spec, files='args=$(compgen -f -- "$cur"); paths=1',
                          dirs='args=$(compgen -d -- "$cur"); paths=1', words='args=$(compgen -W "{words}" -- "$cur")')
    return f"""# mlops-audit completion for bash. Load it from ~/.bashrc:
#     eval "$(mlops-audit completion bash)"
# (or save it: mlops-audit completion bash > ~/.local/share/bash-completion/completions/mlops-audit)
_mlops_audit() {{
    local cur prev cmd i options args paths
    COMPREPLY=()
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev=""
    [[ $COMP_CWORD -gt 0 ]] && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            {'|'.join(spec.commands)}) cmd="${{COMP_WORDS[i]}}"; break ;;
            -*) ;;
            *) cmd="check"; break ;;  # a path: the default command
        esac
    done
    case "$cmd:$prev" in
{values}
    esac
    paths=0
    if [[ -z "$cmd" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "{top}" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "{commands}" -- "$cur") $(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
        fi
        return
    fi
    options=""
    args=""
    case "$cmd" in
{arms}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        local IFS=$'\\n'
        COMPREPLY=($args)
        [[ $paths -eq 1 ]] && compopt -o filenames 2>/dev/null
    fi
    return 0
}}
complete -F _mlops_audit mlops-audit
"""


def _zsh(spec: _Spec) -> str:
    described = "\n".join(f"        {name}:{_zsh_quote(help_text)}" for name, help_text in spec.commands.items())
    top = " ".join([*spec.options["check"], *spec.top_options, "--help"])
    values = _case_values(spec, files="_files", dirs="_files -/", words="compadd -- {words}", none=":")
    arms = _case_commands(spec, files="args=files", dirs="args=dirs", words="args=({words})")
    return f"""#compdef mlops-audit
# mlops-audit completion for zsh. Load it from ~/.zshrc, after compinit:
#     eval "$(mlops-audit completion zsh)"
# (or save it as _mlops-audit in a folder of $fpath)
_mlops_audit() {{
    local cmd="" prev="${{words[CURRENT-1]}}" i options
    local -a args commands
    commands=(
{described}
    )
    for (( i = 2; i < CURRENT; i++ )); do
        case "${{words[i]}}" in
            {'|'.join(spec.commands)}) cmd="${{words[i]}}"; break ;;
            -*) ;;
            *) cmd=check; break ;;
        esac
    done
    case "$cmd:$prev" in
{values}
    esac
    if [[ -z "$cmd" ]]; then
        if [[ "$PREFIX" == -* ]]; then
            compadd -- {top}
        else
            _describe -t commands command commands
            _files -/
        fi
        return
    fi
    options=""
    args=()
    case "$cmd" in
{arms}
    esac
    if [[ "$PREFIX" == -* ]]; then
        compadd -- ${{=options}}
    elif [[ "$args" == files ]]; then
        _files
    elif [[ "$args" == dirs ]]; then
        _files -/
    elif (( ${{#args}} )); then
        compadd -- $args
    fi
}}
if [[ "${{zsh_eval_context[-1]}}" == loadautofunc ]]; then
    _mlops_audit "$@"
else
    compdef _mlops_audit mlops-audit
fi
"""


def _zsh_quote(text: str) -> str:
    """A description for zsh's ``_describe``: single-quoted, its colons escaped."""
    return "'" + text.replace("'", "'\\''").replace(":", "\\:") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(spec: _Spec) -> str:
    lines = [
        "# mlops-audit completion for fish. Load it from ~/.config/fish/config.fish:",
        "#     mlops-audit completion fish | source",
        "# (or save it: mlops-audit completion fish > ~/.config/fish/completions/mlops-audit.fish)",
        "function __mlops_audit_command",
        "    set -l words (commandline -opc)",
        "    set -e words[1]",
        "    for word in $words",
        "        switch $word",
        f"            case {' '.join(spec.commands)}",
        "                echo $word",
        "                return 0",
        "            case '-*'",
        "            case '*'",
        "                echo check",
        "                return 0",
        "        end",
        "    end",
        "    return 1",
        "end",
        "function __mlops_audit_in",
        "    set -l command (__mlops_audit_command)",
        "    or set command ''",
        "    test \"$command\" = $argv[1]; or begin; test $argv[1] = check; and test -z \"$command\"; end",
        "end",
        "complete -c mlops-audit -f",
    ]
    for name, help_text in spec.commands.items():
        lines.append(f"complete -c mlops-audit -n 'not __mlops_audit_command >/dev/null' -a {name} "
                     f"-d {_fish_quote(help_text)}")
    for name in spec.commands:
        condition = f"-n '__mlops_audit_in {name}'"
        kind = spec.arguments.get(name)
        if kind == "<files>":
            lines.append(f"complete -c mlops-audit {condition} -F")
        elif kind == "<dirs>":
            lines.append(f"complete -c mlops-audit {condition} -a '(__fish_complete_directories)'")
        elif kind:
            lines.append(f"complete -c mlops-audit {condition} -a {_fish_quote(_words(kind))}")
        options: list[tuple[list[str], list[str] | str | None]] = [(spellings, None) for spellings in spec.flags[name]]
        options += [(spellings.split(), kind) for spellings, kind in spec.values[name].items()]
        for spellings, value in options:
            flag = " ".join(f"-l {o[2:]}" if o.startswith("--") else f"-s {o[1:]}" for o in spellings)
            if value is None:
                lines.append(f"complete -c mlops-audit {condition} {flag}")
            elif value in ("<files>", "<dirs>"):
                lines.append(f"complete -c mlops-audit {condition} {flag} -r -F")
            else:
                lines.append(f"complete -c mlops-audit {condition} {flag} -x -a {_fish_quote(_words(value))}")
    lines.append("complete -c mlops-audit -n 'not __mlops_audit_command >/dev/null' -s V -l version")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- fleet (issue 16)
# Registered here, defined in mlops_audit.fleet.command (which imports only typer and the standard library).
from mlops_audit.fleet.command import fleet_command  # noqa: E402

app.command("fleet")(fleet_command)
# --------------------------------------------------------------------------- end of fleet
