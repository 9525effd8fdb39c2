"""The one hardened way to run git on an audited repository.

An audited repository is hostile input, and git reads the repository's own configuration (``.git/config`` and
whatever it includes), hooks and attributes. Several settings there run commands or send git elsewhere. Every git
call of the package goes through :func:`run` or :func:`popen` (a test greps the package for any other), which:

- names the git directory and the work tree explicitly (``--git-dir``/``--work-tree``, found by :func:`locate`,
  which refuses a ``.git`` file or ``core.worktree`` that leads outside the folder, except real worktrees and
  submodules), so no discovery, ``GIT_DIR`` or ``core.worktree`` can point git at another repository;
- starts from an environment without any inherited ``GIT_*`` variable and without the user's pager, editor,
  askpass or ssh programs;
- overrides on the command line (which wins over every configuration file) each setting that can run a program,
  and each ``filter.*``, ``diff.*``, ``merge.*`` driver command and ``alias.*`` the repository defines
  (:data:`NEUTRALISED`, :func:`_driver_overrides`);
- runs only plumbing commands from :data:`ALLOWED`, none of which runs hooks, clean/smudge filters, textconv or
  merge drivers: the index is changed with ``update-index`` (no content comparison), blobs are written with
  ``hash-object --no-filters``;
- forbids every transport (``protocol.allow=never``), so a partial clone never fetches missing objects, and
  never prompts (no stdin, ``GIT_TERMINAL_PROMPT=0``).

The list is documented, with the reason for each entry, in docs/security.md.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any


class GitUnavailable(Exception):
    """git could not be run at all (not installed, timed out, refused)."""


# Settings that run a program or send git elsewhere, with the inert value each gets (command-line `-c`
# settings win over the system, global, repository and included configuration files).
NEUTRALISED: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),  # a command run by every index-reading command (ls-files, status, add...)
    ("core.hooksPath", os.devnull),  # hooks: post-index-change, post-checkout, ... run by index updates
    ("core.pager", "cat"),
    ("core.editor", ":"),
    ("sequence.editor", ":"),
    ("core.askPass", ""),
    ("core.sshCommand", ""),
    ("core.gitProxy", ""),
    ("core.alternateRefsCommand", ""),  # run on the alternates of an object store
    ("credential.helper", ""),  # an empty value resets the list of helpers
    ("diff.external", ""),
    ("gpg.program", ""),
    ("gpg.openpgp.program", ""),
    ("gpg.x509.program", ""),
    ("gpg.ssh.program", ""),
    ("gpg.ssh.defaultKeyCommand", ""),
    ("protocol.allow", "never"),  # no transport at all: no lazy fetch of a partial clone's missing objects
    ("submodule.recurse", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("gc.auto", "0"),  # no automatic gc (it could run hooks and rewrite the object store)
    ("maintenance.auto", "false"),
    ("core.untrackedCache", "false"),  # reading must not write the index's untracked cache
    ("core.splitIndex", "false"),
    ("index.threads", "1"),
    ("safe.bareRepository", "explicit"),  # never treat a folder of the audited tree as an embedded bare repo
    ("core.quotePath", "false"),
    ("log.showSignature", "false"),
    ("core.useReplaceRefs", "false"),  # refs/replace cannot substitute another history
    ("help.autoCorrect", "0"),  # a mistyped command is an error, never another command run in its place
    ("interactive.diffFilter", ""),
    ("imap.tunnel", ""),
    ("core.fsmonitorHookVersion", "1"),
)

# Per-driver and per-name settings that run programs: every one the repository's configuration defines is
# overridden with an empty value (the commands in ALLOWED never use them anyway).
DRIVER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("filter.", ".clean"), ("filter.", ".smudge"), ("filter.", ".process"),
    ("filter.", ".required"),  # empty is false: an emptied required filter would make index updates fail
    ("diff.", ".textconv"), ("diff.", ".command"),
    ("merge.", ".driver"),
    ("remote.", ".uploadpack"), ("remote.", ".receivepack"), ("remote.", ".proxy"),
    ("submodule.", ".update"),
    ("credential.", ".helper"),
    ("url.", ".insteadof"), ("url.", ".pushinsteadof"),
    ("remote.", ".vcs"),  # a remote helper program (git-remote-<vcs>)
    ("difftool.", ".cmd"), ("mergetool.", ".cmd"), ("man.", ".cmd"), ("browser.", ".cmd"), ("guitool.", ".cmd"),
    ("pager.", ""),  # pager.<command>: git runs with --no-pager as well
)
PREFIXED_COMMANDS: tuple[str, ...] = ("alias.",)

# Plumbing that runs no hook, no filter, no textconv, no merge driver, and no network.
ALLOWED = frozenset({
    "rev-parse", "ls-files", "rev-list", "cat-file", "config", "update-index", "hash-object", "ls-tree",
    "for-each-ref", "version", "check-ignore",
})

# Inherited variables that would redirect git or run a program; every GIT_* variable is dropped as well.
_DROPPED_ENV = ("PAGER", "EDITOR", "VISUAL", "SSH_ASKPASS", "LESSOPEN", "LESSCLOSE")
_FIXED_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": ":",
    "GIT_ASKPASS": "",
    "GIT_SSH_COMMAND": "",
    "GIT_OPTIONAL_LOCKS": "0",  # reading commands do not write the index (the audit leaves the repo as it was)
    "GIT_NO_REPLACE_OBJECTS": "1",  # refs/replace cannot substitute another history
    "GIT_NO_LAZY_FETCH": "1",  # git >= 2.45; older ones are held by protocol.allow=never
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_ALLOW_PROTOCOL": "",
    "GIT_ATTR_NOSYSTEM": "1",
    "LC_ALL": "C",
    "LANGUAGE": "C",
}


@dataclass(frozen=True)
class GitRepo:
    """A repository the audit may use: its own git directory and the work tree that holds the audited folder."""

    git_dir: Path  # for a worktree, its private directory (git finds the common one through `commondir`)
    work_tree: Path
    kind: str = "repository"  # "repository", "worktree" or "submodule"

    @property
    def common_dir(self) -> Path:
        """The directory holding the objects and refs (the main repository's for a worktree)."""
        text = (_read_small(self.git_dir / "commondir") or "").strip()
        return (self.git_dir / text).resolve() if text else self.git_dir


@lru_cache(maxsize=1)
def git_executable() -> str | None:
    return shutil.which("git")


def clean_env() -> dict[str, str]:
    """The environment git runs in: ours, without GIT_* variables or external programs, with safe fixed ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k not in _DROPPED_ENV}
    env.update(_FIXED_ENV)
    return env


def _settings(pairs: list[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    for key, value in pairs:
        out += ["-c", f"{key}={value}"]
    return out


def _repo_args(repo: GitRepo | None, overrides: tuple[str, ...]) -> list[str]:
    if repo is None:
        return []
    return [f"--git-dir={repo.git_dir}", f"--work-tree={repo.work_tree}", *overrides]


def _hardened_git() -> list[str]:
    """git with every fixed setting neutralised: the start of every command line this module runs."""
    exe = git_executable()
    if exe is None:
        raise GitUnavailable("git is not installed")
    return [exe, "--no-pager", "--no-replace-objects", *_settings(list(NEUTRALISED))]


def _command(repo: GitRepo | None, args: tuple[str, ...], overrides: tuple[str, ...]) -> list[str]:
    if not args or args[0] not in ALLOWED:
        raise ValueError(f"git {args[0] if args else ''!r} is not an allowed command (see gitrun.ALLOWED)")
    return [*_hardened_git(), *_repo_args(repo, overrides), *args]


def _cwd(repo: GitRepo | None, cwd: Path | None = None) -> str:
    """Where git runs: ``cwd`` (a folder of the work tree, so paths are relative to it), else the work tree's
    top; outside every repository when none is named (git must not discover one from the current folder)."""
    if repo is None:
        return os.path.abspath(os.sep)
    if cwd is not None:
        if not cwd.resolve().is_relative_to(repo.work_tree.resolve()):
            raise ValueError(f"{cwd} is not inside the work tree {repo.work_tree}")
        return str(cwd)
    return str(repo.work_tree)


def _raw(repo: GitRepo | None, args: tuple[str, ...], overrides: tuple[str, ...], input: bytes | None,
         timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    command = _command(repo, args, overrides)
    try:
        return subprocess.run(command, cwd=_cwd(repo, cwd), env=clean_env(), input=input, capture_output=True,
                              stdin=None if input is not None else subprocess.DEVNULL, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise GitUnavailable(f"git {args[0]} did not finish in {timeout:.0f} s") from None
    except OSError as exc:
        raise GitUnavailable(f"git could not be run: {exc.strerror or exc}") from None


_CONFIG: dict[Path, tuple[tuple[int, int, int], tuple[tuple[str, str, str | None], ...]]] = {}


def config_entries(git_dir: Path) -> tuple[tuple[str, str, str | None], ...]:
    """(scope, key, value) of every setting git sees for ``git_dir`` (system, global, the repository's own and
    what they include), read once per run; value None for a key given without one."""
    try:
        st = os.stat(git_dir / "config")
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = (0, 0, 0)
    cached = _CONFIG.get(git_dir)
    if cached is not None and cached[0] == stamp:  # in one process, a changed config file is read again
        return cached[1]
    entries: list[tuple[str, str, str | None]] = []
    try:  # the git directory alone: the work tree is not known yet when locate() asks
        command = [*_hardened_git(), f"--git-dir={git_dir}", "config", "--null", "--list", "--show-scope"]
        out = subprocess.run(command, cwd=str(git_dir), env=clean_env(), capture_output=True,
                             stdin=subprocess.DEVNULL, timeout=30, check=False)
    except (GitUnavailable, OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0:
        fields = out.stdout.decode("utf-8", "surrogateescape").split("\0")
        for scope, item in zip(fields[0::2], fields[1::2], strict=False):
            key, newline, value = item.partition("\n")
            entries.append((scope, key, value if newline else None))
    _CONFIG[git_dir] = (stamp, tuple(entries))
    return _CONFIG[git_dir][1]


def _driver_overrides(repo: GitRepo) -> tuple[str, ...]:
    """``-c key=`` for every program-running per-driver or per-name setting the configuration defines."""
    pairs: set[tuple[str, str]] = set()
    for _, key, _ in config_entries(repo.git_dir):
        folded = key.lower()  # section and variable names ignore case; a subsection keeps its own
        if not key or "=" in key:
            continue
        if any(folded.startswith(p) and folded.endswith(s) for p, s in DRIVER_COMMANDS) or folded.startswith(
                PREFIXED_COMMANDS):
            pairs.add((key, ""))
    return tuple(_settings(sorted(pairs)))


def run(repo: GitRepo | None, *args: str, input: bytes | None = None, timeout: float = 120.0,
        cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` on ``repo`` (None: outside any repository), in ``cwd`` (a folder of its work tree;
    default its top); raises GitUnavailable if git cannot run."""
    overrides = _driver_overrides(repo) if repo is not None else ()
    return _raw(repo, args, overrides, input, timeout, cwd)


def popen(repo: GitRepo, *args: str, stdin: int | IO[Any] | None = None,
          stdout: int | IO[Any] | None = None) -> subprocess.Popen[bytes]:
    """Start ``git ARGS`` on ``repo`` in the background (stderr discarded); raises GitUnavailable."""
    command = _command(repo, args, _driver_overrides(repo))
    try:
        return subprocess.Popen(command, cwd=_cwd(repo), env=clean_env(),
                                stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=stdout,
                                stderr=subprocess.DEVNULL)
    except OSError as exc:
        raise GitUnavailable(f"git could not be run: {exc.strerror or exc}") from None


def lfs_available() -> bool:
    """Whether Git LFS is installed: its own binary, run outside every repository (never ``git lfs``, which an
    ``alias.lfs`` of the audited repository would replace)."""
    exe = shutil.which("git-lfs")
    if exe is None:
        return False
    try:
        return subprocess.run([exe, "version"], cwd=os.path.abspath(os.sep), env=clean_env(),
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=20,
                              check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


# --------------------------------------------------------------------------- finding the repository
def _read_small(path: Path, limit: int = 4096) -> str | None:
    """The start of a regular file (never blocks: a FIFO planted as ``.git``'s ``gitdir`` or ``commondir`` is
    not read), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    finally:
        os.close(fd)


def _gitdir_pointer(dot_git: Path) -> Path | None:
    """The directory a ``.git`` file (``gitdir: PATH``) points to, resolved; None if it is not one."""
    text = _read_small(dot_git)
    if text is None or not text.startswith("gitdir:"):
        return None
    rest = text[len("gitdir:"):].strip()
    target = rest.splitlines()[0].strip() if rest else ""
    if not target:
        return None
    try:
        return (dot_git.parent / target).resolve()
    except (OSError, RuntimeError):
        return None


def _configured_worktree(git_dir: Path) -> str | None:
    """``core.worktree`` as the repository's own configuration (with its includes) sets it, if it does."""
    values = [v for scope, key, v in config_entries(git_dir)
              if key.lower() == "core.worktree" and scope in ("local", "worktree") and v]
    return values[-1] if values else None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


def _is_git_dir(path: Path) -> bool:
    """A real git directory: HEAD and objects present, and neither it nor its object store a symbolic link
    (that would show another repository's history)."""
    objects = path / "objects"
    return ((path / "HEAD").is_file() and objects.is_dir() and not path.is_symlink()
            and not objects.is_symlink())


def _check_worktree_setting(git_dir: Path, top: Path) -> str | None:
    """A reason to distrust ``git_dir`` when its ``core.worktree`` leads anywhere but ``top``."""
    configured = _configured_worktree(git_dir)
    if configured is None:
        return None
    if _same(git_dir / configured, top):
        return None
    return f"its core.worktree ({configured}) leads outside the folder"


def _linked(dot_git: Path, top: Path) -> GitRepo | str:
    """The repository a ``.git`` file points to, if it is a real worktree or submodule of this folder."""
    target = _gitdir_pointer(dot_git)
    if target is None or not (target / "HEAD").is_file() or target.is_symlink():
        return f"{dot_git} is not a valid git link"
    back = _read_small(target / "gitdir")
    if (target / "commondir").is_file() and back is not None:
        # a linked worktree: its private git directory points back at this very .git file, and its common
        # directory is a real repository
        repo = GitRepo(target, top, "worktree")
        points_back = _same(target / back.strip(), dot_git)
        if points_back and _is_git_dir(repo.common_dir) and (repo.common_dir / "worktrees").is_dir():
            return repo
        return f"{dot_git} points to the worktree data of another folder ({target})"
    if not _is_git_dir(target):
        return f"{dot_git} is not a valid git link"
    # a submodule: its git directory lives in an enclosing repository's .git/modules and names this folder
    # as its work tree
    for ancestor in top.parents:
        modules = ancestor / ".git" / "modules"
        if modules.is_dir() and not modules.is_symlink() and target.is_relative_to(modules.resolve()):
            configured = _configured_worktree(target)
            if configured is not None and _same(target / configured, top):
                return GitRepo(target, top, "submodule")
            break
    return f"{dot_git} leads to another repository ({target})"


def locate(root: Path) -> GitRepo | str:
    """The repository whose work tree holds ``root``, found the way git finds it (the nearest ``.git`` upward),
    or the reason none may be used: "not a git repository", a bare repository, or a ``.git`` file or
    ``core.worktree`` that leads outside the folder."""
    root = root.resolve()
    for top in (root, *root.parents):
        dot_git = top / ".git"
        if not os.path.lexists(dot_git):
            if top == root and _is_git_dir(top) and (top / "refs").is_dir():
                return "bare repository"
            continue
        if dot_git.is_symlink():
            return f"{dot_git} is a symbolic link (not followed)"
        if dot_git.is_dir():
            if not _is_git_dir(dot_git):
                return "not a git repository"
            reason = _check_worktree_setting(dot_git, top)
            if reason is not None:
                return f"{dot_git}: {reason}"
            return GitRepo(dot_git, top)
        if dot_git.is_file():
            return _linked(dot_git, top)
        return "not a git repository"
    return "not a git repository"


def is_object_name(text: str) -> bool:
    """A full object name (SHA-1 or SHA-256, lower-case hex)."""
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def ref_tips(repo: GitRepo) -> list[str] | None:
    """The sorted, distinct object names of every ref and of HEAD (what ``rev-list --all`` starts from), or None
    when git cannot say. One process: the history scan and a kept report (mlops_audit.memo) are keyed by it."""
    try:
        done = run(repo, "rev-parse", "--all", "HEAD", timeout=30)
        if done.returncode != 0:  # no commit yet (HEAD unborn): the refs alone
            done = run(repo, "rev-parse", "--all", timeout=30)
    except (OSError, GitUnavailable, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("ascii", "replace").split()
    if not all(is_object_name(n) for n in names):
        return None
    return sorted(set(names))
