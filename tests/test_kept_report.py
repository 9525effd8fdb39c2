"""Issue 14, "warm runs redo nothing": the last report of a folder is given again while nothing it was made from
changed (mlops_audit/memo.py), and never once any input changed: each input below, changed alone, gives the
report a run without any cache gives."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from mlops_audit import engine, memo
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.reporters import render
from repo_builder import git, make_repo, notebook

FILES = {
    "README.md": "# churn\n",
    "pyproject.toml": '[project]\nname = "churn"\nversion = "0.1"\n',
    "train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                "df = pd.read_csv('/home/alice/data.csv')\nLogisticRegression().fit(df, df.y)\n"
                "TOKEN = 'ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'\n",
    "data/raw.csv": "a,b\n1,2\n",
    "data/we\x1b[2Jird.csv": "a\n1\n",  # a name that would clear a terminal: escaped in every report
    "nb.ipynb": notebook("import torch\nm = torch.load('m.pt')", outputs=True, counts=[1]),
    "tests/test_x.py": "def test_x():\n    assert 1\n",
}


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(home))
    monkeypatch.setattr(memo, "RACY_NS", 0)  # files written just now count as settled (see test_racy_...)
    return home


def report(root: Path, *, cache: bool = True, **kwargs: object) -> str:
    return render(run_audit(root, discover(root), cache=cache, **kwargs), "json")  # type: ignore[arg-type]


def no_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a rule was evaluated: the kept report was not taken")

    monkeypatch.setattr(engine, "evaluate_rule", forbidden)


def test_an_unchanged_folder_gets_its_kept_report_without_any_rule_run(
        tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "r", FILES)
    expected = report(root, cache=False)
    assert report(root) == expected  # made, and kept
    assert len(list(cache_home.glob("report-*.memo"))) == 1
    formats = ("terminal", "sarif", "markdown", "junit", "gitlab", "html")
    made = {fmt: render(run_audit(root, discover(root), cache=False), fmt) for fmt in formats}
    no_audit(monkeypatch)
    assert report(root) == expected  # taken: the same bytes of report, masked secret and all
    assert "ghp_a1B2" not in expected and "\x1b" not in expected and "\\x1b" in expected
    for fmt in formats:
        assert render(run_audit(root, discover(root)), fmt) == made[fmt], fmt


def _edit(root: Path) -> None:
    (root / "train.py").write_text(FILES["train.py"].replace("LogisticRegression().fit", "LogisticRegression().fit"
                                                             "  # seed?\nimport random\nrandom.seed(0)\nx = 1\n#"))


def _same_size_edit(root: Path) -> None:  # same size, same modification time: the change time tells
    path = root / "train.py"
    st = path.stat()
    path.write_text(FILES["train.py"].replace("/home/alice", "./ome/alice"))  # no absolute path any more
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def _untracked(root: Path) -> None:
    (root / "serve.py").write_text("from fastapi import FastAPI\nimport joblib\napp = FastAPI()\n"
                                   "model = joblib.load('m.joblib')\n@app.post('/predict')\n"
                                   "def predict(x: dict):\n    return model.predict(x)\n")


def _untrack(root: Path) -> None:
    git(root, "rm", "-q", "--cached", "data/raw.csv")


def _commit(root: Path) -> None:  # a new tip: the history scan sees a 3 MB data file, committed and removed
    (root / "data/big.csv").write_bytes(b"a,b\n" + b"1,2\n" * 800_000)
    git(root, "add", "data/big.csv")
    git(root, "commit", "-qm", "big")
    git(root, "rm", "-q", "data/big.csv")
    git(root, "commit", "-qm", "gone")


def _configure(root: Path) -> None:
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('\n[tool.mlops-audit]\nignore = {DAT005 = "paths are ours"}\n')


def _knowledge(root: Path) -> None:
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('\n[[tool.mlops-audit.knowledge]]\ncapability = "tracking"\nplatform = "acme"\n'
                 'why = "our tracker"\nimports = ["pandas"]\n')


def _notebook(root: Path) -> None:
    (root / "nb.ipynb").write_text(notebook("import torch\nm = torch.load('m.pt', weights_only=True)"))


def _remove(root: Path) -> None:
    (root / "tests/test_x.py").unlink()


@pytest.mark.parametrize("change", [_edit, _same_size_edit, _untracked, _untrack, _commit, _configure,
                                    _knowledge, _notebook, _remove],
                         ids=lambda f: f.__name__.strip("_"))
def test_any_input_changed_gives_the_report_of_a_fresh_audit(tmp_path: Path, cache_home: Path,
                                                              change: Callable[[Path], None]) -> None:
    root = make_repo(tmp_path / "r", FILES)
    before = report(root)
    assert report(root) == before
    change(root)
    after = report(root, cache=False)
    assert after != before, "the change must change the report, or the test proves nothing"
    assert report(root) == after
    assert report(root) == after  # and that one is kept in turn


def test_the_command_line_selection_is_an_input(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    everything = report(root)
    only = report(root, select=["DAT"])
    assert only != everything
    assert only == report(root, select=["DAT"], cache=False)
    assert report(root, ignore=["DAT001"]) == report(root, ignore=["DAT001"], cache=False)
    assert report(root) == everything


def test_a_symlink_is_judged_by_its_target_too(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    (root / "real.py").write_text("x = 1\n")
    (root / "link.py").symlink_to("real.py")
    before = report(root)
    (root / "real.py").write_text("import torch\nm = torch.load('m.pt')\n")
    os.utime(root / "link.py", follow_symlinks=False)  # the link itself: the same signature as before or not
    after = report(root, cache=False)
    assert after != before
    assert report(root) == after


def test_a_file_changed_moments_ago_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the file system's timestamp granularity a later write may leave the same signature: a folder with
    a file changed in the last two seconds gets its report, and none is kept."""
    home = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(home))
    root = make_repo(tmp_path / "r", FILES)
    assert report(root) == report(root, cache=False)
    assert not list(home.glob("report-*.memo"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "empty", "fifo"])
def test_a_kept_report_not_sealed_by_us_is_not_read(tmp_path: Path, cache_home: Path, damage: str) -> None:
    root = make_repo(tmp_path / "r", FILES)
    expected = report(root)
    (path,) = cache_home.glob("report-*.memo")
    data = path.read_bytes()
    path.unlink()
    if damage == "flip":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":  # sealed, but for another purpose (an analysis)
        from mlops_audit.facts import codec

        path.write_bytes(codec.seal(data[16:]))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        os.mkfifo(path)  # would block a plain open forever
    assert report(root) == expected


def test_a_report_whose_history_scan_did_not_finish_is_not_kept(tmp_path: Path, cache_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_audit.facts import history

    root = make_repo(tmp_path / "r", FILES)

    def stopped(self: history.HistoryScan) -> history.HistoryFacts:
        return history.HistoryFacts(problem="history scan stopped after 120 s")

    monkeypatch.setattr(history.HistoryScan, "result", stopped)
    doc = json.loads(report(root))
    assert any(r["status"] == "error" for r in doc["rules"])
    assert not list(cache_home.glob("report-*.memo"))
    monkeypatch.undo()


def test_no_cache_neither_reads_nor_keeps_a_report(tmp_path: Path, cache_home: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "r", FILES)
    report(root, cache=False)
    assert not list(cache_home.glob("report-*.memo"))
    report(root)
    (path,) = cache_home.glob("report-*.memo")
    path.write_bytes(b"x")  # not sealed: were it read, the run would ignore it; it must not even be opened
    monkeypatch.setattr(memo, "take", lambda *a: pytest.fail("a kept report was looked at with --no-cache"))
    report(root, cache=False)
