"""Issue 13, class 6: data validation kept as a test suite (Great Expectations, pandera under tests/) counts as
data validation (DAT004) when CI runs the tests; a suite nobody runs does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import READ_CSV, build, result

SUITE = """\
import pandas as pd
import pandera as pa

SCHEMA = pa.DataFrameSchema({"age": pa.Column(int, pa.Check.ge(0))})


def test_raw_data_matches_the_schema():
    SCHEMA.validate(pd.read_csv("data/raw.csv"))
    assert True
"""
CI = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt && pytest
"""


def test_a_validation_suite_run_by_ci_is_data_validation(tmp_path: Path) -> None:
    files = {"train.py": READ_CSV, "tests/test_data_schema.py": SUITE, ".github/workflows/ci.yml": CI}
    report = build(tmp_path, files)
    dat004 = result(report, "DAT004")
    assert dat004.status == "pass"
    assert "pandera" in dat004.reason.lower() or "tests" in dat004.reason


def test_a_validation_suite_nobody_runs_is_not(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": READ_CSV, "tests/test_data_schema.py": SUITE})
    assert result(report, "DAT004").status == "fail"


def test_great_expectations_project_files_count(tmp_path: Path) -> None:
    files = {"train.py": READ_CSV, "gx/great_expectations.yml": "config_version: 3.0\n"}
    report = build(tmp_path, files)
    assert result(report, "DAT004").status == "pass"


def test_a_schema_unit_test_on_a_hand_made_frame_is_not_data_validation(tmp_path: Path) -> None:
    unit = SUITE.replace('pd.read_csv("data/raw.csv")', 'pd.DataFrame({"age": [-1]})')
    files = {"train.py": READ_CSV, "tests/test_data_schema.py": unit, ".github/workflows/ci.yml": CI}
    report = build(tmp_path, files)
    assert result(report, "DAT004").status == "fail"


def test_a_suite_reading_its_data_through_a_conftest_counts(tmp_path: Path) -> None:
    unit = SUITE.replace('pd.read_csv("data/raw.csv")', "raw")
    conftest = ("import pandas as pd\nimport pytest\n\n\n@pytest.fixture\n"
                "def raw():\n    return pd.read_csv('data/raw.csv')\n")
    files = {"train.py": READ_CSV, "tests/data/test_dataset.py": unit, "tests/conftest.py": conftest,
             ".github/workflows/ci.yml": CI}
    report = build(tmp_path, files)
    assert result(report, "DAT004").status == "pass"


def test_a_suite_run_by_a_job_script_before_training_counts(tmp_path: Path) -> None:
    job = "#!/bin/bash\nset -e\npytest --dataset-loc=$DATA tests/data --verbose\npython train.py\n"
    files = {"train.py": READ_CSV, "tests/data/test_dataset.py": SUITE, "deploy/jobs/workloads.sh": job}
    report = build(tmp_path, files)
    assert result(report, "DAT004").status == "pass"
    assert "deploy/jobs/workloads.sh" in result(report, "DAT004").reason


def test_a_script_running_other_tests_does_not_count(tmp_path: Path) -> None:
    job = "#!/bin/bash\npytest tests/model\n"
    files = {"train.py": READ_CSV, "tests/data/test_dataset.py": SUITE, "deploy/jobs/workloads.sh": job}
    assert result(build(tmp_path, files), "DAT004").status == "fail"


PLAIN_CHECKS = """\
import numpy as np
import pandas as pd


def test_no_missing_values():
    data = pd.read_csv("data/train.csv")
    assert np.isnan(data.values).sum() == 0


def test_ids_are_unique():
    data = pd.read_csv("data/train.csv")
    assert not data["id"].duplicated().any()
"""


@pytest.mark.parametrize("path", ["data/data_test.py", "tests/data/test_quality.py", "tests/test_dataset.py",
                                  "tests/test_features.py"])
def test_plain_tests_checking_the_data_read_are_data_validation(tmp_path: Path, path: str) -> None:
    """No validation library: tests about the data read it and check its content (missing values, duplicates)."""
    files = {"train.py": READ_CSV, path: PLAIN_CHECKS, ".github/workflows/ci.yml": CI}
    dat004 = result(build(tmp_path, files), "DAT004")
    assert dat004.status == "pass"
    assert path in dat004.reason


@pytest.mark.parametrize("path", ["tests/test_distance.py", "pkg/metrics/tests/test_update.py"])
def test_plain_checks_in_a_unit_test_of_code_are_not_data_validation(tmp_path: Path, path: str) -> None:
    """A library's unit test reads a fixture and checks for NaN in what its function returns: no data set is
    validated (a validation library would say so; plain checks count only in tests about the data)."""
    files = {"train.py": READ_CSV, path: PLAIN_CHECKS, ".github/workflows/ci.yml": CI}
    assert result(build(tmp_path, files), "DAT004").status == "fail"


def test_checking_the_content_of_a_hand_made_frame_is_not_data_validation(tmp_path: Path) -> None:
    unit = PLAIN_CHECKS.replace('pd.read_csv("data/train.csv")', 'pd.DataFrame({"id": [1, 2]})')
    files = {"train.py": READ_CSV, "tests/test_frame.py": unit, ".github/workflows/ci.yml": CI}
    assert result(build(tmp_path, files), "DAT004").status == "fail"


def test_missing_values_counted_in_the_training_code_are_not_data_validation(tmp_path: Path) -> None:
    """Outside tests the same calls are exploration: nothing fails when the data is wrong."""
    train = READ_CSV + "print(df.isna().sum(), df.duplicated().sum())\n"
    files = {"train.py": train, ".github/workflows/ci.yml": CI}
    assert result(build(tmp_path, files), "DAT004").status == "fail"


def test_plain_data_checks_nobody_runs_are_not(tmp_path: Path) -> None:
    files = {"train.py": READ_CSV, "tests/test_data.py": PLAIN_CHECKS}
    assert result(build(tmp_path, files), "DAT004").status == "fail"


def test_a_suite_run_only_by_a_manual_pipeline_is_not(tmp_path: Path) -> None:
    manual = CI.replace("on: [push]", "on: [workflow_dispatch]")
    files = {"train.py": READ_CSV, "tests/test_data_schema.py": SUITE, ".github/workflows/ci.yml": manual}
    assert result(build(tmp_path, files), "DAT004").status == "fail"
