"""Build small fake repositories in a tmp dir (with real git) and audit them, for tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from mlops_audit.config import Config, discover
from mlops_audit.engine import run_audit
from mlops_audit.models import Report

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/tmp"),
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    # git echoes a hostile file's bytes in its warnings (a .gitattributes line that is not UTF-8): never decode
    # them strictly, or the fixture fails before the audit is even run
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, encoding="utf-8",
                          errors="replace").stdout


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def make_repo(root: Path, files: dict[str, str | bytes], *, git_init: bool = True, commit: bool = True) -> Path:
    """Write ``files`` under ``root``; optionally ``git init`` and commit them all."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    if git_init:
        git(root, "init", "-q", "-b", "main", "--template=")  # no sample hooks: keeps tmp small
        if commit and files:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial")
    return root


def notebook(*cells: str, outputs: bool = False, counts: list[int | None] | None = None) -> str:
    """A v4 notebook with the given code cells (optionally with outputs / execution counts)."""
    nb_cells: list[dict[str, Any]] = []
    for i, src in enumerate(cells):
        count = counts[i] if counts else None
        nb_cells.append({
            "cell_type": "code", "execution_count": count, "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}] if outputs else [],
            "source": src.splitlines(keepends=True),
        })
    return json.dumps({"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


LEGACY_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "legacy-project"


def legacy_repo(root: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """A git copy of the bundled legacy example project (plus ``extra`` files)."""
    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in LEGACY_EXAMPLE.iterdir() if p.is_file()}
    return make_repo(root, {**files, **(extra or {})})


def legacy_repo_with_baseline(root: Path) -> Path:
    """The legacy example as a git repository with its baseline recorded (by the CLI) and committed."""
    import sys

    repo = legacy_repo(root)
    subprocess.run([sys.executable, "-m", "mlops_audit", "baseline", "."], cwd=repo, check=True,
                   capture_output=True, timeout=120)
    git(repo, "add", ".mlops-audit-baseline.json")
    git(repo, "commit", "-q", "-m", "baseline")
    return repo


def audit_json_cli(workspace: Path) -> dict[str, Any]:
    """The JSON report of ``mlops-audit .`` run as a user would, in ``workspace``."""
    import sys

    proc = subprocess.run([sys.executable, "-m", "mlops_audit", ".", "-f", "json", "--exit-zero"], cwd=workspace,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def recording_python(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding a stand-in `python` that only records its arguments, and the file it records them in
    (to check an install command without installing anything)."""
    shim = tmp_path / "bin"
    shim.mkdir()
    record = tmp_path / "pip-args"
    (shim / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    (shim / "python").chmod(0o755)
    return shim, record


def audit(root: Path, config: Config | None = None, **kwargs: Any) -> Report:
    return run_audit(root, config if config is not None else discover(root), **kwargs)


def failing(report: Report) -> set[str]:
    return {r.rule.id for r in report.results if r.status == "fail"}


def status(report: Report, rule_id: str) -> str:
    for r in report.results:
        if r.rule.id == rule_id:
            return r.status
    raise KeyError(rule_id)
