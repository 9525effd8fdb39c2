"""Nothing in the cache directory is used unless this tool sealed it; ``--no-cache`` reads nothing from it; stale
temporary files are pruned; no home directory means no cache, not a crash."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlops_audit import cache as cache_module
from mlops_audit import cachedir, catalogue
from mlops_audit.cache import CacheFile, CodeCache, NoCacheDir, cache_dir, prune_stale_temporaries
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.facts.codec import seal, unseal
from repo_builder import make_repo

FILES = {"train.py": "import sklearn\nfrom sklearn.linear_model import LogisticRegression\n"
                     "LogisticRegression().fit([[0]], [0])\n", "README.md": "# x\n"}


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(home))
    monkeypatch.setattr(catalogue, "_read_shipped", lambda: None)  # these tests are about the cache directory's
    catalogue.forget()
    yield home
    catalogue.forget()


def _no_rules_catalogue(directory: Path, *, sealed_with: bytes | None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"digest": catalogue.catalogue_digest(), "files": []}).encode()
    path = catalogue._compiled_path(directory)
    path.write_bytes(body if sealed_with is None else seal(body, sealed_with))
    return path


# ------------------------------------------------------------------------------------------ the catalogue
def test_an_unsealed_catalogue_is_ignored_and_replaced(tmp_path: Path, cache_home: Path) -> None:
    planted = _no_rules_catalogue(cache_home, sealed_with=None)
    assert catalogue._read_compiled() is None
    root = make_repo(tmp_path / "r", FILES)
    report = run_audit(root, discover(root), cache=True)
    assert len(report.results) == len(catalogue._build(catalogue._parse_yaml()))
    unseal(planted.read_bytes(), catalogue._SEAL_KEY)  # the save wrote ours over it: sealed
    assert catalogue._read_compiled() is not None


def test_a_catalogue_sealed_for_another_purpose_is_ignored(cache_home: Path) -> None:
    _no_rules_catalogue(cache_home, sealed_with=b"mlops-audit code analysis")  # the analyses' key
    assert catalogue._read_compiled() is None
    assert len(catalogue.builtin_rules()) == len(catalogue._build(catalogue._parse_yaml()))


def test_a_sealed_catalogue_is_used(cache_home: Path) -> None:
    """The other side of the seal: ours is taken (so the checks above are not just "never read it")."""
    _no_rules_catalogue(cache_home, sealed_with=catalogue._SEAL_KEY)
    assert catalogue._read_compiled() == []


def test_the_shipped_catalogue_is_the_yaml_parsed() -> None:
    catalogue.forget()
    shipped = catalogue._read_shipped()
    assert shipped is not None and shipped == [tuple(f) for f in catalogue._parse_yaml()]
    assert catalogue.builtin_rules() == catalogue._build(catalogue._parse_yaml())


def test_a_shipped_catalogue_of_other_yaml_files_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited rule is read from its YAML, not from a catalogue.json written before the edit."""
    stale = tmp_path / "rules"
    stale.mkdir()
    (stale / catalogue.SHIPPED).write_text(json.dumps({"digest": "0" * 20, "files": []}), encoding="utf-8")
    monkeypatch.setattr(catalogue, "resource_dir", lambda name: stale)
    assert catalogue._read_shipped() is None


def test_no_cache_reads_nothing_from_the_cache_directory(tmp_path: Path, cache_home: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _no_rules_catalogue(cache_home, sealed_with=catalogue._SEAL_KEY)  # would be used if it were read
    root = make_repo(tmp_path / "r", FILES)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache directory was looked at with --no-cache")

    monkeypatch.setattr(cache_module, "cache_dir", forbidden)
    monkeypatch.setattr(cache_module, "open_regular", forbidden)
    monkeypatch.setattr(cachedir, "cache_dir", forbidden)  # where a kept report (mlops_audit.memo) is looked for
    monkeypatch.setattr(cachedir, "open_regular", forbidden)
    report = run_audit(root, discover(root), cache=False)
    assert len(report.results) == len(catalogue._build(catalogue._parse_yaml()))


# ------------------------------------------------------------------------------------------ the analyses
def _warm_cache(tmp_path: Path) -> tuple[Path, Path]:
    root = make_repo(tmp_path / "r", FILES)
    run_audit(root, discover(root), cache=True)
    (path,) = (tmp_path / "cache").glob("code-*.cache")
    return root, path


def test_a_header_not_sealed_by_us_is_not_parsed(tmp_path: Path, cache_home: Path) -> None:
    root, path = _warm_cache(tmp_path)
    data = bytearray(path.read_bytes())
    length = int(data[-20:-1])
    start = len(data) - 21 - length
    data[start + 20] ^= 1  # a byte of the header's JSON: its seal no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        CacheFile(path)
    assert CodeCache(root)._file is None  # a miss, not a crash


def test_a_planted_cache_file_nested_deeply_is_ignored(tmp_path: Path, cache_home: Path) -> None:
    root, path = _warm_cache(tmp_path)
    head = ("[" * 100_000 + "]" * 100_000).encode()  # would be a RecursionError if it were parsed
    path.write_bytes(head + b"\n%019d\n" % len(head))
    cache = CodeCache(root)
    assert cache._file is None
    report = run_audit(root, discover(root), cache=True)
    assert report.results


# ------------------------------------------------------------------------------------------ temporary files
def test_stale_temporary_files_are_pruned_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    now = time.time()
    old, young = now - 2 * cache_module.STALE_TMP_SECONDS, now - 60
    files = {".code-abc.tmp": old, ".catalogue-x.tmp": old, ".code-new.tmp": young, "code-1.cache": old,
             "notes.tmp": old, ".code-abc.tmpx": old}
    for name, mtime in files.items():
        (folder / name).write_text("x")
        os.utime(folder / name, (mtime, mtime))
    prune_stale_temporaries(folder, now=now)
    assert sorted(p.name for p in folder.iterdir()) == [".code-abc.tmpx", ".code-new.tmp", "code-1.cache",
                                                       "notes.tmp"]


def test_a_save_prunes_what_a_killed_save_left(tmp_path: Path, cache_home: Path) -> None:
    cache_home.mkdir()
    left = cache_home / ".code-killed.tmp"
    left.write_bytes(b"half a cache")
    os.utime(left, (1, 1))
    _warm_cache(tmp_path)
    assert not left.exists()


# ------------------------------------------------------------------------------------------ no home directory
def _no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLOPS_AUDIT_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home(cls: type[Path]) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))


def test_no_home_directory_means_no_cache_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_home(monkeypatch)
    with pytest.raises(NoCacheDir):
        cache_dir()


def test_no_home_directory_runs_without_a_cache_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "r", FILES)
    _no_home(monkeypatch)
    catalogue.forget()
    try:
        code_cache = CodeCache(root)
        assert not code_cache.enabled and "without a cache" in code_cache.note
        report = run_audit(root, discover(root), cache=True)
    finally:
        catalogue.forget()
    assert report.results and any("without a cache" in note for note in report.notes)


def test_answers_worked_out_by_other_code_are_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The derived answers' digest covers the code that works them out (a development install between two
    versions changes the predicates, not the version): another stamp, another digest."""
    from mlops_audit.facts import derived

    units = [("a.py", None, "k1")]
    before = derived.digest(units, {})
    monkeypatch.setattr(derived, "source_stamp", lambda: "changed")
    assert derived.digest(units, {}) != before
