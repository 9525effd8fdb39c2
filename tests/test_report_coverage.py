"""When not every rule was run, no report claims a level it did not assess (issue 15): ``--select VER`` used to
report "Score 100, Level 3", ``--ignore ALL`` "Score 100". Every format says how many rules ran."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from mlops_audit.catalogue import builtin_rules
from mlops_audit.models import Report
from mlops_audit.reporters import render
from mlops_audit.reporters.combine import render_many
from repo_builder import audit, legacy_repo, make_repo

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "report-v1.schema.json").read_text())
TOTAL = len(builtin_rules())
CLEAN = {"README.md": "# x\n", "LICENSE": "MIT\n", "notes.txt": "hello\n"}
ML = {**CLEAN, "train.py": "from sklearn.linear_model import Ridge\nRidge().fit([[0]], [0])\n"}  # an ML project


def score_line(report: Report) -> str:
    text = render(report, "terminal", color=False)
    return next(line for line in text.splitlines() if line.startswith("Score "))


def test_select_ver_claims_no_level(tmp_path: Path) -> None:
    report = audit(make_repo(tmp_path / "r", CLEAN), select=["VER"])
    assert report.level == 3  # what the rules that ran reach: a guess, not a claim
    ran = len([r for r in builtin_rules() if r.id.startswith("VER")])
    phrase = f"not assessed: {ran} of {TOTAL} rules run"
    assert score_line(report).startswith(f"Score 100/100   Level {phrase}")
    assert "Level 3" not in render(report, "terminal", color=False)
    md = render(report, "markdown")
    assert md.splitlines()[0] == f"## mlops-audit: score 100/100, level {phrase}"
    assert "What gets you to level" not in md
    html = render(report, "html")
    assert f"Level {phrase}" in html and "step done" not in html
    doc = json.loads(render(report, "json"))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["coverage"] == {"rules_run": ran, "rules_total": TOTAL, "level_assessed": False}
    assert json.loads(render(report, "badge"))["message"] == "100/100 · level not assessed"
    sarif = json.loads(render(report, "sarif"))["runs"][0]["properties"]
    assert sarif["levelAssessed"] is False and (sarif["rulesRun"], sarif["rulesTotal"]) == (ran, TOTAL)
    props = {p.get("name"): p.get("value") for p in ET.fromstring(render(report, "junit")).findall(
        "properties/property")}
    assert props["level_assessed"] == "false" and props["rules_run"] == f"{ran}/{TOTAL}"


def test_ignore_all_runs_nothing_and_says_so(tmp_path: Path) -> None:
    report = audit(make_repo(tmp_path / "r", CLEAN), ignore=["ALL"])
    assert score_line(report).startswith(f"Score 100/100   Level not assessed: 0 of {TOTAL} rules run")
    assert json.loads(render(report, "json"))["coverage"] == {"rules_run": 0, "rules_total": TOTAL,
                                                              "level_assessed": False}


def test_a_level_the_rules_run_decide_is_still_claimed(tmp_path: Path) -> None:
    """``--select DAT`` on the legacy example: a level-1 rule fails, so level 0 holds whatever the others say;
    the report claims it and says how many rules ran. "To reach level 1" cannot count rules it did not run."""
    report = audit(legacy_repo(tmp_path / "legacy"), select=["DAT"])
    ran = len([r for r in builtin_rules() if r.id.startswith("DAT")])
    assert score_line(report).startswith(f"Score {report.score}/100   Level 0 (Manual process), {ran} of {TOTAL} "
                                         "rules run")
    text = render(report, "terminal", color=False)
    assert "To reach level 1 (ML pipeline automation), at least " in text
    assert json.loads(render(report, "json"))["coverage"]["level_assessed"] is True


def test_an_ignored_rule_keeps_the_level_a_claim(tmp_path: Path) -> None:
    """An ignored rule counts as unmet for its level (docs/scoring.md): the level stands, and the line says one
    rule was not run."""
    root = make_repo(tmp_path / "r", {**CLEAN, "pyproject.toml": '[tool.mlops-audit.ignore]\nGOV003 = "ours"\n'})
    report = audit(root)
    assert report.level == 0  # GOV003 is a level-1 rule
    assert score_line(report).startswith(f"Score {report.score}/100   Level 0 (Manual process), {TOTAL - 1} of "
                                         f"{TOTAL} rules run")


def test_a_full_run_does_not_mention_coverage(tmp_path: Path) -> None:
    report = audit(make_repo(tmp_path / "r", ML))
    line = score_line(report)
    assert "rules run" not in line and f"Level {report.level} (" in line
    assert json.loads(render(report, "json"))["coverage"] == {"rules_run": TOTAL, "rules_total": TOTAL,
                                                              "level_assessed": True}


def test_the_combined_summary_does_not_claim_a_level(tmp_path: Path) -> None:
    full = audit(make_repo(tmp_path / "a", ML))
    partial = audit(make_repo(tmp_path / "b", CLEAN), select=["VER"])
    text = render_many([full, partial], "terminal", color=False)
    summary = text[text.index("Combined: "):]
    assert f"lowest level {full.level} (" in summary and "1 not assessed" in summary
    assert "level -  findings" in summary
    doc = json.loads(render_many([full, partial], "json"))
    assert doc["summary"]["levels_assessed"] is False


def test_a_recorded_selection_counts_custom_rules_left_out(tmp_path: Path) -> None:
    """When the engine records what the selection left out (``Report.unselected``), a custom rule left out counts
    too (compared with the built-in catalogue alone, it would not)."""
    import dataclasses

    from mlops_audit.models import Rule

    report = audit(make_repo(tmp_path / "r", CLEAN), select=["VER"])
    ran = {r.rule.id for r in report.results}
    custom = Rule("ORG001", "org", "governance", "error", 1, "t", "w", "f", {}, source="custom")
    recorded = dataclasses.replace(report, unselected=(*[r for r in builtin_rules() if r.id not in ran], custom))
    assert recorded.coverage.total == TOTAL + 1 and recorded.coverage.run == report.coverage.run
    assert not recorded.coverage.level_assessed
    level_one = dataclasses.replace(report, unselected=(custom,))
    assert not level_one.coverage.level_assessed  # a level-1 rule left out: level 3 is a guess
    later = dataclasses.replace(report, level=0, unselected=(custom,))
    assert later.coverage.level_assessed  # level 0 holds whatever a rule left out would say


def test_no_level_is_claimed_of_a_repository_without_ml(tmp_path: Path) -> None:
    """A folder of markdown and CSV files passes the generic rules and no ML rule applies: "Level 3 (Continuous
    training and monitoring)" would be claimed of it. The score stands (what applied passed); the level is not
    assessed, and every format says why; a CI gate asking for a level says why it cannot be met."""
    from mlops_audit.gate import gate_failures

    files = {**CLEAN, "notes/day1.md": "# Linear regression\n", "datasets/scores.csv": "hours,score\n1,2\n"}
    report = audit(make_repo(tmp_path / "r", files))
    assert not report.ml_project and report.level == 3  # what the rules that ran reach, vacuously
    assert score_line(report).startswith("Score 100/100   Level not assessed: not an ML project")
    assert "Level 3" not in render(report, "terminal", color=False)
    assert render(report, "markdown").splitlines()[0] == "## mlops-audit: score 100/100, level not assessed: " \
                                                          "not an ML project"
    assert "step done" not in render(report, "html")
    doc = json.loads(render(report, "json"))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["ml_project"] is False and doc["coverage"]["level_assessed"] is False
    assert json.loads(render(report, "badge"))["message"] == "100/100 · level not assessed"
    assert gate_failures(report, fail_on="never", min_score=None, min_level=1) == [
        "the level is not assessed (not an ML project), so --min-level 1 cannot be met"]


def test_an_ml_project_still_gets_its_level(tmp_path: Path) -> None:
    report = audit(legacy_repo(tmp_path / "r"))
    assert report.ml_project and report.coverage.level_assessed and not report.coverage.no_ml
