"""``mlops-audit fleet --audit DIR...``: audit local checkouts in parallel, one process per core, then read their
JSON reports as the fleet reads any report.

Each checkout is audited as ``mlops-audit DIR -f json`` would (its own configuration, found the same way); a
checkout that cannot be audited (not a folder, a configuration mistake, an internal error) is skipped with one
line, the others go on. Reports can be kept (``save``: one ``NAME.json`` per checkout) to link them from the
fleet report or feed a later run."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mlops_audit.fleet.reading import NotAReport, Reading, assign_names, parse_report


def audit_one(path: str) -> tuple[str, str | None, str | None]:
    """(path, the JSON report, None) or (path, None, why it could not be audited): never raises (a worker's
    exception would end the pool's map for every checkout)."""
    try:
        from mlops_audit.checkcmd import UsageError, config_for, config_problems_first, validate_codes
        from mlops_audit.engine import run_audit
        from mlops_audit.reporters import render

        folder = Path(path)
        if not folder.is_dir():
            return path, None, "not a directory"
        try:
            cfg = config_for(folder, None)
            validate_codes(cfg, None, None)
        except UsageError as exc:
            return path, None, f"configuration error: {exc}"
        report = run_audit(folder.resolve(), cfg)
        config_problems_first(report, cfg)
        return path, render(report, "json"), None
    except Exception as exc:  # one checkout's failure is a line, not the end of the fleet
        return path, None, f"internal error: {type(exc).__name__}: {exc}"


def workers(jobs: int | None, count: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(jobs or cores, count))


def audit_all(paths: Sequence[str], *, jobs: int | None = None, save: Path | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> Reading:
    """Audit every checkout (in ``workers`` processes) and read the reports, in the order given."""
    results: dict[str, tuple[str | None, str | None]] = {}
    n = workers(jobs, len(paths))
    seen: set[str] = set()
    unique = []
    for path in paths:  # a checkout named twice ("a", "./a") is audited once
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    if n > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if sys.platform.startswith("linux") else None
        with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method)) as pool:
            for done, (path, text, error) in enumerate(pool.map(audit_one, unique), 1):
                results[path] = (text, error)
                if progress is not None:
                    progress(done, len(unique), path)
    else:
        for done, path in enumerate(unique, 1):
            _, text, error = audit_one(path)
            results[path] = (text, error)
            if progress is not None:
                progress(done, len(unique), path)
    reading = Reading()
    import json

    for path in unique:
        text, error = results[path]
        if text is None:
            reading.skip(path, f"not audited: {error}")
            continue
        try:
            entry = parse_report(json.loads(text), path, None, reading)
        except (NotAReport, ValueError) as exc:  # pragma: no cover - our own report is one
            reading.skip(path, f"not audited: {exc}")
            continue
        reading.entries.append(entry)
        if save is not None:
            entry.file = str(save / f".{len(reading.entries):05d}.json.tmp")  # renamed once names are known
            Path(entry.file).write_text(text, encoding="utf-8")
    assign_names(reading.entries)
    if save is not None:
        taken: set[str] = set()
        for entry in reading.entries:
            assert entry.file is not None
            stem = base = _file_name(entry.name)
            n = 1
            while stem.lower() in taken:  # two names that make the same file name (a/b and a_b)
                n += 1
                stem = f"{base}-{n}"
            taken.add(stem.lower())
            target = save / f"{stem}.json"
            os.replace(entry.file, target)
            entry.file = entry.source = str(target)
    return reading


def _file_name(name: str) -> str:
    """A repository's name as a file name: separators and anything unusual as ``_``."""
    safe = "".join(c if c.isalnum() or c in "-_.#" else "_" for c in name).strip(".")
    return safe or "repository"
