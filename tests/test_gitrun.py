"""The one hardened git runner: it is the only way the package runs git, and what it neutralises."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from mlops_audit import gitrun
from repo_builder import git, make_repo

PACKAGE = Path(gitrun.__file__).parent


def _git_invocations(tree: ast.AST) -> list[int]:
    """Lines of a list/tuple literal that starts a git command line ("git", "git-lfs"), or of a lookup of the
    git executable: only gitrun.py may hold either."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value in ("git", "git-lfs"):
                lines.append(node.lineno)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "which"
                and node.args and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("git")):
            lines.append(node.lineno)
    return sorted(lines)


def test_no_module_but_gitrun_runs_git() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "gitrun.py" or "template" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{line}" for line in _git_invocations(tree)]
    assert offenders == [], f"run git through mlops_audit.gitrun: {offenders}"


def test_the_offender_scan_finds_a_direct_call() -> None:
    assert _git_invocations(ast.parse('subprocess.run(["git", "status"])\nshutil.which("git")\n')) == [1, 2]


def test_only_plumbing_commands_are_allowed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a": "x"})
    located = gitrun.locate(repo)
    assert isinstance(located, gitrun.GitRepo)
    for command in ("add", "rm", "status", "diff", "log", "commit", "lfs", "checkout", "fetch", "submodule"):
        with pytest.raises(ValueError, match="not an allowed command"):
            gitrun.run(located, command)
    assert gitrun.run(located, "ls-files").stdout == b"a\n"


def test_inherited_git_variables_and_programs_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_EXTERNAL_DIFF", "GIT_SSH", "PAGER"):
        monkeypatch.setenv(name, "/elsewhere")
    env = gitrun.clean_env()
    assert not {"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_EXTERNAL_DIFF", "GIT_SSH", "PAGER"} & set(env)
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_ALLOW_PROTOCOL"] == ""


def test_every_driver_command_the_repository_defines_is_overridden(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a": "x"})
    for key in ("filter.MyDriver.clean", "filter.MyDriver.process", "diff.Odd Name.textconv", "merge.m.driver",
                "alias.st", "remote.origin.uploadpack", "pager.log", "submodule.s.update", "difftool.t.cmd"):
        git(repo, "config", key, "touch /tmp/never")
    git(repo, "config", "filter.MyDriver.required", "true")
    located = gitrun.locate(repo)
    assert isinstance(located, gitrun.GitRepo)
    gitrun._CONFIG.clear()
    overrides = gitrun._driver_overrides(located)
    settings = {overrides[i + 1] for i in range(0, len(overrides), 2)}
    assert {"filter.MyDriver.clean=", "filter.MyDriver.process=", "diff.Odd Name.textconv=", "merge.m.driver=",
            "alias.st=", "remote.origin.uploadpack=", "pager.log=", "submodule.s.update=",
            "difftool.t.cmd="} <= settings
    assert "filter.MyDriver.required=" in settings  # empty is false: an emptied required filter would fail
    # what git then sees: the repository's command replaced by the empty override
    shown = gitrun.run(located, "config", "--get", "filter.MyDriver.clean").stdout
    assert shown.strip() == b""


def test_every_fixed_setting_wins_over_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a": "x"})
    for key, _ in gitrun.NEUTRALISED:
        git(repo, "config", key, "touch /tmp/never")
    located = gitrun.locate(repo)
    assert isinstance(located, gitrun.GitRepo)
    for key, value in gitrun.NEUTRALISED:
        shown = gitrun.run(located, "config", "--get", key).stdout.decode().strip()
        assert shown == value, key


def test_no_repository_is_discovered_without_one(tmp_path: Path) -> None:
    make_repo(tmp_path / "r", {"a": "x"})
    out = gitrun.run(None, "rev-parse", "--git-dir")
    assert out.returncode != 0  # run outside every repository, whatever the current folder


def test_locate(tmp_path: Path) -> None:
    assert gitrun.locate(tmp_path) == "not a git repository"
    repo = make_repo(tmp_path / "r", {"sub/a": "x"})
    located = gitrun.locate(repo / "sub")
    assert isinstance(located, gitrun.GitRepo)
    assert located.work_tree == repo.resolve() and located.kind == "repository"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / ".git").write_text("gitdir: /nonexistent\n")
    assert "not a valid git link" in str(gitrun.locate(tmp_path / "bad"))
    (tmp_path / "bad" / ".git").write_text("\0\0garbage")
    assert "not a valid git link" in str(gitrun.locate(tmp_path / "bad"))


def test_the_work_tree_folder_is_checked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a": "x"})
    located = gitrun.locate(repo)
    assert isinstance(located, gitrun.GitRepo)
    with pytest.raises(ValueError, match="not inside the work tree"):
        gitrun.run(located, "ls-files", cwd=tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_planted_in_a_git_link_is_not_read(tmp_path: Path) -> None:
    """A `.git` file naming a fake worktree folder whose `gitdir` and `commondir` are FIFOs: nothing blocks."""
    fake = tmp_path / "repo" / "fake"
    fake.mkdir(parents=True)
    (fake / "HEAD").write_text("ref: refs/heads/main\n")
    os.mkfifo(fake / "gitdir")
    os.mkfifo(fake / "commondir")
    (tmp_path / "repo" / ".git").write_text("gitdir: fake\n")
    assert isinstance(gitrun.locate(tmp_path / "repo"), str)  # returns at once, refused
    assert gitrun.GitRepo(fake, tmp_path / "repo").common_dir == fake
