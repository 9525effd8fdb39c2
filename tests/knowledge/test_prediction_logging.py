"""The ``prediction_logging`` knowledge (azure-ml.yaml, sagemaker.yaml, vertex-ai.yaml): a platform that records the
requests and predictions of a deployed model logs its predictions (MON003), though no logging call is made in
the inference code."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(("files", "platform"), [
    pytest.param({"score.py": "from azureml.monitoring import ModelDataCollector\n\n\ndef init():\n"
                              "    global inputs_dc\n"
                              "    inputs_dc = ModelDataCollector('model', designation='inputs')\n"},
                 "Azure Machine Learning", id="azure-ml-v1-data-collector"),
    pytest.param({"score.py": "from azureml.ai.monitoring import Collector\n\n"
                              "collector = Collector(name='model_inputs')\n"},
                 "Azure Machine Learning", id="azure-ml-v2-collector"),
    pytest.param({"deploy.py": "from sagemaker.model_monitor import DataCaptureConfig\n\n"
                               "capture = DataCaptureConfig(enable_capture=True, destination_s3_uri='s3://b/c')\n"},
                 "Amazon SageMaker", id="sagemaker-data-capture"),
    pytest.param({"deploy.py": "from google.cloud import aiplatform\n\nendpoint = aiplatform.Endpoint.create("
                               "display_name='e', enable_request_response_logging=True)\n"},
                 "Vertex AI", id="vertex-request-response-logging"),
])
def test_a_platforms_capture_of_predictions_is_prediction_logging(tmp_path: Path, files: dict[str, str],
                                                                   platform: str) -> None:
    res = audit_rule(tmp_path, "MON003", files)
    assert res.status == "pass"
    assert platform in res.reason


@pytest.mark.parametrize("files", [
    {"deploy.py": "from google.cloud import aiplatform\n\naiplatform.Endpoint.create(display_name='e', "
                  "enable_request_response_logging=False)\n"},
    {"deploy.py": "from acme.monitoring import ModelDataCollector\n\nModelDataCollector('m')\n"},
], ids=["logging-turned-off", "a-collector-of-another-library"])
def test_prediction_logging_near_misses(tmp_path: Path, files: dict[str, str]) -> None:
    assert audit_rule(tmp_path, "MON003", files).status == "fail"
