"""User configuration: ``[tool.mlops-audit]`` in pyproject.toml, or ``.mlops-audit.toml``.

Keys (kebab-case, as in ruff):

- ``select`` / ``extend-select``: rule IDs or prefixes to run (default: all).
- ``ignore``: a list of IDs/prefixes, or a table ``ID = "reason"``; the reason is shown in reports.
- ``per-path-ignores``: table ``"glob" = ["ID", ...]``.
- ``exclude``: gitignore-style globs of paths the audit skips entirely.
- ``fail-on`` (error|warning|info), ``min-score`` (0-100).
- ``large-file-mb``, ``fixture-max-kb``: thresholds; ``data-extensions``, ``model-extensions``: extra suffixes.
- ``rules``: an array of tables, a team's own rules with the same declarative checks as the catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_audit import tomlread
from mlops_audit.knowledge import Entry, configured_entries

DEFAULT_IGNORE_REASON = "ignored in configuration"
KNOWN_KEYS = {
    "select", "extend-select", "ignore", "per-path-ignores", "exclude", "fail-on", "min-score",
    "large-file-mb", "fixture-max-kb", "data-extensions", "model-extensions", "rules", "knowledge",
}


class ConfigError(Exception):
    """A configuration the user named explicitly cannot be used (exit code 2)."""


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
    source: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, what went wrong)


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"`{key}` must be a list of strings")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"`{key}` must be a (finite) number")
    return float(value)


def apply_section(cfg: Config, section: dict[str, Any]) -> list[str]:
    """Fill ``cfg`` from a ``[tool.mlops-audit]`` table; returns warnings, raises ValueError on bad values."""
    warnings = [f"unknown key `{k}`" for k in section if k not in KNOWN_KEYS]
    if "select" in section:
        cfg.select = _str_list(section["select"], "select")
    if "extend-select" in section:
        cfg.extend_select = _str_list(section["extend-select"], "extend-select")
    if "ignore" in section:
        ign = section["ignore"]
        if isinstance(ign, dict):
            for k, v in ign.items():
                if not isinstance(v, str):
                    raise ValueError("`ignore` table values must be reason strings")
                cfg.ignore[k] = v or DEFAULT_IGNORE_REASON
        else:
            for k in _str_list(ign, "ignore"):
                cfg.ignore[k] = DEFAULT_IGNORE_REASON
    if "per-path-ignores" in section:
        ppi = section["per-path-ignores"]
        if not isinstance(ppi, dict):
            raise ValueError("`per-path-ignores` must be a table of glob = [IDs]")
        cfg.per_path_ignores = {k: _str_list(v, f"per-path-ignores.{k}") for k, v in ppi.items()}
    if "exclude" in section:
        cfg.exclude = _str_list(section["exclude"], "exclude")
    if "fail-on" in section:
        if section["fail-on"] not in ("error", "warning", "info", "never"):
            raise ValueError("`fail-on` must be one of error, warning, info, never")
        cfg.fail_on = section["fail-on"]
    if "min-score" in section:
        cfg.min_score = int(_number(section["min-score"], "min-score"))
    if "large-file-mb" in section:
        cfg.large_file_mb = _number(section["large-file-mb"], "large-file-mb")
    if "fixture-max-kb" in section:
        cfg.fixture_max_kb = _number(section["fixture-max-kb"], "fixture-max-kb")
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
        items = section["knowledge"]
        if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
            raise ValueError("`knowledge` must be an array of tables ([[tool.mlops-audit.knowledge]])")
        cfg.knowledge = configured_entries(items, "pyproject.toml")  # a KnowledgeError is a ValueError
    return warnings


MAX_CONFIG_BYTES = 1024 * 1024  # a repository's configuration file larger than this is not read


class ConfigTooLarge(OSError):
    """A configuration file over MAX_CONFIG_BYTES."""


def _read_text(path: Path, limit: int | None = None) -> str:
    """The file's text; raises ConfigTooLarge past ``limit`` bytes (read no further)."""
    with open(path, "rb") as fh:
        raw = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise ConfigTooLarge(f"larger than {limit // 1024} KB")
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # newlines as text mode reads them


def load_explicit(path: Path) -> Config:
    """A config file named on the command line: any problem is a ConfigError."""
    cfg = Config(source=str(path))
    try:
        data = tomlread.loads(_read_text(path))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomlread.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc
    section = _pyproject_section(data) if path.name == "pyproject.toml" else data
    if section is None:
        section = data
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `[tool.mlops-audit]` must be a table")
    try:
        for warning in apply_section(cfg, section):
            cfg.problems.append((path.name, warning))
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return cfg


def _pyproject_section(data: dict[str, Any]) -> Any:
    """``[tool.mlops-audit]`` of a pyproject.toml, None when there is none."""
    tool = data.get("tool")
    return tool.get("mlops-audit") if isinstance(tool, dict) else None


def _safe_file(root: Path, name: str) -> Path | None:
    candidate = root / name
    if candidate.is_symlink():
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        return real if real.is_relative_to(root.resolve()) and real.is_file() else None
    return candidate if candidate.is_file() else None


def discover(root: Path) -> Config:
    """The configuration found in the audited repository; problems become findings, never aborts."""
    cfg = Config()
    for name in (".mlops-audit.toml", "pyproject.toml"):
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
            for warning in apply_section(cfg, section):
                cfg.problems.append((name, warning))
        except ValueError as exc:
            cfg.problems.append((name, f"invalid setting, configuration not applied: {exc}"))
            return Config(problems=cfg.problems)
        cfg.source = name
        break
    return cfg
