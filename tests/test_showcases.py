"""Issue 13, the kind of repository: what its README opens by saying it is.

Samples, tutorials, courses, a book's code and templates build no product of their own, so no product design
document is asked of them (DES002); when their models are fitted only in notebooks and example folders (the toy
fits of a library's demos), the rules about running a model product do not apply either. A repository that
declares a Python distribution, trains inside its own package and opens by calling itself a library is an ML tool
(an unpublished detection library with a ``tools/train_net.py``). The near misses: the same words later in the
README, in a list, a badge, a link or a code block, and a project whose README says what it solves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import READ_CSV, TRAIN, build, result
from mlops_audit.facts.readme_lead import lead_of

NOTEBOOK_TRAIN = (
    '{"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": '
    '["import pandas as pd\\n", "from sklearn.linear_model import LogisticRegression\\n", '
    '"df = pd.read_csv(\\"data/train.csv\\")\\n", '
    '"LogisticRegression().fit(df[[\\"a\\"]], df[\\"y\\"])\\n"]}], '
    '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
SAMPLE = "# Acme Examples\n\nThis repository contains sample code for acme-logs, our data logging library.\n"
BOOK = ("*This is not an official product*\n\n# ml-patterns\n\nSource code accompanying O'Reilly book:\n"
        "**Title**: Machine Learning Patterns\n")
COURSE = "# MLOps from zero\n\nIn this course we go from experimentation to a model in production, week by week.\n"
TEMPLATE = "# Regression recipe\n\nThis repository is a template for developing production-ready regression models.\n"
PRODUCT = ("# Churn\n\nPredicts which customers will cancel next month, for the retention team. Trained weekly "
           "on the billing export and served behind the CRM.\n\n## Examples\n\nSee the examples of requests "
           "below; this tutorial shows the API.\n")
BADGES_ONLY = ("[![Tutorial](https://img.shields.io/badge/tutorial-blue)](https://x.org/tutorial)\n"
               "# Churn\n\nPredicts which customers will cancel next month for the retention team and its "
               "dashboards, trained weekly.\n\n- a tutorial on the API: docs/api.md\n\n```\n# this tutorial\n```\n")
WORKSHOP = ("## MLOps workshop with Acme Cloud\nMachine Learning Ops Workshop with Acme Pipelines: lab guides and "
            "materials.\n")
EXAMPLES = ("# Torch Examples\n\n`acme/examples` is a repository showcasing examples of using Torch, curated, "
            "short and different from each other.\n")
SHOWCASE_READMES = {"sample": SAMPLE, "book": BOOK, "course": COURSE, "template": TEMPLATE, "workshop": WORKSHOP,
                    "examples": EXAMPLES}
PRODUCT_RULES = ("DAT003", "MOD003", "MOD005", "MON001", "AUT003", "AUT004", "GOV002", "DEP001", "DEP002",
                 "REP005")


@pytest.mark.parametrize("readme", list(SHOWCASE_READMES.values()), ids=list(SHOWCASE_READMES))
def test_a_showcase_is_asked_for_no_design_document(tmp_path: Path, readme: str) -> None:
    report = build(tmp_path, {"README.md": readme, "train.py": TRAIN, "load.py": READ_CSV})
    des002 = result(report, "DES002")
    assert des002.status == "not_applicable"
    assert "opens as a showcase" in (des002.reason or "")
    # a training script of its own: the product rules still apply (a sample project shows how to run one), but
    # not the model card of a product it does not publish
    assert result(report, "AUT003").status == "fail"
    assert result(report, "MOD003").status == "fail"
    assert result(report, "GOV002").status == "not_applicable"


def test_a_project_is_asked_for_a_model_card(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": PRODUCT, "train.py": TRAIN, "load.py": READ_CSV})
    assert result(report, "GOV002").status == "fail"


SCRIPT = TRAIN  # each example trains in a main.py of its own folder


@pytest.mark.parametrize("readme", [EXAMPLES, SAMPLE], ids=["examples", "sample"])
def test_a_collection_of_examples_each_in_its_folder_runs_no_product(tmp_path: Path, readme: str) -> None:
    files = {"README.md": readme, "mnist/main.py": SCRIPT, "dcgan/main.py": SCRIPT, "vae/train.py": SCRIPT,
             "vae/load.py": READ_CSV}
    report = build(tmp_path, files)
    for rule in (*PRODUCT_RULES, "DES002"):
        status = result(report, rule)
        assert status.status == "not_applicable", rule
    assert "a collection of examples each training in its own folder (`dcgan/`, `mnist/`, `vae/`: 3 folders)" in (
        result(report, "MON001").reason or "")


@pytest.mark.parametrize("files", [
    {"mnist/main.py": SCRIPT, "dcgan/main.py": SCRIPT},  # two folders: one project with two models
    {"mnist/main.py": SCRIPT, "dcgan/main.py": SCRIPT, "vae/main.py": SCRIPT, "train.py": SCRIPT},  # and its own
], ids=["two-folders", "a-root-training-script"])
def test_a_showcase_training_in_few_places_still_runs_its_product(tmp_path: Path, files: dict[str, str]) -> None:
    report = build(tmp_path, {"README.md": EXAMPLES, "load.py": READ_CSV, **files})
    assert result(report, "MOD003").status == "fail"
    assert result(report, "DES002").status == "not_applicable"


def test_examples_in_many_folders_of_a_project_are_its_product(tmp_path: Path) -> None:
    files = {"README.md": PRODUCT, "mnist/main.py": SCRIPT, "dcgan/main.py": SCRIPT, "vae/main.py": SCRIPT,
             "load.py": READ_CSV}
    assert result(build(tmp_path, files), "MOD003").status == "fail"


@pytest.mark.parametrize("readme", [PRODUCT, BADGES_ONLY], ids=["words-after-the-introduction", "badge-list-code"])
def test_a_product_is_asked_for_one(tmp_path: Path, readme: str) -> None:
    report = build(tmp_path, {"README.md": readme, "train.py": TRAIN, "load.py": READ_CSV})
    assert result(report, "DES002").status == "fail"


def test_a_showcase_whose_models_are_only_demos_runs_no_product(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": SAMPLE, "notebooks/drift_demo.ipynb": NOTEBOOK_TRAIN,
                              "examples/fit.py": TRAIN, "data/train.csv": "a,y\n1,0\n"})
    for rule in (*PRODUCT_RULES, "DES002"):
        status = result(report, rule)
        assert status.status == "not_applicable", rule
        assert "opens as a showcase" in (status.reason or ""), rule


def test_notebook_only_training_of_a_project_is_still_a_product(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": PRODUCT, "notebooks/train.ipynb": NOTEBOOK_TRAIN,
                              "data/train.csv": "a,y\n1,0\n"})
    assert result(report, "REP005").status == "fail"
    assert result(report, "MOD003").status == "fail"


UNPUBLISHED_SETUP = 'from setuptools import setup\nsetup(name="detector", packages=["detector"])\n'
LIBRARY = "<img src='logo.svg'>\n\nDetector is a next generation library that provides detection algorithms.\n"


def test_a_declared_library_whose_package_trains_is_an_ml_tool(tmp_path: Path) -> None:
    files = {"README.md": LIBRARY, "setup.py": UNPUBLISHED_SETUP, "detector/__init__.py": "",
             "detector/engine/train_loop.py": TRAIN, "tools/train_net.py": TRAIN, "detector/data/voc.py": READ_CSV}
    report = build(tmp_path, files)
    for rule in ("DES002", "DAT003", "MOD003", "MON001", "AUT003", "AUT004", "GOV002", "DEP001", "DEP002"):
        status = result(report, rule)
        assert status.status == "not_applicable", rule
        assert (status.reason or "").startswith("an ML tool, not an ML project: a library (README.md opens so"), rule


def test_a_sample_naming_the_sdk_it_uses_is_no_library(tmp_path: Path) -> None:
    """"This example implements the MLOps process ... with the model builder SDK": the README names the SDK the
    sample uses, and opens as a showcase; its package training a model makes it a sample with its own product,
    not an ML tool."""
    readme = ("# MLOps with Acme AI\n\nThis example implements the end-to-end MLOps process using Acme AI, with "
              "Keras for the model and the model builder SDK to interact with the platform.\n")
    files = {"README.md": readme, "setup.py": UNPUBLISHED_SETUP, "detector/__init__.py": "",
             "detector/trainer.py": TRAIN, "detector/data/voc.py": READ_CSV}
    report = build(tmp_path, files)
    assert result(report, "DES002").status == "not_applicable"
    assert "opens as a showcase" in (result(report, "DES002").reason or "")
    assert result(report, "MOD003").status == "fail"  # a product of its own to run


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"README.md": LIBRARY, "train.py": TRAIN}, id="no-distribution"),
        pytest.param({"README.md": LIBRARY, "setup.py": UNPUBLISHED_SETUP, "tools/train_net.py": TRAIN},
                     id="its-package-does-not-train"),
        pytest.param({"README.md": PRODUCT, "setup.py": UNPUBLISHED_SETUP, "detector/train.py": TRAIN},
                     id="the-readme-says-it-is-a-product"),
        pytest.param({"README.md": "# Churn\n\n" + "Churn prediction for the retention team, built on the "
                      "billing data, retrained weekly, served to the CRM, owned by data science. " * 2
                      + "\n\n## Stack\n\nA FastAPI library and the scikit-learn library.\n",
                      "setup.py": UNPUBLISHED_SETUP, "detector/train.py": TRAIN}, id="library-after-the-intro"),
    ],
)
def test_a_project_with_a_package_is_no_library(tmp_path: Path, files: dict[str, str]) -> None:
    assert result(build(tmp_path, files), "DES002").status == "fail"


def test_a_team_adds_its_own_showcase_phrase(tmp_path: Path) -> None:
    readme = "# Acme kata\n\nA coding kata for new joiners: fit a churn model end to end.\n"
    config = ('[tool.mlops-audit]\n[[tool.mlops-audit.knowledge]]\ncapability = "showcase"\n'
              'why = "our katas are exercises"\nlead = ["coding kata"]\n')
    plain = build(tmp_path / "plain", {"README.md": readme, "train.py": TRAIN})
    assert result(plain, "DES002").status == "fail"
    extended = build(tmp_path / "ext", {"README.md": readme, "train.py": TRAIN, "pyproject.toml": config})
    assert result(extended, "DES002").status == "not_applicable"
    assert '"coding kata": our katas are exercises' in (result(extended, "DES002").reason or "")


def test_the_opening_leaves_out_what_is_not_prose() -> None:
    text = ("<!-- a tutorial --><p align='center'><img alt='tutorial'></p>\n"
            "[![a tutorial](https://img/x.svg)](https://x.org/tutorial)\n# Title\n\n"
            "Plain words with a [linked text](https://x.org/tutorial-page) and https://x.org/examples-for.\n"
            "| a tutorial | table |\n> a tutorial quote\n- a tutorial item\n```\na tutorial in code\n```\n"
            "Title\n=====\n")
    assert lead_of(text) == "title plain words with a linked text and title"


def test_the_opening_of_hostile_text_is_linear() -> None:
    for text in ("![" * 100_000, "](" * 100_000, "<" * 100_000, "<!--" * 50_000, "[![a](" * 30_000):
        assert isinstance(lead_of(text), str)


HOOK = "import os\nimport shutil\n\nif '{{ cookiecutter.ci }}' == 'none':\n    shutil.rmtree('.github')\n"
TEMPLATE_FILES = {"cookiecutter.json": '{"project_name": "demo", "python_version": "3.11"}\n',
                  "hooks/post_gen_project.py": HOOK, "README.md": TEMPLATE,
                  "{{cookiecutter.project_name}}/requirements.txt": "pandas==2.2.2\n",
                  "{{cookiecutter.project_name}}/tests/test_x.py": "def test_x():\n    assert True\n"}


def test_a_cookiecutter_template_is_not_judged_by_its_shell(tmp_path: Path) -> None:
    """The template's folder is not audited (Jinja, not code), so the hook script left at the top is not a project
    with no manifest, no Python version and no tests: those rules say what to audit instead."""
    report = build(tmp_path, TEMPLATE_FILES)
    for rule in ("REP001", "REP004", "TST001"):
        status = result(report, rule)
        assert status.status == "not_applicable", rule
        assert "a Cookiecutter template: the project it generates ({{cookiecutter.project_name}}/) is not audited" \
            in (status.reason or ""), rule


@pytest.mark.parametrize("drop", ["cookiecutter.json", "{{cookiecutter.project_name}}/requirements.txt"])
def test_without_a_template_at_the_top_the_rules_apply(tmp_path: Path, drop: str) -> None:
    files = {k: v for k, v in TEMPLATE_FILES.items() if not k.startswith(drop.partition("/")[0])}
    if drop == "cookiecutter.json":  # a folder named like a template, and no template beside it
        files["{{cookiecutter.project_name}}/requirements.txt"] = "pandas==2.2.2\n"
    report = build(tmp_path, files)
    assert result(report, "REP001").status == "fail"


def test_a_template_kept_in_a_subfolder_leaves_the_repository_a_project(tmp_path: Path) -> None:
    """This repository's own layout: template/cookiecutter.json beside template/{{...}}/; the root is a project."""
    files = {f"template/{k}": v for k, v in TEMPLATE_FILES.items()}
    files["src/tool.py"] = "def main() -> None:\n    pass\n"
    assert result(build(tmp_path, files), "REP001").status == "fail"


# --------------------------------------------------------------------------- no production to run
TITLED = "# Example MLflow project\n"  # the title alone says it: ``^example`` opens the README
RESEARCH = ("# SegNet-X\n\nThis repository contains code for reproducing the results of our paper, with the "
            "weights we trained.\n")
OFFICIAL = "# DepthNet\n\nOfficial PyTorch implementation of the paper \"Depth without labels\".\n"
EXAMPLE_LATER = "# Churn\n\nExample: predicts which customers will cancel next month, for the retention team.\n"


@pytest.mark.parametrize("readme", [TITLED, RESEARCH, OFFICIAL, TEMPLATE, COURSE],
                         ids=["example-title", "reproducing-results", "official-implementation", "template",
                              "course"])
def test_a_showcase_is_not_asked_to_retrain_or_watch_drift(tmp_path: Path, readme: str) -> None:
    """Retraining on a schedule, drift detection and alerting are about a model running in production: a
    tutorial, a template, a course or a paper's code release has none (its training is still judged)."""
    report = build(tmp_path, {"README.md": readme, "train.py": TRAIN, "load.py": READ_CSV})
    for rule in ("AUT004", "MON001", "DES002", "GOV002"):
        assert result(report, rule).status == "not_applicable", rule
        assert "no product of its own" in (result(report, rule).reason or ""), rule
    assert result(report, "MOD003").status == "fail"


@pytest.mark.parametrize("readme", [PRODUCT, EXAMPLE_LATER, "# demo\n"],
                         ids=["product", "example-not-first", "a-project-named-demo"])
def test_a_product_is_asked_to_retrain_and_watch_drift(tmp_path: Path, readme: str) -> None:
    report = build(tmp_path, {"README.md": readme, "train.py": TRAIN, "load.py": READ_CSV})
    assert result(report, "AUT004").status == "fail"
    assert result(report, "MON001").status == "fail"
    assert result(report, "DES002").status == "fail"


def test_a_showcases_small_sample_data_is_allowed_in_git(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "load.py": READ_CSV.replace("data/train.csv", "wine.csv"),
             "wine.csv": "x,y\n" + "1,0\n" * 1000}
    assert result(build(tmp_path / "tutorial", {"README.md": TITLED, **files}), "DAT001").status == "pass"
    assert result(build(tmp_path / "product", {"README.md": PRODUCT, **files}), "DAT001").status == "fail"
    big = {**files, "wine.csv": "x,y\n" + "1,0\n" * 200_000}  # above fixture-max-kb: a data set, not a sample
    assert result(build(tmp_path / "big", {"README.md": TITLED, **big}), "DAT001").status == "fail"
