{%- if cookiecutter.tracking == "mlflow" -%}
"""Experiment tracking and model registry with MLflow.

By default MLflow uses a local SQLite store (``mlflow.db``) and artifact folder (``mlruns/``), both
git-ignored: no server and no network needed. Point ``MLFLOW_TRACKING_URI`` at a tracking server to
share runs and the registry with your team.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature

from ..config import get_paths, project_root

logger = logging.getLogger(__name__)

SKOPS_TRUSTED_TYPES = ["numpy.dtype"]


@dataclass(frozen=True)
class Candidate:
    """A trained, registered model version waiting for evaluation."""

    run_id: str
    model_name: str
    version: str


def tracking_uri(root: Path | None = None) -> str:
    """Return the tracking URI: ``MLFLOW_TRACKING_URI`` or the project's local SQLite store."""
    default = f"sqlite:///{(root or project_root()) / 'mlflow.db'}"
    return os.environ.get("MLFLOW_TRACKING_URI", default)


def configure(params: Mapping[str, Any], root: Path | None = None) -> str:
    """Point MLflow at the tracking store and select the experiment; return the experiment id."""
    base = root or project_root()
    mlflow.set_tracking_uri(tracking_uri(base))
    name = str(params["registry"]["experiment"])
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        mlflow.set_experiment(name)
        return str(experiment.experiment_id)
    artifacts = (base / "mlruns").resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    experiment_id = mlflow.create_experiment(name, artifact_location=artifacts.as_uri())
    mlflow.set_experiment(name)
    return str(experiment_id)


def _requirements() -> list[str]:
    return [f"{dist}=={version(dist)}" for dist in ("scikit-learn", "pandas", "numpy", "scipy")]


def log_candidate(model: Any, params: Mapping[str, Any], sample: pd.DataFrame) -> Candidate:
    """Log the parameters and the model to a new MLflow run and register it as a new version."""
    configure(params)
    model_name = str(params["registry"]["model_name"])
    with mlflow.start_run() as run:
        mlflow.log_params({"seed": params["seed"], **params["model"]})
        mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name=model_name,
            signature=infer_signature(sample, model.predict(sample)),
            pip_requirements=_requirements(),
            # MLflow stores scikit-learn models with skops (no pickle); allow the few extra safe types.
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )
    client = MlflowClient()
    versions = client.search_model_versions(f"name='{model_name}' and run_id='{run.info.run_id}'")
    candidate = Candidate(run.info.run_id, model_name, str(versions[0].version))
    _candidate_file().parent.mkdir(parents=True, exist_ok=True)
    _candidate_file().write_text(json.dumps(asdict(candidate), indent=2) + "\n", encoding="utf-8")
    logger.info("registered %s version %s (run %s)", model_name, candidate.version, candidate.run_id)
    return candidate


def _candidate_file() -> Path:
    return get_paths().models_dir / "candidate.json"


def load_candidate(params: Mapping[str, Any]) -> tuple[Any, Candidate]:
    """Load the model version written by the last training run."""
    configure(params)
    candidate = Candidate(**json.loads(_candidate_file().read_text(encoding="utf-8")))
    model = mlflow.sklearn.load_model(f"models:/{candidate.model_name}/{candidate.version}")
    return model, candidate


def promote(candidate: Candidate, metrics: Mapping[str, float], params: Mapping[str, Any]) -> None:
    """Record the evaluation metrics and move the registry alias (e.g. ``champion``) to the candidate."""
    configure(params)
    with mlflow.start_run(run_id=candidate.run_id):
        mlflow.log_metrics(dict(metrics))
    alias = str(params["registry"]["alias"])
    MlflowClient().set_registered_model_alias(candidate.model_name, alias, candidate.version)
    logger.info("promoted %s version %s to @%s", candidate.model_name, candidate.version, alias)


def record_rejection(candidate: Candidate, metrics: Mapping[str, float], params: Mapping[str, Any]) -> None:
    """Record the metrics of a candidate that failed the quality gate (it keeps no alias)."""
    configure(params)
    with mlflow.start_run(run_id=candidate.run_id):
        mlflow.log_metrics(dict(metrics))
        mlflow.set_tag("quality_gate", "failed")


def load_champion(params: Mapping[str, Any]) -> tuple[Any, str]:
    """Load the promoted model (registry alias) and return it with its version."""
    configure(params)
    model_name = str(params["registry"]["model_name"])
    alias = str(params["registry"]["alias"])
    version_info = MlflowClient().get_model_version_by_alias(model_name, alias)
    model = mlflow.sklearn.load_model(f"models:/{model_name}@{alias}")
    return model, str(version_info.version)
{%- else -%}
"""Model storage without an experiment tracker: joblib files under ``models/`` (git-ignored).

``candidate.joblib`` is written by training; the quality gate copies it to ``champion.joblib`` (the
promoted model). A version string is derived from the file content so every answer of the API can name
the model that produced it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from ..config import get_paths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A trained model waiting for evaluation."""

    path: str
    version: str


def _digest(path: Path) -> str:
    return "sha256-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _load(path: Path) -> Any:
    return joblib.load(path)  # mlops-audit: ignore[MOD006] model file written by our own training pipeline


def log_candidate(model: Any, params: Mapping[str, Any], sample: pd.DataFrame) -> Candidate:
    """Save the trained model as the candidate."""
    models_dir = get_paths().models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / "candidate.joblib"
    joblib.dump(model, path)
    candidate = Candidate(path=path.name, version=_digest(path))
    info = {**asdict(candidate), "params": {"seed": params["seed"], **params["model"]}}
    (models_dir / "candidate.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    logger.info("saved candidate model %s (%d sample rows)", candidate.version, len(sample))
    return candidate


def load_candidate(params: Mapping[str, Any]) -> tuple[Any, Candidate]:
    """Load the model written by the last training run."""
    models_dir = get_paths().models_dir
    info = json.loads((models_dir / "candidate.json").read_text(encoding="utf-8"))
    candidate = Candidate(path=info["path"], version=info["version"])
    return _load(models_dir / candidate.path), candidate


def promote(candidate: Candidate, metrics: Mapping[str, float], params: Mapping[str, Any]) -> None:
    """Make the candidate the champion (the model that serving and batch prediction load)."""
    models_dir = get_paths().models_dir
    shutil.copyfile(models_dir / candidate.path, models_dir / "champion.joblib")
    info = {"version": candidate.version, "metrics": dict(metrics)}
    (models_dir / "champion.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    logger.info("promoted model %s to champion", candidate.version)


def record_rejection(candidate: Candidate, metrics: Mapping[str, float], params: Mapping[str, Any]) -> None:
    """Keep a trace of a candidate that failed the quality gate."""
    info = {"version": candidate.version, "metrics": dict(metrics), "quality_gate": "failed"}
    path = get_paths().models_dir / "rejected.json"
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def load_champion(params: Mapping[str, Any]) -> tuple[Any, str]:
    """Load the promoted model and return it with its version."""
    models_dir = get_paths().models_dir
    info = json.loads((models_dir / "champion.json").read_text(encoding="utf-8"))
    return _load(models_dir / "champion.joblib"), str(info["version"])
{%- endif %}
