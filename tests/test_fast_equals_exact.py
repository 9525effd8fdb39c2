"""The fast paths give the exact report (issue 14): a warm run (analyses, the answers worked out from the code,
the history scan and the documents all taken from the cache) and a run after a change (the cache partly
stale) give the same JSON report as a run with no cache at all, on the bench's generated repositories (several
seeds and sizes) and on adversarial sources. Any difference fails.

The comparisons are whole reports: every finding, its place, message and fingerprint, every score."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.reporters import render
from repo_builder import git, make_repo

BENCH = Path(__file__).resolve().parent.parent / "bench"


def report(root: Path, *, cache: bool) -> dict[str, object]:
    doc: dict[str, object] = json.loads(render(run_audit(root, discover(root), cache=cache), "json"))
    return doc


def assert_fast_is_exact(root: Path) -> None:
    """No cache, then a cold cache, then a warm one: one report."""
    exact = report(root, cache=False)
    assert report(root, cache=True) == exact, "cold cache differs from no cache"
    assert report(root, cache=True) == exact, "warm cache differs from no cache"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(home))
    return home


def bench_repo(path: Path, files: int, seed: int) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        import make_repo as bench_make_repo
    finally:
        sys.path.remove(str(BENCH))
    bench_make_repo.build(path, files, seed)
    return path


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


# ------------------------------------------------------------------------------------ the bench's repositories
@pytest.mark.parametrize(("files", "seed"), [(60, 1), (60, 2), (250, 3), (250, 4)])
def test_generated_repositories_warm_and_after_changes(tmp_path: Path, cache_home: Path, files: int,
                                                       seed: int) -> None:
    root = bench_repo(tmp_path / "repo", files, seed)
    assert_fast_is_exact(root)
    modules = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts and "tests" not in p.parts)
    assert modules
    # a training call with no seed in a module (the same paths, one content changed), then a new test that
    # asserts nothing and a new serving module: every answer kept from the code must be worked out again
    with modules[len(modules) // 2].open("a") as fh:
        fh.write("\nfrom sklearn.ensemble import RandomForestClassifier\n"
                 "RandomForestClassifier().fit(X_all, y_all)\n")
    assert report(root, cache=True) == report(root, cache=False), "after one module changed"
    tests = sorted(p for p in root.rglob("test_*.py") if ".git" not in p.parts)
    with tests[0].open("a") as fh:
        fh.write("\n\ndef test_appended():\n    print('no check')\n")
    assert report(root, cache=True) == report(root, cache=False), "after one test changed"
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_added.py").write_text("def test_added():\n    print('no check')\n")
    (root / "serve_added.py").write_text("import fastapi\nimport joblib\napp = fastapi.FastAPI()\n"
                                         "model = joblib.load('m.pkl')\n@app.post('/predict')\n"
                                         "def predict(x: list[float]):\n    return model.predict([x]).tolist()\n")
    assert report(root, cache=True) == report(root, cache=False), "after edits (not committed)"
    commit_all(root, "edits")
    big = root / "data" / "added.csv"
    big.parent.mkdir(exist_ok=True)
    big.write_bytes(b"1,2\n" * (200 * 1024))  # an 800 KB data file in the history: the kept scan is extended
    commit_all(root, "data")
    git(root, "rm", "-q", "data/added.csv")
    commit_all(root, "drop data")
    assert report(root, cache=True) == report(root, cache=False), "after new commits"
    modules[0].unlink()  # a module removed: its answers go
    assert report(root, cache=True) == report(root, cache=False), "after a removal"


def test_configured_knowledge_is_part_of_what_the_kept_answers_depend_on(tmp_path: Path, cache_home: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "train.py": "import sklearn\nimport acme_track\nfrom sklearn.svm import SVC\nSVC().fit(X, y)\n"
                    "acme_track.record(score=1)\n",
        "pyproject.toml": "[project]\nname = 'x'\n",
    })
    assert_fast_is_exact(root)
    (root / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[[tool.mlops-audit.knowledge]]\ncapability = 'tracking'\n"
        "why = 'our tracker'\nimports = ['acme_track']\n")
    assert report(root, cache=True) == report(root, cache=False)


# ------------------------------------------------------------------------------------ adversarial sources
FRAGMENTS = [
    's = """a triple quote \\"\\"\\" inside"""\n',
    "p = \"/\" \"home/x/data.csv\"\n",
    "q = f\"{'/abs/' + f'{x}'}\"\n",
    "données = pandas.read_csv('/data/é.csv')\n",
    "model.fit(\n    X,\n    y,\n)\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mlflow\n",
    '"""\nimport torch\nmodel.fit(X, y)\n"""\n',
    "import numpy as np\nnp.random.seed(0)\n",
    "from sklearn.ensemble import RandomForestClassifier as RF\nclf = RF()\nclf.fit(X, y)\n",
    "import mlflow\nmlflow.log_metric('a', 1)\n",
    "loss.backward()\noptimizer.step()\n",
    "def test_x():\n    pass\n",
    "def helper():\n    assert True\n",
    "def train():\n    RF().fit(X, y)\n",
    "from .utils import set_seeds\nset_seeds(1)\n",
    "import torch\ntorch.load('m.pt')\n",
    "api_key = 'AKIA' 'ABCDEFGHIJKLMNOP'\n",
    "x = (\n",  # a syntax error
    "\x00",
    "class T(unittest.TestCase):\n    def test_a(self):\n        self.helper()\n",
]
PLACES = ["train.py", "src/pkg/utils.py", "src/pkg/__init__.py", "tests/test_a.py", "tests/helpers.py",
          "serve.py", "notebooks/a.py"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PLACES), st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5),
                       min_size=1, max_size=5),
       st.integers(min_value=0, max_value=len(PLACES) - 1), st.sampled_from(FRAGMENTS))
def test_adversarial_sources_warm_and_after_a_change(tmp_path_factory: pytest.TempPathFactory,
                                                     monkeypatch: pytest.MonkeyPatch, files: dict[str, list[str]],
                                                     which: int, fragment: str) -> None:
    base = tmp_path_factory.mktemp("adv")
    monkeypatch.setenv("MLOPS_AUDIT_CACHE_DIR", str(base / "cache"))
    root = make_repo(base / "r", {path: "".join(parts) for path, parts in files.items()})
    assert_fast_is_exact(root)
    changed = sorted(files)[which % len(files)]  # an existing file: the same paths, another content
    with (root / changed).open("a") as fh:
        fh.write(fragment)
    assert report(root, cache=True) == report(root, cache=False)


def test_the_digest_of_the_code_is_the_same_from_run_to_run(tmp_path: Path, cache_home: Path) -> None:
    """Configured knowledge with call patterns included: a digest that changed at each run would keep nothing."""
    from mlops_audit.catalogue import analysis_cache
    from mlops_audit.facts.repo import RepoFacts

    root = make_repo(tmp_path / "r", {
        "train.py": "import acme\nacme.fit_all(x)\n",
        "pyproject.toml": "[[tool.mlops-audit.knowledge]]\ncapability = 'training'\nwhy = 'ours'\n"
                          "calls = ['acme.fit_*']\n",
    })

    def code_digest() -> str | None:
        facts = RepoFacts(root, discover(root), analysis_cache(root))
        return facts.derived.code

    first = code_digest()
    assert first is not None and first == code_digest()
