"""rules/knowledge/ray.yaml: Ray Train / Tune / RLlib training and tracking, Ray Serve metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import build, result

TUNE = """\
from ray import tune


def trainable(config):
    tune.report({"loss": config["lr"]})


tuner = tune.Tuner(trainable, param_space={"lr": tune.grid_search([0.1, 0.01])})
tuner.fit()
"""


def test_a_tune_run_trains_and_is_tracked(tmp_path: Path) -> None:
    report = build(tmp_path, {"tune_lr.py": TUNE}, git_init=False)
    tracking = result(report, "MOD002")
    assert tracking.status == "pass"
    assert "Ray" in tracking.reason
    assert result(report, "MOD004").status == "fail"  # the Tuner trains here: its trials need a seed


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from ray.tune import Tuner\n\nTuner(trainable).fit()\n", id="tuner-fit"),
        pytest.param("from ray import tune\n\ntune.run(trainable, config={'lr': 0.1})\n", id="tune-run"),
        pytest.param("from ray.rllib.algorithms.ppo import PPOConfig\n\n"
                     "config = PPOConfig().environment('CartPole-v1')\nalgo = config.build()\nalgo.train()\n",
                     id="rllib"),
    ],
)
def test_ray_training_makes_a_training_repository(tmp_path: Path, code: str) -> None:
    assert result(build(tmp_path, {"run.py": code}, git_init=False), "MOD004").status == "fail"


def test_ray_core_alone_trains_nothing(tmp_path: Path) -> None:
    code = "import ray\n\n\n@ray.remote\ndef square(x):\n    return x * x\n\n\nray.get(square.remote(2))\n"
    assert result(build(tmp_path, {"run.py": code}, git_init=False), "MOD004").status == "not_applicable"


def test_train_report_is_tracking(tmp_path: Path) -> None:
    code = ("import torch\nfrom ray import train\nfrom ray.train.torch import TorchTrainer\n\n\n"
            "def loop(config):\n    train.report({'loss': 0.1})\n\n\nTorchTrainer(loop).fit()\n")
    res = result(build(tmp_path, {"train_ray.py": code}, git_init=False), "MOD002")
    assert res.status == "pass"
    assert "Ray" in res.reason


def test_a_ray_trainer_without_reports_is_not_tracked(tmp_path: Path) -> None:
    code = "import torch\nfrom ray.train.torch import TorchTrainer\n\nTorchTrainer(loop).fit()\n"
    assert result(build(tmp_path, {"train_ray.py": code}, git_init=False), "MOD002").status == "fail"


SERVE = """\
import joblib
from ray import serve


@serve.deployment
class Churn:
    def __init__(self):
        self.model = joblib.load("models/model.joblib")

    def __call__(self, request):
        return self.model.predict([[1.0]])


app = Churn.bind()
"""


def test_ray_serve_exports_metrics(tmp_path: Path) -> None:
    files = {"train.py": "from sklearn.linear_model import LogisticRegression\n\nLogisticRegression().fit(X, y)\n",
             "serve_app.py": SERVE}
    res = result(build(tmp_path, files, git_init=False), "MON002")
    assert res.status == "pass"
    assert "Ray" in res.reason
