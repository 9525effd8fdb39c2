"""DAT002 judges history blobs by kind (issue 13): data and model files above a fixture's size, anything else
above ``large-file-mb``. First through the HistoryScan API, then through the audit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ml_fixtures import LFS_POINTER, TRAIN, config, findings, locations
from mlops_audit import gitrun
from mlops_audit.facts.history import LFS_POINTER_MAX, HistoryBlob, HistoryFacts, HistoryScan, blob_kind
from mlops_audit.facts.repo import DATA_EXTENSIONS, MODEL_EXTENSIONS
from mlops_audit.gitrun import GitRepo
from repo_builder import audit, git, make_repo, status

KB, MB = 1024, 1024 * 1024
LARGE, SMALL = 10 * MB, 512 * KB  # the defaults of large-file-mb and fixture-max-kb
CSV_2_4_MB = b"1,2\n" * (int(2.4 * MB) // 4)  # 2,516,580 bytes: "2.4 MB"
NO_LFS = ("-c", "filter.lfs.clean=", "-c", "filter.lfs.smudge=", "-c", "filter.lfs.process=",
          "-c", "filter.lfs.required=false")  # a user's git-lfs set-up must not rewrite the fixtures


def commit(root: Path, message: str) -> None:
    git(root, *NO_LFS, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def delete(root: Path, *paths: str) -> None:
    git(root, "rm", "-q", *paths)
    git(root, "commit", "-q", "-m", "remove " + " ".join(paths))


def repo_of(root: Path) -> GitRepo:
    repo = gitrun.locate(root)
    assert isinstance(repo, GitRepo), repo
    return repo


def scan(root: Path, *, large: int = LARGE, small: int | None = SMALL, data: tuple[str, ...] = DATA_EXTENSIONS,
         model: tuple[str, ...] = MODEL_EXTENSIONS, top: Path | None = None) -> HistoryFacts:
    """The history of ``root`` judged as RepoFacts judges it by default (``top``: the repository, when the
    audited root is a folder inside it)."""
    return HistoryScan(repo_of(top or root), root, large, small=small, data_suffixes=data,
                       model_suffixes=model).result()


def flagged(facts: HistoryFacts) -> list[tuple[str, int, str]]:
    assert facts.problem is None and facts.scanned, facts.problem
    return [(b.path, b.size, b.kind) for b in facts.blobs]


def history_repo(tmp_path: Path, files: dict[str, str | bytes], *, remove: tuple[str, ...] = ()) -> Path:
    root = make_repo(tmp_path / "repo", {"train.py": TRAIN})
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    commit(root, "add files")
    if remove:
        delete(root, *remove)
    return root


# ------------------------------------------------------------------------------------ what must be flagged
def test_a_deleted_2_4_mb_csv_is_flagged_as_data(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB}, remove=("data/train.csv",))
    assert flagged(scan(root)) == [("data/train.csv", len(CSV_2_4_MB), "data")]


def test_a_3_mb_model_is_flagged_as_a_model(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"models/net.pt": b"\x80" * (3 * MB)})
    assert flagged(scan(root)) == [("models/net.pt", 3 * MB, "model")]


def test_a_file_above_large_file_mb_is_flagged_whatever_it_is(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"notes.txt": b"x" * (2 * MB + 1), "big.csv": b"1\n" * (MB + 1),
                                   "small.txt": b"x" * (2 * MB)}, remove=("notes.txt",))
    assert flagged(scan(root, large=2 * MB)) == [("big.csv", 2 * MB + 2, "data"),
                                                 ("notes.txt", 2 * MB + 1, "large")]


def test_a_data_file_above_the_fixture_size_is_flagged_under_tests_too(tmp_path: Path) -> None:
    """As in the work tree (RepoFacts.is_small_fixture): tests/ allows small data files, not big ones."""
    root = history_repo(tmp_path, {"tests/fixtures/sample.csv": b"1,2\n" * (600 * KB // 4)})
    assert flagged(scan(root)) == [("tests/fixtures/sample.csv", 600 * KB, "data")]


def test_suffixes_are_matched_without_case_and_the_doubles_too(tmp_path: Path) -> None:
    files = {"RAW/Export.CSV": b"1" * MB, "dump.tar.gz": b"2" * MB, "w.SafeTensors": b"3" * MB}
    root = history_repo(tmp_path, files)
    assert flagged(scan(root)) == [("RAW/Export.CSV", MB, "data"), ("dump.tar.gz", MB, "data"),
                                   ("w.SafeTensors", MB, "model")]


def test_configured_extensions_are_handed_in(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"sensor.dat": b"1" * MB, "boost.bst": b"2" * MB}, remove=("sensor.dat",))
    assert flagged(scan(root)) == []  # not in the built-in lists
    assert flagged(scan(root, data=(*DATA_EXTENSIONS, ".dat"), model=(*MODEL_EXTENSIONS, "bst"))) == [
        ("boost.bst", MB, "model"), ("sensor.dat", MB, "data")]


def test_every_version_of_a_path_is_counted(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": b"1,2\n" * (MB // 4)})
    for n in (2, 3):
        (root / "data" / "train.csv").write_bytes(b"1,2\n" * (n * MB // 4))
        commit(root, f"version {n}")
    (blob,) = scan(root).blobs
    assert blob == HistoryBlob("data/train.csv", 3 * MB, "data", versions=3, total=6 * MB)


def test_paths_are_relative_to_an_audited_subfolder(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"ml/data/a.csv": b"1" * MB, "web/b.csv": b"1" * MB})
    assert flagged(scan(root / "ml", top=root)) == [("data/a.csv", MB, "data")]


# ------------------------------------------------------------------------------------ near misses
def test_source_and_text_files_are_judged_by_large_file_mb_only(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"gen/tables.py": b"x = 1\n" * (2 * MB // 6), "corpus.txt": b"w " * MB},
                        remove=("corpus.txt",))
    assert flagged(scan(root)) == []


def test_a_small_csv_fixture_under_tests_is_not_flagged(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"tests/fixtures/rows.csv": b"1,2\n" * (30 * KB // 4)},
                        remove=("tests/fixtures/rows.csv",))
    assert flagged(scan(root)) == []


def test_data_tracked_by_git_lfs_is_a_pointer_in_history(tmp_path: Path) -> None:
    files = {".gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n", "data/train.csv": LFS_POINTER,
             "models/net.pt": LFS_POINTER}
    root = history_repo(tmp_path, files, remove=("data/train.csv",))
    assert flagged(scan(root)) == []
    assert flagged(scan(root, small=0)) == []  # an LFS pointer is never data, whatever the threshold


def test_data_committed_before_lfs_tracked_it_is_still_in_history(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB})
    (root / ".gitattributes").write_text("*.csv filter=lfs diff=lfs merge=lfs -text\n")
    (root / "data" / "train.csv").write_text(LFS_POINTER)
    commit(root, "track data with LFS (history not rewritten)")
    assert flagged(scan(root)) == [("data/train.csv", len(CSV_2_4_MB), "data")]


def test_without_suffixes_only_large_counts(tmp_path: Path) -> None:
    """The scan as it was before kinds (what a caller that hands no suffixes gets)."""
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB, "big.bin": b"\0" * (2 * MB)})
    facts = HistoryScan(repo_of(root), root, MB).result()
    assert facts.large_blobs == [("big.bin", 2 * MB), ("data/train.csv", len(CSV_2_4_MB))]
    assert {b.kind for b in facts.blobs} == {"large"}


# ------------------------------------------------------------------------------------ the thresholds
def test_small_is_at_least_an_lfs_pointer_and_at_most_large(tmp_path: Path) -> None:
    repo = repo_of(make_repo(tmp_path / "repo", {"a.py": "x = 1\n"}))
    assert HistoryScan(repo, repo.work_tree, LARGE, small=0).small == LFS_POINTER_MAX
    assert HistoryScan(repo, repo.work_tree, LARGE, small=20 * MB).small == LARGE
    assert HistoryScan(repo, repo.work_tree, LARGE).small == LARGE


def test_small_zero_still_flags_data_above_a_pointer(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/tiny.csv": b"1,2\n" * 1024, "data/pointer.csv": LFS_POINTER})
    assert flagged(scan(root, small=0)) == [("data/tiny.csv", 4096, "data")]


@pytest.mark.parametrize(("name", "kind"), [
    ("train.csv", "data"), ("TRAIN.CSV", "data"), ("m.pt", "model"), ("a.tar.gz", "data"), ("s.sav", "model"),
    ("s.sav.csv", "data"), ("m.pt.gz", "model"), (".csv", None), ("csv", None), ("notes.txt", None),
    ("x.hdf5", "data"), ("x.h5", "model"),
])
def test_blob_kind_takes_the_longest_suffix(name: str, kind: str | None) -> None:
    data = (".gz", ".csv", ".tar.gz", ".sav.csv", ".hdf5")
    model = (".pt", ".pt.gz", ".sav", ".h5")
    assert blob_kind(name, data, model) == kind


# ------------------------------------------------------------------------------------ the guarantees kept
def test_a_partial_clone_is_a_problem_and_nothing_is_fetched(tmp_path: Path) -> None:
    source = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB})
    git(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:limit=1m", "--no-checkout", source.as_uri(), str(clone))
    missing = git(source, "rev-parse", "HEAD:data/train.csv").strip()
    facts = scan(clone)
    assert not facts.scanned
    assert facts.problem is not None and "1 object(s) missing" in facts.problem
    # still missing: the scan fetched nothing (rev-list --missing=print never fetches; cat-file -e would)
    listing = git(clone, "-c", "protocol.allow=never", "rev-list", "--objects", "--all", "--missing=print")
    assert f"?{missing}" in listing.split()


def test_a_missing_data_blob_is_a_problem_not_a_pass(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB})
    oid = git(root, "rev-parse", "HEAD:data/train.csv").strip()
    (root / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    facts = scan(root)
    assert not facts.scanned and facts.problem is not None and "missing" in facts.problem


def test_a_shallow_clone_is_said_and_still_judged_by_kind(tmp_path: Path) -> None:
    source = history_repo(tmp_path, {"data/old.csv": CSV_2_4_MB}, remove=("data/old.csv",))
    (source / "models").mkdir()
    (source / "models" / "net.onnx").write_bytes(b"\0" * (3 * MB))
    commit(source, "a model")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), str(clone))
    facts = scan(clone)
    assert facts.shallow
    assert flagged(facts) == [("models/net.onnx", 3 * MB, "model")]  # the deleted CSV was not fetched


def test_a_scan_out_of_time_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB})
    running = HistoryScan(repo_of(root), root, LARGE, small=SMALL, data_suffixes=DATA_EXTENSIONS)
    assert running._cat is not None
    real_wait = running._cat.wait

    def slow(timeout: float | None = None) -> int:
        if timeout is not None:
            raise subprocess.TimeoutExpired("git cat-file", timeout)
        return real_wait()

    monkeypatch.setattr(running._cat, "wait", slow)
    facts = running.result()
    assert not facts.scanned and facts.blobs == []
    assert facts.problem is not None and "stopped after" in facts.problem


# ------------------------------------------------------------------------------------ through the audit
# These need the RepoFacts.prefetch_history patch (thresholds and suffixes handed to HistoryScan) and the
# large_blobs_in_history predicate patch (messages by kind).
def test_audit_a_deleted_csv_in_history_fails_dat002(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": CSV_2_4_MB}, remove=("data/train.csv",))
    report = audit(root, select=["DAT002"])
    assert status(report, "DAT002") == "fail"
    (finding,) = findings(report, "DAT002")
    assert finding.path == "data/train.csv"
    assert finding.message == ("2.4 MB CSV data file committed to history "
                               "(file since deleted, still in every clone)")


def test_audit_a_model_in_history_fails_dat002(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"models/net.pt": b"\x80" * (3 * MB)})
    (finding,) = findings(audit(root, select=["DAT002"]), "DAT002")
    assert (finding.path, finding.message) == ("models/net.pt", "3.0 MB PT model file committed to history")


def test_audit_counts_the_versions_of_a_data_file(tmp_path: Path) -> None:
    root = history_repo(tmp_path, {"data/train.csv": b"1,2\n" * (MB // 4)})
    (root / "data" / "train.csv").write_bytes(b"1,2\n" * (2 * MB // 4))
    commit(root, "more rows")
    (finding,) = findings(audit(root, select=["DAT002"]), "DAT002")
    assert finding.message == "2.0 MB CSV data file committed to history (2 versions, 3.0 MB in all)"


def test_audit_uses_fixture_max_kb_and_the_configured_extensions(tmp_path: Path) -> None:
    files = {"pyproject.toml": config('fixture-max-kb = 100\ndata-extensions = [".dat"]'),
             "tests/data/rows.csv": b"1,2\n" * (200 * KB // 4), "raw/sensor.dat": b"\1" * (150 * KB)}
    root = history_repo(tmp_path, files, remove=("raw/sensor.dat",))
    assert locations(audit(root, select=["DAT002"]), "DAT002") == [("raw/sensor.dat", None, None),
                                                                  ("tests/data/rows.csv", None, None)]


@pytest.mark.parametrize("files", [
    pytest.param({"gen/tables.py": b"x = 1\n" * (2 * MB // 6), "corpus.txt": b"w " * MB}, id="source-and-text"),
    pytest.param({"tests/fixtures/rows.csv": b"1,2\n" * (30 * KB // 4)}, id="small-fixture"),
    pytest.param({".gitattributes": "*.csv filter=lfs -text\n", "data/train.csv": LFS_POINTER}, id="lfs-pointer"),
    pytest.param({"pyproject.toml": config("fixture-max-kb = 4096"), "data/train.csv": CSV_2_4_MB},
                 id="fixture-max-kb-raised"),
])
def test_audit_near_misses_pass_dat002(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    root = history_repo(tmp_path, files, remove=tuple(p for p in files if p.endswith((".txt", ".csv"))))
    assert status(audit(root, select=["DAT002"]), "DAT002") == "pass"


def test_audit_a_large_other_file_keeps_its_message(tmp_path: Path) -> None:
    files = {"pyproject.toml": config("large-file-mb = 1"), "assets/video.bin": b"\0" * (2 * MB)}
    root = history_repo(tmp_path, files)
    (finding,) = findings(audit(root, select=["DAT002"]), "DAT002")
    assert finding.message == "2.0 MB blob committed to history"
