"""Large blobs ever committed, found with one pipe: ``git rev-list --objects --all | git cat-file``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path


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


def scan_history(git_root: Path, root: Path, threshold: int, timeout: float = 120.0) -> HistoryFacts:
    """Every blob larger than ``threshold`` bytes reachable from any ref, with a path under ``root``."""
    facts = HistoryFacts()
    git_dir = _git_dir(git_root)
    facts.shallow = bool(git_dir and (git_dir / "shallow").exists())
    prefix = root.relative_to(git_root).as_posix() if root != git_root else ""
    prefix = f"{prefix}/" if prefix else ""
    try:
        revs = subprocess.Popen(
            ["git", "rev-list", "--objects", "--all"], cwd=git_root, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        cat = subprocess.run(
            ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)"],
            cwd=git_root, stdin=revs.stdout, capture_output=True, timeout=timeout, check=False,
        )
        if revs.stdout is not None:
            revs.stdout.close()
        revs.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        facts.problem = f"history scan stopped after {timeout:.0f} s"
        return facts
    except OSError as exc:
        facts.problem = f"history could not be read: {exc}"
        return facts
    best: dict[str, int] = {}
    for raw in cat.stdout.splitlines():
        parts = raw.decode("utf-8", "surrogateescape").split(" ", 2)
        if len(parts) < 3 or parts[0] != "blob":
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
