"""`fix` on hostile repositories: the repository's git configuration, hooks, filters and links run nothing and
lead nowhere, `fix` writes nothing outside the root (nor through a link, nor into a git directory), and refuses
in one line what it cannot do safely. Each case runs the real command line in a subprocess with a timeout:
`fix --dry-run`, `fix --dry-run --unsafe` and `fix --yes --unsafe`."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Sandbox, assert_inert
from repo_builder import GIT_ENV, git, make_repo, notebook

TOKEN = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98"  # mlops-audit: ignore[GOV001] made-up test token
CSV = "id,x,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(3000))
FILES: dict[str, str | bytes] = {
    "README.md": "# demo\n",
    "requirements.txt": "pandas==2.2.2\nscikit-learn==1.5.0\n",
    "train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                "df = pd.read_csv('data/train.csv')\nLogisticRegression(C=0.5).fit(df[['x']], df['y'])\n",
    "client.py": f'API_TOKEN = "{TOKEN}"\n',
    "explore.ipynb": notebook("import pandas as pd", outputs=True, counts=[1]),
    "data/train.csv": CSV,
    "models/model.pkl": b"\x80\x04" + b"0" * 5000,
}
DRY_RUNS = (("fix", "--dry-run"), ("fix", "--dry-run", "--unsafe"))
APPLY = ("fix", "--yes", "--unsafe")


def touch(marker: Path) -> str:
    return f"touch {marker}"


def _hook(folder: Path, name: str, marker: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\necho {name} >> {marker}\n", encoding="utf-8")
    (folder / name).chmod(0o755)


def _fake_git_lfs(sb: Sandbox) -> dict[str, str]:
    """A `git-lfs` of our own on PATH (it only answers `version`), so that `fix` takes the Git LFS path."""
    folder = sb.home / "bin"
    folder.mkdir(exist_ok=True)
    (folder / "git-lfs").write_text("#!/bin/sh\necho 'git-lfs/3.4.0 (fake)'\n", encoding="utf-8")
    (folder / "git-lfs").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


# --------------------------------------------------------------------------- the vectors
def plant_fsmonitor(sb: Sandbox) -> None:
    git(sb.repo, "config", "core.fsmonitor", touch(sb.marker))


def plant_include(sb: Sandbox) -> None:
    (sb.base / "evil.cfg").write_text(f'[core]\n\tfsmonitor = "{touch(sb.marker)}"\n', encoding="utf-8")
    git(sb.repo, "config", "include.path", str(sb.base / "evil.cfg"))


def plant_alias_lfs(sb: Sandbox) -> None:
    """An LFS repository (so that fix looks for git-lfs) whose `git lfs` is an alias running a command."""
    (sb.repo / ".gitattributes").write_text("*.bin filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    git(sb.repo, "add", ".gitattributes")
    git(sb.repo, "commit", "-q", "-m", "lfs")
    for name in ("lfs", "update-index", "hash-object", "ls-files", "rm", "add"):
        git(sb.repo, "config", f"alias.{name}", "!" + touch(sb.marker))


def plant_filters(sb: Sandbox) -> None:
    for key in ("filter.x.clean", "filter.x.smudge", "filter.x.process", "filter.lfs.clean", "filter.lfs.process",
                "filter.lfs.smudge"):
        git(sb.repo, "config", key, touch(sb.marker))
    git(sb.repo, "config", "filter.x.required", "true")
    (sb.repo / ".gitattributes").write_text("*.py filter=x\n*.ipynb filter=x\n*.csv filter=lfs\n*.pkl filter=x\n",
                                            encoding="utf-8")
    for path in sb.repo.rglob("*"):  # a racy-clean index entry would make git compare content (and filter)
        if path.is_file() and ".git" not in path.parts:
            os.utime(path)


def plant_lfs_filters(sb: Sandbox) -> None:
    """An LFS repository (its patterns in .gitattributes) whose LFS filters are commands."""
    (sb.repo / ".gitattributes").write_text("*.bin filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    git(sb.repo, "add", ".gitattributes")
    git(sb.repo, "commit", "-q", "-m", "lfs")
    for key in ("filter.lfs.clean", "filter.lfs.process", "filter.lfs.smudge", "alias.lfs"):
        git(sb.repo, "config", key, ("!" if key.startswith("alias") else "") + touch(sb.marker))


def plant_hooks(sb: Sandbox) -> None:
    for name in ("post-index-change", "pre-commit", "post-checkout", "reference-transaction"):
        _hook(sb.repo / ".git" / "hooks", name, sb.marker)


def plant_hooks_path(sb: Sandbox) -> None:
    _hook(sb.base / "hooks", "post-index-change", sb.marker)
    git(sb.repo, "config", "core.hooksPath", str(sb.base / "hooks"))


def plant_template_injection(sb: Sandbox) -> None:
    """Cookiecutter renders its answers as Jinja: a project name or author from pyproject.toml must not run."""
    payload = "{{ cycler.__init__.__globals__.os.system('" + touch(sb.marker) + "') }}"
    (sb.repo / "pyproject.toml").write_text(
        f'[project]\nname = "{payload}"\nversion = "0.1"\nauthors = [{{name = "{payload}"}}]\n', encoding="utf-8")
    # names that would break out of the generated files: a quote in the smoke test, a shell command in dvc.yaml
    (sb.repo / 'q".py').write_text("x = 1\n", encoding="utf-8")
    (sb.repo / f"t;{touch(sb.marker).replace('/', '_')};.py").write_text(
        "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit([[1]], [1])\n",
        encoding="utf-8")
    git(sb.repo, "add", "-A")
    git(sb.repo, "commit", "-q", "-m", "names")


VECTORS: dict[str, Callable[[Sandbox], None]] = {
    "core.fsmonitor": plant_fsmonitor,
    "include.path": plant_include,
    "alias.lfs": plant_alias_lfs,
    "clean filters": plant_filters,
    "lfs filters": plant_lfs_filters,
    "hooks": plant_hooks,
    "core.hooksPath": plant_hooks_path,
    "template injection": plant_template_injection,
}


def _index(repo: Path) -> bytes:
    index = repo / ".git" / "index"
    return index.read_bytes() if index.exists() else b""


def _run_all(sb: Sandbox, **env: str) -> list[subprocess.CompletedProcess[str]]:
    """The two dry runs (nothing at all may change) and then the real run (nothing outside may change)."""
    procs = []
    before = sb.snapshot()
    for args in DRY_RUNS:
        proc = sb.run(*args, **env)
        assert_inert(proc, sb)
        assert sb.snapshot() == before, args  # files and .git (index included) as they were
        procs.append(proc)
    proc = sb.run(*APPLY, **env)
    assert_inert(proc, sb)
    after = sb.snapshot()
    assert after["outside"] == before["outside"]
    if proc.returncode == 1 and "stopped:" in proc.stdout:  # a failed transaction is undone
        assert _without_objects(after["repo"]) == _without_objects(before["repo"]), proc.stdout[-2000:]
    procs.append(proc)
    return procs


def _without_objects(tree: dict[str, str]) -> dict[str, str]:
    """A repository's state without its object store (loose blobs written for the index stay: git ignores
    objects nothing refers to)."""
    return {k: v for k, v in tree.items() if not k.startswith(".git/objects")}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_fix_runs_nothing_from_the_repository(sandbox: Sandbox, name: str) -> None:
    make_repo(sandbox.repo, FILES)
    VECTORS[name](sandbox)
    env = _fake_git_lfs(sandbox) if name in ("lfs filters", "clean filters") else {}
    *_, applied = _run_all(sandbox, **env)
    assert applied.returncode == 0, applied.stdout[-3000:]
    tracked = git(sandbox.repo, "ls-files")
    if name == "lfs filters":
        pointer = git(sandbox.repo, "cat-file", "-p", ":data/train.csv")
        assert pointer.startswith("version https://git-lfs.github.com/spec/v1\noid sha256:")
        oid = hashlib.sha256(CSV.encode()).hexdigest()
        assert (sandbox.repo / ".git/lfs/objects" / oid[:2] / oid[2:4] / oid).read_text() == CSV
    elif name not in ("clean filters", "alias.lfs"):  # with LFS patterns the repository counts as using LFS
        assert "data/train.csv" not in tracked.split(), tracked  # the DVC move happened, through update-index
        assert (sandbox.repo / "data/train.csv.dvc").is_file()
    if name == "template injection":
        smoke = (sandbox.repo / "tests/test_smoke.py").read_text()
        compile(smoke, "test_smoke.py", "exec")
        assert '"q\\".py"' in smoke
        dvc_yaml = (sandbox.repo / "dvc.yaml").read_text()
        import yaml

        stages = yaml.safe_load(dvc_yaml)["stages"]
        assert all(s["cmd"].startswith("python '") or s["cmd"] == "python train.py" for s in stages.values()), stages


# --------------------------------------------------------------------------- the root is a boundary
def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def test_a_dvc_folder_linked_out_of_the_root_is_not_written_through(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES, commit=False)
    (sandbox.repo / ".dvc").symlink_to(sandbox.outside / "nested", target_is_directory=True)
    git(sandbox.repo, "add", "-A")
    git(sandbox.repo, "commit", "-q", "-m", "linked .dvc")
    _run_all(sandbox)
    assert "data/train.csv" in git(sandbox.repo, "ls-files").split()  # not moved: its cache is behind a link
    assert not (sandbox.repo / "data/train.csv.dvc").exists()


@pytest.mark.parametrize("level", ["folder", "file"])
def test_a_link_planted_in_the_dvc_cache_is_not_written_through(sandbox: Sandbox, level: str) -> None:
    md5 = _md5(CSV)
    make_repo(sandbox.repo, {**FILES, ".dvc/config": "[core]\n    autostage = true\n",
                             ".dvc/.gitignore": "/config.local\n"}, commit=False)
    cache = sandbox.repo / ".dvc/cache/files/md5"
    cache.mkdir(parents=True)
    if level == "folder":
        (cache / md5[:2]).symlink_to(sandbox.outside, target_is_directory=True)
    else:
        (cache / md5[:2]).mkdir()
        (cache / md5[:2] / md5[2:]).symlink_to(sandbox.outside / "precious.txt")
    git(sandbox.repo, "add", "-A")
    git(sandbox.repo, "commit", "-q", "-m", "planted")
    procs = _run_all(sandbox)
    assert (sandbox.outside / "precious.txt").read_text() == "do not touch\n"
    assert "symbolic link" in procs[1].stdout
    assert "data/train.csv" in git(sandbox.repo, "ls-files").split()


def _other_repo(sb: Sandbox) -> Path:
    return make_repo(sb.outside / "other", {"big.csv": CSV, "m.pkl": b"\0" * 4096})


def _assert_refused(procs: list[subprocess.CompletedProcess[str]], words: str) -> None:
    for proc in procs:
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        assert proc.returncode == 1, proc.stdout[-2000:]
        assert len(lines) == 1 and lines[0].startswith("mlops-audit fix: refused:"), proc.stdout[-2000:]
        assert words in lines[0], lines[0]


def test_a_git_file_leading_to_another_repository_is_refused(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    index = _index(other)
    make_repo(sandbox.repo, FILES, git_init=False)
    (sandbox.repo / ".git").write_text(f"gitdir: {other / '.git'}\n", encoding="utf-8")
    before = sandbox.snapshot()
    procs = _run_all(sandbox)
    _assert_refused(procs, "another repository")
    assert sandbox.snapshot() == before and _index(other) == index


def test_core_worktree_leading_elsewhere_is_refused(sandbox: Sandbox) -> None:
    other = _other_repo(sandbox)
    index = _index(other)
    make_repo(sandbox.repo, FILES)
    git(sandbox.repo, "config", "core.worktree", str(other))
    before = sandbox.snapshot()
    _assert_refused(_run_all(sandbox), "core.worktree")
    assert sandbox.snapshot() == before and _index(other) == index


def test_a_bare_repository_is_refused_and_its_git_directory_untouched(sandbox: Sandbox) -> None:
    subprocess.run(["git", "init", "-q", "--bare", "--template=", str(sandbox.repo)], check=True,
                   env={**os.environ, **GIT_ENV})
    _hook(sandbox.repo / "hooks", "post-index-change", sandbox.marker)
    before = sandbox.snapshot()
    _assert_refused(_run_all(sandbox), "bare repository")
    assert sandbox.snapshot() == before


def test_a_merge_conflict_is_refused_and_its_stages_kept(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES)
    git(sandbox.repo, "checkout", "-q", "-b", "other")
    (sandbox.repo / "data/train.csv").write_text(CSV + "9,9,9\n", encoding="utf-8")
    git(sandbox.repo, "commit", "-qam", "theirs")
    git(sandbox.repo, "checkout", "-q", "main")
    (sandbox.repo / "data/train.csv").write_text(CSV + "8,8,8\n", encoding="utf-8")
    git(sandbox.repo, "commit", "-qam", "ours")
    subprocess.run(["git", "merge", "-q", "other"], cwd=sandbox.repo, env={**os.environ, **GIT_ENV},
                   capture_output=True, check=False)
    stages = git(sandbox.repo, "ls-files", "-s", "-u")
    assert stages.count("data/train.csv") == 3
    before = sandbox.snapshot()
    _assert_refused(_run_all(sandbox), "unmerged")
    assert sandbox.snapshot() == before
    assert git(sandbox.repo, "ls-files", "-s", "-u") == stages


def test_staged_and_unstaged_edits_to_a_file_to_move_are_refused(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES)
    (sandbox.repo / "data/train.csv").write_text(CSV + "1,1,1\n", encoding="utf-8")
    git(sandbox.repo, "add", "data/train.csv")
    (sandbox.repo / "data/train.csv").write_text(CSV + "2,2,2\n", encoding="utf-8")
    before = sandbox.snapshot()
    safe_dry_run = sandbox.run("fix", "--dry-run")  # moves nothing: nothing to refuse
    assert_inert(safe_dry_run, sandbox, codes=(0,))
    procs = [sandbox.run("fix", "--dry-run", "--unsafe"), sandbox.run(*APPLY)]
    for proc in procs:
        assert_inert(proc, sandbox)
    _assert_refused(procs, "staged changes and other, unstaged ones")
    assert sandbox.snapshot() == before


def test_staged_edits_alone_are_moved(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, FILES)
    (sandbox.repo / "data/train.csv").write_text(CSV + "1,1,1\n", encoding="utf-8")
    git(sandbox.repo, "add", "data/train.csv")
    proc = sandbox.run(*APPLY)
    assert_inert(proc, sandbox, codes=(0,))
    assert "data/train.csv" not in git(sandbox.repo, "ls-files").split()
    md5 = _md5(CSV + "1,1,1\n")
    assert (sandbox.repo / f".dvc/cache/files/md5/{md5[:2]}/{md5[2:]}").read_text() == CSV + "1,1,1\n"


def test_names_that_cannot_be_written_into_gitignore_are_refused(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, {**FILES, "data/bad\nname.csv": CSV, "data/not-utf8-\udcff.csv": CSV})
    before = sandbox.snapshot()
    proc = sandbox.run(*APPLY)
    assert_inert(proc, sandbox)
    _assert_refused([proc], "cannot hold")
    assert sandbox.snapshot() == before


CONTROL = ("\x1b", "\x07", "\x9b", "\u202e")


def test_control_characters_in_names_reach_neither_the_terminal_nor_the_files_fix_writes(sandbox: Sandbox) -> None:
    retitle, clear = "\x1b]0;owned\x07", "\x1b[2J"
    make_repo(sandbox.repo, {
        **FILES,
        f"data/{retitle}.csv": CSV,
        f"notes{clear}.ipynb": notebook("x = 1", outputs=True, counts=[1]),
        f"tool{clear}.py": "x = 1\n",
        "pyproject.toml": f'[project]\nname = "demo{clear}"\nversion = "0.1"\nauthors = [{{name = "me{retitle}"}}]\n',
    })
    before = sandbox.snapshot()
    for args in DRY_RUNS:
        proc = sandbox.run(*args)
        assert_inert(proc, sandbox)
        assert not any(c in proc.stdout for c in CONTROL), proc.stdout[-2000:]
    assert sandbox.snapshot() == before
    refused = sandbox.run(*APPLY)  # the data file's name cannot go into .gitignore
    _assert_refused([refused], "control characters")
    assert "\\x1b]0;owned\\x07" in refused.stdout
    applied = sandbox.run("fix", "--yes")
    assert_inert(applied, sandbox, codes=(0,))
    assert not any(c in applied.stdout for c in CONTROL)
    for rel in ("MODEL_CARD.md", "docs/design.md", "tests/test_smoke.py", ".github/workflows/ci.yml", "Dockerfile"):
        text = (sandbox.repo / rel).read_text(encoding="utf-8")
        assert not any(c in text for c in CONTROL), rel
