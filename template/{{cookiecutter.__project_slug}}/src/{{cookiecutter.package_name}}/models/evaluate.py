"""Evaluate a model and enforce the quality gate."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

from ..data.schema import FEATURE_COLUMNS, TARGET


class QualityGateError(RuntimeError):
    """The candidate model is below the quality threshold: it must not be promoted."""


def evaluate(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """Return the model's metrics on ``frame``."""
    predictions = model.predict(frame[FEATURE_COLUMNS])
    return {
        "accuracy": float(accuracy_score(frame[TARGET], predictions)),
        "f1_macro": float(f1_score(frame[TARGET], predictions, average="macro")),
    }


def check_quality_gate(metrics: dict[str, float], min_accuracy: float) -> None:
    """Raise :class:`QualityGateError` when the accuracy is below ``min_accuracy``."""
    if metrics["accuracy"] < min_accuracy:
        raise QualityGateError(
            f"accuracy {metrics['accuracy']:.3f} is below the quality gate {min_accuracy:.3f}"
        )
