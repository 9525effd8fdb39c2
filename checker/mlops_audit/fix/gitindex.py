"""What `fix` reads from, and writes to, the git index: all through :mod:`mlops_audit.gitrun` (plumbing only).

Reading: the index entries (``ls-files -s``), the unmerged paths, the blobs of ``HEAD`` (``ls-tree``) and blob
sizes (``cat-file --batch-check``). Writing: blobs with ``hash-object -w --no-filters`` (no clean filter runs) and
every index change of a run in one ``update-index -z --index-info`` call (mode 0 removes a path, as
``git rm --cached`` would; compares no content, runs no hook, no filter, no fsmonitor).

Paths here are relative to the top of the work tree (what ``--index-info`` takes), with bytes that are not UTF-8
kept as surrogates, so odd names reach the right entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

from mlops_audit import gitrun
from mlops_audit.gitrun import GitRepo


class GitIndexError(Exception):
    """git could not read or change the index (one line)."""


@dataclass(frozen=True)
class Entry:
    mode: str
    oid: str


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _git(repo: GitRepo, *args: str, input: bytes | None = None) -> bytes:
    try:
        result = gitrun.run(repo, *args, input=input)
    except gitrun.GitUnavailable as exc:
        raise GitIndexError(str(exc)) from None
    if result.returncode != 0:
        lines = _decode(result.stderr).strip().splitlines()
        raise GitIndexError(f"git {args[0]} failed: {lines[-1] if lines else result.returncode}")
    return result.stdout


@dataclass
class Index:
    """A snapshot of the index of ``repo`` (stage-0 entries, unmerged paths) and, on demand, of HEAD."""

    repo: GitRepo
    entries: dict[str, Entry] = field(default_factory=dict)
    unmerged: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, repo: GitRepo) -> Index:
        index = cls(repo)
        for record in _decode(_git(repo, "ls-files", "-s", "-z", "--full-name")).split("\0"):
            meta, tab, path = record.partition("\t")
            fields = meta.split()
            if not tab or len(fields) != 3:
                continue
            mode, oid, stage = fields
            if stage == "0":
                index.entries[path] = Entry(mode, oid)
            elif path not in index.unmerged:
                index.unmerged.append(path)
        return index

    @property
    def object_format(self) -> str:
        """"sha1" or "sha256", as the object names show."""
        any_oid = next(iter(self.entries.values()), None)
        return "sha256" if any_oid is not None and len(any_oid.oid) == 64 else "sha1"

    @property
    def zero_oid(self) -> str:
        return "0" * (64 if self.object_format == "sha256" else 40)

    @cached_property
    def head(self) -> dict[str, str]:
        """path -> blob of HEAD's tree ({} before the first commit)."""
        try:
            listing = _git(self.repo, "ls-tree", "-r", "-z", "--full-name", "HEAD")
        except GitIndexError:
            return {}
        out: dict[str, str] = {}
        for record in _decode(listing).split("\0"):
            meta, tab, path = record.partition("\t")
            fields = meta.split()
            if tab and len(fields) == 3 and fields[1] == "blob":
                out[path] = fields[2]
        return out

    def blob_sizes(self, oids: Iterable[str]) -> dict[str, int]:
        """oid -> size of each blob present in the object store."""
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return {}
        out: dict[str, int] = {}
        listing = _git(self.repo, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)",
                       input=("\n".join(wanted) + "\n").encode("ascii"))
        for line in _decode(listing).splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] == "blob" and fields[2].isdigit():
                out[fields[0]] = int(fields[2])
        return out

    def blob_id(self, handle: IO[bytes], size: int) -> str:
        """The object name git gives the raw bytes of ``handle`` (what ``hash-object --no-filters`` prints)."""
        digest = hashlib.new(self.object_format)
        digest.update(b"blob %d\0" % size)
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        return digest.hexdigest()


def write_blob(repo: GitRepo, data: bytes) -> str:
    """Store ``data`` as a blob as it is (``hash-object -w --no-filters``); returns its name."""
    return _decode(_git(repo, "hash-object", "-w", "--no-filters", "--stdin", input=data)).strip()


def update(repo: GitRepo, changes: dict[str, Entry], zero_oid: str) -> None:
    """Apply every change in one ``update-index`` call: a path gets its entry, or leaves the index when its
    mode is "0" (the file stays on disk)."""
    if not changes:
        return
    records = b"".join(_encode(f"{e.mode} {e.oid if e.mode != '0' else zero_oid}\t{path}") + b"\0"
                       for path, e in changes.items())
    _git(repo, "update-index", "-z", "--index-info", input=records)


def top_path(repo: GitRepo, root: Path, rel: str) -> str:
    """``rel`` (relative to the audited folder) as a path from the top of the work tree."""
    prefix = root.resolve().relative_to(repo.work_tree.resolve()).as_posix()
    return rel if prefix in ("", ".") else f"{prefix}/{rel}"
