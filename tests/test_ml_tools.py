"""Issue 13, class 2 (an ML project detected too broadly): a tool others build ML projects with (a serving
framework, a monitoring library, a pipeline visualiser with a demo project) is not an ML product, so the design
document of a model product (DES002) is not asked of it. Recognised by what the repository declares (a
distribution, its classifiers, where its training code is), never by its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result

PUBLISHED = ('[project]\nname = "drifty"\nversion = "1.0"\n'
             'classifiers = ["Development Status :: 5 - Production/Stable", "Intended Audience :: Developers"]\n')
PLAIN = '[project]\nname = "churn"\nversion = "0.1.0"\n'


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
    ],
)
def test_an_ml_tool_is_not_asked_for_a_design_document(tmp_path: Path, files: dict[str, str]) -> None:
    des002 = result(build(tmp_path, files), "DES002")
    assert des002.status == "not_applicable"
    assert (des002.reason or "").startswith("an ML tool, not an ML project")


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
    ],
)
def test_an_ml_project_is_asked_for_one(tmp_path: Path, files: dict[str, str]) -> None:
    assert result(build(tmp_path, files), "DES002").status == "fail"
