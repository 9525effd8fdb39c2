"""The fast paths give the same answers as the slow ones: gitignore matching without pathspec, analysis in
worker processes, the stat-signature cache, the compiled rule catalogue, the background history scan."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pathspec
import pytest
from mlops_audit import catalogue
from mlops_audit.cache import RACY_NS, CacheFile
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.facts import codec, workers
from mlops_audit.facts.code import CodeInfo
from mlops_audit.facts.repo import RepoFacts, is_test_path
from mlops_audit.globs import Matcher
from mlops_audit.reporters import render
from repo_builder import git, make_repo, notebook

ATOMS = ["a", "b", "*", "**", "?", "[ab]", "[!a]", "[]a]", "data", "x.csv", "*.csv", "", "\\*", "c?d", "{{*}}",
         "tests", "[a-", "README*", ".git"]
NAMES = ["a", "b", "data", "x.csv", "y.csv", "tests", "c", "ab", "{{x}}", "cxd", "[a", "README.md", ".git"]


def _pattern(rng: random.Random) -> str:
    text = "/".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.3:
        text = "/" + text
    if rng.random() < 0.3:
        text += "/"
    if rng.random() < 0.2:
        text = "!" + text
    if rng.random() < 0.05:
        text = "#" + text
    if rng.random() < 0.05:
        text += "  "
    return text


@pytest.mark.parametrize("seed", range(6))
def test_gitignore_matching_equals_pathspec(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        patterns = [_pattern(rng) for _ in range(rng.randint(1, 4))]
        try:
            reference = pathspec.GitIgnoreSpec.from_lines(patterns, backend="simple")  # re2 weighs matches otherwise
        except ValueError:  # pathspec rejects it; ours skips the bad line instead of failing the audit
            continue
        mine = Matcher(patterns)
        paths = ["/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4))) + ("/" if rng.random() < 0.2 else "")
                 for _ in range(15)]
        for path in paths:
            assert mine.match_file(path) == bool(reference.match_file(path)), (patterns, path)
            checked += 1
        assert mine.filter(paths) == [p for p in paths if reference.match_file(p)]
    assert checked > 1000


def test_catalogue_patterns_equal_pathspec() -> None:
    """The globs the built-in rules use, on the paths of a realistic tree."""
    globs = {g for r in catalogue.builtin_rules() for key in ("any_file", "no_file") for g in
             ([r.check[key]] if isinstance(r.check.get(key), str) else r.check.get(key) or [])}
    globs |= {"/LICENSE*", "/license*", "**/alertmanager*.y*ml", "**/dags/*.py", "/conf/base/", "**/{{*}}/"}
    paths = ["README.md", "docs/README.md", "LICENSE", "src/LICENSE.txt", "conf/base/a.yml", "x/dags/d.py",
             "{{cookiecutter.x}}/a.py", "a/{{b}}/c", "Dockerfile", "ops/alertmanager.yaml", "MLproject"]
    for g in globs:
        reference = pathspec.GitIgnoreSpec.from_lines([g], backend="simple")
        for p in paths:
            assert Matcher([g]).match_file(p) == bool(reference.match_file(p)), (g, p)


def test_a_broken_gitignore_line_does_not_stop_the_audit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {".gitignore": "ok.txt\nbad\\\n[z\n", "a.py": "import os\n", "ok.txt": "x"},
                     git_init=False)
    report = run_audit(root, discover(root), cache=False)
    assert report.results


def test_is_test_path_matches_the_path_rules() -> None:
    cases = {"tests/a.py": True, "a/test/b.py": True, "test_x.py": True, "x_test.py": True, "conftest.py": True,
             "src/x.py": False, "tests/data.csv": False, "tests/.py": False, "attest/x.py": False,
             "pkg/tests_util.py": False, "a/tests/b/c.py": True}
    for path, expected in cases.items():
        assert is_test_path(path) is expected, path


FILES = {
    "train.py": "import sklearn\nfrom sklearn.ensemble import RandomForestClassifier\n"
                "RandomForestClassifier().fit(X, y)\nopen('/home/me/data.csv')\n",
    "serve.py": "import fastapi\napp = fastapi.FastAPI()\n@app.get('/health')\ndef health():\n    return 1\n",
    "broken.py": "def (:\n",
    "tests/test_a.py": "def test_a():\n    assert 1\n\ndef test_b():\n    pass\n",
    "config.py": "API_TOKEN = 'ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'\n",
    "nb.ipynb": notebook("import torch\n%matplotlib inline\nmodel.fit(x)", "def (", outputs=True, counts=[2, 1]),
}


def _report(root: Path, *, cache: bool) -> dict[str, object]:
    doc: dict[str, object] = json.loads(render(run_audit(root, discover(root), cache=cache), "json"))
    return doc


def test_worker_processes_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = dict(FILES)
    for i in range(12):
        files[f"pkg/m{i}.py"] = f"import numpy as np\nnp.random.seed({i})\nx = {i}\n" + ("def (\n" if i == 5 else "")
    root = make_repo(tmp_path / "r", files)
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    serial = _report(root, cache=False)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 2)
    decoded: list[int] = []  # the parent decodes what the workers send: proof the pool did the work

    def counting_decode(data: bytes) -> CodeInfo:
        decoded.append(len(data))
        return codec.decode(data)

    monkeypatch.setattr(workers, "decode", counting_decode)
    parallel = _report(root, cache=False)
    assert parallel == serial
    assert len(decoded) == sum(p.endswith(".py") for p in files) + 2  # every module, the notebook's 2 cells
    assert _report(root, cache=True) == serial == _report(root, cache=True)


def _age(root: Path, seconds: float) -> None:
    """Make every file look modified ``seconds`` ago (older than the racy window)."""
    past = (os.stat(root).st_mtime - seconds)
    for path in root.rglob("*"):
        if ".git" not in path.parts and path.is_file():
            os.utime(path, (past, past))


def test_stat_signature_cache_reads_changed_files_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("mlops_audit.cache.RACY_NS", 0)  # ctime is "now" in a test: trust fresh files
    assert RACY_NS > 0
    root = make_repo(tmp_path / "r", FILES)
    _age(root, 3600)
    expected = _report(root, cache=False)
    assert _report(root, cache=True) == expected
    (doc_path,) = (tmp_path / "cache").glob("code-*.cache")
    assert "train.py" in CacheFile(doc_path).header["files"]
    warm = catalogue.analysis_cache(root)  # the audit's own stamp
    facts = RepoFacts(root, discover(root), warm)
    _ = facts.units, facts.secrets
    assert warm.misses == 0 and warm.hits > 0
    # same size, same mtime, other content: the ctime (and content) give it away
    path = root / "config.py"
    st = path.stat()
    path.write_text(FILES["config.py"].replace("ghp_", "xyz_"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = _report(root, cache=True)
    assert changed == _report(root, cache=False)
    assert changed != expected


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the audit reads from now on (appended as they are read)."""
    from mlops_audit.inventory import Inventory

    read: list[str] = []
    real_read = Inventory.read_bytes

    def counting_read(self: Inventory, path: str, limit: int) -> bytes | None:
        read.append(path)
        return real_read(self, path, limit)

    monkeypatch.setattr(Inventory, "read_bytes", counting_read)
    return read


def _fingerprints(root: Path, *, cache: bool) -> list[tuple[str, int | None, str]]:
    """(path, line, fingerprint) of every finding with a line."""
    report = run_audit(root, discover(root), cache=cache)
    return sorted((f.path or "", f.line, f.fingerprint) for f in report.findings if f.line is not None)


def test_warm_run_reads_no_python_file_even_for_fingerprints(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Fingerprints hash the text of the line a finding points at; that text is cached by content, so a warm
    run reads no module at all, and a finding whose line changed gets the new text's fingerprint."""
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("mlops_audit.cache.RACY_NS", 0)
    root = make_repo(tmp_path / "r", FILES)
    _age(root, 3600)
    expected = _fingerprints(root, cache=False)
    assert any(path == "train.py" for path, _, _ in expected)
    assert _fingerprints(root, cache=True) == expected  # cold: analyses and line texts stored
    read = _count_reads(monkeypatch)
    assert _fingerprints(root, cache=True) == expected
    assert not [p for p in read if p.endswith(".py")], read
    # the same line number, other text: the fingerprint follows the text
    text = FILES["train.py"].replace("RandomForestClassifier().fit(X, y)", "RandomForestClassifier().fit(X, y)  # v2")
    (root / "train.py").write_text(text)
    _age(root, 3600)
    changed = _fingerprints(root, cache=True)
    assert changed == _fingerprints(root, cache=False)
    assert [f for f in changed if f[0] == "train.py"] != [f for f in expected if f[0] == "train.py"]


def test_a_warm_run_after_a_cold_one_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything a warm run needs was stored by the cold run, even the line of a file that no fact read before
    a finding pointed at it (the Dockerfile's FROM line, flagged before the secret scan reads the file)."""
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("mlops_audit.cache.RACY_NS", 0)
    files = {**FILES, "Dockerfile": "FROM python:3.11-slim\nCOPY . .\nCMD [\"python\", \"serve.py\"]\n",
             "conf/a.yaml": "lr: 0.1\n", "conf/b.yaml": "alert: not a rule (no expression)\n"}
    root = make_repo(tmp_path / "r", files)
    _age(root, 3600)
    cold = _fingerprints(root, cache=True)
    assert any(path == "Dockerfile" for path, _, _ in cold)
    (cache_file,) = (tmp_path / "cache").glob("code-*.cache")
    written = cache_file.read_bytes()
    read = _count_reads(monkeypatch)
    assert _fingerprints(root, cache=True) == cold
    assert cache_file.read_bytes() == written
    assert not [p for p in read if p.endswith((".py", ".yaml"))], read  # MON004's text searches were cached
    assert _fingerprints(root, cache=False) == cold


def test_racy_files_are_not_trusted_by_signature(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    root = make_repo(tmp_path / "r", FILES)
    _report(root, cache=True)
    (doc_path,) = (tmp_path / "cache").glob("code-*.cache")
    assert CacheFile(doc_path).header["files"] == {}  # everything was modified moments ago


def test_compiled_catalogue_is_used_and_follows_the_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(catalogue, "_read_shipped", lambda: None)  # as for an install whose shipped copy is stale
    catalogue.forget()
    root = make_repo(tmp_path / "r", FILES)
    _report(root, cache=True)
    (compiled,) = (tmp_path / "cache").glob("catalogue-*.json")
    assert catalogue.catalogue_digest() in compiled.name
    catalogue.forget()
    try:
        assert catalogue._read_compiled() is not None
        assert catalogue.builtin_rules() == catalogue._build(catalogue._parse_yaml())
        compiled.write_text("{ damaged")
        catalogue.forget()
        assert catalogue.builtin_rules() == catalogue._build(catalogue._parse_yaml())
    finally:
        catalogue.forget()


def test_history_scan_in_the_background_finds_removed_blobs(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "import os\n", "big.bin": b"\0" * (2 * 1024 * 1024)})
    git(root, "rm", "-q", "big.bin")
    git(root, "commit", "-qm", "drop")
    facts = RepoFacts(root, discover(root))
    facts.config.large_file_mb = 1
    facts.prefetch_history()
    assert facts.history.large_blobs == [("big.bin", 2 * 1024 * 1024)]


MATCH_AND_FRIENDS = '''
match command:
    case [Point(x=0, y=0), *rest] if rest:
        pass
    case {"k": 1, **others}:
        pass
    case None | True:
        pass
    case Point(x, y=other) as p:
        pass
global g
async def f(a: int = 1, *args: str, b: "x" = None, **kw) -> list[int]:  # type: ignore
    async with ctx() as c:
        x = [i async for i in c if i]
    y += f"{x!r:>{width}}"
    lambda: (yield)
'''


def test_the_scan_skips_only_fields_that_never_hold_nodes() -> None:
    """The scan reads only the fields of a node that can hold nodes: a field it skips must never hold one
    (other than a leaf: a context or an operator), in any of the standard library's modules."""
    import ast
    import sysconfig

    from mlops_audit.facts.code import _LEAVES, _child_fields

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = [MATCH_AND_FRIENDS] + [p.read_text(encoding="utf-8", errors="replace")
                                     for p in sorted(stdlib.glob("*.py"))[:120]]
    seen = 0
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            kept = _child_fields(type(node))
            for name in node._fields:
                if name in kept:
                    continue
                value = getattr(node, name, None)
                for item in value if isinstance(value, list) else [value]:
                    assert not isinstance(item, ast.AST) or type(item) in _LEAVES, (type(node).__name__, name)
                    seen += 1
    assert seen > 10_000


@pytest.mark.parametrize("seed", range(5))
def test_version_sprawl_hint_never_hides_a_match(seed: int) -> None:
    """VER002 runs its exact test only on names where a cheap scan of all names finds a hint: every name the
    exact pattern matches must hold a hint."""
    from mlops_audit.facts.repo import VERSION_SPRAWL
    from mlops_audit.pillars.reproducibility import VERSION_SPRAWL_HINT

    rng = random.Random(seed)
    parts = ["model", "_", "-", " ", ".", "v", "V2", "3", "final", "FINAL", "copy", "Copy of ", "old", "new", "fixed",
             "backup", "bak", "tmp", "temp", "orig", "latest", "draft", "wip", "(1)", " (12)", "py", "csv", "x\ny"]
    hits = 0
    for _ in range(3000):
        name = "".join(rng.choice(parts) for _ in range(rng.randint(1, 6)))
        if VERSION_SPRAWL.search(name):
            assert VERSION_SPRAWL_HINT.search(name), name
            hits += 1
    assert hits > 300


def test_a_warm_run_sees_a_changed_container_declaration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DAT005's container places come from YAML files and Dockerfiles, not from the code: kept per file by its
    content, never with the answers kept by the code's digest, so editing only the compose file changes the
    answer on a warm run."""
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("mlops_audit.cache.RACY_NS", 0)
    compose = "services:\n  train:\n    image: t\n    volumes:\n      - ./data:/data\n"
    files = {"train.py": "import pandas as pd\n\ndf = pd.read_csv('/data/train.csv')\n", "docker-compose.yml": compose}
    root = make_repo(tmp_path / "r", files)
    _age(root, 3600)

    def dat005() -> str:
        rules = _report(root, cache=True)["rules"]
        assert isinstance(rules, list)
        return next(r["status"] for r in rules if r["id"] == "DAT005")

    assert dat005() == "pass"
    assert dat005() == "pass"  # warm
    (root / "docker-compose.yml").write_text(compose.replace("/data\n", "/srv/data\n"))
    _age(root, 3600)
    assert dat005() == "fail"
