"""Testing pillar: TST001 (no tests), TST002 (tests assert nothing), TST003 (data tests), TST004 (model tests),
TST005 (serving tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import READ_CSV, TRAIN, build, findings, locations, result
from repo_builder import status

PASSING_TEST = "def test_ok():\n    assert 1 + 1 == 2\n"
SERVE = ("from fastapi import FastAPI\nfrom transformers import pipeline\n\napp = FastAPI()\n"
         "classify = pipeline(\"sentiment-analysis\")\n")
"""A service that serves a model (ML serving: the serving rules apply)."""


# --------------------------------------------------------------------------- TST001
def test_tst001_no_tests_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/lib.py": "def f() -> int:\n    return 1\n", "tests/conftest.py": "import pytest\n"})
    assert status(report, "TST001") == "fail"
    assert locations(report, "TST001") == [(None, None, None)]


@pytest.mark.parametrize("path", ["tests/test_lib.py", "test_lib.py", "src/lib_test.py", "test/unit/check.py"])
def test_tst001_test_files_pass(tmp_path: Path, path: str) -> None:
    assert status(build(tmp_path, {"src/lib.py": "x = 1\n", path: PASSING_TEST}), "TST001") == "pass"


def test_tst001_not_applicable_without_python(tmp_path: Path) -> None:
    assert status(build(tmp_path, {"README.md": "# x\n"}), "TST001") == "not_applicable"


# --------------------------------------------------------------------------- TST002
def test_tst002_test_without_assert_fires_at_the_def(tmp_path: Path) -> None:
    code = ("import pytest\n\n\ndef helper():\n    return 1\n\n\n"
            "def test_good():\n    assert helper() == 1\n\n\n"
            "def test_smoke():\n    helper()\n")
    report = build(tmp_path, {"tests/test_lib.py": code})
    assert status(report, "TST002") == "fail"
    assert locations(report, "TST002") == [("tests/test_lib.py", 12, None)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("    assert f() == 1\n", id="assert"),
        pytest.param("    with pytest.raises(ValueError):\n        f()\n", id="pytest.raises"),
        pytest.param("    m = mock.Mock()\n    m.assert_called_once()\n", id="mock-assert"),
        pytest.param("    self.assertEqual(f(), 1)\n", id="unittest-assert"),
        pytest.param("    np.testing.assert_allclose(f(), 1)\n", id="numpy-testing"),
        pytest.param("    pytest.fail('not yet')\n", id="pytest.fail"),
    ],
)
def test_tst002_asserting_tests_pass(tmp_path: Path, body: str) -> None:
    code = "import pytest\nfrom unittest import mock\n\n\ndef test_x(self=None):\n" + body
    assert status(build(tmp_path, {"tests/test_lib.py": code}), "TST002") == "pass"


def test_tst002_not_applicable_without_tests(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/lib.py": "x = 1\n"})
    assert status(report, "TST002") == "not_applicable"
    assert result(report, "TST002").reason == "no tests"


# --------------------------------------------------------------------------- TST003
def test_tst003_no_data_test_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": READ_CSV, "tests/test_utils.py": PASSING_TEST})
    assert status(report, "TST003") == "fail"
    assert locations(report, "TST003") == [(None, None, None)]


@pytest.mark.parametrize(
    "test_file",
    [
        pytest.param({"tests/test_data.py": PASSING_TEST}, id="named-data"),
        pytest.param({"tests/test_schema.py": PASSING_TEST}, id="named-schema"),
        pytest.param({"tests/test_features.py": PASSING_TEST}, id="named-features"),
        pytest.param({"tests/test_x.py": "import great_expectations as ge\n" + PASSING_TEST}, id="validation-import"),
        pytest.param({"tests/test_x.py": "def test_rows():\n    assert validate_rows([])\n"}, id="validate-call"),
    ],
)
def test_tst003_data_tests_pass(tmp_path: Path, test_file: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": READ_CSV, **test_file}), "TST003") == "pass"


def test_tst003_not_applicable_without_data(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "tests/test_x.py": PASSING_TEST})
    assert status(report, "TST003") == "not_applicable"
    assert result(report, "TST003").reason == "no data files or data loading found"


# --------------------------------------------------------------------------- TST004
def test_tst004_no_model_test_fires(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "tests/test_utils.py": PASSING_TEST})
    assert status(report, "TST004") == "fail"
    assert locations(report, "TST004") == [(None, None, None)]


@pytest.mark.parametrize(
    "test_file",
    [
        pytest.param({"tests/test_model.py": PASSING_TEST}, id="named-model"),
        pytest.param({"tests/test_training.py": PASSING_TEST}, id="named-training"),
        pytest.param({"tests/test_x.py": "from sklearn.metrics import f1_score\n" + PASSING_TEST}, id="metrics-import"),
        pytest.param({"tests/test_x.py": "def test_q():\n    assert roc_auc_score(y, p) > 0.8\n"}, id="metric-call"),
    ],
)
def test_tst004_model_tests_pass(tmp_path: Path, test_file: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": TRAIN, **test_file}), "TST004") == "pass"


def test_tst004_not_applicable_without_training(tmp_path: Path) -> None:
    report = build(tmp_path, {"eda.py": "import sklearn\n", "tests/test_x.py": PASSING_TEST})
    assert status(report, "TST004") == "not_applicable"


# --------------------------------------------------------------------------- TST005
def test_tst005_serving_without_api_test_fires_on_the_app(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/service.py": SERVE, "tests/test_utils.py": PASSING_TEST})
    assert status(report, "TST005") == "fail"
    assert locations(report, "TST005") == [("src/service.py", None, None)]


@pytest.mark.parametrize(
    "test_file",
    [
        pytest.param({"tests/test_api.py": PASSING_TEST}, id="named-api"),
        pytest.param({"tests/test_endpoints.py": PASSING_TEST}, id="named-endpoints"),
        pytest.param({"tests/test_x.py": "from fastapi.testclient import TestClient\n" + PASSING_TEST},
                     id="fastapi-testclient"),
        pytest.param({"tests/test_x.py": "def test_x():\n    assert flask_app.test_client().get('/').status_code\n"},
                     id="flask-test_client"),
    ],
)
def test_tst005_api_tests_pass(tmp_path: Path, test_file: dict[str, str]) -> None:
    assert status(build(tmp_path, {"src/service.py": SERVE, **test_file}), "TST005") == "pass"


def test_tst005_not_applicable_without_serving(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "tests/test_x.py": PASSING_TEST})
    assert status(report, "TST005") == "not_applicable"
    assert result(report, "TST005").reason.startswith("no model serving code")


def test_tst005_fastapi_in_a_notebook_is_not_a_service(tmp_path: Path) -> None:
    from repo_builder import notebook

    report = build(tmp_path, {"demo.ipynb": notebook(SERVE), "tests/test_x.py": PASSING_TEST})
    assert status(report, "TST005") == "not_applicable"


@pytest.mark.parametrize("decorator", ["@pytest.fixture", "@pytest.fixture(scope='module')", "@fixture",
                                       "@pytest_asyncio.fixture\n@other"])
def test_tst002_a_fixture_named_test_is_not_a_test(tmp_path: Path, decorator: str) -> None:
    """pytest does not collect a fixture, whatever its name (``test_client``, ``test_artifact_storage``)."""
    test = ("import pytest\nimport pytest_asyncio\nfrom pytest import fixture\n\n\n"
            f"{decorator}\ndef test_client():\n    return object()\n\n\n"
            "def test_uses(test_client):\n    assert test_client\n")
    report = build(tmp_path, {"train.py": TRAIN, "tests/test_api.py": test})
    assert result(report, "TST002").status == "pass"


def test_tst002_a_test_below_a_fixture_is_still_a_test(tmp_path: Path) -> None:
    test = ("import pytest\n\n\n@pytest.fixture\ndef data():\n    return 1\n\n\n"
            "def test_nothing(data):\n    print(data)\n")
    report = build(tmp_path, {"train.py": TRAIN, "tests/test_api.py": test})
    assert [f.message for f in findings(report, "TST002")] == [
        "test `test_nothing` asserts nothing: it can only fail by crashing"]
