"""Hostile and broken input: the audit completes, names what it could not read, never prints a traceback,
never reads outside the root, never executes audited code, and writes nothing into the audited tree."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from mlops_audit.entry import main
from repo_builder import audit, git, make_repo, notebook, status

FAKE_KEY = "AKIA" + "Q3MZ7XK2L9P4W8RT"  # made up and assembled: the scan would report it, were the link read


def run_json(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, object]]:
    code = main([str(root), "-f", "json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 1), err
    return code, json.loads(out)


def unreadable(doc: dict[str, object]) -> dict[str, str]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return {f["path"]: f["message"] for f in findings if f["rule"] == "AUD001"}


def snapshot(root: Path) -> dict[str, float]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            p = Path(dirpath) / name
            out[str(p)] = p.lstat().st_mtime
    return out


BROKEN = {
    "README.md": "# x\n",
    "broken.ipynb": "{ this is not json",
    "empty.ipynb": "",
    "list.ipynb": "[1, 2, 3]",
    "v3.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "import sklearn\nprint(1)", "language": "python", "outputs": [],
         "prompt_number": 1}]}]}),
    "syntax.py": "def broken(:\n    pass\n",
    "latin1.py": "# caf\xe9\nx = 1\n".encode("latin-1"),
    "binary.py": b"\x00\x01\x02\x03" * 100,
    "dvc.yaml": "stages: [unclosed\n",
    "params.yaml": "a: !!python/object/apply:os.system ['touch PWNED']\n",
    ".github/workflows/ci.yml": "on: push\njobs: {t: {runs-on: x, steps: [{run: pytest}]}\n  bad: [\n",
}


def test_broken_files_are_named_and_the_audit_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", BROKEN)
    before = snapshot(root)
    _, doc = run_json(root, capsys)
    problems = unreadable(doc)
    for name in ("broken.ipynb", "empty.ipynb", "list.ipynb", "syntax.py", "latin1.py", "binary.py", "dvc.yaml",
                 ".github/workflows/ci.yml"):
        assert name in problems, name
    assert "syntax error" in problems["syntax.py"]
    assert "UTF-8" in problems["latin1.py"]
    assert "v3.ipynb" not in problems  # old notebooks are upgraded and read
    assert not (root / "PWNED").exists()  # the unsafe tag was never constructed
    assert snapshot(root) == before  # nothing written to the audited tree


def test_yaml_alias_bomb_is_cheap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]")
    bomb = "\n".join(lines) + "\n"
    root = make_repo(tmp_path / "r", {".github/workflows/ci.yml": bomb, "dvc.yaml": bomb, "environment.yml": bomb,
                                      "README.md": "x"})
    _, doc = run_json(root, capsys)
    assert doc["tool"]["name"] == "mlops-audit"  # type: ignore[index]


def test_symlinks_out_of_the_root_are_never_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.env").write_text(f"AWS_ACCESS_KEY_ID={FAKE_KEY}\n")
    (outside / "data.csv").write_text("a,b\n" * 1000)
    (outside / "train.py").write_text("import sklearn\nm.fit(X, y)\n")
    root = make_repo(tmp_path / "r", {"README.md": "x"}, commit=False)
    os.symlink(outside / "creds.env", root / "creds.env")
    os.symlink(outside, root / "linked_dir")
    os.symlink(root / "loop_a", root / "loop_b")
    os.symlink(root / "loop_b", root / "loop_a")
    os.symlink("/dev/zero", root / "zero.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links")
    for mode in ("git", "plain"):
        if mode == "plain":
            subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
        _, doc = run_json(root, capsys)
        text = json.dumps(doc)
        assert FAKE_KEY not in text
        assert status_of(doc, "GOV001") == "pass", mode
        assert "linked_dir/data.csv" not in text
        problems = unreadable(doc)
        assert "creds.env" in problems or "zero.py" in problems, (mode, problems)


def status_of(doc: dict[str, object], rule: str) -> str:
    rules = doc["rules"]
    assert isinstance(rules, list)
    return next(r["status"] for r in rules if r["id"] == rule)


def test_fifo_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "x"}, git_init=False)
    os.mkfifo(root / "pipe.py")
    os.symlink(root / "pipe.py", root / "link_to_pipe.py")
    _, doc = run_json(root, capsys)  # would hang forever if the FIFO were opened
    assert doc["git"] is False and status_of(doc, "DES001") == "pass"


def test_huge_sparse_data_file_is_never_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", {"train.py": "import sklearn\nm.fit(X, y)\n", "README.md": "x"})
    for name in ("huge.csv", "huge.py", "huge.ipynb", "huge.yaml"):
        with open(root / name, "wb") as fh:
            fh.truncate(3 * 1024**3)  # 3 GB, sparse: untracked but not ignored
    _, doc = run_json(root, capsys)
    problems = unreadable(doc)
    assert "too large" in problems["huge.py"] and "too large" in problems["huge.ipynb"]
    data = [f for f in doc["findings"] if f["rule"] == "DAT001"]  # type: ignore[union-attr]
    assert any(f["path"] == "huge.csv" and "GB" in f["message"] for f in data)


def test_deep_tree_and_odd_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = "/".join(f"d{i}" for i in range(60))
    files: dict[str, str | bytes] = {
        f"{deep}/train.py": "import sklearn\nm.fit(X, y)\n",
        "with space (1).py": "x = 1\n",
        "ünïcode_名前.py": "y = 2\n",
        "-dash.py": "z = 3\n",
        "README.md": "x",
    }
    root = make_repo(tmp_path / "r", files)
    raw_name = os.fsencode(str(root)) + b"/bad\xffname.py"
    with open(raw_name, "wb") as fh:
        fh.write(b"import os\n")
    _, doc = run_json(root, capsys)
    sprawl = [f["path"] for f in doc["findings"] if f["rule"] == "VER002"]  # type: ignore[union-attr]
    assert "with space (1).py" in sprawl
    assert doc["ml_project"] is True  # the 60-deep training file was seen
    _, doc = run_json(root, capsys, "--select", "VER")  # also in a plain walk
    subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
    _, doc = run_json(root, capsys)
    assert doc["ml_project"] is True


def test_git_edge_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = make_repo(tmp_path / "empty", {}, git_init=True, commit=False)
    _, doc = run_json(empty, capsys)
    assert doc["git"] is True
    origin = make_repo(tmp_path / "origin", {"README.md": "x", "a.py": "x = 1\n"})
    (origin / "a.py").write_text("x = 2\n")
    git(origin, "commit", "-qam", "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    _, doc = run_json(shallow, capsys)
    assert any("shallow" in n for n in doc["notes"])  # type: ignore[union-attr]
    git(origin, "checkout", "-q", "--detach", "HEAD~1")
    _, doc = run_json(origin, capsys)
    assert doc["git"] is True
    worktree = tmp_path / "wt"
    git(origin, "worktree", "add", "-q", str(worktree), "main")
    assert (worktree / ".git").is_file()
    _, doc = run_json(worktree, capsys)
    assert doc["git"] is True


def test_broken_git_falls_back_to_a_walk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "x", "a.py": "x = 1\n"}, git_init=False)
    (root / ".git").write_text("gitdir: /nonexistent/place\n")
    _, doc = run_json(root, capsys)
    assert doc["git"] is False
    assert status_of(doc, "DES001") == "pass"


def test_malformed_pyproject_is_a_finding_not_an_abort(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", {"pyproject.toml": "[tool.mlops-audit\nselect = 1\n", "README.md": "x"})
    _, doc = run_json(root, capsys)
    cfg = [f for f in doc["findings"] if f["rule"] == "AUD002"]  # type: ignore[union-attr]
    assert cfg and cfg[0]["path"] == "pyproject.toml"
    assert "not applied" in cfg[0]["message"]
    assert "pyproject.toml" not in unreadable(doc)  # reported once, as the config problem


def test_invalid_settings_are_a_finding(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "pyproject.toml": '[tool.mlops-audit]\nselect = 3\n', "README.md": "x"})
    report = audit(root)
    assert status(report, "AUD002") == "fail"
    root2 = make_repo(tmp_path / "r2", {
        "pyproject.toml": '[tool.mlops-audit]\nunknown-key = 1\n[[tool.mlops-audit.rules]]\nid = "bad"\n',
        "README.md": "x"})
    report = audit(root2)
    messages = [f.message for r in report.results if r.rule.id == "AUD002" for f in r.findings]
    assert any("unknown key" in m for m in messages)
    assert any("bad" in m for m in messages)


def test_audited_code_is_never_executed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "EXECUTED"
    payload = f"open({str(marker)!r}, 'w').write('x')\n"
    root = make_repo(tmp_path / "r", {
        "setup.py": payload, "conftest.py": payload, "train.py": "import sklearn\n" + payload,
        "nb.ipynb": notebook(payload), "sitecustomize.py": payload, "README.md": "x",
        "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'backend'\n",
        "backend.py": payload,
    })
    run_json(root, capsys)
    assert not marker.exists()


def test_submodules_are_noted_not_entered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sub = make_repo(tmp_path / "sub", {"data.csv": "a,b\n" * 10, "train.py": "import sklearn\nm.fit(X, y)\n"})
    root = make_repo(tmp_path / "r", {"README.md": "x"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
    git(root, "commit", "-qm", "submodule")
    before = snapshot(root)
    _, doc = run_json(root, capsys)
    assert any("submodule" in n for n in doc["notes"])  # type: ignore[union-attr]
    assert doc["ml_project"] is False  # the submodule's training code is not this repository's
    assert snapshot(root) == before


def test_hostile_repo_stays_within_time_and_memory(tmp_path: Path) -> None:
    """A repository full of traps, audited in a subprocess: bounded wall time and peak memory."""
    import resource
    import sys
    import time

    files: dict[str, str | bytes] = dict(BROKEN)
    files["big_notebook.ipynb"] = notebook(*(["x = 1\n" * 200] * 300), outputs=True)
    files["many_lines.py"] = "x = 1\n" * 200_000
    files["nested.py"] = "x = " + "(" * 5000 + ")" * 5000 + "\n"
    files["long_line.py"] = "s = '" + "a" * 1_000_000 + "'\n"
    root = make_repo(tmp_path / "r", files)
    with open(root / "huge.csv", "wb") as fh:
        fh.truncate(5 * 1024**3)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "mlops_audit", str(root), "-f", "json"], capture_output=True,
                          text=True, timeout=120)
    elapsed = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert "nested.py" in unreadable(doc)  # too deeply nested to parse: named, not fatal
    assert elapsed < 60
    assert peak_mb < 400, peak_mb


def test_non_utf8_file_names_are_reported_printably(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "x", "train.py": "import sklearn\nm.fit(X, y)\n"})
    with open(os.fsencode(str(root)) + b"/data_\xff.csv", "wb") as fh:
        fh.write(b"a,b\n1,2\n")
    for fmt in ("terminal", "json", "sarif", "html", "markdown", "junit", "gitlab"):
        code = main([str(root), "-f", fmt, "--no-color"])
        out, err = capsys.readouterr()
        assert code == 1 and "Traceback" not in err, (fmt, err)
        assert ("data_%EF%BF%BD.csv" if fmt == "sarif" else "data_\ufffd.csv") in out, fmt  # SARIF: a URI
