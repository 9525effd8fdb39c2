"""The per-file analysis cache: same results with and without it, hits on a second run, safe when damaged,
shared or stale, and never written into the audited repository."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mlops_audit.cache import CacheFile, CodeCache, cache_dir, write_cache_file
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
    assert len(list(cache_home.glob("code-*.cache"))) == 1


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


def header_of(path: Path) -> dict[str, object]:
    file = CacheFile(path)
    file.close()
    return file.header


def rewrite(path: Path, entries: dict[str, bytes] | None = None, **header: object) -> None:
    """Write the cache file again with some entries or header fields replaced."""
    file = CacheFile(path)
    old = {key: file.read(key) or b"" for key in file.index}
    file.close()
    write_cache_file(path, {**file.header, **header}, list((entries if entries is not None else old).items()))


def test_damaged_or_stale_cache_is_ignored(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", FILES)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.cache")
    keys = list(CacheFile(path).index)
    assert keys
    for garbage in (b'["garbage"]', b"{ not json", b"", b"\xff\xfe"):
        rewrite(path, {key: garbage for key in keys})
        assert report_json(root, cache=True) == expected, garbage
    header = header_of(path)
    for bad in ([10**9, 5], [-1, 3], [0, -2], ["0", 1], [0], None):  # past the end, negative, not numbers...
        head = json.dumps({**header, "index": {key: bad for key in keys}}).encode()
        path.write_bytes(b"[]" + head + b"\n%019d\n" % len(head))
        assert report_json(root, cache=True) == expected, bad
    for junk in (b"{ not json", b"", b"x" * 30 + b"\n0000000000000000099\n"):
        path.write_bytes(junk)
        assert report_json(root, cache=True) == expected
    report_json(root, cache=True)
    rewrite(path, stamp="1:0.0.0:other")
    assert report_json(root, cache=True) == expected
    assert header_of(path)["stamp"] != "1:0.0.0:other"  # rewritten for this version


def test_an_analysis_found_damaged_when_read_is_made_again_and_rewritten(tmp_path: Path, cache_home: Path) -> None:
    """An analysis is read and its checksum checked only when a rule reads a field of it: bytes damaged under a
    sound header are then never read, the source is analysed again, and the next cache file holds sound bytes."""
    from mlops_audit.facts import codec

    root = make_repo(tmp_path / "r", FILES)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.cache")
    file = CacheFile(path)
    sound = {key: file.read(key) or b"" for key in file.index}
    file.close()
    header = header_of(path)
    docs = header["docs"]
    assert isinstance(docs, dict)
    kept = {name: value for name, value in docs.items() if not name.startswith("derived:")}  # answers worked out
    damaged = {key: data[:-1] + bytes([data[-1] ^ 0xFF]) for key, data in sound.items()}  # again: fields read
    rewrite(path, damaged, docs=kept)
    assert report_json(root, cache=True) == expected
    (path,) = cache_home.glob("code-*.cache")
    file = CacheFile(path)
    after = {key: file.read(key) for key in file.index}
    file.close()
    assert after.keys() == sound.keys()
    assert all(data is not None and codec.decode(data) == codec.decode(sound[key]) for key, data in after.items())


def test_a_run_that_changed_one_file_copies_the_other_entries(tmp_path: Path, cache_home: Path) -> None:
    files = {**FILES, **{f"pkg/m{i}.py": f"import os\nx = {i}\n" for i in range(5)}}
    root = make_repo(tmp_path / "r", files)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.cache")
    before = CacheFile(path)
    old = {key: before.read(key) for key in before.index}
    before.close()
    (root / "pkg/m0.py").write_text("import sys\n")
    assert report_json(root, cache=True) == report_json(root, cache=False)
    after = CacheFile(path)
    new = {key: after.read(key) for key in after.index}
    after.close()
    assert len(set(new) - set(old)) == 1 and len(set(old) - set(new)) == 1  # one analysis in, one out
    assert all(new[key] == old[key] for key in set(new) & set(old))


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
    (path,) = cache_home.glob("code-*.cache")
    docs = header_of(path)["docs"]
    assert isinstance(docs, dict)
    kinds = sorted({name.split(":")[0] for name in docs if not name.startswith("match-")})  # glob answers aside
    assert kinds == ["cells", "ci", "derived", "history", "notebook", "notebook-secrets", "secrets", "yaml"]
    parsed: list[str] = []
    real_load = yamlsafe.load

    def counting_load(text: str) -> object:
        parsed.append(text)
        return real_load(text)

    def no_notebook(raw: bytes) -> object:
        raise AssertionError("a cached notebook was parsed again")

    def no_cell(source: str) -> str:
        raise AssertionError("a cached cell was prepared and hashed again")

    monkeypatch.setattr(yamlsafe, "load", counting_load)
    monkeypatch.setattr(repo, "parse_notebook", no_notebook)
    monkeypatch.setattr(repo, "blank_magics", no_cell)  # the cells' keys are known: none is hashed again
    assert report_json(root, cache=True) == plain
    assert parsed == [DOCS["environment.yml"]]


def test_damaged_document_entries_are_parsed_again(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", DOCS)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.cache")
    docs = header_of(path)["docs"]
    assert isinstance(docs, dict)
    for garbage in (["ok"], [1, 2, 3], {"x": 1}, "text", ["ok", {"\x00pairs": 5}], ["error"]):
        rewrite(path, docs={name: garbage for name in docs})
        assert report_json(root, cache=True) == expected, garbage


def test_damaged_signature_rows_are_misses(tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path's row (stat signature and content key, one string) that is not what this version writes is a
    miss: the file is read and hashed again, the report is the same."""
    monkeypatch.setattr("mlops_audit.cache.RACY_NS", 0)
    root = make_repo(tmp_path / "r", FILES)
    expected = report_json(root, cache=False)
    report_json(root, cache=True)
    (path,) = cache_home.glob("code-*.cache")
    files = header_of(path)["files"]
    assert isinstance(files, dict) and files and all(isinstance(row, str) for row in files.values())
    for garbage in ([1, 2, 3, 4, "k"], 5, "", "1 2 3 4", "1 2 3 4 ", "x y z w key", None):
        rewrite(path, files={name: garbage for name in files})
        assert report_json(root, cache=True) == expected, garbage


def test_path_matches_follow_the_list_of_files(tmp_path: Path, cache_home: Path) -> None:
    """Which paths match a rule's globs is cached for one exact list of paths: a file added or removed is seen."""
    root = make_repo(tmp_path / "r", {**FILES, "LICENSE": "MIT\n"})

    def license_rule(cache: bool) -> str:
        rules = report_json(root, cache=cache)["rules"]
        assert isinstance(rules, list)
        return next(str(r["status"]) for r in rules if r["id"] == "GOV003")

    assert license_rule(True) == license_rule(True) == "pass"
    (path,) = cache_home.glob("code-*.cache")
    docs = header_of(path)["docs"]
    assert isinstance(docs, dict) and any(name.startswith("match-") for name in docs)
    (root / "LICENSE").unlink()
    assert license_rule(True) == license_rule(False) == "fail"
    (root / "COPYING").write_text("GPL\n")
    assert license_rule(True) == license_rule(False) == "pass"
