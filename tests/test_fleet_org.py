"""A simulated organisation: 30 small repositories of mixed maturity (legacy copies, clean projects with pieces
missing, bare scripts and notebooks, with and without git, one baked from the template, one with its own rule
and one ignoring a rule), each audited to JSON, then aggregated by `mlops-audit fleet`. Every number in the
fleet JSON is checked against the individual reports; `fleet --audit` on the checkouts gives the same fleet."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ml_fixtures import READ_CSV, TRAIN, clean_project, without
from mlops_audit.catalogue import builtin_rules
from mlops_audit.models import PILLARS
from mlops_audit.reporters import render
from mlops_audit.reporters.advice import automatic
from repo_builder import audit, git, legacy_repo, make_repo, notebook

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "fleet-v1.schema.json").read_text(encoding="utf-8"))
CUSTOM_RULE = """
[[tool.mlops-audit.rules]]
id = "ORG001"
pillar = "governance"
severity = "error"
level = 1
title = "Every project has a CODEOWNERS file"
why = "Reviews need owners."
fix = "Add .github/CODEOWNERS."
check = { any_file = ["CODEOWNERS", ".github/CODEOWNERS"] }
"""
MISSING = (".github/workflows/ci.yml", "Dockerfile", "monitoring/alerts.yml", "tests/test_model.py", "MODEL_CARD.md",
           "README.md", "src/churn/drift.py", "dvc.yaml", "LICENSE", "requirements.lock")


def _organisation(base: Path) -> list[Path]:
    """30 checkouts under ``base``, of mixed maturity."""
    repos: list[Path] = []
    legacy_extras: list[dict[str, str | bytes]] = [
        {}, {"README.md": "# churn\n"}, {"LICENSE": "MIT License\n"}, {"tests/test_smoke.py": "def test_x():\n    "
                                                                      "assert 1\n"},
        {".python-version": "3.11\n"}, {"README.md": "# a\n", "LICENSE": "MIT\n"}, {"params.yaml": "C: 1.0\n"}, {}]
    for i, extra in enumerate(legacy_extras):
        repos.append(legacy_repo(base / f"legacy-{i}", extra))
    for i in range(3):
        repos.append(make_repo(base / f"clean-{i}", {**clean_project()}))
    for name in MISSING:
        slug = name.replace("/", "-").replace(".", "-").strip("-")
        repos.append(make_repo(base / f"partial-{slug}", {**without(clean_project(), name)}))
    repos.append(make_repo(base / "partial-no-ci-no-docker", {**without(clean_project(), "Dockerfile",
                                                                          ".github/workflows/ci.yml")}))
    repos.append(make_repo(base / "script-git", {"train.py": TRAIN, "requirements.txt": "scikit-learn\n"}))
    repos.append(make_repo(base / "script-nogit", {"train.py": TRAIN}, git_init=False))
    repos.append(make_repo(base / "notebook-only", {"analysis.ipynb": notebook(READ_CSV, outputs=True,
                                                                               counts=[3])}))
    repos.append(make_repo(base / "csv-nogit", {"load.py": READ_CSV, "data/train.csv": "x,y\n1,0\n"},
                           git_init=False))
    repos.append(make_repo(base / "empty-ish", {"README.md": "# nothing yet\n"}))
    files = clean_project()
    files["pyproject.toml"] += CUSTOM_RULE
    repos.append(make_repo(base / "custom-rule", {**files}))
    files = clean_project()
    files["pyproject.toml"] += '\n[tool.mlops-audit.ignore]\nMON004 = "alerting lives in our Datadog account"\n'
    repos.append(make_repo(base / "ignores-a-rule", {**files}))
    repos.append(_template(base / "from-template"))
    assert len(repos) == 30, len(repos)
    return repos


def _template(path: Path) -> Path:
    from mlops_audit.new import create_project

    project = create_project(path, no_input=True)
    git(project, "init", "-q", "-b", "main", "--template=")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "baked")
    return project


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], dict[str, dict[str, Any]]]:
    """(the work folder, the checkouts, each checkout's JSON report by folder name), reports in work/reports."""
    work = tmp_path_factory.mktemp("org")
    repos = _organisation(work / "checkouts")
    reports: dict[str, dict[str, Any]] = {}
    (work / "reports").mkdir()
    for repo in repos:
        text = render(audit(repo.resolve()), "json")
        (work / "reports" / f"{repo.name}.json").write_text(text, encoding="utf-8")
        reports[repo.name] = json.loads(text)
    return work, repos, reports


def _failing(report: dict[str, Any]) -> set[str]:
    return {r["id"] for r in report["rules"] if r["status"] == "fail"}


def _fleet(work: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "mlops_audit.fleet", *args, "-f", "json"], cwd=work,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    return doc


def test_the_organisation_is_of_mixed_maturity(org: tuple[Path, list[Path], dict[str, dict[str, Any]]]) -> None:
    _, _, reports = org
    levels = Counter(r["level"] for r in reports.values())
    assert levels[0] >= 8 and levels[3] >= 3 and len(levels) >= 3, levels
    assert len({r["score"] for r in reports.values()}) >= 10


def test_fleet_numbers_match_the_reports(org: tuple[Path, list[Path], dict[str, dict[str, Any]]]) -> None:
    work, _, reports = org
    doc = _fleet(work, "reports")
    summary = doc["summary"]
    assert summary["repositories"] == 30
    scores = [r["score"] for r in reports.values()]
    assert summary["score"] == {"mean": round(sum(scores) / 30, 1), "median": statistics.median(scores),
                                "min": min(scores), "max": max(scores)}
    assessed = [r for r in reports.values() if r["coverage"]["level_assessed"]]
    expected_levels = {str(n): sum(r["level"] == n for r in assessed) for n in range(4)}
    assert summary["levels"] == {**expected_levels, "not_assessed": 30 - len(assessed)}
    for key in ("error", "warning", "info", "findings"):
        assert summary["findings"][key] == sum(r["summary"][key] for r in reports.values()), key
    for pillar in PILLARS:
        values = [r["pillars"][pillar]["score"] for r in reports.values()
                  if pillar in r["pillars"] and r["pillars"][pillar]["score"] is not None]
        assert doc["pillars"][pillar]["repositories"] == len(values), pillar
        assert doc["pillars"][pillar]["mean"] == (round(sum(values) / len(values), 1) if values else None), pillar
        assert doc["pillars"][pillar]["below_50"] == sum(v < 50 for v in values), pillar
    # the rules failing in the most repositories, and what fix can do about them
    failing = Counter(rule for r in reports.values() for rule in _failing(r))
    assert {r["id"]: r["repositories"] for r in doc["rules"]} == dict(failing)
    counts = [r["repositories"] for r in doc["rules"]]
    assert counts == sorted(counts, reverse=True)
    places = Counter()
    for r in reports.values():
        for rule in r["rules"]:
            if rule["status"] == "fail":
                places[rule["id"]] += max(1, rule["findings"] + rule["not_shown"])
    assert {r["id"]: r["places"] for r in doc["rules"]} == dict(places)
    how = {rule.id: automatic(rule) for rule in builtin_rules()}
    assert {r["id"]: r["fix"] for r in doc["rules"]} == {rule: how.get(rule) for rule in failing}
    pairs = [(name, rule) for name, r in reports.items() for rule in _failing(r)]
    assert doc["fix"] == {
        "failures": len(pairs),
        "fixable": sum(how.get(rule) is not None for _, rule in pairs),
        "unsafe": sum(how.get(rule) == "fix --unsafe" for _, rule in pairs),
        "repositories": len({name for name, rule in pairs if how.get(rule) is not None}),
    }
    assert doc["fix"]["fixable"] > 0 and doc["fix"]["unsafe"] > 0
    # one row per repository, named by its folder, linked to its report
    rows = {r["name"]: r for r in doc["repositories"]}
    assert set(rows) == set(reports)
    for name, report in reports.items():
        row = rows[name]
        assert (row["score"], row["level"], row["level_assessed"]) == (
            report["score"], report["level"], report["coverage"]["level_assessed"]), name
        assert set(row["failing"]) == _failing(report), name
        assert row["summary"] == report["summary"], name
        assert row["pillars"] == {p: (report["pillars"][p]["score"] if p in report["pillars"] else None)
                                  for p in PILLARS}, name
        assert row["report"] == f"reports/{name}.json"
        assert [t["rule"] for t in row["top"]] == row["failing"][:3]
    # one tool, one catalogue: the repository with its own rule is flagged for it, not as another catalogue
    assert not doc["versions"]["mixed"]
    assert rows["custom-rule"]["flags"] == ["custom rules: ORG001"]
    assert next(r for r in doc["rules"] if r["id"] == "ORG001")["custom"]
    assert doc["skipped"] == []


def test_markdown_and_html_of_the_organisation(org: tuple[Path, list[Path], dict[str, dict[str, Any]]]) -> None:
    work, _, reports = org
    md = subprocess.run([sys.executable, "-m", "mlops_audit.fleet", "reports"], cwd=work, capture_output=True,
                        text=True, timeout=120).stdout
    assert "**30 repositories**" in md
    for name in reports:
        assert f"`{name}`" in md
    proc = subprocess.run([sys.executable, "-m", "mlops_audit.fleet", "reports", "-f", "html", "-o", "fleet.html"],
                          cwd=work, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    page = (work / "fleet.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="fleet-rows">', 1)[1].split("</script>", 1)[0])
    assert sorted(r[0] for r in data["rows"]) == sorted(reports)
    assert all(len(r[3]) == len(PILLARS) for r in data["rows"])


def test_fleet_audit_gives_the_same_fleet(org: tuple[Path, list[Path], dict[str, dict[str, Any]]]) -> None:
    work, repos, _ = org
    from_reports = _fleet(work, "reports")
    audited = _fleet(work, "--audit", *(str(r) for r in repos), "-j", "2", "--save", "saved")
    assert sorted(p.name for p in (work / "saved").iterdir()) == sorted(f"{r.name}.json" for r in repos)
    keep = ("name", "score", "level", "level_assessed", "pillars", "summary", "failing", "top", "flags")
    assert [{k: r[k] for k in keep} for r in audited["repositories"]] == [
        {k: r[k] for k in keep} for r in from_reports["repositories"]]
    for key in ("summary", "pillars", "rules", "fix"):
        assert audited[key] == from_reports[key], key
    assert {r["report"] for r in audited["repositories"]} == {f"saved/{r.name}.json" for r in repos}
