"""The changes `fix` plans, held in memory until they are applied.

Remedies write into a `Workspace`: a view of the repository where planned contents shadow the files on
disk, so that two remedies adding lines to the same `.gitignore` compose. Nothing touches the disk until
`apply`, which creates files exclusively (an existing file is never overwritten), rewrites a file only if it
still holds what was planned against, and never writes through a symbolic link.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class ApplyError(Exception):
    """A planned change could not be applied (one line for the user)."""


@dataclass
class CacheCopy:
    """Copy a file into the DVC cache (the file itself stays where it is)."""

    source: str
    target: str


@dataclass
class Workspace:
    root: Path
    original: dict[str, str | None] = field(default_factory=dict)  # path -> content before (None: absent)
    planned: dict[str, str] = field(default_factory=dict)
    untrack: list[str] = field(default_factory=list)  # git rm --cached
    renormalize: list[str] = field(default_factory=list)  # git add --renormalize (Git LFS)
    copies: list[CacheCopy] = field(default_factory=list)

    # ------------------------------------------------------------------ reading
    def safe_path(self, rel: str) -> Path | None:
        """The path of ``rel`` inside the root, or None when it, or a folder on the way, is a symlink."""
        current = self.root
        for part in Path(rel).parts:
            if part in ("..", "") or os.path.isabs(part):
                return None
            current = current / part
            if current.is_symlink():
                return None
        return current

    def read(self, rel: str) -> str | None:
        """The planned content of ``rel``, else its content on disk, else None (absent or unreadable)."""
        if rel in self.planned:
            return self.planned[rel]
        if rel not in self.original:
            path = self.safe_path(rel)
            text: str | None = None
            if path is not None and path.is_file():
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = None
            self.original[rel] = text
        return self.original[rel]

    def exists(self, rel: str) -> bool:
        if rel in self.planned:
            return True
        path = self.root / rel
        return path.exists() or path.is_symlink()

    # ------------------------------------------------------------------ planning
    def create(self, rel: str, text: str) -> bool:
        """Plan a new file; False (nothing planned) when it exists or cannot be written safely."""
        if self.exists(rel) or self.safe_path(rel) is None:
            return False
        self.original.setdefault(rel, None)
        self.planned[rel] = text
        return True

    def append_lines(self, rel: str, lines: list[str], header: str = "") -> list[str]:
        """Append the ``lines`` the file does not hold yet (compared stripped); returns the lines added."""
        if self.safe_path(rel) is None:
            return []
        if self.exists(rel) and self.read(rel) is None:
            return []  # exists but unreadable (binary, not UTF-8): leave it alone
        current = self.read(rel) or ""
        present = {line.strip() for line in current.splitlines()}
        missing = [line for line in lines if line.strip() and line.strip() not in present]
        missing = list(dict.fromkeys(missing))
        if not missing:
            return []
        block = ([header] if header else []) + missing
        sep = "" if not current or current.endswith("\n") else "\n"
        gap = "\n" if current.strip() and header else ""
        self.original.setdefault(rel, current if self.exists(rel) else None)
        self.planned[rel] = current + sep + gap + "\n".join(block) + "\n"
        return missing

    def replace(self, rel: str, text: str) -> bool:
        """Plan new content for an existing text file (unsafe remedies only)."""
        current = self.read(rel)
        if current is None or current == text:
            return False
        self.planned[rel] = text
        return True

    # ------------------------------------------------------------------ showing
    def diff(self) -> str:
        chunks: list[str] = []
        for rel in sorted(self.planned):
            before = self.original.get(rel)
            after = self.planned[rel]
            if before == after:
                continue
            chunks.extend(difflib.unified_diff(
                (before or "").splitlines(keepends=True), after.splitlines(keepends=True),
                fromfile="/dev/null" if before is None else f"a/{rel}", tofile=f"b/{rel}",
            ))
            if chunks and not chunks[-1].endswith("\n"):
                chunks[-1] += "\n"
        for rel in self.untrack:
            chunks.append(f"git rm --cached -- {rel}   (the file stays on disk)\n")
        for rel in self.renormalize:
            chunks.append(f"git add --renormalize -- {rel}   (stored in Git LFS from now on)\n")
        for copy in self.copies:
            chunks.append(f"copy {copy.source} -> {copy.target}   (DVC cache, not tracked by git)\n")
        return "".join(chunks)

    @property
    def empty(self) -> bool:
        return not (any(self.original.get(r) != t for r, t in self.planned.items())
                    or self.untrack or self.renormalize or self.copies)

    # ------------------------------------------------------------------ applying
    def apply(self) -> list[str]:
        """Write everything planned; returns one line per action."""
        done: list[str] = []
        for rel in sorted(self.planned):
            before, after = self.original.get(rel), self.planned[rel]
            if before == after:
                continue
            path = self.safe_path(rel)
            if path is None:
                raise ApplyError(f"{rel}: a symbolic link is on the way; not written")
            try:
                if before is None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("x", encoding="utf-8", newline="") as handle:  # never overwrite
                        handle.write(after)
                    done.append(f"created  {rel}")
                else:
                    if path.read_text(encoding="utf-8") != before:
                        raise ApplyError(f"{rel} changed while fix was running; not written")
                    path.write_text(after, encoding="utf-8", newline="")
                    done.append(f"updated  {rel}")
            except FileExistsError:
                raise ApplyError(f"{rel} appeared while fix was running; not overwritten") from None
            except OSError as exc:
                raise ApplyError(f"cannot write {rel}: {exc.strerror or exc}") from None
        for copy in self.copies:
            target = self.root / copy.target
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".tmp")
                shutil.copyfile(self.root / copy.source, tmp)
                os.replace(tmp, target)
                done.append(f"cached   {copy.source} in {copy.target.split('/files/')[0]}")
        if self.untrack:
            self._git("rm", "--cached", "-q", "--", *self.untrack)
            done.extend(f"untracked {rel} (still on disk)" for rel in self.untrack)
        if self.renormalize:
            self._git("add", "--renormalize", "--", *self.renormalize)
            done.extend(f"renormalized {rel} (Git LFS)" for rel in self.renormalize)
        return done

    def _git(self, *args: str) -> None:
        try:
            result = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True,
                                    timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ApplyError(f"git {args[0]} failed: {exc}") from None
        if result.returncode != 0:
            raise ApplyError(f"git {args[0]} failed: {result.stderr.strip() or result.returncode}")
