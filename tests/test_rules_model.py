"""Model pillar: MOD001 (model in git), MOD002 (tracking), MOD003 (registry), MOD004 (seed),
MOD005 (hyper-parameters config), MOD006 (unsafe deserialization), and inline suppressions (on MOD006)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import LFS_POINTER, TRAIN, Files, as_json, build, config, findings, locations, paths, result
from repo_builder import audit, make_repo, notebook, status

TRAIN_FIT_LINE = 4  # line of `model.fit(...)` in TRAIN


# --------------------------------------------------------------------------- MOD001
def test_mod001_committed_model_fires_with_its_path(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "model_final.pkl": b"\x80\x04K\x01."})
    assert status(report, "MOD001") == "fail"
    (f,) = findings(report, "MOD001")
    assert (f.path, f.line, f.cell) == ("model_final.pkl", None, None)
    assert "PKL" in f.message and "tracked in git" in f.message


def test_mod001_untracked_model_about_to_be_committed(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN})
    (root / "weights.pt").write_bytes(b"\0" * 100)
    (f,) = findings(audit(root), "MOD001")
    assert f.path == "weights.pt" and "about to be committed" in f.message


def test_mod001_a_model_file_alone_makes_an_ml_project(tmp_path: Path) -> None:
    report = build(tmp_path, {"app/clf.joblib": b"joblib"})
    assert report.ml_project
    assert paths(report, "MOD001") == {"app/clf.joblib"}


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({".gitignore": "models/\n"}, id="gitignored"),
        pytest.param({".gitattributes": "*.pt filter=lfs diff=lfs merge=lfs -text\n"}, id="lfs-pattern"),
        pytest.param({".gitattributes": "models/** filter=lfs diff=lfs merge=lfs -text\n"}, id="lfs-folder"),
        pytest.param({"models/net.pt.dvc": "outs:\n- path: net.pt\n"}, id="dvc-file"),
        pytest.param({"dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models\n"},
                     id="dvc-stage-out"),
    ],
)
def test_mod001_versioned_or_ignored_models_pass(tmp_path: Path, extra: dict[str, str]) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN, **extra})
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "net.pt").write_bytes(b"\0" * 2048)
    report = audit(root)
    assert status(report, "MOD001") == "pass"


def test_mod001_lfs_pointer_passes(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "model.safetensors": LFS_POINTER})
    assert status(report, "MOD001") == "pass"


def test_mod001_small_test_fixture_allowed_large_one_not(tmp_path: Path) -> None:
    files: Files = {"pyproject.toml": config("fixture-max-kb = 1"), "train.py": TRAIN,
                    "tests/fixtures/tiny.pkl": b"\x80\x04K\x01.", "tests/fixtures/big.onnx": b"\0" * 4096}
    assert paths(build(tmp_path, files), "MOD001") == {"tests/fixtures/big.onnx"}


def test_mod001_extra_model_extensions_from_config(tmp_path: Path) -> None:
    files: Files = {"train.py": TRAIN, "weights.bin": b"\0" * 10,
                    "pyproject.toml": config('model-extensions = [".bin"]')}
    assert paths(build(tmp_path, files), "MOD001") == {"weights.bin"}
    assert status(build(tmp_path / "default", {**files, "pyproject.toml": config("")}), "MOD001") == "pass"


def test_mod001_not_applicable_outside_ml(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"cli.py": "print(1)\n"}), "MOD001") == "not_applicable"


# --------------------------------------------------------------------------- MOD002
def test_mod002_training_without_tracking_fires_on_the_training_file(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/train.py": TRAIN})
    assert status(report, "MOD002") == "fail"
    assert locations(report, "MOD002") == [("src/train.py", None, None)]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"track.py": "import mlflow\n"}, id="mlflow"),
        pytest.param({"track.py": "import wandb\n"}, id="wandb"),
        pytest.param({"track.py": "from torch.utils.tensorboard import SummaryWriter\n"}, id="tensorboard"),
        pytest.param({"track.py": "from dvclive import Live\n"}, id="dvclive"),
        pytest.param({"track.py": "import tensorflow as tf\n\ncb = tf.keras.callbacks.TensorBoard('logs')\n"},
                     id="keras-callback"),
        pytest.param({"dvc.yaml": "stages:\n  t:\n    cmd: x\n    metrics:\n      - metrics.json\n"}, id="dvc-metrics"),
    ],
)
def test_mod002_tracking_passes(tmp_path: Path, extra: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **extra}), "MOD002") == "pass"


def test_mod002_tracking_only_in_tests_still_counts_as_used(tmp_path: Path) -> None:
    # any import counts (heuristic): a test that uses mlflow means the project has a tracker
    files = {"train.py": TRAIN, "tests/test_track.py": "import mlflow\n\n\ndef test_x():\n    assert mlflow\n"}
    assert status(build(tmp_path, files), "MOD002") == "pass"


def test_mod002_not_applicable_without_training(tmp_path: Path) -> None:
    report = build(tmp_path, {"predict.py": "import sklearn\n\nprint(sklearn.__version__)\n"})
    assert status(report, "MOD002") == "not_applicable"
    assert result(report, "MOD002").reason.startswith("no model training found")


def test_fit_in_a_file_without_ml_import_is_not_training(tmp_path: Path) -> None:
    report = build(tmp_path, {"curve.py": "import scipy.optimize as so\n\nso.curve_fit(f, x, y).fit()\n"})
    assert status(report, "MOD002") == "not_applicable"


# --------------------------------------------------------------------------- MOD003
def test_mod003_unregistered_model_fires_on_the_training_file(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "track.py": "import mlflow\n\nmlflow.log_metric('f1', 1)\n"})
    assert status(report, "MOD003") == "fail"
    assert locations(report, "MOD003") == [("train.py", None, None)]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import mlflow\n\nmlflow.register_model('runs:/1/model', 'churn')\n", id="register_model"),
        pytest.param("import mlflow\n\nmlflow.sklearn.log_model(m, 'model', registered_model_name='churn')\n",
                     id="registered_model_name"),
        pytest.param("from mlflow import MlflowClient\n\nMlflowClient().set_registered_model_alias('c', 'x', 1)\n",
                     id="mlflow-client"),
        pytest.param("model.push_to_hub('org/churn')\n", id="hf-push_to_hub"),
        pytest.param("import wandb\n\nwandb.log_artifact('model.pt', type='model')\n", id="wandb-artifact"),
        pytest.param("import bentoml\n\nbentoml.sklearn.save_model('churn', m)\n", id="bentoml-store"),
    ],
)
def test_mod003_registry_passes(tmp_path: Path, code: str) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, "register.py": code}), "MOD003") == "pass"


def test_mod003_dvc_artifacts_pass(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "dvc.yaml": "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"}
    report = build(tmp_path, files)
    assert status(report, "MOD003") == "pass"
    assert "DVC" in result(report, "MOD003").reason


MODEL_DVC = "wdir: ../models\nouts:\n- md5: c2f5c0a1954209865b9be1945f33ed6e\n  size: 17567709\n  path: best.ckpt\n"


@pytest.mark.parametrize("files", [
    pytest.param({"dvcfiles/trained_model.dvc": MODEL_DVC}, id="dvc-file-named-otherwise-with-wdir"),
    pytest.param({"models/model.pkl.dvc": "outs:\n- md5: 0cc175b9c0f1b6a831c399e269772661\n  path: model.pkl\n"},
                 id="dvc-add-model-file"),
    pytest.param({"models.dvc": "outs:\n- md5: 0cc175b9c0f1b6a831c399e269772661.dir\n  path: models\n"},
                 id="dvc-add-models-folder"),
    pytest.param({"dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models/model.joblib\n"},
                 id="stage-output"),
])
def test_mod003_a_model_versioned_with_dvc_passes(tmp_path: Path, files: dict[str, str]) -> None:
    """Issue 13 (blind set): a model kept by DVC, however the .dvc file is named or where it runs from, is
    versioned (a serving image pulls that version)."""
    report = build(tmp_path, {"train.py": TRAIN, **files})
    assert status(report, "MOD003") == "pass"
    assert result(report, "MOD003").reason.startswith("model versioned with DVC")


@pytest.mark.parametrize("files", [
    pytest.param({"data/raw.csv.dvc": "outs:\n- md5: 0cc175b9c0f1b6a831c399e269772661\n  path: raw.csv\n"},
                 id="only-data-versioned"),
    pytest.param({"dvc.yaml": "stages:\n  prep:\n    cmd: python prep.py\n    outs:\n      - data/clean.csv\n"},
                 id="stage-outputs-data"),
    pytest.param({"sub/x.dvc": "wdir: ../..\nouts:\n- md5: 0cc175b9c0f1b6a831c399e269772661\n  path: m.pkl\n"},
                 id="an-output-outside-the-folder"),
])
def test_mod003_dvc_versioning_data_alone_still_fires(tmp_path: Path, files: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **files}), "MOD003") == "fail"


# --------------------------------------------------------------------------- MOD004
def test_mod004_no_seed_fires_at_the_first_training_call(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert locations(report, "MOD004") == [("train.py", TRAIN_FIT_LINE, None)]


def test_mod004_is_per_training_file(tmp_path: Path) -> None:
    seeded = TRAIN.replace("LogisticRegression()", "LogisticRegression(random_state=0)")
    report = build(tmp_path, {"a_train.py": seeded, "b_train.py": TRAIN})
    assert locations(report, "MOD004") == [("b_train.py", TRAIN_FIT_LINE, None)]


def test_mod004_notebook_training_cell(tmp_path: Path) -> None:
    nb = notebook("from sklearn.svm import SVC\n", "clf = SVC()\nclf.fit(X, y)\n")
    assert locations(build(tmp_path, {"train.ipynb": nb}), "MOD004") == [("train.ipynb", 2, 2)]


@pytest.mark.parametrize(
    "seed_line",
    [
        "import random\nrandom.seed(42)",
        "import numpy as np\nnp.random.seed(0)",
        "import numpy as np\nrng = np.random.default_rng(7)",
        "import torch\ntorch.manual_seed(1)",
        "from transformers import set_seed\nset_seed(3)",
        "import lightning as L\nL.seed_everything(seed=5)",
        "SEED = 1\nmodel2 = object.__new__(object)\nsplit = train_test_split([1, 2], random_state=SEED)",
    ],
)
def test_mod004_seeded_training_passes(tmp_path: Path, seed_line: str) -> None:
    code = seed_line + "\n" + TRAIN
    assert status(build(tmp_path, {"train.py": code}), "MOD004") == "pass"


@pytest.mark.parametrize(
    "unseeded",
    [
        pytest.param("import numpy as np\nrng = np.random.default_rng()", id="default_rng-no-arg"),
        pytest.param("import numpy as np\nrs = np.random.RandomState()", id="RandomState-no-arg"),
        pytest.param("import random\nrandom.seed()", id="seed-from-os"),
        pytest.param("from sklearn.model_selection import KFold\ncv = KFold(5, random_state=None)",
                     id="random_state-None"),
    ],
)
def test_mod004_calls_that_do_not_fix_a_seed_fire(tmp_path: Path, unseeded: str) -> None:
    report = build(tmp_path, {"train.py": unseeded + "\n" + TRAIN})
    assert status(report, "MOD004") == "fail"


# --------------------------------------------------------------------------- MOD005
def test_mod005_hard_coded_hyperparameters_fire_on_the_training_file(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/train.py": TRAIN, "src/cli.py": "import argparse\n"})
    assert status(report, "MOD005") == "fail"
    assert locations(report, "MOD005") == [("src/train.py", None, None)]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"params.yaml": "lr: 0.1\n"}, id="params.yaml"),
        pytest.param({"conf/model/rf.yaml": "n: 1\n"}, id="hydra-conf-dir"),
        pytest.param({"configs/train.toml": "n = 1\n"}, id="configs-dir"),
        pytest.param({"hparams.json": "{}"}, id="hparams.json"),
        pytest.param({"MLproject": "name: churn\n"}, id="MLproject"),
    ],
)
def test_mod005_config_files_pass(tmp_path: Path, extra: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **extra}), "MOD005") == "pass"


@pytest.mark.parametrize("module", ["argparse", "typer", "hydra", "omegaconf"])
def test_mod005_configurable_training_entry_point_passes(tmp_path: Path, module: str) -> None:
    report = build(tmp_path, {"train.py": f"import {module}\n" + TRAIN})
    assert status(report, "MOD005") == "pass"
    assert result(report, "MOD005").reason.startswith("configurable entry point")


@pytest.mark.parametrize("tool_config", [".github/workflows/config.yml", ".circleci/config.yml", ".gitlab/conf/x.yml"])
def test_mod005_tool_configuration_is_not_a_params_file(tmp_path: Path, tool_config: str) -> None:
    files = {"train.py": TRAIN, tool_config: "version: 2\n"}
    assert status(build(tmp_path, files), "MOD005") == "fail"


# --------------------------------------------------------------------------- MOD006
@pytest.mark.parametrize(
    ("code", "line"),
    [
        pytest.param("import pickle\n\nwith open('m', 'rb') as f:\n    m = pickle.load(f)\n", 4, id="pickle.load"),
        pytest.param("import joblib as jl\n\nm = jl.load('m.joblib')\n", 3, id="alias-jl.load"),
        pytest.param("from pickle import load\n\nm = load(open('m', 'rb'))\n", 3, id="from-pickle-import-load"),
        pytest.param("from joblib import load as restore\n\nm = restore('m')\n", 3, id="from-import-as"),
        pytest.param("import dill\nm = dill.loads(b'')\n", 2, id="dill.loads"),
        pytest.param("import cloudpickle\nm = cloudpickle.load(f)\n", 2, id="cloudpickle"),
        pytest.param("import pandas as pd\ndf = pd.read_pickle('x.pkl')\n", 2, id="read_pickle"),
        pytest.param("import torch\nsd = torch.load('w.pt')\n", 2, id="torch.load-bare"),
        pytest.param("import torch\nsd = torch.load('w.pt', weights_only=False)\n", 2,
                     id="torch.load-weights_only-False"),
        pytest.param("import numpy as np\na = np.load('a.npy', allow_pickle=True)\n", 2, id="np.load-allow_pickle"),
        pytest.param("from tensorflow import keras\nm = keras.models.load_model('m.keras', safe_mode=False)\n", 2,
                     id="keras-safe_mode-False"),
        pytest.param("import shelve\ndb = shelve.open('cache')\n", 2, id="shelve"),
    ],
)
def test_mod006_unsafe_loads_fire_with_line(tmp_path: Path, code: str, line: int) -> None:
    report = build(tmp_path, {"src/load.py": code})
    assert status(report, "MOD006") == "fail"
    assert locations(report, "MOD006") == [("src/load.py", line, None)]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import torch\nsd = torch.load('w.pt', weights_only=True)\n", id="torch-weights_only-True"),
        pytest.param("import numpy as np\na = np.load('a.npy')\n", id="np.load-default"),
        pytest.param("from safetensors.torch import load_file\nsd = load_file('m.safetensors')\n", id="safetensors"),
        pytest.param("import pickle\npickle.dump(obj, f)\n", id="pickle.dump"),
        pytest.param("import json\ncfg = json.load(open('c.json'))\n", id="json.load"),
        pytest.param("def load(p):\n    return p\n\n\nx = load('m.pkl')\n", id="local-function-named-load"),
        pytest.param("import joblib\nmodel.load('weights')\n", id="method-named-load"),
        pytest.param("from tensorflow import keras\nm = keras.models.load_model('m.keras')\n", id="keras-safe-default"),
    ],
)
def test_mod006_safe_loads_pass(tmp_path: Path, code: str) -> None:
    assert status(build(tmp_path, {"src/load.py": code}), "MOD006") == "pass"


def test_mod006_in_notebook_carries_the_cell(tmp_path: Path) -> None:
    nb = notebook("import joblib\n", "%matplotlib inline\nclf = joblib.load('clf.joblib')\n")
    assert locations(build(tmp_path, {"explore.ipynb": nb}), "MOD006") == [("explore.ipynb", 2, 2)]


# --------------------------------------------------------------------------- inline suppressions (on MOD006)
def test_inline_suppression_on_the_line(tmp_path: Path) -> None:
    code = ("import joblib\n\n"
            "m = joblib.load('m.joblib')  # mlops-audit: ignore[MOD006] written by our own training job\n"
            "n = joblib.load('n.joblib')\n")
    report = build(tmp_path, {"serve.py": code})
    assert status(report, "MOD006") == "fail"
    assert locations(report, "MOD006") == [("serve.py", 4, None)]
    (sup,) = findings(report, "MOD006", suppressed=True)
    assert (sup.path, sup.line, sup.suppressed) == ("serve.py", 3, "written by our own training job")


def test_inline_suppression_passes_the_rule_and_is_listed_with_its_reason(tmp_path: Path) -> None:
    code = "import joblib\nm = joblib.load('m')  # mlops-audit: ignore[MOD006] our own artifact\n"
    report = build(tmp_path, {"serve.py": code})
    assert status(report, "MOD006") == "pass"
    doc = as_json(report)
    assert [(s["rule"], s["line"], s["suppressed"]) for s in doc["suppressed"]] == [("MOD006", 2, "our own artifact")]
    assert all(f["rule"] != "MOD006" for f in doc["findings"])
    (rule,) = [r for r in doc["rules"] if r["id"] == "MOD006"]
    assert rule["status"] == "pass" and rule["findings"] == 0


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("# mlops-audit: ignore[MOD006] ok", True),
        ("# mlops-audit: ignore[mod006] lower case", True),
        ("# mlops-audit: ignore[DAT001, MOD006] several", True),
        ("# mlops-audit: ignore[MOD] family prefix", True),
        ("# mlops-audit: ignore[ALL] everything", True),
        ("# mlops-audit: ignore[MOD001] another rule", False),
        ("# mlops-audit ignore MOD006", False),
    ],
)
def test_inline_suppression_codes(tmp_path: Path, comment: str, suppressed: bool) -> None:
    report = build(tmp_path, {"serve.py": f"import pickle\nm = pickle.load(f)  {comment}\n"})
    assert status(report, "MOD006") == ("pass" if suppressed else "fail")


def test_inline_suppression_without_reason_gets_a_default(tmp_path: Path) -> None:
    report = build(tmp_path, {"serve.py": "import pickle\nm = pickle.load(f)  # mlops-audit: ignore[MOD006]\n"})
    (sup,) = findings(report, "MOD006", suppressed=True)
    assert sup.suppressed == "suppressed inline"


def test_inline_suppression_on_another_line_does_not_suppress(tmp_path: Path) -> None:
    code = "import pickle  # mlops-audit: ignore[MOD006] wrong line\nm = pickle.load(f)\n"
    report = build(tmp_path, {"serve.py": code})
    assert locations(report, "MOD006") == [("serve.py", 2, None)]


def test_inline_suppression_in_a_notebook_cell(tmp_path: Path) -> None:
    nb = notebook(
        "import joblib\n",
        "m = joblib.load('a')  # mlops-audit: ignore[MOD006] trusted cache\n",
        "n = joblib.load('b')\n",
    )
    report = build(tmp_path, {"nb.ipynb": nb})
    assert locations(report, "MOD006") == [("nb.ipynb", 1, 3)]
    (sup,) = findings(report, "MOD006", suppressed=True)
    assert (sup.cell, sup.line, sup.suppressed) == (2, 1, "trusted cache")


@pytest.mark.parametrize("estimator", [
    "from sklearn.linear_model import LinearRegression as Model",
    "from sklearn.neighbors import KNeighborsClassifier as Model",
    "from sklearn.naive_bayes import GaussianNB as Model",
])
def test_mod004_a_fit_with_nothing_random_needs_no_seed(tmp_path: Path, estimator: str) -> None:
    """Least squares, nearest neighbours, naive Bayes: the same data gives the same model, nothing to seed
    (the ``deterministic_training`` knowledge); the training rules still apply (it trains)."""
    train = f"{estimator}\n\nmodel = Model()\nmodel.fit([[0.0], [1.0]], [0, 1])\n"
    report = build(tmp_path, {"train.py": train})
    assert result(report, "MOD004").status == "pass"
    assert result(report, "MOD002").status == "fail"


@pytest.mark.parametrize("train", [
    "from sklearn.linear_model import Ridge\n\nRidge().fit([[0.0], [1.0]], [0, 1])\n",
    "from sklearn.linear_model import LinearRegression\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
    "LinearRegression().fit([[0.0]], [0])\nRandomForestClassifier().fit([[0.0]], [0])\n",
])
def test_mod004_a_fit_that_can_be_random_still_needs_one(tmp_path: Path, train: str) -> None:
    assert result(build(tmp_path, {"train.py": train}), "MOD004").status == "fail"


def test_mod003_a_script_registering_with_gto_is_a_registry(tmp_path: Path) -> None:
    script = "gto register model --version v1.0.0\ngto assign model --stage prod\n"
    report = build(tmp_path, {"train.py": TRAIN, "release.sh": script})
    assert result(report, "MOD003").status == "pass"
    assert "GTO" in (result(report, "MOD003").reason or "")
