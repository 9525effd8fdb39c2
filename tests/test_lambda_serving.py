"""A service packaged as an AWS Lambda function (its folder's Dockerfile builds on a Lambda base image) has no
probes to answer (DEP008) and gets invocations, duration and errors from Lambda (MON002); the same app in an
ordinary image, or beside a Lambda folder, is still asked for both."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, result

APP = ("import joblib\nfrom fastapi import FastAPI\n\napp = FastAPI()\nmodel = joblib.load('m.joblib')\n\n\n"
       "@app.post('/predict')\ndef predict(x: list[float]) -> float:\n    return float(model.predict([x])[0])\n")
HANDLER = "from app import model\n\n\ndef lambda_handler(event, context):\n    return model.predict([event['x']])\n"


@pytest.mark.parametrize("base", ["public.ecr.aws/lambda/python:3.11", "amazon/aws-lambda-python"])
def test_an_app_in_a_lambda_image_needs_no_probe_nor_metrics(tmp_path: Path, base: str) -> None:
    files = {"train.py": TRAIN, "serverless/app.py": APP, "serverless/handler.py": HANDLER,
             "serverless/Dockerfile": f"FROM {base}\nCOPY . ./\nCMD [\"handler.lambda_handler\"]\n"}
    report = build(tmp_path, files)
    assert result(report, "DEP008").status == "pass"
    assert "AWS Lambda" in (result(report, "DEP008").reason or "")
    assert result(report, "MON002").status == "pass"
    assert "CloudWatch" in (result(report, "MON002").reason or "")


def test_an_app_in_an_ordinary_image_is_asked_for_both(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "serverless/app.py": APP,
             "serverless/Dockerfile": "FROM python:3.11-slim\nCOPY . ./\nCMD [\"uvicorn\", \"app:app\"]\n"}
    report = build(tmp_path, files)
    assert result(report, "DEP008").status == "fail"
    assert result(report, "MON002").status == "fail"


def test_only_the_service_outside_the_lambda_folder_is_flagged(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "lambda/app.py": APP, "api/app.py": APP,
             "lambda/Dockerfile": "FROM public.ecr.aws/lambda/python:3.11\nCOPY . ./\n",
             "api/Dockerfile": "FROM python:3.11-slim\nCOPY . ./\n"}
    report = build(tmp_path, files)
    assert [f.path for f in findings(report, "DEP008")] == ["api/app.py"]
    assert [f.path for f in findings(report, "MON002")] == ["api/app.py"]
