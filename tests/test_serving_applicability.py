"""Issue 13, class 5: serving rules (request schema DEP007, health route DEP008, service metrics MON002, API tests
TST005) apply to ML serving only: a serving file that loads or calls a model (or calls into a module of the
repository that does), in an ML project. A plain web app is not judged by them."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, paths, result

SERVING_RULES = ("DEP007", "DEP008", "MON002")

PLAIN_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}
"""
MODEL_APP = """\
import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load("model.joblib")


@app.post("/predict")
def predict(payload: dict):  # a free-form body: FastAPI checks no field of it (DEP007)
    return {"y": float(model.predict([[payload["x"]]])[0])}
"""
APP_VIA_MODULE = """\
from fastapi import FastAPI

from service.model import score

app = FastAPI()


@app.post("/predict")
def predict(x: float):
    return {"y": score(x)}
"""
MODEL_MODULE = """\
import joblib

_model = joblib.load("model.joblib")


def score(x):
    return float(_model.predict([[x]])[0])
"""


@pytest.mark.parametrize("rule_id", SERVING_RULES)
def test_a_web_app_with_no_model_is_not_judged_as_ml_serving(tmp_path: Path, rule_id: str) -> None:
    report = build(tmp_path, {"app/main.py": PLAIN_APP})
    assert result(report, rule_id).status == "not_applicable"


@pytest.mark.parametrize("rule_id", SERVING_RULES)
def test_a_web_app_beside_training_code_but_serving_no_model_is_not_judged(tmp_path: Path, rule_id: str) -> None:
    report = build(tmp_path, {"app/main.py": PLAIN_APP, "train.py": TRAIN})
    assert result(report, rule_id).status == "not_applicable"


@pytest.mark.parametrize("rule_id", SERVING_RULES)
def test_an_app_that_loads_a_model_is_judged(tmp_path: Path, rule_id: str) -> None:
    report = build(tmp_path, {"app/main.py": MODEL_APP, "train.py": TRAIN})
    assert result(report, rule_id).status == "fail"
    assert paths(report, rule_id) <= {"app/main.py", None}


def test_an_app_that_calls_a_local_module_loading_the_model_is_judged(tmp_path: Path) -> None:
    files = {"service/__init__.py": "", "service/app.py": APP_VIA_MODULE, "service/model.py": MODEL_MODULE,
             "train.py": TRAIN}
    report = build(tmp_path, files)
    assert result(report, "MON002").status == "fail"
    assert paths(report, "MON002") == {"service/app.py"}


@pytest.mark.parametrize("rule_id", ["MON003", "MON004"])
def test_a_tools_own_web_api_beside_training_is_not_inference(tmp_path: Path, rule_id: str) -> None:
    """The inference rules (prediction logging, alerting) apply to code that serves or runs a model: a tool's own
    API (pipeline metadata, no model) beside a demo that trains is not inference."""
    report = build(tmp_path, {"train.py": TRAIN, "pkg/api/app.py": PLAIN_APP})
    assert result(report, rule_id).status == "not_applicable"


TRITON_CLIENT = """\
import tritonclient.http as httpclient

client = httpclient.InferenceServerClient(url="localhost:8000")


def infer(inputs):
    return client.infer("yolo", inputs)
"""
HUB_APP = """\
import torch
from flask import Flask, request

app = Flask(__name__)
model = torch.hub.load("ultralytics/yolov5", "yolov5s")


@app.route("/v1/detect", methods=["POST"])
def detect():
    return model(request.files["image"]).pandas().xyxy[0].to_json()
"""


@pytest.mark.parametrize("rule_id", SERVING_RULES)
def test_a_model_server_client_is_not_a_service(tmp_path: Path, rule_id: str) -> None:
    """A Triton client asks a served model for predictions: it serves no requests, so no health route, schema or
    metrics are asked of it."""
    report = build(tmp_path, {"train.py": TRAIN, "utils/triton.py": TRITON_CLIENT})
    assert result(report, rule_id).status == "not_applicable"


def test_an_app_serving_a_torch_hub_model_is_ml_serving(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "api/restapi.py": HUB_APP})
    assert result(report, "DEP008").status == "fail"
    assert paths(report, "DEP008") == {"api/restapi.py"}
