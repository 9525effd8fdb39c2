"""Helpers for the template tests: option combinations, baking, expected files, cached venvs."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template"
COOKIECUTTER_JSON = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
PROJECT_DIR = "wine-quality-classifier"  # the slug of the default project name
PACKAGE = "wine_quality_classifier"
COPIED_WITHOUT_RENDER = (".github/workflows/ci.yml", ".github/workflows/retrain.yml")
CACHE = Path(os.environ.get("MLOPS_AUDIT_TEST_CACHE", Path.home() / ".cache" / "mlops-audit-tests"))

# Quiet, offline tools in every subprocess.
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1", "DVC_NO_ANALYTICS": "1"}
# The two ends of the option space: every option on, every option off.
VARIANTS = {
    "full": {"tracking": "mlflow", "data_versioning": "dvc", "serving": "fastapi", "ci": "github"},
    "minimal": {"tracking": "none", "data_versioning": "none", "serving": "none", "ci": "none"},
}
# One wine, as the API takes it.
SAMPLE = {
    "alcohol": 13.2, "malic_acid": 1.78, "ash": 2.14, "alcalinity_of_ash": 11.2, "magnesium": 100.0,
    "total_phenols": 2.65, "flavanoids": 2.76, "nonflavanoid_phenols": 0.26, "proanthocyanins": 1.28,
    "color_intensity": 4.38, "hue": 1.05, "od280_od315_of_diluted_wines": 3.4, "proline": 1050.0,
}  # fmt: skip


def option_space() -> dict[str, list[Any]]:
    """The choice variables (lists) and booleans of cookiecutter.json, with their values."""
    space: dict[str, list[Any]] = {}
    for name, value in COOKIECUTTER_JSON.items():
        if name.startswith("_"):
            continue
        if isinstance(value, list):
            space[name] = list(value)
        elif isinstance(value, bool):
            space[name] = [True, False]
    return space


def all_combinations() -> Iterator[dict[str, Any]]:
    """Every valid combination of options (no combination is refused by the template)."""
    space = option_space()
    for values in itertools.product(*space.values()):
        yield dict(zip(space, values, strict=True))


def combo_id(options: dict[str, Any]) -> str:
    return "-".join(f"{k}={v}" for k, v in options.items())


def bake(output_dir: Path, **options: Any) -> Path:
    """Generate a project with ``options`` (no prompts); return its path."""
    from cookiecutter.main import cookiecutter

    context = {k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in options.items()}
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir), extra_context=context))


def expected_files(options: dict[str, Any]) -> set[str]:
    """The exact set of files (outside .git) that a project generated with ``options`` holds."""
    src = f"src/{PACKAGE}"
    files = {
        ".dockerignore", ".gitignore", ".pre-commit-config.yaml", ".python-version", "Dockerfile",
        "LICENSE", "MODEL_CARD.md", "Makefile", "README.md", "data/.gitignore", "docs/design.md",
        "models/.gitignore", "notebooks/01-abc-initial-exploration.ipynb", "notebooks/README.md",
        "params.yaml", "pyproject.toml", "requirements.lock",
        f"{src}/__init__.py", f"{src}/config.py",
        f"{src}/data/__init__.py", f"{src}/data/ingest.py", f"{src}/data/schema.py", f"{src}/data/validate.py",
        f"{src}/features/__init__.py", f"{src}/features/build.py",
        f"{src}/models/__init__.py", f"{src}/models/evaluate.py", f"{src}/models/registry.py",
        f"{src}/models/train.py",
        f"{src}/monitoring/__init__.py", f"{src}/monitoring/drift.py",
        f"{src}/pipelines/__init__.py", f"{src}/pipelines/predict.py", f"{src}/pipelines/training.py",
        "tests/conftest.py", "tests/test_data.py", "tests/test_features.py", "tests/test_model.py",
        "tests/test_monitoring.py", "tests/test_pipeline.py", "tests/test_smoke.py",
    }  # fmt: skip
    if options["serving"] == "fastapi":
        files |= {
            f"{src}/serving/__init__.py", f"{src}/serving/app.py", f"{src}/serving/schemas.py",
            "tests/test_api.py", "monitoring/alerts.yml",
        }  # fmt: skip
    if options["data_versioning"] == "dvc":
        files |= {"dvc.yaml", ".dvc/config", ".dvc/.gitignore", ".dvcignore"}
    if options["ci"] == "github":
        files |= set(COPIED_WITHOUT_RENDER)
    if options["ci"] == "gitlab":
        files.add(".gitlab-ci.yml")
    return files


def project_files(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run ``command``; fail with its output when it fails."""
    result = subprocess.run(
        command, cwd=cwd, env={**os.environ, **QUIET_ENV, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}) in {cwd}:\n{result.stdout[-4000:]}\n"
            f"{result.stderr[-4000:]}"
        )
    return result.stdout


def uv_binary() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return None


def cached_venv(lock_file: Path) -> Path:
    """A venv with ``lock_file`` installed, cached under ~/.cache/mlops-audit-tests by its hash."""
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()[:16]
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    venv = CACHE / f"venv-{tag}-{digest}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists() and python.exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    uv = uv_binary()
    if uv:
        run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=venv.parent)
        run([uv, "pip", "install", "--quiet", "--python", str(python), "-r", str(lock_file)], cwd=venv.parent)
    else:
        run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent)
        run([str(python), "-m", "pip", "install", "--quiet", "-r", str(lock_file)], cwd=venv.parent)
    (venv / ".complete").write_text(digest + "\n", encoding="utf-8")
    return venv


def install_project(venv: Path, project: Path) -> None:
    """Install the generated package (editable, no dependencies: they come from the lock)."""
    python = venv / "bin" / "python"
    uv = uv_binary()
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", str(python)]
    else:
        command = [str(python), "-m", "pip", "install", "--quiet"]
    run([*command, "--no-deps", "--no-build-isolation", "-e", str(project)], cwd=project)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """``(status, JSON body)`` of one request (the body is None for an HTTP error)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_until_healthy(server: subprocess.Popen[str], base: str, what: str, timeout: float = 120) -> Any:
    """The JSON body of the first 200 from ``{base}/health`` of the starting ``server`` (``what`` names it in the
    failure when it exits first or is not up after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, body = http("GET", f"{base}/health")
            if status == 200:
                return body
        except (urllib.error.URLError, ConnectionError):
            pass
        assert server.poll() is None, f"{what} exited early"
        assert time.monotonic() < deadline, f"the API did not come up in {timeout:.0f} s"
        time.sleep(0.5)
