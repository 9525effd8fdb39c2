"""The data contract: column names and a pandera schema that every dataset must satisfy."""

from __future__ import annotations

import pandera.pandas as pa

TARGET = "target"
CLASSES = (0, 1, 2)
FEATURE_COLUMNS: list[str] = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280_od315_of_diluted_wines",
    "proline",
]

# Plausible physical ranges: wide enough for real wines, narrow enough to catch unit or parsing errors.
_RANGES: dict[str, tuple[float, float]] = {
    "alcohol": (5.0, 20.0),
    "malic_acid": (0.0, 10.0),
    "ash": (0.0, 5.0),
    "alcalinity_of_ash": (0.0, 40.0),
    "magnesium": (50.0, 200.0),
    "total_phenols": (0.0, 5.0),
    "flavanoids": (0.0, 7.0),
    "nonflavanoid_phenols": (0.0, 1.0),
    "proanthocyanins": (0.0, 5.0),
    "color_intensity": (0.0, 20.0),
    "hue": (0.0, 3.0),
    "od280_od315_of_diluted_wines": (0.0, 5.0),
    "proline": (100.0, 2000.0),
}

FEATURES_SCHEMA = pa.DataFrameSchema(
    {
        name: pa.Column(float, pa.Check.in_range(low, high), nullable=False, coerce=True)
        for name, (low, high) in _RANGES.items()
    },
    strict=False,
)

DATASET_SCHEMA = pa.DataFrameSchema(
    {
        **FEATURES_SCHEMA.columns,
        TARGET: pa.Column(int, pa.Check.isin(CLASSES), nullable=False, coerce=True),
    },
    strict=True,
    checks=pa.Check(lambda df: len(df) >= 50, error="at least 50 rows are needed to train"),
)
