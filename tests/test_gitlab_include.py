"""The GitLab CI include (`ci/gitlab/mlops-audit.gitlab-ci.yml`): its structure, and its script run locally
the way a runner runs it (variables exported, the script lines in one shell) against fake repositories."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ml_fixtures import clean_project
from repo_builder import (
    audit_json_cli,
    git,
    legacy_repo,
    legacy_repo_with_baseline,
    make_repo,
    notebook,
    recording_python,
)

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "ci" / "gitlab" / "mlops-audit.gitlab-ci.yml"
LEGACY = ROOT / "examples" / "legacy-project"
REPORT = "gl-code-quality-report.json"
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
VARIABLES = {"MLOPS_AUDIT_PATH", "MLOPS_AUDIT_FAIL_ON", "MLOPS_AUDIT_MIN_SCORE", "MLOPS_AUDIT_MIN_LEVEL",
             "MLOPS_AUDIT_BASELINE", "MLOPS_AUDIT_VERSION"}


def load() -> dict[str, Any]:
    doc = yaml.safe_load(INCLUDE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """GitLab's `extends:` merge: hashes deep-merged, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(
            merged.get(key), dict) else value
    return merged


def job(name: str = "mlops-audit") -> dict[str, Any]:
    doc = load()
    spec = doc[name]
    if "extends" in spec:
        spec = _merge(doc[spec["extends"]], {k: v for k, v in spec.items() if k != "extends"})
    return spec  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- structure
def test_include_defines_a_template_and_a_default_job() -> None:
    doc = load()
    assert set(doc) == {".mlops-audit", "mlops-audit"}  # nothing global (no stages:, variables:, default:)
    assert doc["mlops-audit"] == {"extends": ".mlops-audit"}
    spec = job()
    assert spec["stage"] == "test"
    assert spec["image"].startswith("python:3")
    assert set(spec["variables"]) == VARIABLES | {"GIT_DEPTH"}
    assert all(isinstance(v, str) for v in spec["variables"].values())  # GitLab variables are strings
    assert spec["variables"]["MLOPS_AUDIT_FAIL_ON"] == ""
    assert spec["variables"]["MLOPS_AUDIT_PATH"] == "."
    assert spec["variables"]["GIT_DEPTH"] == "0"
    assert spec["artifacts"]["when"] == "always"  # the report survives a failing gate
    assert spec["artifacts"]["reports"] == {"codequality": REPORT}
    script = "\n".join(spec["script"])
    assert f"--format gitlab --output {REPORT} --exit-zero" in script
    assert "--no-color" in script
    assert any("pip install" in line and '"$MLOPS_AUDIT_VERSION"' in line for line in spec["before_script"])


# --------------------------------------------------------------------------- the script, run locally
def run_job(workspace: Path, variables: dict[str, str] | None = None, *, shell: str = "bash",
            part: str = "script", path_prefix: Path | None = None) -> subprocess.CompletedProcess[str]:
    spec = job()
    given = variables or {}
    assert set(given) <= VARIABLES
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_AUDIT_")}
    env.update({k: str(v) for k, v in spec["variables"].items()})
    env.update(given)
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(workspace), "NO_COLOR": "1",
                "PATH": os.pathsep.join([str(path_prefix or Path(sys.executable).parent), env.get("PATH", "")])})
    flags = ["--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["-e"]
    return subprocess.run([shell, *flags, "-c", "\n".join(spec[part])], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=300)


def code_quality(workspace: Path) -> list[dict[str, Any]]:
    doc = json.loads((workspace / REPORT).read_text(encoding="utf-8"))
    assert isinstance(doc, list)
    fingerprints = set()
    for item in doc:
        assert isinstance(item["description"], str) and item["description"]
        assert isinstance(item["check_name"], str) and item["check_name"]
        assert isinstance(item["fingerprint"], str) and item["fingerprint"] not in fingerprints
        fingerprints.add(item["fingerprint"])
        assert item["severity"] in SEVERITIES
        path = item["location"]["path"]
        assert isinstance(path, str) and path and not path.startswith(("/", "./"))
        begin = item["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    return doc


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_legacy_repository_gets_a_report_and_fails(tmp_path: Path, shell: str) -> None:
    ws = legacy_repo(tmp_path / "ws")
    expected = audit_json_cli(ws)
    proc = run_job(ws, shell=shell)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "DAT001" in proc.stdout and "Level 0" in proc.stdout and "\x1b[" not in proc.stdout
    issues = code_quality(ws)
    assert len(issues) == len(expected["findings"])  # the report file in the tree changed nothing
    assert "DAT001" in {i["check_name"] for i in issues}
    assert {"critical", "major"} <= {i["severity"] for i in issues}
    assert {"data.csv", "train.ipynb"} <= {i["location"]["path"] for i in issues}


def test_clean_repository_passes_with_an_empty_report(tmp_path: Path) -> None:
    ws = make_repo(tmp_path / "ws", {**clean_project()})
    proc = run_job(ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert code_quality(ws) == []


@pytest.mark.parametrize(("variables", "code"), [
    ({"MLOPS_AUDIT_FAIL_ON": "never"}, 0),
    ({"MLOPS_AUDIT_FAIL_ON": "never", "MLOPS_AUDIT_MIN_SCORE": "50"}, 1),
    ({"MLOPS_AUDIT_FAIL_ON": "never", "MLOPS_AUDIT_MIN_SCORE": "5"}, 0),
    ({"MLOPS_AUDIT_FAIL_ON": "never", "MLOPS_AUDIT_MIN_LEVEL": "2"}, 1),
    ({"MLOPS_AUDIT_FAIL_ON": "nonsense"}, 2),
])
def test_gate_variables(tmp_path: Path, variables: dict[str, str], code: int) -> None:
    ws = legacy_repo(tmp_path / "ws")
    proc = run_job(ws, variables)
    assert proc.returncode == code, proc.stdout + proc.stderr
    if code == 2:  # a usage error stops the job before any report
        assert "--fail-on must be one of" in proc.stderr and not (ws / REPORT).exists()
    else:
        assert code_quality(ws)  # the findings are reported whatever the gate says


def test_fail_on_warning_and_the_configuration(tmp_path: Path) -> None:
    files = clean_project()
    files["notebooks/explore.ipynb"] = notebook("x = 1\n", outputs=True, counts=[1])  # REP006, a warning
    ws = make_repo(tmp_path / "ws", {**files})
    assert run_job(ws).returncode == 0
    assert run_job(ws, {"MLOPS_AUDIT_FAIL_ON": "warning"}).returncode == 1
    assert [i["severity"] for i in code_quality(ws)] == ["major"]
    (ws / "pyproject.toml").write_text(files["pyproject.toml"] + '\n[tool.mlops-audit]\nfail-on = "warning"\n',
                                       encoding="utf-8")
    assert run_job(ws, {"MLOPS_AUDIT_FAIL_ON": ""}).returncode == 1  # empty: the configuration decides


def test_baseline_fails_only_on_new_findings(tmp_path: Path) -> None:
    ws = legacy_repo_with_baseline(tmp_path / "ws")
    proc = run_job(ws, {"MLOPS_AUDIT_BASELINE": ".mlops-audit-baseline.json"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert code_quality(ws)  # known findings are still in the Code Quality report
    (ws / "more_data.csv").write_text("a,b\n" + "1,2\n" * 50, encoding="utf-8")
    git(ws, "add", "more_data.csv")
    proc = run_job(ws, {"MLOPS_AUDIT_BASELINE": ".mlops-audit-baseline.json"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "new finding(s)" in proc.stderr


def test_subfolder_paths_are_relative_to_the_project(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"ml/{p.name}": p.read_bytes() for p in LEGACY.iterdir() if p.is_file()}
    ws = make_repo(tmp_path / "ws", {"README.md": "# mono\n", **files})
    proc = run_job(ws, {"MLOPS_AUDIT_PATH": "ml"})
    assert proc.returncode == 1
    issues = code_quality(ws)
    assert (ws / REPORT).parent == ws  # the report lands where `artifacts:` looks for it
    assert all(i["location"]["path"].startswith("ml") for i in issues)
    assert "ml/data.csv" in {i["location"]["path"] for i in issues}


def test_before_script_installs_the_requested_version(tmp_path: Path) -> None:
    shim, record = recording_python(tmp_path)
    ws = make_repo(tmp_path / "ws", {"README.md": "# x\n"})
    proc = run_job(ws, {"MLOPS_AUDIT_VERSION": "mlops-audit==0.1.0"}, part="before_script", path_prefix=shim)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # git is there: no apt-get
    args = record.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["-m", "pip", "install"] and args[-1] == "mlops-audit==0.1.0"


def test_documented_variables_and_snippets_match_the_include() -> None:
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    rows = {k: v.strip('"') for k, v in re.findall(r"^\| `(MLOPS_AUDIT_\w+)` \| `([^`]*)` \|", text, re.M)}
    assert rows == {k: v for k, v in job()["variables"].items() if k in VARIABLES}
    snippets = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "MLOPS_AUDIT_" in b]
    assert snippets
    for snippet in snippets:
        for name, spec in snippet.items():
            if name == "include":
                assert spec[0]["remote"].endswith("/ci/gitlab/mlops-audit.gitlab-ci.yml")
            else:
                assert name == "mlops-audit" or spec["extends"] == ".mlops-audit"
                assert set(spec["variables"]) <= VARIABLES


def test_the_job_init_writes_gates_on_the_baseline_it_records(tmp_path: Path) -> None:
    """`mlops-audit init --baseline` on a GitLab repository: its `.gitlab/mlops-audit.gitlab-ci.yml` includes this
    file and sets the job's MLOPS_AUDIT_BASELINE (GitLab merges a job of the including file over the included
    one); run so, the job passes on the legacy repository and fails on a new finding only."""
    from mlops_audit.init import init_repository

    ws = legacy_repo(tmp_path / "ws", {".gitlab-ci.yml": "test:\n  script: [pytest]\n"})
    init_repository(ws, baseline=True, ask=lambda question: False)
    local = yaml.safe_load((ws / ".gitlab" / "mlops-audit.gitlab-ci.yml").read_text(encoding="utf-8"))
    assert set(local) == {"include", "mlops-audit"} and "mlops-audit" in load()
    variables = local["mlops-audit"]["variables"]
    assert _merge(job(), local["mlops-audit"])["variables"]["MLOPS_AUDIT_BASELINE"] == ".mlops-audit-baseline.json"
    assert run_job(ws).returncode == 1  # the include alone: every finding fails
    proc = run_job(ws, variables)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (ws / "more_data.csv").write_text("a,b\n" + "1,2\n" * 50, encoding="utf-8")
    git(ws, "add", "more_data.csv")
    proc = run_job(ws, variables)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 new finding(s) at or above error" in proc.stderr
