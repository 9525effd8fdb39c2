"""rules/knowledge/ibm-watson.yaml: watsonx.ai / Watson Machine Learning, Watson OpenScale, AI Factsheets."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from ibm_watson_machine_learning import APIClient\n\nclient = APIClient(credentials)\n"
                     "client.repository.store_model(model=model, meta_props=props)\n", id="wml"),
        pytest.param("from ibm_watsonx_ai import APIClient\n\nwml = APIClient(credentials)\n"
                     "wml.repository.store_model(model=model, meta_props=props)\n", id="watsonx-ai"),
        pytest.param("def store(client, model, props):\n    return client.repository.store_model(model, props)\n",
                     id="client-parameter"),
    ],
)
def test_storing_a_model_in_the_repository_is_a_registry(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"store.py": code})
    assert res.status == "pass"
    assert "IBM Watson Machine Learning" in res.reason


def test_deploying_a_stored_model_registers_nothing(tmp_path: Path) -> None:
    code = ("from ibm_watsonx_ai import APIClient\n\nclient = APIClient(credentials)\n"
            "client.deployments.create(model_id, meta_props=props)\n")
    assert audit_rule(tmp_path, "MOD003", {"deploy.py": code}).status == "fail"


@pytest.mark.parametrize("module", ["ibm_watson_openscale", "ibm_ai_openscale"])
def test_openscale_is_drift_monitoring(tmp_path: Path, module: str) -> None:
    res = audit_rule(tmp_path, "MON001", {"monitor.py": f"from {module} import APIClient\n"})
    assert res.status == "pass"
    assert "IBM Watson OpenScale" in res.reason


def test_the_wml_client_is_not_drift_monitoring(tmp_path: Path) -> None:
    code = "from ibm_watson_machine_learning import APIClient\n"
    assert audit_rule(tmp_path, "MON001", {"client.py": code}).status == "fail"


def test_ai_factsheets_are_tracking(tmp_path: Path) -> None:
    code = ("from ibm_aigov_facts_client import AIGovFactsClient\n\n"
            "AIGovFactsClient(api_key=key, experiment_name='churn', container_type='project', container_id=pid)\n")
    res = audit_rule(tmp_path, "MOD002", {"facts.py": code})
    assert res.status == "pass"
    assert "IBM AI Factsheets" in res.reason
