"""Data tests: the dataset honours its contract, and the contract rejects bad data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from {{ cookiecutter.package_name }}.data.ingest import ingest
from {{ cookiecutter.package_name }}.data.schema import CLASSES, FEATURE_COLUMNS, TARGET
from {{ cookiecutter.package_name }}.data.validate import validate, validate_frame


def test_dataset_matches_the_contract(dataset: pd.DataFrame) -> None:
    validated = validate_frame(dataset)
    assert list(validated.columns) == [*FEATURE_COLUMNS, TARGET]
    assert len(validated) == len(dataset)


def test_dataset_has_no_missing_values_and_all_classes(dataset: pd.DataFrame) -> None:
    assert not dataset.isna().any().any()
    assert set(dataset[TARGET].unique()) == set(CLASSES)


def test_contract_rejects_out_of_range_values(dataset: pd.DataFrame) -> None:
    bad = dataset.copy()
    bad.loc[0, "alcohol"] = -1.0
    with pytest.raises(pandera.errors.SchemaErrors):
        validate_frame(bad)


def test_contract_rejects_missing_column(dataset: pd.DataFrame) -> None:
    with pytest.raises(pandera.errors.SchemaErrors):
        validate_frame(dataset.drop(columns="proline"))


def test_contract_rejects_unknown_class(dataset: pd.DataFrame) -> None:
    bad = dataset.copy()
    bad.loc[0, TARGET] = 7
    with pytest.raises(pandera.errors.SchemaErrors):
        validate_frame(bad)


def test_ingest_then_validate_round_trip(tmp_path: Path) -> None:
    raw = ingest(tmp_path / "raw.csv")
    validated = validate(raw, tmp_path / "validated.csv")
    assert validated.exists()
    assert pd.read_csv(validated).shape == pd.read_csv(raw).shape
