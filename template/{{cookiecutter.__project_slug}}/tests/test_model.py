"""Model tests: quality threshold, invariance, determinism and the quality gate."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.models.evaluate import QualityGateError, check_quality_gate, evaluate
from {{ cookiecutter.package_name }}.models.train import train


def test_model_beats_the_quality_threshold(
    model: Pipeline, splits: tuple[pd.DataFrame, pd.DataFrame], params: dict[str, Any]
) -> None:
    metrics = evaluate(model, splits[1])
    assert metrics["accuracy"] >= float(params["evaluate"]["min_accuracy"])
    assert metrics["f1_macro"] >= float(params["evaluate"]["min_accuracy"]) - 0.05


def test_model_beats_the_majority_baseline(
    model: Pipeline, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train_split, test_split = splits
    baseline = float((test_split["target"] == train_split["target"].mode()[0]).mean())
    assert evaluate(model, test_split)["accuracy"] > baseline + 0.2


def test_predictions_are_invariant_to_tiny_noise(
    model: Pipeline, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    features = splits[1][FEATURE_COLUMNS]
    noisy = features * (1 + np.random.default_rng(0).normal(0, 1e-6, features.shape))
    assert (model.predict(features) == model.predict(noisy)).mean() >= 0.98


def test_predictions_do_not_depend_on_column_order(
    model: Pipeline, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    features = splits[1][FEATURE_COLUMNS]
    assert (model.predict(features) == model.predict(features[FEATURE_COLUMNS[::-1]])).all()


def test_training_is_deterministic(splits: tuple[pd.DataFrame, pd.DataFrame], params: dict[str, Any]) -> None:
    first = train(splits[0], params).predict_proba(splits[1][FEATURE_COLUMNS])
    second = train(splits[0], params).predict_proba(splits[1][FEATURE_COLUMNS])
    assert np.array_equal(first, second)


def test_quality_gate_rejects_a_weak_model() -> None:
    with pytest.raises(QualityGateError):
        check_quality_gate({"accuracy": 0.5, "f1_macro": 0.5}, min_accuracy=0.85)


def test_quality_gate_accepts_a_good_model() -> None:
    assert check_quality_gate({"accuracy": 0.95, "f1_macro": 0.95}, min_accuracy=0.85) is None
