"""Console entry point. Answers ``--version`` without importing anything heavy, routes ``mlops-audit PATH``
to the ``check`` command (parsed without typer when :mod:`mlops_audit.fastargs` understands every argument),
catches a mistyped command (``mlops-audit expain DAT001``: not an existing path, close to ``explain``) before
it is taken for a PATH, and turns any unexpected error into one line instead of a traceback."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

_AUDITED = False  # set once the fast path has run an audit: see run()
COMMANDS = ("check", "rules", "explain", "new", "baseline", "init", "notebooks", "fix", "completion", "fleet")
PASSTHROUGH = ("--help", "-h")


def mistyped_command(word: str) -> str | None:
    """The command ``word`` is a typo of (``expain`` -> ``explain``), when ``word`` is no existing path; else
    None (then it is a PATH to audit, or the audit says it is not found)."""
    if word.startswith("-") or os.path.lexists(word):
        return None
    from difflib import get_close_matches

    close = get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.75)
    return close[0] if close else None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        from mlops_audit import __version__

        print(f"mlops-audit {__version__}")
        return 0
    if not args or (args[0] not in COMMANDS and args[0] not in PASSTHROUGH):
        typo = mistyped_command(args[0]) if args else None
        if typo is not None:
            from mlops_audit.models import shown

            print(shown(f"mlops-audit: error: unknown command {args[0]!r}; did you mean {typo!r}?"),
                  file=sys.stderr)
            return 2
        args = ["check", *args]
    try:
        if args[0] == "check":
            from mlops_audit.fastargs import parse_check

            options = parse_check(args[1:])
            if options is not None:
                from mlops_audit.checkcmd import run_check

                global _AUDITED
                _AUDITED = True
                return run_check(**options)
        from mlops_audit.cli import app

        app(args=args, prog_name="mlops-audit", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except KeyboardInterrupt:
        print("mlops-audit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user
        from mlops_audit.models import shown  # the error may quote a path or a value from the repository

        print(shown(f"mlops-audit: internal error: {type(exc).__name__}: {exc} (please report it)"),
              file=sys.stderr)
        return 3
    return 0


def run() -> NoReturn:
    """The console script (and ``python -m mlops_audit``): :func:`main`, then the exit code.

    After an audit, the process ends with ``os._exit`` once stdout and stderr are flushed, as mypy does: the
    interpreter's teardown would free, one by one, every object the audit built (15 ms on 3,000 files), and
    nothing is left to clean up (the cache is written, worker pools are shut down, temporary files are
    anonymous). Other commands exit normally, with their atexit handlers, and so does any run under a profiler
    or a tracer (cProfile, coverage), which write their data at exit."""
    code = main()
    if not _AUDITED or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or coverage writes its data at exit: let them
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`mlops-audit . | head`): nothing more can be said
            code = code or 1
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
