"""The training pipeline: ingest -> validate -> featurize -> train -> evaluate (+ promote).

Each stage is a plain function, so any orchestrator can call them; ``dvc.yaml`` and the Makefile call
them through this module's command line::

    python -m {{ cookiecutter.package_name }}.pipelines.training all
    python -m {{ cookiecutter.package_name }}.pipelines.training train
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..config import get_paths, load_params
from ..data.ingest import ingest
from ..data.validate import validate
from ..features.build import featurize
from ..models.evaluate import QualityGateError, check_quality_gate, evaluate
from ..models.train import train

logger = logging.getLogger(__name__)


def run_ingest() -> Path:
    return ingest()


def run_validate() -> Path:
    return validate()


def run_featurize() -> tuple[Path, Path]:
    return featurize(load_params())


def run_train() -> str:
    """Train on the train split and log/register the candidate; return its version."""
    from ..models import registry  # imported here: the tracking client is slow to import

    params = load_params()
    frame = pd.read_csv(get_paths().train_data)
    model = train(frame, params)
    candidate = registry.log_candidate(model, params, frame.drop(columns="target").head(5))
    return candidate.version


def run_evaluate() -> dict[str, float]:
    """Evaluate the candidate on the test split, write the metrics, and promote it if it passes."""
    from ..models import registry

    params = load_params()
    paths = get_paths()
    model, candidate = registry.load_candidate(params)
    metrics = evaluate(model, pd.read_csv(paths.test_data))
    paths.metrics_file.parent.mkdir(parents=True, exist_ok=True)
    paths.metrics_file.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    try:
        check_quality_gate(metrics, float(params["evaluate"]["min_accuracy"]))
    except QualityGateError:
        registry.record_rejection(candidate, metrics, params)
        raise
    registry.promote(candidate, metrics, params)
    return metrics


STAGES: dict[str, Callable[[], object]] = {
    "ingest": run_ingest,
    "validate": run_validate,
    "featurize": run_featurize,
    "train": run_train,
    "evaluate": run_evaluate,
}


def training_pipeline() -> dict[str, float]:
    """Run every stage in order and return the evaluation metrics."""
    for name, stage in STAGES.items():
        if name != "evaluate":
            logger.info("stage %s", name)
            stage()
    logger.info("stage evaluate")
    return run_evaluate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=[*STAGES, "all"], nargs="?", default="all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        if args.stage == "all":
            print(json.dumps(training_pipeline()))
        else:
            STAGES[args.stage]()
    except QualityGateError as error:
        logger.error("quality gate failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
