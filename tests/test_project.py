"""This repository itself, the bundled legacy example, the published schema and the generated docs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from mlops_audit.catalogue import builtin_rules
from mlops_audit.config import discover
from mlops_audit.docs import rule_pages
from mlops_audit.engine import run_audit
from mlops_audit.reporters import render
from repo_builder import audit, failing

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "report-v1.schema.json").read_text())
ML_RULES = ("DAT001", "DAT003", "DAT004", "MOD001", "MOD002", "MOD003", "MOD004", "MOD005", "REP005", "DES002",
            "MON001", "DEP001", "DEP002", "AUT003", "AUT004", "TST003", "TST004", "GOV002")


def validate(doc: dict[str, object]) -> None:
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)  # raises when it is not
    assert SCHEMA["properties"]["schema_version"] == {"const": 1}


def test_this_repository_is_not_an_ml_project() -> None:
    report = run_audit(ROOT, discover(ROOT))
    assert not report.ml_project, report.ml_evidence
    statuses = {r.rule.id: r.status for r in report.results}
    for rule in ML_RULES:
        assert statuses[rule] == "not_applicable", rule
    assert report.findings == []  # the tool passes its own audit
    assert statuses["REP003"] == "ignored"
    validate(json.loads(render(report, "json")))


def test_legacy_example_report() -> None:
    example = ROOT / "examples" / "legacy-project"
    report = audit(example)
    expected = {"DAT001", "DAT003", "DAT005", "MOD001", "MOD002", "MOD004", "MOD005", "MOD006", "VER002", "REP002",
                "REP004", "REP005", "REP006", "REP007", "GOV001", "DES001", "TST001", "AUT001"}
    assert expected <= failing(report)
    assert report.level == 0
    doc = json.loads(render(report, "json"))
    validate(doc)
    key = "AKIA" + "2E4JQ7MZX9KD3PWL"  # the legacy example's made-up key (assembled: this file holds none)
    assert key not in json.dumps(doc)
    assert key not in render(report, "terminal", color=False, verbose=True)


def test_rule_catalogue_is_complete_and_documented() -> None:
    rules = builtin_rules()
    assert len(rules) >= 45
    for rule in rules:
        assert rule.why and rule.fix and rule.title and rule.references, rule.id
        assert "\n" not in rule.title
    families = {r.id[:3] for r in rules}
    assert {"DAT", "MOD", "REP", "VER", "TST", "AUT", "DEP", "MON", "DES", "GOV"} <= families


def test_generated_rule_docs_are_in_sync() -> None:
    docs = ROOT / "docs" / "rules"
    pages = rule_pages(builtin_rules())
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    stale = sorted(set(pages) ^ set(on_disk)) + sorted(n for n in pages if pages[n] != on_disk.get(n))
    assert not stale, f"run `python -m mlops_audit.docs docs/rules`: {stale}"


def test_the_shipped_compiled_catalogue_is_in_sync() -> None:
    """rules/catalogue.json is what every run reads instead of parsing the YAML; it must be of these files."""
    from mlops_audit import catalogue

    shipped = (ROOT / "rules" / catalogue.SHIPPED).read_text(encoding="utf-8").strip()
    assert shipped == catalogue.compiled_text(), "run `python -m mlops_audit.catalogue`"


@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_reporters_render_every_status(fmt: str, tmp_path: Path) -> None:
    from repo_builder import make_repo

    root = make_repo(tmp_path / "r", {
        "pyproject.toml": '[tool.mlops-audit.ignore]\nDES001 = "docs live in the wiki"\n',
        "train.py": "import sklearn, joblib\nm.fit(X, y)\nm = joblib.load('m')  # mlops-audit: ignore[MOD006] ours\n",
    })
    report = audit(root)
    text = render(report, fmt, color=False)
    if fmt == "json":
        doc = json.loads(text)
        validate(doc)
        assert doc["suppressed"][0]["suppressed"] == "ours"
        assert next(r for r in doc["rules"] if r["id"] == "DES001")["reason"] == "docs live in the wiki"
    else:
        for part in ("docs live in the wiki", "ours", "Not checked", "Score", "Level 0", "To reach level 1"):
            assert part in text
