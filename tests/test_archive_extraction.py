"""Archives unpacked with every member trusted (GOV006): tarfile's ``extractall``/``extract`` and
``shutil.unpack_archive`` without an extraction filter write a member named ``../x`` or ``/x`` outside the
target. Flagged where the archive is unpacked, however the tar object was reached (a ``with`` binding, an
assignment, an import alias); the near misses that keep members inside pass: a filter, members the code vetted,
a project on Python 3.14 or later (whose default filter refuses them), test code."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import build, findings, result

HEAD = "import shutil\nimport tarfile\nfrom tarfile import open as open_tar\n\n\ndef fetch(path, target):\n"


@pytest.mark.parametrize("body", [
    "    with tarfile.open(path) as tar:\n        tar.extractall(target)\n",
    "    archive = tarfile.open(path, 'r:gz')\n    archive.extractall(path=target)\n",
    "    tarfile.open(path).extract('weights.bin', target)\n",
    "    open_tar(path).extractall(target)\n",
    "    tarfile.TarFile(path).extractall(target)\n",
    "    shutil.unpack_archive(path, target)\n",
], ids=["with-binding", "assigned", "one-member", "import-alias", "tarfile-class", "shutil"])
def test_an_archive_unpacked_without_a_filter_is_flagged(tmp_path: Path, body: str) -> None:
    report = build(tmp_path, {"src/download.py": HEAD + body})
    (finding,) = findings(report, "GOV006")
    assert finding.path == "src/download.py"
    assert finding.line == HEAD.count("\n") + body.count("\n")
    assert "every member trusted" in finding.message


@pytest.mark.parametrize("body", [
    "    with tarfile.open(path) as tar:\n        tar.extractall(target, filter='data')\n",
    "    tarfile.open(path).extract('weights.bin', target, filter='tar')\n",
    "    with tarfile.open(path) as tar:\n        tar.extractall(target, members=vetted(tar))\n",
    "    shutil.unpack_archive(path, target, filter='data')\n",
    "    shutil.copy(path, target)\n",  # shutil, but nothing is unpacked
    "    import zipfile\n    zipfile.ZipFile(path).extractall(target)\n",  # zipfile keeps members inside
], ids=["filter", "filter-one-member", "vetted-members", "shutil-filter", "shutil-copy", "zipfile"])
def test_a_filtered_or_vetted_extraction_passes(tmp_path: Path, body: str) -> None:
    assert result(build(tmp_path, {"src/download.py": HEAD + body}), "GOV006").status == "pass"


def test_python_3_14_filters_by_default(tmp_path: Path) -> None:
    files = {"src/download.py": HEAD + "    tarfile.open(path).extractall(target)\n",
             "pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.14"\n'}
    assert result(build(tmp_path, files), "GOV006").status == "pass"
    files["pyproject.toml"] = files["pyproject.toml"].replace("3.14", "3.10")
    assert findings(build(tmp_path / "older", files), "GOV006")


def test_test_code_and_projects_unpacking_nothing(tmp_path: Path) -> None:
    report = build(tmp_path, {"tests/test_download.py": HEAD + "    tarfile.open(path).extractall(target)\n",
                              "src/app.py": "print('hello')\n"})
    assert result(report, "GOV006").status == "not_applicable"
    assert result(report, "GOV006").reason == "no archive is unpacked here (no tarfile or shutil)"


def test_a_nested_projects_python_is_its_own(tmp_path: Path) -> None:
    """The nearest pyproject.toml speaks for the code under it (``backend/pyproject.toml``)."""
    files = {"backend/app/download.py": HEAD + "    tarfile.open(path).extractall(target)\n",
             "backend/pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.14,<4"\n',
             "tools/fetch.py": HEAD + "    tarfile.open(path).extractall(target)\n"}
    (finding,) = findings(build(tmp_path, files), "GOV006")
    assert finding.path == "tools/fetch.py"
