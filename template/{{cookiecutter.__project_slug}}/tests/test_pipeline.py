"""End-to-end: the whole training pipeline, promotion, batch prediction and drift, in a scratch folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import get_paths, load_params
from {{ cookiecutter.package_name }}.models.registry import load_champion
from {{ cookiecutter.package_name }}.monitoring.drift import main as drift_main
from {{ cookiecutter.package_name }}.pipelines.predict import batch_predict
from {{ cookiecutter.package_name }}.pipelines.training import training_pipeline

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def scratch_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(PROJECT_ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.setenv("PROJECT_ROOT", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("PREDICTION_LOG", raising=False)
    return tmp_path


def test_training_pipeline_end_to_end(scratch_project: Path) -> None:
    metrics = training_pipeline()
    params = load_params()
    paths = get_paths()
    assert metrics["accuracy"] >= float(params["evaluate"]["min_accuracy"])
    assert json.loads(paths.metrics_file.read_text(encoding="utf-8")) == metrics

    model, version = load_champion(params)
    assert version
    assert hasattr(model, "predict_proba")

    scored = batch_predict(paths.test_data, scratch_project / "scored.csv")
    predictions = pd.read_csv(scored)
    assert (predictions["model_version"].astype(str) == version).all()
    assert paths.prediction_log.exists()

    assert drift_main([]) == 0
    report = json.loads((paths.drift_dir / "drift_report.json").read_text(encoding="utf-8"))
    assert report["retrain_needed"] is False
