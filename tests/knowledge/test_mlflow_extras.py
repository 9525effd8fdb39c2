"""rules/knowledge/mlflow.yaml: the registry URI, version copies and MLflow Recipes."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import mlflow\n\nmlflow.set_registry_uri('databricks-uc')\n", id="registry-uri"),
        pytest.param("from mlflow import MlflowClient\n\nclient = MlflowClient()\n"
                     "client.copy_model_version(src_model_uri='models:/churn/1', dst_name='prod.churn')\n",
                     id="copy-model-version"),
    ],
)
def test_mlflow_registry_calls(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"register.py": code})
    assert res.status == "pass"
    assert "MLflow Model Registry" in res.reason


def test_a_tracking_uri_is_not_a_registry(tmp_path: Path) -> None:
    code = "import mlflow\n\nmlflow.set_tracking_uri('http://mlflow:5000')\nmlflow.log_metric('auc', 0.9)\n"
    assert audit_rule(tmp_path, "MOD003", {"track.py": code}).status == "fail"


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"run_recipe.py": "from mlflow.recipes import Recipe\n\nRecipe(profile='local').run()\n"},
                     id="recipes-api"),
        pytest.param({"recipe.yaml": "recipe: regression/v1\ntarget_col: y\nsteps:\n  train: {}\n"}, id="recipe-yaml"),
    ],
)
def test_mlflow_recipes_are_pipelines(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert "MLflow Recipes" in res.reason


def test_an_unrelated_recipe_file_is_not_a_pipeline(tmp_path: Path) -> None:
    text = "name: pancakes\ningredients: [flour, milk]\n"
    assert audit_rule(tmp_path, "AUT003", {"recipe.yaml": text}).status == "fail"
