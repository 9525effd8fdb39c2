"""`mlops-audit init` on a repository that has findings: it offers a baseline and gates the hook and CI on it.

It asks on a terminal (a real pty here), never without one or under CI (it must not wait on stdin), decides
without asking when told (``baseline=True``/``False``: ``--baseline``/``--no-baseline``), reuses a baseline that
is there (never overwrites it), keeps a file it cannot use, and says what it did. The gates it writes then fail
only on new findings: checked by running the audit the way each gate runs it."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ml_fixtures import clean_project
from mlops_audit.baseline import BASELINE_NAME, load_baseline
from mlops_audit.entry import main
from mlops_audit.init import PRE_COMMIT_ENTRY, InitError, init_repository
from repo_builder import git, legacy_repo, make_repo

WORKFLOW = Path(".github/workflows/mlops-audit.yml")
GITLAB_JOB = Path(".gitlab/mlops-audit.gitlab-ci.yml")
NEW_DATA = "customer_id,spend\n" + "".join(f"{i},{i * 3 % 97}\n" for i in range(300))


def never_asked(question: str) -> bool:
    raise AssertionError(f"init asked {question!r}")


def audit_gate(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mlops-audit . ARGS` in ``repo``, as a gate runs it."""
    return subprocess.run([sys.executable, "-m", "mlops_audit", ".", "--no-color", *args], cwd=repo,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def findings(repo: Path) -> list[dict[str, Any]]:
    proc = audit_gate(repo, "-f", "json", "--exit-zero")
    assert proc.returncode == 0, proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return found


def hook_args(repo: Path) -> list[str] | None:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "mlops-audit")
    args: list[str] | None = hook.get("args")
    return args


def action_inputs(repo: Path) -> dict[str, str]:
    steps = yaml.safe_load((repo / WORKFLOW).read_text(encoding="utf-8"))["jobs"]["audit"]["steps"]
    audit = next(s for s in steps if s.get("id") == "audit")
    inputs: dict[str, str] = audit.get("with", {})
    return inputs


# --------------------------------------------------------------------------- told what to do
def test_baseline_true_records_the_findings_left_after_init_and_gates_hook_and_ci(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    lines = init_repository(repo, baseline=True, ask=never_asked)
    assert lines[1].startswith("created  pre-commit hooks:") and f"gated on {BASELINE_NAME}" in lines[1]
    assert lines[2].startswith("created  CI gate:") and f"gated on {BASELINE_NAME}" in lines[2]
    now = findings(repo)  # after init: its CI gate turned "no CI" into "CI runs no tests"
    assert lines[3] == (f"created  baseline: {repo / BASELINE_NAME}, {len(now)} finding(s) recorded (commit it): "
                        "the pre-commit hook and the CI gate fail only on new findings")
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    def where(f: dict[str, Any]) -> tuple[str, str, int]:
        return f["rule"], f["path"] or "", f["line"] or 0

    assert sorted(map(where, doc["findings"])) == sorted(map(where, now))
    assert {"AUT002"} <= {f["rule"] for f in doc["findings"]} and "AUT001" not in {f["rule"] for f in doc["findings"]}
    assert hook_args(repo) == ["--quiet", "--baseline", BASELINE_NAME]
    assert action_inputs(repo) == {"baseline": BASELINE_NAME}

    gate = ["--baseline", BASELINE_NAME]
    assert audit_gate(repo).returncode == 1  # without the baseline the legacy repository fails
    assert audit_gate(repo, *gate).returncode == 0  # with it, only new findings would
    (repo / "customers.csv").write_text(NEW_DATA, encoding="utf-8")
    git(repo, "add", "customers.csv")
    proc = audit_gate(repo, *gate, "--quiet")
    assert proc.returncode == 1
    listed = [ln for ln in proc.stdout.splitlines() if re.search(r": [A-Z]{3}\d{3} \[(error|warning|info)\] ", ln)]
    assert len(listed) == 1 and listed[0].startswith("customers.csv: DAT001 [error] CSV data file"), proc.stdout


def test_baseline_false_records_nothing_and_gates_nothing(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    lines = init_repository(repo, baseline=False, ask=never_asked)
    assert lines[3] == "skipped  baseline: --no-baseline: the hook and the CI gate fail on every finding"
    assert not (repo / BASELINE_NAME).exists()
    assert hook_args(repo) is None and action_inputs(repo) == {}


def test_gitlab_gate_is_gated_through_the_include_variable(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo", {".gitlab-ci.yml": "test:\n  script: [pytest]\n"})
    lines = init_repository(repo, baseline=True, ask=never_asked)
    assert lines[2].startswith(f"created  CI gate: {repo / GITLAB_JOB} (gated on {BASELINE_NAME}")
    doc = yaml.safe_load((repo / GITLAB_JOB).read_text(encoding="utf-8"))
    assert doc["include"][0]["remote"].endswith("/ci/gitlab/mlops-audit.gitlab-ci.yml")
    assert doc["mlops-audit"] == {"variables": {"MLOPS_AUDIT_BASELINE": BASELINE_NAME}}  # merged into the job
    assert (repo / BASELINE_NAME).is_file()


def test_a_clean_repository_is_not_offered_a_baseline(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "clean", {**clean_project()})
    lines = init_repository(repo, ask=never_asked)
    assert len(lines) == 3 and not (repo / BASELINE_NAME).exists()
    assert init_repository(repo, baseline=True, ask=never_asked)[3] == "skipped  baseline: no findings to record"
    assert not (repo / BASELINE_NAME).exists()


# --------------------------------------------------------------------------- a baseline already there
def test_an_existing_baseline_is_reused_never_overwritten(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    subprocess.run([sys.executable, "-m", "mlops_audit", "baseline", "."], cwd=repo, check=True,
                   capture_output=True, timeout=300)
    before = (repo / BASELINE_NAME).read_bytes()
    recorded = sum(load_baseline(repo / BASELINE_NAME).values())
    lines = init_repository(repo, ask=never_asked)  # no question: the file says what the team wants
    assert (repo / BASELINE_NAME).read_bytes() == before
    assert hook_args(repo) == ["--quiet", "--baseline", BASELINE_NAME]
    assert action_inputs(repo) == {"baseline": BASELINE_NAME}
    # recorded before init: its CI gate's "CI runs no tests" is not in it, and init says so
    assert lines[3] == (f"kept     baseline: {repo / BASELINE_NAME}, {recorded} finding(s) recorded, reused: the "
                        "pre-commit hook and the CI gate fail only on new findings; 1 of today's finding(s) are "
                        "not in it and fail them (`mlops-audit baseline` records them)")


@pytest.mark.parametrize("content", ['{"findings": "nope"}', "not json", '{"schema_version": 9, "findings": []}'])
def test_a_file_that_is_not_a_baseline_is_kept_and_not_used(tmp_path: Path, content: str) -> None:
    repo = legacy_repo(tmp_path / "repo", {BASELINE_NAME: content})
    lines = init_repository(repo, baseline=True, ask=never_asked)
    assert (repo / BASELINE_NAME).read_text(encoding="utf-8") == content
    assert lines[3].startswith("kept     baseline: ") and "not gated on it" in lines[3]
    assert hook_args(repo) is None and action_inputs(repo) == {}


def test_a_symlinked_baseline_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}", encoding="utf-8")
    repo = legacy_repo(tmp_path / "repo")
    (repo / BASELINE_NAME).symlink_to(outside)
    lines = init_repository(repo, baseline=True, ask=never_asked)
    assert "is not a regular file" in lines[3]
    assert outside.read_text(encoding="utf-8") == "{}"


def test_the_baseline_is_never_written_through_a_link_that_appears(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the question and the write a link appears where the baseline goes: init stops, writes nothing."""
    import mlops_audit.init as init_module

    outside = tmp_path / "outside.json"
    repo = legacy_repo(tmp_path / "repo")
    real = init_module._audit

    def audit_then_plant(root: Path) -> Any:
        result = real(root)
        if (repo / WORKFLOW).exists():  # the second audit: init's files are written
            (repo / BASELINE_NAME).symlink_to(outside)
        return result

    monkeypatch.setattr(init_module, "_audit", audit_then_plant)
    with pytest.raises(InitError, match="cannot create"):
        init_repository(repo, baseline=True, ask=never_asked)
    assert not outside.exists()


# --------------------------------------------------------------------------- files init keeps
def test_kept_gates_say_how_to_gate_them_and_force_gates_init_s_own(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    init_repository(repo, baseline=False, ask=never_asked)  # a first init, without a baseline
    assert PRE_COMMIT_ENTRY in (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    lines = init_repository(repo, baseline=True, ask=never_asked)
    assert lines[1].endswith("to fail only on new findings give its mlops-audit hook "
                             f"`args: [--quiet, --baseline, {BASELINE_NAME}]` (or rerun with --force)")
    assert lines[2].endswith(f"; rerun with --force to gate it on {BASELINE_NAME}")
    assert lines[3].endswith("nothing is gated on it yet (see above)")
    assert hook_args(repo) is None and (repo / BASELINE_NAME).is_file()
    lines = init_repository(repo, force=True, ask=never_asked)  # the baseline is there now: reused
    assert lines[1].startswith("replaced pre-commit hooks: the mlops-audit entry init wrote")
    assert lines[2].startswith("replaced CI gate:")
    assert hook_args(repo) == ["--quiet", "--baseline", BASELINE_NAME]
    assert action_inputs(repo) == {"baseline": BASELINE_NAME}
    assert "reused: the pre-commit hook and the CI gate fail only on new findings" in lines[3]


def test_a_hand_written_gate_is_kept_with_a_hint(tmp_path: Path) -> None:
    workflow = "name: mine\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mlops-audit .\n"
    repo = legacy_repo(tmp_path / "repo", {str(WORKFLOW): workflow})
    lines = init_repository(repo, baseline=True, force=True, ask=never_asked)
    assert (repo / WORKFLOW).read_text(encoding="utf-8") == workflow
    assert lines[2].endswith(f"to fail only on new findings give its audit --baseline {BASELINE_NAME} "
                             f"(the action's input `baseline: {BASELINE_NAME}`)")
    assert lines[3].endswith("the pre-commit hook fails only on new findings (see above for the other)")


# --------------------------------------------------------------------------- asking, or not
def _pty_run(args: list[str], cwd: Path, env: dict[str, str], answer: str | None) -> tuple[int, str]:
    """Run ``args`` on a terminal (a pty for stdin, stdout and stderr); type ``answer`` when it asks. Fails if
    the command waits for input it was not given (it must never hang on stdin)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower,
                            start_new_session=True)
    os.close(follower)
    out = b""
    answered = False
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 300)
            if not ready:
                proc.kill()
                pytest.fail(f"no output for 300 s: waiting on stdin? {out.decode(errors='replace')!r}")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the command ended and closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if b"[Y/n]" in out and not answered:
                if answer is None:
                    proc.kill()
                    pytest.fail(f"asked although nobody is there to answer: {out.decode(errors='replace')!r}")
                os.write(leader, answer.encode() + b"\n")
                answered = True
    finally:
        os.close(leader)
    return proc.wait(timeout=60), out.decode("utf-8", errors="replace").replace("\r\n", "\n")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI")}
    return {**env, "NO_COLOR": "1", **extra}


@pytest.mark.parametrize(("answer", "recorded"), [("y", True), ("", True), ("n", False)])
def test_on_a_terminal_init_asks_first(tmp_path: Path, answer: str, recorded: bool) -> None:
    repo = legacy_repo(tmp_path / "repo")
    code, out = _pty_run([sys.executable, "-m", "mlops_audit", "init", "."], repo, _env(), answer)
    assert code == 0, out
    question, _, rest = out.partition("[Y/n]")
    assert question.startswith("This repository has ") and "at or above error" in question
    assert f"Record them in {BASELINE_NAME} so that the pre-commit hook and the CI gate fail only on new ones?" \
        in question
    assert "created  configuration:" in rest  # asked before anything was written
    assert (repo / BASELINE_NAME).is_file() is recorded
    if recorded:
        assert "created  baseline: " in rest and hook_args(repo) == ["--quiet", "--baseline", BASELINE_NAME]
    else:
        assert "skipped  baseline: not recorded (" in rest and hook_args(repo) is None


def test_under_ci_init_never_asks_even_on_a_terminal(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    code, out = _pty_run([sys.executable, "-m", "mlops_audit", "init", "."], repo, _env(CI="true"), None)
    assert code == 0, out
    assert "skipped  baseline: " in out and "no terminal to ask: rerun with --baseline" in out
    assert not (repo / BASELINE_NAME).exists() and hook_args(repo) is None


def test_without_a_terminal_init_never_asks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = legacy_repo(tmp_path / "repo")
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", "init", "."], cwd=repo, env=_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "[Y/n]" not in proc.stdout and "skipped  baseline: " in proc.stdout
    assert not (repo / BASELINE_NAME).exists()
    assert main(["init", str(tmp_path / "nope")]) == 2  # and a bad path is still one line, exit 2
    assert capsys.readouterr().err.startswith("mlops-audit: error: not a directory")


@pytest.mark.parametrize(("flag", "recorded"), [("--baseline", True), ("--no-baseline", False)])
def test_cli_flags_decide_without_asking(tmp_path: Path, flag: str, recorded: bool) -> None:
    repo = legacy_repo(tmp_path / "repo")
    code, out = _pty_run([sys.executable, "-m", "mlops_audit", "init", ".", flag], repo, _env(), None)
    assert code == 0, out
    assert (repo / BASELINE_NAME).is_file() is recorded
