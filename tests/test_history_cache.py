"""Warm runs do not walk the history again (issue 14): the scan is kept by the tips it started from, reused
while they are the same, extended with the new objects only (``NEW --not OLD``) when every past tip is still
reachable, and done again in full when one is not. Each answer is compared with a fresh scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_fixtures import TRAIN
from mlops_audit import gitrun
from mlops_audit.facts.history import HistoryFacts, HistoryScan
from mlops_audit.facts.repo import DATA_EXTENSIONS, MODEL_EXTENSIONS
from mlops_audit.gitrun import GitRepo
from repo_builder import git, make_repo

KB, MB = 1024, 1024 * 1024


class Store:
    """The part of the analysis cache a scan uses, counting what it is asked."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], Any] = {}

    def doc(self, kind: str, key: str) -> Any:
        return self.docs.get((kind, key))

    def put_doc(self, kind: str, key: str, value: Any) -> None:
        self.docs[(kind, key)] = value


class Counting:
    """Records every git command the scan runs (through the one hardened runner)."""

    def __init__(self, monkeypatch: Any) -> None:
        self.commands: list[tuple[str, ...]] = []
        run, popen = gitrun.run, gitrun.popen

        def counted_run(repo: GitRepo | None, *args: str, **kw: Any) -> Any:
            self.commands.append(args)
            return run(repo, *args, **kw)

        def counted_popen(repo: GitRepo, *args: str, **kw: Any) -> Any:
            self.commands.append(args)
            return popen(repo, *args, **kw)

        monkeypatch.setattr(gitrun, "run", counted_run)
        monkeypatch.setattr(gitrun, "popen", counted_popen)

    def walks(self) -> list[tuple[str, ...]]:
        return [c for c in self.commands if c[:2] == ("rev-list", "--objects")]


def repo_of(root: Path) -> GitRepo:
    repo = gitrun.locate(root)
    assert isinstance(repo, GitRepo), repo
    return repo


def scan(root: Path, store: Store | None) -> HistoryFacts:
    return HistoryScan(repo_of(root), root, 10 * MB, small=512 * KB, data_suffixes=DATA_EXTENSIONS,
                       model_suffixes=MODEL_EXTENSIONS, store=store).result()


def rows(facts: HistoryFacts) -> list[tuple[str, int, str, int, int]]:
    assert facts.scanned and facts.problem is None, facts.problem
    return [(b.path, b.size, b.kind, b.versions, b.total) for b in facts.blobs]


def add(root: Path, rel: str, data: bytes, message: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_the_same_tips_reuse_the_past_scan_without_walking(tmp_path: Path, monkeypatch: Any) -> None:
    root = make_repo(tmp_path / "r", {"train.py": TRAIN})
    add(root, "data/a.csv", b"1,2\n" * (200 * KB), "data")
    store = Store()
    first = rows(scan(root, store))
    assert first == [("data/a.csv", 800 * KB, "data", 1, 800 * KB)]
    counting = Counting(monkeypatch)
    assert rows(scan(root, store)) == first
    assert counting.walks() == []


def test_new_commits_are_walked_alone_and_merged(tmp_path: Path, monkeypatch: Any) -> None:
    root = make_repo(tmp_path / "r", {"train.py": TRAIN})
    add(root, "data/a.csv", b"1,2\n" * (200 * KB), "data v1")
    store = Store()
    scan(root, store)
    add(root, "data/a.csv", b"3,4\n" * (300 * KB), "data v2")  # a second version of the same path
    add(root, "models/m.pt", b"\x80" * MB, "model")
    git(root, "branch", "side")
    counting = Counting(monkeypatch)
    warm = rows(scan(root, store))
    walks = counting.walks()
    assert len(walks) == 1 and "--stdin" in walks[0] and "--all" not in walks[0]
    assert warm == rows(scan(root, None))
    assert warm == [("data/a.csv", 1200 * KB, "data", 2, 2000 * KB), ("models/m.pt", MB, "model", 1, MB)]


def test_a_deleted_branch_means_a_full_walk(tmp_path: Path, monkeypatch: Any) -> None:
    root = make_repo(tmp_path / "r", {"train.py": TRAIN})
    git(root, "checkout", "-q", "-b", "side")
    add(root, "data/only-on-side.csv", b"1,2\n" * (200 * KB), "side data")
    git(root, "checkout", "-q", "-")
    store = Store()
    assert [r[0] for r in rows(scan(root, store))] == ["data/only-on-side.csv"]
    git(root, "branch", "-q", "-D", "side")
    git(root, "reflog", "expire", "--expire=now", "--all")
    git(root, "gc", "-q", "--prune=now")
    counting = Counting(monkeypatch)
    after = rows(scan(root, store))
    assert [("--all" in w) for w in counting.walks()] == [True]
    assert after == rows(scan(root, None)) == []


def test_a_damaged_store_is_ignored(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": TRAIN})
    add(root, "data/a.csv", b"1,2\n" * (200 * KB), "data")
    store = Store()
    scan(root, store)
    for key in list(store.docs):
        store.docs[key] = {"tips": ["not an object name"], "blobs": [["x", "big", "data", 1, 1]]}
    assert rows(scan(root, store)) == rows(scan(root, None))
    for key in list(store.docs):
        store.docs[key] = {"tips": store.docs[key]["tips"], "blobs": "nope"}
    assert rows(scan(root, store)) == rows(scan(root, None))


def test_a_partial_clone_is_kept_as_partial_and_not_walked_again(tmp_path: Path, monkeypatch: Any) -> None:
    source = make_repo(tmp_path / "src", {"train.py": TRAIN})
    add(source, "data/train.csv", b"1,2\n" * (700 * KB), "data")
    git(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:limit=1m", "--no-checkout", source.as_uri(), str(clone))
    store = Store()
    first = scan(clone, store)
    assert not first.scanned and first.problem is not None and "missing" in first.problem
    counting = Counting(monkeypatch)
    again = scan(clone, store)
    assert counting.walks() == []
    assert (again.scanned, again.problem, again.blobs) == (first.scanned, first.problem, first.blobs)
