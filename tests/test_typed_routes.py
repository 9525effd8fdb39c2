"""FastAPI validates a route's typed parameters itself (``text: str`` as a query parameter, ``x: list[float]`` as
the body), answering 422 to bad input: a service whose every route handler types each parameter validates its
requests (DEP007) with no schema class of its own. An untyped parameter, the raw ``Request``, a free-form
``dict`` body, or a Flask app (which checks nothing) still fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result

HEAD = ("import joblib\nfrom fastapi import FastAPI, Query, Request\n\napp = FastAPI()\n"
        "model = joblib.load('m.joblib')\n\n\n")


@pytest.mark.parametrize("route", [
    "@app.get('/predict')\nasync def get_prediction(text: str):\n    return model.predict([text])\n",
    "@app.post('/predict')\ndef predict(x: list[float]) -> float:\n    return float(model.predict([x])[0])\n",
    "@app.get('/predict')\n@cache\ndef predict(\n    text: str = Query(..., max_length=500),\n    k: int = 3,\n):\n"
    "    return model.predict([text])\n",
], ids=["query-parameter", "typed-body", "query-with-default-over-lines"])
def test_typed_route_parameters_are_validated_by_fastapi(tmp_path: Path, route: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "app.py": HEAD + route})
    assert result(report, "DEP007").status == "pass"
    assert result(report, "DEP007").reason == "FastAPI validates the typed parameters of every route (app.py), " \
        "answering 422"


@pytest.mark.parametrize("route", [
    "@app.post('/predict')\ndef predict(payload):\n    return model.predict([payload])\n",
    "@app.post('/predict')\nasync def predict(request: Request):\n    return model.predict([await request.json()])\n",
    "@app.post('/predict')\ndef predict(payload: dict):\n    return model.predict([payload['x']])\n",
    "@app.post('/predict')\ndef predict(payload: Features):\n    return model.predict([payload.x])\n",
    "@app.get('/predict')\ndef predict(text: str):\n    return model.predict([text])\n\n\n"
    "@app.post('/batch')\ndef batch(rows):\n    return model.predict(rows)\n",
], ids=["untyped", "raw-request", "free-form-dict", "a-class-not-known-as-a-schema", "one-route-untyped"])
def test_untyped_or_raw_parameters_are_not(tmp_path: Path, route: str) -> None:
    assert result(build(tmp_path, {"train.py": TRAIN, "app.py": HEAD + route}), "DEP007").status == "fail"


def test_a_flask_route_is_not_validated_by_its_signature(tmp_path: Path) -> None:
    app = ("import joblib\nfrom flask import Flask, request\n\napp = Flask(__name__)\nmodel = joblib.load('m.joblib')"
           "\n\n\n@app.post('/predict')\ndef predict(text: str = ''):\n    return str(model.predict([request.json]))\n")
    assert result(build(tmp_path, {"train.py": TRAIN, "app.py": app}), "DEP007").status == "fail"
