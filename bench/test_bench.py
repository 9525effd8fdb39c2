"""Tests of the benchmark harness itself (bench/run.py, bench/floor.py): what it measures and reports, never how
fast anything is (no timed assertion).

    python -m pytest -q -p no:cacheprovider bench/test_bench.py
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))

import run as bench  # noqa: E402
from repo_builder import make_repo  # noqa: E402

RUN = [sys.executable, str(BENCH / "run.py")]


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``root`` (the .git folder included): content hash and mtime."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            st = os.lstat(path)
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            out[str(path.relative_to(root))] = (hashlib.sha256(data).hexdigest(), st.st_mtime_ns)
    return out


def small_repo(root: Path) -> Path:
    return make_repo(
        root,
        {
            "README.md": "# demo\n",
            "src/demo/__init__.py": "",
            "src/demo/train.py": "import sklearn\n\n\ndef train():\n    return 1\n",
            "src/demo/features.py": "import pandas as pd\n\n\ndef load(p):\n    return pd.read_csv(p)\n" * 3,
            "src/demo/serve.py": "def predict(x):\n    return x\n",
            "tests/test_demo.py": "def test_it():\n    assert True\n",
        },
    )


# ------------------------------------------------------------------------------------------ labels, paths


def test_real_repositories_are_labelled_by_folder_name_and_made_unique() -> None:
    paths = [Path("/a/diffusers"), Path("/b/diffusers"), Path("/c/scipy"), Path("/d/50 files")]
    assert bench.real_labels(paths, {"50 files"}) == ["diffusers", "diffusers-2", "scipy", "50 files-2"]
    assert bench.generated_label(3000) == "3,000 files"


@pytest.mark.parametrize("case", ["missing", "not-git", "subfolder", "work", "url"])
def test_a_bad_repo_argument_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    work = tmp_path / "work"
    repo = small_repo(tmp_path / "demo")
    args = {
        "missing": ["--repo", str(tmp_path / "nope")],
        "not-git": ["--repo", str((tmp_path / "plain").resolve())],
        "subfolder": ["--repo", str(repo / "src")],
        "work": ["--repo", str(work / "real" / "demo")],
        "url": ["--repo", str(repo), "--repo-url", "other=https://example.com/x"],
    }[case]
    (tmp_path / "plain").mkdir()
    (work / "real" / "demo").mkdir(parents=True)
    done = subprocess.run([*RUN, "--no-generated", "--work", str(work), *args], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not (work / "out").exists()  # refused before anything was measured


def test_nothing_to_measure_is_an_error() -> None:
    done = subprocess.run([*RUN, "--sizes", ""], capture_output=True, text=True)
    assert done.returncode == 2
    assert "nothing to measure" in done.stderr


# ---------------------------------------------------------------------------------------- one file changed


@pytest.mark.parametrize("text", [b"x = 1\n", b"x = 1", b""])
def test_one_file_changed_appends_a_new_line_each_round_and_restores_the_file(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(text)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = os.stat(path)
    seen: list[bytes] = []

    def run() -> tuple[bench.Sample, str]:
        seen.append(path.read_bytes())
        return bench.Sample(0.1, 1, 0), ""

    for round_no in range(2):
        bench.with_one_file_changed(tmp_path, "mod.py", round_no, run)
        assert path.read_bytes() == text
        assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert len(seen) == 2 and seen[0] != seen[1]
    for content in seen:
        assert content.startswith(text)
        added = content[len(text) :]
        assert added.count(b"\n") == (1 if not text or text.endswith(b"\n") else 2)
        assert added.strip().startswith(b"# mlops-audit bench: one file changed")
        compile(content, "mod.py", "exec")  # still valid Python


def test_one_file_changed_restores_the_file_when_the_run_fails(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(b"y = 2\n")

    def run() -> tuple[bench.Sample, str]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bench.with_one_file_changed(tmp_path, "mod.py", 0, run)
    assert path.read_bytes() == b"y = 2\n"


def test_the_changed_file_is_a_typical_module_inside_the_copy(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("secret = 1\n" * 100)
    root = tmp_path / "repo"
    files = {
        "pkg/__init__.py": "x = 1\n" * 50,
        "pkg/a.py": "a = 1\n",
        "pkg/b.py": "b = 1\n" * 10,
        "pkg/c.py": "c = 1\n" * 20,
        "tests/test_big.py": "t = 1\n" * 30,
        "pkg/empty.py": "",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "pkg" / "link.py").symlink_to(outside)
    paths = [*files, "pkg/link.py"]
    assert bench.choose_changed_file(root, paths) == ("pkg/b.py", len("b = 1\n" * 10))
    # only tests and links: a test is better than nothing; a link never
    assert bench.choose_changed_file(root, ["tests/test_big.py", "pkg/link.py"]) == ("tests/test_big.py", 180)
    assert bench.choose_changed_file(root, ["pkg/link.py", "pkg/empty.py"]) is None


# ------------------------------------------------------------------------------------------------ targets


def _tool(key: str, samples: dict[str, list[float]], label: str = "") -> bench.Tool:
    tool = bench.Tool(key, label or key, [])
    tool.samples = {k: [bench.Sample(w, 20_000, 0) for w in v] for k, v in samples.items()}
    return tool


def _rows(rows: list[dict[str, str]], prefix: str) -> dict[str, str]:
    return {r["target"]: r["met"] for r in rows if r["target"].startswith(prefix)}


def test_real_targets_follow_issue_14() -> None:
    repos = [
        bench.Repo("diffusers", Path("/x"), "real", {"tracked": 2849, "url": "https://github.com/huggingface/diffusers"}),
        bench.Repo("mwml", Path("/y"), "real", {"tracked": 56}),
        bench.Repo("my-scipy-clone", Path("/z"), "real", {"tracked": 2924, "url": "https://github.com/scipy/scipy.git"}),
        bench.Repo("other", Path("/w"), "real", {"tracked": 10}),
    ]
    tools = [
        _tool("mlops-audit", {"diffusers": [0.25, 0.29, 0.4], "mwml": [0.13, 0.13, 0.13], "my-scipy-clone": [0.5]}),
        _tool("ml-project-doctor", {"diffusers": [40.0, 42.0], "my-scipy-clone": [14.0]}),
    ]
    result = {
        "version": {"python -m mlops_audit --version": {"median": 0.049, "rss_mb": 13}},
        "cold": {
            "diffusers": {"wall": 1.5, "walls": [1.5], "rss_mb": 80},
            "mwml": {"wall": 0.19, "walls": [0.19], "rss_mb": 30},
            "my-scipy-clone": {"wall": 2.5, "walls": [2.5], "rss_mb": 90},
        },
    }
    rows = bench.targets(result, tools, repos)
    assert _rows(rows, "`python -m") == {"`python -m mlops_audit --version` <= 0.05 s": "yes"}
    assert _rows(rows, "diffusers") == {
        "diffusers cold <= 2.0 s": "yes",
        "diffusers cold <= 1.0 s (stretch)": "**no**",
        "diffusers warm <= 0.3 s": "yes",
        "diffusers: >= 15x faster than ml-project-doctor (mlops-audit cold)": "yes",  # 41 / 1.5 = 27x
    }
    # Made-With-ML found through its short name; scipy through its URL
    assert _rows(rows, "mwml") == {"mwml cold <= 0.2 s": "yes", "mwml warm <= 0.12 s": "**no**"}
    assert _rows(rows, "my-scipy-clone") == {
        "my-scipy-clone cold <= 2.0 s": "**no**",
        "my-scipy-clone cold <= 1.0 s (stretch)": "**no**",
        "my-scipy-clone warm <= 0.3 s": "**no**",
        "my-scipy-clone: >= 15x faster than ml-project-doctor (mlops-audit cold)": "**no**",  # 14 / 2.5
    }
    assert _rows(rows, "other") == {"other: no target in issue 14": "-"}


def test_a_target_without_its_measurement_is_not_claimed() -> None:
    repos = [bench.Repo("diffusers", Path("/x"), "real", {"tracked": 2849})]
    rows = bench.targets({}, [_tool("mlops-audit", {})], repos)
    assert {r["met"] for r in rows} == {"?"}


# ------------------------------------------------------------------------------------ stored results


def _result(tmp_path: Path) -> dict:
    repos = [
        bench.Repo(
            "3,000 files", tmp_path / "g", "generated", {"tracked": 3000, "commits": 150, "head": "ab" * 20, "mb": 18}
        ),
        bench.Repo(
            "diffusers",
            tmp_path / "d",
            "real",
            {"tracked": 2849, "head": "cd" * 20, "mb": 45, "url": "https://github.com/huggingface/diffusers",
             "changed_file": "src/x.py", "changed_size": 1234, "changed_raw": "src/x.py"},
        ),
    ]
    tools = [
        _tool("mlops-audit", {"3,000 files": [0.2, 0.3], "diffusers": [0.3, 0.4]}),
        _tool("mlops-audit-changed", {"diffusers": [0.5, 0.6]}, "mlops-audit, **warm, one file changed**"),
    ]
    result = {
        "machine": {"date": "d", "cpu": "c", "cores": "2", "ram": "r", "os": "o", "python": "3", "git": "g",
                    "checkout": "x", "isolation": "i", "rss": "r"},
        "mlops_version": "0.1.0",
        "seed": 1,
        "runs": 2,
        "cold_runs": 1,
        "notes": [],
        "cold": {"diffusers": {"wall": 1.9, "walls": [1.9], "rss_mb": 70, "dropped": True}},
        "cold_dropped": True,
    }
    return json.loads(bench.to_json(result, tools, repos))


def test_rerender_reads_todays_results(tmp_path: Path) -> None:
    stored = _result(tmp_path)
    assert stored["format"] == bench.RESULT_FORMAT
    assert "changed_raw" not in stored["repos"]["diffusers"]  # the raw name of a repository's file stays in memory
    (tmp_path / "latest.json").write_text(json.dumps(stored))
    done = subprocess.run([*RUN, "--rerender", "--out", str(tmp_path / "latest.md")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "latest.md").read_text()
    assert "| tool | diffusers |" in md and "| tool | 3,000 files |" in md
    assert "| mlops-audit, **warm, one file changed** | 0.550 s" in md
    assert "| diffusers cold <= 2.0 s | 1.90 s |" in md


def test_rerender_reads_the_format_of_the_earlier_rounds(tmp_path: Path) -> None:
    old = subprocess.run(
        ["git", "show", "7e36ed9:bench/results/latest.json"], cwd=ROOT, capture_output=True, text=True
    )
    if old.returncode != 0:
        pytest.skip("the fourth round's latest.json is not in this clone's history")
    assert "format" not in json.loads(old.stdout)
    (tmp_path / "latest.json").write_text(old.stdout)
    done = subprocess.run([*RUN, "--rerender", "--out", str(tmp_path / "latest.md")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "latest.md").read_text()
    assert "| mlops-audit, **warm** (nothing changed) | 0.100 s / 21 MB / 1.00x | 0.261 s" in md
    assert "| 3,000 files (generated) warm <= 0.3 s | 0.261 s |" in md


@pytest.mark.parametrize("text", ["not json", '{"format": 99}', '{"machine": {}}', ""])
def test_rerender_of_an_unreadable_result_says_so_in_one_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "latest.json").write_text(text)
    done = subprocess.run([*RUN, "--rerender", "--out", str(tmp_path / "latest.md")], capture_output=True, text=True)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot rerender" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "latest.md").exists()


# ------------------------------------------------------------------------------------ interpreter floor


def test_pth_files_that_run_code_are_found(tmp_path: Path) -> None:
    (tmp_path / "ca.pth").write_text(
        "# a comment\nimport os;exec(\"try:\\n import certifi\\n _p=certifi.where()\\nexcept ImportError: pass\")\n"
    )
    (tmp_path / "hack.pth").write_text("import os; enabled and __import__('_distutils_hack').add_shim();\n")
    (tmp_path / "paths.pth").write_text("/some/folder\n")
    found = bench.hooks_in([tmp_path, tmp_path / "missing"])
    assert [(Path(h["file"]).name, h["imports"]) for h in found] == [
        ("ca.pth", ["os", "certifi"]),
        ("hack.pth", ["os", "_distutils_hack"]),
    ]


# ------------------------------------------------------------------------------------------------ floor


def test_floor_lists_and_reads_or_lstats_every_tracked_file(tmp_path: Path) -> None:
    repo = small_repo(tmp_path / "demo")
    (repo / "data.bin").write_bytes(b"\0" * 10)  # untracked: not listed
    read = subprocess.run([sys.executable, str(BENCH / "floor.py"), str(repo)], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    assert read.stdout.startswith("6 tracked, 6 text files, ")
    st = subprocess.run([sys.executable, str(BENCH / "floor.py"), "--stat", str(repo)], capture_output=True, text=True)
    assert st.stdout.strip() == "6 tracked, each lstat-ed (0 missing)"
    git = bench.git_top(repo)
    argv = bench.gitrun._command(git, ("ls-files", "-z"), ())
    given = subprocess.run(
        [sys.executable, str(BENCH / "floor.py"), str(repo), "--", *argv], capture_output=True, text=True
    )
    assert given.stdout == read.stdout


# ---------------------------------------------------------------------------------------------- end to end


def test_a_real_repository_is_measured_on_a_copy_and_left_untouched(tmp_path: Path) -> None:
    repo = small_repo(tmp_path / "src-repos" / "demo")
    before = snapshot(repo)
    out = tmp_path / "results" / "latest.md"
    done = subprocess.run(
        [*RUN, "--no-generated", "--repo", str(repo), "--repo-url", "demo=https://example.org/demo.git",
         "--runs", "2", "--cold-runs", "1", "--version-runs", "1", "--no-peers", "--no-profile", "--no-clean-venv",
         "--no-drop-caches", "--quiet", "1", "--quiet-wait", "0", "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert snapshot(repo) == before
    result = json.loads(out.with_suffix(".json").read_text())
    info = result["repos"]["demo"]
    assert info["kind"] == "real" and info["tracked"] == 6 and info["py_files"] == 5
    assert info["changed_file"] == "src/demo/train.py"  # the median of the three modules by size
    assert info["url"] == "https://example.org/demo.git"
    assert Path(info["path"]) == tmp_path / "work" / "real" / "demo"
    for key in ("mlops-audit", "mlops-audit-changed", "floor-ls", "floor-stat", "floor-read"):
        assert len(result["tools"][key]["samples"]["demo"]) == 2, key
    assert result["cold"]["demo"]["walls"]
    # the copy is back as it was after the "one file changed" runs
    copy = tmp_path / "work" / "real" / "demo"
    assert (copy / "src/demo/train.py").read_bytes() == (repo / "src/demo/train.py").read_bytes()
    md = out.read_text()
    assert "<https://example.org/demo.git>" in md
    assert "| mlops-audit, **warm, one file changed** |" in md
    assert "python -S -c pass" in md


def test_a_change_of_the_checkout_during_a_run_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "checker" / "mlops_audit" / "__pycache__").mkdir(parents=True)
    (tmp_path / "rules").mkdir()
    code = tmp_path / "checker" / "mlops_audit" / "engine.py"
    code.write_text("x = 1\n")
    (tmp_path / "rules" / "data.yaml").write_text("rules: []\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    first = bench.checkout_fingerprint()
    (tmp_path / "checker" / "mlops_audit" / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"\0")
    assert bench.checkout_fingerprint() == first  # compiling is not a change
    code.write_text("x = 22\n")
    assert bench.checkout_fingerprint() != first
    second = bench.checkout_fingerprint()
    (tmp_path / "rules" / "data.yaml").write_text("rules: [1]\n")
    assert bench.checkout_fingerprint() != second


def test_only_the_modules_an_audit_imports_count_as_a_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "checker" / "mlops_audit"
    pkg.mkdir(parents=True)
    (tmp_path / "rules").mkdir()
    used, unused = pkg / "engine.py", pkg / "fleet.py"
    used.write_text("x = 1\n")
    unused.write_text("y = 1\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    first = bench.checkout_fingerprint([used])
    unused.write_text("y = 22\n")
    assert bench.checkout_fingerprint([used]) == first
    used.write_text("x = 22\n")
    assert bench.checkout_fingerprint([used]) != first


def test_the_modules_of_an_audit_are_found(tmp_path: Path) -> None:
    repo = small_repo(tmp_path / "demo")
    modules = bench.audit_modules(sys.executable, repo, tmp_path / "work")
    assert modules is not None
    names = {m.relative_to(ROOT / "checker" / "mlops_audit").as_posix() for m in modules}
    assert {"entry.py", "engine.py", "gitrun.py"} <= names
    assert not (tmp_path / "work" / "modules-probe-cache").exists()
