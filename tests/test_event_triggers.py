"""Continuous training started by an event (issue 13, AUT004): a cloud function that an event starts (a Pub/Sub
message, a new file, a queue message, a timer) and that submits a training pipeline or job retrains the model
without anyone asking. Google Cloud Functions (deployed with an event trigger, or CloudEvents code), AWS Lambda
(SAM and Serverless Framework event sources), Azure Functions (function.json bindings, the v2 decorators).

Near misses that must still fail: an event function that starts no pipeline or job, an HTTP-triggered function,
a pipeline submitted from a plain script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result
from repo_builder import notebook

VERTEX_SUBMIT = """\
from google.cloud import aiplatform


def run(event, context):
    job = aiplatform.PipelineJob(display_name="train", template_path="gs://b/pipeline.json")
    job.submit()
"""
NO_SUBMIT = """\
from google.cloud import storage


def run(event, context):
    storage.Client().bucket("b").blob("seen.txt").upload_from_string("ok")
"""
SAGEMAKER_START = """\
import boto3


def handler(event, context):
    boto3.client("sagemaker").start_pipeline_execution(PipelineName="train")
"""
AZURE_SUBMIT = """\
import azure.functions as func
from azure.ai.ml import MLClient, load_job
from azure.identity import DefaultAzureCredential


def main(msg: func.QueueMessage) -> None:
    ml_client = MLClient.from_config(DefaultAzureCredential())
    ml_client.jobs.create_or_update(load_job("pipeline.yml"))
"""
DEPLOY = ("gcloud functions deploy retrain-fn --region=europe-west1 --runtime=python311 {trigger} "
          "--source={source} --entry-point=run\n")
SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  RetrainFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/retrain/
      Handler: app.handler
      Runtime: python3.11
      Events:
        {event}
"""


def audit(tmp_path: Path, files: dict[str, str]) -> tuple[str, str]:
    res = result(build(tmp_path, {"src/train.py": TRAIN, **files}), "AUT004")
    return res.status, res.reason


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        pytest.param({"deploy.sh": DEPLOY.format(trigger="--trigger-topic=new-data", source="functions/retrain"),
                      "functions/retrain/main.py": VERTEX_SUBMIT},
                     "Cloud Functions (functions/retrain/main.py:5): started by a Pub/Sub topic (deploy.sh)",
                     id="gcloud-pubsub-script"),
        pytest.param({"ops/deploy.sh": DEPLOY.format(trigger="--trigger-bucket=landing",
                                                     source="../functions/retrain"),
                      "functions/retrain/main.py": VERTEX_SUBMIT},
                     "Cloud Functions (functions/retrain/main.py:5): started by a Cloud Storage bucket "
                     "(ops/deploy.sh)", id="gcloud-bucket-beside-the-script"),
        pytest.param({"functions/retrain/main.py": VERTEX_SUBMIT,
                      "continuous-training.ipynb": notebook(
                          "TOPIC = 'retrain'",
                          "!gcloud functions deploy retrain-fn \\\n    --trigger-topic={TOPIC} \\\n"
                          "    --runtime=python311 \\\n    --source=functions/retrain \\\n    --entry-point=run")},
                     "Cloud Functions (functions/retrain/main.py:5): started by a Pub/Sub topic "
                     "(continuous-training.ipynb cell 2)", id="gcloud-notebook-continued-lines"),
        pytest.param({"fn/main.py": "import functions_framework\nfrom google.cloud import aiplatform\n\n\n"
                                    "@functions_framework.cloud_event\ndef run(cloud_event):\n"
                                    "    aiplatform.PipelineJob(display_name='t', template_path='p.json').submit()\n"},
                     "Cloud Functions (fn/main.py:7): started by CloudEvents", id="cloud-event-code"),
        pytest.param({"template.yaml": SAM.format(event="NewData:\n          Type: S3\n          Properties:\n"
                                                        "            Bucket: !Ref Landing\n"
                                                        "            Events: s3:ObjectCreated:*"),
                      "functions/retrain/app.py": SAGEMAKER_START},
                     "AWS Lambda (functions/retrain/app.py:5): started by S3 events (template.yaml)", id="sam-s3"),
        pytest.param({"serverless.yml": "service: retrain\nfunctions:\n  retrain:\n"
                                        "    handler: handlers/retrain.handler\n"
                                        "    events:\n      - schedule: rate(7 days)\n",
                      "handlers/retrain.py": SAGEMAKER_START},
                     "AWS Lambda (handlers/retrain.py:5): started by schedule events (serverless.yml)",
                     id="serverless-schedule"),
        pytest.param({"RetrainOnMessage/function.json": json.dumps({"scriptFile": "__init__.py", "bindings": [
                          {"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "new-data"}]}),
                      "RetrainOnMessage/__init__.py": AZURE_SUBMIT},
                     "Azure Functions (RetrainOnMessage/__init__.py:8): started by a queueTrigger "
                     "(RetrainOnMessage/function.json)", id="azure-function-json"),
        pytest.param({"function_app.py": "import azure.functions as func\nfrom azure.ai.ml import MLClient, load_job\n"
                                         "from azure.identity import DefaultAzureCredential\n\n"
                                         "app = func.FunctionApp()\n\n\n"
                                         "@app.blob_trigger(arg_name='blob', path='landing/{name}', connection='S')\n"
                                         "def retrain(blob: func.InputStream) -> None:\n"
                                         "    ml_client = MLClient.from_config(DefaultAzureCredential())\n"
                                         "    ml_client.jobs.create_or_update(load_job('pipeline.yml'))\n"},
                     "Azure Functions (function_app.py:11): started by a blob_trigger trigger",
                     id="azure-v2-decorator"),
    ],
)
def test_an_event_function_that_starts_training_is_continuous_training(tmp_path: Path, files: dict[str, str],
                                                                       reason: str) -> None:
    got, why = audit(tmp_path, files)
    assert got == "pass"
    assert why.startswith(reason)
    assert why.endswith("it starts a training pipeline or job")


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"deploy.sh": DEPLOY.format(trigger="--trigger-topic=new-data", source="functions/retrain"),
                      "functions/retrain/main.py": NO_SUBMIT}, id="event-function-starts-nothing"),
        pytest.param({"deploy.sh": DEPLOY.format(trigger="--trigger-http", source="functions/retrain"),
                      "functions/retrain/main.py": VERTEX_SUBMIT}, id="http-function"),
        pytest.param({"deploy.sh": DEPLOY.format(trigger="--trigger-topic=t", source="$SOURCE_DIR"),
                      "functions/retrain/main.py": VERTEX_SUBMIT}, id="source-not-known"),
        pytest.param({"scripts/run_pipeline.py": VERTEX_SUBMIT.replace("def run(event, context):", "def main():")},
                     id="plain-script-submits"),
        pytest.param({"functions/retrain/main.py": VERTEX_SUBMIT}, id="function-never-deployed"),
        pytest.param({"template.yaml": SAM.format(event="Retrain:\n          Type: Api\n          Properties:\n"
                                                        "            Path: /retrain\n            Method: post"),
                      "functions/retrain/app.py": SAGEMAKER_START}, id="sam-api-event"),
        pytest.param({"RetrainOnRequest/function.json": json.dumps({"bindings": [
                          {"name": "req", "type": "httpTrigger", "direction": "in"}]}),
                      "RetrainOnRequest/__init__.py": AZURE_SUBMIT}, id="azure-http-trigger"),
        pytest.param({"function_app.py": "import azure.functions as func\n\napp = func.FunctionApp()\n\n\n"
                                         "@app.blob_trigger(arg_name='blob', path='landing/{name}', connection='S')\n"
                                         "def log(blob: func.InputStream) -> None:\n    print(blob.name)\n"},
                     id="azure-v2-trigger-starts-nothing"),
        pytest.param({"tests/deploy.sh": DEPLOY.format(trigger="--trigger-topic=t", source="functions/retrain"),
                      "functions/retrain/main.py": VERTEX_SUBMIT}, id="deployed-only-by-a-test-fixture"),
    ],
)
def test_near_misses_are_no_continuous_training(tmp_path: Path, files: dict[str, str]) -> None:
    assert audit(tmp_path, files)[0] == "fail"


def test_a_hostile_template_is_no_trouble(tmp_path: Path) -> None:
    """Templates of unexpected shapes are no event function, and no error: the rule fails as usual."""
    sam = ("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: [1]\n"
           "      Events:\n        E: {Type: [S3]}\n        G: {Type: S3}\n")
    files = {"template.yaml": "Resources: [AWS::Serverless::Function\n", "sam/template.yaml": sam,
             "serverless.yml": "functions: 3\n",
             "sls/serverless.yml": "functions:\n  f: {handler: 3, events: [{s3: x}]}\n",
             "f/function.json": "{\"bindings\": \"queueTrigger\"",
             "deploy.sh": "gcloud functions deploy --trigger-topic\n"}
    assert audit(tmp_path, files)[0] == "fail"
