"""The prediction API.

    uvicorn {{ cookiecutter.package_name }}.serving.app:app --host 0.0.0.0 --port 8000

Endpoints: ``POST /predict``, ``POST /predict/batch``, ``GET /health`` (liveness), ``GET /ready``
(readiness: the promoted model is loaded), ``GET /metrics`` (Prometheus). The loaded model's version has one
source, ``app.state.model_version`` (set once at start-up): ``/health``, ``/ready`` and every prediction
report that same value (``/health`` says ``null`` only while no model could be loaded).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from ..config import get_paths, load_params
from ..features.build import to_frame
from ..models.registry import load_champion
from ..pipelines.predict import log_predictions
from .schemas import BatchPrediction, BatchRequest, Health, Prediction, WineFeatures

logger = logging.getLogger("{{ cookiecutter.package_name }}.predictions")

PREDICTIONS = Counter("predictions_total", "Predictions served", ["endpoint", "predicted_class"])
LATENCY = Histogram("prediction_latency_seconds", "Time spent computing predictions", ["endpoint"])
ERRORS = Counter("prediction_errors_total", "Predictions that failed", ["endpoint"])

ModelLoader = Callable[[], tuple[Any, str]]


def _default_loader() -> tuple[Any, str]:
    return load_champion(load_params())


def create_app(model_loader: ModelLoader = _default_loader, prediction_log: Path | None = None) -> FastAPI:
    """Build the application; ``model_loader`` returns ``(model, version)`` (injectable for tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            app.state.model, app.state.model_version = model_loader()
            logger.info("loaded model version %s", app.state.model_version)
        except Exception:  # the API stays alive; /ready tells the orchestrator it cannot serve
            logger.exception("could not load the promoted model")
            app.state.model, app.state.model_version = None, None
        yield

    app = FastAPI(title="{{ cookiecutter.project_name }}", version="0.1.0", lifespan=lifespan)
    log_file = prediction_log or get_paths().prediction_log

    def _model(request: Request) -> tuple[Any, str]:
        if request.app.state.model is None:
            raise HTTPException(status_code=503, detail="model not loaded")
        return request.app.state.model, request.app.state.model_version

    def _predict(request: Request, instances: list[WineFeatures], endpoint: str) -> tuple[Any, Any, str]:
        model, version = _model(request)
        frame = to_frame([instance.model_dump() for instance in instances])
        with LATENCY.labels(endpoint).time():
            try:
                predictions = model.predict(frame)
                probabilities = model.predict_proba(frame)
            except Exception:
                ERRORS.labels(endpoint).inc()
                raise
        for value in predictions:
            PREDICTIONS.labels(endpoint, str(int(value))).inc()
        log_predictions(frame, list(predictions), version, log_file)
        logger.info(
            "prediction endpoint=%s model_version=%s n=%d predictions=%s",
            endpoint,
            version,
            len(frame),
            [int(p) for p in predictions],
        )
        return predictions, probabilities, version

    @app.get("/health", response_model=Health)
    def health(request: Request) -> Health:
        return Health(status="ok", model_version=request.app.state.model_version)

    @app.get("/ready", response_model=Health)
    def ready(request: Request) -> Health:
        _, version = _model(request)
        return Health(status="ready", model_version=version)

    @app.post("/predict", response_model=Prediction)
    def predict(features: WineFeatures, request: Request) -> Prediction:
        started = time.perf_counter()
        predictions, probabilities, version = _predict(request, [features], "predict")
        logger.debug("predict took %.4fs", time.perf_counter() - started)
        return Prediction(
            prediction=int(predictions[0]),
            probabilities=[float(p) for p in probabilities[0]],
            model_version=version,
        )

    @app.post("/predict/batch", response_model=BatchPrediction)
    def predict_batch(batch: BatchRequest, request: Request) -> BatchPrediction:
        predictions, _, version = _predict(request, batch.instances, "predict_batch")
        return BatchPrediction(predictions=[int(p) for p in predictions], model_version=version)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


app = create_app()
