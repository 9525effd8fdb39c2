"""The files a Python distribution declares it ships inside its packages (package data), as path patterns.

A tokenizer's vocabulary (``clip/bpe_simple_vocab_16e6.txt.gz``), a default configuration or a small lookup table
that the package loads at run time is part of the code that installs it, versioned with it on purpose: moving it
to DVC or Git LFS would break ``pip install``. It is declared where the distribution says what it ships:

- ``MANIFEST.in``: ``include``, ``recursive-include``, ``graft``, ``global-include`` (``exclude`` and ``prune``
  are not subtracted: a file a distribution names is a resource whatever else it leaves out);
- ``pyproject.toml``: ``[tool.setuptools.package-data]`` (``{"clip": ["*.gz"]}``);
- ``setup.cfg``: ``[options.package_data]`` (``clip = *.gz, data/*.json``).

Each declaration becomes a gitignore-style pattern anchored at the folder of its file (globs.py: linear). Nothing
is run: ``setup.py``'s ``package_data`` is a Python expression, and is not evaluated here.
"""

from __future__ import annotations

import configparser
import posixpath
from collections.abc import Callable
from typing import Any

MAX_LINES = 2_000  # of a MANIFEST.in; the rest is not read
MAX_PATTERNS = 500


def _anchored(base: str, pattern: str) -> str | None:
    """``pattern`` (relative to the folder ``base``) as a pattern anchored at the repository's root; None for
    what cannot name a file inside the repository (``..``, an absolute path, an empty pattern)."""
    pattern = pattern.strip().strip("'\"").replace("\\", "/")
    if not pattern or pattern.startswith("/") or ".." in pattern.split("/") or pattern.startswith("!"):
        return None
    return "/" + posixpath.join(base, pattern) if base else "/" + pattern


def manifest_in(text: str, base: str) -> list[str]:
    """The patterns of a ``MANIFEST.in`` in folder ``base``."""
    out: list[str] = []
    for line in text.splitlines()[:MAX_LINES]:
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        command, args = words[0].lower(), words[1:]
        if command == "include":
            out.extend(p for p in (_anchored(base, a) for a in args) if p)
        elif command == "recursive-include" and len(args) >= 2:
            out.extend(p for p in (_anchored(base, f"{args[0].rstrip('/')}/**/{a}") for a in args[1:]) if p)
        elif command == "graft":
            out.extend(p + "/" for p in (_anchored(base, a.rstrip("/")) for a in args) if p)
        elif command == "global-include":
            out.extend(p for p in (_anchored(base, f"**/{a}") for a in args) if p)
    return out[:MAX_PATTERNS]


def _package_folders(base: str, package: str, is_dir: Callable[[str], bool]) -> list[str]:
    """Where package ``package`` (dotted; "" or "*": every package) of a distribution in ``base`` lives."""
    if package in ("", "*"):
        return [base]
    rel = package.replace(".", "/")
    found = [f for f in (posixpath.join(base, rel), posixpath.join(base, "src", rel)) if is_dir(f)]
    return found or [posixpath.join(base, rel)]


def _patterns_of(base: str, table: dict[str, Any], is_dir: Callable[[str], bool]) -> list[str]:
    out: list[str] = []
    for package, patterns in table.items():
        if isinstance(patterns, str):
            patterns = [p for chunk in patterns.splitlines() for p in chunk.split(",")]
        if not isinstance(package, str) or not isinstance(patterns, list):
            continue
        for folder in _package_folders(base, package.strip(), is_dir):
            glob = "**/" if package.strip() in ("", "*") else ""
            out.extend(p for p in (_anchored(folder, glob + x) for x in patterns if isinstance(x, str)) if p)
    return out[:MAX_PATTERNS]


def pyproject(data: dict[str, Any], base: str, is_dir: Callable[[str], bool]) -> list[str]:
    """The patterns of a ``pyproject.toml``'s ``[tool.setuptools.package-data]``."""
    tool = data.get("tool")
    setuptools = tool.get("setuptools") if isinstance(tool, dict) else None
    table = setuptools.get("package-data") if isinstance(setuptools, dict) else None
    return _patterns_of(base, table, is_dir) if isinstance(table, dict) else []


def setup_cfg(text: str, base: str, is_dir: Callable[[str], bool]) -> list[str]:
    """The patterns of a ``setup.cfg``'s ``[options.package_data]`` (read without interpolation)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError):
        return []
    if not parser.has_section("options.package_data"):
        return []
    return _patterns_of(base, dict(parser.items("options.package_data")), is_dir)
