"""The command line: exit codes, formats, options, and one-line errors (never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mlops_audit.entry import main
from repo_builder import make_repo

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "examples" / "legacy-project"
CLEAN_FILES = {
    "README.md": "# docs\n",
    "LICENSE": "MIT\n",
    "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.10"\ndependencies = ["rich==13.7.1"]\n',
    "requirements.lock": "rich==13.7.1\n",
    "src/x/__init__.py": "def hello() -> str:\n    return 'hi'\n",
    "tests/test_x.py": "from x import hello\n\ndef test_hello():\n    assert hello() == 'hi'\n",
    ".github/workflows/ci.yml": (
        "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    ),
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "clean", CLEAN_FILES)


def test_version_is_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.startswith("mlops-audit ")


def test_console_script_runs_and_prints_no_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", str(LEGACY), "--no-color"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "DAT001" in proc.stdout and "Level 0" in proc.stdout
    assert "\x1b[" not in proc.stdout  # plain when not a terminal


def test_default_command_and_explicit_check_agree(clean_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = run([str(clean_repo), "-f", "json"], capsys)
    b = run(["check", str(clean_repo), "-f", "json"], capsys)
    assert a[0] == b[0] == 0
    assert json.loads(a[1])["rules"] == json.loads(b[1])["rules"]


def test_exit_codes_follow_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(LEGACY)], capsys)[0] == 1
    assert run([str(LEGACY), "--exit-zero"], capsys)[0] == 0
    assert run([str(LEGACY), "--fail-on", "never"], capsys)[0] == 0
    # only warnings and infos left once the error rules are ignored
    errors = "DAT001,DAT003,MOD001,MOD002,GOV001,DES001,TST001,AUT001"
    assert run([str(LEGACY), "--ignore", errors], capsys)[0] == 0
    assert run([str(LEGACY), "--ignore", errors, "--fail-on", "warning"], capsys)[0] == 1


def test_min_score(clean_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(clean_repo), "-f", "json"], capsys)
    score = json.loads(out)["score"]
    assert code == 0
    assert run([str(clean_repo), "--min-score", str(score)], capsys)[0] == 0
    if score < 100:
        code, _, err = run([str(clean_repo), "--min-score", str(score + 1)], capsys)
        assert code == 1 and "below --min-score" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "yaml"], "--format must be one of"),
        (["--fail-on", "sometimes"], "--fail-on must be one of"),
        (["--min-score", "101"], "--min-score must be between"),
        (["--select", "NOPE999"], "no rule matches 'NOPE999'"),
        (["--ignore", "ZZZ"], "no rule matches 'ZZZ'"),
        (["/definitely/not/here"], "path not found"),
        (["--config", "/definitely/missing.toml"], "config file not found"),
        (["--isolated", "--config", "x.toml"], "--isolated and --config cannot be used together"),
        (["--statistics", "-f", "json"], "--statistics prints a table"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = [] if args[0].startswith("/") else [str(tmp_path)]
    code, out, err = run([*target, *args], capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_unknown_option_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(tmp_path), "--no-such-option"], capsys)
    assert code == 2
    assert "Traceback" not in err + out


def test_explicit_config_that_is_not_toml_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "audit.toml"
    bad.write_text("select = [unclosed\n")
    code, _, err = run([str(tmp_path), "--config", str(bad)], capsys)
    assert code == 2 and "invalid TOML" in err
    bad.write_text('fail-on = "sometimes"\n')
    code, _, err = run([str(tmp_path), "--config", str(bad)], capsys)
    assert code == 2 and "fail-on" in err


def test_explicit_config_is_applied(clean_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "audit.toml"
    cfg.write_text('select = ["DES"]\n')
    code, out, _ = run([str(clean_repo), "--config", str(cfg), "-f", "json"], capsys)
    assert code == 0
    assert {r["id"][:3] for r in json.loads(out)["rules"]} == {"DES"}


def test_select_and_ignore_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([str(LEGACY), "-f", "json", "--select", "DAT,MOD001", "--ignore", "DAT002"], capsys)
    doc = json.loads(out)
    ids = {r["id"]: r["status"] for r in doc["rules"]}
    assert set(ids) == {"DAT001", "DAT002", "DAT003", "DAT004", "DAT005", "MOD001"}
    assert ids["DAT002"] == "ignored"
    assert {f["rule"] for f in doc["findings"]} <= set(ids) - {"DAT002"}


def test_output_file_and_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run([str(LEGACY), "-f", "json", "-o", str(target)], capsys)
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["level"] == 0
    code, out, err = run([str(LEGACY), "-q", "--select", "VER002"], capsys)
    assert code == 0 and out == err == ""  # VER002 is a warning; default fail-on is error: nothing fails
    code, out, err = run([str(LEGACY), "-q", "--select", "VER002", "--fail-on", "warning"], capsys)
    lines = out.strip().splitlines()
    assert code == 1
    assert sorted(line.split(":")[0] for line in lines) == [
        "data_cleaned_v2.csv", "model_final_v2_FIXED.pkl", "train_copy.ipynb"]
    assert all("VER002 [warning]" in line for line in lines)
    assert err == f"mlops-audit: {LEGACY}: 3 finding(s) at or above warning\n"  # the verdict, and only it


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    assert len(out.strip().splitlines()) >= 45
    code, out, _ = run(["rules", "--format", "json", "--pillar", "data"], capsys)
    assert code == 0 and {r["pillar"] for r in json.loads(out)} == {"data"}
    code, out, _ = run(["explain", "dat001"], capsys)
    assert code == 0
    for part in ("# DAT001", "## Why it matters", "## How to fix", "dvc add", "Hidden Technical Debt"):
        assert part in out
    code, out, _ = run(["explain", "model-in-git"], capsys)
    assert code == 0 and out.startswith("# MOD001")
    code, _, err = run(["explain", "NOPE001"], capsys)
    assert code == 2 and "unknown rule" in err


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("check", "rules", "explain", "new", "completion", "--version"):
        assert command in out


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    """On a TTY (outside CI) a transient bar is drawn on stderr; piped output never gets one."""
    import os
    import pty

    repo = make_repo(tmp_path / "r", CLEAN_FILES)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mlops_audit", str(repo), "-f", "json", "-o", str(tmp_path / "o")],
                            stdin=secondary, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(primary)
    assert b"auditing" in b"".join(chunks)
    piped = subprocess.run([sys.executable, "-m", "mlops_audit", str(repo)], capture_output=True, text=True,
                           env=env, timeout=60)
    assert "auditing" not in piped.stderr and "\x1b[" not in piped.stdout


def test_no_color_environment_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_audit.reporters import render
    from repo_builder import audit

    report = audit(make_repo(tmp_path / "r", CLEAN_FILES))
    assert "\x1b[" in render(report, "terminal", color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert "\x1b[" not in render(report, "terminal")


def test_rules_and_explain_include_custom_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.mlops-audit.rules]]\nid = "ORG001"\nname = "codeowners"\npillar = "governance"\n'
        'severity = "error"\nlevel = 1\ntitle = "Every project has a CODEOWNERS file"\n'
        'why = "Reviews need owners."\nfix = "Add .github/CODEOWNERS."\n'
        'check = { any_file = ["CODEOWNERS", ".github/CODEOWNERS"] }\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "ORG001" in out and "(custom)" in out
    code, out, _ = run(["explain", "ORG001"], capsys)
    assert code == 0 and "Reviews need owners." in out and "Add .github/CODEOWNERS." in out
