"""End to end: the full-options and the minimal project install, pass their own tests, train, serve,
and pass ``mlops-audit`` at the highest level their options allow.

Slow (a few minutes cold): the venvs are cached under ~/.cache/mlops-audit-tests, keyed by the hash of
the generated requirements.lock, so reruns only reinstall the generated package.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from template_support import (
    PACKAGE,
    SAMPLE,
    VARIANTS,
    bake,
    cached_venv,
    combo_id,
    free_port,
    http,
    install_project,
    run,
    uv_binary,
    wait_until_healthy,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow


def _serving_smoke_test(venv: Path, project: Path) -> None:
    port = free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    server = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "uvicorn", f"{PACKAGE}.serving.app:app",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        body = wait_until_healthy(server, base, "uvicorn")
        assert body["status"] == "ok"
        assert body["model_version"] == "1"  # the version /ready and /predict report: one truth
        assert http("GET", f"{base}/ready")[0] == 200
        status, prediction = http("POST", f"{base}/predict", SAMPLE)
        assert status == 200
        assert prediction["prediction"] in (0, 1, 2)
        assert prediction["model_version"] == "1"
        assert http("POST", f"{base}/predict", {**SAMPLE, "alcohol": "x"})[0] == 422
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _allowed_level(project: Path, report: dict[str, Any]) -> int:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    accepted = set(pyproject.get("tool", {}).get("mlops-audit", {}).get("ignore", {}))
    levels = [rule["level"] for rule in report["rules"] if rule["id"] in accepted]
    return min(3, min(levels, default=4) - 1)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_project_lifecycle(tmp_path: Path, variant: str) -> None:
    options = VARIANTS[variant]
    project = bake(tmp_path, git_init=True, **options)
    venv = cached_venv(project / "requirements.lock")
    install_project(venv, project)
    python = str(venv / "bin" / "python")
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    env_no_tracking_uri = {**env, "PROJECT_ROOT": str(project)}

    output = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env)
    assert " passed" in output and "failed" not in output
    run([python, "-m", "ruff", "check", "--no-cache", "."], cwd=project, env=env)

    make = shutil.which("make")
    if make:
        run([make, "train", f"PYTHON={python}"], cwd=project, env=env_no_tracking_uri)
    elif options["data_versioning"] == "dvc":
        run([str(venv / "bin" / "dvc"), "repro"], cwd=project, env=env_no_tracking_uri)
    else:
        run([python, "-m", f"{PACKAGE}.pipelines.training", "all"], cwd=project, env=env_no_tracking_uri)
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    if options["data_versioning"] == "dvc":
        assert (project / "dvc.lock").is_file()
        status = run([str(venv / "bin" / "dvc"), "status"], cwd=project, env=env_no_tracking_uri)
        assert "up to date" in status.lower() or status.strip() == ""
    if options["tracking"] == "mlflow":
        assert (project / "mlflow.db").is_file()
    else:
        assert (project / "models" / "champion.joblib").is_file()

    if options["serving"] == "fastapi":
        _serving_smoke_test(venv, project)
    scored = tmp_path / "scored.csv"
    run([python, "-m", f"{PACKAGE}.pipelines.predict", "data/processed/test.csv", str(scored)],
        cwd=project, env=env_no_tracking_uri)  # fmt: skip
    assert scored.read_text(encoding="utf-8").count("\n") > 10
    drift = run([python, "-m", f"{PACKAGE}.monitoring.drift"], cwd=project, env=env_no_tracking_uri)
    assert json.loads(drift.strip().splitlines()[-1])["retrain_needed"] is False
    assert (project / "reports" / "drift" / "drift_report.html").is_file()

    audit = subprocess.run(
        [sys.executable, "-m", "mlops_audit", str(project), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    report = json.loads(audit.stdout)
    serious = [f for f in report["findings"] if f["severity"] in ("error", "warning")]
    assert serious == [], serious
    assert report["findings"] == []
    assert report["level"] == _allowed_level(project, report)
    if variant == "full":
        assert report["level"] == 3


# The options that change the dependencies, each on or off.
DEPENDENCY_COMBINATIONS = [
    dict(zip(("tracking", "data_versioning", "serving"), values, strict=True))
    for values in itertools.product(("mlflow", "none"), ("dvc", "none"), ("fastapi", "none"))
]


def _pins(lines: list[str]) -> set[str]:
    return {line.split(";")[0].strip().lower() for line in lines if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("options", DEPENDENCY_COMBINATIONS, ids=[combo_id(o) for o in DEPENDENCY_COMBINATIONS])
def test_each_lock_holds_every_dependency_it_needs(tmp_path: Path, options: dict[str, str]) -> None:
    """Resolving a generated project's lock adds no package: what a locked package needs is locked too, on
    every platform (the MLflow-without-DVC lock once lacked cffi, which cryptography imports)."""
    uv = uv_binary()
    assert uv, "uv not found: install the test extras"
    project = bake(tmp_path, git_init=False, ci="none", **options)
    lock = project / "requirements.lock"
    resolved = run(
        [uv, "pip", "compile", str(lock), "--universal", "--python-version", "3.11", "--no-annotate",
         "--no-header", "--quiet"],
        cwd=project,
    )  # fmt: skip
    locked = _pins(lock.read_text(encoding="utf-8").splitlines())
    assert _pins(resolved.splitlines()) - locked == set(), options
