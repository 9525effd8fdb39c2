"""`mlops-audit fix`: the CI gate and the pre-commit hook it creates fail only on new findings.

On a repository with findings left after the fix, the plan records them in a baseline (or reuses the one there)
and gives the gates it creates ``--baseline``; all of it in the same transaction as the rest, shown by --dry-run.
Once applied, the baseline holds exactly what the audit then finds (what the changes made newly applicable too).
The gates are run here as their CI runs them."""

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
from mlops_audit.baseline import BASELINE_NAME, load_baseline
from mlops_audit.config import discover
from mlops_audit.fix.run import run_fix
from repo_builder import audit, git, legacy_repo, make_repo
from test_fix import LEGACY, snapshot

WORKFLOW = ".github/workflows/ci.yml"
NEW_DATA = "a,b\n" + "1,2\n" * 50


def fix(root: Path, *, code: int = 0, **kwargs: Any) -> str:
    lines: list[str] = []
    assert run_fix(root, discover(root), write=lambda s: lines.append(str(s)), **kwargs) == code, "\n".join(lines)
    return "\n".join(lines)


def gate_script(root: Path, ci_file: str) -> str:
    """The shell lines of the audit gate in the CI file fix wrote."""
    doc = yaml.safe_load((root / ci_file).read_text(encoding="utf-8"))
    if ci_file == WORKFLOW:
        step = next(s for s in doc["jobs"]["audit"]["steps"] if "mlops-audit" in s.get("run", ""))
        script: str = step["run"]
        return script
    return "\n".join(doc["mlops-audit"]["script"])


def run_gate(root: Path, ci_file: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """The gate's lines, run by bash in the repository as its CI would, `pip install` stubbed (the tool is here)."""
    shim = tmp / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "pip").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (shim / "pip").chmod(0o755)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MLOPS_AUDIT_")}, "CI": "true",
           "NO_COLOR": "1", "PATH": os.pathsep.join([str(shim), str(Path(sys.executable).parent),
                                                      os.environ.get("PATH", "")])}
    env["MLOPS_AUDIT_CACHE_DIR"] = os.environ["MLOPS_AUDIT_CACHE_DIR"]
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", gate_script(root, ci_file)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def hook_args(root: Path) -> list[str] | None:
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "mlops-audit")
    args: list[str] | None = hook.get("args")
    return args


def recorded(root: Path) -> list[tuple[str, str, int]]:
    doc = json.loads((root / BASELINE_NAME).read_text(encoding="utf-8"))
    return sorted((f["rule"], f["path"] or "", f["line"] or 0) for f in doc["findings"])


def found(root: Path) -> list[tuple[str, str, int]]:
    return sorted((f.rule.id, f.path or "", f.line or 0) for f in audit(root).findings)


# --------------------------------------------------------------------------- the gates fix creates
@pytest.mark.parametrize("ci_file", [WORKFLOW, ".gitlab-ci.yml"])
def test_the_gates_fix_creates_fail_only_on_new_findings(tmp_path: Path, ci_file: str) -> None:
    extra: dict[str, str | bytes] = {".gitlab/CODEOWNERS": "* @t\n"} if ci_file == ".gitlab-ci.yml" else {}
    root = make_repo(tmp_path / "legacy", {**LEGACY, **extra})
    out = fix(root, yes=True)
    assert f"create {BASELINE_NAME}: the " in out
    assert recorded(root) == found(root) and found(root)  # exactly what the fix leaves
    assert f"mlops-audit . --baseline {BASELINE_NAME}" in gate_script(root, ci_file)
    assert hook_args(root) == ["--quiet", "--baseline", BASELINE_NAME]

    proc = run_gate(root, ci_file, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "more_data.csv").write_text(NEW_DATA, encoding="utf-8")
    git(root, "add", "more_data.csv")
    proc = run_gate(root, ci_file, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 new finding(s) at or above error" in proc.stderr


def test_what_the_changes_make_applicable_is_recorded_once_applied(tmp_path: Path) -> None:
    """The plan foresees the findings of the rules it leaves; the tests it adds make TST003/TST004 apply. Once
    applied and audited again, the baseline is brought up to date in a second transaction."""
    root = make_repo(tmp_path / "legacy", {**LEGACY})
    before = {f.rule.id for f in audit(root).findings}
    out = fix(root, yes=True)
    newly = {rule for rule, _, _ in recorded(root)} - before
    assert newly, "the fix made no rule newly applicable: this test no longer tests the update"
    assert re.search(rf"^  updated  {re.escape(BASELINE_NAME)}   \(the \d+ finding\(s\) the audit finds now\)$",
                     out, re.M), out
    assert recorded(root) == found(root)


def test_dry_run_shows_the_baseline_and_the_gated_lines_and_writes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "legacy", {**LEGACY})
    before = snapshot(root)
    out = fix(root, dry_run=True)
    assert snapshot(root) == before
    assert re.search(rf"^  \+ create {re.escape(BASELINE_NAME)}: the \d+ finding\(s\) these changes leave "
                     r"\(recorded again once they are applied\), so that the CI workflow and the pre-commit hook "
                     "fail only on new ones$", out, re.M), out
    assert f"--- /dev/null\n+++ b/{BASELINE_NAME}" in out
    assert f"+          mlops-audit . --baseline {BASELINE_NAME}" in out
    assert f"+        args: [--quiet, --baseline, {BASELINE_NAME}]" in out


def test_the_baseline_is_part_of_the_transaction(tmp_path: Path) -> None:
    """A file appears while fix runs: nothing is applied, the baseline included."""
    root = make_repo(tmp_path / "legacy", {**LEGACY})

    def plant(question: str) -> bool:
        (root / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
        return True

    out = fix(root, code=1, confirm=plant)
    assert "Dockerfile appeared while fix was running" in out
    assert not (root / BASELINE_NAME).exists() and not (root / WORKFLOW).exists()


def test_a_failed_update_says_so_and_keeps_the_first_baseline(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_audit.fix import baseline_gate

    root = make_repo(tmp_path / "legacy", {**LEGACY})
    real = baseline_gate.settle

    def settle_then_change(plan: Any, after: Any, notes: list[str]) -> Any:
        ws = real(plan, after, notes)
        (root / BASELINE_NAME).write_text('{"edited": "by someone else"}\n', encoding="utf-8")
        return ws

    monkeypatch.setattr(baseline_gate, "settle", settle_then_change)
    out = fix(root, code=1, yes=True)
    assert f"mlops-audit fix: the baseline was not brought up to date: {BASELINE_NAME} changed while fix was " \
           "running" in out
    assert (root / BASELINE_NAME).read_text(encoding="utf-8") == '{"edited": "by someone else"}\n'


# --------------------------------------------------------------------------- a baseline already there, or none
def test_an_existing_baseline_is_reused_never_overwritten(tmp_path: Path) -> None:
    root = legacy_repo(tmp_path / "legacy")
    subprocess.run([sys.executable, "-m", "mlops_audit", "baseline", "."], cwd=root, check=True,
                   capture_output=True, timeout=300)
    content = (root / BASELINE_NAME).read_bytes()
    count = sum(load_baseline(root / BASELINE_NAME).values())
    out = fix(root, yes=True)
    assert (root / BASELINE_NAME).read_bytes() == content
    assert f"gate the CI workflow and the pre-commit hook on the existing {BASELINE_NAME} ({count} finding(s))" in out
    # recorded before the fix: what its tests made applicable (TST003, TST004) is not in it, and fix says so
    assert re.search(rf"^  - 2 finding\(s\) the audit finds now are not in {re.escape(BASELINE_NAME)} and fail "
                     r"the gates fix wrote: `mlops-audit baseline` records them", out, re.M), out
    assert f"mlops-audit . --baseline {BASELINE_NAME}" in gate_script(root, WORKFLOW)


@pytest.mark.parametrize("link", [False, True])
def test_a_file_that_is_not_a_baseline_is_left_and_nothing_is_gated_on_it(tmp_path: Path, link: bool) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}", encoding="utf-8")
    root = make_repo(tmp_path / "legacy", {**LEGACY, **({} if link else {BASELINE_NAME: "not json"})})
    if link:
        (root / BASELINE_NAME).symlink_to(outside)
    out = fix(root, yes=True)
    assert "not used, the gates fix writes fail on every finding" in out
    assert "--baseline" not in gate_script(root, WORKFLOW) and hook_args(root) is None
    assert outside.read_text(encoding="utf-8") == "{}"
    if not link:
        assert (root / BASELINE_NAME).read_text(encoding="utf-8") == "not json"


def test_no_gate_created_no_baseline(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "legacy", {**LEGACY})
    fix(root, yes=True, select=["DEP002"])  # a Dockerfile only: fix writes no gate
    assert (root / "Dockerfile").is_file() and not (root / BASELINE_NAME).exists()


def test_baseline_false_gates_on_every_finding(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "legacy", {**LEGACY})
    fix(root, yes=True, baseline=False)
    assert not (root / BASELINE_NAME).exists()
    assert "--baseline" not in gate_script(root, WORKFLOW) and hook_args(root) is None
    assert run_gate(root, WORKFLOW, tmp_path).returncode == 1


def test_a_repository_without_findings_left_gets_no_baseline(tmp_path: Path) -> None:
    from mlops_audit.fix.baseline_gate import plan_baseline
    from mlops_audit.fix.plan import Plan
    from mlops_audit.fix.workspace import Workspace

    root = make_repo(tmp_path / "legacy", {**LEGACY})
    report = audit(root)
    ws = Workspace(root)
    ws.create(WORKFLOW, "jobs:\n  a:\n    steps:\n      - run: |\n          mlops-audit .\n")
    plan = Plan(ws)
    for result in report.results:  # as if every finding were resolved by the plan
        result.findings = []
    plan_baseline(plan, report)
    assert BASELINE_NAME not in ws.planned and "--baseline" not in ws.planned[WORKFLOW]


# --------------------------------------------------------------------------- the template's gates
def test_every_gate_of_the_template_can_be_wired() -> None:
    """`gated` knows the audit line of each gate the template gives `fix` (a template change is caught here)."""
    from mlops_audit.fix.baseline_gate import GATES, gated
    from mlops_audit.fix.render import render

    context = _retrofit_context()  # a real one, inferred from a legacy repository
    for rel in GATES:
        text = render(rel, context)
        wired = gated(rel, text)
        assert wired is not None and wired != text and BASELINE_NAME in wired, rel
        assert yaml.safe_load(wired), rel
        assert gated(rel, wired) == wired  # once only


def _retrofit_context() -> dict[str, Any]:
    import tempfile

    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.render import cookiecutter_context

    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp) / "legacy", {**LEGACY})
        facts = RepoFacts(root, discover(root))
        return cookiecutter_context(infer_context(facts), docker=True, python_version_file=True, stages=[])


def test_a_gate_naming_a_missing_baseline_gets_it_back(tmp_path: Path) -> None:
    """What a killed fix can leave (its gates placed, not yet the baseline), or a baseline deleted by hand: the
    gates would stop with "baseline file not found". The next fix records it."""
    from mlops_audit.baseline import is_provisional

    root = make_repo(tmp_path / "legacy", {**LEGACY})
    fix(root, yes=True)
    (root / BASELINE_NAME).unlink()
    out = fix(root, yes=True)
    assert f"create {BASELINE_NAME}: the CI workflow and the pre-commit hook name it and it is missing" in out
    assert recorded(root) == found(root)
    assert not is_provisional((root / BASELINE_NAME).read_text(encoding="utf-8"))
    assert run_gate(root, WORKFLOW, tmp_path).returncode == 0
