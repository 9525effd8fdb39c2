"""Issue 13, class 3 (the repository read as a whole) in notebooks: an import alias of an earlier cell names the
same module in every later cell (IPython runs them in one namespace), so a call through it is the module's call.
The near misses: the alias imported only after the use, and a later cell rebinding the name."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, result
from mlops_audit.facts.cell_aliases import aliases_of, carry
from mlops_audit.facts.code import analyse
from repo_builder import notebook


def test_without_the_earlier_cell_the_calls_are_not_known(tmp_path: Path) -> None:
    cells = ("aip.log_params({'C': 1.0})\n", "log_params({'C': 1.0})\n", "vertex_ai.init(experiment='churn')\n")
    report = build(tmp_path, {"train.py": TRAIN, "explore.ipynb": notebook(*cells)})
    assert result(report, "MOD002").status == "fail"


VX = "from google.cloud import aiplatform as vx\n"  # importing it is not tracking; its experiment is


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(("import google.cloud.aiplatform as aip\n", "aip.log_params({'C': 1.0})\n"), id="module-alias"),
        pytest.param(("from google.cloud import aiplatform as vertex_ai\n", "x = 1\n",
                      "vertex_ai.init(project='p', experiment='churn')\n"), id="from-import-alias-two-cells-on"),
        pytest.param(("from google.cloud.aiplatform import log_params\n", "log_params({'C': 1.0})\n"),
                     id="imported-name"),
    ],
)
def test_an_earlier_cells_alias_is_read_in_later_cells(tmp_path: Path, cells: tuple[str, ...]) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "explore.ipynb": notebook(*cells)})
    assert result(report, "MOD002").status == "pass"
    assert "explore.ipynb" in (result(report, "MOD002").reason or "")


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(("vx.init(project='p', experiment='churn')\n", VX), id="alias-imported-after-the-use"),
        pytest.param((VX, "vx = object()\nvx.init(project='p', experiment='churn')\n"), id="name-rebound-in-the-cell"),
        pytest.param((VX, "import fake_platform as vx\nvx.init(project='p', experiment='churn')\n"),
                     id="cell-imports-its-own"),
    ],
)
def test_near_misses_stay_unresolved(tmp_path: Path, cells: tuple[str, ...]) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "explore.ipynb": notebook(*cells)})
    assert result(report, "MOD002").status == "fail"


def test_aliases_of_reads_one_line_imports_only() -> None:
    source = ("import numpy as np, os\nfrom a.b import c as d, e\nfrom . import local\nfrom x import *\n"
              "text = 'import z as y'\nfrom p import (\n    q as r,\n)\n")
    assert aliases_of(source) == {"np": "numpy", "d": "a.b.c", "e": "a.b.e"}


def test_a_cell_that_needs_no_change_is_kept_as_is() -> None:
    first, second = analyse("import mlflow as mf\n"), analyse("print(1)\n")
    assert carry([("import mlflow as mf\n", first), ("print(1)\n", second)])[1] is second
    changed = analyse("mf.log_metric('auc', 1)\n")
    (_, out) = carry([("import mlflow as mf\n", first), ("mf.log_metric('auc', 1)\n", changed)])
    assert out is not changed and out.call_names == ("mlflow.log_metric",)
    assert changed.call_names == ("mf.log_metric",)  # the original (maybe the cache's) is left alone


def test_a_binding_of_an_earlier_cell_is_read_in_later_cells(tmp_path: Path) -> None:
    """``model = LinearRegression()`` in one cell and ``model.fit(...)`` in the next is a least-squares fit
    (nothing to seed: MOD004 passes), as it is when both lines share a cell."""
    cells = ("from sklearn.linear_model import LinearRegression\n", "model = LinearRegression()\n",
             "model.fit([[0.0], [1.0]], [0, 1])\n")
    assert result(build(tmp_path, {"fit.ipynb": notebook(*cells)}), "MOD004").status == "pass"


@pytest.mark.parametrize("cells", [
    pytest.param(("from sklearn.ensemble import RandomForestClassifier\n", "model = RandomForestClassifier()\n",
                  "model.fit([[0.0], [1.0]], [0, 1])\n"), id="random-estimator"),
    pytest.param(("from sklearn.linear_model import LinearRegression\n", "model = LinearRegression()\n",
                  "from sklearn.ensemble import RandomForestClassifier\nmodel = RandomForestClassifier()\n",
                  "model.fit([[0.0], [1.0]], [0, 1])\n"), id="rebound-in-between"),
    pytest.param(("import sklearn\n", "model = build_model()\n", "model.fit([[0.0], [1.0]], [0, 1])\n"),
                 id="bound-to-a-local-function"),
])
def test_bindings_that_do_not_make_a_deterministic_fit(tmp_path: Path, cells: tuple[str, ...]) -> None:
    assert result(build(tmp_path, {"fit.ipynb": notebook(*cells)}), "MOD004").status == "fail"
