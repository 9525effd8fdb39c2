"""rules/knowledge/bentoml.yaml: the model store's imports and the metrics of BentoML services."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import bentoml\n\nbentoml.mlflow.import_model('churn', model_uri='runs:/1/model')\n",
                     id="mlflow-import"),
        pytest.param("import bentoml\n\nbentoml.models.import_model('churn.bentomodel')\n", id="models-import"),
    ],
)
def test_importing_into_the_model_store_is_a_registry(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"store.py": code})
    assert res.status == "pass"
    assert "BentoML" in res.reason


def test_loading_from_the_model_store_registers_nothing(tmp_path: Path) -> None:
    code = "import bentoml\n\nmodel = bentoml.sklearn.load_model('churn:latest')\n"
    assert audit_rule(tmp_path, "MOD003", {"load.py": code}).status == "fail"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import bentoml\n\n\n@bentoml.service(resources={'cpu': '1'})\nclass Churn:\n    pass\n",
                     id="service-decorator"),
        pytest.param("import bentoml\n\nsvc = bentoml.Service('churn', runners=[runner])\n", id="v1-service"),
    ],
)
def test_bentoml_services_export_metrics(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MON002", {"service.py": code})
    assert res.status == "pass"
    assert "BentoML" in res.reason


def test_saving_to_the_model_store_exports_no_metrics(tmp_path: Path) -> None:
    code = "import bentoml\n\nbentoml.sklearn.save_model('churn', model)\n"
    assert audit_rule(tmp_path, "MON002", {"save.py": code}).status == "fail"
