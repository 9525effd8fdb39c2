"""The fleet on CI: the reusable GitHub workflow (`.github/workflows/mlops-audit-fleet.yml`) and the GitLab
parent-child pipeline (`ci/gitlab/mlops-audit-fleet.gitlab-ci.yml` and the child it generates): actionlint and
the forges' YAML schemas, their structure, and their jobs run locally the way a runner runs them (each job in
a fresh folder, bash, step outputs through $GITHUB_OUTPUT, artifacts uploaded and downloaded, the matrix
expanded from the list job's output; GitLab: the plan job's child pipeline run job by job, audit artifacts
handed to the fleet job), against fake repositories served from the local disk and a fake forge API."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from ml_fixtures import TRAIN, clean_project
from mlops_audit.fleet import ci
from repo_builder import legacy_repo, make_repo

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "mlops-audit-fleet.yml"
PARENT = ROOT / "ci" / "gitlab" / "mlops-audit-fleet.gitlab-ci.yml"
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def workflow() -> dict[str, Any]:
    doc = load(WORKFLOW)
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def _exe(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not on PATH: install the test extras (pip install -e '.[test]')")
    return exe


def _schema_check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("check-jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    return subprocess.run(["check-jsonschema", "--builtin-schema", schema, *map(str, files)], capture_output=True,
                          text=True, timeout=120)


# --------------------------------------------------------------------------- GitHub: lint and structure
def _caller_repo(tmp_path: Path, with_: str) -> Path:
    repo = make_repo(tmp_path / "caller", {"README.md": "# fleet\n"})
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOW, repo / ".github" / "workflows" / "mlops-audit-fleet.yml")
    (repo / ".github" / "workflows" / "fleet.yml").write_text(f"""\
name: fleet
on:
  schedule:
    - cron: "0 6 * * 1"
  workflow_dispatch:
jobs:
  fleet:
    uses: ./.github/workflows/mlops-audit-fleet.yml
    with:
{with_}
    secrets:
      token: ${{{{ secrets.FLEET_TOKEN }}}}
  report:
    needs: fleet
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{{{ needs.fleet.outputs.repositories }}}} repositories"
      - run: echo "mean ${{{{ needs.fleet.outputs.mean-score }}}}, mixed ${{{{ needs.fleet.outputs.mixed }}}}"
""", encoding="utf-8")
    return repo


def test_actionlint_accepts_the_workflow_and_a_caller(tmp_path: Path) -> None:
    repo = _caller_repo(tmp_path, "      repositories-file: fleet/repositories.txt\n      version: mlops-audit==0.1.0")
    proc = subprocess.run([_exe("actionlint"), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_checks_the_callers_inputs(tmp_path: Path) -> None:
    repo = _caller_repo(tmp_path, "      repository-file: fleet/repositories.txt")
    proc = subprocess.run([_exe("actionlint"), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert 'input "repository-file" is not defined' in proc.stdout


def test_the_workflow_and_the_pipelines_pass_the_forges_schemas(tmp_path: Path) -> None:
    proc = _schema_check("vendor.github-workflows", WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    child = tmp_path / "child.yml"
    assert ci.main(["gitlab-child", str(child)], env={"MLOPS_AUDIT_REPOSITORIES": "acme/ml/churn\nacme/web"}) == 0
    proc = _schema_check("vendor.gitlab-ci", PARENT, child)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_structure() -> None:
    doc = workflow()
    call = doc["on"]["workflow_call"]
    assert set(call["inputs"]) == {"repositories", "repositories-file", "organisation", "previous", "version",
                                   "python-version", "max-parallel"}
    assert set(call["secrets"]) == {"token"} and call["secrets"]["token"]["required"] is False
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    assert list(jobs) == ["list", "audit", "aggregate"]
    assert jobs["audit"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.list.outputs.matrix) }}"
    assert jobs["audit"]["strategy"]["fail-fast"] is False
    assert jobs["aggregate"]["if"] == "always() && needs.list.result == 'success'"  # a failed audit still reports
    for job in jobs.values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step  # inputs reach scripts through env: only
            if step.get("uses", "").startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False  # the token is not left in the checkout


# --------------------------------------------------------------------------- GitHub: a local runner
class Runner:
    """Runs the workflow's jobs on this machine: `run:` steps in bash with $GITHUB_OUTPUT and
    $GITHUB_STEP_SUMMARY, `uses:` steps as their action would (checkout copies a fake repository, the artifact
    actions copy folders), the install and setup-python steps skipped (the tool is installed here)."""

    def __init__(self, tmp: Path, repos: dict[str, Path], inputs: dict[str, str], caller: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.tmp, self.repos, self.caller = tmp, repos, caller
        spec = workflow()["on"]["workflow_call"]
        self.inputs = {k: str(inputs.get(k, v.get("default", ""))) for k, v in spec["inputs"].items()}
        self.artifacts = tmp / "artifacts"
        self.artifacts.mkdir(parents=True)
        self.summary = ""
        self.env = env or {}
        self.logs: list[str] = []

    def _value(self, expr: str, ctx: dict[str, Any]) -> str:
        for term in (t.strip() for t in expr.split("||")):
            value: Any = ctx
            for part in term.split("."):
                value = value.get(part, "") if isinstance(value, dict) else ""
            if value not in ("", None):
                return str(value)
        return ""

    def evaluate(self, text: str, ctx: dict[str, Any]) -> str:
        return EXPR.sub(lambda m: self._value(m.group(1), ctx), text)

    def condition(self, cond: str | None, ctx: dict[str, Any]) -> bool:
        if cond is None:
            return True
        m = re.fullmatch(r"([\w.-]+) != ''", cond)
        if m:
            return self._value(m.group(1), ctx) != ""
        assert cond.startswith("always()"), f"condition not simulated: {cond}"
        return True

    def run_job(self, name: str, matrix: dict[str, str] | None = None,
                needs: dict[str, dict[str, str]] | None = None) -> tuple[int, dict[str, str]]:
        job = workflow()["jobs"][name]
        ws = self.tmp / f"ws-{name}-{(matrix or {}).get('slug', '')}"
        ws.mkdir()
        ctx: dict[str, Any] = {"inputs": self.inputs, "matrix": matrix or {},
                               "secrets": {"token": "fleet-token"},
                               "github": {"token": "github-token", "repository_owner": "acme"},
                               "needs": {k: {"outputs": v} for k, v in (needs or {}).items()}, "steps": {}}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_AUDIT_", "GITHUB_"))}
        base.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(ws), "NO_COLOR": "1",
                     "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")]), **self.env})
        for n, step in enumerate(job["steps"]):
            if not self.condition(step.get("if"), ctx):
                continue
            uses, with_ = step.get("uses", ""), {k: self.evaluate(str(v), ctx) for k, v in step.get("with", {}).items()}
            if uses.startswith("actions/checkout"):
                source = self.repos[with_["repository"]] if "repository" in with_ else self.caller
                assert source is not None
                shutil.copytree(source, ws / with_.get("path", "."), dirs_exist_ok=True, symlinks=True)
                continue
            if uses.startswith("actions/setup-python") or step.get("name") == "Install mlops-audit":
                continue
            if uses.startswith("actions/upload-artifact"):
                shutil.copytree(ws / with_["path"], self.artifacts / with_["name"])
                continue
            if uses.startswith("actions/download-artifact"):
                prefix = with_["pattern"].rstrip("*")
                for art in sorted(self.artifacts.iterdir()):
                    if art.name.startswith(prefix):
                        shutil.copytree(art, ws / with_["path"], dirs_exist_ok=True)
                continue
            assert not uses, f"action not simulated: {uses}"
            out, summary = self.tmp / f"out-{name}-{n}", self.tmp / f"summary-{name}-{n}"
            out.write_text("", encoding="utf-8")
            summary.write_text("", encoding="utf-8")
            env = {**base, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
                   **{k: self.evaluate(str(v), ctx) for k, v in step.get("env", {}).items()}}
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=ws,
                                  env=env, capture_output=True, text=True, timeout=600)
            self.logs.append(proc.stdout + proc.stderr)
            self.summary += summary.read_text(encoding="utf-8")
            outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines())
            if "id" in step:
                ctx["steps"][step["id"]] = {"outputs": outputs}
            if proc.returncode != 0:
                return proc.returncode, {}
        return 0, {k: self.evaluate(v, ctx) for k, v in job.get("outputs", {}).items()}

    def run(self) -> dict[str, str]:
        code, listed = self.run_job("list")
        assert code == 0, self.logs
        for entry in json.loads(listed["matrix"]):
            self.run_job("audit", matrix=entry)  # fail-fast: false; the aggregate job runs anyway
        code, outputs = self.run_job("aggregate", needs={"list": listed})
        assert code == 0, self.logs
        return outputs


def _fake_org(base: Path) -> dict[str, Path]:
    return {
        "acme/churn": legacy_repo(base / "churn"),
        "acme/clean": make_repo(base / "clean", {**clean_project()}),
        "acme/script": make_repo(base / "script", {"train.py": TRAIN}),
        "other-team/churn": legacy_repo(base / "churn-2", {"README.md": "# churn\n"}),
    }


def test_the_workflow_audits_each_repository_and_aggregates(tmp_path: Path) -> None:
    repos = _fake_org(tmp_path / "org")
    caller = make_repo(tmp_path / "caller", {"fleet/repositories.txt": "# the ML repositories\n" + "\n".join(repos)})
    runner = Runner(tmp_path / "run", repos, {"repositories-file": "fleet/repositories.txt"}, caller)
    outputs = runner.run()
    assert outputs["repositories"] == "4" and outputs["mixed"] == "false"
    fleet = runner.artifacts / "mlops-audit-fleet"
    doc = json.loads((fleet / "fleet.json").read_text(encoding="utf-8"))
    names = sorted(r["name"] for r in doc["repositories"])
    assert names == ["acme/churn", "clean", "other-team/churn", "script"]  # two churns: told apart by owner
    per_repo = {p.name for p in runner.artifacts.iterdir()} - {"mlops-audit-fleet"}
    assert per_repo == {f"mlops-audit-report-{ci.slug(n)}" for n in repos}  # one artifact per repository
    for repo in doc["repositories"]:
        assert repo["report"].startswith("reports/") and repo["report"].endswith(".html")
        assert (fleet / repo["report"]).is_file()  # the link works inside the artifact
    report = json.loads((runner.artifacts / "mlops-audit-report-acme__clean" / "acme__clean.json").read_text())
    assert next(r for r in doc["repositories"] if r["name"] == "clean")["score"] == report["score"]
    assert float(outputs["mean-score"]) == doc["summary"]["score"]["mean"]
    assert (fleet / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "# mlops-audit fleet report" in runner.summary and "**4 repositories**" in runner.summary


def test_the_workflow_reports_what_moved_given_a_previous_report(tmp_path: Path) -> None:
    repos = _fake_org(tmp_path / "org")
    first = Runner(tmp_path / "run1", repos, {"repositories": "\n".join(repos)})
    first.run()
    previous = (first.artifacts / "mlops-audit-fleet" / "fleet.json").read_text(encoding="utf-8")
    caller = make_repo(tmp_path / "caller", {"fleet/previous.json": previous})
    (repos["acme/script"] / "README.md").write_text("# script\n", encoding="utf-8")
    second = Runner(tmp_path / "run2", repos, {"repositories": "\n".join(repos), "previous": "fleet/previous.json"},
                    caller)
    second.run()
    doc = json.loads((second.artifacts / "mlops-audit-fleet" / "fleet.json").read_text(encoding="utf-8"))
    assert doc["moved"] is not None and doc["moved"]["previous"]["repositories"] == 4
    assert {"repository": "script", "rules": ["DES001"]} in doc["moved"]["resolved"]


def test_the_list_job_reads_the_organisation_from_the_api(tmp_path: Path) -> None:
    repos = [{"full_name": f"acme/repo-{i:03d}", "archived": i % 10 == 0, "fork": i % 7 == 0} for i in range(150)]
    with fake_api({"/orgs/acme/repos": repos}) as (url, seen):
        out = tmp_path / "out"
        env = {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": url, "GITHUB_OUTPUT": str(out),
               "MLOPS_AUDIT_ORGANISATION": "acme", "MLOPS_AUDIT_TOKEN": "t0ken"}
        assert ci.main(["github-matrix"], env=env) == 0
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    expected = [r["full_name"] for r in repos if not r["archived"] and not r["fork"]]
    assert [m["repository"] for m in json.loads(outputs["matrix"])] == expected
    assert outputs["count"] == str(len(expected))
    assert seen == [("/orgs/acme/repos", "1", "Bearer t0ken"), ("/orgs/acme/repos", "2", "Bearer t0ken")]


def test_a_user_account_is_listed_too(tmp_path: Path) -> None:
    with fake_api({"/users/alice/repos": [{"full_name": "alice/ml"}]}) as (url, _):
        env = {"GITHUB_API_URL": url, "MLOPS_AUDIT_ORGANISATION": "alice"}
        assert ci.github_matrix(env)["count"] == "1"


@pytest.mark.parametrize(("env", "message"), [
    ({"MLOPS_AUDIT_REPOSITORIES": "acme/ok\nacme/x;rm -rf ~"}, "not a GitHub repository name: 'acme/x;rm -rf ~'"),
    ({"MLOPS_AUDIT_REPOSITORIES": "acme/../etc"}, "not a GitHub repository name"),
    ({"MLOPS_AUDIT_REPOSITORIES": '["acme/a", 3]'}, "the repository list must be a JSON list of strings"),
    ({"MLOPS_AUDIT_REPOSITORIES": "\n".join(f"acme/r{i}" for i in range(257))},
     "257 repositories: a GitHub matrix runs at most 256"),
    ({}, "no repositories: give a list, a file, or an organisation"),
    ({"MLOPS_AUDIT_REPOSITORIES_FILE": "missing.txt"}, "repositories-file missing.txt: cannot be read"),
])
def test_bad_lists_are_one_error_annotation(tmp_path: Path, capsys: pytest.CaptureFixture[str], env: dict[str, str],
                                            message: str) -> None:
    assert ci.main(["github-matrix"], env={"GITHUB_ACTIONS": "true", **env}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"::error::{message}"), err


def test_an_api_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_api({}) as (url, _):
        assert ci.main(["github-matrix"], env={"GITHUB_API_URL": url, "MLOPS_AUDIT_ORGANISATION": "nobody"}) == 2
    assert capsys.readouterr().err.strip() == f"mlops-audit: error: {url}/users/nobody/repos: HTTP 404 Not Found"


# --------------------------------------------------------------------------- a fake forge API
class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, list[dict[str, Any]]]] = {}
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])
        path = parts.path.replace("%2F", "/").replace("%2f", "/")
        self.seen.append((path, str(page), self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN")
                          or ""))
        if path not in self.routes:
            self.send_error(404, "Not Found")
            return
        body = json.dumps(self.routes[path][(page - 1) * per_page: page * per_page]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def fake_api(routes: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    handler = type("Handler", (_Handler,), {"routes": routes, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- GitLab
def test_parent_pipeline_structure() -> None:
    doc = load(PARENT)
    assert doc["stages"] == ["fleet-plan", "fleet-run"]
    assert all(isinstance(v, str) for v in doc["variables"].values())  # GitLab variables are strings
    plan, run = doc["mlops-audit-fleet-plan"], doc["mlops-audit-fleet-run"]
    assert plan["artifacts"]["paths"] == ["mlops-audit-fleet-child.yml"]
    assert "gitlab-child mlops-audit-fleet-child.yml" in "\n".join(plan["script"])
    assert run["trigger"]["include"] == [{"artifact": "mlops-audit-fleet-child.yml", "job": "mlops-audit-fleet-plan"}]
    assert run["trigger"]["strategy"] == "depend"  # the parent fails when the child does


def test_child_pipeline_has_one_audit_job_per_project_then_the_fleet() -> None:
    names = ["acme/ml/churn", "acme/web", "acme/ml/deep/vision"]
    child = yaml.safe_load(ci.gitlab_child({"MLOPS_AUDIT_REPOSITORIES": "\n".join(names),
                                            "MLOPS_AUDIT_VERSION": "mlops-audit==0.1.0"}))
    assert child["stages"] == ["fleet-audit", "fleet-report"]
    audits = {k: v for k, v in child.items() if k.startswith("audit ")}
    assert [v["variables"]["MLOPS_AUDIT_PROJECT"] for v in audits.values()] == names
    assert all(v["extends"] == ".mlops-audit-fleet-audit" for v in audits.values())
    template = child[".mlops-audit-fleet-audit"]
    assert template["variables"] == {"GIT_STRATEGY": "none", "MLOPS_AUDIT_VERSION": "mlops-audit==0.1.0"}
    fleet = child["mlops-audit-fleet"]
    assert fleet["stage"] == "fleet-report" and fleet["when"] == "always"  # reports even when an audit failed
    assert "needs" not in fleet  # stage order hands it every audit's artifacts (needs: is capped at 50 jobs)


@pytest.mark.parametrize("name", ["acme/x: {y}", "acme", "acme/../../etc", "-acme/x", "acme/x\nevil: 1"])
def test_child_pipeline_refuses_names_that_are_no_project_path(name: str) -> None:
    with pytest.raises(ci.CIError, match="not a GitLab repository name"):
        ci.gitlab_child({"MLOPS_AUDIT_REPOSITORIES": json.dumps([name])})


def test_the_group_is_listed_from_the_api() -> None:
    projects = [{"path_with_namespace": f"acme/ml/p{i:03d}", "archived": i == 5} for i in range(120)]
    with fake_api({"/groups/acme/ml/projects": projects}) as (url, seen):
        child = ci.gitlab_child({"CI_API_V4_URL": url, "MLOPS_AUDIT_ORGANISATION": "acme/ml",
                                 "MLOPS_AUDIT_TOKEN": "glpat"})
    assert sum(k.startswith("audit ") for k in yaml.safe_load(child)) == 119
    assert [s[1:] for s in seen] == [("1", "glpat"), ("2", "glpat")]


def _sh(lines: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(lines)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_pipeline_runs_plan_audits_and_fleet(tmp_path: Path) -> None:
    server = tmp_path / "server"
    projects = {"acme/ml/churn": legacy_repo(server / "acme" / "ml" / "churn.git"),
                "acme/ml/clean": make_repo(server / "acme" / "ml" / "clean.git", {**clean_project()}),
                "acme/web": make_repo(server / "acme" / "web.git", {"train.py": TRAIN})}
    fleet_project = make_repo(tmp_path / "fleet-project", {"projects.txt": "\n".join([*projects, "acme/gone"])})
    base = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_AUDIT_")}
    parent = load(PARENT)
    base.update({k: str(v) for k, v in parent["variables"].items()})
    base.update({"CI": "true", "GITLAB_CI": "true", "NO_COLOR": "1", "CI_SERVER_URL": f"file://{server}",
                 "CI_JOB_TOKEN": "", "MLOPS_AUDIT_REPOSITORIES_FILE": "projects.txt",
                 "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")])})
    # the parent's plan job, in a checkout of the fleet project
    plan_dir = tmp_path / "jobs" / "plan"
    shutil.copytree(fleet_project, plan_dir)
    proc = _sh(parent["mlops-audit-fleet-plan"]["script"], plan_dir, base)
    assert proc.returncode == 0, proc.stderr
    child = yaml.safe_load((plan_dir / "mlops-audit-fleet-child.yml").read_text(encoding="utf-8"))
    template = child[".mlops-audit-fleet-audit"]
    results = {}
    for name, job in child.items():
        if not name.startswith("audit "):
            continue
        work = tmp_path / "jobs" / ci.slug(job["variables"]["MLOPS_AUDIT_PROJECT"])  # GIT_STRATEGY none: empty
        work.mkdir(parents=True)
        env = {**base, **template["variables"], **job["variables"]}
        results[name] = _sh(template["script"], work, env)
    assert {n: p.returncode for n, p in results.items()} == {
        "audit acme/ml/churn": 0, "audit acme/ml/clean": 0, "audit acme/web": 0, "audit acme/gone": 2}
    assert "acme/gone: could not be cloned" in results["audit acme/gone"].stderr
    # the fleet job: a checkout of the fleet project, with the artifacts of every earlier job
    fleet_dir = tmp_path / "jobs" / "fleet"
    shutil.copytree(fleet_project, fleet_dir)
    for job_dir in (tmp_path / "jobs").iterdir():
        if (job_dir / "reports").is_dir() and job_dir != fleet_dir:
            shutil.copytree(job_dir / "reports", fleet_dir / "reports", dirs_exist_ok=True)
    fleet = child["mlops-audit-fleet"]
    proc = _sh(fleet["script"], fleet_dir, {**base, **fleet["variables"]})
    assert proc.returncode == 0, proc.stderr
    out = fleet_dir / "mlops-audit-fleet"
    assert {p.name for p in out.iterdir()} == {"fleet.json", "index.html", "fleet.md", "reports"}
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    assert sorted(r["name"] for r in doc["repositories"]) == ["churn", "clean", "web"]
    for repo in doc["repositories"]:
        assert (out / repo["report"]).is_file()
        own = json.loads((out / "reports" / Path(repo["report"]).with_suffix(".json").name).read_text())
        assert repo["score"] == own["score"] and repo["level"] == own["level"]
    assert "token" not in (tmp_path / "jobs" / "acme__web" / "checkouts" / "acme" / "web" / ".git" /
                           "config").read_text()


def test_the_clone_sends_the_token_in_a_header_not_the_url_or_the_command_line(tmp_path: Path) -> None:
    """The child job's clone lines, run with a stand-in git that records its arguments and environment."""
    shim = tmp_path / "bin"
    shim.mkdir()
    record = tmp_path / "record"
    (shim / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}.args"\n'
                              f'printf "%s" "$GIT_CONFIG_KEY_0=$GIT_CONFIG_VALUE_0" > "{record}.env"\n',
                              encoding="utf-8")
    (shim / "git").chmod(0o755)
    child = yaml.safe_load(ci.gitlab_child({"MLOPS_AUDIT_REPOSITORIES": "acme/web"}))
    clone = [line for line in child[".mlops-audit-fleet-audit"]["script"] if "gitlab-audit" not in line]
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "CI_SERVER_URL": "https://gitlab.example.com",
           "MLOPS_AUDIT_PROJECT": "acme/web", "MLOPS_AUDIT_TOKEN": "glpat-secret", "CI_JOB_TOKEN": "job"}
    proc = _sh(clone, tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    args = (tmp_path / "record.args").read_text().splitlines()
    assert "https://gitlab.example.com/acme/web.git" in args and "checkouts/acme/web" in args
    assert "--template=" in args and not any("glpat" in a or "Authorization" in a for a in args)
    expected = base64.b64encode(b"oauth2:glpat-secret").decode()
    assert (tmp_path / "record.env").read_text() == f"http.extraHeader=Authorization: Basic {expected}"
    del env["MLOPS_AUDIT_TOKEN"]  # the job token otherwise
    assert _sh(clone, tmp_path, env).returncode == 0
    expected = base64.b64encode(b"gitlab-ci-token:job").decode()
    assert (tmp_path / "record.env").read_text() == f"http.extraHeader=Authorization: Basic {expected}"
