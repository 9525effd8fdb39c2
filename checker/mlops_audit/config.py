"""User configuration: ``[tool.mlops-audit]`` in pyproject.toml, or ``.mlops-audit.toml``.

Keys (kebab-case, as in ruff):

- ``select`` / ``extend-select``: rule IDs or prefixes to run (default: all).
- ``ignore``: a list of IDs/prefixes, or a table ``ID = "reason"``; the reason is shown in reports.
- ``per-path-ignores``: table ``"glob" = ["ID", ...]``.
- ``exclude``: gitignore-style globs of paths the audit skips entirely.
- ``fail-on`` (error|warning|info|never), ``min-score`` (0-100).
- ``large-file-mb``, ``fixture-max-kb``: thresholds; ``data-extensions``, ``model-extensions``: extra suffixes.
- ``rules``: an array of tables, a team's own rules with the same declarative checks as the catalogue.
- ``knowledge``: an array of tables, a team's own tools (``docs/knowledge.md``).

Two ways to read it:

- :func:`load`, what the command line uses: the nearest ``.mlops-audit.toml``, or ``pyproject.toml`` with a
  ``[tool.mlops-audit]`` table, from the audited folder up to the top of the repository holding it (see
  :func:`repository_top`; outside every repository, the folder only). Every mistake (an unknown key, a bad value,
  a bad knowledge entry) is a :class:`ConfigError`: one line naming the file, the key and what is wanted, exit 2,
  as in ruff. A file that is not TOML at all (or not UTF-8, or too large) cannot say what it holds: it stays a
  finding (AUD002) and the audit runs with defaults. The globs of a configuration found above the audited folder
  (``exclude``, ``per-path-ignores``) are relative to the configuration's folder, so they are rebased onto the
  audited one; a configuration whose ``exclude`` covers the audited folder does not govern it (the folder is
  not part of the project it configures): the audit then runs with defaults and says so.
- :func:`discover`, the library's lenient reading of one folder: problems become findings (AUD002) and the
  configuration is then not applied, never an exception.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from mlops_audit import tomlread
from mlops_audit.knowledge import Entry, KnowledgeError, entry_from_dict

DEFAULT_IGNORE_REASON = "ignored in configuration"
FAIL_ON_VALUES = ("error", "warning", "info", "never")
KNOWN_KEYS = (
    "select", "extend-select", "ignore", "per-path-ignores", "exclude", "fail-on", "min-score",
    "large-file-mb", "fixture-max-kb", "data-extensions", "model-extensions", "rules", "knowledge",
)
CONFIG_NAMES = (".mlops-audit.toml", "pyproject.toml")  # in one folder, the first found wins
MAX_CONFIG_BYTES = 1024 * 1024  # a repository's configuration file larger than this is not read
KNOWLEDGE_PLATFORM = "this repository's configuration"


class ConfigError(Exception):
    """A configuration that cannot be used: the message is one line naming the file, the key and what is wanted
    (exit code 2)."""


class TableError(ValueError):
    """A bad entry of an array of tables (``[[tool.mlops-audit.knowledge]]``): ``key`` names the array."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class ConfigTooLarge(OSError):
    """A configuration file over MAX_CONFIG_BYTES."""


@dataclass
class Config:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    fail_on: str = "error"
    min_score: int | None = None
    large_file_mb: float = 10.0
    fixture_max_kb: float = 512.0
    data_extensions: list[str] = field(default_factory=list)
    model_extensions: list[str] = field(default_factory=list)
    custom_rules: list[dict[str, Any]] = field(default_factory=list)
    knowledge: list[Entry] = field(default_factory=list)  # [[tool.mlops-audit.knowledge]] entries
    source: str | None = None  # the file read, relative to the audited folder ("pyproject.toml", "../pyproject.toml")
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, what went wrong)
    shown_source: str | None = None  # the file as the user names it (relative to the working directory)
    table: str = ""  # "[tool.mlops-audit]" for a pyproject.toml, "" for .mlops-audit.toml
    note: str | None = None  # said at the top of the report (a configuration found but not applied, and why)

    def where(self, key: str = "") -> str:
        """``pyproject.toml [tool.mlops-audit]`` (``key``: a sub-table such as ``rules``), for messages."""
        file = self.shown_source or self.source or "configuration"
        if key:
            table = f"[[tool.mlops-audit.{key}]]" if self.table else f"[[{key}]]"
            return f"{file} {table}"
        return f"{file} {self.table}" if self.table else file


# --------------------------------------------------------------------------- values
def _got(value: Any) -> str:
    """A value of the configuration as a message quotes it: short (the caller escapes it)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"`{key}` must be a list of strings (got {_got(value)})")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"`{key}` must be a (finite) number (got {_got(value)})")
    return float(value)


def _positive(value: Any, key: str) -> float:
    number = _number(value, key)
    if number <= 0:
        raise ValueError(f"`{key}` must be a positive number (got {_got(value)})")
    return number


def _score(value: Any) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"`min-score` must be a whole number from 0 to 100 (got {_got(value)}: not finite)")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError(f"`min-score` must be a whole number from 0 to 100 (got {_got(value)})")
    return value


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """`` (did you mean `x`?)`` for the closest of ``choices``, or ""."""
    from difflib import get_close_matches

    close = get_close_matches(word.replace("_", "-").lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def unknown_keys(section: dict[str, Any]) -> list[str]:
    """One message per key of ``section`` this tool does not know, each with the closest known key."""
    return [f"unknown key `{k}`{did_you_mean(str(k), KNOWN_KEYS)}" for k in section if k not in KNOWN_KEYS]


def knowledge_entries(items: Any, table: str = "[[tool.mlops-audit.knowledge]]") -> list[Entry]:
    """``[[tool.mlops-audit.knowledge]]`` tables as entries; a TableError names the entry (1-based) and what is
    wrong with it."""
    from mlops_audit.knowledge import CAPABILITIES

    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise ValueError(f"`knowledge` must be an array of tables ({table})")
    entries = []
    for number, item in enumerate(items, start=1):
        try:
            entry = entry_from_dict(item, f"entry {number}", KNOWLEDGE_PLATFORM)
        except KnowledgeError as exc:
            hint = ""
            capability = item.get("capability")
            if isinstance(capability, str) and capability not in CAPABILITIES:
                hint = did_you_mean(capability, list(CAPABILITIES))
            raise TableError("knowledge", f"{exc}{hint}") from None
        entries.append(replace(entry, source=table))
    return entries


def apply_section(cfg: Config, section: dict[str, Any], *, strict: bool = False,
                  source: str = "pyproject.toml") -> list[str]:
    """Fill ``cfg`` from a ``[tool.mlops-audit]`` table; returns the unknown keys as warnings (``strict``: the
    first one is raised), raises ValueError on bad values (the message names the key and what is wanted)."""
    warnings = unknown_keys(section)
    if strict and warnings:
        raise ValueError(warnings[0])
    if "select" in section:
        cfg.select = _str_list(section["select"], "select")
    if "extend-select" in section:
        cfg.extend_select = _str_list(section["extend-select"], "extend-select")
    if "ignore" in section:
        ign = section["ignore"]
        if isinstance(ign, dict):
            for k, v in ign.items():
                if not isinstance(v, str):
                    raise ValueError(f"`ignore` table values must be reason strings (`{k}` = {_got(v)})")
                cfg.ignore[k] = v or DEFAULT_IGNORE_REASON
        else:
            for k in _str_list(ign, "ignore"):
                cfg.ignore[k] = DEFAULT_IGNORE_REASON
    if "per-path-ignores" in section:
        ppi = section["per-path-ignores"]
        if not isinstance(ppi, dict):
            raise ValueError(f"`per-path-ignores` must be a table of glob = [IDs] (got {_got(ppi)})")
        cfg.per_path_ignores = {k: _str_list(v, f"per-path-ignores.{k}") for k, v in ppi.items()}
    if "exclude" in section:
        cfg.exclude = _str_list(section["exclude"], "exclude")
    if "fail-on" in section:
        if section["fail-on"] not in FAIL_ON_VALUES:
            raise ValueError(f"`fail-on` must be one of {', '.join(FAIL_ON_VALUES)} (got {_got(section['fail-on'])})")
        cfg.fail_on = section["fail-on"]
    if "min-score" in section:
        cfg.min_score = _score(section["min-score"])
    if "large-file-mb" in section:
        cfg.large_file_mb = _positive(section["large-file-mb"], "large-file-mb")
    if "fixture-max-kb" in section:
        cfg.fixture_max_kb = _positive(section["fixture-max-kb"], "fixture-max-kb")
    for key, attr in (("data-extensions", "data_extensions"), ("model-extensions", "model_extensions")):
        if key in section:
            exts = [e.lower() if e.startswith(".") else "." + e.lower() for e in _str_list(section[key], key)]
            setattr(cfg, attr, exts)
    if "rules" in section:
        rules = section["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise ValueError("`rules` must be an array of tables ([[tool.mlops-audit.rules]])")
        cfg.custom_rules = rules
    if "knowledge" in section:
        table = "[[tool.mlops-audit.knowledge]]" if source == "pyproject.toml" else "[[knowledge]]"
        cfg.knowledge = knowledge_entries(section["knowledge"], table)
    return warnings


# --------------------------------------------------------------------------- files
def _read_text(path: Path, limit: int | None = None) -> str:
    """The file's text; raises ConfigTooLarge past ``limit`` bytes (read no further)."""
    with open(path, "rb") as fh:
        raw = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise ConfigTooLarge(f"larger than {limit // 1024} KB")
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # newlines as text mode reads them


def shown_path(path: Path) -> str:
    """``path`` as the user names it: relative to the working directory when it is below it, else absolute."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def load_explicit(path: Path) -> Config:
    """A config file named on the command line: any problem is a ConfigError."""
    shown = str(path)
    cfg = Config(source=str(path), shown_source=shown)
    try:
        data = tomlread.loads(_read_text(path))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomlread.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc
    section = _pyproject_section(data) if path.name == "pyproject.toml" else None
    if section is None:
        section = data
    else:
        cfg.table = "[tool.mlops-audit]"
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `[tool.mlops-audit]` must be a table")
    try:
        apply_section(cfg, section, strict=True, source=path.name)
    except ValueError as exc:
        raise ConfigError(f"{cfg.where(getattr(exc, 'key', ''))}: {exc}") from None
    return cfg


def _pyproject_section(data: dict[str, Any]) -> Any:
    """``[tool.mlops-audit]`` of a pyproject.toml, None when there is none."""
    tool = data.get("tool")
    return tool.get("mlops-audit") if isinstance(tool, dict) else None


def _safe_file(directory: Path, name: str, boundary: Path | None = None) -> Path | None:
    """``directory/name`` if it is a regular file; a symbolic link only when it resolves inside ``boundary``
    (default: ``directory``), never one that leads out of the repository."""
    candidate = directory / name
    if candidate.is_symlink():
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        return real if real.is_relative_to((boundary or directory).resolve()) and real.is_file() else None
    return candidate if candidate.is_file() else None


def discover(root: Path) -> Config:
    """The configuration found in the audited folder itself, read leniently (the library's reading): problems
    become findings (AUD002), never an exception, and a section with a bad value is not applied at all."""
    cfg = Config()
    for name in CONFIG_NAMES:
        path = _safe_file(root, name)
        if path is None:
            continue
        try:
            data = tomlread.loads(_read_text(path, MAX_CONFIG_BYTES))
        except (OSError, UnicodeDecodeError, tomlread.TOMLDecodeError) as exc:
            cfg.problems.append((name, f"could not be parsed, so its settings were not applied: {exc}"))
            continue
        if name == "pyproject.toml":
            section = _pyproject_section(data)
            if section is None:
                continue
        else:
            section = data
        if not isinstance(section, dict):
            cfg.problems.append((name, "`[tool.mlops-audit]` must be a table"))
            continue
        try:
            for warning in apply_section(cfg, section, source=name):
                cfg.problems.append((name, warning))
        except ValueError as exc:
            cfg.problems.append((name, f"invalid setting, configuration not applied: {exc}"))
            return Config(problems=cfg.problems)
        cfg.source = name
        break
    return cfg


# --------------------------------------------------------------------------- the command line's reading
def repository_top(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``: the nearest folder, ``folder`` included, with a ``.git``
    entry, or None outside every repository. Found on the file system alone, as git's own discovery starts: no
    git command runs, so nothing of the repository's configuration is read (``core.worktree``, includes), and a
    ``.git`` file (a worktree's or a submodule's ``gitdir:`` pointer) is never followed: the folder holding it is
    the top, wherever the pointer leads (``gitrun.locate`` decides later whether git may be used there)."""
    try:
        start = folder.resolve()
    except (OSError, RuntimeError):
        return None
    for directory in (start, *start.parents):
        if directory.name == ".git":
            continue  # inside a git directory: its work tree is above
        if os.path.lexists(directory / ".git"):
            return directory
    return None


def _config_dirs(root: Path, top: Path | None) -> list[Path]:
    """The folders whose configuration may govern ``root``: itself, then each parent up to ``top``."""
    if top is None or not root.is_relative_to(top):
        return [root]
    dirs = [root]
    for parent in root.parents:
        if not parent.is_relative_to(top):
            break
        dirs.append(parent)
    return dirs


def load(root: Path, *, top: Path | None = None) -> Config:
    """The configuration that governs the audit of ``root`` (see the module's doc): the nearest one from ``root``
    up to ``top`` (the repository's top; None: ``root`` only), read strictly. Raises ConfigError for a mistake;
    a file that cannot be read at all is a problem of the returned (default) configuration (AUD002)."""
    root = root.resolve()
    top = top.resolve() if top is not None else None
    boundary = top if top is not None and root.is_relative_to(top) else root
    for directory in _config_dirs(root, top):
        for name in CONFIG_NAMES:
            path = _safe_file(directory, name, boundary)
            if path is None:
                continue
            source = Path(os.path.relpath(directory / name, root)).as_posix()
            try:
                data = tomlread.loads(_read_text(path, MAX_CONFIG_BYTES))
            except (OSError, UnicodeDecodeError, tomlread.TOMLDecodeError) as exc:
                # the nearest file may hold settings nobody can read: defaults, and the finding says why
                return Config(problems=[(source, f"could not be parsed, so its settings were not applied: {exc}")])
            cfg = Config(source=source, shown_source=shown_path(directory / name))
            if name == "pyproject.toml":
                section = _pyproject_section(data)
                if section is None:
                    continue  # a project's metadata without our table: look further up
                cfg.table = "[tool.mlops-audit]"
            else:
                section = data
            if not isinstance(section, dict):
                raise ConfigError(f"{cfg.shown_source}: `[tool.mlops-audit]` must be a table (got {_got(section)})")
            try:
                apply_section(cfg, section, strict=True, source=name)
            except ValueError as exc:
                raise ConfigError(f"{cfg.where(getattr(exc, 'key', ''))}: {exc}") from None
            if directory != root:
                return _rebased(cfg, root.relative_to(directory).parts)
            return cfg
    return Config()


def _rebased(cfg: Config, parts: tuple[str, ...]) -> Config:
    """``cfg``, found ``parts`` folders above the audited one, with its globs made relative to the audited folder;
    a default configuration with a note when its ``exclude`` covers the audited folder."""
    from mlops_audit.globs import matches

    if cfg.exclude and any(matches("/".join(parts[:n]) + "/", cfg.exclude) for n in range(1, len(parts) + 1)):
        return Config(note=f"{cfg.shown_source} excludes this folder, so its settings do not apply here: "
                           "audited with the defaults")
    cfg.exclude = [p for pattern in cfg.exclude for p in rebase_pattern(pattern, parts)]
    ignores: dict[str, list[str]] = {}
    for pattern, codes in cfg.per_path_ignores.items():
        for rebased in rebase_pattern(pattern, parts):
            ignores.setdefault(rebased, [])
            ignores[rebased] += [c for c in codes if c not in ignores[rebased]]
    cfg.per_path_ignores = ignores
    return cfg


def rebase_pattern(pattern: str, parts: tuple[str, ...]) -> list[str]:
    """The gitignore-style ``pattern``, written for a folder, as patterns for its subfolder ``parts`` (each part
    matched with :func:`fnmatch.fnmatchcase`, ``**`` as any number of parts): the pattern unchanged when it has
    no slash (it matches at any depth), ``**`` when it covers the whole subfolder, none when it cannot match in
    it, else the rest of the pattern anchored at the subfolder."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    bang = "!" if negated else ""
    if not body:
        return []
    if "/" not in body:
        if any(fnmatchcase(part, body) for part in parts):
            return [bang + "**"]  # names a folder the subfolder is in: everything in it
        return [pattern]
    segs = tuple(s for s in body.lstrip("/").split("/"))
    rests: list[tuple[str, ...]] = []

    def consume(i: int, j: int) -> None:
        if j == len(parts):
            rests.append(segs[i:])
            return
        if i == len(segs):
            rests.append(())  # the pattern names a folder above: everything below it
            return
        if segs[i] == "**":
            consume(i + 1, j)  # no part
            consume(i, j + 1)  # one more part
        elif fnmatchcase(parts[j], segs[i]):
            consume(i + 1, j + 1)

    consume(0, 0)
    out: list[str] = []
    for rest in rests:
        whole = not rest or rest == ("**",)
        text = bang + "**" if whole else bang + "/" + "/".join(rest) + ("/" if dir_only else "")
        if text not in out:
            out.append(text)
    return out
