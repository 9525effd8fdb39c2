"""The CI gate for legacy repositories: baselines, --min-level, several paths in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlops_audit.entry import main
from repo_builder import git, make_repo

LEGACY_FILES = {
    "README.md": "# churn\n",
    "train.py": "import pickle\nimport sklearn\n\nm = pickle.load(open('m.pkl', 'rb'))\nm.fit(X, y)\n",
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_baseline_flow_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", LEGACY_FILES)
    base = repo / ".mlops-audit-baseline.json"
    gate = [str(repo), "--baseline", str(base), "--fail-on", "warning", "-f", "json"]

    code, out, _ = run(["baseline", str(repo)], capsys)
    assert code == 0 and "Recorded" in out
    recorded = json.loads(base.read_text())
    assert recorded["schema_version"] == 1 and recorded["findings"]

    code, out, _ = run(gate, capsys)  # nothing new: passes although findings remain
    doc = json.loads(out)
    assert code == 0
    assert doc["baseline"]["new"] == 0 and doc["baseline"]["known"] == len(doc["findings"]) > 0
    assert all(f["baseline"] == "known" for f in doc["findings"])

    # the file moving to another folder, with its lines moving, keeps every finding known
    (repo / "train.py").unlink()
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("# moved\n\n\n" + LEGACY_FILES["train.py"])
    code, out, _ = run(gate, capsys)
    assert code == 0, json.loads(out)["findings"]
    # a rename keeps line findings known (file-level findings are keyed by the file name)
    (repo / "src" / "train.py").rename(repo / "src" / "training.py")
    _, out, _ = run(gate, capsys)
    by_rule = {f["rule"]: f["baseline"] for f in json.loads(out)["findings"]}
    assert by_rule["MOD006"] == "known" and by_rule["MOD004"] == "known"
    (repo / "src" / "training.py").rename(repo / "src" / "train.py")

    # a new problem fails the gate, and only it is new
    train = repo / "src" / "train.py"
    before = train.read_text()
    train.write_text(before + "import joblib\nscaler = joblib.load('scaler.joblib')\n")
    code, out, err = run(gate, capsys)
    doc = json.loads(out)
    new = [f for f in doc["findings"] if f["baseline"] == "new"]
    assert code == 1 and "new finding" in err
    assert [(f["rule"], f["path"], f["line"]) for f in new] == [("MOD006", "src/train.py", 10)]

    # fixing it makes the gate pass again
    train.write_text(before)
    assert run(gate, capsys)[0] == 0

    # fixing an old problem: it is reported fixed, and drops out when the baseline is rewritten
    (repo / "src" / "train.py").write_text("import sklearn\nimport torch\n\nm = torch.load('m.pt', weights_only=True)\n"
                                           "m.fit(X, y)\n")
    code, out, _ = run(gate, capsys)
    assert code == 0 and json.loads(out)["baseline"]["fixed"] >= 1
    run(["baseline", str(repo)], capsys)
    assert "MOD006" not in {f["rule"] for f in json.loads(base.read_text())["findings"]}


def test_bad_baseline_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", LEGACY_FILES)
    code, _, err = run([str(repo), "--baseline", str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "not found" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, _, err = run([str(repo), "--baseline", str(bad)], capsys)
    assert code == 2 and "not an mlops-audit baseline" in err


def test_min_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo", LEGACY_FILES)
    assert run([str(repo), "--fail-on", "never", "--min-level", "0"], capsys)[0] == 0
    code, _, err = run([str(repo), "--fail-on", "never", "--min-level", "1"], capsys)
    assert code == 1 and "below --min-level 1" in err
    assert run([str(repo), "--min-level", "4"], capsys)[0] == 2


def test_min_level_is_not_met_by_a_level_nobody_assessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--select VER`` runs no rule of levels 1-3: it cannot vouch for level 3, whatever the level line says."""
    repo = make_repo(tmp_path / "repo", LEGACY_FILES)
    code, _, err = run([str(repo), "--select", "VER", "--fail-on", "never", "--min-level", "1"], capsys)
    assert code == 1 and "not assessed" in err and "--min-level 1" in err


def test_several_paths_are_audited_each_on_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mono = make_repo(tmp_path / "mono", {
        "services/a/README.md": "# a\n",
        "services/a/pyproject.toml": '[tool.mlops-audit]\nselect = ["DES"]\n',
        "services/b/README.md": "# b\n",
        "services/b/train.py": "import sklearn\nm.fit(X, y)\n",
    })
    a, b = mono / "services" / "a", mono / "services" / "b"
    code, out, _ = run([str(a), str(b), "-f", "json"], capsys)
    doc = json.loads(out)
    assert code == 1  # the worst exit code: b fails
    assert doc["summary"]["audits"] == 2
    first, second = doc["reports"]
    assert {r["id"][:3] for r in first["rules"]} == {"DES"}  # a's own configuration
    assert second["ml_project"] is True and len(second["rules"]) > 40
    code, out, _ = run([str(a), "-f", "json"], capsys)
    assert code == 0
    for fmt in ("terminal", "markdown", "sarif", "gitlab", "junit", "html", "badge"):
        code, out, _ = run([str(a), str(b), "-f", fmt, "--no-color"], capsys)
        assert code == 1 and out.strip(), fmt
    code, out, _ = run([str(a), str(b), "--no-color"], capsys)
    assert "Combined: 2 audits" in out


def test_sarif_paths_are_relative_to_the_working_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    mono = make_repo(tmp_path / "mono", {"services/b/train.py": "import sklearn, pickle\npickle.load(f)\n"})
    git(mono, "status")
    monkeypatch.chdir(mono)
    _, out, _ = run(["services/b", "-f", "sarif"], capsys)
    results = json.loads(out)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "services/b/train.py" in uris
