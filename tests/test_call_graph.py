"""Issue 13, class 3: the repository is read as a whole. A seed fixed through the repository's own helper
(``utils.set_seeds()`` in another module, imported absolutely or relatively, or a method of the same class) is
seen; a library module that trains is judged by the entry points that reach it: it passes when every one of
them seeds first, and is flagged when one does not."""

from __future__ import annotations

from pathlib import Path

from ml_fixtures import build, findings, result
from mlops_audit.facts.callgraph import CallGraph, module_names
from mlops_audit.facts.repo import RepoFacts
from repo_builder import make_repo

UTILS = """\
import random

import numpy as np


def set_seeds(seed=42):
    random.seed(seed)
    np.random.seed(seed)
"""
TRAINER = """\
from sklearn.ensemble import RandomForestClassifier


def train(X, y):
    model = RandomForestClassifier()
    model.fit(X, y)
    return model
"""


def test_seed_through_a_helper_of_another_module(tmp_path: Path) -> None:
    train = """\
from sklearn.ensemble import RandomForestClassifier

from project.utils import set_seeds


def main():
    set_seeds(7)
    RandomForestClassifier().fit([[0.0], [1.0]], [0, 1])
"""
    report = build(tmp_path, {"project/__init__.py": "", "project/utils.py": UTILS, "project/train.py": train})
    assert result(report, "MOD004").status == "pass"


def test_seed_through_a_relative_import(tmp_path: Path) -> None:
    train = """\
from sklearn.ensemble import RandomForestClassifier

from .utils import set_seeds


def main():
    set_seeds()
    RandomForestClassifier().fit([[0.0], [1.0]], [0, 1])
"""
    report = build(tmp_path, {"pkg/__init__.py": "", "pkg/utils.py": UTILS, "pkg/train.py": train})
    assert result(report, "MOD004").status == "pass"


def test_a_helper_that_seeds_nothing_does_not_count(tmp_path: Path) -> None:
    train = """\
from sklearn.ensemble import RandomForestClassifier

from project.utils import set_seeds


def main():
    set_seeds()
    RandomForestClassifier().fit([[0.0], [1.0]], [0, 1])
"""
    utils = "def set_seeds(seed=42):\n    print('no seed here', seed)\n"
    report = build(tmp_path, {"project/__init__.py": "", "project/utils.py": utils, "project/train.py": train})
    (finding,) = findings(report, "MOD004")
    assert finding.path == "project/train.py"


def test_a_library_trainer_reached_only_from_seeding_entry_points_passes(tmp_path: Path) -> None:
    cli = """\
from project.trainer import train
from project.utils import set_seeds

if __name__ == "__main__":
    set_seeds(1)
    train([[0.0], [1.0]], [0, 1])
"""
    files = {"project/__init__.py": "", "project/utils.py": UTILS, "project/trainer.py": TRAINER,
             "scripts/run.py": cli}
    report = build(tmp_path, files)
    assert result(report, "MOD004").status == "pass"


def test_a_library_trainer_reached_from_one_unseeded_entry_point_is_flagged(tmp_path: Path) -> None:
    seeded = "from project.trainer import train\nfrom project.utils import set_seeds\n\nset_seeds(1)\ntrain([], [])\n"
    unseeded = "from project.trainer import train\n\ntrain([], [])\n"
    files = {"project/__init__.py": "", "project/utils.py": UTILS, "project/trainer.py": TRAINER,
             "scripts/run.py": seeded, "scripts/quick.py": unseeded}
    report = build(tmp_path, files)
    (finding,) = findings(report, "MOD004")
    assert (finding.path, finding.line) == ("project/trainer.py", 6)


PARSER = """\
import random


def get_args(argv):
    random.seed(0)
    return argv
"""
TUNER = """\
from ..hparams import get_args
from .trainer import train


def run_exp(argv):
    args = get_args(argv)
    train([[0.0], [1.0]], [0, 1])
"""
CLI = "from project.train.tuner import run_exp\n\nif __name__ == '__main__':\n    run_exp([])\n"


def test_a_seed_in_a_helper_a_package_reexports(tmp_path: Path) -> None:
    """``from ..hparams import get_args``: the package's ``__init__.py`` gives the function of its ``parser``
    module (``from .parser import get_args``), which seeds before the entry point trains."""
    files = {"project/__init__.py": "", "project/hparams/__init__.py": "from .parser import get_args\n",
             "project/hparams/parser.py": PARSER, "project/train/__init__.py": "",
             "project/train/trainer.py": TRAINER, "project/train/tuner.py": TUNER, "cli.py": CLI}
    assert result(build(tmp_path, files), "MOD004").status == "pass"


def test_a_name_two_modules_of_the_package_define_is_not_guessed(tmp_path: Path) -> None:
    files = {"project/__init__.py": "", "project/hparams/__init__.py": "from .parser import get_args\n",
             "project/hparams/parser.py": PARSER, "project/hparams/legacy.py": "def get_args(argv):\n    return argv\n",
             "project/train/__init__.py": "", "project/train/trainer.py": TRAINER,
             "project/train/tuner.py": TUNER, "cli.py": CLI}
    (finding,) = findings(build(tmp_path, files), "MOD004")
    assert finding.path == "project/train/trainer.py"


def test_a_method_seeding_through_self(tmp_path: Path) -> None:
    source = """\
import numpy as np
from sklearn.svm import SVC


class Job:
    def _seed(self):
        np.random.seed(3)

    def run(self):
        self._seed()
        SVC().fit([[0.0], [1.0]], [0, 1])
"""
    report = build(tmp_path, {"job.py": source})
    assert result(report, "MOD004").status == "pass"


def test_module_names_of_a_file() -> None:
    assert module_names("src/pkg/utils.py") == ["src.pkg.utils", "pkg.utils", "utils"]
    assert module_names("src/pkg/__init__.py") == ["src.pkg", "pkg"]
    assert module_names("notebooks/explore.ipynb") == []


def test_calls_resolve_to_local_functions(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/utils.py": UTILS,
        "pkg/a.py": "from pkg import utils\nfrom .utils import set_seeds as ss\n\ndef f():\n    utils.set_seeds()\n"
                    "    ss()\n    g()\n\ndef g():\n    pass\n",
    })
    graph = CallGraph(RepoFacts(root).code_units(tests=False))
    assert graph.callees_of(("pkg/a.py", "f")) == {("pkg/utils.py", "set_seeds"), ("pkg/a.py", "g")}
    assert graph.is_entry(("pkg/a.py", "f")) and not graph.is_entry(("pkg/a.py", "g"))


BASE_TRAINER = """\
import torch


class TrainerBase:
    def train(self, start, end):
        for _ in range(start, end):
            self.run_step()

    def run_step(self):
        raise NotImplementedError


class SimpleTrainer(TrainerBase):
    def run_step(self):
        loss = self.model(self.data).sum()
        loss.backward()
        self.optimizer.step()


class DefaultTrainer(SimpleTrainer):
    def train(self):
        super().train(0, 10)
"""
TRAIN_NET = """\
from project.engine import DefaultTrainer
from project.utils import set_seeds


class Trainer(DefaultTrainer):
    def build_model(self):
        return None


def main():
    set_seeds(0)
    trainer = Trainer()
    trainer.train()


if __name__ == "__main__":
    main()
"""


def _classes_repo(tmp_path: Path, train_net: str = TRAIN_NET) -> dict[str, str]:
    return {"project/__init__.py": "", "project/utils.py": UTILS,
            "project/engine/__init__.py": "from .trainer import DefaultTrainer, SimpleTrainer\n",
            "project/engine/trainer.py": BASE_TRAINER, "tools/train_net.py": train_net}


def test_methods_are_looked_up_through_the_repositorys_classes(tmp_path: Path) -> None:
    """``trainer = Trainer(); trainer.train()`` runs the ``train`` the class inherits; ``super().train()`` is the
    base's; ``self.run_step()`` in the base runs the subclasses' overrides too."""
    root = make_repo(tmp_path, _classes_repo(tmp_path))
    graph = CallGraph(RepoFacts(root).code_units(tests=False))
    engine = "project/engine/trainer.py"
    assert (engine, "DefaultTrainer.train") in graph.callees_of(("tools/train_net.py", "main"))
    assert graph.callees_of((engine, "DefaultTrainer.train")) == {(engine, "TrainerBase.train")}
    assert graph.callees_of((engine, "TrainerBase.train")) == {(engine, "TrainerBase.run_step"),
                                                               (engine, "SimpleTrainer.run_step")}
    assert not graph.is_entry((engine, "SimpleTrainer.run_step"))
    assert graph.method(engine, "DefaultTrainer", "run_step") == [(engine, "SimpleTrainer.run_step")]
    assert graph.method(engine, "DefaultTrainer", "evaluate") == []  # defined nowhere in the repository


def test_a_trainer_run_through_an_instance_from_a_seeding_entry_point_passes(tmp_path: Path) -> None:
    assert result(build(tmp_path, _classes_repo(tmp_path)), "MOD004").status == "pass"


def test_a_trainer_run_through_an_instance_from_an_unseeded_entry_point_is_flagged(tmp_path: Path) -> None:
    unseeded = TRAIN_NET.replace("    set_seeds(0)\n", "")
    (finding,) = findings(build(tmp_path, _classes_repo(tmp_path, unseeded)), "MOD004")
    assert finding.path == "project/engine/trainer.py"


def test_a_cycle_of_bases_ends(tmp_path: Path) -> None:
    source = "class A(B):\n    pass\n\n\nclass B(A):\n    def f(self):\n        self.g()\n"
    root = make_repo(tmp_path, {"m.py": source})
    graph = CallGraph(RepoFacts(root).code_units(tests=False))
    assert graph.method("m.py", "A", "g") == [] and graph.method("m.py", "A", "f") == [("m.py", "B.f")]
    assert graph.callees_of(("m.py", "B.f")) == set()
