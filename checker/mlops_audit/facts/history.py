"""Large blobs ever committed, found with one pipe: ``git rev-list --objects --all | git cat-file``."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass
class HistoryFacts:
    large_blobs: list[tuple[str, int]] = field(default_factory=list)  # (path relative to the root, bytes)
    shallow: bool = False
    scanned: bool = False
    problem: str | None = None


def _git_dir(git_root: Path) -> Path | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--git-dir"], cwd=git_root, capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (git_root / out).resolve()


class HistoryScan:
    """A history scan running in the background: ``git rev-list --objects --all | git cat-file --batch-check``
    starts at once, writes to an anonymous temporary file (so git never waits for us), and is read by
    :meth:`result` when a rule needs it. On a large repository git works while the audit parses files."""

    def __init__(self, git_root: Path, root: Path, threshold: int, timeout: float = 120.0) -> None:
        self.git_root, self.root, self.threshold, self.timeout = git_root, root, threshold, timeout
        self.deadline = time.monotonic() + timeout
        self._error: str | None = None
        self._revs: subprocess.Popen[bytes] | None = None
        self._cat: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        try:
            self._out = tempfile.TemporaryFile()  # noqa: SIM115 (read and closed in result())
            self._revs = subprocess.Popen(
                ["git", "rev-list", "--objects", "--all"], cwd=git_root, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            )
            self._cat = subprocess.Popen(
                ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)"],
                cwd=git_root, stdin=self._revs.stdout, stdout=self._out, stderr=subprocess.DEVNULL,
            )
            if self._revs.stdout is not None:
                self._revs.stdout.close()  # cat-file holds the read end now
        except OSError as exc:
            self._error = f"history could not be read: {exc}"
            self._stop()

    def _stop(self) -> None:
        for proc in (self._revs, self._cat):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    def result(self) -> HistoryFacts:
        facts = HistoryFacts()
        git_dir = _git_dir(self.git_root)
        facts.shallow = bool(git_dir and (git_dir / "shallow").exists())
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
        try:
            self._out.seek(0)
            output = self._out.read()
        except OSError as exc:
            facts.problem = f"history could not be read: {exc}"
            return facts
        finally:
            self._out.close()
        prefix = self.root.relative_to(self.git_root).as_posix() if self.root != self.git_root else ""
        prefix = f"{prefix}/" if prefix else ""
        best: dict[str, int] = {}
        threshold = self.threshold
        for raw in output.splitlines():
            if not raw.startswith(b"blob "):
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
        facts.scanned = True
        return facts


def scan_history(git_root: Path, root: Path, threshold: int, timeout: float = 120.0) -> HistoryFacts:
    """Every blob larger than ``threshold`` bytes reachable from any ref, with a path under ``root``."""
    return HistoryScan(git_root, root, threshold, timeout).result()
