"""`mlops-audit init`: a config section, a pre-commit entry and a CI gate, added without breaking anything.

It is idempotent, never overwrites without --force, with --force replaces only what it wrote itself, keeps
a hand-written configuration, writes files that parse (TOML, YAML, a workflow actionlint accepts), and the
audit still runs afterwards."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ml_fixtures import clean_project
from mlops_audit import __version__, tomlread
from mlops_audit.config import discover
from mlops_audit.entry import main
from mlops_audit.init import BEGIN, END, REPO_URL
from repo_builder import make_repo

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "examples" / "legacy-project"
PYPROJECT = '[project]\nname = "churn"\nversion = "0.1.0"\n'
WORKFLOW = Path(".github/workflows/mlops-audit.yml")


def init(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, list[str]]:
    code = main(["init", str(root), *args])
    out, err = capsys.readouterr()
    return code, (out + err).splitlines()


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def yaml_file(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def hook_ids() -> list[str]:
    return [h["id"] for h in yaml_file(ROOT / ".pre-commit-hooks.yaml")]


def actionlint() -> str:
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.fail("actionlint is not on PATH: install the test extras (pip install -e '.[test]')")
    return exe


# --------------------------------------------------------------------------- what it writes
def test_init_adds_config_pre_commit_and_github_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": PYPROJECT, "README.md": "# churn\n"})
    code, lines = init(capsys, repo)
    assert code == 0
    assert lines[:3] == [
        f"appended configuration: [tool.mlops-audit] to {repo / 'pyproject.toml'}",
        f"created  pre-commit hooks: {repo / '.pre-commit-config.yaml'}",
        f"created  CI gate: {repo / WORKFLOW}",
    ]
    assert len(lines) == 4 and lines[3].startswith("skipped  baseline:")  # it has findings; nobody to ask
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(PYPROJECT) and BEGIN in text and END in text
    doc = tomlread.loads(text)
    assert doc["project"]["name"] == "churn"
    assert doc["tool"]["mlops-audit"] == {"fail-on": "error", "ignore": {}}
    cfg = discover(repo)
    assert cfg.source == "pyproject.toml" and cfg.problems == [] and cfg.fail_on == "error"

    pre_commit = yaml_file(repo / ".pre-commit-config.yaml")
    assert pre_commit == {"repos": [{"repo": REPO_URL, "rev": f"v{__version__}",
                                     "hooks": [{"id": i} for i in hook_ids()]}]}
    workflow = yaml_file(repo / WORKFLOW)
    steps = workflow["jobs"]["audit"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert f"mlops-audit/mlops-audit@v{__version__}" in uses  # this repository's action.yml
    assert uses[-1].startswith("github/codeql-action/upload-sarif@")
    assert steps[-1]["with"]["sarif_file"] == "${{ steps.audit.outputs.sarif-file }}"
    assert workflow["jobs"]["audit"]["permissions"]["security-events"] == "write"


def test_without_pyproject_writes_mlops_audit_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"train.py": "print('hi')\n"})
    code, lines = init(capsys, repo)
    assert code == 0
    assert lines[0] == f"created  configuration: {repo / '.mlops-audit.toml'}"
    assert not (repo / "pyproject.toml").exists()
    assert tomlread.loads((repo / ".mlops-audit.toml").read_text(encoding="utf-8")) == {"fail-on": "error",
                                                                                        "ignore": {}}
    cfg = discover(repo)
    assert cfg.source == ".mlops-audit.toml" and cfg.problems == []


def test_second_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": PYPROJECT})
    init(capsys, repo)
    before = snapshot(repo)
    code, lines = init(capsys, repo)
    assert code == 0
    assert snapshot(repo) == before
    assert len(lines) == 4 and all(line.startswith("kept ") for line in lines[:3])
    assert lines[3].startswith("skipped  baseline:")


def test_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = {
        ".mlops-audit.toml": 'select = ["DAT"]\nmin-score = 50\n',
        ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n      - id: t\n        name: t\n"
                                   "        entry: 'true'\n        language: system\n",
        str(WORKFLOW): "name: mine\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                       "      - run: echo mine\n",
    }
    repo = make_repo(tmp_path / "repo", {**mine})
    before = snapshot(repo)
    code, lines = init(capsys, repo)
    assert code == 0
    assert snapshot(repo) == before
    assert lines[0].startswith("kept     configuration:") and "--force" in lines[0]
    assert lines[1].startswith("kept     pre-commit hooks:") and "add this under `repos:`" in lines[1]
    assert f"  - repo: {REPO_URL}" in lines  # the snippet to paste is printed
    assert any(line.startswith("kept     CI gate:") for line in lines)


def test_force_replaces_only_its_own_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": PYPROJECT})
    init(capsys, repo)
    original = (repo / "pyproject.toml").read_text(encoding="utf-8")
    block = original[original.index(BEGIN):original.index(END) + len(END)]
    edited = block.replace("# min-score = 60", "min-score = 99")
    assert edited != block
    head, tail = "# team settings\n" + PYPROJECT, '\n[tool.black]\nline-length = 99\n'
    (repo / "pyproject.toml").write_text(head + "\n" + edited + "\n" + tail, encoding="utf-8")

    code, lines = init(capsys, repo)  # without --force: the edited block stays
    assert "min-score = 99" in (repo / "pyproject.toml").read_text(encoding="utf-8")
    code, lines = init(capsys, repo, "--force")
    assert code == 0
    assert lines[0] == f"replaced configuration: the init block of {repo / 'pyproject.toml'}"
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == head + "\n" + block + "\n" + tail
    assert tomlread.loads(head + "\n" + block + "\n" + tail)["tool"]["black"] == {"line-length": 99}


def test_force_appends_to_an_existing_pre_commit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9\n    hooks:\n" \
               "      - id: ruff\n"
    repo = make_repo(tmp_path / "repo", {".pre-commit-config.yaml": existing})
    code, lines = init(capsys, repo, "--force")
    assert code == 0 and lines[1].startswith("appended pre-commit hooks:")
    text = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert text.startswith(existing)
    repos = yaml_file(repo / ".pre-commit-config.yaml")["repos"]
    assert [r["repo"] for r in repos] == ["https://github.com/astral-sh/ruff-pre-commit", REPO_URL]
    code, lines = init(capsys, repo, "--force")  # now it runs mlops-audit: not appended twice
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == text


def test_force_leaves_a_pre_commit_config_it_cannot_edit_safely(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = "repos:\n  - repo: local\n    hooks: []\nci:\n  autofix_prs: false\n"  # repos: is not last
    repo = make_repo(tmp_path / "repo", {".pre-commit-config.yaml": existing})
    code, lines = init(capsys, repo, "--force")
    assert code == 0 and lines[1].startswith("kept     pre-commit hooks:")
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == existing


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("section", [
    '[tool.mlops-audit]\nmin-score = 70\nfail-on = "warning"\n',
    '[tool.mlops-audit.ignore]\nMON004 = "alerting lives in Datadog"\n',
])
def test_hand_written_section_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      force: bool, section: str) -> None:
    text = PYPROJECT + "\n" + section
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": text})
    code, lines = init(capsys, repo, *(["--force"] if force else []))
    assert code == 0
    assert lines[0].endswith("already has a hand-written [tool.mlops-audit] section")
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == text
    assert not (repo / ".mlops-audit.toml").exists()


def test_force_keeps_a_hand_written_mlops_audit_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'select = ["DAT"]\nmin-score = 50\n'
    repo = make_repo(tmp_path / "repo", {".mlops-audit.toml": text})
    init(capsys, repo, "--force")
    assert (repo / ".mlops-audit.toml").read_text(encoding="utf-8") == text


def test_force_keeps_a_hand_written_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "name: mine\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo mine\n"
    repo = make_repo(tmp_path / "repo", {str(WORKFLOW): text})
    init(capsys, repo, "--force")
    assert (repo / WORKFLOW).read_text(encoding="utf-8") == text


def test_force_rewrites_what_init_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    init(capsys, repo)
    first = snapshot(repo)
    from mlops_audit.init import BEGIN

    (repo / WORKFLOW).write_text(f"{BEGIN}\nbroken: [\n", encoding="utf-8")  # still init's file, now damaged
    code, lines = init(capsys, repo, "--force")
    assert code == 0 and lines[2] == f"replaced CI gate: {repo / WORKFLOW}"
    assert snapshot(repo) == first


def test_every_fail_on_the_config_block_advertises_is_accepted(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": PYPROJECT})
    init(capsys, repo)
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    advertised = re.search(r'fail-on = "error" +# (.*)', text)
    assert advertised
    for value in [v.strip() for v in advertised.group(1).split("|")]:
        (repo / "pyproject.toml").write_text(text.replace('fail-on = "error"', f'fail-on = "{value}"'),
                                             encoding="utf-8")
        assert discover(repo).problems == [], value


# --------------------------------------------------------------------------- GitLab
def test_gitlab_is_detected_and_the_include_suggested(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {".gitlab-ci.yml": "test:\n  script: [pytest]\n"})
    code, lines = init(capsys, repo)
    assert code == 0
    job_file = repo / ".gitlab" / "mlops-audit.gitlab-ci.yml"
    assert lines[2] == f"created  CI gate: {job_file}"
    assert lines[3].strip() == "add to .gitlab-ci.yml:  include: [{local: .gitlab/mlops-audit.gitlab-ci.yml}]"
    assert not (repo / WORKFLOW).exists()
    remote = yaml_file(job_file)["include"][0]["remote"]
    assert remote.endswith(f"/v{__version__}/ci/gitlab/mlops-audit.gitlab-ci.yml")
    assert (Path(__file__).resolve().parents[1] / "ci" / "gitlab" / "mlops-audit.gitlab-ci.yml").is_file()
    # once included, nothing more is suggested
    (repo / ".gitlab-ci.yml").write_text("include: [{local: .gitlab/mlops-audit.gitlab-ci.yml}]\n", encoding="utf-8")
    code, lines = init(capsys, repo)
    assert len(lines) == 4 and not any("add to .gitlab-ci.yml" in line for line in lines)


def test_explicit_ci_choice_and_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    assert init(capsys, repo, "--ci", "gitlab")[0] == 0
    assert (repo / ".gitlab" / "mlops-audit.gitlab-ci.yml").is_file() and not (repo / WORKFLOW).exists()
    code, lines = init(capsys, repo, "--ci", "jenkins")
    assert code == 2 and lines == ["mlops-audit: error: --ci must be github or gitlab, not 'jenkins'"]
    code, lines = init(capsys, repo / "README.md")
    assert code == 2 and lines[0].startswith("mlops-audit: error: not a directory")


# --------------------------------------------------------------------------- the files are valid for their tools
def test_generated_workflow_passes_actionlint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    init(capsys, repo)
    proc = subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and the same linter does fail a broken workflow here
    (repo / ".github" / "workflows" / "broken.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
        encoding="utf-8")
    proc = subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "broken.yml" in proc.stdout and "mlops-audit.yml" not in proc.stdout


def test_generated_pre_commit_config_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install pre-commit)")
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    init(capsys, repo)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- the audit afterwards
def _audit(repo: Path) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", str(repo), "-f", "json"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_clean_project_still_passes_after_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", {**clean_project()})
    assert init(capsys, repo)[0] == 0
    code, doc = _audit(repo)
    assert code == 0
    assert doc["score"] == 100 and doc["level"] == 3 and doc["findings"] == []
    assert discover(repo).problems == []


@pytest.mark.parametrize("with_pyproject", [False, True])
def test_legacy_project_audits_the_same_after_init(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   with_pyproject: bool) -> None:
    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in LEGACY.iterdir() if p.is_file()}
    if with_pyproject:
        files["pyproject.toml"] = PYPROJECT
    repo = make_repo(tmp_path / "repo", files)
    code_before, before = _audit(repo)
    assert init(capsys, repo)[0] == 0
    code_after, after = _audit(repo)
    assert code_before == code_after == 1
    assert discover(repo).problems == []
    # the CI gate now exists: "no CI" goes, "CI runs no tests" now applies (the gate is not a test step), and
    # the workflow's setup-python declares the Python version the project is checked on
    rules_before = {f["rule"] for f in before["findings"]}
    rules_after = {f["rule"] for f in after["findings"]}
    assert rules_after == (rules_before - {"AUT001", "REP004"}) | {"AUT002"}
    assert "AUT001" in rules_before
