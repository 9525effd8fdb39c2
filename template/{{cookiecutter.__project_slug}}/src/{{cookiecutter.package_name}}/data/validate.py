"""Validate a dataset against the data contract before anything learns from it."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..config import get_paths
from .schema import DATASET_SCHEMA

logger = logging.getLogger(__name__)


def validate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the validated (type-coerced) frame; raise ``pandera.errors.SchemaErrors`` if it is bad."""
    return DATASET_SCHEMA.validate(frame, lazy=True)


def validate(source: Path | None = None, output: Path | None = None) -> Path:
    """Validate the raw CSV and write the validated copy to ``data/interim``."""
    paths = get_paths()
    source = source or paths.raw_data
    output = output or paths.validated_data
    frame = validate_frame(pd.read_csv(source))
    output.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(output, index=False)
    logger.info("validated %d rows from %s", len(frame), source)
    return output
