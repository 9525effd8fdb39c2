"""rules/knowledge/kubeflow.yaml: compiled pipelines, scheduled workflows, metrics artifacts, Katib."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule

IR_YAML = "pipelineInfo:\n  name: train\nsdkVersion: kfp-2.7.0\nschemaVersion: 2.1.0\n"


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pipelines/train.yaml": IR_YAML}, id="kfp-v2-ir"),
        pytest.param({"pipelines/train_pipeline.json": '{"pipelineSpec": {}, "sdkVersion": "kfp-1.8.22"}\n'},
                     id="kfp-json"),
        pytest.param({"pipelines/argo.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n"
                                             "  annotations:\n    pipelines.kubeflow.org/kfp_sdk_version: 1.8.22\n"},
                     id="kfp-v1-argo"),
    ],
)
def test_compiled_pipelines_are_pipelines(tmp_path: Path, files: dict[str, str]) -> None:
    res = audit_rule(tmp_path, "AUT003", files)
    assert res.status == "pass"
    assert "Kubeflow Pipelines" in res.reason


def test_a_kubernetes_job_is_not_a_pipeline(tmp_path: Path) -> None:
    text = "apiVersion: batch/v1\nkind: Job\nspec:\n  template: {}\n"
    assert audit_rule(tmp_path, "AUT003", {"k8s/train-job.yaml": text}).status == "fail"


def test_a_scheduled_workflow_is_continuous_training(tmp_path: Path) -> None:
    text = "apiVersion: kubeflow.org/v1beta1\nkind: ScheduledWorkflow\nspec:\n  trigger:\n    cronSchedule: {}\n"
    res = audit_rule(tmp_path, "AUT004", {"k8s/nightly.yaml": text})
    assert res.status == "pass"
    assert "Kubeflow Pipelines" in res.reason


def test_a_compiled_pipeline_is_not_a_schedule(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "AUT004", {"pipelines/train.yaml": IR_YAML}).status == "fail"


@pytest.mark.parametrize(
    ("code", "platform"),
    [
        pytest.param("from kfp.dsl import Metrics, Output, component\n", "Kubeflow Pipelines", id="metrics-artifact"),
        pytest.param("from kubeflow.katib import KatibClient\n", "Katib", id="katib"),
    ],
)
def test_kubeflow_metrics_are_tracking(tmp_path: Path, code: str, platform: str) -> None:
    res = audit_rule(tmp_path, "MOD002", {"components.py": code})
    assert res.status == "pass"
    assert platform in res.reason


def test_a_component_without_metrics_is_not_tracking(tmp_path: Path) -> None:
    code = "from kfp.dsl import Dataset, Output, component\n"
    assert audit_rule(tmp_path, "MOD002", {"components.py": code}).status == "fail"
