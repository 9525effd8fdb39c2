"""`mlops-audit init`: add the audit to an existing repository without breaking anything.

It writes a starter `[tool.mlops-audit]` section, a pre-commit entry and a CI gate. A file that exists is
never overwritten without --force; with --force only the blocks `init` itself wrote are replaced. Every
action is reported, including what was left alone and why.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlops_audit import __version__

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

PRE_COMMIT_ENTRY = f"""  - repo: {REPO_URL}
    rev: v{__version__}
    hooks:
      - id: mlops-audit
      - id: mlops-audit-notebooks
"""

GITHUB_WORKFLOW = f"""{BEGIN}
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
      - if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: ${{{{ steps.audit.outputs.sarif-file }}}}
{END}
"""

GITLAB_JOB = f"""{BEGIN}
# Written by `mlops-audit init`; `mlops-audit init --force` rewrites this file (and only files with this line).
include:
  - remote: "https://raw.githubusercontent.com/mlops-audit/mlops-audit/v{__version__}/ci/gitlab/mlops-audit.gitlab-ci.yml"
{END}
"""


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


def _write_new(path: Path, text: str, force: bool, label: str) -> str:
    """Create ``path``; with --force, replace it only if init wrote it (a hand-written file is never touched)."""
    if path.exists() and not force:
        return f"kept     {label}: {path} exists (use --force to rewrite what init wrote)"
    if path.exists() and not _written_by_init(path):
        return f"kept     {label}: {path} was written by hand; init does not replace it, even with --force"
    existed = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"{'replaced' if existed else 'created '} {label}: {path}"


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


def _pre_commit(root: Path, force: bool) -> str:
    path = root / ".pre-commit-config.yaml"
    if not path.exists():
        return _write_new(path, "repos:\n" + PRE_COMMIT_ENTRY, force, "pre-commit hooks")
    text = path.read_text(encoding="utf-8")
    if "mlops-audit" in text:
        return f"kept     pre-commit hooks: {path} already runs mlops-audit"
    top_keys = re.findall(r"^([A-Za-z_][\w-]*)\s*:", text, re.M)
    if top_keys and top_keys[-1] == "repos" and force:
        path.write_text(text.rstrip("\n") + "\n" + PRE_COMMIT_ENTRY, encoding="utf-8")
        return f"appended pre-commit hooks: the mlops-audit repo to {path}"
    return (f"kept     pre-commit hooks: {path} exists; add this under `repos:` "
            f"(or rerun with --force):\n{PRE_COMMIT_ENTRY}")


def _detect_ci(root: Path) -> str:
    if (root / ".gitlab-ci.yml").exists():
        return "gitlab"
    return "github"


def _ci(root: Path, force: bool, ci: str | None) -> str:
    system = ci or _detect_ci(root)
    if system == "github":
        return _write_new(root / ".github" / "workflows" / "mlops-audit.yml", GITHUB_WORKFLOW, force, "CI gate")
    if system == "gitlab":
        action = _write_new(root / ".gitlab" / "mlops-audit.gitlab-ci.yml", GITLAB_JOB, force, "CI gate")
        main = root / ".gitlab-ci.yml"
        if main.exists() and ".gitlab/mlops-audit.gitlab-ci.yml" not in main.read_text(encoding="utf-8"):
            action += ("\n         add to .gitlab-ci.yml:  include: [{local: .gitlab/mlops-audit.gitlab-ci.yml}]")
        return action
    raise InitError(f"--ci must be github or gitlab, not {system!r}")


def init_repository(root: Path, *, force: bool = False, ci: str | None = None) -> list[str]:
    """Set up the audit in ``root``; returns one line per action."""
    if ci is not None and ci not in ("github", "gitlab"):
        raise InitError(f"--ci must be github or gitlab, not {ci!r}")
    try:
        return [_config(root, force), _pre_commit(root, force), _ci(root, force, ci)]
    except (OSError, UnicodeDecodeError) as exc:
        raise InitError(f"cannot set up {root}: {exc}") from None
