"""Issue 13, classes 1 and 2 for the deploy pillar: how a model is served, packaged and health-checked is known
by what the repository says, not by fixed names. A script that loads a model and asks it for predictions is an
inference entry point whatever its name (DEP001); an endpoint declared for a platform, or torch.hub's entry
points, serve the model (DEP001); an image a platform provides or builds is the container (DEP002); a root route
documented as the health check is one (DEP008). Each with the near miss that must still fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result
from repo_builder import notebook, status

CFN = "Resources:\n  Endpoint:\n    Type: AWS::SageMaker::Endpoint\n    Properties:\n      EndpointConfigName: c\n"
SAMPLE = ("import torch\nfrom model import GPT\n\nckpt = torch.load('out/ckpt.pt')\nmodel = GPT(ckpt['args'])\n"
          "model.load_state_dict(ckpt['model'])\nprint(model.generate(torch.zeros(1, 1), 100))\n")
HUBCONF = "dependencies = ['torch']\n\n\ndef resnet(pretrained=True):\n    return None\n"


# --------------------------------------------------------------------------- DEP001: inference by content
def test_a_script_that_loads_a_model_and_predicts_is_an_entry_point(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "sample.py": SAMPLE, "model.py": "import torch\n"})
    assert status(report, "DEP001") == "pass"
    assert result(report, "DEP001").reason == "sample.py"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"check.py": SAMPLE.replace("print(", "from sklearn.metrics import accuracy_score\n"
                                                 "print(accuracy_score([1], [1]), ")}, id="evaluation-script"),
        pytest.param({"loader.py": "import torch\n\nstate = torch.load('out/ckpt.pt')\n"}, id="load-only"),
        pytest.param({"use.py": "import torch\nfrom model import GPT\n\nprint(GPT().generate(1))\n"},
                     id="predict-without-a-loaded-model"),
    ],
)
def test_loading_or_predicting_alone_or_evaluating_is_not_inference(tmp_path: Path, extra: dict[str, str]) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "model.py": "import torch\n", **extra})
    assert status(report, "DEP001") == "fail"


def test_the_training_script_itself_is_not_inference(tmp_path: Path) -> None:
    train = TRAIN + "import joblib\n\nold = joblib.load('models/old.joblib')\nprint(old.predict([[0.5]]))\n"
    assert status(build(tmp_path, {"train.py": train}), "DEP001") == "fail"


# --------------------------------------------------------------------------- DEP001: declared endpoints
@pytest.mark.parametrize(
    ("files", "platform"),
    [
        pytest.param({"deploy/endpoint.yaml": CFN}, "Amazon SageMaker", id="cloudformation-endpoint"),
        pytest.param({"infra/main.tf": 'resource "aws_sagemaker_endpoint" "e" {\n  name = "churn"\n}\n'},
                     "Amazon SageMaker", id="terraform-endpoint"),
        pytest.param({"k8s/isvc.yaml": "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"},
                     "KServe", id="kserve-inference-service"),
        pytest.param({"k8s/sd.yaml": "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n"},
                     "Seldon Core", id="seldon-deployment"),
        pytest.param({"endpoints/online.yml": "$schema: https://azuremlschemas.azureedge.net/latest/"
                                              "managedOnlineEndpoint.schema.json\nname: churn\nauth_mode: key\n"},
                     "Azure Machine Learning", id="azure-ml-online-endpoint"),
        pytest.param({"deploy.py": "from google.cloud import aiplatform\n\n"
                                   "aiplatform.Model('m').deploy(machine_type='n1-standard-2')\n"},
                     "Vertex AI", id="vertex-model-deploy"),
        pytest.param({"hubconf.py": HUBCONF}, "torch.hub", id="torch-hub-entry-points"),
        pytest.param({"deploy_model.py": "from sagemaker.tensorflow import TensorFlowModel\n\n"
                                         "TensorFlowModel(model_data='s3://b/m.tar.gz', role='r')"
                                         ".deploy(initial_instance_count=1, endpoint_name='intent')\n"},
                     "Amazon SageMaker", id="sagemaker-sdk-deploy"),
        pytest.param({"deploy.py": "import boto3\n\nboto3.client('sagemaker').create_endpoint(EndpointName='e', "
                                   "EndpointConfigName='c')\n"}, "Amazon SageMaker", id="boto3-create-endpoint"),
        pytest.param({"deploy.py": "from ibm_watson_machine_learning import APIClient\n\nclient = APIClient(creds)\n"
                                   "client.deployments.create(artifact_uid=uid, meta_props=props)\n"},
                     "IBM Watson Machine Learning", id="watson-ml-deployment"),
        pytest.param({"deploy.py": "def deploy(client, uid, props):\n"
                                   "    return client.deployments.create(artifact_uid=uid, meta_props=props)\n"},
                     "IBM Watson Machine Learning", id="watson-ml-client-parameter"),
    ],
)
def test_an_endpoint_declared_for_a_platform_is_the_entry_point(tmp_path: Path, files: dict[str, str],
                                                                platform: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, **files})
    assert status(report, "DEP001") == "pass"
    assert platform in (result(report, "DEP001").reason or "")


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"docs/endpoint.md": "Type: AWS::SageMaker::Endpoint\n"}, id="endpoint-named-in-docs"),
        pytest.param({"deploy/bucket.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"}, id="other-resource"),
        pytest.param({"tools/hubconf.py": HUBCONF}, id="hubconf-not-at-the-root"),
        pytest.param({"deploy.py": "def update(client, uid, props):\n"
                                   "    return client.deployments.create(uid, props)\n"},
                     id="deployments-create-of-another-client"),
        pytest.param({"hubconf.py": "def resnet():\n    return None\n"}, id="hubconf-without-dependencies"),
    ],
)
def test_endpoint_near_misses_still_fail(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **files}), "DEP001") == "fail"


def test_an_endpoint_deployed_from_a_notebook_is_still_the_model_used_in_notebooks(tmp_path: Path) -> None:
    cell = "from google.cloud import aiplatform\n\naiplatform.Model('m').deploy(machine_type='n1-standard-2')\n"
    assert status(build(tmp_path, {"train.py": TRAIN, "chapter.ipynb": notebook(cell)}), "DEP001") == "fail"


# --------------------------------------------------------------------------- DEP002: platform images
@pytest.mark.parametrize(
    ("files", "platform"),
    [
        pytest.param({"pipeline.py": "import sagemaker\n\nimage = sagemaker.image_uris.retrieve(framework='xgboost', "
                                     "region='eu-west-1', version='1.0-1')\n"}, "Amazon SageMaker",
                     id="sagemaker-image-uris"),
        pytest.param({"job.py": "from sagemaker.sklearn.estimator import SKLearn\n\n"
                                "SKLearn(entry_point='train.py', framework_version='1.2-1', role='r')\n"},
                     "Amazon SageMaker", id="sagemaker-framework-version"),
        pytest.param({"deploy/cluster_env.yaml": "base_image: anyscale/ray:2.7.0-py310\n"
                                                 "python:\n  pip_packages: []\n"}, "Anyscale",
                     id="anyscale-cluster-env"),
        pytest.param({"env/train.yml": "$schema: https://azuremlschemas.azureedge.net/latest/"
                                       "environment.schema.json\nname: train\nimage: mcr.microsoft.com/x:1\n"},
                     "Azure Machine Learning", id="azure-ml-environment-yaml"),
        pytest.param({"env.py": "from azure.ai.ml.entities import Environment\n\n"
                                "Environment(name='train', image='mcr.microsoft.com/x:1', conda_file='c.yml')\n"},
                     "Azure Machine Learning", id="azure-ml-environment-v2"),
        pytest.param({"job.py": "from google.cloud import aiplatform\n\naiplatform.CustomTrainingJob("
                                "display_name='t', script_path='train.py', "
                                "container_uri='europe-docker.pkg.dev/vertex-ai/training/sklearn-cpu.1-0:latest')\n"},
                     "Vertex AI", id="vertex-container-uri"),
        pytest.param({"deploy.py": "from ibm_watsonx_ai import APIClient\n\nclient = APIClient(creds)\n"
                                   "spec = client.software_specifications.get_id_by_name('runtime-24.1-py3.11')\n"},
                     "IBM Watson Machine Learning", id="watson-ml-software-specification"),
    ],
)
def test_an_image_a_platform_provides_is_the_container(tmp_path: Path, files: dict[str, str], platform: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, **files})
    assert status(report, "DEP002") == "pass"
    assert platform in (result(report, "DEP002").reason or "")


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"job.py": "from sagemaker.sklearn.estimator import SKLearn\n\n"
                                "SKLearn(entry_point='train.py', role='r', image_uri=IMAGE)\n"},
                     id="sagemaker-estimator-without-a-framework-version"),
        pytest.param({"ci/build.yaml": "base_image: python:3.11\n"}, id="base-image-of-something-else"),
        pytest.param({"env.py": "from azure.ai.ml.entities import Environment\n\nEnvironment(name='train')\n"},
                     id="azure-environment-without-an-image"),
    ],
)
def test_platform_image_near_misses_still_fail(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **files}), "DEP002") == "fail"


# --------------------------------------------------------------------------- DEP008: a documented root route
APP = ("import joblib\nfrom fastapi import FastAPI\n\napp = FastAPI()\nmodel = joblib.load('m.joblib')\n\n\n"
       "@app.get('/')\n{handler}\n\n\n@app.post('/predict')\ndef predict(x: list[float]) -> float:\n"
       "    return float(model.predict([x])[0])\n")


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param('def _index() -> dict:\n    """Health check."""\n    return {"status": "ok"}', id="docstring"),
        pytest.param("async def healthcheck() -> dict:\n    return {'status': 'ok'}", id="handler-name"),
    ],
)
def test_a_root_route_documented_as_the_health_check_is_one(tmp_path: Path, handler: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "app.py": APP.format(handler=handler)})
    assert status(report, "DEP008") == "pass"
    assert result(report, "DEP008").reason == "the root route is the health check (app.py:8)"


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param('def index() -> str:\n    """The home page."""\n    return "<h1>Churn</h1>"', id="home-page"),
        pytest.param("def index() -> str:\n    return 'ok'  # health", id="comment-in-the-body"),
    ],
)
def test_a_root_route_not_said_to_be_a_health_check_is_not(tmp_path: Path, handler: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "app.py": APP.format(handler=handler)})
    assert status(report, "DEP008") == "fail"


# --------------------------------------------------------------------------- DEP007: validation by hand
HAND_APP = ("import joblib\nfrom flask import Flask, request\n\napp = Flask(__name__)\n"
            "model = joblib.load('m.joblib')\n\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
            "    data = request.get_json()\n    if not data or 'x' not in data:\n        {refusal}\n"
            "    return {{'y': model.predict([data['x']])[0]}}\n")


@pytest.mark.parametrize("refusal", [
    'return {"error": "x is required"}, 400',
    "return jsonify(error='x is required'), 422",
    "abort(400)",
    "raise HTTPException(status_code=422, detail='x is required')",
])
def test_a_handler_refusing_bad_input_validates_by_hand(tmp_path: Path, refusal: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "app.py": HAND_APP.format(refusal=refusal)})
    assert status(report, "DEP007") == "pass"
    assert "validated by hand" in (result(report, "DEP007").reason or "")


@pytest.mark.parametrize("refusal", ["return {'error': 'failed'}, 500", "print('bad input')", "x = range(0, 400)"])
def test_a_handler_that_does_not_refuse_bad_input_is_not_validation(tmp_path: Path, refusal: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "app.py": HAND_APP.format(refusal=refusal)})
    assert status(report, "DEP007") == "fail"


@pytest.mark.parametrize("name", ["Dockerfile-model", "Dockerfile_mlflow", "docker/Containerfile.gpu",
                                  "serve.dockerfile", "Dockerfile.cpu"])
def test_dockerfiles_are_known_by_the_names_docker_build_f_takes(tmp_path: Path, name: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, name: "FROM python:3.11.9-slim\nCMD [\"python\", \"train.py\"]\n"})
    assert status(report, "DEP002") == "pass"
    assert status(report, "DEP004") == "fail"  # judged as a Dockerfile: no USER


@pytest.mark.parametrize("name", ["Dockerfile.dockerignore", "dockerfile_notes.md", "docs/Dockerfiles.md"])
def test_files_about_dockerfiles_are_not_dockerfiles(tmp_path: Path, name: str) -> None:
    report = build(tmp_path, {"train.py": TRAIN, name: "FROM python:3.11.9-slim\n"})
    assert status(report, "DEP002") == "fail"
