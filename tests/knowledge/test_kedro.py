"""rules/knowledge/kedro.yaml: the Data Catalog (tracking datasets, versioning, pandera) and plugin configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

CSV_ENTRY = "companies:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/companies.csv\n"


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"conf/base/catalog.yml": CSV_ENTRY + "metrics:\n  type: tracking.MetricsDataset\n"
                                                           "  filepath: data/09_tracking/metrics.json\n"},
                     id="kedro-viz-metrics"),
        pytest.param({"conf/base/neptune.yml": "neptune:\n  project: $NEPTUNE_PROJECT\n  base_namespace: kedro\n"},
                     id="kedro-neptune-config"),
    ],
)
def test_kedro_tracking_configuration(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MOD002", files)
    assert res.status == "pass"
    assert "Kedro" in res.reason


def test_a_plain_catalog_is_not_tracking(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "MOD002", {"conf/base/catalog.yml": CSV_ENTRY}).status == "fail"


def test_a_kedro_mlflow_registry_dataset(tmp_path: Path) -> None:
    entry = "model:\n  type: kedro_mlflow.io.models.MlflowModelRegistryDataset\n  model_name: churn\n"
    res = audit_rule(tmp_path, "MOD003", {"conf/base/catalog.yml": CSV_ENTRY + entry})
    assert res.status == "pass"
    assert "kedro-mlflow" in res.reason


def test_a_pickled_model_in_the_catalog_is_not_registered(tmp_path: Path) -> None:
    entry = "model:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
    assert audit_rule(tmp_path, "MOD003", {"conf/base/catalog.yml": CSV_ENTRY + entry}).status == "fail"


@pytest.mark.parametrize("versioned", ["versioned: True", "versioned: true"])
def test_a_versioned_model_in_the_catalog_is_a_versioned_model(tmp_path: Path, versioned: str) -> None:
    """MOD003 asks for models registered *or versioned*: Kedro keeps every run's model under a timestamp."""
    entry = f"regressor:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n  {versioned}\n"
    res = audit_rule(tmp_path, "MOD003", {"conf/base/catalog_06_models.yml": entry})
    assert res.status == "pass"
    assert "Kedro" in res.reason


def test_an_unversioned_model_catalog_beside_versioned_data_is_not(tmp_path: Path) -> None:
    """Judged per catalog file (both literals in one file): a versioned raw data set in another file does not
    version the model."""
    model = "regressor:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
    files = {"conf/base/catalog_06_models.yml": model,
             "conf/base/catalog_01_raw.yml": CSV_ENTRY + "  versioned: true\n"}
    assert audit_rule(tmp_path, "MOD003", files).status == "fail"


@pytest.mark.parametrize("path", ["conf/base/catalog.yml", "conf/base/catalog/raw.yml"])
def test_versioned_catalog_entries_are_data_versioning(tmp_path: Path, path: str) -> None:
    res = audit_rule(tmp_path, "DAT003", {path: CSV_ENTRY + "  versioned: true\n"})
    assert res.status == "pass"
    assert "Kedro" in res.reason


def test_an_unversioned_catalog_is_not_data_versioning(tmp_path: Path) -> None:
    text = CSV_ENTRY + "  versioned: false\n"
    assert audit_rule(tmp_path, "DAT003", {"conf/base/catalog.yml": text}).status == "fail"


def test_a_pandera_schema_on_a_catalog_entry_validates_data(tmp_path: Path) -> None:
    text = CSV_ENTRY + "  metadata:\n    pandera:\n      schema: ${pa.python:my_project.schemas.companies}\n"
    res = audit_rule(tmp_path, "DAT004", {"conf/base/catalog.yml": text})
    assert res.status == "pass"
    assert "kedro-pandera" in res.reason


def test_catalog_metadata_without_a_schema_validates_nothing(tmp_path: Path) -> None:
    text = CSV_ENTRY + "  metadata:\n    kedro-viz:\n      layer: raw\n"
    assert audit_rule(tmp_path, "DAT004", {"conf/base/catalog.yml": text}).status == "fail"


@pytest.mark.parametrize("files", [
    pytest.param({"src/tut/pipeline_registry.py": "from kedro_mlflow.pipeline import pipeline_ml_factory\n\n\n"
                                                  "def register_pipelines():\n"
                                                  "    return {'training': pipeline_ml_factory(training=t, "
                                                  "inference=i, input_name='instances')}\n"},
                 id="pipeline-ml-factory"),
    pytest.param({"conf/base/catalog.yml": CSV_ENTRY + "pipeline_inference_model:\n"
                                                       "  type: kedro_mlflow.io.models.MlflowModelLoggerDataSet\n"
                                                       "  flavor: mlflow.pyfunc\n"},
                 id="model-logger-dataset"),
])
def test_a_model_kedro_mlflow_logs_with_each_run_is_versioned(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "MOD003", files)
    assert res.status == "pass"
    assert "kedro-mlflow" in res.reason


def test_a_pipeline_factory_of_another_library_is_not(tmp_path: Path) -> None:
    source = "from acme.pipes import pipeline_ml_factory\n\npipeline_ml_factory(training=t, inference=i)\n"
    assert audit_rule(tmp_path, "MOD003", {"src/tut/pipeline_registry.py": source}).status == "fail"
