"""Issue 13, class 2 (an ML project detected too broadly): a tool others build ML projects with (a serving
framework, a monitoring library, a pipeline visualiser with a demo project) is not an ML product, so the design
document of a model product (DES002) is not asked of it. Recognised by what the repository declares (a
distribution, its classifiers, where its training code is), never by its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import READ_CSV, TRAIN, build, result

PUBLISHED = ('[project]\nname = "drifty"\nversion = "1.0"\n'
             'classifiers = ["Development Status :: 5 - Production/Stable", "Intended Audience :: Developers"]\n')
PLAIN = '[project]\nname = "churn"\nversion = "0.1.0"\n'
POETRY = ('[tool.poetry]\nname = "whylogs"\nversion = "1.0"\n'
          'classifiers = ["Development Status :: 5 - Production/Stable"]\n')
SETUP_PY = ('from setuptools import setup, find_packages\n'
            'CLASSIFIERS = ["Development Status :: 4 - Beta", "License :: OSI Approved :: MIT License"]\n'
            'setup(name="drifty", packages=find_packages(), classifiers=CLASSIFIERS)\n')
SETUP_CFG = ('[metadata]\nname = drifty\nclassifiers =\n    Development Status :: 5 - Production/Stable\n'
             '    Programming Language :: Python :: 3\n[options]\npackages = find:\n')


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pyproject.toml": PUBLISHED, "src/drifty/__init__.py": "",
                      "src/drifty/detector.py": TRAIN, "examples/demo.py": TRAIN}, id="published-library-src"),
        pytest.param({"pyproject.toml": PUBLISHED, "drifty/__init__.py": "", "drifty/metrics.py": TRAIN,
                      "tests/e2e/train.py": TRAIN}, id="published-library-flat"),
        pytest.param({"package/pyproject.toml": PLAIN.replace("churn", "pipeline-viz"),
                      "package/pipeline_viz/app.py": "print('viz')\n",
                      "demo-project/pyproject.toml": PLAIN, "demo-project/src/demo/nodes.py": TRAIN},
                     id="tool-with-a-demo-project"),
        pytest.param({"python/pyproject.toml": POETRY, "python/whylogs/__init__.py": "",
                      "python/whylogs/drift.py": TRAIN, "python/examples/demo.py": TRAIN},
                     id="poetry-library-one-folder-down"),
        pytest.param({"setup.py": SETUP_PY, "drifty/__init__.py": "", "drifty/detector.py": TRAIN},
                     id="setup-py-library"),
        pytest.param({"setup.cfg": SETUP_CFG, "setup.py": "import setuptools\nsetuptools.setup()\n",
                      "src/drifty/detector.py": TRAIN}, id="setup-cfg-library"),
    ],
)
def test_an_ml_tool_is_not_asked_for_a_design_document(tmp_path: Path, files: dict[str, str]) -> None:
    des002 = result(build(tmp_path, files), "DES002")
    assert des002.status == "not_applicable"
    assert (des002.reason or "").startswith("an ML tool, not an ML project")


# the rules about running one model product: its data's versions, its model's registry, its drift and alerts,
# its training pipeline and retraining (blind held-out set: a fine-tuning framework, a detection library)
PRODUCT_RULES = ("DES002", "DAT003", "MOD003", "MON001", "MON004", "AUT003", "AUT004")
# the rules about a model the repository ships: its card, its serving entry point and image, its params file
# (a library of model implementations ships none: recommenders GOV002, scipy DEP001/DEP002/GOV002)
OWNED_MODEL_RULES = ("GOV002", "DEP001", "DEP002", "MOD005")
SERVE = ("from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.joblib')\n"
         "@app.post('/predict')\ndef predict(x: dict):\n    return model.predict(x)\n")


def test_an_ml_tool_is_not_asked_to_run_a_model_product(tmp_path: Path) -> None:
    files = {"pyproject.toml": PUBLISHED, "src/drifty/__init__.py": "", "src/drifty/detector.py": TRAIN,
             "src/drifty/loader.py": READ_CSV, "src/drifty/api/app.py": SERVE,
             "scripts/bench_drift.py": TRAIN}  # a benchmark script is a demonstration, not the project's training
    report = build(tmp_path, files)
    for rule in (*PRODUCT_RULES, *OWNED_MODEL_RULES):
        assert result(report, rule).status == "not_applicable", rule
        assert (result(report, rule).reason or "").startswith("an ML tool, not an ML project"), rule


def test_an_ml_project_is_asked_to_run_its_model_product(tmp_path: Path) -> None:
    files = {"pyproject.toml": PLAIN, "train.py": TRAIN, "load.py": READ_CSV, "serve.py": SERVE}
    report = build(tmp_path, files)
    assert {r: result(report, r).status for r in PRODUCT_RULES} == dict.fromkeys(PRODUCT_RULES, "fail")
    for rule in OWNED_MODEL_RULES:
        assert result(report, rule).status != "not_applicable", rule


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pyproject.toml": PLAIN, "churn/__init__.py": "", "churn/train.py": TRAIN},
                     id="packaged-ml-project"),
        pytest.param({"pyproject.toml": PUBLISHED, "drifty/__init__.py": "", "train.py": TRAIN},
                     id="published-but-trains-at-the-root"),
        pytest.param({"pyproject.toml": PUBLISHED, "src/drifty/__init__.py": "", "scripts/run_sft.py": TRAIN},
                     id="published-with-training-scripts"),
        pytest.param({"pyproject.toml": PLAIN, "src/churn/model.py": TRAIN, "examples/demo.py": TRAIN},
                     id="unpublished-training-in-its-package"),
        pytest.param({"train.py": TRAIN}, id="no-distribution"),
        pytest.param({"pyproject.toml": PUBLISHED, "src/drifty/__init__.py": "", "scripts/train_bench.py": TRAIN},
                     id="a-training-script-named-after-a-benchmark-is-still-training"),
        pytest.param({"pyproject.toml": POETRY.split("classifiers")[0], "whylogs/train.py": TRAIN},
                     id="unpublished-poetry-project"),
        pytest.param({"setup.py": SETUP_PY.replace("Development Status :: 4 - Beta", "Topic :: Science"),
                      "drifty/train.py": TRAIN}, id="setup-py-without-a-development-status"),
        pytest.param({"setup.py": "import subprocess\nsubprocess.run(['make'])\n", "drifty/__init__.py": "",
                      "drifty/detector.py": TRAIN}, id="a-script-named-setup-py-declares-nothing"),
    ],
)
def test_an_ml_project_is_asked_for_one(tmp_path: Path, files: dict[str, str]) -> None:
    assert result(build(tmp_path, files), "DES002").status == "fail"
