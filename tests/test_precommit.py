"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run for real by pre-commit.

pre-commit installs a hook repository from git at a commit, so the module builds a throwaway git repository
from the current files of this checkout (committed or not) and points `repo:` at it. Both hooks live in that
one repository, so pre-commit creates one environment for the whole module (in a shared PRE_COMMIT_HOME):
the first hook run pays for a `pip install` of mlops-audit and its dependencies, every later run reuses it.
"""

from __future__ import annotations

import os
import re
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
    assert audit["args"] == ["--quiet"]  # the verdict and the failing findings, one line each; nothing on a pass
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
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of every pre-commit run: a PRE_COMMIT_HOME shared by the whole module (one hook
    environment), no colour, no CI (the hooks run as on a developer's machine)."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    for name in ("PRE_COMMIT", "SKIP", "CI", "GITHUB_ACTIONS", "GITLAB_CI"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def pre_commit(hook_env: dict[str, str]) -> Runner:
    """Run pre-commit with the module's environment."""

    def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=repo,
                              env=hook_env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)

    return run


@pytest.fixture(scope="module")
def commit(hook_env: dict[str, str]) -> Runner:
    """`git commit -m MESSAGE` for real, in a repository where `pre-commit install` put its git hook."""

    def run(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=hook_env, capture_output=True,
                              text=True, timeout=INSTALL_TIMEOUT)

    return run


def _config(hook_repo: tuple[Path, str], *hook_ids: str) -> str:
    path, rev = hook_repo
    hooks = "".join(f"      - id: {h}\n" for h in hook_ids)
    return f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}"


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


FINDING = re.compile(r"^\S.*: [A-Z]{3}\d{3} \[(error|warning|info)\] ")  # a --quiet finding line
VERDICT = re.compile(r"^mlops-audit: .*\d+ (new )?finding\(s\) at or above \w+$")
STATUS = re.compile(r"^\S.*\.{3,}\s*(\(no files to check\))?(Passed|Failed|Skipped)$")


def hook_output(out: str, name: str) -> list[str]:
    """What hook ``name`` printed, as pre-commit shows it (below its status line and its ``- hook id``,
    ``- duration``, ``- exit code`` lines; with ``verbose: true`` also when it passes)."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if STATUS.match(ln) and ln.startswith(name + "."))
    body = []
    for ln in lines[start + 1:]:
        if STATUS.match(ln):
            break
        if ln.startswith(("- hook id:", "- duration:", "- exit code:", "- files were modified")) or not ln.strip():
            continue
        body.append(ln)
    return body


def _verbose(config: str, hook_id: str = "mlops-audit") -> str:
    """``config`` with ``verbose: true`` on the hook: pre-commit then shows its output when it passes too."""
    line = f"      - id: {hook_id}\n"
    assert config.count(line) == 1, config
    return config.replace(line, line + "        verbose: true\n")


def _hooks_from(config: str, hook_repo: tuple[Path, str]) -> str:
    """A configuration `mlops-audit init` wrote, pointed at the hook repository snapshot (same hooks, same args)."""
    from mlops_audit import __version__
    from mlops_audit.init import REPO_URL

    path, rev = hook_repo
    assert f"repo: {REPO_URL}\n    rev: v{__version__}\n" in config
    return config.replace(f"repo: {REPO_URL}\n    rev: v{__version__}\n", f"repo: {path}\n    rev: {rev}\n")


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
    audit = hook_output(out, "mlops-audit")
    assert any(ln.startswith("data.csv: DAT001 [error]") for ln in audit), audit  # the failing findings
    assert all(FINDING.search(ln) or VERDICT.search(ln) for ln in audit), audit  # quiet: nothing else
    assert [ln for ln in audit if VERDICT.search(ln)] == [audit[-1]]  # the verdict, last
    assert not any(FINDING.search(ln) and "[warning]" in ln for ln in audit)  # only what fails (error)
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


# --------------------------------------------------------------------------- quiet hooks on a baseline, for real
@pytest.fixture(scope="module")
def baselined_repo(tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str],
                   pre_commit: Runner) -> Path:
    """A small legacy repository set up by `mlops-audit init --baseline` (hook, CI gate and baseline, committed),
    its hooks installed into git by `pre-commit install`."""
    from mlops_audit.init import init_repository

    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in LEGACY.iterdir() if p.is_file()}
    repo = make_repo(tmp_path_factory.mktemp("baselined") / "repo", files)
    lines = init_repository(repo, baseline=True, ask=lambda question: False)
    assert lines[-1].startswith("created  baseline:"), lines
    config = repo / ".pre-commit-config.yaml"
    config.write_text(_verbose(_hooks_from(config.read_text(encoding="utf-8"), hook_repo)), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "mlops-audit init --baseline")
    proc = pre_commit(repo, "install")
    assert proc.returncode == 0, _output(proc)
    return repo


def test_with_a_baseline_a_commit_passes_and_the_hook_says_nothing(baselined_repo: Path, commit: Runner) -> None:
    repo = baselined_repo
    with (repo / "notes.txt").open("a", encoding="utf-8") as fh:
        fh.write("retrain monthly\n")
    git(repo, "add", "notes.txt")
    head = git(repo, "rev-parse", "HEAD")
    proc = commit(repo, "notes")
    out = _output(proc)
    assert proc.returncode == 0, out
    assert git(repo, "rev-parse", "HEAD") != head  # committed
    assert re.search(r"^mlops-audit\.+Passed$", out, re.M), out  # the hook ran (not skipped) and passed
    assert hook_output(out, "mlops-audit") == [], out  # verbose: true shows it printed nothing


def test_with_a_baseline_a_new_problem_blocks_the_commit_in_one_line(baselined_repo: Path, commit: Runner) -> None:
    repo = baselined_repo
    (repo / "customers.csv").write_text("id,spend\n" + "".join(f"{i},{i % 97}\n" for i in range(300)),
                                        encoding="utf-8")
    git(repo, "add", "customers.csv")
    head = git(repo, "rev-parse", "HEAD")
    proc = commit(repo, "more data")
    out = _output(proc)
    assert proc.returncode != 0, out
    assert git(repo, "rev-parse", "HEAD") == head  # blocked
    audit = hook_output(out, "mlops-audit")
    findings = [ln for ln in audit if FINDING.search(ln)]
    assert len(findings) == 1 and findings[0].startswith("customers.csv: DAT001 [error] CSV data file"), out
    assert len(audit) == 2 and re.match(r"^mlops-audit: .*: 1 new finding\(s\) at or above error$", audit[1]), out
    git(repo, "rm", "-q", "--cached", "customers.csv")  # leave the repository as the other test expects it
    (repo / "customers.csv").unlink()


def test_on_a_clean_repository_the_hook_is_silent(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit: Runner,
                                                  commit: Runner) -> None:
    files: dict[str, str | bytes] = dict(clean_project())
    files[".pre-commit-config.yaml"] = _verbose(_config(hook_repo, "mlops-audit", "mlops-audit-notebooks"))
    repo = make_repo(tmp_path / "repo", files)
    assert pre_commit(repo, "install").returncode == 0
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nMore words.\n", encoding="utf-8")
    git(repo, "add", "README.md")
    proc = commit(repo, "docs")
    out = _output(proc)
    assert proc.returncode == 0, out
    assert re.search(r"^mlops-audit\.+Passed$", out, re.M), out
    assert hook_output(out, "mlops-audit") == [], out
