#!/usr/bin/env python3
# ruff: noqa: E501  (long literal templates of generated files)
"""Generate a realistic synthetic ML repository, deterministically, for benchmarks.

    python bench/make_repo.py --files 3000 --seed 1 OUT_DIR

The repository has exactly ``--files`` tracked files at HEAD: a package of real-looking Python modules
(pandas / scikit-learn / mlflow imports, functions, classes), tests, Jupyter notebooks with outputs
(nbformat v4.5 JSON), YAML and TOML configs, CSV data, pickled models, docs, a Dockerfile and a CI
workflow. Its history has ``--commits`` commits (default 50 to 200, growing with the size) in which the
files arrive in batches and some are edited several times, and a 12 MB binary is committed once and
removed a few commits later (so it is only in the history).

The history is written with one ``git fast-import`` stream (fast on 20,000 files), with fixed author,
committer and dates: the same ``--files``/``--seed``/``--commits`` give the same commit ids. Only the
standard library and the ``git`` command are needed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = "1"  # bump when the output changes, so cached repositories are rebuilt
BASE_EPOCH = 1_672_531_200  # 2023-01-01T00:00:00Z
AUTHORS = [
    ("Ada Lovelace", "ada@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Katherine Johnson", "katherine@example.com"),
]
BIG_FILE = "data/raw/events_2023_full.parquet"
BIG_SIZE = 12 * 1024 * 1024

AREAS = [
    "data",
    "features",
    "models",
    "training",
    "evaluation",
    "serving",
    "monitoring",
    "pipelines",
    "experiments",
    "utils",
    "preprocessing",
    "inference",
    "registry",
    "validation",
    "visualization",
]
NOUNS = [
    "customer",
    "churn",
    "transaction",
    "session",
    "event",
    "label",
    "feature",
    "embedding",
    "image",
    "review",
    "sensor",
    "forecast",
    "price",
    "click",
    "user",
    "item",
    "score",
    "segment",
    "fraud",
    "text",
]
VERBS = [
    "load",
    "clean",
    "split",
    "encode",
    "scale",
    "train",
    "evaluate",
    "predict",
    "export",
    "validate",
    "aggregate",
    "sample",
    "merge",
    "impute",
    "tune",
    "register",
    "serve",
    "monitor",
    "plot",
    "summarize",
]
ESTIMATORS = [
    ("sklearn.ensemble", "RandomForestClassifier"),
    ("sklearn.ensemble", "GradientBoostingClassifier"),
    ("sklearn.linear_model", "LogisticRegression"),
    ("sklearn.linear_model", "Ridge"),
    ("sklearn.svm", "SVC"),
    ("sklearn.neighbors", "KNeighborsClassifier"),
]
METRICS = ["accuracy_score", "f1_score", "roc_auc_score", "precision_score", "recall_score", "mean_squared_error"]


# ----------------------------------------------------------------------------------------------- content


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def python_blocks(rng: random.Random, pkg: str, area: str, siblings: list[str]) -> list[str]:
    """A module as a list of blocks: the header, then functions and classes (an edit appends blocks)."""
    est_mod, est = rng.choice(ESTIMATORS)
    metrics = rng.sample(METRICS, 2)
    imports = ["import logging", "from pathlib import Path", ""]
    imports += ["import numpy as np", "import pandas as pd"]
    if rng.random() < 0.6:
        imports.append("import mlflow")
    imports.append(f"from {est_mod} import {est}")
    imports.append(f"from sklearn.metrics import {', '.join(sorted(metrics))}")
    if rng.random() < 0.5:
        imports.append("from sklearn.model_selection import train_test_split")
    if rng.random() < 0.3:
        imports.append("from sklearn.pipeline import Pipeline\nfrom sklearn.preprocessing import StandardScaler")
    if siblings and rng.random() < 0.7:
        imports += ["", f"from {pkg}.{area}.{rng.choice(siblings)} import *  # noqa: F403"]
    header = (
        f'"""{area.capitalize()} helpers for {rng.choice(NOUNS)} {rng.choice(NOUNS)} data."""\n\n'
        "from __future__ import annotations\n\n" + "\n".join(imports) + "\n\n"
        "logger = logging.getLogger(__name__)\n"
        f"RANDOM_STATE = {rng.randint(0, 99)}\n"
        f"DEFAULT_COLUMNS = {sorted(rng.sample(NOUNS, 4))!r}\n"
    )
    blocks = [header]
    uses_mlflow = "import mlflow" in imports
    used: set[str] = set()
    for _ in range(rng.randint(3, 9)):
        name = _ident(rng)
        while name in used:
            name = _ident(rng) + f"_{rng.randint(2, 99)}"
        used.add(name)
        kind = rng.random()
        noun = rng.choice(NOUNS)
        if kind < 0.3:
            blocks.append(
                f"def {name}(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:\n"
                f'    """Read {noun} rows from ``path`` and drop the empty ones."""\n'
                "    frame = pd.read_csv(path, usecols=columns)\n"
                '    frame = frame.dropna(how="all")\n'
                f'    frame["{noun}_id"] = frame.index.astype("int64")\n'
                '    logger.info("read %d rows from %s", len(frame), path)\n'
                "    return frame\n"
            )
        elif kind < 0.55:
            blocks.append(
                f'def {name}(frame: pd.DataFrame, target: str = "{noun}", test_size: float = 0.2) -> dict[str, float]:\n'
                f'    """Fit a {est} on ``frame`` and report held-out metrics."""\n'
                "    features = frame.drop(columns=[target])\n"
                "    labels = frame[target]\n"
                "    cut = int(len(frame) * (1 - test_size))\n"
                "    model = " + est + "()\n"
                "    model.fit(features.iloc[:cut], labels.iloc[:cut])\n"
                "    predicted = model.predict(features.iloc[cut:])\n"
                "    scores = {\n"
                + "".join(f'        "{m}": float({m}(labels.iloc[cut:], predicted)),\n' for m in metrics)
                + "    }\n"
                + ("    mlflow.log_metrics(scores)\n" if uses_mlflow else "")
                + "    return scores\n"
            )
        elif kind < 0.75:
            cls = _camel(name)
            blocks.append(
                f"class {cls}:\n"
                f'    """Wraps a {est} with the {noun} feature preparation."""\n\n'
                f"    def __init__(self, threshold: float = {rng.randint(1, 9) / 10}, n_bins: int = {rng.randint(4, 64)}) -> None:\n"
                "        self.threshold = threshold\n"
                "        self.n_bins = n_bins\n"
                f"        self.model = {est}()\n"
                "        self.columns_: list[str] = []\n\n"
                f'    def fit(self, frame: pd.DataFrame, target: str = "{noun}") -> {cls}:\n'
                "        self.columns_ = [c for c in frame.columns if c != target]\n"
                "        self.model.fit(frame[self.columns_], frame[target])\n"
                + ('        mlflow.log_param("n_bins", self.n_bins)\n' if uses_mlflow else "")
                + "        return self\n\n"
                "    def predict(self, frame: pd.DataFrame) -> np.ndarray:\n"
                "        scores = self.model.predict_proba(frame[self.columns_])[:, 1]\n"
                "        return (scores >= self.threshold).astype(int)\n\n"
                "    def __repr__(self) -> str:\n"
                f'        return f"{cls}(threshold={{self.threshold}}, n_bins={{self.n_bins}})"\n'
            )
        else:
            blocks.append(
                f"def {name}(values: np.ndarray, window: int = {rng.randint(3, 30)}) -> np.ndarray:\n"
                f'    """Rolling {rng.choice(["mean", "median", "max"])} of {noun} values, NaN-safe."""\n'
                "    if values.size == 0:\n"
                "        return values\n"
                '    padded = np.pad(values.astype(float), (window - 1, 0), mode="edge")\n'
                "    kernel = np.ones(window) / window\n"
                '    out = np.convolve(np.nan_to_num(padded), kernel, mode="valid")\n'
                "    for i in range(len(out)):\n"
                "        if np.isnan(values[i]):\n"
                "            out[i] = np.nan\n"
                "    return out\n"
            )
    return blocks


def test_blocks(rng: random.Random, pkg: str, area: str, module: str) -> list[str]:
    header = (
        "import numpy as np\nimport pandas as pd\nimport pytest\n\n"
        f"from {pkg}.{area} import {module}\n\n\n"
        "@pytest.fixture\n"
        "def frame() -> pd.DataFrame:\n"
        f"    rng = np.random.default_rng({rng.randint(0, 999)})\n"
        f'    return pd.DataFrame({{"x": rng.normal(size=64), "y": rng.integers(0, 2, size=64)}})\n'
    )
    blocks = [header]
    for i in range(rng.randint(2, 6)):
        name = _ident(rng)
        blocks.append(
            f"def test_{name}_{i}(frame: pd.DataFrame) -> None:\n"
            f'    assert hasattr({module}, "logger")\n'
            "    assert len(frame) == 64\n"
            f'    assert frame["x"].abs().max() < {rng.randint(5, 9)}\n'
        )
    return blocks


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def notebook_cells(rng: random.Random, pkg: str, nb_id: int) -> list[dict]:
    """Cells of an executed exploration notebook: stream, table and image outputs."""
    cells: list[dict] = []
    count = 0

    def cid() -> str:
        return f"{nb_id:05x}{len(cells):03x}"

    cells.append(
        {
            "cell_type": "markdown",
            "id": cid(),
            "metadata": {},
            "source": _lines(f"# Exploration of {rng.choice(NOUNS)} data\n\nQuick look before modelling."),
        }
    )
    for _ in range(rng.randint(4, 14)):
        count += 1  # noqa: SIM113 (execution counts, not the loop index)
        kind = rng.random()
        source = rng.choice(
            [
                f'import pandas as pd\nimport mlflow\nfrom {pkg}.data import loaders\n\ndf = pd.read_csv("../data/raw/{rng.choice(NOUNS)}.csv")\ndf.head()',
                f"from sklearn.model_selection import train_test_split\nX_train, X_test = train_test_split(df, test_size=0.2, random_state={rng.randint(0, 99)})\nlen(X_train), len(X_test)",
                "import matplotlib.pyplot as plt\nax = df.hist(figsize=(10, 8))\nplt.tight_layout()",
                'with mlflow.start_run():\n    mlflow.log_param("alpha", 0.5)\n    print("logged")',
                "df.describe()",
            ]
        )
        outputs: list[dict] = []
        if kind < 0.35:
            rows = "\n".join(f"{i}  {rng.random():.4f}  {rng.randint(0, 9999)}" for i in range(rng.randint(3, 20)))
            outputs.append({"output_type": "stream", "name": "stdout", "text": _lines(rows + "\n")})
        elif kind < 0.7:
            body = "".join(f"<tr><td>{i}</td><td>{rng.random():.3f}</td></tr>" for i in range(rng.randint(5, 30)))
            outputs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": count,
                    "metadata": {},
                    "data": {
                        "text/plain": [f"<DataFrame {rng.randint(5, 30)} rows>"],
                        "text/html": [f"<table>{body}</table>"],
                    },
                }
            )
        elif kind < 0.85:
            png = rng.randbytes(rng.randint(2_000, 30_000))
            import base64

            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "image/png": base64.b64encode(png).decode("ascii") + "\n",
                        "text/plain": ["<Figure size 1000x800 with 4 Axes>"],
                    },
                }
            )
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "id": cid(),
                "metadata": {},
                "outputs": outputs,
                "source": _lines(source),
            }
        )
    return cells


def notebook_json(cells: list[dict]) -> str:
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {
                "name": "python",
                "version": "3.11.7",
                "mimetype": "text/x-python",
                "file_extension": ".py",
                "codemirror_mode": {"name": "ipython", "version": 3},
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def yaml_blocks(rng: random.Random) -> list[str]:
    blocks = [f"# {rng.choice(AREAS)} settings\nseed: {rng.randint(0, 9999)}\n"]
    for _ in range(rng.randint(2, 6)):
        key = rng.choice(NOUNS)
        blocks.append(
            f"{key}_{rng.randint(1, 99)}:\n"
            f"  path: data/processed/{rng.choice(NOUNS)}.csv\n"
            f"  batch_size: {rng.choice([16, 32, 64, 128, 256])}\n"
            f"  learning_rate: {rng.choice([0.1, 0.01, 0.001, 0.0003])}\n"
            f"  columns: [{', '.join(rng.sample(NOUNS, 3))}]\n"
            f"  enabled: {rng.choice(['true', 'false'])}\n"
        )
    return blocks


def toml_blocks(rng: random.Random) -> list[str]:
    blocks = [f'name = "{_ident(rng)}"\nversion = {rng.randint(1, 9)}\n']
    for _ in range(rng.randint(1, 4)):
        blocks.append(
            f"\n[{rng.choice(AREAS)}_{rng.randint(1, 99)}]\n"
            f"epochs = {rng.randint(1, 50)}\n"
            f'optimizer = "{rng.choice(["adam", "sgd", "adamw"])}"\n'
            f"dropout = {rng.randint(0, 5) / 10}\n"
        )
    return blocks


def csv_blocks(rng: random.Random) -> list[str]:
    cols = rng.sample(NOUNS, rng.randint(3, 8))
    blocks = [",".join(["id", *cols, "label"]) + "\n"]
    row = 0
    for _ in range(rng.randint(2, 6)):
        lines = []
        for _ in range(rng.randint(10, 120)):
            vals = [f"{rng.gauss(0, 1):.5f}" for _ in cols]
            lines.append(",".join([str(row), *vals, str(rng.randint(0, 1))]))
            row += 1
        blocks.append("\n".join(lines) + "\n")
    return blocks


def markdown_blocks(rng: random.Random, title: str) -> list[str]:
    blocks = [f"# {title}\n\n"]
    for _ in range(rng.randint(2, 6)):
        words = " ".join(rng.choice(NOUNS + VERBS) for _ in range(rng.randint(30, 120)))
        blocks.append(f"## {rng.choice(VERBS).capitalize()} {rng.choice(NOUNS)}\n\n{words.capitalize()}.\n\n")
    return blocks


def pickle_bytes(rng: random.Random, version: int) -> bytes:
    weights = [round(rng.gauss(0, 1), 6) for _ in range(rng.randint(100, 4000))]
    obj = {
        "estimator": rng.choice(ESTIMATORS)[1],
        "version": version,
        "weights": weights,
        "classes": [0, 1],
        "feature_names": rng.sample(NOUNS, 5),
    }
    return pickle.dumps(obj, protocol=4)


# -------------------------------------------------------------------------------------------- the tree


@dataclass
class Spec:
    path: str
    kind: str
    revisions: int = 1  # how many versions the file has in history (the last is at HEAD)
    blocks: list[str] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)


def scaffold(pkg: str, rng: random.Random) -> dict[str, str]:
    deps = ["pandas>=2.0", "scikit-learn>=1.3", "mlflow>=2.8", "numpy>=1.26", "pyyaml>=6.0", "matplotlib>=3.8"]
    return {
        "README.md": f"# {pkg}\n\nChurn and fraud models, trained with scikit-learn and tracked with MLflow.\n\n"
        "## Setup\n\n```bash\npip install -e .[dev]\n```\n\n## Train\n\n"
        f"```bash\npython -m {pkg}.training.main --config configs/train.yaml\n```\n",
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{pkg}"\nversion = "0.{rng.randint(1, 9)}.0"\nrequires-python = ">=3.10"\n'
            "dependencies = [\n" + "".join(f'    "{d}",\n' for d in deps) + "]\n\n"
            '[project.optional-dependencies]\ndev = ["pytest>=7", "ruff>=0.4"]\n\n'
            '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
        ),
        "requirements.txt": "".join(d.replace(">=", "==") + "\n" for d in deps),
        ".gitignore": "__pycache__/\n*.pyc\n.venv/\nmlruns/\n.ipynb_checkpoints/\n",
        "Dockerfile": (
            "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
            f'CMD ["python", "-m", "{pkg}.serving.app"]\n'
        ),
        ".github/workflows/ci.yml": (
            "name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n"
            "        with:\n          python-version: '3.11'\n"
            "      - run: pip install -e .[dev]\n      - run: pytest -q\n"
        ),
        "configs/train.yaml": "".join(yaml_blocks(rng)),
        "Makefile": "train:\n\tpython -m $(PKG).training.main\n\ntest:\n\tpytest -q\n".replace("$(PKG)", pkg),
        f"src/{pkg}/__init__.py": '"""The model package."""\n\n__version__ = "0.1.0"\n',
        "tests/__init__.py": "",
    }


def plan(n_files: int, seed: int) -> tuple[dict[str, str], list[Spec], str]:
    """Fixed files, the other files' specs (exactly ``n_files`` in all), and the package name."""
    rng = random.Random(f"plan:{seed}:{n_files}")
    pkg = f"{rng.choice(NOUNS)}_{rng.choice(['ml', 'models', 'lab', 'platform'])}"
    fixed = scaffold(pkg, random.Random(f"scaffold:{seed}"))
    remaining = n_files - len(fixed)
    if remaining < 10:
        raise SystemExit(f"--files must be at least {len(fixed) + 10}")
    shares = {
        "module": 0.40,
        "test": 0.18,
        "notebook": 0.05,
        "yaml": 0.09,
        "toml": 0.03,
        "csv": 0.12,
        "model": 0.03,
        "doc": 0.10,
    }
    counts = {k: max(1, int(remaining * v)) for k, v in shares.items()}
    counts["module"] += remaining - sum(counts.values())
    specs: list[Spec] = []
    # modules, in subpackages of about 30 modules, each with an __init__.py (part of the module share);
    # past the 15 top-level areas, subpackages nest one level (``models/part_1``) under an existing area
    n_mod = counts["module"]
    per_dir = 30
    n_dirs = max(1, -(-n_mod // (per_dir + 1)))
    dirs = [
        AREAS[d % len(AREAS)] if d < len(AREAS) else f"{AREAS[d % len(AREAS)]}/part_{d // len(AREAS)}"
        for d in range(n_dirs)
    ]
    for area in dirs:
        specs.append(Spec(f"src/{pkg}/{area}/__init__.py", "init"))
    module_paths: list[tuple[str, str, str]] = []  # (area folder, module name, path)
    used: set[tuple[str, str]] = set()
    for i in range(n_mod - n_dirs):
        area = dirs[i % n_dirs]
        base = name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
        k = 2
        while (area, name) in used:
            name = f"{base}_{k}"
            k += 1
        used.add((area, name))
        module_paths.append((area, name, f"src/{pkg}/{area}/{name}.py"))
    specs.extend(Spec(path, "module") for _, _, path in module_paths)
    for i in range(counts["test"]):
        area, name, _ = module_paths[i % len(module_paths)]
        specs.append(Spec(f"tests/{area}/test_{name}_{i // len(module_paths)}.py", "test"))
    for i in range(counts["notebook"]):
        specs.append(Spec(f"notebooks/{i:03d}_{_ident(rng)}.ipynb", "notebook"))
    for i in range(counts["yaml"]):
        specs.append(Spec(f"configs/{rng.choice(AREAS)}/{_ident(rng)}_{i}.yaml", "yaml"))
    for i in range(counts["toml"]):
        specs.append(Spec(f"configs/{rng.choice(AREAS)}/{_ident(rng)}_{i}.toml", "toml"))
    for i in range(counts["csv"]):
        specs.append(Spec(f"data/{rng.choice(['raw', 'processed', 'external'])}/{rng.choice(NOUNS)}_{i}.csv", "csv"))
    for i in range(counts["model"]):
        specs.append(Spec(f"models/{rng.choice(NOUNS)}_{rng.choice(['rf', 'gbm', 'lr'])}_v{i}.pkl", "model"))
    for i in range(counts["doc"]):
        specs.append(Spec(f"docs/{rng.choice(AREAS)}/{_ident(rng)}_{i}.md", "doc"))
    paths = [s.path for s in specs] + list(fixed)
    assert len(set(paths)) == len(paths) == n_files, (len(set(paths)), len(paths), n_files)
    # module siblings (for imports) and content
    by_area: dict[str, list[str]] = {}
    for area, name, _ in module_paths:
        by_area.setdefault(area, []).append(name)
    for s in specs:
        r = random.Random(f"file:{seed}:{s.path}")
        s.revisions = 1 + (r.random() < 0.25) + (r.random() < 0.08) + (r.random() < 0.03)
        if s.kind == "module":
            area = s.path[len(f"src/{pkg}/") :].rsplit("/", 1)[0]
            dotted = area.replace("/", ".")
            me = s.path.rsplit("/", 1)[1][:-3]
            sibs = [m for m in by_area.get(area, []) if m != me][:5]
            s.blocks = python_blocks(r, pkg, dotted, sibs)
        elif s.kind == "init":
            s.blocks = [f'"""{s.path.split("/")[-2]} subpackage."""\n']
            s.revisions = 1
        elif s.kind == "test":
            area = s.path[len("tests/") :].rsplit("/", 1)[0]
            mod = s.path.rsplit("/", 1)[1][len("test_") :].rsplit("_", 1)[0]
            s.blocks = test_blocks(r, pkg, area.replace("/", "."), mod)
        elif s.kind == "notebook":
            s.cells = notebook_cells(r, pkg, len(s.path) * 7919 + r.randint(0, 1 << 16))
        elif s.kind == "yaml":
            s.blocks = yaml_blocks(r)
        elif s.kind == "toml":
            s.blocks = toml_blocks(r)
        elif s.kind == "csv":
            s.blocks = csv_blocks(r)
        elif s.kind == "doc":
            s.blocks = markdown_blocks(r, _camel(s.path.rsplit("/", 1)[1][:-3]))
        elif s.kind == "model":
            pass
    return fixed, specs, pkg


def render(spec: Spec, rev: int, seed: int) -> bytes:
    """Version ``rev`` (0-based) of a file; the last revision is the complete file."""
    last = spec.revisions - 1
    if spec.kind == "model":
        return pickle_bytes(random.Random(f"model:{seed}:{spec.path}:{rev}"), rev)
    if spec.kind == "notebook":
        n = len(spec.cells) if rev == last else max(2, len(spec.cells) * (rev + 1) // spec.revisions)
        return notebook_json(spec.cells[:n]).encode()
    blocks = spec.blocks
    n = len(blocks) if rev == last else max(1, len(blocks) * (rev + 1) // spec.revisions)
    sep = "\n\n" if spec.kind in ("module", "test") else ""
    return (sep.join(b.rstrip("\n") + "\n" if sep else b for b in blocks[:n])).encode()


# ------------------------------------------------------------------------------------------- the history


def default_commits(n_files: int) -> int:
    return max(50, min(200, 50 + n_files // 30))


def build(out: Path, n_files: int, seed: int, commits: int | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    commits = commits or default_commits(n_files)
    fixed, specs, pkg = plan(n_files, seed)
    rng = random.Random(f"history:{seed}:{n_files}")
    # schedule: file i first appears at a commit, later revisions at later commits
    events: list[list[tuple[str, object, int]]] = [[] for _ in range(commits)]  # ("M", spec|path, rev) / ("D", path, 0)
    order = list(range(len(specs)))
    rng.shuffle(order)
    # arrivals grow the tree roughly linearly over the first 85 % of the history
    span = max(1, int(commits * 0.85))
    for rank, i in enumerate(order):
        first = 1 + rank * (span - 1) // max(1, len(order))
        spec = specs[i]
        events[first].append(("M", spec, 0))
        at = first
        for rev in range(1, spec.revisions):
            at = min(commits - 1, at + rng.randint(1, max(1, (commits - at) // 2)))
            events[at].append(("M", spec, rev))
    big_add = max(2, commits // 3)
    big_del = min(commits - 1, big_add + max(3, commits // 10))
    events[big_add].append(("B", BIG_FILE, 0))
    events[big_del].append(("D", BIG_FILE, 0))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = dict(
        os.environ,
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(out.parent),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_DATE=f"@{BASE_EPOCH} +0000",
        GIT_COMMITTER_DATE=f"@{BASE_EPOCH} +0000",
        GIT_AUTHOR_NAME=AUTHORS[0][0],
        GIT_AUTHOR_EMAIL=AUTHORS[0][1],
        GIT_COMMITTER_NAME=AUTHORS[0][0],
        GIT_COMMITTER_EMAIL=AUTHORS[0][1],
    )
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, env=env)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out, stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    w = proc.stdin.write
    mark = 0
    seen_latest: dict[str, int] = {}

    def blob(data: bytes) -> int:
        nonlocal mark
        mark += 1
        w(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)))
        w(data)
        w(b"\n")
        return mark

    big_rng = random.Random(f"big:{seed}")
    for c in range(commits):
        changes: list[bytes] = []
        if c == 0:
            for path, text in sorted(fixed.items()):
                changes.append(b"M 100644 :%d %s\n" % (blob(text.encode()), path.encode()))
            msg = "Initial project layout"
        else:
            added = sum(1 for kind, _, rev in events[c] if kind == "M" and rev == 0)
            edited = sum(1 for kind, _, rev in events[c] if kind == "M" and rev > 0)
            for kind, item, rev in events[c]:
                if kind == "M":
                    spec = item  # type: ignore[assignment]
                    changes.append(b"M 100644 :%d %s\n" % (blob(render(spec, rev, seed)), spec.path.encode()))  # type: ignore[attr-defined]
                    seen_latest[spec.path] = rev  # type: ignore[attr-defined]
                elif kind == "B":
                    data = b"PAR1" + big_rng.randbytes(BIG_SIZE - 8) + b"PAR1"
                    changes.append(b"M 100644 :%d %s\n" % (blob(data), str(item).encode()))
                elif kind == "D":
                    changes.append(b"D %s\n" % str(item).encode())
            if any(k == "B" for k, _, _ in events[c]):
                msg = "Add the full 2023 event dump for the backfill"
            elif any(k == "D" for k, _, _ in events[c]):
                msg = "Remove the event dump again (too large for git)"
            elif added or edited:
                area = rng.choice(AREAS)
                msg = rng.choice(
                    [
                        f"Add {added} files, update {edited} in {area}",
                        f"{rng.choice(VERBS).capitalize()} {rng.choice(NOUNS)} pipeline ({added} new, {edited} changed)",
                        f"WIP {area}: {added} new files",
                    ]
                )
            else:
                msg = f"Tweak {rng.choice(AREAS)} settings"
                tweaked = "configs/train.yaml"
                fixed[tweaked] += f"# tweak {c}\n"
                changes.append(b"M 100644 :%d %s\n" % (blob(fixed[tweaked].encode()), tweaked.encode()))
        name, email = AUTHORS[c % len(AUTHORS)] if c else AUTHORS[0]
        when = BASE_EPOCH + c * 3 * 3600 + rng.randint(0, 3000)
        message = msg.encode() + b"\n"
        w(b"commit refs/heads/main\nmark :%d\n" % (mark + 1))
        mark += 1
        w(b"author %s <%s> %d +0000\n" % (name.encode(), email.encode(), when))
        w(b"committer %s <%s> %d +0000\n" % (name.encode(), email.encode(), when))
        w(b"data %d\n%s" % (len(message), message))
        for ch in changes:
            w(ch)
        w(b"\n")
    w(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    # every spec must be at its last revision at HEAD
    missing = [s.path for s in specs if seen_latest.get(s.path) != s.revisions - 1]
    assert not missing, missing[:5]
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True, env=env)
    subprocess.run(["git", "gc", "-q", "--auto"], cwd=out, check=False, env=env)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=out, check=True, env=env, capture_output=True, text=True
    ).stdout.strip()
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=out, check=True, env=env, capture_output=True).stdout.count(
        b"\0"
    )
    info = {
        "generator": GENERATOR_VERSION,
        "files": n_files,
        "seed": seed,
        "commits": commits,
        "head": head,
        "tracked": tracked,
        "package": pkg,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / ".git" / "bench-repo.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out", type=Path, help="folder to create (replaced if it holds a generated repository)")
    ap.add_argument("--files", type=int, default=3000, help="tracked files at HEAD (default 3000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commits", type=int, default=None, help="commits in the history (default: 50 to 200 by size)")
    ap.add_argument("--force", action="store_true", help="replace OUT even if it is not a generated repository")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / ".git" / "bench-repo.json").exists() and not args.force:
        print(f"make_repo: {out} exists and is not a generated repository (use --force)", file=sys.stderr)
        return 2
    info = build(out, args.files, args.seed, args.commits)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
