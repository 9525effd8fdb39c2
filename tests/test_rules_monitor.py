"""Monitor pillar: MON001 (drift), MON002 (service metrics), MON003 (prediction logging), MON004 (alerting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, locations, result
from repo_builder import status

SERVE = ("from fastapi import FastAPI\nfrom transformers import pipeline\n\napp = FastAPI()\n"
         "classify = pipeline(\"sentiment-analysis\")\n")
"""A service that serves a model (ML serving: the serving rules apply)."""
PREDICT = "import joblib\n\n\ndef predict(rows):\n    return joblib.load('model.joblib').predict(rows)\n"
"""A batch-inference module: it loads a model and predicts."""


# --------------------------------------------------------------------------- MON001
def test_mon001_no_drift_detection_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "MON001") == "fail"
    assert locations(report, "MON001") == [(None, None, None)]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from scipy.stats import ks_2samp\n\np = ks_2samp(a, b).pvalue\n", id="ks_2samp"),
        pytest.param("import scipy.stats as st\n\nd = st.wasserstein_distance(a, b)\n", id="wasserstein"),
        pytest.param("from evidently.report import Report\n", id="evidently"),
        pytest.param("import nannyml\n", id="nannyml"),
        pytest.param("from alibi_detect.cd import KSDrift\n", id="alibi-detect"),
        pytest.param("def psi(a, b):\n    return 0\n\n\nscore = psi(a, b)\n", id="psi-function"),
    ],
)
def test_mon001_drift_checks_pass(tmp_path: Path, code: str) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, "monitor/drift.py": code}), "MON001") == "pass"


def test_mon001_drift_only_in_tests_does_not_count(tmp_path: Path) -> None:
    test = "from scipy.stats import ks_2samp\n\n\ndef test_x():\n    assert ks_2samp([1], [1]).pvalue\n"
    assert status(build(tmp_path, {"train.py": TRAIN, "tests/test_drift.py": test}), "MON001") == "fail"


def test_mon001_not_applicable_without_a_model(tmp_path: Path) -> None:
    report = build(tmp_path, {"eda.py": "import sklearn\n"})
    assert status(report, "MON001") == "not_applicable"


# --------------------------------------------------------------------------- MON002
def test_mon002_service_without_metrics_fires_on_the_app(tmp_path: Path) -> None:
    report = build(tmp_path, {"api/main.py": SERVE})
    assert status(report, "MON002") == "fail"
    assert locations(report, "MON002") == [("api/main.py", None, None)]


@pytest.mark.parametrize(
    "module",
    ["prometheus_client", "prometheus_fastapi_instrumentator", "opentelemetry.instrumentation.fastapi", "statsd"],
)
def test_mon002_metrics_libraries_pass(tmp_path: Path, module: str) -> None:
    report = build(tmp_path, {"api/main.py": SERVE, "api/metrics.py": f"import {module}\n"})
    assert status(report, "MON002") == "pass"


def test_mon002_not_applicable_without_serving(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "MON002") == "not_applicable"
    assert result(report, "MON002").reason.startswith("no model serving code")


# --------------------------------------------------------------------------- MON003
def test_mon003_unlogged_predictions_fire_on_the_inference_file(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "src/predict.py": PREDICT, "src/util.py": "import logging\nlogging.info('x')\n"}
    report = build(tmp_path, files)
    assert status(report, "MON003") == "fail"
    assert locations(report, "MON003") == [("src/predict.py", None, None)]


@pytest.mark.parametrize(
    "logging_code",
    [
        pytest.param("import logging\nlogging.info('scored')\n", id="logging-module"),
        pytest.param("import logging\nlogger = logging.getLogger(__name__)\n", id="getLogger"),
        pytest.param("from loguru import logger\nlogger.info('scored')\n", id="loguru"),
        pytest.param("import structlog\nstructlog.get_logger().info('scored')\n", id="structlog"),
        pytest.param("def run(df):\n    df.to_parquet('scores.parquet')\n", id="batch-scores-written"),
        pytest.param("def run(p):\n    log_prediction(p)\n", id="log_prediction"),
    ],
)
def test_mon003_logging_in_inference_code_passes(tmp_path: Path, logging_code: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "src/predict.py": PREDICT + logging_code})
    assert status(report, "MON003") == "pass"


def test_mon003_not_applicable_without_inference(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "MON003") == "not_applicable"
    assert result(report, "MON003").reason == "no serving or inference code"


# --------------------------------------------------------------------------- MON004
def test_mon004_no_alerting_fires(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "src/predict.py": PREDICT, "monitoring/dashboard.yml": "panels: []\n"}
    report = build(tmp_path, files)
    assert status(report, "MON004") == "fail"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"monitoring/alerts.yml": "groups:\n- rules:\n  - alert: Drift\n    expr: drift > 0.2\n"},
                     id="prometheus-rules"),
        pytest.param({"ops/alertmanager.yml": "route: {}\n"}, id="alertmanager"),
        pytest.param({"ops/model.alert.rules": "x\n"}, id="rules-file"),
        pytest.param({"ops/grafana/provisioning/alerting.yaml": "x: 1\n"}, id="grafana"),
        pytest.param({"src/notify.py": "from slack_sdk import WebClient\n"}, id="slack-client"),
    ],
)
def test_mon004_alerting_passes(tmp_path: Path, extra: dict[str, str]) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "src/predict.py": PREDICT, **extra})
    assert status(report, "MON004") == "pass"


def test_mon004_alert_word_without_expr_does_not_count(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "src/predict.py": PREDICT, "notes.yml": "- alert: remember to add alerts\n"}
    assert status(build(tmp_path, files), "MON004") == "fail"


def test_mon004_not_applicable_without_inference(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN}), "MON004") == "not_applicable"
