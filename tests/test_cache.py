"""The per-file analysis cache: same results with and without it, hits on a second run, safe when damaged,
shared or stale, and never written into the audited repository."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mlops_audit.cache import CodeCache, cache_dir
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.reporters import render
from repo_builder import make_repo, notebook

FILES = {
    "README.md": "# x\n",
    "train.py": "import pickle, sklearn\nimport numpy as np\nm = pickle.load(open('/home/a/m.pkl', 'rb'))\n"
                "m.fit(X, y, random_state=None)  # mlops-audit: ignore[MOD006] ours\n",
    "tests/test_m.py": "def test_nothing():\n    pass\n",
    "nb.ipynb": notebook("import torch\ntorch.load('m.pt')", outputs=True, counts=[2]),
}


def report_json(root: Path, *, cache: bool) -> dict[str, object]:
    doc: dict[str, object] = json.loads(render(run_audit(root, discover(root), cache=cache), "json"))
    return doc


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(home))
    return home


def test_results_are_identical_with_and_without_the_cache(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    plain = report_json(root, cache=False)
    assert not cache_home.exists()  # --no-cache writes nothing
    cold = report_json(root, cache=True)
    warm = report_json(root, cache=True)
    assert plain == cold == warm
    assert len(list(cache_home.glob("code-*.json"))) == 1


def test_second_run_hits_and_changed_files_miss(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    first = CodeCache(root)
    from mlops_audit.facts.repo import RepoFacts

    facts = RepoFacts(root, discover(root), first)
    _ = facts.units
    first.save()
    assert first.hits == 0 and first.misses == 3  # two modules, one notebook cell
    (root / "train.py").write_text(FILES["train.py"] + "x = 1\n")
    second = CodeCache(root)
    _ = RepoFacts(root, discover(root), second).units
    assert (second.hits, second.misses) == (2, 1)


def test_damaged_or_stale_cache_is_ignored(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.json")
    doc = json.loads(path.read_text())
    for key in doc["entries"]:
        doc["entries"][key] = ["garbage"]
    path.write_text(json.dumps(doc))
    assert report_json(root, cache=True) == expected
    path.write_text("{ not json")
    assert report_json(root, cache=True) == expected
    stale = {"stamp": "1:0.0.0:other", "entries": json.loads(json.dumps(doc["entries"]))}
    path.write_text(json.dumps(stale))
    assert report_json(root, cache=True) == expected
    assert json.loads(path.read_text())["stamp"] != "1:0.0.0:other"  # rewritten for this version


def test_unwritable_cache_dir_does_not_break_the_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(blocker / "sub"))  # a path under a file: cannot be created
    root = make_repo(tmp_path / "r", FILES)
    assert report_json(root, cache=True) == report_json(root, cache=False)


def test_nothing_is_written_into_the_audited_repository(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.parts)
    report_json(root, cache=True)
    after = sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.parts)
    assert before == after


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLOPS_AUDIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "mlops-audit"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", os.fspath(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x"


DOCS = {
    "README.md": "# x\n",
    ".github/workflows/ci.yml": "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                "      - run: pytest\n",
    "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    deps: [train.py]\n    outs: [model.pkl]\n",
    "environment.yml": "name: x\ncreated: 2024-01-02\n1: one\ndependencies:\n  - python=3.11\n",  # a date
    "conf/broken.yaml": "a: [1, 2\n",
    "train.py": "import sklearn\nm.fit(X, y)\n",
    "nb.ipynb": notebook("import pandas as pd\nkey = 'AKIA' + 'ABCDEFGHIJKLMNOP'", outputs=True, counts=[1]),
}


def test_parsed_yaml_and_notebooks_are_cached(tmp_path: Path, cache_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm run takes YAML documents (even those with non-string keys, like a workflow's `on:`) and notebooks
    from the cache; a document JSON cannot give back (a date) is parsed again; the report is the same."""
    from mlops_audit.facts import repo, yamlsafe

    root = make_repo(tmp_path / "r", DOCS)
    plain = report_json(root, cache=False)
    assert report_json(root, cache=True) == plain
    (path,) = cache_home.glob("code-*.json")
    kinds = sorted({name.split(":")[0] for name in json.loads(path.read_text())["docs"]})
    assert kinds == ["notebook", "notebook-secrets", "yaml"]
    parsed: list[str] = []
    real_load = yamlsafe.load

    def counting_load(text: str) -> object:
        parsed.append(text)
        return real_load(text)

    def no_notebook(raw: bytes) -> object:
        raise AssertionError("a cached notebook was parsed again")

    monkeypatch.setattr(yamlsafe, "load", counting_load)
    monkeypatch.setattr(repo, "parse_notebook", no_notebook)
    assert report_json(root, cache=True) == plain
    assert parsed == [DOCS["environment.yml"]]


def test_damaged_document_entries_are_parsed_again(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", DOCS)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.json")
    doc = json.loads(path.read_text())
    for garbage in (["ok"], [1, 2, 3], {"x": 1}, "text", ["ok", {"\x00pairs": 5}], ["error"]):
        doc["docs"] = {name: garbage for name in doc["docs"]}
        path.write_text(json.dumps(doc))
        assert report_json(root, cache=True) == expected, garbage
