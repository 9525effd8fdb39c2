"""The root is a boundary: every file `fix` reads for a copy, creates or replaces is reached from the root one
folder at a time, and no step goes through a symbolic link or leaves the root.

Each folder on the way is opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to the one before it (``dir_fd``), so a
link planted anywhere on the path (``.dvc -> /elsewhere``, ``.dvc/cache/files/md5/ab -> /elsewhere``) fails the
walk instead of being followed, even if it appears while `fix` runs. Missing folders are created one by one, each
opened the same way right after it is made. Files are created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` under a
temporary name, then linked into place (``link`` never replaces an existing name) or renamed over the file they
replace (``rename`` replaces a name, never writes through it). A source read for a copy must be a regular file.

Where the platform has no ``dir_fd`` support (Windows), each step is checked with ``lstat`` just before it is
taken instead: the same rules, with a small race window.
"""

from __future__ import annotations

import errno
import os
import secrets as _random
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_FDS = all(f in os.supports_dir_fd for f in (os.open, os.mkdir, os.rename, os.unlink, os.stat, os.rmdir)) \
    and _NOFOLLOW != 0 and _DIRECTORY != 0
_LINK_FDS = _FDS and os.link in os.supports_dir_fd
_UNSAFE_ERRNOS = {errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", errno.ELOOP), getattr(errno, "EFTYPE", -1)}
TEMP_SUFFIX = ".mlops-audit-fix.tmp"


class UnsafePath(Exception):
    """A path that goes through a symbolic link, leaves the root or names a git directory (one line)."""


def parts_of(rel: str, *, git_dir: bool = False) -> list[str]:
    """The components of a path relative to the root; UnsafePath if it is absolute, climbs out (``..``) or goes
    into a ``.git`` folder (unless ``git_dir``: the Git LFS store)."""
    if not rel or rel.startswith("/") or "\0" in rel or (os.sep == "\\" and "\\" in rel):
        raise UnsafePath(f"{rel}: not a path inside the folder")
    parts = rel.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafePath(f"{rel}: not a path inside the folder")
        if part.casefold() == ".git" and not git_dir:
            raise UnsafePath(f"{rel}: fix never writes into a git directory")
    return parts


@dataclass
class Dir:
    """An open folder inside the root: operations name their file relative to it."""

    path: str
    fd: int | None

    def name(self, name: str) -> str:
        return name if self.fd is not None else os.path.join(self.path, name)

    @property
    def kw(self) -> dict[str, Any]:
        return {"dir_fd": self.fd} if self.fd is not None else {}

    def lstat(self, name: str) -> os.stat_result | None:
        try:
            return os.stat(self.name(name), follow_symlinks=False, **self.kw)
        except FileNotFoundError:
            return None


def _unsafe(rel: str, exc: OSError) -> UnsafePath:
    return UnsafePath(f"{rel} is a symbolic link or not a folder: not followed ({exc.strerror or exc})")


def _open_child(parent: int, name: str, rel: str) -> int:
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=parent)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno in _UNSAFE_ERRNOS:
            raise _unsafe(rel, exc) from None
        raise


def _walk_fds(root: Path, parts: list[str], create: bool, made: list[str] | None) -> Dir:
    fd = os.open(str(root), os.O_RDONLY | _DIRECTORY)
    path = str(root)
    try:
        for i, part in enumerate(parts):
            rel = "/".join(parts[: i + 1])
            try:
                child = _open_child(fd, part, rel)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                    if made is not None:
                        made.append(rel)
                except FileExistsError:
                    pass  # made meanwhile: opened (and checked) below like any other
                child = _open_child(fd, part, rel)
            os.close(fd)
            fd, path = child, os.path.join(path, part)
        return Dir(path, fd)
    except BaseException:
        os.close(fd)
        raise


def _walk_paths(root: Path, parts: list[str], create: bool, made: list[str] | None) -> Dir:
    path = str(root)
    for i, part in enumerate(parts):
        path = os.path.join(path, part)
        rel = "/".join(parts[: i + 1])
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                raise
            os.mkdir(path)
            if made is not None:
                made.append(rel)
            st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise UnsafePath(f"{rel} is a symbolic link or not a folder: not followed")
    return Dir(path, None)


@contextmanager
def folder(root: Path, rel_dir: str, *, create: bool = False, made: list[str] | None = None,
           git_dir: bool = False) -> Iterator[Dir]:
    """The folder ``rel_dir`` ("" for the root), reached without following any link (created on the way when
    ``create``, each new folder's path appended to ``made``)."""
    parts = parts_of(rel_dir, git_dir=git_dir) if rel_dir else []
    handle = (_walk_fds if _FDS else _walk_paths)(root, parts, create, made)
    try:
        yield handle
    finally:
        if handle.fd is not None:
            os.close(handle.fd)


def split(rel: str, *, git_dir: bool = False) -> tuple[str, str]:
    parts = parts_of(rel, git_dir=git_dir)
    return "/".join(parts[:-1]), parts[-1]


def _open_regular(d: Dir, name: str, rel: str) -> int:
    try:
        fd = os.open(d.name(name), os.O_RDONLY | _NOFOLLOW | _BINARY, **d.kw)
    except OSError as exc:
        if exc.errno in _UNSAFE_ERRNOS:
            raise UnsafePath(f"{rel} is a symbolic link: not read") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(f"{rel} is not a regular file: not read")
    return fd


@contextmanager
def open_regular(root: Path, rel: str, *, git_dir: bool = False) -> Iterator[IO[bytes]]:
    """``rel`` opened for reading: a regular file inside the root, no link on the way (else UnsafePath)."""
    folder_rel, name = split(rel, git_dir=git_dir)
    with folder(root, folder_rel, git_dir=git_dir) as d:
        fd = _open_regular(d, name, rel)
    with os.fdopen(fd, "rb") as handle:
        yield handle


def read_regular(root: Path, rel: str) -> bytes:
    with open_regular(root, rel) as handle:
        return handle.read()


def state(root: Path, rel: str, *, git_dir: bool = False) -> os.stat_result | None:
    """The ``lstat`` of ``rel`` (None: absent, or a folder on the way is missing); UnsafePath when a folder on
    the way is a link."""
    folder_rel, name = split(rel, git_dir=git_dir)
    try:
        with folder(root, folder_rel, git_dir=git_dir) as d:
            return d.lstat(name)
    except FileNotFoundError:
        return None


def writable(root: Path, rel: str, *, git_dir: bool = False) -> bool:
    """Whether ``rel`` can be written without going through a link: every existing folder on the way is a real
    folder, and the file itself is absent or a regular file."""
    try:
        st = state(root, rel, git_dir=git_dir)
    except (UnsafePath, OSError):
        return False
    return st is None or stat.S_ISREG(st.st_mode)


def usable_folder(root: Path, rel: str, *, git_dir: bool = False) -> bool:
    """Whether ``rel`` is a real folder inside the root, or can be made one, without going through a link."""
    try:
        st = state(root, rel, git_dir=git_dir)
    except (UnsafePath, OSError):
        return False
    return st is None or stat.S_ISDIR(st.st_mode)


def write_temp(root: Path, rel: str, chunks: Iterable[bytes], *, mode: int | None = None,
               made: list[str] | None = None, git_dir: bool = False) -> str:
    """Write ``chunks`` to a new temporary file beside ``rel`` (its folders created as needed); returns the
    temporary file's path relative to the root."""
    folder_rel, name = split(rel, git_dir=git_dir)
    temp = f".{name[:80]}.{_random.token_hex(6)}{TEMP_SUFFIX}"
    with folder(root, folder_rel, create=True, made=made, git_dir=git_dir) as d:
        fd = os.open(d.name(temp), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o666, **d.kw)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                if mode is not None:
                    os.chmod(handle.fileno(), stat.S_IMODE(mode))
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            _quiet_unlink(d, temp)
            raise
    return f"{folder_rel}/{temp}" if folder_rel else temp


def _quiet_unlink(d: Dir, name: str) -> None:
    with suppress(OSError):
        os.unlink(d.name(name), **d.kw)


def link_new(root: Path, temp_rel: str, rel: str, *, git_dir: bool = False) -> int:
    """Give the temporary file ``temp_rel`` the name ``rel``, which must not exist (FileExistsError); returns
    the new file's inode."""
    folder_rel, name = split(rel, git_dir=git_dir)
    temp = split(temp_rel, git_dir=git_dir)[1]
    with folder(root, folder_rel, git_dir=git_dir) as d:
        linked = False
        if _LINK_FDS or d.fd is None:
            try:
                os.link(d.name(temp), d.name(name), follow_symlinks=False,
                        **({"src_dir_fd": d.fd, "dst_dir_fd": d.fd} if d.fd is not None else {}))
                linked = True
            except FileExistsError:
                raise
            except (OSError, NotImplementedError):
                linked = False  # no hard links on this file system: rename, after checking the name is free
        if linked:
            os.unlink(d.name(temp), **d.kw)
        else:
            if d.lstat(name) is not None:
                raise FileExistsError(errno.EEXIST, "exists", rel)
            _rename(d, temp, name)
        st = d.lstat(name)
        return st.st_ino if st is not None else 0


def _rename(d: Dir, source: str, target: str) -> None:
    if d.fd is not None:
        os.replace(source, target, src_dir_fd=d.fd, dst_dir_fd=d.fd)
    else:
        os.replace(d.name(source), d.name(target))


def replace(root: Path, temp_rel: str, rel: str, *, git_dir: bool = False) -> None:
    """Rename the temporary file ``temp_rel`` over ``rel`` (a link there is replaced, never followed)."""
    folder_rel, name = split(rel, git_dir=git_dir)
    with folder(root, folder_rel, git_dir=git_dir) as d:
        _rename(d, split(temp_rel, git_dir=git_dir)[1], name)


def remove(root: Path, rel: str, *, inode: int | None = None, git_dir: bool = False) -> None:
    """Remove the file ``rel`` if it is there (and is still the file ``inode``, when given)."""
    try:
        folder_rel, name = split(rel, git_dir=git_dir)
        with folder(root, folder_rel, git_dir=git_dir) as d:
            st = d.lstat(name)
            if st is None or (inode is not None and st.st_ino != inode):
                return
            os.unlink(d.name(name), **d.kw)
    except (OSError, UnsafePath):
        pass


def remove_empty_folder(root: Path, rel: str, *, git_dir: bool = False) -> None:
    try:
        folder_rel, name = split(rel, git_dir=git_dir)
        with folder(root, folder_rel, git_dir=git_dir) as d:
            os.rmdir(d.name(name), **d.kw)
    except (OSError, UnsafePath):
        pass
