"""rules/knowledge/huggingface.yaml: Hub commits and tags, Trainer pushes, datasets on the Hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_fixtures import audit_rule


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from huggingface_hub import HfApi\n\napi = HfApi()\n"
                     "api.create_commit(repo_id='org/churn', operations=ops, commit_message='v2')\n",
                     id="create-commit"),
        pytest.param("from huggingface_hub import HfApi\n\nHfApi().create_tag('org/churn', tag='v1.0')\n",
                     id="create-tag"),
        pytest.param("from transformers import TrainingArguments\n\n"
                     "TrainingArguments(output_dir='out', push_to_hub=True, hub_model_id='org/churn')\n",
                     id="trainer-push"),
        pytest.param("from huggingface_hub import HfApi\n\nHfApi().upload_folder(folder_path='out', repo_id='org/m')\n",
                     id="upload-folder-generic"),
    ],
)
def test_hub_model_versions_are_a_registry(tmp_path: Path, code: str) -> None:
    res = audit_rule(tmp_path, "MOD003", {"publish.py": code})
    assert res.status == "pass"
    assert "Hugging Face" in res.reason


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from transformers import TrainingArguments\n\n"
                     "TrainingArguments(output_dir='out', push_to_hub=False)\n", id="push-false"),
        pytest.param("from datasets import load_dataset\n\nds = load_dataset('csv', data_files='data/train.csv')\n"
                     "ds.push_to_hub('org/churn-data')\n", id="dataset-push"),
    ],
)
def test_not_pushing_a_model_registers_nothing(tmp_path: Path, code: str) -> None:
    assert audit_rule(tmp_path, "MOD003", {"publish.py": code}).status == "fail"


def test_a_dataset_pushed_to_the_hub_is_versioned_data(tmp_path: Path) -> None:
    code = ("from datasets import Dataset\n\nimport pandas as pd\n\n"
            "Dataset.from_pandas(pd.read_csv('data/train.csv')).push_to_hub('org/churn-data')\n")
    res = audit_rule(tmp_path, "DAT003", {"publish_data.py": code})
    assert res.status == "pass"
    assert "Hugging Face Datasets" in res.reason


def test_a_model_pushed_to_the_hub_is_not_versioned_data(tmp_path: Path) -> None:
    code = "from transformers import AutoModel\n\nAutoModel.from_pretrained('bert-base-uncased').push_to_hub('org/m')\n"
    assert audit_rule(tmp_path, "DAT003", {"publish.py": code}).status == "fail"
