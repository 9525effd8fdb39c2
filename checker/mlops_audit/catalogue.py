"""The rule catalogue: rules/*.yaml (shipped with the package) plus a team's custom rules from config."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlops_audit.checks import CheckSpecError, validate
from mlops_audit.models import PILLARS, SEVERITIES, Rule
from mlops_audit.resources import resource_dir

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}\d{3}$")
REQUIRED = ("id", "pillar", "severity", "level", "title", "why", "fix", "check")


class CatalogueError(ValueError):
    """A rule definition is invalid."""


def rule_from_dict(data: Any, source: str) -> Rule:
    """Build and validate one rule; raises CatalogueError with a message naming the rule."""
    from mlops_audit.predicates import CONDITIONS

    if not isinstance(data, dict):
        raise CatalogueError(f"{source}: a rule must be a mapping")
    rid = str(data.get("id", "?"))
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CatalogueError(f"{source}: rule {rid} lacks {', '.join(missing)}")
    if not ID_PATTERN.match(rid):
        raise CatalogueError(f"{source}: rule id {rid!r} must look like ABC123 (family letters, 3 digits)")
    if data["pillar"] not in PILLARS:
        raise CatalogueError(f"{source}: rule {rid} has unknown pillar {data['pillar']!r} ({', '.join(PILLARS)})")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{source}: rule {rid} severity must be one of {', '.join(SEVERITIES)}")
    level = data["level"]
    if isinstance(level, bool) or level not in (1, 2, 3):
        raise CatalogueError(f"{source}: rule {rid} level must be 1, 2 or 3")
    applies = data.get("applies_when") or []
    if isinstance(applies, str):
        applies = [applies]
    unknown = [c for c in applies if c not in CONDITIONS]
    if unknown:
        raise CatalogueError(f"{source}: rule {rid} unknown condition(s) {unknown} (known: {sorted(CONDITIONS)})")
    try:
        validate(data["check"])
    except CheckSpecError as exc:
        raise CatalogueError(f"{source}: rule {rid}: {exc}") from None
    refs = data.get("references") or []
    return Rule(
        id=rid,
        name=str(data.get("name") or rid.lower()),
        pillar=data["pillar"],
        severity=data["severity"],
        level=int(level),
        title=str(data["title"]).strip(),
        why=str(data["why"]).strip(),
        fix=str(data["fix"]).strip(),
        check=data["check"],
        applies_when=tuple(applies),
        references=tuple(str(r) for r in refs),
        source=source,
    )


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster; both are safe
    rules: list[Rule] = []
    seen: set[str] = set()
    directory: Path = resource_dir("rules")
    for path in sorted(directory.glob("*.yaml")):
        docs = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []  # a safe loader, see above
        for item in docs:
            rule = rule_from_dict(item, "builtin")
            if rule.id in seen:
                raise CatalogueError(f"duplicate rule id {rule.id} in {path.name}")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


def all_rules(custom: list[dict[str, Any]] | None = None) -> tuple[list[Rule], list[str]]:
    """Built-in rules plus valid custom ones; returns (rules, problems with the custom ones)."""
    rules = list(builtin_rules())
    problems: list[str] = []
    ids = {r.id for r in rules}
    for item in custom or []:
        try:
            rule = rule_from_dict(item, "custom")
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        if rule.id in ids:
            problems.append(f"custom: rule id {rule.id} is already taken")
            continue
        ids.add(rule.id)
        rules.append(rule)
    return rules, problems


def find(rule_id: str, rules: list[Rule] | tuple[Rule, ...]) -> Rule | None:
    wanted = rule_id.upper()
    for rule in rules:
        if rule.id == wanted or rule.name == rule_id.lower():
            return rule
    return None
