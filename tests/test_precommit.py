"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run for real by pre-commit.

pre-commit installs a hook repository from git at a commit, so the module builds a throwaway git repository
from the current files of this checkout (committed or not) and points `repo:` at it. Both hooks live in that
one repository, so pre-commit creates one environment for the whole module (in a shared PRE_COMMIT_HOME):
the first hook run pays for a `pip install` of mlops-audit and its dependencies, every later run reuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from ml_fixtures import clean_project
from repo_builder import GIT_ENV, git, make_repo, notebook

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install pre-commit)")

ROOT = Path(__file__).resolve().parents[1]
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
LEGACY = ROOT / "examples" / "legacy-project"
INSTALL_TIMEOUT = 900  # the first run creates the hook environment: pip install from the package index

Runner = Callable[..., subprocess.CompletedProcess[str]]


def _hooks() -> dict[str, dict[str, object]]:
    doc = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(doc, list)
    return {hook["id"]: hook for hook in doc}


# --------------------------------------------------------------------------- the manifest itself (fast)
def test_manifest_declares_the_two_hooks() -> None:
    hooks = _hooks()
    assert set(hooks) == {"mlops-audit", "mlops-audit-notebooks"}
    audit = hooks["mlops-audit"]
    assert audit["entry"] == "mlops-audit"
    assert audit["language"] == "python"
    assert audit["pass_filenames"] is False
    assert audit["always_run"] is True
    assert audit["require_serial"] is True
    nb = hooks["mlops-audit-notebooks"]
    assert nb["entry"] == "mlops-audit notebooks"
    assert nb["language"] == "python"
    assert nb.get("pass_filenames", True) is True
    assert nb["files"] == r"\.ipynb$"
    assert nb["types"] == ["jupyter"]


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_validation_can_fail(tmp_path: Path) -> None:
    """The validator used above does reject a broken manifest (so its pass means something)."""
    bad = tmp_path / ".pre-commit-hooks.yaml"
    bad.write_text("- id: x\n  entry: x\n", encoding="utf-8")  # no name, no language
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0


# --------------------------------------------------------------------------- real pre-commit runs
@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding the current files of this checkout, committed; returns (path, commit)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            capture_output=True, text=True, check=True).stdout.split("\0")
    dest = tmp_path_factory.mktemp("hook-repo")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_symlink() or not src.is_file():  # deleted in the work tree, or not a plain file
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    assert (dest / ".pre-commit-hooks.yaml").is_file() and (dest / "pyproject.toml").is_file()
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "hook repository snapshot")
    return dest, git(dest, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """Run pre-commit with a PRE_COMMIT_HOME shared by the whole module (one hook environment)."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    env.pop("SKIP", None)

    def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=INSTALL_TIMEOUT)

    return run


def _config(hook_repo: tuple[Path, str], *hook_ids: str) -> str:
    path, rev = hook_repo
    hooks = "".join(f"      - id: {h}\n" for h in hook_ids)
    return f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}"


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def legacy_repo(tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str]) -> Path:
    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in LEGACY.iterdir() if p.is_file()}
    files[".pre-commit-config.yaml"] = _config(hook_repo, "mlops-audit", "mlops-audit-notebooks")
    return make_repo(tmp_path_factory.mktemp("legacy") / "repo", files)


@pytest.fixture(scope="module")
def clean_repo(tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str]) -> Path:
    files: dict[str, str | bytes] = dict(clean_project())
    files[".pre-commit-config.yaml"] = _config(hook_repo, "mlops-audit", "mlops-audit-notebooks")
    return make_repo(tmp_path_factory.mktemp("clean") / "repo", files)


def test_legacy_repository_fails_the_audit_hook(legacy_repo: Path, pre_commit: Runner) -> None:
    proc = pre_commit(legacy_repo, "run", "--all-files")
    out = _output(proc)
    assert proc.returncode == 1, out
    assert "mlops-audit" in out and "Failed" in out
    assert "DAT001" in out  # the audit's own report, shown by pre-commit
    assert "Level 0" in out
    assert "REP006" in out and "train.ipynb" in out  # the notebook hook: committed outputs
    assert "Traceback" not in out


def test_clean_repository_passes_both_hooks(clean_repo: Path, pre_commit: Runner) -> None:
    proc = pre_commit(clean_repo, "run", "--all-files")
    out = _output(proc)
    assert proc.returncode == 0, out
    lines = [ln for ln in out.splitlines() if ln.startswith("mlops-audit")]
    assert len(lines) == 2 and all(ln.rstrip().endswith("Passed") for ln in lines), out


def test_audit_hook_runs_even_when_no_file_changed(clean_repo: Path, pre_commit: Runner) -> None:
    """always_run: a commit touching nothing the audit cares about still runs it (and the notebook hook skips)."""
    proc = pre_commit(clean_repo, "run")  # nothing staged
    out = _output(proc)
    assert proc.returncode == 0, out
    audit_line = next(ln for ln in out.splitlines() if ln.startswith("mlops-audit") and "notebooks" not in ln)
    assert audit_line.rstrip().endswith("Passed"), out
    nb_line = next(ln for ln in out.splitlines() if ln.startswith("mlops-audit notebooks"))
    assert "Skipped" in nb_line, out


def test_notebook_hook_fails_on_staged_outputs_then_passes_once_stripped(
        tmp_path: Path, hook_repo: tuple[Path, str], pre_commit: Runner) -> None:
    repo = make_repo(tmp_path / "repo", {
        ".pre-commit-config.yaml": _config(hook_repo, "mlops-audit-notebooks"),
        "README.md": "# notebooks\n",
        "notebooks/old.ipynb": notebook("print(1)\n", outputs=True, counts=[1]),  # committed, not staged
    })
    (repo / "notebooks" / "new.ipynb").write_text(notebook("x = 1\n", "print(x)\n", outputs=True, counts=[1, 2]),
                                                  encoding="utf-8")
    (repo / "notes.txt").write_text("not a notebook\n", encoding="utf-8")
    git(repo, "add", "notebooks/new.ipynb", "notes.txt")

    proc = pre_commit(repo, "run")
    out = _output(proc)
    assert proc.returncode == 1, out
    assert "notebooks/new.ipynb: REP006 2 of 2 code cells carry outputs" in out
    assert "old.ipynb" not in out  # only the staged notebook is passed to the hook

    (repo / "notebooks" / "new.ipynb").write_text(notebook("x = 1\n", "print(x)\n"), encoding="utf-8")
    git(repo, "add", "notebooks/new.ipynb")
    proc = pre_commit(repo, "run")
    out = _output(proc)
    assert proc.returncode == 0, out
    assert "REP006" not in out and "Passed" in out


def test_notebook_hook_masks_a_secret_in_a_staged_notebook(
        tmp_path: Path, hook_repo: tuple[Path, str], pre_commit: Runner) -> None:
    secret = "AKIA" + "Z7Q4M2X9L5K8J3H6"
    repo = make_repo(tmp_path / "repo", {
        ".pre-commit-config.yaml": _config(hook_repo, "mlops-audit-notebooks"),
        "README.md": "# notebooks\n",
    })
    (repo / "explore.ipynb").write_text(notebook(f'key = "{secret}"\n'), encoding="utf-8")
    git(repo, "add", "explore.ipynb")
    proc = pre_commit(repo, "run")
    out = _output(proc)
    assert proc.returncode == 1, out
    assert "explore.ipynb [cell 1]: GOV001" in out
    assert secret not in out and secret[4:] not in out
