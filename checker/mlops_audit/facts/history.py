"""Large blobs ever committed, found with one pipe: ``git rev-list --objects --all | git cat-file``."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from mlops_audit import gitrun
from mlops_audit.gitrun import GitRepo


@dataclass
class HistoryFacts:
    large_blobs: list[tuple[str, int]] = field(default_factory=list)  # (path relative to the root, bytes)
    shallow: bool = False
    scanned: bool = False
    problem: str | None = None


class HistoryScan:
    """A history scan running in the background: ``git rev-list --objects --all --missing=print | git cat-file
    --batch-check`` starts at once, writes to an anonymous temporary file (so git never waits for us), and is
    read by :meth:`result` when a rule needs it. On a large repository git works while the audit parses files.

    A scan that fails (git's exit status) or is partial (objects missing: a partial clone, a snapshot without
    large blobs, a damaged repository) says so in ``problem``: the rule is then not checked, never passed."""

    def __init__(self, repo: GitRepo, root: Path, threshold: int, timeout: float = 120.0) -> None:
        self.repo, self.root, self.threshold, self.timeout = repo, root, threshold, timeout
        self.deadline = time.monotonic() + timeout
        self._error: str | None = None
        self._revs: subprocess.Popen[bytes] | None = None
        self._cat: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        try:
            self._out = tempfile.TemporaryFile()  # noqa: SIM115 (read and closed in result())
            self._revs = gitrun.popen(repo, "rev-list", "--objects", "--all", "--missing=print",
                                      stdout=subprocess.PIPE)
            self._cat = gitrun.popen(repo, "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)",
                                     stdin=self._revs.stdout, stdout=self._out)
            if self._revs.stdout is not None:
                self._revs.stdout.close()  # cat-file holds the read end now
        except (OSError, gitrun.GitUnavailable) as exc:
            self._error = f"history could not be read: {exc}"
            self._stop()

    def _stop(self) -> None:
        for proc in (self._revs, self._cat):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    def result(self) -> HistoryFacts:
        facts = HistoryFacts()
        facts.shallow = (self.repo.common_dir / "shallow").exists()
        if self._error is not None or self._cat is None or self._revs is None or self._out is None:
            facts.problem = self._error or "history could not be read"
            return facts
        try:
            self._cat.wait(timeout=max(0.0, self.deadline - time.monotonic()))
            self._revs.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._stop()
            facts.problem = f"history scan stopped after {self.timeout:.0f} s"
            return facts
        if self._revs.returncode != 0 or self._cat.returncode != 0:
            self._out.close()
            facts.problem = (f"history could not be read (git rev-list exited {self._revs.returncode}, "
                             f"cat-file {self._cat.returncode}: missing objects or a damaged repository)")
            return facts
        try:
            self._out.seek(0)
            output = self._out.read()
        except OSError as exc:
            facts.problem = f"history could not be read: {exc}"
            return facts
        finally:
            self._out.close()
        top = self.repo.work_tree
        prefix = self.root.relative_to(top).as_posix() if self.root != top else ""
        prefix = f"{prefix}/" if prefix else ""
        best: dict[str, int] = {}
        threshold = self.threshold
        missing = 0
        for raw in output.splitlines():
            if not raw.startswith(b"blob "):
                if raw.endswith(b" missing"):  # rev-list printed "?<id>" for an object the repository lacks
                    missing += 1
                continue
            parts = raw.decode("utf-8", "surrogateescape").split(" ", 2)
            if len(parts) < 3:
                continue
            try:
                size = int(parts[1])
            except ValueError:
                continue
            path = parts[2]
            if size > threshold and path.startswith(prefix):
                rel = path[len(prefix):]
                best[rel] = max(best.get(rel, 0), size)
        facts.large_blobs = sorted(best.items())
        if missing:
            facts.problem = (f"history scan incomplete: {missing} object(s) missing from the repository "
                             "(a partial clone or a copy without large blobs); large blobs may be unseen")
            return facts
        facts.scanned = True
        return facts


def scan_history(repo: GitRepo, root: Path, threshold: int, timeout: float = 120.0) -> HistoryFacts:
    """Every blob larger than ``threshold`` bytes reachable from any ref, with a path under ``root``."""
    return HistoryScan(repo, root, threshold, timeout).result()
