"""Services left open to anyone (the blind sets' missed findings): a Jupyter server started with an empty token
on every interface, or a Flask app with its debugger on every interface (GOV004), and CORS allowing every origin
with credentials (GOV005). Each is flagged where it is configured, next to the near misses that keep the door
shut."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import build, findings, result

APP = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n"


# --------------------------------------------------------------------------- GOV004
@pytest.mark.parametrize(("path", "text", "line"), [
    ("Dockerfile", "FROM jupyter/base-notebook\nEXPOSE 8888\nCMD [\"jupyter\", \"lab\", \"--ip=0.0.0.0\", "
                   "\"--NotebookApp.token=''\", \"--allow-root\"]\n", 3),
    ("Dockerfile.dev", "FROM python:3.11\nCMD jupyter notebook --ip 0.0.0.0 --port 8888 --ServerApp.token= "
                       "--no-browser\n", 2),
    ("docker-compose.yml", "services:\n  lab:\n    image: jupyter/scipy-notebook\n    command: >\n"
                           "      start-notebook.sh --ip='*' --IdentityProvider.token=\"\"\n", 5),
    ("scripts/lab.sh", "#!/bin/sh\nexec jupyter server --ip=0.0.0.0 \\\n  --ServerApp.token=''\n", 3),
    ("jupyter_server_config.py", "c = get_config()\nc.ServerApp.ip = '0.0.0.0'\nc.ServerApp.token = ''\n", 3),
], ids=["dockerfile-exec-form", "shell-form-empty-value", "compose", "script", "config-file"])
def test_a_notebook_server_open_to_anyone_is_flagged(tmp_path: Path, path: str, text: str, line: int) -> None:
    report = build(tmp_path, {path: text})
    (finding,) = findings(report, "GOV004")
    assert (finding.path, finding.line) == (path, line)
    assert "empty token on every interface" in finding.message


@pytest.mark.parametrize("text", [
    "FROM jupyter/base-notebook\nCMD [\"jupyter\", \"lab\", \"--ip=0.0.0.0\"]\n",  # Jupyter's own token
    "FROM python:3.11\nCMD jupyter lab --ip=127.0.0.1 --NotebookApp.token=''\n",  # this machine only
    "FROM python:3.11\nCMD jupyter lab --ip=0.0.0.0 --NotebookApp.token=\"$JUPYTER_TOKEN\"\n",  # a token given
    "FROM python:3.11\n# jupyter lab --ip=0.0.0.0 --NotebookApp.token= is how NOT to run it\nCMD [\"python\"]\n",
], ids=["generated-token", "localhost", "token-from-the-environment", "a-comment"])
def test_a_notebook_server_with_a_token_or_local_passes(tmp_path: Path, text: str) -> None:
    assert result(build(tmp_path, {"Dockerfile": text}), "GOV004").status == "pass"


def test_no_notebook_server_no_rule(tmp_path: Path) -> None:
    report = build(tmp_path, {"Dockerfile": "FROM python:3.11\nCMD [\"python\", \"serve.py\"]\n"})
    assert result(report, "GOV004").status == "not_applicable"
    assert result(report, "GOV004").reason == "no notebook server is started here, and no Flask app"


# --------------------------------------------------------------------------- GOV004: Flask's debugger
FLASK = ("from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route('/predict')\ndef predict():\n"
         "    return 'ok'\n\n\n")


@pytest.mark.parametrize("run", [
    "app.run(debug=True, host='0.0.0.0', port=9696)",
    "app.run('0.0.0.0', 9696, debug=True)",
    "app.run(host='::', use_debugger=True)",
])
def test_flasks_debugger_on_every_interface_is_flagged(tmp_path: Path, run: str) -> None:
    report = build(tmp_path, {"serve.py": FLASK + f"if __name__ == '__main__':\n    {run}\n"})
    (finding,) = findings(report, "GOV004")
    assert (finding.path, finding.line) == ("serve.py", 12)
    assert "Werkzeug debugger" in finding.message


@pytest.mark.parametrize("run", [
    "app.run(debug=True)",  # this machine only (127.0.0.1 by default)
    "app.run(host='0.0.0.0', port=9696)",  # no debugger
    "app.run(debug=False, host='0.0.0.0')",
    "app.run(debug=os.environ.get('DEBUG') == '1', host='0.0.0.0')",  # decided where it runs
])
def test_flask_without_an_open_debugger_passes(tmp_path: Path, run: str) -> None:
    report = build(tmp_path, {"serve.py": "import os\n" + FLASK + f"if __name__ == '__main__':\n    {run}\n"})
    assert result(report, "GOV004").status == "pass"


def test_no_flask_no_rule(tmp_path: Path) -> None:
    report = build(tmp_path, {"app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"})
    assert result(report, "GOV004").status == "not_applicable"


# --------------------------------------------------------------------------- GOV005
@pytest.mark.parametrize(("files", "where"), [
    ({"app.py": APP + 'app.add_middleware(\n    CORSMiddleware,\n    allow_origins=["*"],\n'
                      "    allow_credentials=True,\n)\n"}, ("app.py", 7)),
    ({"api/server.py": "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\n"
                       "CORS(app, supports_credentials=True)\n"}, ("api/server.py", 5)),
    ({"project/settings.py": "INSTALLED_APPS = ['corsheaders']\nCORS_ALLOW_ALL_ORIGINS = True\n"
                             "CORS_ALLOW_CREDENTIALS = True\n"}, ("project/settings.py", 2)),
], ids=["starlette", "flask-cors-default-origins", "django"])
def test_every_origin_with_credentials_is_flagged(tmp_path: Path, files: dict[str, str],
                                                  where: tuple[str, int]) -> None:
    (finding,) = findings(build(tmp_path, files), "GOV005")
    assert (finding.path, finding.line) == where
    assert "every origin allowed with credentials" in finding.message


@pytest.mark.parametrize("files", [
    {"app.py": APP + 'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])\n'},
    {"app.py": APP + 'app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], '
                     "allow_credentials=True)\n"},
    {"api/server.py": "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\n"
                      'CORS(app, origins=["https://app.example.com"], supports_credentials=True)\n'},
    {"project/settings.py": "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = False\n"},
], ids=["no-credentials", "listed-origins", "flask-listed-origins", "django-no-credentials"])
def test_listed_origins_or_no_credentials_pass(tmp_path: Path, files: dict[str, str]) -> None:
    assert result(build(tmp_path, files), "GOV005").status == "pass"


def test_no_cors_no_rule(tmp_path: Path) -> None:
    report = build(tmp_path, {"app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"})
    assert result(report, "GOV005").status == "not_applicable"
