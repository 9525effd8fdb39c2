"""Batch inference: score a CSV file with the promoted model.

    python -m {{ cookiecutter.package_name }}.pipelines.predict data/processed/test.csv predictions.csv

Every scored row is also appended to the prediction log, which the drift monitor reads.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import get_paths, load_params
from ..data.schema import FEATURE_COLUMNS, FEATURES_SCHEMA
from ..models.registry import load_champion

logger = logging.getLogger(__name__)


def log_predictions(
    features: pd.DataFrame, predictions: Sequence[Any], model_version: str, log_file: Path | None = None
) -> None:
    """Append one JSON line per prediction (features, prediction, model version, time)."""
    path = log_file or get_paths().prediction_log
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    with path.open("a", encoding="utf-8") as handle:
        for row, prediction in zip(features.to_dict(orient="records"), predictions, strict=True):
            record = {"ts": now, "model_version": model_version, "prediction": int(prediction), **row}
            handle.write(json.dumps(record) + "\n")


def predict_frame(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate the features and return them with a ``prediction`` column."""
    features = FEATURES_SCHEMA.validate(frame[FEATURE_COLUMNS].copy())
    result = features.copy()
    result["prediction"] = model.predict(features)
    return result


def batch_predict(source: Path, output: Path) -> Path:
    """Score ``source`` (CSV with the feature columns) into ``output`` with the promoted model."""
    model, model_version = load_champion(load_params())
    scored = predict_frame(model, pd.read_csv(source))
    scored["model_version"] = model_version
    output.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(output, index=False)
    log_predictions(scored[FEATURE_COLUMNS], scored["prediction"].tolist(), model_version)
    logger.info("scored %d rows from %s with model %s", len(scored), source, model_version)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Batch prediction with the promoted model.")
    parser.add_argument("source", type=Path, help="CSV file with the feature columns")
    parser.add_argument("output", type=Path, help="where to write the scored CSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    batch_predict(args.source, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
