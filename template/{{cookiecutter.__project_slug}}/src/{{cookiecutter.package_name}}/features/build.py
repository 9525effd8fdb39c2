"""The feature pipeline.

:func:`build_feature_pipeline` is the only place features are computed. It is embedded in the model
pipeline (see ``models.train``), so the very same fitted transformations run at training time, in batch
prediction and in the API: no training/serving skew.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..config import get_paths
from ..data.schema import FEATURE_COLUMNS, TARGET

logger = logging.getLogger(__name__)


def build_feature_pipeline() -> ColumnTransformer:
    """Return the (unfitted) feature transformations applied to the raw feature columns."""
    numeric = Pipeline(
        steps=[
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    return ColumnTransformer(
        transformers=[("numeric", numeric, FEATURE_COLUMNS)],
        remainder="drop",
        verbose_feature_names_out=False,
    )


def to_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Turn request records into a frame with the training column order (used by serving)."""
    return pd.DataFrame.from_records(list(records), columns=FEATURE_COLUMNS).astype(float)


def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into train and test sets, stratified on the target and reproducible through ``seed``."""
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=frame[TARGET])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def featurize(params: Mapping[str, Any], source: Path | None = None) -> tuple[Path, Path]:
    """Split the validated data into the train and test files."""
    paths = get_paths()
    frame = pd.read_csv(source or paths.validated_data)
    train, test = split(frame, float(params["data"]["test_size"]), int(params["seed"]))
    paths.train_data.parent.mkdir(parents=True, exist_ok=True)
    train.to_csv(paths.train_data, index=False)
    test.to_csv(paths.test_data, index=False)
    logger.info("featurize: %d train rows, %d test rows", len(train), len(test))
    return paths.train_data, paths.test_data
