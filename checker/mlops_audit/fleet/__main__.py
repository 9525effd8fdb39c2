"""``python -m mlops_audit.fleet REPORTS...``: the ``mlops-audit fleet`` command on its own (CI jobs can call it
this way too)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import typer

    from mlops_audit.fleet.command import fleet_command

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})
    app.command()(fleet_command)
    try:
        app(args=sys.argv[1:] if argv is None else argv, prog_name="mlops-audit fleet", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        print("mlops-audit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user
        from mlops_audit.models import shown

        print(shown(f"mlops-audit: internal error: {type(exc).__name__}: {exc} (please report it)"), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
