"""Issue 13, class 2: what counts as training. Deterministic fits (scalers, encoders, vectorizers, tokenizers),
data splits and PyTorch's ``model.train()`` mode switch are not training; hand-written loops
(``loss.backward()`` + ``optimizer.step()``, ``GradientTape`` + ``apply_gradients``) are. Judged through MOD004
(no seed), which applies only where something trains."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import build, findings, result

NOT_TRAINING = {
    "vectorizer": """\
from sklearn.feature_extraction.text import CountVectorizer
vec = CountVectorizer()
vec.fit(["a b", "b c"])
""",
    "label-encoder-inline": """\
from sklearn.preprocessing import LabelEncoder
LabelEncoder().fit(["a", "b"])
""",
    "scaler-by-name": """\
import sklearn
def prepare(scaler, X):
    scaler.fit(X)
    return scaler.transform(X)
""",
    "split-with-shuffle": """\
from sklearn.model_selection import train_test_split
a, b = train_test_split([1, 2, 3, 4], shuffle=True)
""",
    "mode-switch": """\
import torch
def evaluate(model, batch):
    model.train()
    model.train(mode=False)
    return model(batch)
""",
    "tokenizer": """\
from tokenizers import Tokenizer
from tokenizers.models import BPE
import torch
tok = Tokenizer(BPE())
tok.train(["corpus.txt"])
""",
}

TRAINING = {
    "estimator": ("""\
from sklearn.linear_model import LogisticRegression
clf = LogisticRegression()
clf.fit([[0.0], [1.0]], [0, 1])
""", 3),
    "torch-loop": ("""\
import torch

def run(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
""", 7),
    "tf-loop": ("""\
import tensorflow as tf

def step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
""", 4),
    "xgboost-train": ("""\
import xgboost as xgb
booster = xgb.train({"max_depth": 2}, xgb.DMatrix([[1.0]], label=[1]))
""", 2),
    "fastai-fine-tune": ("""\
from fastai.vision.all import unet_learner, resnet34
learn = unet_learner(dls, resnet34)
learn.fine_tune(**params["fine_tune_args"])
""", 3),
    "fastai-one-cycle": ("""\
from fastai.tabular.all import tabular_learner
learn = tabular_learner(dls)
learn.fit_one_cycle(5, 1e-3)
""", 3),
}


@pytest.mark.parametrize("name", sorted(NOT_TRAINING))
def test_deterministic_fits_and_mode_switches_are_not_training(tmp_path: Path, name: str) -> None:
    report = build(tmp_path, {"prep.py": NOT_TRAINING[name]})
    mod004 = result(report, "MOD004")
    assert mod004.status == "not_applicable", (name, mod004.status, [f.message for f in mod004.findings])
    assert mod004.reason.startswith("no model training found")


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_training_calls_and_hand_written_loops_are_training(tmp_path: Path, name: str) -> None:
    source, line = TRAINING[name]
    report = build(tmp_path, {"train_model.py": source})
    (finding,) = findings(report, "MOD004")
    assert (finding.path, finding.line) == ("train_model.py", line)


def test_a_loop_with_backward_but_no_step_is_not_training(tmp_path: Path) -> None:
    source = "import torch\n\ndef grads(model, x):\n    model(x).sum().backward()\n"
    report = build(tmp_path, {"saliency.py": source})
    assert result(report, "MOD004").status == "not_applicable"


def test_a_seeded_loop_passes(tmp_path: Path) -> None:
    source = TRAINING["torch-loop"][0].replace("import torch\n", "import torch\ntorch.manual_seed(0)\n")
    report = build(tmp_path, {"train_model.py": source})
    assert result(report, "MOD004").status == "pass"


SAGEMAKER_LAUNCHER = """\
import sagemaker
from sagemaker.estimator import Estimator

estimator = Estimator(image_uri="xgboost", role="r", instance_count=1, instance_type="ml.m5.xlarge")
estimator.fit({"train": "s3://bucket/train"})
"""


def test_a_training_job_launched_on_a_platform_makes_the_project_train(tmp_path: Path) -> None:
    report = build(tmp_path, {"pipelines/launch.py": SAGEMAKER_LAUNCHER})
    assert report.ml_project
    assert result(report, "MOD002").status == "fail"  # tracking applies: a model is trained
    assert {f.path for f in findings(report, "MOD002")} == {"pipelines/launch.py"}


def test_the_seed_and_config_rules_read_training_code_only(tmp_path: Path) -> None:
    report = build(tmp_path, {"pipelines/launch.py": SAGEMAKER_LAUNCHER})
    for rule_id in ("MOD004", "MOD005"):
        outcome = result(report, rule_id)
        assert outcome.status == "not_applicable"
        assert "platform jobs" in outcome.reason


def test_importing_a_platform_sdk_alone_trains_nothing(tmp_path: Path) -> None:
    report = build(tmp_path, {"pipelines/launch.py": "import sagemaker\n\nsession = sagemaker.Session()\n"})
    assert result(report, "MOD002").status == "not_applicable"
