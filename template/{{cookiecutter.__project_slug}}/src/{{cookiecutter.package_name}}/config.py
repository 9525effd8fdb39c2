"""Project paths and parameters (``params.yaml``), resolved from the project root.

The root is the current working directory (where ``make``, ``dvc`` and the container run) unless the
``PROJECT_ROOT`` environment variable says otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Everything runs offline: tell the tools we use not to phone home.
for _name, _value in {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "DVC_NO_ANALYTICS": "1",
}.items():
    os.environ.setdefault(_name, _value)


def project_root() -> Path:
    """Return the project root directory."""
    return Path(os.environ.get("PROJECT_ROOT", Path.cwd())).resolve()


@dataclass(frozen=True)
class Paths:
    """Every file the pipeline reads or writes, relative to one root."""

    root: Path

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"

    @property
    def raw_data(self) -> Path:
        return self.root / "data" / "raw" / "wine.csv"

    @property
    def validated_data(self) -> Path:
        return self.root / "data" / "interim" / "wine.csv"

    @property
    def train_data(self) -> Path:
        return self.root / "data" / "processed" / "train.csv"

    @property
    def test_data(self) -> Path:
        return self.root / "data" / "processed" / "test.csv"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def metrics_file(self) -> Path:
        return self.root / "reports" / "metrics.json"

    @property
    def drift_dir(self) -> Path:
        return self.root / "reports" / "drift"

    @property
    def prediction_log(self) -> Path:
        return Path(os.environ.get("PREDICTION_LOG", self.root / "logs" / "predictions.jsonl"))


def get_paths(root: Path | None = None) -> Paths:
    """Return the paths of the project at ``root`` (default: :func:`project_root`)."""
    return Paths(root=(root or project_root()).resolve())


def load_params(root: Path | None = None) -> dict[str, Any]:
    """Load ``params.yaml``: the single source of hyper-parameters and thresholds."""
    with get_paths(root).params_file.open(encoding="utf-8") as handle:
        params: dict[str, Any] = yaml.safe_load(handle)
    return params
