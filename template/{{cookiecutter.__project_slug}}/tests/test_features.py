"""Unit tests of the feature pipeline and the split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS, TARGET
from {{ cookiecutter.package_name }}.features.build import build_feature_pipeline, split, to_frame


def test_feature_pipeline_scales_every_feature(dataset: pd.DataFrame) -> None:
    features = build_feature_pipeline().fit_transform(dataset[FEATURE_COLUMNS])
    assert features.shape == (len(dataset), len(FEATURE_COLUMNS))
    assert np.allclose(features.mean(axis=0), 0.0, atol=1e-8)


def test_feature_pipeline_imputes_missing_values(dataset: pd.DataFrame) -> None:
    frame = dataset[FEATURE_COLUMNS].copy()
    frame.loc[0, "ash"] = np.nan
    features = build_feature_pipeline().fit_transform(frame)
    assert not np.isnan(features).any()


def test_split_is_stratified_and_reproducible(dataset: pd.DataFrame, params: dict[str, Any]) -> None:
    train_a, test_a = split(dataset, 0.25, int(params["seed"]))
    train_b, _ = split(dataset, 0.25, int(params["seed"]))
    assert len(train_a) + len(test_a) == len(dataset)
    pd.testing.assert_frame_equal(train_a, train_b)
    assert set(test_a[TARGET].unique()) == set(dataset[TARGET].unique())


def test_to_frame_orders_columns_like_training(dataset: pd.DataFrame) -> None:
    record = dataset[FEATURE_COLUMNS].iloc[0].to_dict()
    shuffled = dict(reversed(list(record.items())))
    frame = to_frame([shuffled])
    assert list(frame.columns) == FEATURE_COLUMNS
    assert frame.iloc[0].to_dict() == record
