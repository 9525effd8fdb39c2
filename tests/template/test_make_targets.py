"""Every target of a generated project's Makefile runs for real; then the project still passes its own audit.

A target that leaves a file git would pick up (a data file that is not ignored) turns the project's pre-commit
hook and CI gate red. So after all the targets git sees no new file but the ones the design versions in git
(``dvc.lock`` and the DVC metric ``reports/metrics.json``), and ``mlops-audit`` exits 0 with no finding.

Slow (about two minutes per variant once the venv is cached; see test_template_projects.py for the cache).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from template_support import (
    PACKAGE,
    PROJECT_DIR,
    SAMPLE,
    VARIANTS,
    bake,
    cached_venv,
    free_port,
    http,
    run,
    uv_binary,
    wait_until_healthy,
)

pytestmark = pytest.mark.slow

# What the design versions in git among the files the targets write (the rest is ignored or DVC's).
VERSIONED_OUTPUTS = {"dvc": {"dvc.lock", "reports/metrics.json"}, "none": set()}


def makefile_targets(project: Path) -> list[str]:
    """The targets the Makefile declares, in its order (its ``.PHONY`` line)."""
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:"))
    return phony.split(":", 1)[1].split()


def git_untracked(project: Path) -> set[str]:
    """The files git would add with ``git add -A`` (nothing is committed in a fresh bake)."""
    out = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project)
    return {line[3:] for line in out.splitlines()}


def contents(project: Path, names: set[str]) -> dict[str, bytes]:
    return {name: (project / name).read_bytes() for name in names if (project / name).is_file()}


def docker_daemon() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    result = subprocess.run([docker, "info"], capture_output=True, text=True, check=False, timeout=60)
    return result.returncode == 0


class Project:
    """A baked project, its venv and ``make`` run the way its README says (venv active, uv on PATH)."""

    def __init__(self, root: Path, venv: Path, options: dict[str, str]) -> None:
        self.root, self.venv, self.options = root, venv, options
        self.python = str(venv / "bin" / "python")
        uv = uv_binary()
        assert uv, "uv not found: install the test extras"
        path = os.pathsep.join([str(venv / "bin"), str(Path(uv).parent), os.environ.get("PATH", "")])
        self.env = {"PATH": path, "VIRTUAL_ENV": str(venv)}
        self.make = shutil.which("make") or ""

    def run(self, *args: str, timeout: float = 900) -> str:
        env = {**os.environ, **self.env}
        env.pop("MLFLOW_TRACKING_URI", None)  # the project's own local store
        result = subprocess.run(
            [self.make, *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert result.returncode == 0, f"make {' '.join(args)}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        return result.stdout + result.stderr


def _help(project: Project) -> None:
    listed = {line.split()[0] for line in project.run("help").splitlines() if line.strip()}
    assert set(makefile_targets(project.root)) <= listed


def _install(project: Project) -> None:
    out = project.run("install")
    assert " pip sync " in out and "requirements.lock" in out, out  # uv is on PATH: uv installs the lock
    run([project.python, "-c", f"import {PACKAGE}"], cwd=project.root.parent)


def _lint(project: Project) -> None:
    project.run("lint")


def _format(project: Project) -> None:
    files = git_untracked(project.root)
    before = contents(project.root, files)
    project.run("format")
    assert contents(project.root, files) == before, "make format changed a freshly generated project"


def _test(project: Project) -> None:
    out = project.run("test")
    summary = [line for line in out.splitlines() if " passed" in line][-1]
    assert "failed" not in summary and "error" not in summary, out[-4000:]
    assert "warning" not in summary, out[-4000:]  # e.g. starlette's testclient deprecating plain httpx


def _train(project: Project) -> None:
    project.run("train")
    metrics = json.loads((project.root / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85


def _pipeline(project: Project) -> None:
    project.run("pipeline")


def _predict(project: Project) -> None:
    project.run("predict")
    scored = project.root / "data" / "predictions.csv"
    assert scored.read_text(encoding="utf-8").count("\n") > 10


def _drift(project: Project) -> None:
    out = project.run("drift")
    assert json.loads(out.strip().splitlines()[-1])["retrain_needed"] is False
    assert (project.root / "reports" / "drift" / "drift_report.html").is_file()


def _serve(project: Project) -> None:
    port = free_port()
    env = {**os.environ, **project.env}
    env.pop("MLFLOW_TRACKING_URI", None)
    server = subprocess.Popen(
        [project.make, "serve", "HOST=127.0.0.1", f"PORT={port}"], cwd=project.root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_until_healthy(server, base, "make serve")
        status, ready = http("GET", f"{base}/ready")
        assert status == 200
        status, prediction = http("POST", f"{base}/predict", SAMPLE)
        assert status == 200
        assert health["model_version"] == ready["model_version"] == prediction["model_version"] is not None
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and the uvicorn it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _docker(project: Project) -> None:
    if docker_daemon():
        project.run("docker", timeout=1800)
    else:  # no daemon here: check the command it would run
        assert project.run("-n", "docker").strip() == f"docker build -t {PROJECT_DIR}:latest ."


def _clean(project: Project) -> None:
    project.run("clean")
    assert not (project.root / ".pytest_cache").exists() and not (project.root / ".ruff_cache").exists()


RUNNERS: dict[str, Callable[[Project], None]] = {
    "help": _help, "install": _install, "lint": _lint, "format": _format, "test": _test, "train": _train,
    "pipeline": _pipeline, "predict": _predict, "drift": _drift, "serve": _serve, "docker": _docker,
    "clean": _clean,
}  # fmt: skip


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_make_target_then_the_audit_passes(tmp_path: Path, variant: str) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    options = VARIANTS[variant]
    root = bake(tmp_path, git_init=True, **options)
    project = Project(root, cached_venv(root / "requirements.lock"), options)
    targets = makefile_targets(root)
    assert set(targets) - set(RUNNERS) == set(), "a Makefile target this test does not run"
    generated = git_untracked(root)

    for target in targets:
        RUNNERS[target](project)

    written = git_untracked(root) - generated
    assert written == VERSIONED_OUTPUTS[options["data_versioning"]], "files git would pick up after the targets"
    audit = subprocess.run(
        [sys.executable, "-m", "mlops_audit", str(root), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert json.loads(audit.stdout)["findings"] == [], audit.stdout
    assert audit.returncode == 0, audit.stderr
