"""Where the cache lives, and how a file in it is opened: the little every reader of the cache directory needs
(the analysis cache, the compiled catalogue, a kept report), without the analysers behind the cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

# a file modified less than this before it was read (or listed) is not trusted by its stat signature: a later
# write within the file system's timestamp granularity could leave the same one (the analysis cache, a kept report)
RACY_NS = 2_000_000_000

class NoCacheDir(OSError):
    """There is no cache directory to use (no MLOPS_AUDIT_CACHE_DIR, no XDG_CACHE_HOME, no home directory)."""


def cache_dir() -> Path:
    """The cache directory; raises NoCacheDir when there is none (HOME unset and no passwd entry: the audit then
    runs without a cache)."""
    explicit = os.environ.get("MLOPS_AUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            home = Path.home()
        except (RuntimeError, KeyError, OSError) as exc:  # RuntimeError: "Could not determine home directory"
            raise NoCacheDir(f"no home directory ({exc})") from None
        base = str(home / ".cache")
    return Path(base) / "mlops-audit"


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, unbuffered, when it is a regular file; raises OSError otherwise. Never waits:
    a FIFO planted in the cache directory would block a plain ``open`` forever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file: {path}")
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
