"""rules/knowledge/azure-ml.yaml: Azure Machine Learning SDK v1, SDK v2 and CLI v2 specifications."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

PLATFORM = "Azure Machine Learning"
V2_CLIENT = ("from azure.ai.ml import MLClient\nfrom azure.identity import DefaultAzureCredential\n\n"
             "ml_client = MLClient.from_config(credential=DefaultAzureCredential())\n")


def schema_yaml(schema: str, body: str = "name: x\n") -> str:
    return f"$schema: https://azuremlschemas.azureedge.net/latest/{schema}.schema.json\n{body}"


# --------------------------------------------------------------------------- tracking (MOD002)
@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from azureml.core import Run\n\nrun = Run.get_context()\nrun.log('acc', 0.9)\n", id="run-log"),
        pytest.param("from azureml.core import Run\n\nRun.get_context().log_row('roc', fpr=0.1, tpr=0.9)\n",
                     id="log-row"),
        pytest.param("from azureml.core import Experiment, Workspace\n\n"
                     "exp = Experiment(Workspace.from_config(), 'x')\n"
                     "run = exp.start_logging()\nrun.log_list('loss', [0.3, 0.2])\n", id="start-logging"),
    ],
)
def test_v1_run_logging_is_tracking(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD002", {"log_metrics.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_workspace_alone_is_not_tracking(tmp_path: Path) -> None:
    code = "from azureml.core import Workspace\n\nws = Workspace.from_config()\nprint(ws.name)\n"
    assert audit_rule(tmp_path, "MOD002", {"setup.py": code}).status == "fail"


def test_a_command_job_is_not_tracking(tmp_path: Path) -> None:
    code = V2_CLIENT + "from azure.ai.ml import command\n\njob = command(code='src', command='python train.py')\n" \
                       "ml_client.jobs.create_or_update(job)\n"
    assert audit_rule(tmp_path, "MOD002", {"submit.py": code}).status == "fail"


# --------------------------------------------------------------------------- registry (MOD003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"register.py": "from azureml.core import Model, Workspace\n\n"
                                     "Model.register(workspace=Workspace.from_config(), model_path='m.pkl', "
                                     "model_name='churn')\n"}, id="v1-model-register"),
        pytest.param({"register.py": "from azureml.core import Run\n\nrun = Run.get_context()\n"
                                     "run.register_model(model_name='churn', model_path='outputs/model')\n"},
                     id="v1-run-register-model"),
        pytest.param({"register.py": V2_CLIENT + "from azure.ai.ml.entities import Model\n\n"
                                                 "model = Model(path='m.pkl', name='churn')\n"
                                                 "ml_client.models.create_or_update(model)\n"}, id="v2-bound-client"),
        pytest.param({"register.py": "def register(ml_client, model):\n"
                                     "    return ml_client.models.create_or_update(model)\n"},
                     id="v2-client-parameter"),
        pytest.param({"deploy/model.yml": schema_yaml("model", "name: churn\npath: ../models/model.pkl\n")},
                     id="v2-model-yaml"),
    ],
)
def test_model_registration_is_a_registry(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MOD003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_reading_the_registry_is_not_registering(tmp_path: Path) -> None:
    code = V2_CLIENT + "model = ml_client.models.get(name='churn', version='3')\nprint(model.path)\n"
    assert audit_rule(tmp_path, "MOD003", {"fetch.py": code}).status == "fail"


# --------------------------------------------------------------------------- pipeline (AUT003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pipeline.py": "from azure.ai.ml import dsl\n\n\n@dsl.pipeline(compute='cpu')\n"
                                     "def train_pipeline():\n    pass\n"}, id="v2-dsl"),
        pytest.param({"pipeline.py": "from azureml.pipeline.core import Pipeline\nfrom azureml.pipeline.steps "
                                     "import PythonScriptStep\n"}, id="v1-pipeline"),
        pytest.param({"jobs/pipeline.yml": schema_yaml("pipelineJob", "type: pipeline\njobs:\n  train:\n"
                                                                      "    type: command\n")}, id="v2-yaml"),
    ],
)
def test_pipelines_pass(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_command_job_running_the_training_script_is_its_pipeline(tmp_path: Path) -> None:
    # as a Makefile ``train`` target is: the job spec is how training is run, reproducibly (AUT003's docs)
    files = {"jobs/train.yml": schema_yaml("commandJob", "type: command\ncommand: python train.py\n"
                                           "environment: azureml:sklearn@latest\ncompute: azureml:cpu\n")}
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert res.reason == "Azure Machine Learning job (jobs/train.yml) runs train.py"


def test_a_command_job_running_no_training_is_not_a_pipeline(tmp_path: Path) -> None:
    files = {"prepare.py": "print('prepare')\n",
             "jobs/prepare.yml": schema_yaml("commandJob", "type: command\ncommand: python prepare.py\n")}
    assert audit_rule(tmp_path, "AUT003", files).status == "fail"


# --------------------------------------------------------------------------- schedule (AUT004)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"schedule.py": "from azure.ai.ml.entities import CronTrigger, JobSchedule\n\n"
                                     "trigger = CronTrigger(expression='0 3 * * *')\n"
                                     "JobSchedule(name='nightly', trigger=trigger, create_job='pipeline.yml')\n"},
                     id="v2-job-schedule"),
        pytest.param({"schedule.py": "from azureml.pipeline.core import Schedule, ScheduleRecurrence\n\n"
                                     "Schedule.create(ws, name='nightly', pipeline_id='p', experiment_name='e', "
                                     "recurrence=ScheduleRecurrence(frequency='Day', interval=1))\n"},
                     id="v1-schedule"),
        pytest.param({"jobs/schedule.yml": schema_yaml("schedule", "trigger:\n  type: cron\n  expression: '0 3 * * *'\n"
                                                                   "create_job: ./pipeline.yml\n")}, id="v2-yaml"),
    ],
)
def test_job_schedules_are_continuous_training(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT004", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"monitor.py": "from azure.ai.ml.entities import CronTrigger, MonitorSchedule\n\n"
                                    "MonitorSchedule(name='drift', trigger=CronTrigger(expression='0 3 * * *'), "
                                    "create_monitor=None)\n"}, id="monitor-schedule"),
        pytest.param({"jobs/monitor.yml": schema_yaml("monitorSchedule", "create_monitor: {}\n")}, id="monitor-yaml"),
    ],
)
def test_a_monitor_schedule_is_not_retraining(tmp_path: Path, files: dict[str, str]) -> None:
    assert audit_rule(tmp_path, "AUT004", files).status == "fail"


# --------------------------------------------------------------------------- drift (MON001)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"monitor.py": "from azure.ai.ml.entities import DataDriftSignal, MonitorDefinition\n\n"
                                    "signals = {'drift': DataDriftSignal()}\n"
                                    "definition = MonitorDefinition(monitoring_signals=signals)\n"},
                     id="v2-monitor-definition"),
        pytest.param({"monitor.py": "from azureml.datadrift import DataDriftDetector\n"}, id="v1-datadrift"),
        pytest.param({"monitoring/monitor.yml": schema_yaml("monitorSchedule", "create_monitor: {}\n")},
                     id="v2-yaml"),
    ],
)
def test_model_monitors_are_drift_detection(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MON001", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_job_schedule_is_not_drift_detection(tmp_path: Path) -> None:
    code = "from azure.ai.ml.entities import JobSchedule\n\nJobSchedule(name='n', trigger=None, create_job='p')\n"
    assert audit_rule(tmp_path, "MON001", {"schedule.py": code}).status == "fail"


# --------------------------------------------------------------------------- alerting (MON004)
def test_monitor_alert_notifications_are_alerting(tmp_path: Path) -> None:
    code = "from azure.ai.ml.entities import AlertNotification\n\nAlertNotification(emails=['ml@example.com'])\n"
    res = audit_rule(tmp_path, "MON004", {"monitor.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_azure_monitor_metric_alerts_are_alerting(tmp_path: Path) -> None:
    code = ("from azure.mgmt.monitor import MonitorManagementClient\n\nclient = MonitorManagementClient(cred, sub)\n"
            "client.metric_alerts.create_or_update('rg', 'latency', params)\n")
    res = audit_rule(tmp_path, "MON004", {"alerts.py": code})
    assert res.status == "pass"
    assert "Azure Monitor" in res.reason


def test_a_monitor_without_notification_is_not_alerting(tmp_path: Path) -> None:
    code = "from azure.ai.ml.entities import MonitorDefinition\n\nMonitorDefinition(monitoring_signals={})\n"
    assert audit_rule(tmp_path, "MON004", {"monitor.py": code}).status == "fail"


# --------------------------------------------------------------------------- service metrics (MON002)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"deploy.py": "from azure.ai.ml.entities import ManagedOnlineDeployment\n\n"
                                   "ManagedOnlineDeployment(name='blue', endpoint_name='churn', model=model)\n"},
                     id="sdk"),
        pytest.param({"deploy/blue.yml": schema_yaml("managedOnlineDeployment", "endpoint_name: churn\n")},
                     id="yaml"),
    ],
)
def test_managed_online_deployments_export_metrics(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MON002", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_listing_endpoints_exports_no_metrics(tmp_path: Path) -> None:
    code = V2_CLIENT + "for endpoint in ml_client.online_endpoints.list():\n    print(endpoint.name)\n"
    assert audit_rule(tmp_path, "MON002", {"endpoints.py": code}).status == "fail"


# --------------------------------------------------------------------------- request schema (DEP007)
def test_inference_schema_decorators_validate_requests(tmp_path: Path) -> None:
    code = ("from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType\n"
            "from inference_schema.schema_decorators import input_schema\n\n\n"
            "@input_schema('data', NumpyParameterType(sample))\ndef run(data):\n    return data\n")
    res = audit_rule(tmp_path, "DEP007", {"score.py": code})
    assert res.status == "pass"
    assert "inference-schema" in res.reason


def test_a_scoring_script_without_schema_validates_nothing(tmp_path: Path) -> None:
    code = "import json\n\n\ndef init():\n    pass\n\n\ndef run(raw_data):\n    return json.loads(raw_data)\n"
    assert audit_rule(tmp_path, "DEP007", {"score.py": code}).status == "fail"


# --------------------------------------------------------------------------- data versioning (DAT003)
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"data_asset.py": V2_CLIENT + "from azure.ai.ml.entities import Data\n\n"
                                                   "ml_client.data.create_or_update(Data(path='data/train.csv', "
                                                   "name='train', version='2'))\n"}, id="v2-data-asset"),
        pytest.param({"data_asset.py": "from azureml.core import Dataset\n\n"
                                       "ds = Dataset.Tabular.from_delimited_files(path)\n"
                                       "ds.register(workspace=ws, name='train', create_new_version=True)\n"},
                     id="v1-dataset-register"),
        pytest.param({"data/train.yml": schema_yaml("data", "type: uri_file\npath: ./train.csv\n")}, id="v2-yaml"),
    ],
)
def test_data_assets_are_versioned_data(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "DAT003", files)
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_listing_data_assets_versions_nothing(tmp_path: Path) -> None:
    code = V2_CLIENT + "for asset in ml_client.data.list():\n    print(asset.name)\n"
    assert audit_rule(tmp_path, "DAT003", {"assets.py": code}).status == "fail"


REGISTER_ACTION = ("on: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: Azure/aml-registermodel@v1\n        with:\n          azure_credentials: ${{ x }}\n")
V1_PIPELINE = ("pipeline:\n  name: TrainingPipeline\n  default_compute: cpu-cluster\n  steps:\n    Step1:\n"
               "      type: \"PythonScriptStep\"\n      script_name: \"train.py\"\n")


def test_the_register_model_action_is_a_registry(tmp_path: Path) -> None:
    res = audit_rule(tmp_path, "MOD003", {".github/workflows/deploy.yml": REGISTER_ACTION})
    assert res.status == "pass" and "Azure Machine Learning" in res.reason


def test_an_sdk_v1_pipeline_yaml_is_a_pipeline(tmp_path: Path) -> None:
    res = audit_rule(tmp_path, "AUT003", {"pipelines/train_pipeline.yml": V1_PIPELINE})
    assert res.status == "pass" and "Azure Machine Learning" in res.reason


@pytest.mark.parametrize(("rule", "files"), [
    ("MOD003", {"docs/deploy.yml": "# see Azure/aml-registermodel\nsteps: []\n"}),  # not a workflow
    ("AUT003", {"ci/steps.yml": "pipeline:\n  steps:\n    - script: pytest\n"}),  # no Azure ML step type
])
def test_azure_ml_near_misses(tmp_path: Path, rule: str, files: dict[str, str]) -> None:
    assert audit_rule(tmp_path, rule, files).status == "fail"
