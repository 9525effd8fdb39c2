"""rules/knowledge/zenml.yaml: metadata logging, the Model Control Plane, schedules and data validators."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

PLATFORM = "ZenML"


# --------------------------------------------------------------------------- tracking (MOD002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from zenml import log_metadata, step\n\n\n@step\ndef evaluate() -> None:\n"
                     "    log_metadata(metadata={'auc': 0.9})\n", id="log-metadata"),
        pytest.param("from zenml import log_model_metadata\n\nlog_model_metadata(metadata={'auc': 0.9})\n",
                     id="log-model-metadata"),
        pytest.param("from zenml import step\n\n\n@step(experiment_tracker='mlflow_tracker')\n"
                     "def train() -> None:\n    pass\n", id="experiment-tracker"),
    ],
)
def test_zenml_metadata_is_tracking(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD002", {"steps.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from zenml import pipeline, step\n\n\n@step\ndef train() -> None:\n    pass\n", id="plain-step"),
        pytest.param("from zenml import step\n\n\n@step(enable_cache=False)\ndef train() -> None:\n    pass\n",
                     id="step-options"),
    ],
)
def test_a_plain_step_is_not_tracking(tmp_path: Path, code: str) -> None:
    assert audit_rule(tmp_path, "MOD002", {"steps.py": code}).status == "fail"


# --------------------------------------------------------------------------- registry (MOD003)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from zenml import Model, pipeline\n\n\n@pipeline(model=Model(name='churn', version='1.0.5'))\n"
                     "def training() -> None:\n    pass\n", id="model"),
        pytest.param("from zenml import Model\n\nmodel = Model(name='churn', version='latest')\n"
                     "model.set_stage('production', force=True)\n", id="set-stage"),
        pytest.param("from zenml.model.model_version import ModelVersion\n\nModelVersion(name='churn')\n",
                     id="model-version-0.5x"),
    ],
)
def test_the_model_control_plane_is_a_registry(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"pipeline.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_pipeline_without_a_model_registers_nothing(tmp_path: Path) -> None:
    code = "from zenml import pipeline\n\n\n@pipeline(enable_cache=True)\ndef training() -> None:\n    pass\n"
    assert audit_rule(tmp_path, "MOD003", {"pipeline.py": code}).status == "fail"


# --------------------------------------------------------------------------- schedule (AUT004)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from zenml.config.schedule import Schedule\n\n"
                     "training.with_options(schedule=Schedule(cron_expression='0 3 * * *'))()\n", id="config-schedule"),
        pytest.param("from zenml.pipelines import Schedule\n\nSchedule(interval_second=86400)\n", id="legacy-import"),
    ],
)
def test_zenml_schedules_are_continuous_training(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "AUT004", {"run.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_running_a_pipeline_once_is_not_a_schedule(tmp_path: Path) -> None:
    code = "from pipelines import training\n\ntraining.with_options(enable_cache=False)()\n"
    assert audit_rule(tmp_path, "AUT004", {"run.py": code}).status == "fail"


# --------------------------------------------------------------------------- drift and data validation
def test_the_evidently_integration_is_drift_detection(tmp_path: Path) -> None:
    code = "from zenml.integrations.evidently.steps import evidently_report_step\n"
    res = audit_rule(tmp_path, "MON001", {"drift.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_deployer_integration_is_not_drift_detection(tmp_path: Path) -> None:
    code = "from zenml.integrations.mlflow.steps import mlflow_model_deployer_step\n"
    assert audit_rule(tmp_path, "MON001", {"deploy.py": code}).status == "fail"


def test_the_great_expectations_integration_validates_data(tmp_path: Path) -> None:
    code = "from zenml.integrations.great_expectations.steps import great_expectations_validator_step\n"
    res = audit_rule(tmp_path, "DAT004", {"validate.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


# --------------------------------------------------------------------------- alerting (MON004)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from zenml.client import Client\n\nalerter = Client().active_stack.alerter\n\n\n"
                     "def notify() -> None:\n    alerter.post('training failed')\n", id="stack-alerter-post"),
        pytest.param("from zenml.client import Client\n\n\ndef approve() -> bool:\n"
                     "    return Client().active_stack.alerter.ask('promote?')\n", id="stack-alerter-ask"),
        pytest.param("from zenml.integrations.slack.steps.slack_alerter_post_step import slack_alerter_post_step\n\n"
                     "slack_alerter_post_step('drift found')\n", id="alerter-step"),
    ],
)
def test_the_stack_alerter_is_alerting(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON004", {"alerts.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_reading_the_stack_is_not_alerting(tmp_path: Path) -> None:
    code = ("from zenml.client import Client\n\nstack = Client().active_stack\n\n\n"
            "def show() -> None:\n    print(stack.name, stack.orchestrator.flavor)\n")
    assert audit_rule(tmp_path, "MON004", {"alerts.py": code}).status == "fail"
