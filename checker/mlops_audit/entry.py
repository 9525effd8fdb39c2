"""Console entry point. Answers ``--version`` without importing anything heavy, routes ``mlops-audit PATH``
to the ``check`` command (parsed without typer when :mod:`mlops_audit.fastargs` understands every argument),
and turns any unexpected error into one line instead of a traceback."""

from __future__ import annotations

import sys

COMMANDS = ("check", "rules", "explain", "new", "baseline", "init", "notebooks", "fix")
PASSTHROUGH = ("--help", "-h", "--install-completion", "--show-completion")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        from mlops_audit import __version__

        print(f"mlops-audit {__version__}")
        return 0
    if not args or (args[0] not in COMMANDS and args[0] not in PASSTHROUGH):
        args = ["check", *args]
    try:
        if args[0] == "check":
            from mlops_audit.fastargs import parse_check

            options = parse_check(args[1:])
            if options is not None:
                from mlops_audit.checkcmd import run_check

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
        print(f"mlops-audit: internal error: {type(exc).__name__}: {exc} (please report it)", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
