"""rules/knowledge/vertex-ai.yaml: the Vertex AI SDK for Python and Google Cloud Pipeline Components."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

PLATFORM = "Vertex AI"
INIT = "from google.cloud import aiplatform\n\naiplatform.init(project='p', location='europe-west4')\n"


# --------------------------------------------------------------------------- tracking (MOD002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from google.cloud import aiplatform\n\naiplatform.init(project='p', experiment='churn')\n",
                     id="init-experiment"),
        pytest.param(INIT + "aiplatform.start_run('run-1')\naiplatform.log_metrics({'auc': 0.9})\n", id="log-metrics"),
        pytest.param("import google.cloud.aiplatform as aip\n\naip.log_params({'C': 1.0})\n", id="aliased-module"),
        pytest.param("import vertexai\n\nvertexai.init(project='p', experiment='churn')\n", id="vertexai-init"),
    ],
)
def test_vertex_experiments_are_tracking(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD002", {"track.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(INIT, id="init-without-experiment"),
        pytest.param("from google.cloud import aiplatform\n\naiplatform.init(project='p', experiment=None)\n",
                     id="experiment-none"),
    ],
)
def test_init_without_an_experiment_is_not_tracking(tmp_path: Path, code: str) -> None:
    assert audit_rule(tmp_path, "MOD002", {"track.py": code}).status == "fail"


# --------------------------------------------------------------------------- registry (MOD003)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(INIT + "aiplatform.Model.upload(display_name='churn', artifact_uri='gs://b/m', "
                            "serving_container_image_uri='img')\n", id="model-upload"),
        pytest.param("from google.cloud.aiplatform import Model\n\n"
                     "Model.upload_scikit_learn_model_file(model_file_path='model.joblib')\n", id="upload-sklearn"),
        pytest.param(INIT + "job = aiplatform.CustomTrainingJob(display_name='t', script_path='train.py', "
                            "container_uri='img')\nmodel = job.run(model_display_name='churn')\n",
                     id="training-job-with-model"),
        pytest.param("from google_cloud_pipeline_components.v1.model import ModelUploadOp\n\n"
                     "ModelUploadOp(project='p', display_name='churn')\n", id="pipeline-component"),
    ],
)
def test_model_registry_uploads_pass(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"register.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_training_job_without_a_model_registers_nothing(tmp_path: Path) -> None:
    code = INIT + "job = aiplatform.CustomTrainingJob(display_name='t', script_path='train.py', container_uri='i')\n" \
                  "job.run(replica_count=1)\n"
    assert audit_rule(tmp_path, "MOD003", {"launch.py": code}).status == "fail"


def test_listing_models_registers_nothing(tmp_path: Path) -> None:
    code = INIT + "for m in aiplatform.Model.list():\n    print(m.display_name)\n"
    assert audit_rule(tmp_path, "MOD003", {"models.py": code}).status == "fail"


# --------------------------------------------------------------------------- pipeline (AUT003)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(INIT + "aiplatform.PipelineJob(display_name='train', template_path='pipeline.json').submit()\n",
                     id="pipeline-job"),
        pytest.param("from google_cloud_pipeline_components.v1.custom_job import CustomTrainingJobOp\n",
                     id="gcpc"),
    ],
)
def test_vertex_pipelines_pass(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "AUT003", {"run_pipeline.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_custom_job_alone_is_not_a_pipeline(tmp_path: Path) -> None:
    code = INIT + "aiplatform.CustomJob.from_local_script(display_name='t', script_path='train.py').run()\n"
    assert audit_rule(tmp_path, "AUT003", {"launch.py": code}).status == "fail"


# --------------------------------------------------------------------------- schedule (AUT004)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(INIT + "job = aiplatform.PipelineJob(display_name='t', template_path='p.json')\n"
                            "job.create_schedule(display_name='nightly', cron='0 3 * * *')\n", id="create-schedule"),
        pytest.param(INIT + "aiplatform.PipelineJobSchedule(pipeline_job=job, display_name='nightly')"
                            ".create(cron='0 3 * * *')\n", id="pipeline-job-schedule"),
        pytest.param("def schedule(pipeline_job):\n    pipeline_job.create_schedule(display_name='n', cron='@daily')\n",
                     id="job-parameter"),
    ],
)
def test_pipeline_schedules_are_continuous_training(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "AUT004", {"schedule.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_model_monitor_schedule_is_not_retraining(tmp_path: Path) -> None:
    code = ("from vertexai.resources.preview import ml_monitoring\n\n"
            "monitor = ml_monitoring.ModelMonitor.create(display_name='m')\n"
            "monitor.create_schedule(display_name='drift', cron='0 * * * *')\n")
    assert audit_rule(tmp_path, "AUT004", {"monitor.py": code}).status == "fail"


# --------------------------------------------------------------------------- drift (MON001)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from google.cloud.aiplatform import model_monitoring\n\n"
                     "model_monitoring.SkewDetectionConfig(data_source='bq://t', target_field='y')\n", id="v1-configs"),
        pytest.param(INIT + "aiplatform.ModelDeploymentMonitoringJob.create(display_name='m', endpoint='e')\n",
                     id="monitoring-job"),
        pytest.param("from vertexai.resources.preview import ml_monitoring\n", id="v2-ml-monitoring"),
    ],
)
def test_model_monitoring_is_drift_detection(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON001", {"monitor.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_an_endpoint_alone_is_not_drift_detection(tmp_path: Path) -> None:
    code = INIT + "endpoint = aiplatform.Endpoint.create(display_name='churn')\n"
    assert audit_rule(tmp_path, "MON001", {"deploy.py": code}).status == "fail"


# --------------------------------------------------------------------------- alerting (MON004)
def test_monitoring_email_alerts_are_alerting(tmp_path: Path) -> None:
    code = ("from google.cloud.aiplatform import model_monitoring\n\n"
            "model_monitoring.EmailAlertConfig(user_emails=['ml@example.com'])\n")
    res = audit_rule(tmp_path, "MON004", {"monitor.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_cloud_monitoring_alert_policies_are_alerting(tmp_path: Path) -> None:
    code = "from google.cloud import monitoring_v3\n\nclient = monitoring_v3.AlertPolicyServiceClient()\n"
    res = audit_rule(tmp_path, "MON004", {"alerts.py": code})
    assert res.status == "pass"
    assert "Google Cloud Monitoring" in res.reason


def test_a_skew_config_without_alerts_is_not_alerting(tmp_path: Path) -> None:
    code = "from google.cloud.aiplatform import model_monitoring\n\nmodel_monitoring.SkewDetectionConfig()\n"
    assert audit_rule(tmp_path, "MON004", {"monitor.py": code}).status == "fail"


# --------------------------------------------------------------------------- service metrics (MON002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(INIT + "model = aiplatform.Model('projects/p/models/1')\n"
                            "model.deploy(machine_type='n1-standard-2')\n", id="model-deploy"),
        pytest.param(INIT + "aiplatform.Endpoint.create(display_name='churn')\n", id="endpoint-create"),
    ],
)
def test_vertex_endpoints_export_metrics(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON002", {"deploy.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_online_predictions_alone_export_no_metrics(tmp_path: Path) -> None:
    code = INIT + "aiplatform.Endpoint('projects/p/endpoints/1').predict(instances=[[1.0]])\n"
    assert audit_rule(tmp_path, "MON002", {"client.py": code}).status == "fail"
