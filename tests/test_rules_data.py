"""Data pillar: DAT001 (data in git), DAT002 (large blobs in history), DAT003 (versioning), DAT004 (validation),
DAT005 (absolute paths)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml_fixtures import LFS_POINTER, READ_CSV, TRAIN, build, config, findings, locations, paths, result
from repo_builder import audit, failing, git, make_repo, notebook, status

CSV = "x,y\n0,0\n1,1\n"


# --------------------------------------------------------------------------- DAT001
def test_dat001_committed_csv_fires_with_its_path(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "data/train.csv": CSV})
    assert status(report, "DAT001") == "fail"
    (f,) = findings(report, "DAT001")
    assert (f.path, f.line, f.cell) == ("data/train.csv", None, None)
    assert "tracked in git" in f.message


def test_dat001_untracked_but_not_ignored_data_counts(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN, ".gitignore": "*.log\n"})
    (root / "data").mkdir()
    (root / "data" / "new.parquet").write_bytes(b"PAR1")
    (root / "data" / "run.log").write_text("ignored\n")
    report = audit(root)
    (f,) = findings(report, "DAT001")
    assert f.path == "data/new.parquet"
    assert "about to be committed" in f.message


def test_dat001_gitignored_data_passes(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN, ".gitignore": "data/\n"})
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text(CSV)
    assert status(audit(root), "DAT001") == "pass"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({".gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n"}, set(), id="root-gitattributes"),
        pytest.param({".gitattributes": "data/** filter=lfs diff=lfs merge=lfs -text\n"}, {"other/b.csv"},
                     id="folder-pattern"),
        pytest.param({"data/.gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n"}, {"other/b.csv"},
                     id="nested-gitattributes-applies-below-only"),
        pytest.param({".gitattributes": "*.csv text eol=lf\n"}, {"data/a.csv", "other/b.csv"},
                     id="non-lfs-attributes-do-not-count"),
        pytest.param({".gitattributes": "# *.csv filter=lfs\n"}, {"data/a.csv", "other/b.csv"},
                     id="commented-out-lfs-line"),
    ],
)
def test_dat001_git_lfs_patterns(tmp_path: Path, extra: dict[str, str], expected: set[str]) -> None:
    files = {"train.py": TRAIN, "data/a.csv": CSV, "other/b.csv": CSV, **extra}
    report = build(tmp_path, files)
    assert paths(report, "DAT001") == expected
    assert status(report, "DAT001") == ("fail" if expected else "pass")


def test_dat001_lfs_pointer_file_passes_without_gitattributes(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "data/big.parquet": LFS_POINTER, "data/small.csv": CSV})
    assert paths(report, "DAT001") == {"data/small.csv"}


@pytest.mark.parametrize(
    "dvc_files",
    [
        pytest.param({"data/raw.csv.dvc": "outs:\n- md5: abc\n  path: raw.csv\n"}, id="dot-dvc-file"),
        pytest.param({"data.dvc": "outs:\n- md5: abc.dir\n  path: data\n"}, id="dvc-tracked-folder"),
        pytest.param({"dvc.yaml": "stages:\n  prep:\n    cmd: python prep.py\n    outs:\n      - data/raw.csv\n"},
                     id="dvc-yaml-stage-out"),
        pytest.param({"dvc.yaml": "stages:\n  prep:\n    cmd: python prep.py\n    outs:\n      - data\n"},
                     id="dvc-yaml-folder-out"),
    ],
)
def test_dat001_dvc_tracked_paths_pass(tmp_path: Path, dvc_files: dict[str, str]) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN, **dvc_files})
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "raw.csv").write_text(CSV)  # in the work tree, not in git: DVC holds it
    assert status(audit(root), "DAT001") == "pass"


def test_dat001_dvc_tracks_only_what_it_names(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"train.py": TRAIN, "data/raw.csv.dvc": "outs:\n- path: raw.csv\n"})
    (root / "data" / "raw.csv").write_text(CSV)
    (root / "data" / "extra.csv").write_text(CSV)
    assert paths(audit(root), "DAT001") == {"data/extra.csv"}


def test_dat001_small_fixtures_under_tests_are_allowed_large_ones_are_not(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": config("fixture-max-kb = 1"),
        "train.py": TRAIN,
        "tests/fixtures/sample.csv": CSV,
        "tests/fixtures/big.csv": "x,y\n" + "1,2\n" * 600,  # 2.4 KB > 1 KB
        "docs/example.csv": CSV,
    }
    report = build(tmp_path, files)
    assert paths(report, "DAT001") == {"tests/fixtures/big.csv"}


def test_dat001_image_folder_counts_as_data_from_twenty_files(tmp_path: Path) -> None:
    images = {f"data/images/img_{i:02}.png": b"\x89PNG" for i in range(20)}
    few = {f"assets/logo_{i}.png": b"\x89PNG" for i in range(5)}
    report = build(tmp_path, {"train.py": TRAIN, **images, **few})
    assert paths(report, "DAT001") == set(images)


def test_dat001_extra_data_extensions_from_config(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "data/signal.dat": "1 2 3\n", "pyproject.toml": config('data-extensions = ["dat"]')}
    assert paths(build(tmp_path, files), "DAT001") == {"data/signal.dat"}
    files["pyproject.toml"] = config("")
    assert status(build(tmp_path / "plain", files), "DAT001") == "pass"


def test_dat001_not_applicable_outside_ml_projects(tmp_path: Path) -> None:
    report = build(tmp_path, {"report.py": "print('hello')\n", "sales.csv": CSV})
    assert status(report, "DAT001") == "not_applicable"
    assert result(report, "DAT001").reason.startswith("not an ML project")


# --------------------------------------------------------------------------- DAT002
def _big_history(tmp_path: Path, *, delete: bool) -> Path:
    files: dict[str, str | bytes] = {"pyproject.toml": config("large-file-mb = 0.01"), "train.py": TRAIN,
                                     "data/dump.jsonl": "{}\n" * 10_000, "small.txt": "x" * 500}
    root = make_repo(tmp_path, files)
    if delete:
        git(root, "rm", "-q", "data/dump.jsonl")
        git(root, "commit", "-q", "-m", "remove dump")
    return root


@pytest.mark.parametrize("delete", [False, True], ids=["present", "deleted-later"])
def test_dat002_large_blob_fires_even_after_deletion(tmp_path: Path, delete: bool) -> None:
    report = audit(_big_history(tmp_path, delete=delete))
    assert status(report, "DAT002") == "fail"
    assert locations(report, "DAT002") == [("data/dump.jsonl", None, None)]
    message = findings(report, "DAT002")[0].message
    assert ("since deleted" in message) is delete
    assert "29.3 KB" in message


def test_dat002_passes_below_the_threshold(tmp_path: Path) -> None:
    files = {"pyproject.toml": config("large-file-mb = 1"), "train.py": TRAIN, "data/dump.jsonl": "{}\n" * 10_000}
    assert status(build(tmp_path, files), "DAT002") == "pass"


def test_dat002_default_threshold_is_10_mb(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "notes.txt": "x" * 200_000})
    assert status(report, "DAT002") == "pass"


def test_dat002_not_applicable_without_git(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN}, git_init=False)
    assert status(report, "DAT002") == "not_applicable"
    assert result(report, "DAT002").reason == "not a git repository"


# --------------------------------------------------------------------------- DAT003
def test_dat003_data_read_without_versioning_fires_at_the_read(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": READ_CSV})
    assert status(report, "DAT003") == "fail"
    assert locations(report, "DAT003") == [("train.py", 4, None)]


def test_dat003_in_a_notebook_cell_carries_the_cell(tmp_path: Path) -> None:
    nb = notebook("import pandas as pd\nimport sklearn\n", "x = 1\ndf = pd.read_parquet('d.parquet')\n")
    report = build(tmp_path, {"analysis.ipynb": nb})
    assert locations(report, "DAT003") == [("analysis.ipynb", 2, 2)]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n"}, id="dvc-pipeline"),
        pytest.param({".dvc/config": "[core]\n"}, id="dvc-init"),
        pytest.param({"data/train.csv.dvc": "outs:\n- path: train.csv\n"}, id="dvc-file"),
        pytest.param({".gitattributes": "data/** filter=lfs diff=lfs merge=lfs -text\n"}, id="git-lfs"),
        pytest.param({"lake.py": "import lakefs\n"}, id="lakefs"),
        pytest.param({"lake.py": "from deltalake import DeltaTable\n"}, id="delta-lake"),
    ],
)
def test_dat003_versioning_passes(tmp_path: Path, extra: dict[str, str]) -> None:
    assert status(build(tmp_path, {"train.py": READ_CSV, **extra}), "DAT003") == "pass"


def test_dat003_not_applicable_when_no_data_is_used(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN})
    assert status(report, "DAT003") == "not_applicable"
    assert result(report, "DAT003").reason == "no data files or data loading found"


@pytest.mark.parametrize("call", ["fetch_openml('mnist_784')", "datasets.fetch_california_housing()"])
def test_dat003_a_dataset_fetched_from_a_hub_is_data_loading(tmp_path: Path, call: str) -> None:
    code = (f"from sklearn import datasets\nfrom sklearn.datasets import fetch_openml\n"
            f"from sklearn.linear_model import LogisticRegression\n\nX, y = {call}\nLogisticRegression().fit(X, y)\n")
    report = build(tmp_path, {"train.py": code})
    assert status(report, "DAT003") == "fail"
    assert locations(report, "DAT003") == [("train.py", 5, None)]


@pytest.mark.parametrize("call", ["self._refetch_target(name)", "client.fetch_user(uid)", "api.prefetch_items()"])
def test_dat003_a_method_named_fetch_is_not_data_loading(tmp_path: Path, call: str) -> None:
    """A pattern such as ``*fetch_*`` took any client's fetch method for a data set read (class 9: names too broad)."""
    code = f"class Deployment:\n    def update(self, name, client, api, uid):\n        return {call}\n"
    report = build(tmp_path, {"train.py": TRAIN, "deploy.py": code})
    assert status(report, "DAT003") == "not_applicable"


def test_dat003_data_files_alone_make_it_apply(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": TRAIN, "data/train.csv": CSV})
    assert status(report, "DAT003") == "fail"
    assert locations(report, "DAT003") == [("data/train.csv", None, None)]


# --------------------------------------------------------------------------- DAT004
def test_dat004_unvalidated_read_fires_at_the_read(tmp_path: Path) -> None:
    report = build(tmp_path, {"train.py": READ_CSV})
    assert status(report, "DAT004") == "fail"
    assert locations(report, "DAT004") == [("train.py", 4, None)]


@pytest.mark.parametrize("module", ["pandera", "great_expectations", "pydantic", "pandera.typing"])
def test_dat004_validation_library_passes(tmp_path: Path, module: str) -> None:
    report = build(tmp_path, {"train.py": READ_CSV, "src/validate.py": f"import {module}\n"})
    assert status(report, "DAT004") == "pass"


def test_dat004_validation_only_in_tests_does_not_count(tmp_path: Path) -> None:
    files = {"train.py": READ_CSV, "tests/test_data.py": "import pandera\n\n\ndef test_x():\n    assert pandera\n"}
    report = build(tmp_path, files)
    assert status(report, "DAT004") == "fail"
    assert status(report, "TST003") == "pass"  # the tests do check the data


def test_dat004_applies_from_a_data_reader_alias(tmp_path: Path) -> None:
    code = "from pandas import read_csv as rc\nimport torch\n\nframe = rc('x.csv')\n"
    report = build(tmp_path, {"load.py": code})
    assert locations(report, "DAT004") == [("load.py", 4, None)]


# --------------------------------------------------------------------------- DAT005
@pytest.mark.parametrize(
    ("literal", "fires"),
    [
        ('"/home/alice/data/train.csv"', True),
        ('"/Users/bob/models/m.pkl"', True),
        ('"/mnt/share/data"', True),
        ('r"C:\\Users\\carol\\data.csv"', True),
        ('"D:/datasets/x"', True),
        ('r"\\\\fileserver\\share\\x.csv"', True),
        ('"data/train.csv"', False),
        ('"/tmp/scratch.csv"', False),
        ('"/usr/bin/env"', False),
        ('"https://example.com/home/data.csv"', False),
        # where Windows installs software (a CUDA toolkit looked for), not a project's data
        ('"C:\\\\Program Files\\\\NVIDIA GPU Computing Toolkit\\\\CUDA\\\\v*\\\\version.txt"', False),
        ('"C:/Program Files (x86)/Tool/x.dll"', False),
        ('r"C:\\Windows\\System32\\x.dll"', False),
        ('r"C:\\Program Data\\train.csv"', True),
        ('r"C:\\ProgramFilesData\\train.csv"', True),
    ],
)
def test_dat005_absolute_paths(tmp_path: Path, literal: str, fires: bool) -> None:
    code = f"import os\n\n\nPATH = {literal}\n"
    report = build(tmp_path, {"src/paths.py": code})
    assert failing(report) >= {"DAT005"} if fires else "DAT005" not in failing(report)
    if fires:
        assert locations(report, "DAT005") == [("src/paths.py", 4, None)]


CONTAINER_CODE = """\
import modal

image = modal.Image.debian_slim().add_local_file("src/config.py", remote_path="/root/src/config.py")
TRAIN = "/data/training.csv"
WORK = "/app/models/model.pkl"
OUT = "/mnt/azure/output"
MINE = "/home/alice/data/train.csv"
ELSEWHERE = "/mnt/share/data"
"""


def test_dat005_paths_inside_the_repositorys_containers_are_not_a_machines(tmp_path: Path) -> None:
    """A volume mounted at /data by the pipeline spec, the image's WORKDIR, a compose volume, a ``remote_path=``,
    the same path on every machine. A home folder or a share the repository mounts
    nowhere is still one person's."""
    files = {
        "src/paths.py": CONTAINER_CODE,
        "pipeline.yaml": "spec:\n  volumeMounts:\n    - name: pvc\n      mountPath: /data\n",
        "docker-compose.yml": "services:\n  train:\n    volumes:\n      - ./azure:/mnt/azure\n",
        "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY . /app\n",
    }
    report = build(tmp_path, files)
    assert sorted(f.message for f in findings(report, "DAT005")) == [
        "hard-coded absolute path '/home/alice/data/train.csv'", "hard-coded absolute path '/mnt/share/data'"]


def test_dat005_without_containers_every_absolute_path_is_reported(tmp_path: Path) -> None:
    report = build(tmp_path, {"src/paths.py": CONTAINER_CODE})
    assert sorted(f.message.rpartition(" ")[2] for f in findings(report, "DAT005")) == [  # all but remote_path=
        "'/data/training.csv'", "'/home/alice/data/train.csv'", "'/mnt/azure/output'", "'/mnt/share/data'"]


POD_CODE = """\
def pod(pvc):
    mounts = [{'name': pvc, 'mountPath': '/mnt/' + pvc}]
    return {'command': ['ln', '-s', '/mnt/local-notebooks', '/home/jovyan/nb'], 'volumeMounts': mounts}


class Workflow:
    def __init__(self):
        self.mount_path = "/data/" + "test-volume"
        self.out = "/data/test-volume/output"
        self.mine = "/home/alice/train.csv"
"""


def test_dat005_places_the_code_mounts_in_containers_are_not_a_machines(tmp_path: Path) -> None:
    """The same places written in code: a pod spec's ``mountPath``, ``self.mount_path = "/data/..."``, a pipeline
    op's ``.add_pvolumes({"/mnt": volume})`` in a notebook cell. The home folders beside them are still one
    person's."""
    cell = 'op = dsl.ContainerOp(name="train").add_pvolumes({"/mnt": vop.volume})\nop.file = "/mnt/data/train.csv"\n'
    files = {"src/pods.py": POD_CODE, "pipeline.ipynb": notebook("import kfp.dsl as dsl\n", cell)}
    report = build(tmp_path, files)
    assert sorted(f.message.rpartition(" ")[2] for f in findings(report, "DAT005")) == [
        "'/home/alice/train.csv'", "'/home/jovyan/nb'"]


def test_dat005_a_path_named_mount_in_prose_is_no_mount(tmp_path: Path) -> None:
    source = 'HELP = "mount the share first"\nDATA = "/mnt/share/data.csv"\n'
    assert [f.message for f in findings(build(tmp_path, {"src/paths.py": source}), "DAT005")] == [
        "hard-coded absolute path '/mnt/share/data.csv'"]


def test_dat005_notebook_cell_and_tests_exempt(tmp_path: Path) -> None:
    files = {
        "nb.ipynb": notebook("import os\n", "os.listdir('.')\ndf = open('/data/raw/x.csv')\n"),
        "tests/test_io.py": "def test_io():\n    assert '/home/ci/fixture.csv'\n",
    }
    report = build(tmp_path, files)
    assert locations(report, "DAT005") == [("nb.ipynb", 2, 2)]


def test_dat005_not_applicable_without_python(tmp_path: Path) -> None:
    report = build(tmp_path, {"README.md": "Data lives in /home/alice/data\n"})
    assert status(report, "DAT005") == "not_applicable"


def test_dat001_a_file_dvc_versions_but_git_still_tracks_is_in_git(tmp_path: Path) -> None:
    # DVC refuses to version what git tracks: the .dvc file beside it does not take the data out of git
    files = {"train.py": TRAIN, "data/raw.csv": "a,b\n" * 10,
             "data/raw.csv.dvc": "outs:\n- md5: 0\n  path: raw.csv\n"}
    report = build(tmp_path, files)
    (finding,) = findings(report, "DAT001")
    assert finding.path == "data/raw.csv" and "still tracked in git" in finding.message


def test_dat001_a_file_dvc_versions_and_git_ignores_passes(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "data/.gitignore": "/raw.csv\n",
             "data/raw.csv.dvc": "outs:\n- md5: 0\n  path: raw.csv\n"}
    root = make_repo(tmp_path, files)
    (root / "data" / "raw.csv").write_text("a,b\n" * 10)
    assert status(audit(root), "DAT001") == "pass"


def test_dat001_documentation_screenshots_are_not_a_data_set(tmp_path: Path) -> None:
    pictures = {f"img/screen-{i}.png": b"\x89PNG" + bytes([i]) for i in range(25)}
    report = build(tmp_path, {"train.py": TRAIN, **pictures})
    assert status(report, "DAT001") == "pass"


def test_dat001_an_image_set_under_data_is_data_even_in_an_images_folder(tmp_path: Path) -> None:
    pictures = {f"data/images/cat-{i}.png": b"\x89PNG" + bytes([i]) for i in range(25)}
    report = build(tmp_path, {"train.py": TRAIN, **pictures})
    assert len(findings(report, "DAT001")) == 25


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)
    return buffer.getvalue()


def test_dat001_a_zip_of_source_code_is_code_whatever_its_name(tmp_path: Path) -> None:
    """Judged by its members' names (never extracted): source and configuration with a program among them is a
    code bundle (a Lambda package, a zip of the repository's source); one holding data, or only text, is data."""
    files = {"train.py": TRAIN,
             "train_cfg/TrainModel-BYO.zip": _zip({"TrainModel.py": "x = 1\n", "requirements.txt": "boto3\n"}),
             "release/source.zip": _zip({"pkg/__init__.py": "", "pkg/app.py": "x = 1\n", "README.md": "# x\n",
                                        "template.yaml": "a: 1\n", "LICENSE": "MIT\n"}),
             "data/bundle.zip": _zip({"load.py": "x = 1\n", "train.csv": "a,b\n1,2\n"}),
             "data/notes.zip": _zip({"notes.txt": "hello\n"}),
             "data/fake.zip": b"PK\x03\x04 not really a zip"}
    assert paths(build(tmp_path, files), "DAT001") == {"data/bundle.zip", "data/notes.zip", "data/fake.zip"}


def test_dat001_a_zipped_function_bundle_is_code_not_data(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, "lambda/deploy.py": "x = 1\n", "lambda/deploy.py.zip": b"PK\x03\x04x",
             "lambda/data.zip": b"PK\x03\x04y"}
    assert paths(build(tmp_path, files), "DAT001") == {"lambda/data.zip"}


# --------------------------------------------------------------------------- package data: a resource, not a data set
VOCAB = "word " * 140_000  # 700 KB: above the history's small-file threshold (fixture-max-kb, 512)
PACKAGE = {"setup.py": "from setuptools import setup\nsetup(name='tok', packages=['tok'])\n",
           "tok/__init__.py": "", "tok/tokenizer.py": "import gzip\nVOCAB = 'bpe_vocab.txt.gz'\n",
           "train.py": TRAIN, "tok/bpe_vocab.txt.gz": VOCAB}


@pytest.mark.parametrize("declared", [
    {"MANIFEST.in": "include tok/bpe_vocab.txt.gz\n"},
    {"MANIFEST.in": "# resources\nrecursive-include tok *.gz *.json\n"},
    {"MANIFEST.in": "graft tok\n"},
    {"pyproject.toml": '[tool.setuptools.package-data]\ntok = ["*.txt.gz"]\n'},
    {"setup.cfg": "[options.package_data]\ntok =\n    *.gz\n    data/*.json\n"},
], ids=["include", "recursive-include", "graft", "pyproject", "setup.cfg"])
def test_a_packaged_resource_is_no_data_set(tmp_path: Path, declared: dict[str, str]) -> None:
    report = build(tmp_path, {**PACKAGE, **declared})
    assert status(report, "DAT001") == "pass"
    assert status(report, "DAT002") == "pass"


@pytest.mark.parametrize("declared", [
    {},  # nothing declared: a data set committed beside the code
    {"MANIFEST.in": "include tok/other.txt.gz\nrecursive-include docs *.gz\n"},  # declares other files
    {"MANIFEST.in": "include ../tok/bpe_vocab.txt.gz\ninclude /tok/bpe_vocab.txt.gz\n"},  # outside the folder
], ids=["undeclared", "other-files", "outside"])
def test_data_a_distribution_does_not_declare_is_data(tmp_path: Path, declared: dict[str, str]) -> None:
    report = build(tmp_path, {**PACKAGE, **declared})
    assert [f.path for f in findings(report, "DAT001")] == ["tok/bpe_vocab.txt.gz"]
    assert [f.path for f in findings(report, "DAT002")] == ["tok/bpe_vocab.txt.gz"]


def test_a_large_packaged_file_is_still_a_large_file_in_history(tmp_path: Path) -> None:
    files = {**PACKAGE, "MANIFEST.in": "graft tok\n", "pyproject.toml": config("large-file-mb = 0.1")}
    assert [f.path for f in findings(build(tmp_path, files), "DAT002")] == ["tok/bpe_vocab.txt.gz"]


# --------------------------------------------------------------------------- pictures of the docs, files tools generate
PNG = "\x89PNG\r\n\x1a\n" + "x" * 2000


@pytest.mark.parametrize("folder", [".github/README-img", "docs-images", "readme_assets"])
def test_dat001_pictures_of_the_documentation_are_no_data_set(tmp_path: Path, folder: str) -> None:
    files = {"train.py": TRAIN, **{f"{folder}/shot{i}.png": PNG for i in range(25)}}
    assert status(build(tmp_path, files), "DAT001") == "pass"


def test_dat001_an_image_folder_of_data_is_still_data(tmp_path: Path) -> None:
    files = {"train.py": TRAIN, **{f"data/images/cat{i}.png": PNG for i in range(25)}}
    assert status(build(tmp_path, files), "DAT001") == "fail"


def test_files_a_tool_generated_are_neither_data_nor_models(tmp_path: Path) -> None:
    """Sphinx's ``docs/_build/doctrees/environment.pickle`` and bytecode caches: not a model (MOD001), not in
    history as one (DAT002); the same file elsewhere is."""
    cache = "x" * 700_000
    report = build(tmp_path, {"train.py": TRAIN, "docs/_build/doctrees/environment.pickle": cache,
                              "src/__pycache__/table.pkl": cache})
    assert status(report, "MOD001") == "pass" and status(report, "DAT002") == "pass"
    flagged = build(tmp_path / "b", {"train.py": TRAIN, "docs/build/environment.pickle": cache})
    assert status(flagged, "MOD001") == "fail" and status(flagged, "DAT002") == "fail"


IRIS = ("from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n\n"
        "X, y = load_iris(return_X_y=True)\nLogisticRegression(random_state=0).fit(X, y)\n")


def test_a_toy_data_set_bundled_with_the_library_is_no_data_to_version(tmp_path: Path) -> None:
    """scikit-learn's ``load_iris()`` reads a file inside the installed library, versioned by its pin: no data
    of the project to version or validate. A file the project reads is."""
    report = build(tmp_path, {"train.py": IRIS})
    assert status(report, "DAT003") == "not_applicable" and status(report, "DAT004") == "not_applicable"
    csv = build(tmp_path / "csv", {"train.py": IRIS.replace("X, y = load_iris(return_X_y=True)",
                                                            "import pandas as pd\ndf = pd.read_csv('d.csv')\n"
                                                            "X, y = df[['a']], df['y']")})
    assert status(csv, "DAT003") == "fail" and status(csv, "DAT004") == "fail"
