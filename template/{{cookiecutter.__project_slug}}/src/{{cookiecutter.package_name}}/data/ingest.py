"""Ingest the raw dataset.

The template ships with the wine dataset bundled in scikit-learn, so the pipeline runs offline on first
generation. Replace :func:`load_dataset` with your own source (warehouse query, object store, ...).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_wine

from ..config import get_paths
from .schema import FEATURE_COLUMNS, TARGET

logger = logging.getLogger(__name__)


def _normalise(name: str) -> str:
    return name.replace("/", "_").replace(" ", "_").lower()


def load_dataset() -> pd.DataFrame:
    """Return the raw dataset as a DataFrame with the feature columns and the target."""
    frame = load_wine(as_frame=True).frame
    frame = frame.rename(columns=_normalise)
    return frame[[*FEATURE_COLUMNS, TARGET]]


def ingest(output: Path | None = None) -> Path:
    """Write the raw dataset to ``data/raw`` and return its path."""
    path = output or get_paths().raw_data
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = load_dataset()
    frame.to_csv(path, index=False)
    logger.info("ingested %d rows to %s", len(frame), path)
    return path
