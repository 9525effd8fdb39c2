"""rules/knowledge/sagemaker.yaml: the SageMaker Python SDK (v2 and v3), boto3 and infrastructure as code."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

PLATFORM = "Amazon SageMaker"
ESTIMATOR = ("from sagemaker.sklearn.estimator import SKLearn\n\n"
             "estimator = SKLearn(entry_point='train.py', role=role, instance_type='ml.m5.large', "
             "framework_version='1.2-1')\n")


# --------------------------------------------------------------------------- tracking (MOD002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from sagemaker.experiments.run import Run\n\nwith Run(experiment_name='churn') as run:\n"
                     "    run.log_metric(name='auc', value=0.9)\n", id="experiments-run"),
        pytest.param("from sagemaker.experiments import load_run\n\nwith load_run() as run:\n"
                     "    run.log_parameter('C', 1.0)\n", id="load-run"),
        pytest.param("from sagemaker.core.experiments.run import Run\n", id="sdk-v3"),
        pytest.param("from smexperiments.tracker import Tracker\n", id="sagemaker-experiments-package"),
        pytest.param("from sagemaker.estimator import Estimator\n\n"
                     "Estimator(image_uri=img, role=role, metric_definitions=[{'Name': 'auc', 'Regex': 'auc=(.*)'}])\n",
                     id="metric-definitions"),
        pytest.param("from sagemaker.workflow.pipeline import Pipeline\n\n"
                     "Pipeline(name='churn', steps=[step_train, step_register]).upsert(role_arn=role)\n",
                     id="pipeline-executions-are-experiment-runs"),
        pytest.param("from sagemaker.workflow.pipeline import Pipeline\n"
                     "from sagemaker.workflow.pipeline_experiment_config import PipelineExperimentConfig\n\n"
                     "Pipeline(name='churn', steps=steps,\n"
                     "         pipeline_experiment_config=PipelineExperimentConfig('churn-exp', 'run-1'))\n",
                     id="pipeline-with-its-own-experiment"),
    ],
)
def test_sagemaker_experiments_are_tracking(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD002", {"launch.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_an_estimator_without_metrics_is_not_tracking(tmp_path: Path) -> None:
    code = ESTIMATOR + "estimator.fit({'train': 's3://bucket/train'})\n"
    assert audit_rule(tmp_path, "MOD002", {"launch.py": code}).status == "fail"


def test_a_pipeline_with_experiments_turned_off_is_not_tracking(tmp_path: Path) -> None:
    code = ("from sagemaker.workflow.pipeline import Pipeline\n\n"
            "Pipeline(name='churn', steps=steps, pipeline_experiment_config=None)\n")
    assert audit_rule(tmp_path, "MOD002", {"launch.py": code}).status == "fail"


def test_an_estimator_launcher_is_not_training(tmp_path: Path) -> None:
    """The SDK is no ML library: a launcher alone makes no training (MOD004 is about the entry-point script)."""
    code = ESTIMATOR + "estimator.fit({'train': 's3://bucket/train'})\n"
    res = audit_rule(tmp_path, "MOD004", {"launch.py": code})
    assert res.status == "fail"
    assert [f.path for f in res.findings] == ["train.py"]


# --------------------------------------------------------------------------- registry (MOD003)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(ESTIMATOR + "estimator.register(content_types=['text/csv'], response_types=['text/csv'], "
                                 "model_package_group_name='churn')\n", id="estimator-register"),
        pytest.param("def register(model):\n    model.register(model_package_group_name='churn')\n",
                     id="register-parameter"),
        pytest.param("from sagemaker.workflow.step_collections import RegisterModel\n\n"
                     "RegisterModel(name='Register', estimator=est, model_package_group_name='churn')\n",
                     id="pipeline-register-model"),
        pytest.param("import boto3\n\nsm = boto3.client('sagemaker')\n"
                     "sm.create_model_package(ModelPackageGroupName='churn')\n", id="boto3"),
        pytest.param("from sagemaker.core.resources import ModelPackageGroup\n\n"
                     "ModelPackageGroup.create(model_package_group_name='churn')\n", id="sdk-v3-resources"),
    ],
)
def test_model_packages_are_a_registry(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"register.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


@pytest.mark.parametrize("path", ["infra/template.yaml", "infra/registry.tf"])
def test_model_package_groups_as_infrastructure(tmp_path: Path, path: str) -> None:
    text = ("Resources:\n  Group:\n    Type: AWS::SageMaker::ModelPackageGroup\n" if path.endswith(".yaml")
            else 'resource "aws_sagemaker_model_package_group" "churn" {\n  model_package_group_name = "churn"\n}\n')
    res = audit_rule(tmp_path, "MOD003", {path: text})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_deploying_a_model_registers_nothing(tmp_path: Path) -> None:
    code = ESTIMATOR + "estimator.fit(inputs)\nestimator.deploy(initial_instance_count=1, instance_type='ml.m5.xl')\n"
    assert audit_rule(tmp_path, "MOD003", {"launch.py": code}).status == "fail"


# --------------------------------------------------------------------------- pipeline (AUT003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pipeline.py": "from sagemaker.workflow.pipeline import Pipeline\n"}, id="sdk-v2"),
        pytest.param({"pipeline.py": "from sagemaker.mlops.workflow.pipeline import Pipeline\n"}, id="sdk-v3"),
        pytest.param({"infra/stack.yaml": "Resources:\n  Pipeline:\n    Type: AWS::SageMaker::Pipeline\n"}, id="cfn"),
        pytest.param({"build/pipeline-definition.json": '{"Version": "2020-12-01", "Steps": []}\n'}, id="json"),
    ],
)
def test_sagemaker_pipelines_pass(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_training_job_launch_is_not_a_pipeline(tmp_path: Path) -> None:
    code = ESTIMATOR + "estimator.fit({'train': 's3://bucket/train'})\n"
    assert audit_rule(tmp_path, "AUT003", {"launch.py": code}).status == "fail"


# --------------------------------------------------------------------------- schedule (AUT004)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"schedule.py": "from sagemaker.workflow.triggers import PipelineSchedule\n\n"
                                     "pipeline.put_triggers(triggers=[PipelineSchedule(cron='0 3 * * ? *')], "
                                     "role_arn=role)\n"}, id="pipeline-schedule"),
        pytest.param({"schedule.py": "import boto3\n\nevents = boto3.client('events')\n"
                                     "events.put_rule(Name='nightly', ScheduleExpression='rate(1 day)')\n"},
                     id="eventbridge-rule"),
        pytest.param({"schedule.py": "import boto3\n\nboto3.client('scheduler').create_schedule(Name='n', "
                                     "ScheduleExpression='cron(0 3 * * ? *)', Target=target)\n"},
                     id="eventbridge-scheduler"),
        pytest.param({"infra/events.tf": 'resource "aws_cloudwatch_event_target" "retrain" {\n'
                                         '  sagemaker_pipeline_target {\n  }\n}\n'}, id="terraform-target"),
    ],
)
def test_scheduled_pipelines_are_continuous_training(tmp_path: Path, files: dict[str, str]) -> None:
    assert audit_rule(tmp_path, "AUT004", files).status == "pass"


def test_an_event_rule_without_a_schedule_is_not_retraining(tmp_path: Path) -> None:
    code = "import boto3\n\nboto3.client('events').put_rule(Name='on-push', EventPattern='{}')\n"
    assert audit_rule(tmp_path, "AUT004", {"events.py": code}).status == "fail"


# --------------------------------------------------------------------------- drift (MON001)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from sagemaker.model_monitor import DefaultModelMonitor\n\n"
                     "monitor = DefaultModelMonitor(role=role, instance_count=1, instance_type='ml.m5.large')\n"
                     "monitor.suggest_baseline(baseline_dataset='s3://b/train.csv')\n", id="default-monitor"),
        pytest.param("from sagemaker.model_monitor import ModelQualityMonitor\n\nModelQualityMonitor(role=role)\n",
                     id="model-quality"),
        pytest.param("def schedule(monitor):\n    monitor.create_monitoring_schedule(endpoint_input='churn')\n",
                     id="create-monitoring-schedule"),
        pytest.param("from sagemaker.workflow.quality_check_step import QualityCheckStep\n\n"
                     "QualityCheckStep(name='DataDrift', quality_check_config=cfg, check_job_config=job)\n",
                     id="quality-check-step"),
    ],
)
def test_model_monitor_is_drift_detection(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON001", {"monitor.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_data_capture_alone_is_not_drift_detection(tmp_path: Path) -> None:
    code = ("from sagemaker.model_monitor import DataCaptureConfig\n\n"
            "capture = DataCaptureConfig(enable_capture=True, destination_s3_uri='s3://b/capture')\n")
    assert audit_rule(tmp_path, "MON001", {"deploy.py": code}).status == "fail"


def test_a_monitoring_schedule_as_infrastructure(tmp_path: Path) -> None:
    text = 'resource "aws_sagemaker_monitoring_schedule" "drift" {\n  name = "drift"\n}\n'
    res = audit_rule(tmp_path, "MON001", {"infra/monitor.tf": text})
    assert res.status == "pass"
    assert PLATFORM in res.reason


# --------------------------------------------------------------------------- data validation (DAT004)
def test_a_data_quality_check_step_validates_data(tmp_path: Path) -> None:
    code = ("from sagemaker.workflow.quality_check_step import DataQualityCheckConfig\n\n"
            "DataQualityCheckConfig(baseline_dataset='s3://b/train.csv', dataset_format=fmt)\n")
    res = audit_rule(tmp_path, "DAT004", {"pipeline_checks.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_model_quality_check_does_not_validate_data(tmp_path: Path) -> None:
    code = "from sagemaker.workflow.quality_check_step import ModelQualityCheckConfig\n\nModelQualityCheckConfig()\n"
    assert audit_rule(tmp_path, "DAT004", {"pipeline_checks.py": code}).status == "fail"


# --------------------------------------------------------------------------- alerting (MON004)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"alarms.py": "import boto3\n\nboto3.client('cloudwatch').put_metric_alarm(AlarmName='latency', "
                                   "AlarmActions=[topic])\n"}, id="put-metric-alarm"),
        pytest.param({"infra/alarms.tf": 'resource "aws_cloudwatch_metric_alarm" "latency" {\n}\n'}, id="terraform"),
    ],
)
def test_cloudwatch_alarms_are_alerting(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MON004", files)
    assert res.status == "pass"
    assert "Amazon CloudWatch" in res.reason


def test_reading_metrics_is_not_alerting(tmp_path: Path) -> None:
    code = "import boto3\n\nboto3.client('cloudwatch').get_metric_data(MetricDataQueries=[])\n"
    assert audit_rule(tmp_path, "MON004", {"report.py": code}).status == "fail"


# --------------------------------------------------------------------------- service metrics (MON002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param(ESTIMATOR + "estimator.deploy(initial_instance_count=1, instance_type='ml.m5.large')\n",
                     id="sdk-deploy"),
        pytest.param("import boto3\n\nboto3.client('sagemaker').create_endpoint(EndpointName='churn', "
                     "EndpointConfigName='churn-v2')\n", id="boto3"),
    ],
)
def test_sagemaker_endpoints_export_metrics(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON002", {"deploy.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_invoking_an_endpoint_exports_no_metrics(tmp_path: Path) -> None:
    code = "import boto3\n\nboto3.client('sagemaker-runtime').invoke_endpoint(EndpointName='churn', Body=b'1')\n"
    assert audit_rule(tmp_path, "MON002", {"client.py": code}).status == "fail"
