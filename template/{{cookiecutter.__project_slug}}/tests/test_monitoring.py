"""Drift detection and the retraining trigger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from {{ cookiecutter.package_name }}.monitoring.drift import check_drift, detect_drift


def test_no_drift_between_train_and_test(splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    report = detect_drift(*splits)
    assert not report.retrain_needed
    assert report.drift_share < 0.3


def test_shifted_features_drift(splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train_split, test_split = splits
    shifted = test_split.assign(alcohol=test_split["alcohol"] + 3, proline=test_split["proline"] * 2)
    report = detect_drift(train_split, shifted)
    drifted = {feature.feature for feature in report.features if feature.drifted}
    assert {"alcohol", "proline"} <= drifted


def test_retrain_is_triggered_above_the_threshold(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: dict[str, Any], tmp_path: Path
) -> None:
    train_split, test_split = splits
    shifted = test_split.copy()
    numeric = shifted.columns.drop("target")
    shifted[numeric] = shifted[numeric] * 3 + 10
    reasons: list[str] = []
    report = check_drift(train_split, shifted, params, tmp_path, retrain=reasons.append)
    assert report.retrain_needed
    assert len(reasons) == 1
    saved = json.loads((tmp_path / "drift_report.json").read_text(encoding="utf-8"))
    assert saved["retrain_needed"] is True
    assert "<table" in (tmp_path / "drift_report.html").read_text(encoding="utf-8")


def test_retrain_is_not_triggered_without_drift(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: dict[str, Any], tmp_path: Path
) -> None:
    reasons: list[str] = []
    report = check_drift(*splits, params, tmp_path, retrain=reasons.append)
    assert not report.retrain_needed
    assert reasons == []
