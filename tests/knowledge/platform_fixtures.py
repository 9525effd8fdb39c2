"""Small repositories for the platform knowledge tests (rules/knowledge/<platform>.yaml): a base that makes the
rule apply, plus the platform usage under test. Builders only: every assertion stays in the test functions.

Which base each rule needs:

- MOD002 tracking, MOD003 registry, MOD004 seeds (of what trains), AUT003 pipeline, AUT004 schedule,
  MON001 drift: a file that trains;
- MON002 service metrics, DEP007 request schema: a web service that loads a model (and training);
- MON004 alerting: a batch-inference module (and training);
- DAT003 data versioning, DAT004 data validation: training that reads a CSV file.
"""

from __future__ import annotations

from pathlib import Path

from ml_fixtures import READ_CSV, TRAIN, build, result
from mlops_audit.models import RuleResult

SERVE_APP = """\
import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load("models/model.joblib")


@app.post("/predict")
def predict(payload: dict) -> float:
    return float(model.predict([payload["features"]])[0])
"""
"""A model served over HTTP with no metrics, no schema library, a free-form body (no typed parameter FastAPI would
check): ``serves`` holds."""

PREDICT = """\
import joblib


def predict(rows):
    return joblib.load("models/model.joblib").predict(rows)
"""
"""A batch-inference module: ``inference`` holds."""

BASES: dict[str, dict[str, str]] = {
    "MOD002": {"train.py": TRAIN},
    "MOD003": {"train.py": TRAIN},
    "MOD004": {"train.py": TRAIN},
    "AUT003": {"train.py": TRAIN},
    "AUT004": {"train.py": TRAIN},
    "MON001": {"train.py": TRAIN},
    "MON002": {"train.py": TRAIN, "app.py": SERVE_APP},
    "DEP007": {"train.py": TRAIN, "app.py": SERVE_APP},
    "MON004": {"train.py": TRAIN, "predict.py": PREDICT},
    "MON003": {"train.py": TRAIN, "predict.py": PREDICT},
    "DAT003": {"train.py": READ_CSV},
    "DAT004": {"train.py": READ_CSV},
}
"""Rule ID -> the files that make it apply (and fail) without the platform's evidence."""


def audit_rule(root: Path, rule_id: str, files: dict[str, str]) -> RuleResult:
    """The result of ``rule_id`` on the rule's base repository plus ``files`` (no git: these rules read none)."""
    return result(build(root, {**BASES[rule_id], **files}, git_init=False), rule_id)
