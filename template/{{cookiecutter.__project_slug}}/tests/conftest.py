"""Shared fixtures: the bundled dataset, its split and a model trained in memory (no files, no network)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import load_params
from {{ cookiecutter.package_name }}.data.ingest import load_dataset
from {{ cookiecutter.package_name }}.features.build import split
from {{ cookiecutter.package_name }}.models.train import train

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    return load_params(PROJECT_ROOT)


@pytest.fixture(autouse=True)
def _seed_random_generators(params: dict[str, Any]) -> None:
    """Every test starts from the same random state (the seed of params.yaml)."""
    random.seed(int(params["seed"]))
    np.random.seed(int(params["seed"]))


@pytest.fixture(scope="session")
def dataset() -> pd.DataFrame:
    return load_dataset()


@pytest.fixture(scope="session")
def splits(dataset: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return split(dataset, float(params["data"]["test_size"]), int(params["seed"]))


@pytest.fixture(scope="session")
def model(splits: tuple[pd.DataFrame, pd.DataFrame], params: dict[str, Any]) -> Pipeline:
    return train(splits[0], params)
