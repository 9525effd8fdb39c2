"""Deploy pillar: DEP001 (inference entry point), DEP002 (container), DEP003-DEP006 (Dockerfile hygiene),
DEP007 (request schema), DEP008 (health endpoint)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, locations, result
from repo_builder import status

SERVE = ("from fastapi import FastAPI\nfrom transformers import pipeline\n\napp = FastAPI()\n"
         "classify = pipeline('sentiment-analysis')\n\n\n"
         "@app.post('/predict')\ndef predict(x: dict) -> dict:\n    return classify(x)\n")
"""A service that serves a model (ML serving: the serving rules apply)."""
GOOD_DOCKERFILE = ("FROM python:3.11.9-slim\nRUN useradd app\nUSER app\n"
                   "HEALTHCHECK CMD curl -f http://localhost/health\nCMD [\"uvicorn\", \"app:app\"]\n")


def docker_repo(dockerfile: str, *, serve: bool = True, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {"Dockerfile": dockerfile, ".dockerignore": ".git\n", "train.py": TRAIN}
    if serve:
        files["app.py"] = SERVE
    return {**files, **(extra or {})}


# --------------------------------------------------------------------------- DEP001
def test_dep001_model_without_entry_point_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "utils.py": "def clean(x):\n    return x\n"})
    assert status(report, "DEP001") == "fail"
    assert locations(report, "DEP001") == [(None, None, None)]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"app.py": SERVE}, id="fastapi-app"),
        pytest.param({"src/predict.py": "import joblib\n\n\ndef main():\n    return joblib.load('m.joblib')\n"},
                     id="predict-script"),
        pytest.param({"src/jobs.py": "import sklearn\n\n\ndef predict_batch(df):\n    return df\n"},
                     id="predict-function"),
        pytest.param({"web.py": "import joblib\nfrom flask import Flask\n\napp = Flask(__name__)\n"
                                "model = joblib.load('m.joblib')\n"}, id="flask"),
    ],
)
def test_dep001_entry_points_pass(tmp_path: Path, extra: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **extra}), "DEP001") == "pass"


def test_dep001_a_web_app_serving_no_model_is_not_the_models_entry_point(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "web.py": "from flask import Flask\napp = Flask(__name__)\n"}
    assert status(build(tmp_path, files), "DEP001") == "fail"


def test_dep001_a_predict_test_is_not_an_entry_point(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "tests/test_predict.py": "def test_predict():\n    assert True\n"}
    assert status(build(tmp_path, files), "DEP001") == "fail"


def test_dep001_not_applicable_without_a_model(tmp_path: Path) -> None:
    report = build(tmp_path, {"eda.py": "import sklearn\n"})
    assert status(report, "DEP001") == "not_applicable"
    assert result(report, "DEP001").reason == "no model is trained or stored here"


# --------------------------------------------------------------------------- DEP002
def test_dep002_no_container_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "docker-compose.yml": "services: {}\n"})
    assert status(report, "DEP002") == "fail"


@pytest.mark.parametrize("path", ["Dockerfile", "Containerfile", "docker/Dockerfile.serve", "deploy/api.dockerfile"])
def test_dep002_container_definitions_pass(tmp_path: Path, path: str) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, path: "FROM python:3.11\n"}), "DEP002") == "pass"


def test_dep002_not_applicable_without_a_model(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"lib.py": "x = 1\n"}), "DEP002") == "not_applicable"


# --------------------------------------------------------------------------- DEP003
@pytest.mark.parametrize(
    ("dockerfile", "line"),
    [
        ("FROM python\n", 1),
        ("# base\n\nFROM python:latest\n", 3),
        ("FROM --platform=linux/amd64 python\n", 1),
        ("FROM registry.example.com:5000/team/python\n", 1),
        ("FROM python:3.11 AS build\nRUN pip wheel .\nFROM ubuntu AS final\n", 3),
        # a base named by a build argument, judged by its default
        ("ARG BASE=python\nFROM ${BASE}\n", 2),
        ("ARG BASE_IMAGE=\"nvidia/cuda:latest\"\nFROM $BASE_IMAGE AS train\n", 2),
        ("FROM ${BASE:-ubuntu}\n", 1),
    ],
)
def test_dep003_unpinned_base_fires_on_the_from_line(tmp_path: Path, dockerfile: str, line: int) -> None:
    report = build(tmp_path, docker_repo(dockerfile))
    assert status(report, "DEP003") == "fail"
    assert locations(report, "DEP003") == [("Dockerfile", line, None)]
    if "$" in dockerfile:
        assert "by its ARG default) is not pinned" in findings(report, "DEP003")[0].message


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM python:3.11.9-slim\n",
        "FROM python@sha256:" + "a" * 64 + "\n",
        "FROM registry.example.com:5000/python:3.11\n",
        "FROM python:3.11 AS build\nFROM build\n",
        "ARG BASE=python:3.11\nFROM ${BASE}\n",
        "ARG REG=ghcr.io/acme\nARG TAG=1.2\nFROM ${REG}/trainer:${TAG}\n",
        "ARG BASE\nFROM ${BASE}\n",  # no default: what the build passes is not known here
        "FROM python:3.11\nARG BASE=python\nFROM ${BASE}\n",  # a stage's ARG is not seen by FROM
        "FROM scratch\n",
    ],
)
def test_dep003_pinned_bases_pass(tmp_path: Path, dockerfile: str) -> None:
    assert status(build(tmp_path, docker_repo(dockerfile)), "DEP003") == "pass"


@pytest.mark.parametrize("heredoc", [
    "RUN python - <<'PY'\nfrom megatron.bridge import AutoBridge\nimport torch\nPY\n",
    "RUN <<EOF\nset -e\nfrom x import y\nEOF\n",
    "RUN <<-\"EOT\" bash\n\tfrom a import b\n\tEOT\n",
    "COPY <<EOF /app/conf.py\nfrom app import settings\nUSER root\nEOF\n",
])
def test_a_heredoc_is_part_of_its_instruction(tmp_path: Path, heredoc: str) -> None:
    """Issue 13 (blind set): the lines of a heredoc (BuildKit) are its instruction's, never instructions: a
    ``from ... import`` line in a Python heredoc is no unpinned stage, a ``USER root`` line in a file no user."""
    dockerfile = "FROM python:3.11.9-slim\n" + heredoc + "USER app\nCMD [\"python\", \"-m\", \"app\"]\n"
    report = build(tmp_path, docker_repo(dockerfile))
    assert status(report, "DEP003") == "pass"
    assert status(report, "DEP004") == "pass"
    unterminated = build(tmp_path / "u", docker_repo("FROM python:3.11.9-slim\nRUN cat <<EOF\nFROM ubuntu\n"))
    assert status(unterminated, "DEP003") == "pass"  # the rest of the file is the heredoc


def test_dep003_not_applicable_without_dockerfile(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "DEP003") == "not_applicable"
    assert result(report, "DEP003").reason == "no Dockerfile"


# --------------------------------------------------------------------------- DEP004
@pytest.mark.parametrize(
    ("dockerfile", "line"),
    [
        ("FROM python:3.11\nRUN pip install x\n", 1),
        ("FROM python:3.11\nUSER app\nUSER root\n", 3),
        ("FROM python:3.11\nUSER 0:0\n", 2),
        ("FROM python:3.11 AS build\nUSER app\nFROM python:3.11-slim\nCOPY --from=build /a /a\n", 3),
        # a Lambda image built on, then switched to root: root all the same
        ("FROM public.ecr.aws/lambda/python:3.12\nUSER root\n", 2),
        ("FROM public.ecr.aws/lambda/python:3.12 AS deps\nFROM python:3.12-slim\n", 2),
    ],
)
def test_dep004_root_final_stage_fires(tmp_path: Path, dockerfile: str, line: int) -> None:
    report = build(tmp_path, docker_repo(dockerfile))
    assert status(report, "DEP004") == "fail"
    assert locations(report, "DEP004") == [("Dockerfile", line, None)]


@pytest.mark.parametrize("user", ["app", "10001", "app:app", "10001:10001"])
def test_dep004_non_root_user_passes(tmp_path: Path, user: str) -> None:
    assert status(build(tmp_path, docker_repo(f"FROM python:3.11\nUSER {user}\n")), "DEP004") == "pass"


@pytest.mark.parametrize("base", ["public.ecr.aws/lambda/python:3.12", "amazon/aws-lambda-python:3.11",
                                  "${LAMBDA}"])
def test_dep004_an_aws_lambda_image_runs_as_lambdas_own_user(tmp_path: Path, base: str) -> None:
    """AWS Lambda runs the function as an unprivileged user of its own, whatever the image declares."""
    dockerfile = f"ARG LAMBDA=public.ecr.aws/lambda/python:3.12\nFROM {base}\nCOPY app.py .\nCMD [\"app.handler\"]\n"
    assert status(build(tmp_path, docker_repo(dockerfile)), "DEP004") == "pass"


# --------------------------------------------------------------------------- DEP005
@pytest.mark.parametrize(
    ("dockerfile", "line"),
    [
        ("FROM python:3.11\nUSER app\nCMD [\"uvicorn\", \"app:app\"]\n", 1),
        ("FROM python:3.11\nHEALTHCHECK NONE\nEXPOSE 8000\n", 1),
        ("FROM python:3.11 AS a\nHEALTHCHECK CMD true\nFROM python:3.11-slim\nCMD python serve.py\n", 3),
    ],
)
def test_dep005_no_healthcheck_fires(tmp_path: Path, dockerfile: str, line: int) -> None:
    report = build(tmp_path, docker_repo(dockerfile))
    assert locations(report, "DEP005") == [("Dockerfile", line, None)]


def test_dep005_healthcheck_passes_even_on_continuation_lines(tmp_path: Path) -> None:
    df = "FROM python:3.11\nHEALTHCHECK --interval=30s \\\n  CMD curl -f http://localhost/health\n"
    assert status(build(tmp_path, docker_repo(df)), "DEP005") == "pass"


@pytest.mark.parametrize(("path", "dockerfile"), [
    ("Dockerfile", "FROM python:3.11\nCMD [\"python\", \"train.py\"]\n"),
    ("pipeline/preprocess/Dockerfile", "FROM python:3.11\nENTRYPOINT python -m pipeline.observe\n"),
    (".devcontainer/Dockerfile", "FROM python:3.11\nEXPOSE 8888\n"),
    ("tools/dev.Dockerfile", "FROM python:3.11\nCMD uvicorn app:app\n"),
], ids=["training-image", "pipeline-step", "devcontainer", "dev-image"])
def test_dep005_images_that_serve_nothing_need_no_healthcheck(tmp_path: Path, path: str, dockerfile: str) -> None:
    files = {**docker_repo(GOOD_DOCKERFILE), path: dockerfile}
    if path != "Dockerfile":
        files["Dockerfile"] = GOOD_DOCKERFILE
    assert status(build(tmp_path, files), "DEP005") == "pass"


def test_dep005_not_applicable_without_serving(tmp_path: Path) -> None:
    report = build(tmp_path, docker_repo("FROM python:3.11\n", serve=False))
    assert status(report, "DEP005") == "not_applicable"
    assert result(report, "DEP005").reason.startswith("no model serving code")


# --------------------------------------------------------------------------- DEP006
COPYING = GOOD_DOCKERFILE.replace("USER app\n", "USER app\nCOPY . /app\n")


def test_dep006_no_dockerignore_fires_per_dockerfile(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "Dockerfile": COPYING, "docker/api/Dockerfile": COPYING,
             "docker/.dockerignore": ".git\n"}
    report = build(tmp_path, files)
    assert status(report, "DEP006") == "fail"
    assert sorted(locations(report, "DEP006")) == [("Dockerfile", None, None), ("docker/api/Dockerfile", None, None)]


@pytest.mark.parametrize(
    "files",
    [
        {"Dockerfile": COPYING, ".dockerignore": ".git\n"},
        {"docker/Dockerfile": COPYING, ".dockerignore": ".git\n"},
        {"docker/Dockerfile": COPYING, "docker/.dockerignore": ".git\n"},
        {"docker/Dockerfile": COPYING, "docker/Dockerfile.dockerignore": ".git\n"},
    ],
    ids=["root", "root-for-subdir", "beside", "per-dockerfile"],
)
def test_dep006_dockerignore_passes(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **files}), "DEP006") == "pass"


CLONES = "FROM python:3.11-slim\nRUN git clone https://github.com/acme/churn /app\nCOPY --from=python:3.11 /x /y\n"


def test_dep006_a_dockerfile_that_takes_nothing_from_the_context_needs_no_dockerignore(tmp_path: Path) -> None:
    """It clones what it builds (and copies only from another image): no file of the context reaches it."""
    report = build(tmp_path, {"train.py": TRAIN, "docker/Dockerfile": CLONES,
                              "docker/serve.Dockerfile": CLONES + "ADD model.onnx /app/\n"})
    assert status(report, "DEP006") == "fail"
    assert locations(report, "DEP006") == [("docker/serve.Dockerfile", None, None)]


# --------------------------------------------------------------------------- DEP007
def test_dep007_serving_without_schema_fires_on_the_app(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/app.py": SERVE, "train.py": TRAIN})
    assert status(report, "DEP007") == "fail"
    assert locations(report, "DEP007") == [("src/app.py", None, None)]


@pytest.mark.parametrize("module", ["pydantic", "marshmallow", "msgspec"])
def test_dep007_schema_library_passes(tmp_path: Path, module: str) -> None:
    files = {"src/app.py": SERVE, "src/schemas.py": f"import {module}\n"}
    assert status(build(tmp_path, files), "DEP007") == "pass"


def test_dep007_schema_only_in_tests_does_not_count(tmp_path: Path) -> None:
    files = {"src/app.py": SERVE, "tests/test_api.py": "import pydantic\n\n\ndef test_x():\n    assert pydantic\n"}
    assert status(build(tmp_path, files), "DEP007") == "fail"


def test_dep007_not_applicable_without_serving(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN}), "DEP007") == "not_applicable"


# --------------------------------------------------------------------------- DEP008
def test_dep008_no_health_route_fires_on_each_app(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/app.py": SERVE})
    assert status(report, "DEP008") == "fail"
    (f,) = findings(report, "DEP008")
    assert f.path == "src/app.py"


@pytest.mark.parametrize(
    "route",
    [
        "@app.get('/health')\ndef h():\n    return {}\n",
        "@app.get('/healthz')\ndef h():\n    return {}\n",
        "@app.get('/health/live')\ndef h():\n    return {}\n",
        "@app.api_route('/ready', methods=['GET'])\ndef r():\n    return {}\n",
        "app.add_api_route('/ping', lambda: 'pong')\n",
    ],
)
def test_dep008_health_routes_pass(tmp_path: Path, route: str) -> None:
    assert status(build(tmp_path, {"src/app.py": SERVE + "\n\n" + route}), "DEP008") == "pass"


def test_dep008_health_route_in_a_router_module_passes(tmp_path: Path) -> None:
    router = ("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
              "@router.get('/livez')\ndef live():\n    return {}\n")
    assert status(build(tmp_path, {"src/app.py": SERVE, "src/health.py": router}), "DEP008") == "pass"


def test_dep008_flask_route_passes(tmp_path: Path) -> None:
    app = ("import joblib\nimport sklearn\nfrom flask import Flask\n\napp = Flask(__name__)\n"
           "model = joblib.load('model.joblib')\n\n\n@app.route('/healthcheck')\ndef hc():\n    return 'ok'\n")
    assert status(build(tmp_path, {"web.py": app}), "DEP008") == "pass"


@pytest.mark.parametrize("path", ["/healthy-cats", "/predict", "/status/health"])
def test_dep008_other_routes_do_not_count(tmp_path: Path, path: str) -> None:
    route = f"@app.get('{path}')\ndef h():\n    return {{}}\n"
    assert status(build(tmp_path, {"src/app.py": SERVE + "\n\n" + route}), "DEP008") == "fail"
