"""Train the model: feature pipeline + classifier, seeded, hyper-parameters from ``params.yaml``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ..data.schema import FEATURE_COLUMNS, TARGET
from ..features.build import build_feature_pipeline

logger = logging.getLogger(__name__)


def build_model(params: Mapping[str, Any]) -> Pipeline:
    """Return the unfitted model: the shared feature pipeline followed by the classifier."""
    model_params = params["model"]
    classifier = LogisticRegression(
        C=float(model_params["C"]),
        max_iter=int(model_params["max_iter"]),
        random_state=int(params["seed"]),
    )
    return Pipeline(steps=[("features", build_feature_pipeline()), ("classifier", classifier)])


def train(frame: pd.DataFrame, params: Mapping[str, Any]) -> Pipeline:
    """Fit the model on ``frame`` (feature columns + target) and return it."""
    np.random.seed(int(params["seed"]))
    model = build_model(params)
    model.fit(frame[FEATURE_COLUMNS], frame[TARGET])
    logger.info("trained %s on %d rows", type(model[-1]).__name__, len(frame))
    return model
