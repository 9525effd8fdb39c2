"""Many sources analysed at once: in forked worker processes on large batches, here otherwise."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from mlops_audit.facts.code import CodeInfo, analyse, describe_error
from mlops_audit.facts.codec import decode, encode

TICK = 32  # files between two progress reports
PARALLEL_MIN = 256  # below this many sources, starting worker processes costs more than it saves
_BATCH: list[tuple[str, str]] = []  # (source, filename), inherited by forked workers (nothing to pickle)


def _analyse_at(index: int) -> bytes:
    """A worker's job: one source analysed, sent back encoded (bytes pickle at memory speed; the analysis and
    its 30 tuples per file would not, and the parent would get a copy of every name instead of one)."""
    source, filename = _BATCH[index]
    info = analyse_safely(source, filename)
    try:
        return encode(info)
    except Exception as exc:  # pragma: no cover - defensive: an analysis is tuples of strings and numbers
        return encode(_failed(source, exc))


def analyse_safely(source: str, filename: str) -> CodeInfo:
    """``analyse``, with anything it raises (it catches what parsing raises) made the file's error (AUD001), never
    the run's end, in a worker process or here."""
    try:
        return analyse(source, filename=filename)
    except Exception as exc:
        return _failed(source, exc)


def _failed(source: str, exc: Exception) -> CodeInfo:
    return CodeInfo(lines=source.count("\n") + 1, error=f"could not be analysed: {describe_error(exc)}")


def analyse_many(items: list[tuple[str, str]],
                 progress: Callable[[int, int, str], None] | None = None) -> list[CodeInfo]:
    """``analyse`` of each (source, filename), in order. Large batches are spread over forked worker processes
    (Linux, more than one CPU): parsing is CPU-bound Python, one core per process. Any trouble with the workers
    falls back to analysing here; results are the same either way."""
    global _BATCH
    workers = min(4, len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else 1
    if len(items) >= PARALLEL_MIN and workers > 1 and sys.platform.startswith("linux"):
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _BATCH = items
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                chunk = max(8, len(items) // (workers * 8))
                out = []
                for data in pool.map(_analyse_at, range(len(items)), chunksize=chunk):
                    out.append(decode(data))
                    if progress is not None and len(out) % TICK == 0:
                        progress(len(out), len(items), "parsing")
                return out
        except Exception:  # a broken pool, no fork, no /dev/shm...: do it here
            pass
        finally:
            _BATCH = []
    out = []
    for source, filename in items:
        out.append(analyse_safely(source, filename))
        if progress is not None and len(out) % TICK == 0:
            progress(len(out), len(items), "parsing")
    return out
