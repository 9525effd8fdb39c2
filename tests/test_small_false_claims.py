"""Issue 13, class 9: ``from_pretrained`` is not a retrain trigger (AUT004); an IPython ``!pip install \\`` with
continuation lines is not a syntax error (AUD001); a lone ``_v1`` in a name (an architecture, an API version) is
not version sprawl (VER002), a copy word or a sibling with the same stem is."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import TRAIN, build, findings, paths, result
from repo_builder import notebook

PRETRAINED = """\
from transformers import AutoModel, Trainer

model = AutoModel.from_pretrained("bert-base-uncased")
Trainer(model=model).train()
"""
RETRAIN = """\
from sklearn.linear_model import LogisticRegression


def retrain_model(X, y):
    return LogisticRegression().fit(X, y)


def on_drift(X, y):
    retrain_model(X, y)
"""


def test_from_pretrained_is_not_a_retrain_trigger(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": PRETRAINED})
    assert result(report, "AUT004").status == "fail"


def test_a_retrain_function_called_from_code_is(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": RETRAIN})
    assert result(report, "AUT004").status == "pass"


def test_shell_escape_with_continuation_lines_parses(tmp_path: Path) -> None:
    cell = "!pip install \\\n    scikit-learn \\\n    pandas\nimport pandas as pd\n"
    report = build(tmp_path, {"explore.ipynb": notebook(cell, "x = 1 + \\\n    2\n")})
    assert result(report, "AUD001").status == "pass"


@pytest.mark.parametrize("files", [
    {"models/inception_resnet_v1.py": "x = 1\n"},
    {"api/openapi_v2.yaml": "openapi: 2.0\n"},
    {"nets/resnet_v2.py": "x = 1\n", "nets/mobilenet_v2.py": "x = 1\n"},
], ids=["architecture", "api-version", "two-architectures"])
def test_a_lone_version_in_a_name_is_not_sprawl(tmp_path: Path, files: dict[str, str]) -> None:
    report = build(tmp_path, {"train.py": TRAIN, **files})
    assert result(report, "VER002").status == "pass"


@pytest.mark.parametrize(("files", "flagged"), [
    ({"train.py": TRAIN, "train_v2.py": TRAIN}, {"train_v2.py"}),
    ({"train.py": TRAIN, "model_v1.py": "x = 1\n", "model_v2.py": "x = 2\n"}, {"model_v1.py", "model_v2.py"}),
    ({"train.py": TRAIN, "report_final.ipynb": notebook("x = 1\n")}, {"report_final.ipynb"}),
    ({"train.py": TRAIN, "utils_copy.py": "x = 1\n"}, {"utils_copy.py"}),
], ids=["beside-original", "two-versions", "final", "copy"])
def test_a_copy_is_sprawl(tmp_path: Path, files: dict[str, str], flagged: set[str]) -> None:
    report = build(tmp_path, files)
    assert paths(report, "VER002") == flagged


@pytest.mark.parametrize("cell", [
    "if IN_COLAB:\n    %pip install -q -U urlextract\nimport os\n",
    "pip install -U sagemaker\nimport os\n",
    "  x = 1\n  y = x + 1\n",
    " params = {'a': 1,\n           'b': 2}\nprint(params)\n",
    "%timeit sum((x for x in range(3)),\n            start=0)\ny = 1\n",
    'ls "/tmp/evaluate"\n',
    "PATH = %env PATH\nfiles = !ls data\nprint(PATH, files)\n",
], ids=["magic-in-a-block", "automagic-pip", "indented-cell", "first-line-indent", "magic-open-bracket",
        "automagic-ls", "magic-assigned"])
def test_ipython_forms_are_not_syntax_errors(tmp_path: Path, cell: str) -> None:
    report = build(tmp_path, {"explore.ipynb": notebook(cell)})
    assert result(report, "AUD001").status == "pass"


@pytest.mark.parametrize("cell", ["def broken(:\n    pass\n", "project = <PROJECT NAME>\n", "cat = \n",
                                  "rate = 100 % \n"])
def test_a_real_syntax_error_in_a_cell_is_still_reported(tmp_path: Path, cell: str) -> None:
    report = build(tmp_path, {"explore.ipynb": notebook(cell)})
    assert result(report, "AUD001").status == "fail"


@pytest.mark.parametrize("source", [
    'base = "x"\npath = f"{base}/data/raw.csv"\n',
    'prefix = "s3://bucket"\npath = prefix + "/data/train"\n',
    'uri = "bq://project.table".replace("g://", "")\n',
], ids=["f-string-piece", "concatenated-suffix", "url-scheme"])
def test_pieces_of_built_strings_are_not_absolute_paths(tmp_path: Path, source: str) -> None:
    report = build(tmp_path, {"pipeline.py": source})
    assert result(report, "DAT005").status == "pass"


def test_a_literal_absolute_path_is_still_one(tmp_path: Path) -> None:
    report = build(tmp_path, {"pipeline.py": 'path = "/home/alice/data/raw.csv"\n'})
    assert result(report, "DAT005").status == "fail"


def test_a_health_route_under_a_router_prefix_counts(tmp_path: Path) -> None:
    app = ("from fastapi import APIRouter, FastAPI\nfrom transformers import pipeline\n\napp = FastAPI()\n"
           "classify = pipeline('sentiment-analysis')\nrouter = APIRouter()\n\n\n"
           "@router.get('/heartbeat')\ndef beat():\n    return {}\n\n\n"
           "app.include_router(router, prefix='/health')\n")
    report = build(tmp_path, {"app.py": app})
    assert result(report, "DEP008").status == "pass"


@pytest.mark.parametrize("body", [
    "    if compute() != 2:\n        raise AssertionError('wrong')\n",
    "    subprocess.run(['python', 'train.py'], check=True)\n",
    "    subprocess.check_call(['python', 'train.py'])\n",
], ids=["raise", "run-check", "check-call"])
def test_tests_that_fail_by_raising_assert(tmp_path: Path, body: str) -> None:
    test = f"import subprocess\n\n\ndef compute():\n    return 2\n\n\ndef test_it():\n{body}"
    report = build(tmp_path, {"tests/test_it.py": test, "lib.py": "x = 1\n"})
    assert result(report, "TST002").status == "pass"


def test_a_test_that_only_calls_still_asserts_nothing(tmp_path: Path) -> None:
    test = "import subprocess\n\n\ndef test_it():\n    subprocess.run(['python', 'train.py'])\n"
    report = build(tmp_path, {"tests/test_it.py": test, "lib.py": "x = 1\n"})
    assert result(report, "TST002").status == "fail"


def test_a_helper_in_the_test_module_or_a_tests_helper_module_asserts_for_the_test(tmp_path: Path) -> None:
    helpers = "import pytest\n\n\ndef run_command(cmd):\n    if cmd != 'ok':\n        pytest.fail(cmd)\n"
    test = ("from tests.helpers import run_command\n\n\ndef check_same(a, b):\n    assert a == b\n\n\n"
            "def _twice(a):\n    check_same(a, a)\n\n\n"
            "def test_local_helper():\n    _twice(1)\n\n\ndef test_imported_helper():\n    run_command('ok')\n\n\n"
            "def test_app():\n    def test():\n        return 'a nested route, not a test'\n    assert test()\n")
    report = build(tmp_path, {"tests/helpers.py": helpers, "tests/test_x.py": test, "lib.py": "x = 1\n"})
    assert result(report, "TST002").status == "pass"


def test_a_helper_that_checks_nothing_does_not_make_a_test_assert(tmp_path: Path) -> None:
    test = "def helper(a):\n    return a\n\n\ndef test_it():\n    helper(1)\n"
    report = build(tmp_path, {"tests/test_x.py": test, "lib.py": "x = 1\n"})
    assert result(report, "TST002").status == "fail"


CI_SCRIPT = "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: bash ./scripts/ci.sh\n"


@pytest.mark.parametrize("files", [
    {".github/workflows/ci.yml": CI_SCRIPT, "scripts/ci.sh": "set -e\n./scripts/test.sh\n",
     "scripts/test.sh": "coverage run -m pytest\n"},
    {".github/workflows/ci.yml": CI_SCRIPT.replace("bash ./scripts/ci.sh", "behave features/")},
], ids=["script-running-pytest", "behave"])
def test_ci_running_tests_through_a_script_or_behave_runs_tests(tmp_path: Path, files: dict[str, str]) -> None:
    report = build(tmp_path, {"lib.py": "x = 1\n", "tests/test_x.py": "def test_a():\n    assert 1\n", **files})
    assert result(report, "AUT002").status == "pass"


def test_ci_running_a_script_that_runs_no_tests_does_not(tmp_path: Path) -> None:
    files = {".github/workflows/ci.yml": CI_SCRIPT, "scripts/ci.sh": "echo build\n", "lib.py": "x = 1\n"}
    assert result(build(tmp_path, files), "AUT002").status == "fail"


def test_a_metric_function_named_score_is_not_inference(tmp_path: Path) -> None:
    evaluation = "import torch\n\n\ndef score_ap_from_ranks(ranks):\n    return torch.tensor(ranks).mean()\n"
    report = build(tmp_path, {"eval_copy_detection.py": evaluation, "train.py": TRAIN})
    assert result(report, "MON003").status == "not_applicable"


def test_a_hugging_face_trainer_seeds_by_default(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": PRETRAINED})
    assert result(report, "MOD004").status == "pass"


def test_a_sentence_transformers_trainer_seeds_by_default(tmp_path: Path) -> None:
    """SentenceTransformerTrainer is a transformers.Trainer: TrainingArguments.seed (42) seeds the run."""
    train = ("from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer\n\n"
             "model = SentenceTransformer('m')\ntrainer = SentenceTransformerTrainer(model=model, args=args)\n"
             "trainer.train()\n")
    assert result(build(tmp_path, {"train.py": train}), "MOD004").status == "pass"


def test_python_config_files_in_a_config_folder_are_a_config(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "config/train_gpt2.py": "batch_size = 12\nlearning_rate = 6e-4\n"})
    assert result(report, "MOD005").status == "pass"


def test_hooks_named_test_of_a_non_test_class_are_not_tests(tmp_path: Path) -> None:
    module = ("import lightning\n\n\nclass Net(lightning.LightningModule):\n    def test_step(self, batch, i):\n"
              "        return batch\n\n\nclass TestNet:\n    def test_runs(self):\n        Net()\n")
    report = build(tmp_path, {"tests/test_net.py": module, "lib.py": "x = 1\n"})
    assert [f.message.split("`")[1] for f in findings(report, "TST002")] == ["test_runs"]


def test_ci_running_a_script_of_a_sub_folder_runs_tests(tmp_path: Path) -> None:
    ci = CI_SCRIPT.replace("bash ./scripts/ci.sh", "docker compose exec -T backend bash scripts/tests-start.sh")
    files = {".github/workflows/ci.yml": ci, "backend/scripts/tests-start.sh": "set -e\nbash scripts/test.sh\n",
             "backend/scripts/test.sh": "coverage run -m pytest tests/\n", "lib.py": "x = 1\n"}
    assert result(build(tmp_path, files), "AUT002").status == "pass"


def test_ci_running_a_container_path_script_finds_it_by_name(tmp_path: Path) -> None:
    ci = CI_SCRIPT.replace("bash ./scripts/ci.sh", "docker compose exec -T backend bash /app/tests-start.sh")
    files = {".github/workflows/ci.yml": ci, "backend/tests-start.sh": "pytest\n", "lib.py": "x = 1\n"}
    assert result(build(tmp_path, files), "AUT002").status == "pass"


def test_a_script_named_by_a_script_is_found_beside_it_first(tmp_path: Path) -> None:
    ci = CI_SCRIPT.replace("bash ./scripts/ci.sh", "docker compose exec -T backend bash /app/tests-start.sh")
    files = {".github/workflows/ci.yml": ci, "backend/tests-start.sh": "bash ./scripts/test.sh\n",
             "backend/scripts/test.sh": "coverage run -m pytest\n", "scripts/test.sh": "docker compose build\n",
             "lib.py": "x = 1\n"}
    assert result(build(tmp_path, files), "AUT002").status == "pass"


README_LICENSE = "# Tool\n\nDoes things.\n\n## License\n\nReleased under the MIT License (see below).\n"


@pytest.mark.parametrize(("readme", "status"), [
    (README_LICENSE, "pass"),
    ("# Tool\n\n## License\n\nTo be decided.\n", "fail"),
    ("# Tool\n\nWe use MIT-licensed libraries.\n", "fail"),
], ids=["license-section", "section-without-a-licence", "mention-without-a-section"])
def test_a_license_section_of_the_readme_declares_the_license(tmp_path: Path, readme: str, status: str) -> None:
    report = build(tmp_path, {"README.md": readme, "lib.py": "x = 1\n"})
    assert result(report, "GOV003").status == status


def test_behave_features_with_steps_are_tests(tmp_path: Path) -> None:
    files = {"features/run.feature": "Feature: run\n  Scenario: it runs\n    Then it works\n",
             "features/steps/run_steps.py": "from behave import then\n\n\n@then('it works')\ndef step(context):\n"
                                            "    assert context\n", "lib.py": "x = 1\n"}
    assert result(build(tmp_path, files), "TST001").status == "pass"
    assert result(build(tmp_path / "no-steps", {"features/run.feature": files["features/run.feature"],
                                                 "lib.py": "x = 1\n"}), "TST001").status == "fail"


def test_a_model_card_written_by_the_training_code_is_a_model_card(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": PRETRAINED + "Trainer(model=model).create_model_card(language='en')\n"})
    assert result(report, "GOV002").status == "pass"
    assert result(build(tmp_path / "none", {"train.py": PRETRAINED}), "GOV002").status == "fail"


UNITTEST_HELPER = """\
import unittest


class ROIPoolerTest(unittest.TestCase):
    def _test_match(self, device):
        self.assertTrue(device in ("cpu", "cuda"))

    def _describe(self, device):
        return device

    def test_match_cpu(self):
        self._test_match(device="cpu")

    def test_describe(self):
        self._describe("cpu")
"""


def test_a_method_of_the_tests_class_that_asserts_checks_for_the_test(tmp_path: Path) -> None:
    """``self._test_match(device="cpu")``: the class's own helper asserts, so the test does; a helper method that
    asserts nothing leaves its test asserting nothing."""
    report = build(tmp_path, {"tests/test_roi.py": UNITTEST_HELPER, "lib.py": "x = 1\n"})
    assert [(f.path, f.line) for f in findings(report, "TST002")] == [("tests/test_roi.py", 14)]
    assert findings(report, "TST002")[0].message.startswith("test `test_describe` asserts nothing")
