"""A repository whose own git configuration, hooks, attributes or links try to run a command or to point git at
another repository: the audit runs none of it, in every report format, and reports only this repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Sandbox, assert_inert
from mlops_audit import gitrun
from mlops_audit.reporters import FORMATS
from repo_builder import git, make_repo

FILES: dict[str, str | bytes] = {
    "README.md": "# demo\n",
    "train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                "df = pd.read_csv('data/train.csv')\nLogisticRegression().fit(df[['a']], df['b'])\n",
    "data/train.csv": "a,b\n1,0\n2,1\n",
    ".gitattributes": "* filter=evil diff=evil merge=evil\n",
}


def touch(marker: Path) -> str:
    return f"touch {marker}"


def _config(repo: Path, *pairs: tuple[str, str]) -> None:
    for key, value in pairs:
        git(repo, "config", key, value)


def _hook(folder: Path, name: str, marker: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    hook = folder / name
    hook.write_text(f"#!/bin/sh\necho {name} >> {marker}\n", encoding="utf-8")
    hook.chmod(0o755)


def plant_fsmonitor(sb: Sandbox) -> None:
    _config(sb.repo, ("core.fsmonitor", touch(sb.marker)))


def plant_include(sb: Sandbox) -> None:
    (sb.repo / "evil.cfg").write_text(f'[core]\n\tfsmonitor = "{touch(sb.marker)}"\n\tpager = "{touch(sb.marker)}"\n')
    _config(sb.repo, ("include.path", "../evil.cfg"))


def plant_include_if(sb: Sandbox) -> None:
    (sb.repo / "evil.cfg").write_text(f'[core]\n\tfsmonitor = "{touch(sb.marker)}"\n')
    _config(sb.repo, ("includeIf.gitdir:/.path", str(sb.repo / "evil.cfg")))


def plant_hooks(sb: Sandbox) -> None:
    for name in ("post-index-change", "pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc"):
        _hook(sb.repo / ".git" / "hooks", name, sb.marker)


def plant_hooks_path(sb: Sandbox) -> None:
    for name in ("post-index-change", "reference-transaction"):
        _hook(sb.repo / "githooks", name, sb.marker)
    _config(sb.repo, ("core.hooksPath", "githooks"))


def plant_filters(sb: Sandbox) -> None:
    _config(sb.repo, ("filter.evil.clean", touch(sb.marker)), ("filter.evil.smudge", touch(sb.marker)),
            ("filter.evil.process", touch(sb.marker)), ("filter.evil.required", "true"),
            ("filter.lfs.clean", touch(sb.marker)), ("filter.lfs.process", touch(sb.marker)),
            ("diff.evil.textconv", touch(sb.marker)), ("diff.evil.command", touch(sb.marker)),
            ("merge.evil.driver", touch(sb.marker)), ("diff.external", touch(sb.marker)))
    # touch every file so that a racy-clean check would compare contents (and run the clean filter)
    for path in sb.repo.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path)


def plant_aliases_and_programs(sb: Sandbox) -> None:
    cmd = "!" + touch(sb.marker)
    _config(sb.repo, ("alias.lfs", cmd), ("alias.ls-files", cmd), ("alias.rev-list", cmd), ("alias.cat-file", cmd),
            ("alias.rev-parse", cmd), ("core.pager", touch(sb.marker)), ("pager.ls-files", touch(sb.marker)),
            ("core.editor", touch(sb.marker)), ("core.askPass", touch(sb.marker)),
            ("credential.helper", cmd), ("core.sshCommand", touch(sb.marker)),
            ("core.alternateRefsCommand", touch(sb.marker)), ("gpg.program", touch(sb.marker)),
            ("log.showSignature", "true"), ("help.autoCorrect", "immediate"), ("gc.auto", "1"))


def plant_promisor_remote(sb: Sandbox) -> None:
    """A partial clone whose missing objects a lazy fetch would get from a command-running `ext::` remote."""
    _config(sb.repo, ("core.repositoryformatversion", "1"), ("extensions.partialClone", "origin"),
            ("remote.origin.url", f"ext::sh -c {touch(sb.marker).replace(' ', '% ')}"),
            ("remote.origin.promisor", "true"), ("protocol.ext.allow", "always"),
            ("protocol.allow", "always"), ("remote.origin.uploadpack", touch(sb.marker)))
    _drop_blob(sb.repo, "data/train.csv")


def _drop_blob(repo: Path, path: str) -> None:
    oid = git(repo, "rev-parse", f"HEAD:{path}").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()


HOSTILE: dict[str, Callable[[Sandbox], None]] = {
    "fsmonitor": plant_fsmonitor,
    "include.path": plant_include,
    "includeIf": plant_include_if,
    "hooks": plant_hooks,
    "core.hooksPath": plant_hooks_path,
    "filters and drivers": plant_filters,
    "aliases and programs": plant_aliases_and_programs,
    "promisor remote": plant_promisor_remote,
}


def build(sb: Sandbox, plant: Callable[[Sandbox], None]) -> None:
    make_repo(sb.repo, FILES)
    plant(sb)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_audit_runs_nothing_from_the_repository(sandbox: Sandbox, name: str) -> None:
    build(sandbox, HOSTILE[name])
    before = sandbox.snapshot()
    for fmt in FORMATS:
        proc = sandbox.run(".", "-f", fmt, "--no-cache" if fmt == "json" else "--exit-zero")
        assert_inert(proc, sandbox)
    assert sandbox.snapshot() == before  # neither the repository (index included) nor anything outside changed


def test_every_audit_format_is_inert_with_all_vectors_at_once(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES)
    for plant in HOSTILE.values():
        if plant is not plant_promisor_remote:
            plant(sandbox)
    before = sandbox.snapshot()
    out = sandbox.base / "report"
    for fmt in FORMATS:
        assert_inert(sandbox.run(".", "-f", fmt, "-o", str(out)), sandbox)
    assert_inert(sandbox.run("baseline", "."), sandbox)
    after = sandbox.snapshot()
    after["repo"].pop(".mlops-audit-baseline.json", None)
    assert after == before


def test_a_partial_history_is_not_a_pass(sandbox: Sandbox) -> None:
    build(sandbox, plant_promisor_remote)
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero").stdout)
    dat002 = next(r for r in doc["rules"] if r["id"] == "DAT002")
    assert dat002["status"] == "error", dat002
    assert "missing" in dat002["reason"]
    assert any("history" in n and "missing" in n for n in doc["notes"])
    assert not sandbox.marker.exists()


def test_a_failing_history_scan_is_not_a_pass(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES)
    head = git(sandbox.repo, "rev-parse", "HEAD").strip()
    (sandbox.repo / ".git" / "objects" / head[:2] / head[2:]).unlink()  # the commit itself is gone
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero").stdout)
    dat002 = next(r for r in doc["rules"] if r["id"] == "DAT002")
    assert dat002["status"] == "error", dat002


def _other_repo(sb: Sandbox) -> Path:
    other = sb.outside / "other"
    make_repo(other, {"secret-plans.csv": "x\n" * 10, "big.bin": b"\0" * 4096})
    return other


def test_a_git_file_leading_to_another_repository_is_not_followed(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    make_repo(sandbox.repo, {"README.md": "# mine\n", "a.py": "x = 1\n"}, git_init=False)
    (sandbox.repo / ".git").write_text(f"gitdir: {other / '.git'}\n", encoding="utf-8")
    assert _walked_not_followed(sandbox, "leads to another repository")["git"] is False


def _walked_not_followed(sandbox: Sandbox, why: str) -> dict[str, Any]:
    """The JSON report, checked: the audit walked the folder (no git), said why, showed nothing of the other
    repository, changed nothing."""
    before = sandbox.snapshot()
    proc = sandbox.run(".", "-f", "json", "--exit-zero")
    assert_inert(proc, sandbox)
    doc = json.loads(proc.stdout)
    assert doc["git"] is False
    assert any(why in n for n in doc["notes"]), doc["notes"]
    assert "secret-plans.csv" not in proc.stdout
    assert sandbox.snapshot() == before
    return doc


def test_core_worktree_leading_elsewhere_is_not_followed(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    make_repo(sandbox.repo, {"README.md": "# mine\n", "a.py": "x = 1\n"})
    git(sandbox.repo, "config", "core.worktree", str(other))
    assert _walked_not_followed(sandbox, "core.worktree")["git"] is False


def test_a_worktree_link_stolen_from_another_repository_is_refused(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    git(other, "worktree", "add", "-q", str(sandbox.outside / "wt"))
    make_repo(sandbox.repo, {"README.md": "# mine\n"}, git_init=False)
    (sandbox.repo / ".git").write_text(f"gitdir: {other / '.git' / 'worktrees' / 'wt'}\n", encoding="utf-8")
    assert isinstance(gitrun.locate(sandbox.repo), str)
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero").stdout)
    assert doc["git"] is False


def test_a_symlinked_git_directory_is_not_followed(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    make_repo(sandbox.repo, {"README.md": "# mine\n"}, git_init=False)
    (sandbox.repo / ".git").symlink_to(other / ".git")
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero").stdout)
    assert doc["git"] is False
    assert any("symbolic link" in n for n in doc["notes"])


def test_a_symlinked_object_store_is_not_trusted(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    make_repo(sandbox.repo, {"README.md": "# mine\n"})
    shutil.rmtree(sandbox.repo / ".git" / "objects")
    (sandbox.repo / ".git" / "objects").symlink_to(other / ".git" / "objects")
    assert isinstance(gitrun.locate(sandbox.repo), str)


def test_inherited_git_variables_do_not_redirect_the_audit(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    make_repo(sandbox.repo, {"README.md": "# mine\n", "a.py": "x = 1\n"})
    proc = sandbox.run(".", "-f", "json", "--exit-zero", GIT_DIR=str(other / ".git"), GIT_WORK_TREE=str(other),
                       GIT_INDEX_FILE=str(other / ".git" / "index"))
    doc = json.loads(proc.stdout)
    assert doc["git"] is True
    assert "secret-plans.csv" not in proc.stdout


def test_an_embedded_bare_repository_runs_nothing(sandbox: Sandbox) -> None:
    """A folder of the audited tree laid out as a bare repository, with a command-running configuration."""
    bare = sandbox.repo
    subprocess.run(["git", "init", "-q", "--bare", "--template=", str(bare)], check=True)
    (bare / "config").write_text(f'[core]\n\tbare = true\n\tfsmonitor = "{touch(sandbox.marker)}"\n'
                                 f'[alias]\n\tls-files = "!{touch(sandbox.marker)}"\n', encoding="utf-8")
    _hook(bare / "hooks", "post-index-change", sandbox.marker)
    for fmt in ("terminal", "json"):
        assert_inert(sandbox.run(".", "-f", fmt, "--exit-zero"), sandbox)
    assert gitrun.locate(bare) == "bare repository"


def test_ordinary_worktrees_and_submodules_are_audited_as_git(sandbox: Sandbox) -> None:
    main = make_repo(sandbox.repo / "main", {"README.md": "# main\n"})
    git(main, "worktree", "add", "-q", str(sandbox.repo / "wt"))
    located = gitrun.locate(sandbox.repo / "wt")
    assert isinstance(located, gitrun.GitRepo) and located.kind == "worktree"
    sub = make_repo(sandbox.base / "sub-origin", {"README.md": "# sub\n", "m.py": "x = 1\n"})
    git(main, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    located = gitrun.locate(main / "sub")
    assert isinstance(located, gitrun.GitRepo) and located.kind == "submodule", located
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero", cwd=main / "sub").stdout)
    assert doc["git"] is True
    doc = json.loads(sandbox.run(".", "-f", "json", "--exit-zero", cwd=sandbox.repo / "wt").stdout)
    assert doc["git"] is True
