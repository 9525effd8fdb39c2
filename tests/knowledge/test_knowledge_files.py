"""The knowledge files themselves (rules/knowledge/*.yaml), the table of docs/knowledge.md, and knowledge given in
a repository's configuration ([[tool.mlops-audit.knowledge]])."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from ml_fixtures import TRAIN, build, findings, result
from mlops_audit import knowledge
from platform_fixtures import BASES, audit_rule

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = ROOT / "rules" / "knowledge"
FILES = sorted(KNOWLEDGE_DIR.glob("*.yaml"))
# One file per capability for the open-source libraries; every other file is about one platform.
GENERIC = {f"{name}.yaml" for name in (
    "alerting", "api_testing", "config_loading", "data_checks", "deterministic_training", "data_reading",
    "data_validation", "data_versioning",
    "drift",
    "ml_libraries", "model_endpoints", "model_evaluation", "model_loading", "pipelines", "prediction", "registry",
    "archive_extraction", "request_schema", "schedule",
    "seeding", "service_metrics", "serving", "tracking", "training", "remote_training",
    "repository_kinds")}
PLATFORM_FILES = [f for f in FILES if f.name not in GENERIC]
# Known shadowing (the match credited to another platform's entry): none today. An entry goes here, with the
# reason, only while a fix is pending; the mark is strict, so a fixed one fails until it is removed.
KNOWN_SHADOWED: dict[tuple[str, str, tuple[str, ...]], str] = {}


def load(path: Path) -> list[knowledge.Entry]:
    return knowledge.entries_from_file(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def sample_name(pattern: knowledge.NamePattern) -> str:
    """A call name the pattern matches: every ``*`` stands for one character."""
    return "x".join(pattern.pieces)


def call_patterns() -> list[Any]:
    params = []
    for entry in knowledge.builtin_entries():
        for pattern in entry.calls:
            known = KNOWN_SHADOWED.get((entry.source, pattern.text, entry.keywords))
            marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
            ident = f"{entry.source}:{entry.capability}:{pattern.text}" + "".join(f"[{k}=]" for k in entry.keywords)
            params.append(pytest.param(entry, pattern, id=ident, marks=marks))
    return params


def evidence(entry: knowledge.Entry) -> list[tuple[Any, ...]]:
    """What an entry recognises, one item per import, call pattern, file glob or keyword set."""
    conditions = (entry.keywords, entry.min_args, entry.not_values, entry.exclude)
    items: list[tuple[Any, ...]] = [("import", m) for m in entry.imports]
    items += [("call", p.text, *conditions) for p in entry.calls]
    items += [("file", f, entry.contains, entry.contains_all) for f in entry.files]
    if entry.keywords and not entry.calls:
        items.append(("keywords", entry.keywords, entry.not_values))
    if entry.together:
        items.append(("together", tuple(p.text for p in entry.together)))
    return items


# The columns of the table in docs/knowledge.md: capability -> header ("training" covers ml_library too).
COLUMNS = {"tracking": "tracking", "registry": "registry", "pipeline": "pipeline", "schedule": "schedule",
           "drift": "drift", "alerting": "alerting", "service_metrics": "service metrics",
           "prediction_logging": "prediction log",
           "data_versioning": "data versioning", "data_validation": "data validation",
           "request_schema": "request schema", "model_endpoint": "endpoint", "runtime_image": "runtime image",
           "training": "training"}


def coverage_table() -> str:
    """The platform x capability table of docs/knowledge.md, from the platform files."""
    rows = ["| Platform (file) | " + " | ".join(COLUMNS.values()) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for path in PLATFORM_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        caps = {"training" if e.capability == "ml_library" else e.capability for e in load(path) if not e.exclude}
        assert caps <= set(COLUMNS), f"{path.name}: add a column for {caps - set(COLUMNS)}"
        cells = ["✓" if c in caps else "" for c in COLUMNS]
        rows.append(f"| {doc['platform']} (`{path.name}`) | " + " | ".join(cells) + " |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- the files
@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_every_file_loads_and_every_entry_says_why(path: Path) -> None:
    entries = load(path)
    assert entries, f"{path.name} has no entries"
    assert all(len(e.why) >= 10 for e in entries), [e.why for e in entries if len(e.why) < 10]
    assert all(e.platform for e in entries)


@pytest.mark.parametrize("path", PLATFORM_FILES, ids=[f.name for f in PLATFORM_FILES])
def test_platform_files_name_their_platform_and_link_its_documentation(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.yaml", path.name)
    assert doc["platform"].strip()
    assert all(e.link.startswith("https://") for e in load(path) if not e.exclude)


def test_the_builtin_knowledge_is_every_file() -> None:
    knowledge.builtin_entries.cache_clear()
    assert len(knowledge.builtin_entries()) == sum(len(load(f)) for f in FILES)


@pytest.mark.parametrize(("entry", "pattern"), call_patterns())
def test_every_call_pattern_is_reachable(entry: knowledge.Entry, pattern: knowledge.NamePattern) -> None:
    """A name the pattern matches, with the entry's conditions met, counts for the capability and is credited to
    the entry's platform (an earlier, broader pattern of another platform would take it); an exception's name
    never counts."""
    capability = knowledge.build()[entry.capability]
    name = sample_name(pattern)
    kwargs = ((entry.keywords[0], "1"),) if entry.keywords else ()
    counted = capability.call_counts(entry.min_args, kwargs, capability.call_entries(name))
    if entry.exclude:
        assert counted is None
    else:
        assert counted is not None, f"{name} does not count for {entry.capability}"
        assert counted.platform == entry.platform, f"{name} is credited to {counted.platform} ({counted.source})"


def test_no_two_files_give_the_same_evidence_for_a_capability() -> None:
    where: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for entry in knowledge.builtin_entries():
        for item in evidence(entry):
            key = (entry.capability, *item)
            where[key].add(entry.source)
    duplicates = {key: sorted(files) for key, files in where.items() if len(files) > 1}
    assert duplicates == {}


def test_the_documented_table_matches_the_files() -> None:
    assert coverage_table() in (ROOT / "docs" / "knowledge.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule_id", sorted(BASES))
def test_each_base_repository_fails_its_rule(tmp_path: Path, rule_id: str) -> None:
    """The platform tests' bases make their rule apply and fail: a pass there comes from the platform's files."""
    assert audit_rule(tmp_path, rule_id, {}).status == "fail"


# --------------------------------------------------------------------------- [[tool.mlops-audit.knowledge]]
IN_HOUSE = "import acme_tracking\n\n" + TRAIN


def pyproject(body: str) -> str:
    return f'[project]\nname = "x"\nversion = "0"\n\n{body}'


def test_a_configured_entry_makes_tracking_pass(tmp_path: Path) -> None:
    body = ('[[tool.mlops-audit.knowledge]]\ncapability = "tracking"\nimports = ["acme_tracking"]\n'
            'why = "our in-house tracker"\n')
    report = build(tmp_path, {"train.py": IN_HOUSE, "pyproject.toml": pyproject(body)}, git_init=False)
    tracking = result(report, "MOD002")
    assert tracking.status == "pass"
    assert tracking.reason == "this repository's configuration (train.py:1)"
    assert result(report, "AUD002").status == "pass"


def test_without_the_entry_the_in_house_tracker_is_unknown(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": IN_HOUSE, "pyproject.toml": pyproject("")}, git_init=False)
    assert result(report, "MOD002").status == "fail"


def test_a_configured_entry_names_its_platform_and_may_give_calls(tmp_path: Path) -> None:
    body = ('[[tool.mlops-audit.knowledge]]\ncapability = "registry"\nplatform = "Acme registry"\n'
            'calls = ["acme.registry.*publish"]\nwhy = "publishes a model version"\n')
    code = "from acme import registry\n\nregistry.client().publish('churn')\n"
    files = {"train.py": TRAIN, "publish.py": code, "pyproject.toml": pyproject(body)}
    registry = result(build(tmp_path, files, git_init=False), "MOD003")
    assert registry.status == "pass"
    assert registry.reason == "Acme registry (publish.py:3)"


def test_knowledge_in_mlops_audit_toml(tmp_path: Path) -> None:
    body = '[[knowledge]]\ncapability = "tracking"\nimports = ["acme_tracking"]\nwhy = "our in-house tracker"\n'
    report = build(tmp_path, {"train.py": IN_HOUSE, ".mlops-audit.toml": body}, git_init=False)
    assert result(report, "MOD002").status == "pass"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        pytest.param('capability = "telemetry"\nimports = ["acme_tracking"]\nwhy = "x"\n',
                     "`capability` must be one of", id="unknown-capability"),
        pytest.param('capability = "tracking"\nimports = ["acme_tracking"]\nwhy = "x"\ncolour = "red"\n',
                     "unknown key `colour` in a knowledge entry", id="unknown-key"),
        pytest.param('capability = "tracking"\nimports = ["acme_tracking"]\n', "`why` must say", id="no-why"),
        pytest.param('capability = "tracking"\nimports = ["acme_tracking"]\nfiles = ["x.yml"]\nwhy = "x"\n',
                     "one kind of evidence per entry", id="two-kinds"),
        pytest.param('capability = "tracking"\ncalls = ["*"]\nwhy = "x"\n', "must hold a name", id="empty-pattern"),
    ],
)
def test_a_bad_entry_is_a_configuration_problem(tmp_path: Path, entry: str, problem: str) -> None:
    """AUD002 names the problem; the whole [tool.mlops-audit] section is then not applied (its ignores neither),
    so the in-house tracker stays unknown."""
    body = f'[tool.mlops-audit]\nignore = ["MOD004"]\n\n[[tool.mlops-audit.knowledge]]\n{entry}'
    report = build(tmp_path, {"train.py": IN_HOUSE, "pyproject.toml": pyproject(body)}, git_init=False)
    (problem_found,) = findings(report, "AUD002")
    assert problem_found.path == "pyproject.toml"
    assert problem in problem_found.message
    assert "configuration not applied" in problem_found.message
    assert result(report, "MOD002").status == "fail"
    assert result(report, "MOD004").status == "fail"  # the ignore of the same section was dropped too


def test_a_configured_exception_withdraws_builtin_evidence(tmp_path: Path) -> None:
    """``exclude = true`` in the configuration beats a built-in entry (exceptions are tried first)."""
    code = "from acme import hub\n\nhub.Mirror().push_to_hub('org/churn')\n"
    body = ('[[tool.mlops-audit.knowledge]]\ncapability = "registry"\nexclude = true\ncalls = ["acme.*push_to_hub"]\n'
            'why = "our mirror copies files, it versions nothing"\n')
    files = {"train.py": TRAIN, "publish.py": code}
    with_exception = build(tmp_path / "with", {**files, "pyproject.toml": pyproject(body)}, git_init=False)
    without = build(tmp_path / "without", files, git_init=False)
    assert result(without, "MOD003").status == "pass"
    assert result(with_exception, "MOD003").status == "fail"
