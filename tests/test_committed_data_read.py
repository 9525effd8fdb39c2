"""Data read from a file git holds is versioned with the code (DAT003 does not call it unversioned; DAT001
judges whether it belongs in git). A read of data that is not committed, or of another file than the
committed one, is still unversioned."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import READ_CSV, TRAIN, build, result

README = "# Churn\n\nPredicts which customers will cancel next month, for the retention team.\n"


@pytest.mark.parametrize("load", [
    READ_CSV,
    READ_CSV.replace('pd.read_csv("data/train.csv")',
                     'pd.read_csv(os.path.join(os.path.dirname(__file__), "data", "train.csv"))')
    .replace("import pandas as pd", "import os\nimport pandas as pd"),
], ids=["literal-path", "joined-path"])
def test_reading_committed_data_is_versioned_by_git(tmp_path: Path, load: str) -> None:
    report = build(tmp_path, {"README.md": README, "train.py": TRAIN, "load.py": load,
                              "data/train.csv": "x,y\n1,0\n"})
    dat003 = result(report, "DAT003")
    assert dat003.status == "pass"
    assert dat003.reason == "the data read is committed with the code: git versions it"
    assert result(report, "DAT001").status == "fail"  # data in git: its own rule


@pytest.mark.parametrize("files", [
    {},  # the data is not in the repository (downloaded, or kept on a share)
    {"data/other.csv": "x,y\n1,0\n"},  # another file is committed
    {"data/train.csv.gz": "x,y\n1,0\n"},  # a name that only starts the same
], ids=["not-committed", "another-file", "longer-name"])
def test_reading_data_git_does_not_hold_is_unversioned(tmp_path: Path, files: dict[str, str]) -> None:
    report = build(tmp_path, {"README.md": README, "train.py": TRAIN, "load.py": READ_CSV, **files})
    assert result(report, "DAT003").status == "fail"
