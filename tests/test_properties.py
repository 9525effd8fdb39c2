"""Property-based tests: random trees of files and contents (mutated notebooks, configs, code) never crash the
audit, and the JSON report always validates against the published schema."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlops_audit.config import discover
from mlops_audit.engine import run_audit
from mlops_audit.reporters import FORMATS, render
from repo_builder import make_repo, notebook

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "schema" / "report-v1.schema.json").read_text())

NAMES = st.sampled_from([
    "train.py", "model.pkl", "data.csv", "nb.ipynb", "params.yaml", "dvc.yaml", "pyproject.toml", "Dockerfile",
    "requirements.txt", ".gitattributes", "environment.yml", ".github/workflows/ci.yml", ".gitlab-ci.yml",
    "tests/test_x.py", "src/pkg/serve.py", "x.dvc", ".dvc/config", "Makefile", ".mlops-audit.toml", "README.md",
    "conf/config.yaml", "weird name (1).py", "deep/a/b/c/d.py", "Pipfile", "setup.py", "data/raw.parquet",
])
VALID_SNIPPETS = [
    "import sklearn\nfrom sklearn.linear_model import LogisticRegression\nm = LogisticRegression().fit(X, y)\n",
    "import pickle\nm = pickle.load(open('/home/u/m.pkl', 'rb'))\n",
    "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\ndef h():\n    return {}\n",
    "stages:\n  train:\n    cmd: python train.py\n    outs: [model.pkl]\n",
    "[tool.mlops-audit]\nselect = ['DAT']\n", "FROM python\nUSER root\n", "pandas\nnumpy==1.0\n",
    "*.csv filter=lfs diff=lfs merge=lfs -text\n", "on:\n  schedule:\n    - cron: '0 0 * * *'\n",
    notebook("import torch\nx = torch.load('m.pt')", outputs=True, counts=[3]),
    "AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'\n",  # mlops-audit: ignore[GOV001] AWS's documented example key
    '{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": 1}]}]}',
    "a: &a [*a]\n", "!!python/object/apply:os.system ['echo']\n", "[tool.mlops-audit\n",
]


def mutate(data: st.DrawFn) -> str | bytes:
    base = data(st.sampled_from(VALID_SNIPPETS))
    kind = data(st.sampled_from(["keep", "truncate", "insert", "binary", "text"]))
    if kind == "keep":
        return base
    if kind == "truncate":
        return base[: data(st.integers(0, len(base)))]
    if kind == "insert":
        at = data(st.integers(0, len(base)))
        return base[:at] + data(st.text(max_size=20)) + base[at:]
    if kind == "binary":
        return data(st.binary(max_size=200))
    return data(st.text(max_size=200))


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str | bytes]:
    names = draw(st.lists(NAMES, min_size=0, max_size=8, unique=True))
    return {name: mutate(draw) for name in names}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=trees(), use_git=st.booleans())
def test_random_trees_never_crash_and_json_validates(files: dict[str, str | bytes], use_git: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mlops-audit-prop-"))
    try:
        root = make_repo(tmp / "r", files, git_init=use_git)
        report = run_audit(root, discover(root))
        # a rule that raised, not "not checked: <file>: <why>" (a file that could not be read: CheckUnavailable)
        crashed = [r for r in report.results if r.status == "error" and not (r.reason or "").startswith("not checked:")]
        assert not crashed, [r.reason for r in crashed]
        doc = json.loads(render(report, "json"))
        jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
        for fmt in FORMATS:
            assert render(report, fmt, color=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
