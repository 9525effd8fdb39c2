"""rules/knowledge/databricks.yaml: Asset Bundles, the Databricks SDK, Lakehouse Monitoring, Model Serving."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

PLATFORM = "Databricks"
BUNDLE = """\
bundle:
  name: churn
resources:
  jobs:
    train:
      name: train-churn
      tasks:
        - task_key: train
          notebook_task:
            notebook_path: ../notebooks/train.py
"""
SCHEDULE = """\
      schedule:
        quartz_cron_expression: "0 0 3 * * ?"
        timezone_id: UTC
"""
SDK = "from databricks.sdk import WorkspaceClient\n\nw = WorkspaceClient()\n"


# --------------------------------------------------------------------------- tracking (MOD002)
def test_bundle_experiments_are_tracking(tmp_path: Path) -> None:
    text = "resources:\n  experiments:\n    churn:\n      name: /Shared/churn\n"
    res = audit_rule(tmp_path, "MOD002", {"resources/ml-artifacts.yml": text})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_bundle_without_experiments_is_not_tracking(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "MOD002", {"databricks.yml": BUNDLE}).status == "fail"


# --------------------------------------------------------------------------- registry (MOD003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"resources/models.yml": "resources:\n  registered_models:\n    churn:\n      name: churn\n"},
                     id="bundle"),
        pytest.param({"infra/model.tf": 'resource "databricks_registered_model" "churn" {\n  name = "churn"\n}\n'},
                     id="terraform"),
    ],
)
def test_registered_models_are_a_registry(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MOD003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_unity_catalog_registry_uri(tmp_path: Path) -> None:
    code = "import mlflow\n\nmlflow.set_registry_uri('databricks-uc')\n"
    res = audit_rule(tmp_path, "MOD003", {"register.py": code})
    assert res.status == "pass"
    assert "MLflow Model Registry" in res.reason


def test_a_job_bundle_registers_nothing(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "MOD003", {"databricks.yml": BUNDLE}).status == "fail"


# --------------------------------------------------------------------------- pipeline (AUT003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"databricks.yml": BUNDLE}, id="bundle-job"),
        pytest.param({"infra/job.tf": 'resource "databricks_job" "train" {\n  name = "train"\n}\n'}, id="terraform"),
        pytest.param({"create_job.py": SDK + "w.jobs.create(name='train', tasks=tasks)\n"}, id="sdk"),
        pytest.param({"resources/jobs.py": "from databricks.bundles.jobs import Job\n"}, id="python-bundle"),
    ],
)
def test_databricks_jobs_are_pipelines(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_bundle_without_jobs_is_not_a_pipeline(tmp_path: Path) -> None:
    text = "bundle:\n  name: churn\ntargets:\n  dev:\n    default: true\n"
    assert audit_rule(tmp_path, "AUT003", {"databricks.yml": text}).status == "fail"


# --------------------------------------------------------------------------- schedule (AUT004)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"databricks.yml": BUNDLE + SCHEDULE}, id="bundle-schedule"),
        pytest.param({"databricks.yml": BUNDLE + "      trigger:\n        file_arrival:\n"
                                                 "          url: /Volumes/main/raw/landing/\n"}, id="file-arrival"),
        pytest.param({"create_job.py": SDK + "from databricks.sdk.service.jobs import CronSchedule\n\n"
                                             "w.jobs.create(name='t', schedule=CronSchedule("
                                             "quartz_cron_expression='0 0 3 * * ?', timezone_id='UTC'))\n"},
                     id="sdk-cron-schedule"),
    ],
)
def test_scheduled_jobs_are_continuous_training(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT004", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_an_unscheduled_job_is_not_continuous_training(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "AUT004", {"databricks.yml": BUNDLE}).status == "fail"


def test_a_monitor_refresh_schedule_in_code_is_not_a_job_schedule(tmp_path: Path) -> None:
    code = ("from databricks.sdk.service.catalog import MonitorCronSchedule\n\n"
            "MonitorCronSchedule(quartz_cron_expression='0 0 3 * * ?', timezone_id='UTC')\n")
    assert audit_rule(tmp_path, "AUT004", {"monitor.py": code}).status == "fail"


# --------------------------------------------------------------------------- drift (MON001)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"monitor.py": SDK + "from databricks.sdk.service.catalog import MonitorInferenceLog\n\n"
                                          "w.quality_monitors.create(table_name='main.ml.preds', "
                                          "inference_log=MonitorInferenceLog(problem_type='classification'))\n"},
                     id="sdk"),
        pytest.param({"monitor.py": "import databricks.lakehouse_monitoring as lm\n\n"
                                    "lm.create_monitor(table_name='main.ml.preds', profile_type=lm.InferenceLog())\n"},
                     id="lakehouse-monitoring-client"),
        pytest.param({"resources/monitor.yml": "resources:\n  quality_monitors:\n    preds:\n"
                                               "      table_name: main.ml.preds\n"}, id="bundle"),
    ],
)
def test_lakehouse_monitors_are_drift_detection(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MON001", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_reading_a_table_is_not_drift_detection(tmp_path: Path) -> None:
    code = SDK + "w.tables.get(full_name='main.ml.preds')\n"
    assert audit_rule(tmp_path, "MON001", {"tables.py": code}).status == "fail"


# --------------------------------------------------------------------------- service metrics (MON002)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"serve.py": SDK + "w.serving_endpoints.create(name='churn', config=config)\n"}, id="sdk"),
        pytest.param({"resources/serving.yml": "resources:\n  model_serving_endpoints:\n    churn:\n"
                                               "      name: churn\n"}, id="bundle"),
    ],
)
def test_model_serving_endpoints_export_metrics(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MON002", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_querying_an_endpoint_exports_no_metrics(tmp_path: Path) -> None:
    code = SDK + "w.serving_endpoints.query(name='churn', dataframe_records=[{'x': 1}])\n"
    assert audit_rule(tmp_path, "MON002", {"client.py": code}).status == "fail"


# --------------------------------------------------------------------------- data versioning (DAT003)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from databricks.feature_engineering import FeatureEngineeringClient\n", id="feature-engineering"),
        pytest.param("from databricks.feature_store import FeatureStoreClient\n", id="feature-store"),
    ],
)
def test_feature_tables_are_versioned_data(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "DAT003", {"features.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_the_workspace_client_alone_versions_no_data(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "DAT003", {"workspace.py": SDK}).status == "fail"
