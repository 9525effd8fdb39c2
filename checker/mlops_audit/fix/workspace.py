"""The changes `fix` plans, held in memory until they are applied.

Remedies write into a `Workspace`: a view of the repository where planned contents shadow the files on
disk, so that two remedies adding lines to the same `.gitignore` compose. Nothing touches the disk until
`apply`, a transaction (:mod:`mlops_audit.fix.transaction`) that creates files exclusively (an existing file is
never overwritten), rewrites a file only if it still holds what was planned against, never goes through a
symbolic link or out of the root (:mod:`mlops_audit.fix.safefs`), and changes the git index last, in one call.

What the workspace shows (:meth:`Workspace.diff`) never holds a secret: every value the secret scanner finds in
a file the workspace read, or in a literal a remedy replaces, is masked, and the files holding one are shown as
their changed lines only, without context.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlops_audit.facts import secrets
from mlops_audit.fix import safefs
from mlops_audit.gitrun import GitRepo
from mlops_audit.safetext import escape


class ApplyError(Exception):
    """A planned change could not be applied (one line for the user)."""


@dataclass
class CacheCopy:
    """Copy a file into the DVC cache (the file itself stays where it is), checked against its md5."""

    source: str
    target: str
    md5: str = ""


_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
MIN_HIDDEN = 8  # shorter strings are not secrets the scanner reports (and masking them would garble text)


def text_lines(text: str) -> list[str]:
    """``text`` split after each newline only (``str.splitlines`` also splits at form feeds, \\x1c-\\x1e...)."""
    return _LINE.findall(text)


@dataclass
class Workspace:
    root: Path
    repo: GitRepo | None = None  # the repository whose index `apply` changes (None: no git)
    original: dict[str, str | None] = field(default_factory=dict)  # path -> content before (None: absent)
    planned: dict[str, str] = field(default_factory=dict)
    untrack: list[str] = field(default_factory=list)  # leave the index, stay on disk (as git rm --cached)
    lfs: list[str] = field(default_factory=list)  # the index gets their Git LFS pointer
    copies: list[CacheCopy] = field(default_factory=list)
    secret_files: set[str] = field(default_factory=set)  # files a remedy replaces secrets in
    hidden: set[str] = field(default_factory=set)  # values that must never be shown

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    # ------------------------------------------------------------------ reading
    def safe_path(self, rel: str) -> Path | None:
        """The path of ``rel`` inside the root, or None when it, or a folder on the way, is a symlink (or it
        is not a path inside the root, or it names a git directory)."""
        return self.root / rel if safefs.writable(self.root, rel) else None

    def read(self, rel: str) -> str | None:
        """The planned content of ``rel``, else its content on disk (exact: no newline translation), else None
        (absent, unreadable, not UTF-8, or reached through a link)."""
        if rel in self.planned:
            return self.planned[rel]
        if rel not in self.original:
            text: str | None
            try:
                text = safefs.read_regular(self.root, rel).decode("utf-8")
            except (OSError, safefs.UnsafePath, UnicodeDecodeError):
                text = None
            self.original[rel] = text
            if text:
                self.hide_secrets_of(text)
        return self.original[rel]

    def exists(self, rel: str) -> bool:
        if rel in self.planned:
            return True
        return os.path.lexists(self.root / rel)

    def digest(self, rel: str, algorithm: str) -> tuple[str, int]:
        """(hex digest, size) of the file ``rel``: a regular file inside the root (OSError, UnsafePath)."""
        digest = hashlib.new(algorithm)
        size = 0
        with safefs.open_regular(self.root, rel) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size

    def lfs_store(self) -> str | None:
        """The Git LFS object store (``<common dir>/lfs``) relative to the root, when it is inside the root and
        reached without a link; else None."""
        if self.repo is None:
            return None
        common = self.repo.common_dir.resolve()
        if not common.is_relative_to(self.root) or common == self.root:
            return None
        rel = common.relative_to(self.root).as_posix()
        return f"{rel}/lfs" if safefs.usable_folder(self.root, f"{rel}/lfs/objects", git_dir=True) else None

    # ------------------------------------------------------------------ secrets
    def hide(self, value: str) -> None:
        """Never show ``value`` (nor its JSON-escaped form, as a notebook holds it)."""
        for form in (value, json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]):
            if len(form) >= MIN_HIDDEN:
                self.hidden.add(form)

    def hide_secrets_of(self, text: str) -> bool:
        """Hide every value the scanner finds in ``text``; whether it found any."""
        found = secrets.find_secrets(text)
        for _, _, value in found:
            self.hide(value)
        return bool(found)

    def masked(self, text: str) -> str:
        """``text`` with every hidden value and every value the scanner finds masked."""
        for value in sorted((v for v in self.hidden if v in text), key=len, reverse=True):
            text = text.replace(value, secrets.mask(value))
        return secrets.redact(text)

    # ------------------------------------------------------------------ planning
    def create(self, rel: str, text: str) -> bool:
        """Plan a new file; False (nothing planned) when it exists or cannot be written safely."""
        if self.exists(rel) or self.safe_path(rel) is None:
            return False
        self.original.setdefault(rel, None)
        self.planned[rel] = text
        return True

    def can_append(self, rel: str) -> bool:
        """Whether lines can be appended to ``rel``: writable safely, and absent or UTF-8 text."""
        if self.safe_path(rel) is None:
            return False
        return not self.exists(rel) or self.read(rel) is not None

    def append_lines(self, rel: str, lines: list[str], header: str = "") -> list[str]:
        """Append the ``lines`` the file does not hold yet (compared stripped); returns the lines added."""
        if not self.can_append(rel):
            return []  # a link on the way, or exists but unreadable (binary, not UTF-8): leave it alone
        current = self.read(rel) or ""
        present = {line.strip() for line in current.splitlines()}
        missing = [line for line in lines if line.strip() and line.strip() not in present]
        missing = list(dict.fromkeys(missing))
        if not missing:
            return []
        newline = "\r\n" if "\r\n" in current else "\n"
        block = ([header] if header else []) + missing
        sep = "" if not current or current.endswith("\n") else newline
        gap = newline if current.strip() and header else ""
        self.original.setdefault(rel, current if self.exists(rel) else None)
        self.planned[rel] = current + sep + gap + newline.join(block) + newline
        return missing

    def replace(self, rel: str, text: str) -> bool:
        """Plan new content for an existing text file (unsafe remedies only)."""
        current = self.read(rel)
        if current is None or current == text or self.safe_path(rel) is None:
            return False
        self.planned[rel] = text
        return True

    # ------------------------------------------------------------------ showing
    def _holds_secrets(self, rel: str) -> bool:
        before, after = self.original.get(rel), self.planned[rel]
        found = rel in self.secret_files
        for text in (before, after):
            if text:
                found = self.hide_secrets_of(text) or found
        return found

    def diff(self) -> str:
        """A unified diff of every planned file, and a line per index change and cache copy. Names are escaped;
        a file holding a secret shows its changed lines only (no context), masked."""
        chunks: list[str] = []
        for rel in sorted(self.planned):
            before = self.original.get(rel)
            after = self.planned[rel]
            if before == after:
                continue
            secret = self._holds_secrets(rel)
            name = escape(rel)
            lines = list(difflib.unified_diff(
                text_lines(before or ""), text_lines(after), n=0 if secret else 3,
                fromfile="/dev/null" if before is None else f"a/{name}", tofile=f"b/{name}",
            ))
            chunks.extend(escape(self.masked(line).rstrip("\n"), keep_newlines=True) + "\n" for line in lines)
        for rel in self.untrack:
            chunks.append(f"untrack {escape(rel)}   (leaves the git index as with git rm --cached; "
                          "the file stays on disk)\n")
        for rel in self.lfs:
            chunks.append(f"store {escape(rel)} in Git LFS   (the index gets its LFS pointer, as with "
                          "git add --renormalize)\n")
        for copy in self.copies:
            chunks.append(f"copy {escape(copy.source)} -> {escape(copy.target)}   (DVC cache, not tracked by git)\n")
        return "".join(chunks)

    @property
    def empty(self) -> bool:
        return not (any(self.original.get(r) != t for r, t in self.planned.items())
                    or self.untrack or self.lfs or self.copies)

    # ------------------------------------------------------------------ applying
    def apply(self) -> list[str]:
        """Write everything planned, as one transaction; returns one line per action (ApplyError: nothing, or
        only what the next `fix` completes, was changed)."""
        from mlops_audit.fix.transaction import Transaction

        return Transaction(self).run()
