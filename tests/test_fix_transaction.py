"""`fix` is a transaction: a failure or an interruption at any stage leaves the repository as it was (or, when the
process is killed outright, in a state the next `fix` completes), and the next `fix` reaches exactly what one
uninterrupted run gives. DAT001 counts a data file as covered only by its own `.dvc` entry."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mlops_audit.config import discover
from mlops_audit.fix import gitindex, safefs
from mlops_audit.fix.run import run_fix
from mlops_audit.fix.transaction import Transaction
from repo_builder import audit, git, make_repo, status
from test_fix import CSV, FAKE_KEY, LEGACY, fix, snapshot

FILES: dict[str, str | bytes] = {**LEGACY, "keys.py": f'API_KEY = "{FAKE_KEY}"\n', "data/more.csv": CSV + "x\n"}


def build(tmp_path: Path, name: str, files: dict[str, str | bytes] | None = None) -> Path:
    """A repository in its own folder, always named `proj` (the project name is rendered into the files)."""
    return make_repo(tmp_path / name / "proj", dict(files or FILES))


def without_temps(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if not k.endswith(safefs.TEMP_SUFFIX)}


@pytest.fixture
def expected(tmp_path: Path) -> dict[str, str]:
    """What one uninterrupted `fix --yes --unsafe` makes of the repository."""
    root = build(tmp_path, "clean")
    fix(root, yes=True, unsafe=True)
    return snapshot(root)


def run(root: Path) -> int:
    lines: list[str] = []
    return run_fix(root, discover(root), yes=True, unsafe=True, write=lambda s: lines.append(str(s)))


def fail_on_call(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, n: int, exc: BaseException, *,
                 after: bool = False) -> None:
    """Make the ``n``-th call of ``owner.name`` raise ``exc`` (before it does its work, or ``after``)."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n and not after:
            raise exc
        result = original(*args, **kwargs)
        if calls["n"] == n:
            raise exc
        return result

    monkeypatch.setattr(owner, name, failing)


# each stage of the transaction, and a call in it to break: (owner, function, which call, after it ran). The
# calls counted on FILES: 3 cache copies (each renamed into place), then 22 files written to temporary names,
# then placed in order (links 1-12 up to data/.gitignore, the baseline 6th, 13-14 the data .dvc files, renames 4-5
# the notebook and keys.py, link 21 .dvc/config), then the index.
STAGES: dict[str, tuple[Any, str, int, bool]] = {
    "first cache copy": (Transaction, "cache", 1, False),
    "second cache copy": (Transaction, "cache", 2, False),
    "after the cache copies": (Transaction, "cache", 3, True),
    "writing a new file": (safefs, "write_temp", 8, False),
    "placing the first file": (safefs, "link_new", 1, False),
    "placing a .dvc file": (safefs, "link_new", 13, False),
    "rewriting a file": (safefs, "replace", 4, False),
    "the index update": (gitindex, "update", 1, False),
}
FAILURES: dict[str, BaseException] = {
    "Ctrl-C": KeyboardInterrupt(),
    "I/O error": OSError(errno.EIO, "Input/output error"),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_failure_at_any_stage_changes_nothing_and_the_next_fix_completes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expected: dict[str, str], stage: str, failure: str) -> None:
    root = build(tmp_path, "broken")
    before = snapshot(root)
    owner, name, n, after = STAGES[stage]
    with monkeypatch.context() as patch:
        fail_on_call(patch, owner, name, n, FAILURES[failure], after=after)
        if failure == "Ctrl-C":
            with pytest.raises(KeyboardInterrupt):
                run(root)
        else:
            assert run(root) == 1
    assert snapshot(root) == before  # undone: files, cache, folders and index as they were
    assert run(root) == 0
    assert snapshot(root) == expected


def test_an_interruption_after_the_index_was_written_keeps_the_complete_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expected: dict[str, str]) -> None:
    """The transaction is complete; only the baseline still holds what the plan foresaw (marked provisional: the
    run was interrupted before it recorded what the audit finds once applied). The next fix records it."""
    from mlops_audit.baseline import BASELINE_NAME, is_provisional

    root = build(tmp_path, "late")
    with monkeypatch.context() as patch:
        fail_on_call(patch, gitindex, "update", 1, KeyboardInterrupt(), after=True)
        with pytest.raises(KeyboardInterrupt):
            run(root)
    state = snapshot(root)
    assert is_provisional((root / BASELINE_NAME).read_text(encoding="utf-8"))
    assert {k: v for k, v in state.items() if k != BASELINE_NAME} == \
        {k: v for k, v in expected.items() if k != BASELINE_NAME}
    out = fix(root, yes=True, unsafe=True)
    assert f"record in {BASELINE_NAME} the findings left once applied (an earlier fix did not finish" in out
    assert snapshot(root) == expected
    assert run(root) == 0 and snapshot(root) == expected


KILLS: dict[str, tuple[Any, str, int, bool]] = {
    "during the cache copies": (Transaction, "cache", 2, False),
    "after the ignore lines, before the .dvc files": (safefs, "link_new", 13, False),
    "between two .dvc files": (safefs, "link_new", 14, False),
    "while rewriting files": (safefs, "replace", 5, False),
    "before .dvc/config": (safefs, "link_new", 21, False),
    "after every file, before the index": (gitindex, "update", 1, False),
}


@pytest.mark.parametrize("kill", sorted(KILLS))
def test_a_killed_fix_leaves_what_the_next_fix_completes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          expected: dict[str, str], kill: str) -> None:
    """A kill runs no undo: whatever was done stays, and planning completes it (the .dvc files whose data is
    still in the index, not ignored or not cached get the rest of their move)."""
    root = build(tmp_path, "killed")
    owner, name, n, after = KILLS[kill]
    with monkeypatch.context() as patch:
        patch.setattr(Transaction, "rollback", lambda self: None)
        patch.setattr(Transaction, "discard_temps", lambda self: None)
        fail_on_call(patch, owner, name, n, KeyboardInterrupt(), after=after)
        with pytest.raises(KeyboardInterrupt):
            run(root)
    assert run(root) == 0
    assert without_temps(snapshot(root)) == expected
    assert run(root) == 0 and without_temps(snapshot(root)) == expected  # and a third run changes nothing


def test_a_dvc_file_whose_data_is_still_in_the_index_gets_the_rest_of_its_move(tmp_path: Path) -> None:
    """What an interrupted run left (or a hand-made .dvc file): the cache copy, the ignore line, the untrack."""
    import hashlib

    md5 = hashlib.md5(CSV.encode(), usedforsecurity=False).hexdigest()
    root = build(tmp_path, "half", {**LEGACY, "data/churn.csv.dvc":
                                    f"outs:\n- md5: {md5}\n  size: {len(CSV)}\n  hash: md5\n  path: churn.csv\n"})
    before = audit(root)  # covered by its own .dvc entry, but still in git: DAT001 says so, fix finishes it
    assert status(before, "DAT001") == "fail"
    assert any("still tracked in git" in f.message for r in before.results if r.rule.id == "DAT001"
               for f in r.findings)
    out = fix(root, yes=True, unsafe=True)
    assert "finish the DVC move of 1 file(s)" in out
    assert "data/churn.csv" not in git(root, "ls-files").split()
    assert (root / f".dvc/cache/files/md5/{md5[:2]}/{md5[2:]}").read_text() == CSV
    assert "/churn.csv" in (root / "data/.gitignore").read_text()
    second = snapshot(root)
    fix(root, yes=True, unsafe=True)
    assert snapshot(root) == second


def test_a_dvc_file_that_no_longer_matches_its_data_is_left_alone(tmp_path: Path) -> None:
    root = build(tmp_path, "stale", {**LEGACY, "data/churn.csv.dvc":
                                     f"outs:\n- md5: {'a' * 32}\n  size: 1\n  hash: md5\n  path: churn.csv\n"})
    out = fix(root, yes=True, unsafe=True)
    assert "differs from what data/churn.csv.dvc records" in out
    assert "data/churn.csv" in git(root, "ls-files").split()


# --------------------------------------------------------------------------- coverage by its own .dvc entry only
@pytest.mark.parametrize(("dvc_files", "covered"), [
    pytest.param({"data/churn.csv.dvc": "outs:\n- md5: abc\n  path: churn.csv\n"}, True, id="its-own-dvc-file"),
    pytest.param({"data.dvc": "outs:\n- md5: abc.dir\n  path: data\n"}, True, id="its-folder's-dvc-file"),
    pytest.param({"data/other.csv.dvc": "outs:\n- md5: abc\n  path: other.csv\n"}, False, id="a-neighbour"),
    pytest.param({"data/churn.csv.dvc": "outs:\n- md5: abc\n  path: other.csv\n"}, False, id="named-after-it-only"),
    pytest.param({"data/churn.csv.dvc": "outs: [\n"}, False, id="garbled"),
    pytest.param({"data/churn.csv.dvc": ""}, False, id="empty"),
    pytest.param({"data/x.dvc": "outs:\n- md5: abc.dir\n  path: .\n"}, False, id="a-neighbour-naming-the-folder"),
    pytest.param({"data/churn.csv.dvc": "outs:\n- path: ../data/churn.csv\n"}, True, id="relative-path"),
])
def test_dat001_counts_only_the_file_s_own_dvc_entry(tmp_path: Path, dvc_files: dict[str, str],
                                                      covered: bool) -> None:
    files: dict[str, str | bytes] = {"train.py": LEGACY["train.py"], "data/churn.csv": CSV, **dvc_files}
    root = build(tmp_path, "cov", files)
    git(root, "rm", "--cached", "-q", "data/churn.csv")  # as `dvc add` leaves it: out of git, held by DVC
    report = audit(root)
    dat001 = next(r for r in report.results if r.rule.id == "DAT001")
    assert ("data/churn.csv" not in {f.path for f in dat001.findings}) is covered, dat001.findings


# --------------------------------------------------------------------------- what a rewrite keeps
def test_a_rewritten_file_keeps_its_mode_and_its_line_endings(tmp_path: Path) -> None:
    root = build(tmp_path, "modes", {**LEGACY, "keys.py": f'"""Keys."""\r\nAPI_KEY = "{FAKE_KEY}"\r\nX = 1\r\n'})
    (root / "keys.py").chmod(0o755)
    fix(root, yes=True, unsafe=True)
    assert stat.S_IMODE(os.stat(root / "keys.py").st_mode) == 0o755
    assert (root / "keys.py").read_bytes() == (
        b'"""Keys."""\r\nimport os\nAPI_KEY = os.environ["API_KEY"]\r\nX = 1\r\n')


def test_a_file_that_changes_while_fix_runs_stops_it_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build(tmp_path, "race")
    before = snapshot(root)
    original = Transaction.check

    def edit_then_check(self: Transaction) -> None:
        (root / "keys.py").write_text("API_KEY = 'changed'\n", encoding="utf-8")
        original(self)

    monkeypatch.setattr(Transaction, "check", edit_then_check)
    lines: list[str] = []
    assert run_fix(root, discover(root), yes=True, unsafe=True, write=lines.append) == 1
    assert any("keys.py changed while fix was running" in line for line in lines), lines
    before["keys.py"] = snapshot(root)["keys.py"]
    assert snapshot(root) == before


# --------------------------------------------------------------------------- no crash on small inputs
@pytest.mark.parametrize("terms", [800, 3000])
def test_a_file_too_deep_to_parse_is_skipped_with_a_note(tmp_path: Path, terms: int) -> None:
    deep = "x = " + "+".join(["a"] * terms) + f'\nTOKEN = "{FAKE_KEY}"\n'
    root = build(tmp_path, "deep", {**LEGACY, "deep.py": deep, "keys.py": f'API_KEY = "{FAKE_KEY}"\n',
                                    "deep.ipynb": '{"cells": ' + "[" * 50_000 + "]" * 50_000 + "}"})
    for args in ({"dry_run": True, "unsafe": True}, {"yes": True, "unsafe": True}):
        out = fix(root, **args)
        assert "Traceback" not in out
        if terms > 1000 and args.get("dry_run"):  # too deep for Python's parser: noted, not fatal
            assert "Skipped (could not be read or parsed" in out and "deep.py: RecursionError" in out, out
    assert 'os.environ["API_KEY"]' in (root / "keys.py").read_text()  # the rest of the plan stands


# --------------------------------------------------------------------------- Git LFS without git lfs
def test_lfs_moves_are_done_with_plumbing_and_stored_in_the_lfs_store(tmp_path: Path) -> None:
    import hashlib

    root = build(tmp_path, "lfs", {**LEGACY, ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n"})
    (root / "models/model.pkl").chmod(0o755)
    git(root, "add", "models/model.pkl")
    fix(root, yes=True, unsafe=True, lfs_installed=True)
    oid = hashlib.sha256(CSV.encode()).hexdigest()
    assert git(root, "cat-file", "-p", ":data/churn.csv") == (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(CSV)}\n")
    assert (root / ".git/lfs/objects" / oid[:2] / oid[2:4] / oid).read_text() == CSV
    assert git(root, "ls-files", "-s", "models/model.pkl").startswith("100755 ")  # the file's mode is kept
    assert (root / "data/churn.csv").read_text() == CSV
    state = snapshot(root)
    fix(root, yes=True, unsafe=True, lfs_installed=True)
    assert snapshot(root) == state


def test_an_interrupted_lfs_move_is_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build(tmp_path, "lfs-killed", {**LEGACY, ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n"})
    with monkeypatch.context() as patch:
        patch.setattr(Transaction, "rollback", lambda self: None)
        fail_on_call(patch, gitindex, "update", 1, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            fix(root, yes=True, unsafe=True, lfs_installed=True)
    assert "/data/churn.csv filter=lfs" in (root / ".gitattributes").read_text()
    assert not git(root, "cat-file", "-p", ":data/churn.csv").startswith("version https://git-lfs")
    out = fix(root, yes=True, unsafe=True, lfs_installed=True)
    assert "store 2 file(s) that .gitattributes sends to Git LFS" in out
    assert git(root, "cat-file", "-p", ":data/churn.csv").startswith("version https://git-lfs")


# --------------------------------------------------------------------------- a link that appears while fix runs
def _plan(root: Path) -> Any:
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.plan import build_plan, targets

    facts = RepoFacts(root, discover(root))
    report = audit(root)
    return build_plan(report, facts, infer_context(facts), targets(report, None, None, None), unsafe=True)


@pytest.mark.parametrize("when", ["before the checks", "after the checks"])
def test_a_link_planted_while_fix_runs_is_not_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               when: str) -> None:
    from mlops_audit.fix.workspace import ApplyError

    root = build(tmp_path, "race-link")
    outside = tmp_path / "outside"
    outside.mkdir()
    plan = _plan(root)
    before = snapshot(root)

    def plant() -> None:
        (root / ".dvc").symlink_to(outside, target_is_directory=True)

    if when == "before the checks":
        plant()
    else:
        original = Transaction.check

        def check_then_plant(self: Transaction) -> None:
            original(self)
            plant()

        monkeypatch.setattr(Transaction, "check", check_then_plant)
    with pytest.raises(ApplyError, match="symbolic link"):
        plan.workspace.apply()
    assert list(outside.iterdir()) == []
    (root / ".dvc").unlink()
    assert snapshot(root) == before
