"""`mlops-audit init`: add the audit to an existing repository without breaking anything.

It writes a starter `[tool.mlops-audit]` section, a pre-commit entry and a CI gate. A file that exists is
never overwritten without --force; with --force only the blocks `init` itself wrote are replaced. Every
action is reported, including what was left alone and why.

On a repository that has findings it offers to record them in a baseline (`mlops-audit baseline`'s file,
`.mlops-audit-baseline.json`) and wires the pre-commit hook and the CI gate it writes to it, so that only new
findings block a commit or a job: it asks on a terminal; ``baseline=True``/``False`` (``--baseline`` /
``--no-baseline``) decide without asking, and without a terminal (or under CI) it never asks and records
nothing. A baseline file that is already there is reused, never overwritten.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_audit import __version__
from mlops_audit.baseline import BASELINE_NAME

if TYPE_CHECKING:
    from mlops_audit.config import Config
    from mlops_audit.models import Report

REPO_URL = "https://github.com/mlops-audit/mlops-audit"
BEGIN, END = "# >>> mlops-audit init >>>", "# <<< mlops-audit init <<<"

CONFIG_BLOCK = f"""{BEGIN}
[tool.mlops-audit]
fail-on = "error"          # error | warning | info | never
# min-score = 60
# exclude = ["vendor/**"]

[tool.mlops-audit.ignore]  # rule ID = "why you accept it" (shown in every report)
# MON004 = "alerting lives in our monitoring platform"
{END}
"""

# The whole-repository hook's arguments when it gates on a baseline. `args:` in a configuration replaces the
# hook's own (`--quiet`, see .pre-commit-hooks.yaml), so --quiet is repeated here.
HOOK_BASELINE_ARGS = f"[--quiet, --baseline, {BASELINE_NAME}]"


def pre_commit_entry(baseline: bool = False) -> str:
    """The `repos:` item for this repository's hooks (the audit hook gated on the baseline if ``baseline``)."""
    args = f"        args: {HOOK_BASELINE_ARGS}\n" if baseline else ""
    return (f"  - repo: {REPO_URL}\n    rev: v{__version__}\n    hooks:\n      - id: mlops-audit\n{args}"
            "      - id: mlops-audit-notebooks\n")


PRE_COMMIT_ENTRY = pre_commit_entry()


def github_workflow(baseline: bool = False) -> str:
    """The GitHub Actions gate: this repository's action, then the SARIF upload."""
    with_ = (f"        with:\n          baseline: {BASELINE_NAME}  # only findings not in it fail the job\n"
             if baseline else "")
    return f"""{BEGIN}
# Written by `mlops-audit init`; `mlops-audit init --force` rewrites this file (and only files with this line).
name: mlops-audit
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  audit:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write  # to upload the SARIF report to code scanning
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the audit looks for large files in the whole history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - id: audit
        uses: mlops-audit/mlops-audit@v{__version__}
{with_}      - if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: ${{{{ steps.audit.outputs.sarif-file }}}}
{END}
"""


GITHUB_WORKFLOW = github_workflow()


def gitlab_job(baseline: bool = False) -> str:
    """The GitLab CI gate: the include of ci/gitlab/mlops-audit.gitlab-ci.yml at the tool's version."""
    job = (f"mlops-audit:  # the job the include defines\n  variables:\n"
           f"    MLOPS_AUDIT_BASELINE: \"{BASELINE_NAME}\"  # only findings not in it fail the job\n"
           if baseline else "")
    return f"""{BEGIN}
# Written by `mlops-audit init`; `mlops-audit init --force` rewrites this file (and only files with this line).
include:
  - remote: "https://raw.githubusercontent.com/mlops-audit/mlops-audit/v{__version__}/ci/gitlab/mlops-audit.gitlab-ci.yml"
{job}{END}
"""


GITLAB_JOB = gitlab_job()


CONFIG_SECTION = re.compile(r"^\[tool\.mlops-audit(\.|\])", re.M)  # a section of ours, by init or by hand


def with_config_block(pyproject: str) -> str:
    """``pyproject`` text with the configuration block appended after a blank line."""
    sep = "" if pyproject.endswith("\n\n") else ("\n" if pyproject.endswith("\n") else "\n\n")
    return pyproject + sep + CONFIG_BLOCK


def standalone_config() -> str:
    """The configuration block as a `.mlops-audit.toml` of its own (for a repository without pyproject.toml)."""
    return CONFIG_BLOCK.replace("[tool.mlops-audit.ignore]", "[ignore]").replace("[tool.mlops-audit]\n", "")


class InitError(Exception):
    """init cannot proceed (a one-line message for the user)."""


def _written_by_init(path: Path) -> bool:
    try:
        return BEGIN in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write_new(path: Path, text: str, force: bool, label: str, note: str = "") -> str:
    """Create ``path``; with --force, replace it only if init wrote it (a hand-written file is never touched)."""
    if path.exists() and not force:
        return f"kept     {label}: {path} exists (use --force to rewrite what init wrote)"
    if path.exists() and not _written_by_init(path):
        return f"kept     {label}: {path} was written by hand; init does not replace it, even with --force"
    existed = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"{'replaced' if existed else 'created '} {label}: {path}{note}"


def _config(root: Path, force: bool) -> str:
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return _write_new(root / ".mlops-audit.toml", standalone_config(), force, "configuration")
    text = pyproject.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        if not force:
            return f"kept     configuration: {pyproject} already has the init block (use --force to rewrite it)"
        start, end = text.index(BEGIN), text.index(END) + len(END)
        pyproject.write_text(text[:start] + CONFIG_BLOCK.rstrip("\n") + text[end:], encoding="utf-8")
        return f"replaced configuration: the init block of {pyproject}"
    if CONFIG_SECTION.search(text):
        return f"kept     configuration: {pyproject} already has a hand-written [tool.mlops-audit] section"
    pyproject.write_text(with_config_block(text), encoding="utf-8")
    return f"appended configuration: [tool.mlops-audit] to {pyproject}"


GATED = f" (gated on {BASELINE_NAME}: only new findings fail)"


def _pre_commit(root: Path, force: bool, gated: bool = False) -> str:
    path = root / ".pre-commit-config.yaml"
    entry, note = pre_commit_entry(gated), GATED if gated else ""
    if not path.exists():
        return _write_new(path, "repos:\n" + entry, force, "pre-commit hooks", note)
    text = path.read_text(encoding="utf-8")
    if "mlops-audit" in text:
        if not gated or BASELINE_NAME in text:
            return f"kept     pre-commit hooks: {path} already runs mlops-audit"
        ours = PRE_COMMIT_ENTRY in text  # init's own entry, as it wrote it
        if ours and force:
            path.write_text(text.replace(PRE_COMMIT_ENTRY, entry, 1), encoding="utf-8")
            return f"replaced pre-commit hooks: the mlops-audit entry init wrote in {path}{note}"
        return (f"kept     pre-commit hooks: {path} already runs mlops-audit; to fail only on new findings give its "
                f"mlops-audit hook `args: {HOOK_BASELINE_ARGS}`" + (" (or rerun with --force)" if ours else ""))
    top_keys = re.findall(r"^([A-Za-z_][\w-]*)\s*:", text, re.M)
    if top_keys and top_keys[-1] == "repos" and force:
        path.write_text(text.rstrip("\n") + "\n" + entry, encoding="utf-8")
        return f"appended pre-commit hooks: the mlops-audit repo to {path}{note}"
    return (f"kept     pre-commit hooks: {path} exists; add this under `repos:` "
            f"(or rerun with --force):\n{entry}")


def _detect_ci(root: Path) -> str:
    if (root / ".gitlab-ci.yml").exists():
        return "gitlab"
    return "github"


def _gate_hint(path: Path, system: str) -> str:
    """What to change by hand in a CI gate init kept, so that it fails only on new findings."""
    if _mentions(path, BASELINE_NAME):
        return ""
    if _mentions(path, BEGIN):
        return f"; rerun with --force to gate it on {BASELINE_NAME}"
    how = (f"the action's input `baseline: {BASELINE_NAME}`" if system == "github"
           else f"the variable MLOPS_AUDIT_BASELINE: \"{BASELINE_NAME}\"")
    return f"; to fail only on new findings give its audit --baseline {BASELINE_NAME} ({how})"


def _gate_file(root: Path, ci: str | None) -> Path:
    """The CI gate init writes for ``ci`` (or the CI system it detects)."""
    if (ci or _detect_ci(root)) == "gitlab":
        return root / ".gitlab" / "mlops-audit.gitlab-ci.yml"
    return root / ".github" / "workflows" / "mlops-audit.yml"


def _mentions(path: Path, text: str) -> bool:
    try:
        return text in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _ci(root: Path, force: bool, ci: str | None, gated: bool = False) -> str:
    system = ci or _detect_ci(root)
    note = GATED if gated else ""
    path = _gate_file(root, ci)
    if system == "github":
        action = _write_new(path, github_workflow(gated), force, "CI gate", note)
        return action + (_gate_hint(path, system) if gated and action.startswith("kept") else "")
    if system == "gitlab":
        action = _write_new(path, gitlab_job(gated), force, "CI gate", note)
        if gated and action.startswith("kept"):
            action += _gate_hint(path, system)
        main = root / ".gitlab-ci.yml"
        if main.exists() and ".gitlab/mlops-audit.gitlab-ci.yml" not in main.read_text(encoding="utf-8"):
            action += ("\n         add to .gitlab-ci.yml:  include: [{local: .gitlab/mlops-audit.gitlab-ci.yml}]")
        return action
    raise InitError(f"--ci must be github or gitlab, not {system!r}")


# --------------------------------------------------------------------------- the baseline
@dataclass
class BaselineChoice:
    """What init does about a baseline: gate the hook and the CI gate on it (``gated``), by recording a new one
    (``known`` None) or reusing the one there (``known``: what it records); ``line`` says why not when not."""

    gated: bool = False
    known: Counter[str] | None = None
    line: str | None = None


def in_ci() -> bool:
    """Whether this runs in a CI job (``CI`` set, as every CI service does): nobody is there to answer."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def terminal_question() -> Callable[[str], bool] | None:
    """A yes/no question on the terminal, or None when there is nobody to ask (no terminal, or CI): init must
    never wait on a stdin nobody writes to."""
    stdin, stdout = sys.stdin, sys.stdout
    if in_ci() or stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
        return None
    return _ask


def _ask(question: str) -> bool:
    try:
        answer = input(f"{question} [Y/n] ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("", "y", "yes")


def _audit(root: Path) -> tuple[Report, Config]:
    """The audit of ``root`` with its configuration, as `mlops-audit` would run it (InitError: a bad one)."""
    from mlops_audit.checkcmd import UsageError, config_for
    from mlops_audit.engine import run_audit

    try:
        config = config_for(root, None)
    except UsageError as exc:
        raise InitError(str(exc)) from None
    return run_audit(root.resolve(), config), config


def _blocking(report: Report, fail_on: str) -> int:
    from mlops_audit.models import SEVERITY_RANK

    if fail_on not in SEVERITY_RANK:
        return 0
    return sum(SEVERITY_RANK[f.rule.severity] >= SEVERITY_RANK[fail_on] for f in report.findings)


def _existing_baseline(path: Path) -> tuple[Counter[str] | None, str]:
    """What the baseline file at ``path`` records, or None and why it cannot be used."""
    from mlops_audit.baseline import BaselineError, parse_baseline

    if path.is_symlink() or not path.is_file():
        return None, f"{path} is not a regular file"
    try:
        return parse_baseline(path.read_text(encoding="utf-8"), path), ""
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read {path}: {exc}"
    except BaselineError as exc:
        return None, str(exc)


def choose_baseline(root: Path, baseline: bool | None, ask: Callable[[str], bool] | None) -> BaselineChoice:
    """Decide, before anything is written, whether the hook and the CI gate gate on a baseline."""
    path = root / BASELINE_NAME
    if os.path.lexists(path):
        if baseline is False:
            return BaselineChoice(line=f"kept     baseline: {path} (--no-baseline: the hook and the CI gate "
                                       "are not gated on it)")
        known, problem = _existing_baseline(path)
        if known is None:
            return BaselineChoice(line=f"kept     baseline: {problem}; the hook and the CI gate are not gated on "
                                       "it (move it away and rerun init to record a new one)")
        return BaselineChoice(gated=True, known=known)
    if baseline is False:
        return BaselineChoice(line="skipped  baseline: --no-baseline: the hook and the CI gate fail on every "
                                   "finding")
    report, config = _audit(root)
    count = len(report.findings)
    if not count:
        return BaselineChoice(line="skipped  baseline: no findings to record" if baseline else None)
    what = f"{count} finding(s)"
    if config.fail_on != "never":
        what += f", {_blocking(report, config.fail_on)} at or above {config.fail_on}"
    if baseline:
        return BaselineChoice(gated=True)
    if ask is None:
        return BaselineChoice(line=f"skipped  baseline: {what}, and no terminal to ask: rerun with --baseline to "
                                   "record them so that the hook and the CI gate fail only on new ones "
                                   "(--no-baseline: do not ask)")
    if ask(f"This repository has {what}. Record them in {BASELINE_NAME} so that the pre-commit hook and the "
           "CI gate fail only on new ones?"):
        return BaselineChoice(gated=True)
    return BaselineChoice(line=f"skipped  baseline: not recorded ({what}; the hook and the CI gate fail on them)")


def _gated_on_it(gated: list[str]) -> str:
    if not gated:
        return "nothing is gated on it yet (see above)"
    if len(gated) == 2:
        return "the pre-commit hook and the CI gate fail only on new findings"
    return f"the {gated[0]} fails only on new findings (see above for the other)"


def record_baseline(root: Path, choice: BaselineChoice, gated: list[str] | None = None) -> str | None:
    """Record the baseline (after init's own files are written: they change what the audit finds), or say how
    the one reused covers today's findings. ``gated``: the gates init did wire to it ("pre-commit hook",
    "CI gate")."""
    from mlops_audit.baseline import baseline_text, not_in_baseline

    if not choice.gated:
        return choice.line
    path = root / BASELINE_NAME
    report, _ = _audit(root)
    effect = _gated_on_it(gated if gated is not None else ["pre-commit hook", "CI gate"])
    if choice.known is not None:
        line = f"kept     baseline: {path}, {sum(choice.known.values())} finding(s) recorded, reused: {effect}"
        missing = not_in_baseline(report, choice.known)
        if missing:
            line += (f"; {missing} of today's finding(s) are not in it and fail them (`mlops-audit baseline` "
                     "records them)")
        return line
    from mlops_audit.fix.workspace import ApplyError, Workspace

    ws = Workspace(root)  # the same safe write as `fix`: a new file, never through a link, never over a file
    if not ws.create(BASELINE_NAME, baseline_text(report.findings)):
        raise InitError(f"cannot create {path}: it exists now, or a symbolic link is on the way")
    try:
        ws.apply()
    except ApplyError as exc:
        raise InitError(str(exc)) from None
    return f"created  baseline: {path}, {len(report.findings)} finding(s) recorded (commit it): {effect}"


def init_repository(root: Path, *, force: bool = False, ci: str | None = None, baseline: bool | None = None,
                    ask: Callable[[str], bool] | None = None) -> list[str]:
    """Set up the audit in ``root``; returns one line per action.

    ``baseline``: True records the findings in a baseline and gates the hook and the CI gate on it, False never
    does, None asks (``ask``, else the terminal when there is one; with nobody to ask, nothing is recorded)."""
    if ci is not None and ci not in ("github", "gitlab"):
        raise InitError(f"--ci must be github or gitlab, not {ci!r}")
    try:
        choice = choose_baseline(root, baseline, ask if ask is not None else terminal_question())
        lines = [_config(root, force), _pre_commit(root, force, choice.gated), _ci(root, force, ci, choice.gated)]
        gates = {"pre-commit hook": root / ".pre-commit-config.yaml", "CI gate": _gate_file(root, ci)}
        gated = [name for name, path in gates.items() if _mentions(path, BASELINE_NAME)]
        last = record_baseline(root, choice, gated)
    except (OSError, UnicodeDecodeError) as exc:
        raise InitError(f"cannot set up {root}: {exc}") from None
    return lines + ([last] if last else [])
