"""rules/knowledge/tfx.yaml: TFX pipelines, their validation components and the Pusher."""

from __future__ import annotations

from pathlib import Path

from platform_fixtures import audit_rule

PLATFORM = "TFX"
PIPELINE = """\
from tfx import v1 as tfx

example_gen = tfx.components.CsvExampleGen(input_base="data")
statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
"""


def test_a_tfx_pipeline_is_a_pipeline(tmp_path: Path) -> None:
    res = audit_rule(tmp_path, "AUT003", {"pipeline.py": PIPELINE})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_tfx_pipeline_code_alone_is_not_training(tmp_path: Path) -> None:
    code = PIPELINE + "trainer = tfx.components.Trainer(module_file='trainer.py', examples=example_gen.outputs['x'])\n"
    res = audit_rule(tmp_path, "MOD004", {"pipeline.py": code})
    assert [f.path for f in res.findings] == ["train.py"]


def test_schema_and_example_validation_are_data_validation(tmp_path: Path) -> None:
    code = PIPELINE + ("schema_gen = tfx.components.SchemaGen(statistics=statistics_gen.outputs['statistics'])\n"
                       "tfx.components.ExampleValidator(statistics=statistics_gen.outputs['statistics'], "
                       "schema=schema_gen.outputs['schema'])\n")
    res = audit_rule(tmp_path, "DAT004", {"pipeline.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_statistics_alone_are_not_data_validation(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "DAT004", {"pipeline.py": PIPELINE}).status == "fail"


def test_the_pusher_versions_blessed_models(tmp_path: Path) -> None:
    code = ("from tfx.components import Pusher\n\n"
            "Pusher(model=trainer.outputs['model'], model_blessing=evaluator.outputs['blessing'])\n")
    res = audit_rule(tmp_path, "MOD003", {"pipeline.py": code})
    assert res.status == "pass"
    assert PLATFORM in res.reason


def test_a_pipeline_without_a_pusher_registers_nothing(tmp_path: Path) -> None:
    assert audit_rule(tmp_path, "MOD003", {"pipeline.py": PIPELINE}).status == "fail"
