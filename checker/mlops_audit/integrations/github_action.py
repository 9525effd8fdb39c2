"""The steps of the composite GitHub Action (``action.yml`` at the repository root), testable locally.

``python -m mlops_audit.integrations.github_action report`` audits once and writes the JSON, SARIF and
Markdown reports, appends the Markdown to ``$GITHUB_STEP_SUMMARY`` and sets the step outputs ``score``,
``level``, ``findings``, ``sarif-file`` and ``json-file`` in ``$GITHUB_OUTPUT``; it exits 0 whatever was found
(2 on a usage or configuration error). ``... gate`` runs ``mlops-audit`` with the same options and terminal
output, and exits with its code: that is what passes or fails the job.

The inputs come from environment variables (the action maps its inputs onto them, so no input is ever
pasted into a shell script): ``MLOPS_AUDIT_PATH`` (default ``.``), ``MLOPS_AUDIT_FAIL_ON`` (empty: the
repository's configuration decides, else ``error``), ``MLOPS_AUDIT_MIN_SCORE``, ``MLOPS_AUDIT_MIN_LEVEL``,
``MLOPS_AUDIT_BASELINE`` and ``MLOPS_AUDIT_SARIF_FILE`` (default ``mlops-audit.sarif``). Relative paths are
relative to the working directory (``$GITHUB_WORKSPACE`` in a job), as on the command line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SUMMARY_LIMIT = 1_000_000  # GitHub rejects a step summary over 1 MiB
DEFAULT_SARIF = "mlops-audit.sarif"


class ActionError(Exception):
    """A bad input: reported as a workflow error annotation, exit code 2."""


@dataclass(frozen=True)
class Inputs:
    path: Path
    fail_on: str | None
    min_score: int | None
    min_level: int | None
    baseline: Path | None
    sarif_file: Path

    def gate_args(self) -> list[str]:
        """The options shared by the report and the gate, as command-line arguments."""
        args: list[str] = []
        if self.fail_on is not None:
            args += ["--fail-on", self.fail_on]
        if self.min_score is not None:
            args += ["--min-score", str(self.min_score)]
        if self.min_level is not None:
            args += ["--min-level", str(self.min_level)]
        if self.baseline is not None:
            args += ["--baseline", str(self.baseline)]
        return args


def _int(env: Mapping[str, str], name: str, option: str, low: int, high: int) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ActionError(f"{option} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ActionError(f"{option} must be between {low} and {high}, not {value}")
    return value


def read_inputs(env: Mapping[str, str]) -> Inputs:
    from mlops_audit.gate import FAIL_ON

    fail_on = env.get("MLOPS_AUDIT_FAIL_ON", "").strip().lower() or None
    if fail_on is not None and fail_on not in FAIL_ON:
        raise ActionError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    baseline = env.get("MLOPS_AUDIT_BASELINE", "").strip()
    return Inputs(
        path=Path(env.get("MLOPS_AUDIT_PATH", "").strip() or "."),
        fail_on=fail_on,
        min_score=_int(env, "MLOPS_AUDIT_MIN_SCORE", "min-score", 0, 100),
        min_level=_int(env, "MLOPS_AUDIT_MIN_LEVEL", "min-level", 0, 3),
        baseline=Path(baseline) if baseline else None,
        sarif_file=Path(env.get("MLOPS_AUDIT_SARIF_FILE", "").strip() or DEFAULT_SARIF),
    )


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def _summary(markdown: str) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= SUMMARY_LIMIT:
        return markdown if markdown.endswith("\n") else markdown + "\n"
    cut = data[: SUMMARY_LIMIT - 200].decode("utf-8", errors="ignore")
    return cut.rsplit("\n", 1)[0] + "\n\n*(report truncated: the full report is in the SARIF and JSON files)*\n"


def report(env: Mapping[str, str]) -> int:
    """Audit once; write the JSON, SARIF and Markdown reports, the step summary and the step outputs."""
    from mlops_audit.baseline import BaselineError, apply_baseline, load_baseline
    from mlops_audit.config import ConfigError, discover
    from mlops_audit.engine import run_audit
    from mlops_audit.gate import gate_failures
    from mlops_audit.reporters import render

    inputs = read_inputs(env)
    if not inputs.path.is_dir():
        raise ActionError(f"path is not a directory: {inputs.path}")
    root = inputs.path.resolve()
    try:
        config = discover(root)
    except ConfigError as exc:
        raise ActionError(str(exc)) from None
    audit = run_audit(root, config)
    if inputs.baseline is not None:
        try:
            apply_baseline(audit, load_baseline(inputs.baseline))
        except BaselineError as exc:
            raise ActionError(str(exc)) from None

    temp = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir())  # never inside the audited tree
    json_file = temp / "mlops-audit.json"
    markdown_file = temp / "mlops-audit.md"
    markdown = render(audit, "markdown")
    try:
        for target, fmt in ((json_file, "json"), (inputs.sarif_file, "sarif"), (markdown_file, "markdown")):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown if fmt == "markdown" else render(audit, fmt), encoding="utf-8")
        if env.get("GITHUB_STEP_SUMMARY"):
            _append(env["GITHUB_STEP_SUMMARY"], _summary(markdown))
        outputs = {"score": audit.score, "level": audit.level, "findings": len(audit.findings),
                   "sarif-file": inputs.sarif_file, "json-file": json_file}
        lines = "".join(f"{key}={value}\n" for key, value in outputs.items())
        if env.get("GITHUB_OUTPUT"):
            _append(env["GITHUB_OUTPUT"], lines)
    except OSError as exc:
        raise ActionError(f"cannot write the reports: {exc}") from None

    reasons = gate_failures(audit, fail_on=inputs.fail_on or config.fail_on, min_score=(
        inputs.min_score if inputs.min_score is not None else config.min_score), min_level=inputs.min_level)
    print(f"mlops-audit: score {audit.score}/100, level {audit.level}, {len(audit.findings)} finding(s); "
          f"SARIF {inputs.sarif_file}, JSON {json_file}")
    if reasons:
        print(f"mlops-audit: the gate will fail: {'; '.join(reasons)}")
    return 0


def gate(env: Mapping[str, str]) -> int:
    """``mlops-audit PATH --no-color [options]``: its exit code decides the job."""
    from mlops_audit.entry import main as cli

    inputs = read_inputs(env)
    sys.stdout.flush()
    return cli([str(inputs.path), "--no-color", *inputs.gate_args()])


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if env is None else env
    if len(args) != 1 or args[0] not in ("report", "gate"):
        print("usage: python -m mlops_audit.integrations.github_action report|gate", file=sys.stderr)
        return 2
    try:
        return report(environ) if args[0] == "report" else gate(environ)
    except ActionError as exc:
        # a workflow command: shown as an error annotation on the run
        print(f"::error title=mlops-audit::{_escape(str(exc))}")
        print(f"mlops-audit: error: {exc}", file=sys.stderr)
        return 2


def _escape(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
