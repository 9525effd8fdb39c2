"""API tests with FastAPI's TestClient: contract, validation (422), health, readiness and metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.serving.app import create_app
from {{ cookiecutter.package_name }}.serving.schemas import WineFeatures


@pytest.fixture()
def prediction_log(tmp_path: Path) -> Path:
    return tmp_path / "predictions.jsonl"


@pytest.fixture()
def client(model: Pipeline, prediction_log: Path) -> Iterator[TestClient]:
    app = create_app(model_loader=lambda: (model, "test-1"), prediction_log=prediction_log)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def payload(splits: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Any]:
    return {name: float(value) for name, value in splits[1][FEATURE_COLUMNS].iloc[0].items()}


def test_request_schema_matches_the_training_features() -> None:
    assert list(WineFeatures.model_fields) == FEATURE_COLUMNS


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_and_ready_report_the_same_model_version(client: TestClient, payload: dict[str, Any]) -> None:
    versions = {
        client.get("/health").json()["model_version"],
        client.get("/ready").json()["model_version"],
        client.post("/predict", json=payload).json()["model_version"],
    }
    assert versions == {"test-1"}


def test_ready_reports_the_model_version(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["model_version"] == "test-1"


def test_predict(client: TestClient, payload: dict[str, Any], prediction_log: Path) -> None:
    response = client.post("/predict", json=payload)
    assert response.status_code == 200
    body = response.json()
    assert body["prediction"] in (0, 1, 2)
    assert body["model_version"] == "test-1"
    assert sum(body["probabilities"]) == pytest.approx(1.0)
    logged = [json.loads(line) for line in prediction_log.read_text(encoding="utf-8").splitlines()]
    assert logged[-1]["prediction"] == body["prediction"]


def test_predict_matches_the_offline_model(
    client: TestClient, model: Pipeline, splits: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    features = splits[1][FEATURE_COLUMNS].head(10)
    instances = features.to_dict(orient="records")
    response = client.post("/predict/batch", json={"instances": instances})
    assert response.status_code == 200
    assert response.json()["predictions"] == [int(p) for p in model.predict(features)]


@pytest.mark.parametrize(
    "change",
    [
        {"alcohol": "not a number"},
        {"alcohol": -1.0},
        {"unexpected_field": 1.0},
    ],
)
def test_bad_input_is_rejected(client: TestClient, payload: dict[str, Any], change: dict[str, Any]) -> None:
    response = client.post("/predict", json={**payload, **change})
    assert response.status_code == 422


def test_missing_field_is_rejected(client: TestClient, payload: dict[str, Any]) -> None:
    payload.pop("proline")
    assert client.post("/predict", json=payload).status_code == 422


def test_empty_batch_is_rejected(client: TestClient) -> None:
    assert client.post("/predict/batch", json={"instances": []}).status_code == 422


def test_metrics_are_exported(client: TestClient, payload: dict[str, Any]) -> None:
    client.post("/predict", json=payload)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "predictions_total" in response.text


def test_not_ready_without_a_model(prediction_log: Path) -> None:
    def failing_loader() -> tuple[Any, str]:
        raise FileNotFoundError("no promoted model yet")

    app = create_app(model_loader=failing_loader, prediction_log=prediction_log)
    with TestClient(app) as test_client:
        health = test_client.get("/health")
        assert health.status_code == 200 and health.json()["model_version"] is None
        assert test_client.get("/ready").status_code == 503
