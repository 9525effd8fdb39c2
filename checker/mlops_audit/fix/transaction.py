"""Applying a plan as a transaction: all of it, or nothing that the next `fix` cannot complete.

1. **Check** (nothing is changed yet): every file to create is still absent and every file to rewrite still
   holds what the plan was made from; no path goes through a symbolic link or out of the root; the index has no
   unmerged path and no file that leaves it (or moves to Git LFS) has staged and unstaged edits at once.
2. **Prepare** (nothing visible changes): the DVC cache copies and Git LFS objects are written to temporary
   files, checked against their digests and renamed into place (content-addressed stores: an object there is
   complete or absent); the LFS pointer blobs are written to the object store (``hash-object -w
   --no-filters``); every new or rewritten file is written in full to a temporary file beside it.
3. **Place**: each temporary file gets its name (a new file by ``link``, which never replaces an existing
   name; a rewritten one by ``rename``, keeping the file's mode).
4. **Index**, last: one ``update-index -z --index-info`` call (atomic: git writes a new index and renames it).

A failure or an interruption (``KeyboardInterrupt`` included) during 2-4 undoes what was done, newest first:
new files and cache objects removed, rewritten files given back their content, folders made removed when
empty. If the process is killed outright, what is left is completed by the next `fix`: the planning is
idempotent (a ``.dvc`` file whose data is still in the index, not ignored or not cached gets the rest of its
move; appended lines are added only when missing; notebooks and secrets are planned from what the files hold).
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from mlops_audit.facts import lfs
from mlops_audit.fix import gitindex, safefs
from mlops_audit.fix.gitindex import Entry, GitIndexError, Index
from mlops_audit.fix.workspace import ApplyError, CacheCopy, Workspace
from mlops_audit.safetext import escape


class Transaction:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.root: Path = ws.root
        self.done: list[str] = []
        self.undo: list[Callable[[], None]] = []
        self.temps: dict[str, tuple[str, bool]] = {}  # target -> (temporary file, inside the git directory)
        self.modes: dict[str, int] = {}  # rewritten file -> its mode
        self.changes: dict[str, Entry] = {}  # index path -> new entry (mode "0": removed)
        self.index: Index | None = None
        self.finished = False

    @property
    def files(self) -> list[str]:
        """The files to create or rewrite, in the order they are placed: `.dvc/config` last, as it marks DVC as
        set up (a run killed before it leaves the rest of the set-up for the next run to make)."""
        ws = self.ws
        return sorted((rel for rel, text in ws.planned.items() if ws.original.get(rel) != text),
                      key=lambda rel: (rel == ".dvc/config", rel))

    # ------------------------------------------------------------------ the flow
    def run(self) -> list[str]:
        self.check()
        try:
            self.prepare()
            self.place()
            self.update_index()
        except BaseException as exc:
            self.rollback()
            if isinstance(exc, ApplyError | KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            if isinstance(exc, safefs.UnsafePath | GitIndexError):
                raise ApplyError(escape(f"{exc}; what was done is undone")) from None
            if isinstance(exc, OSError):
                raise ApplyError(escape(f"cannot write {exc.filename or 'a file'}: {exc.strerror or exc}; what was "
                                        "done is undone")) from None
            raise
        finally:
            self.discard_temps()
        return self.done

    # ------------------------------------------------------------------ 1. check
    def check(self) -> None:
        from mlops_audit.fix import preflight

        for rel in self.files:
            self.check_file(rel)
        for copy in self.ws.copies:
            if not safefs.writable(self.root, copy.target):
                raise ApplyError(f"{escape(copy.target)}: a symbolic link is on the way; nothing was changed")
        if self.ws.untrack or self.ws.lfs:
            if self.ws.repo is None:
                raise ApplyError("the index cannot be changed: the folder is not a git work tree")
            if self.ws.lfs and self.ws.lfs_store() is None:
                raise ApplyError("the Git LFS object store is outside the folder or behind a link; nothing was changed")
        if self.ws.repo is not None:
            try:
                self.index = Index.read(self.ws.repo)
            except GitIndexError as exc:
                raise ApplyError(escape(str(exc))) from None
            refusal = preflight.index_refusal(self.ws, self.index)
            if refusal is not None:
                raise ApplyError(refusal)

    def check_file(self, rel: str) -> None:
        before = self.ws.original.get(rel)
        try:
            st = safefs.state(self.root, rel)
        except safefs.UnsafePath:
            raise ApplyError(f"{escape(rel)}: a symbolic link is on the way; nothing was changed") from None
        if before is None:
            if st is not None:
                raise ApplyError(f"{escape(rel)} appeared while fix was running; nothing was changed")
            return
        if st is None or not stat.S_ISREG(st.st_mode) or not self.still_holds(rel, before):
            raise ApplyError(f"{escape(rel)} changed while fix was running; nothing was changed")
        self.modes[rel] = st.st_mode

    def still_holds(self, rel: str, text: str) -> bool:
        try:
            return safefs.read_regular(self.root, rel) == text.encode("utf-8")
        except (OSError, safefs.UnsafePath):
            return False

    # ------------------------------------------------------------------ 2. prepare
    def prepare(self) -> None:
        for copy in self.ws.copies:
            self.cache(copy)
        for rel in self.ws.lfs:
            self.store_in_lfs(rel)
        for rel in self.ws.untrack:
            self.changes[self.top(rel)] = Entry("0", "")
        for rel in self.files:
            try:
                data = self.ws.planned[rel].encode("utf-8")
            except UnicodeEncodeError:
                raise ApplyError(f"{escape(rel)}: its new content cannot be written as UTF-8") from None
            self.temps[rel] = (self.write_temp(rel, iter([data]), mode=self.modes.get(rel)), False)

    def write_temp(self, rel: str, chunks: Iterator[bytes], *, mode: int | None = None,
                   git_dir: bool = False) -> str:
        made: list[str] = []
        try:
            return safefs.write_temp(self.root, rel, chunks, mode=mode, made=made, git_dir=git_dir)
        finally:
            for folder in made:  # undone newest first: the deepest folder goes before its parent
                self.undo.append(partial(safefs.remove_empty_folder, self.root, folder, git_dir=git_dir))

    def verified_copy(self, source: str, target: str, algorithm: str, expected: str, *,
                      git_dir: bool = False) -> bool:
        """Copy ``source`` (a regular file inside the root) to ``target`` through a temporary file, checking
        its digest; False when ``target`` already holds exactly that content."""
        try:
            present = safefs.state(self.root, target, git_dir=git_dir)
        except safefs.UnsafePath:
            raise ApplyError(f"{escape(target)}: a symbolic link is on the way; nothing was changed") from None
        if present is not None and stat.S_ISREG(present.st_mode) and \
                self.digest_of(target, algorithm, git_dir) == expected:
            return False
        digest = hashlib.new(algorithm)

        def blocks() -> Iterator[bytes]:
            with safefs.open_regular(self.root, source) as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
                    yield block

        try:
            temp = self.write_temp(target, blocks(), git_dir=git_dir)
        except safefs.UnsafePath as exc:
            raise ApplyError(f"{escape(str(exc))}; nothing was changed") from None
        self.temps[target] = (temp, git_dir)
        if digest.hexdigest() != expected:
            raise ApplyError(f"{escape(source)} changed while fix was running; nothing was changed")
        safefs.replace(self.root, temp, target, git_dir=git_dir)
        del self.temps[target]
        if present is None:
            st = safefs.state(self.root, target, git_dir=git_dir)
            inode = st.st_ino if st is not None else None
            self.undo.append(partial(safefs.remove, self.root, target, inode=inode, git_dir=git_dir))
        return True

    def digest_of(self, rel: str, algorithm: str, git_dir: bool) -> str:
        digest = hashlib.new(algorithm)
        try:
            with safefs.open_regular(self.root, rel, git_dir=git_dir) as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except (OSError, safefs.UnsafePath):
            return ""
        return digest.hexdigest()

    def cache(self, copy: CacheCopy) -> None:
        if self.verified_copy(copy.source, copy.target, "md5", copy.md5):
            self.done.append(f"cached   {escape(copy.source)} in {escape(copy.target.split('/files/')[0])}")

    def store_in_lfs(self, rel: str) -> None:
        store, repo, index = self.ws.lfs_store(), self.ws.repo, self.index
        assert store is not None and repo is not None and index is not None  # checked in check()
        entry = index.entries.get(self.top(rel))
        if entry is None:
            return  # not in the index (any more): .gitattributes alone sends it to LFS when it is added
        try:
            oid, size = self.ws.digest(rel, "sha256")
        except (OSError, safefs.UnsafePath) as exc:
            raise ApplyError(f"{escape(rel)}: cannot be read ({exc}); nothing was changed") from None
        target = f"{store}/{lfs.object_path(oid)[len('lfs/'):]}"
        self.verified_copy(rel, target, "sha256", oid, git_dir=True)
        blob = gitindex.write_blob(repo, lfs.pointer(oid, size))
        self.changes[self.top(rel)] = Entry(entry.mode, blob)

    def top(self, rel: str) -> str:
        assert self.ws.repo is not None
        return gitindex.top_path(self.ws.repo, self.root, rel)

    # ------------------------------------------------------------------ 3. place
    def place(self) -> None:
        for rel in self.files:
            temp, _ = self.temps[rel]
            before = self.ws.original.get(rel)
            if before is None:
                try:
                    inode = safefs.link_new(self.root, temp, rel)
                except FileExistsError:
                    raise ApplyError(f"{escape(rel)} appeared while fix was running; not overwritten, "
                                     "nothing was changed") from None
                del self.temps[rel]
                self.undo.append(partial(safefs.remove, self.root, rel, inode=inode))
                self.done.append(f"created  {escape(rel)}")
            else:
                if not self.still_holds(rel, before):
                    raise ApplyError(f"{escape(rel)} changed while fix was running; nothing was changed")
                safefs.replace(self.root, temp, rel)
                del self.temps[rel]
                self.undo.append(partial(self.restore, rel, before))
                self.done.append(f"updated  {escape(rel)}")

    def restore(self, rel: str, text: str) -> None:
        temp = safefs.write_temp(self.root, rel, iter([text.encode("utf-8")]), mode=self.modes.get(rel))
        safefs.replace(self.root, temp, rel)

    # ------------------------------------------------------------------ 4. index
    def update_index(self) -> None:
        if self.changes:
            assert self.ws.repo is not None and self.index is not None
            gitindex.update(self.ws.repo, self.changes, self.index.zero_oid)
        self.finished = True
        self.done.extend(f"untracked {escape(rel)} (still on disk)" for rel in self.ws.untrack)
        self.done.extend(f"stored   {escape(rel)} in Git LFS" for rel in self.ws.lfs
                         if self.top(rel) in self.changes)

    def index_updated(self) -> bool:
        """Whether the index already holds every change (an interruption came after git wrote it)."""
        if not self.changes or self.ws.repo is None:
            return False
        try:
            now = Index.read(self.ws.repo).entries
        except GitIndexError:
            return False
        return all((path not in now) if e.mode == "0" else (now.get(path) == e) for path, e in self.changes.items())

    # ------------------------------------------------------------------ undoing
    def rollback(self) -> None:
        if self.finished or self.index_updated():
            return  # the transaction is complete: nothing to undo
        for step in reversed(self.undo):
            try:
                step()
            except Exception:  # undo what can be undone; the next fix completes the rest
                continue
        self.undo.clear()

    def discard_temps(self) -> None:
        for temp, git_dir in self.temps.values():
            safefs.remove(self.root, temp, git_dir=git_dir)
        self.temps.clear()
