"""Applicability: rules about ML, training, serving, data... are not_applicable, with the right reason, where
the project does not do that; a documentation-only repo gets no ML finding at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, Files, build, result, with_status
from mlops_audit.catalogue import builtin_rules
from repo_builder import failing, notebook, status

RULES = builtin_rules()
UNCONDITIONAL = {r.id for r in RULES if not r.applies_when}
TRAINING_RULES = {r.id for r in RULES if "trains" in r.applies_when}

DOCS_ONLY = {
    "README.md": "# Handbook\n\nHow we work: train models, track experiments in MLflow, serve with FastAPI.\n",
    "LICENSE": "CC-BY-4.0\n",
    "docs/index.md": "# Index\n\n```python\nimport torch\nmodel.fit(x, y)\n```\n",
    "docs/serving.md": "Use `from fastapi import FastAPI`.\n",
    "mkdocs.yml": "site_name: handbook\n",
}


def test_docs_only_repo_is_not_an_ml_project(tmp_path: Path) -> None:
    report = build(tmp_path, DOCS_ONLY)
    assert not report.ml_project
    assert report.ml_evidence == []
    # every conditional rule is not applicable, except the git-history one (this is a git repo)
    assert with_status(report, "not_applicable") == {r.id for r in RULES if r.applies_when} - {"DAT002"}
    assert with_status(report, "pass") == UNCONDITIONAL | {"DAT002"}
    assert failing(report) == set()
    assert report.findings == []


@pytest.mark.parametrize(
    ("rule_id", "reason"),
    [
        ("DAT001", "not an ML project"),
        ("MOD001", "not an ML project"),
        ("MOD002", "no model training found"),
        ("DEP001", "no model is trained or stored here"),
        ("DEP007", "no model serving code"),
        ("REP001", "no Python code or notebooks"),
        ("TST001", "no Python code or notebooks"),
        ("REP002", "no dependency manifest"),
        ("DEP003", "no Dockerfile"),
        ("AUT002", "no CI configuration"),
    ],
)
def test_docs_only_repo_reasons(tmp_path: Path, rule_id: str, reason: str) -> None:
    report = build(tmp_path, DOCS_ONLY)
    assert status(report, rule_id) == "not_applicable"
    assert result(report, rule_id).reason.startswith(reason)


def test_ml_repo_that_trains_nothing_gets_no_training_rules(tmp_path: Path) -> None:
    """An analysis project: ML libraries and data, but no model is fitted here."""
    files = {
        "README.md": "# EDA\n",
        "analysis.ipynb": notebook("import pandas as pd\nfrom sklearn.metrics import roc_auc_score\n",
                                   "df = pd.read_csv('scores.csv')\nroc_auc_score(df.y, df.p)\n"),
        "src/report.py": "def summary(df):\n" + "".join(f"    a{i} = {i}\n" for i in range(10)),
    }
    report = build(tmp_path, files)
    assert report.ml_project
    na = with_status(report, "not_applicable")
    assert na >= TRAINING_RULES
    assert {"MOD002", "MOD003", "MOD004", "MOD005", "AUT003", "AUT004", "TST004"} <= na
    for rule_id in TRAINING_RULES:
        assert result(report, rule_id).reason.startswith("no model training found")
    # no model either: nothing to deploy, card or monitor
    assert {"DEP001", "DEP002", "GOV002", "MON001", "MON003", "MON004"} <= na
    # the ML and data rules still apply
    assert {"DAT001", "DAT003", "DAT004", "REP005", "DES002"} & na == set()
    assert {"DAT003", "DAT004"} <= failing(report)


def test_stored_model_without_training_makes_deploy_rules_apply(tmp_path: Path) -> None:
    files: Files = {"models/clf.onnx": b"onnx", "predict.py": "import onnxruntime\n\n\ndef predict(x):\n    return x\n"}
    report = build(tmp_path, files)
    na = with_status(report, "not_applicable")
    assert na >= TRAINING_RULES
    assert {"DEP001", "DEP002", "GOV002", "MON001", "MON003", "MON004"} & na == set()


def test_non_ml_python_library_gets_only_engineering_rules(tmp_path: Path) -> None:
    files = {"src/tool.py": "import argparse\n\n\ndef main():\n    return 0\n",
             "tests/test_tool.py": "def test_main():\n    assert True\n"}
    report = build(tmp_path, files)
    assert not report.ml_project
    applicable = {r.rule.id for r in report.results if r.status != "not_applicable"}
    assert applicable == UNCONDITIONAL | {"DAT002", "DAT005", "REP001", "REP004", "TST001", "TST002", "AUT001",
                                          "MOD006"}
    assert failing(report) == {"REP001", "REP004", "AUT001", "GOV003", "DES001"}


def test_training_project_without_serving(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    na = with_status(report, "not_applicable")
    serving_rules = {r.id for r in RULES if "serves" in r.applies_when}
    assert serving_rules == {"DEP005", "DEP007", "DEP008", "MON002", "TST005"}
    assert serving_rules <= na
    assert "MOD002" not in na


def test_every_condition_is_exercised_by_some_rule() -> None:
    from mlops_audit.predicates import CONDITIONS

    used = {c for r in RULES for c in r.applies_when}
    assert used == set(CONDITIONS)
