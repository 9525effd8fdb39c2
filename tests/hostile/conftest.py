"""The hostile-repository harness: run the real CLI in a subprocess, with a timeout, against a repository built
to attack it, and check that nothing escaped: no marker file written by the repository's own configuration, no
file outside the root changed, the repository's files and index unchanged, no traceback, exit 0 or 1."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 90  # seconds a hostile case may take at the most (a hang is a failure, not a wait)


def tree_digest(root: Path) -> dict[str, str]:
    """Every entry below ``root`` (links not followed) -> a digest of its kind, mode and content."""
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link:" + os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                out[rel] = f"file:{stat.S_IMODE(st.st_mode):o}:" + hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir"
            else:
                out[rel] = f"other:{st.st_mode:o}"
    return out


@dataclass
class Sandbox:
    """A tmp dir holding the hostile repository, a sentinel tree outside it, a marker path and a private HOME."""

    base: Path
    repo: Path
    outside: Path  # the sentinel tree: nothing may change it
    marker: Path  # a hostile command would create this file
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(HOME=str(self.home), MLOPS_AUDIT_CACHE_DIR=str(self.home / "cache"), NO_COLOR="1",
                   GIT_CONFIG_NOSYSTEM="1")
        env.update(extra)
        return env

    def run(self, *args: str, cwd: Path | None = None, timeout: float = TIMEOUT, input: str | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
        """``mlops-audit ARGS`` as a user runs it; a hang past ``timeout`` fails the test."""
        try:
            return subprocess.run([sys.executable, "-m", "mlops_audit", *args], cwd=cwd or self.repo,
                                  env=self.env(**env), capture_output=True, text=True, timeout=timeout,
                                  input=input if input is not None else "", errors="replace")
        except subprocess.TimeoutExpired:
            pytest.fail(f"mlops-audit {' '.join(args)} did not finish in {timeout} s")

    def snapshot(self) -> dict[str, dict[str, str]]:
        """The state the audit must leave alone: the sentinel tree and the repository (its .git included)."""
        return {"outside": tree_digest(self.outside), "repo": tree_digest(self.repo)}


def assert_inert(proc: subprocess.CompletedProcess[str], sandbox: Sandbox, *, codes: tuple[int, ...] = (0, 1)) -> None:
    """The run ended normally, said no traceback, and the repository's configuration ran nothing."""
    assert proc.returncode in codes, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]
    assert not sandbox.marker.exists(), f"the repository ran a command: {sandbox.marker.read_text()!r}"


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    base = tmp_path
    outside = base / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("do not touch\n", encoding="utf-8")
    (outside / "nested").mkdir()
    (outside / "nested" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    home = base / "home"
    home.mkdir()
    repo = base / "repo"
    repo.mkdir()
    return Sandbox(base, repo, outside, base / "PWNED", home)


Check = Callable[[subprocess.CompletedProcess[str]], None]
