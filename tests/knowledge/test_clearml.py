"""rules/knowledge/clearml.yaml: ClearML pipelines and schedulers."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from clearml import PipelineController\n\npipe = PipelineController(name='train', project='p')\n",
                     id="controller"),
        pytest.param("from clearml.automation.controller import PipelineDecorator\n\n\n"
                     "@PipelineDecorator.pipeline(name='train', project='p', version='1')\ndef run():\n    pass\n",
                     id="decorator"),
    ],
)
def test_clearml_pipelines_pass(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "AUT003", {"pipeline.py": code})
    assert res.status == "pass"
    assert "ClearML" in res.reason


def test_a_clearml_task_is_not_a_pipeline(tmp_path: Path) -> None:
    code = "from clearml import Task\n\nTask.init(project_name='p', task_name='train')\n"
    assert audit_rule(tmp_path, "AUT003", {"track.py": code}).status == "fail"


@pytest.mark.parametrize("scheduler", ["TaskScheduler", "TriggerScheduler"])
def test_clearml_schedulers_are_continuous_training(tmp_path: Path, scheduler: str) -> None:
    code = f"from clearml.automation import {scheduler}\n\nscheduler = {scheduler}()\nscheduler.start_remotely()\n"
    res = audit_rule(tmp_path, "AUT004", {"schedule.py": code})
    assert res.status == "pass"
    assert "ClearML" in res.reason


def test_enqueuing_a_task_once_is_not_a_schedule(tmp_path: Path) -> None:
    code = "from clearml import Task\n\nTask.enqueue(task, queue_name='default')\n"
    assert audit_rule(tmp_path, "AUT004", {"run.py": code}).status == "fail"
