"""A fast path for the command run most often: ``mlops-audit [PATH...] [options]`` from a pre-commit hook or CI.

Importing typer and building its command tree costs 30-50 ms, a quarter of a small repository's audit. This
parser reads the ``check`` options it fully understands (each option spelled as in ``cli.check``) and returns
the keyword arguments of :func:`mlops_audit.checkcmd.run_check`. Anything else (``--help``, an unknown or
abbreviated option, bundled short flags, ``--``, a value that is not a number where one is expected...)
returns None and the caller hands the arguments to typer, which prints its usual help or error. A test
checks, option by option, that this table and typer's parsing agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# option spelling -> (keyword of run_check, kind): "str", "path", "int", "list" (repeatable) or "flag"
CHECK_OPTIONS: dict[str, tuple[str, str]] = {
    "--format": ("fmt", "str"),
    "-f": ("fmt", "str"),
    "--output": ("output", "path"),
    "-o": ("output", "path"),
    "--select": ("select", "list"),
    "--ignore": ("ignore", "list"),
    "--fail-on": ("fail_on", "str"),
    "--min-score": ("min_score", "int"),
    "--min-level": ("min_level", "int"),
    "--baseline": ("baseline", "path"),
    "--config": ("config", "path"),
    "--no-color": ("no_color", "flag"),
    "--quiet": ("quiet", "flag"),
    "-q": ("quiet", "flag"),
    "--verbose": ("verbose", "flag"),
    "-v": ("verbose", "flag"),
    "--exit-zero": ("exit_zero", "flag"),
    "--no-cache": ("no_cache", "flag"),
    "--isolated": ("isolated", "flag"),
    "--statistics": ("statistics", "flag"),
}


def parse_check(args: list[str]) -> dict[str, Any] | None:
    """The ``run_check`` keyword arguments for ``check`` ``args``, or None when typer should parse them."""
    out: dict[str, Any] = {}
    paths: list[Path] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-"):
            paths.append(Path(arg))
            continue
        name, eq, inline = arg.partition("=")
        if not name.startswith("--"):
            name, eq, inline = arg, "", ""  # short options take no "=": "-f=json" is typer's to judge
        spec = CHECK_OPTIONS.get(name)
        if spec is None:
            return None  # "-", "--", "--help", bundled "-qv", "-fjson", unknown or misspelled options
        dest, kind = spec
        if kind == "flag":
            if eq:
                return None  # "--quiet=yes": an error for typer to word
            out[dest] = True
            continue
        if eq:
            value = inline
        elif i < len(args) and not args[i].startswith("-"):
            value = args[i]
            i += 1
        else:
            return None  # a missing value, or one that looks like an option ("--min-score -1")
        if kind == "int":
            try:
                out[dest] = int(value)
            except ValueError:
                return None
        elif kind == "path":
            out[dest] = Path(value)
        elif kind == "list":
            out.setdefault(dest, []).append(value)
        else:
            out[dest] = value
    if paths:
        out["paths"] = paths
    return out
