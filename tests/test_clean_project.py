"""The clean, well-structured fixture project gets no finding and level 3; breaking one piece fires its rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ml_fixtures import (
    as_json,
    build,
    clean_project,
    drop_lines,
    findings,
    replace,
    with_status,
    without,
)
from mlops_audit.catalogue import builtin_rules
from repo_builder import audit, failing, git, make_repo, notebook

Mutation = Callable[[dict[str, str]], dict[str, str]]


def test_clean_project_has_no_findings_and_reaches_level_3(tmp_path: Path) -> None:
    report = build(tmp_path / "repo", clean_project())
    assert report.findings == []
    assert with_status(report, "fail", "error", "ignored", "not_applicable") == set()
    assert len(report.results) == len(builtin_rules()) == 51
    assert report.level == 3
    assert report.next_level == []
    assert report.score == 100
    assert report.ml_project
    doc = as_json(report)
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0, "findings": 0}
    assert doc["level"] == 3 and doc["next_level"] is None


def test_clean_project_every_pass_has_its_reason(tmp_path: Path) -> None:
    """Spot-check that the rules pass for the intended piece, not by accident."""
    report = build(tmp_path / "repo", clean_project())
    reasons = {r.rule.id: r.reason for r in report.results}
    assert reasons["DAT003"] == "DVC"
    assert reasons["REP003"] == "requirements.lock"
    assert reasons["REP004"] == "pyproject.toml (requires-python)"
    assert reasons["MOD005"] == "params.yaml"
    assert reasons["AUT001"] == "github"
    assert reasons["AUT003"] == "dvc.yaml"
    assert reasons["AUT004"] == "scheduled CI"
    assert reasons["DEP001"] == "src/churn/serve.py"
    assert reasons["DES001"] == "README.md"
    assert reasons["MON004"] == "monitoring/alerts.yml"  # found by its `alert:` + `expr` content
    assert report.ml_evidence[0].startswith("ML library imports")


def _sub_all(path: str, old: str, new: str) -> Mutation:
    def mutate(files: dict[str, str]) -> dict[str, str]:
        return replace(files, path, old, new, count=-1)
    return mutate


def _drop(path: str, *needles: str) -> Mutation:
    return lambda files: drop_lines(files, path, needles)


def _remove(*names: str) -> Mutation:
    return lambda files: without(files, *names)


def _add(extra: dict[str, str]) -> Mutation:
    return lambda files: {**files, **extra}


def _chain(*mutations: Mutation) -> Mutation:
    def mutate(files: dict[str, str]) -> dict[str, str]:
        for m in mutations:
            files = m(files)
        return files
    return mutate


BIG_NOTEBOOK = notebook("\n".join(f"value_{i} = {i} * 2" for i in range(400)))
TOOL_SECTION = "\n[tool.mlops-audit]\n"

# (piece broken, mutation, exact set of rules that must fail)
BREAKS: list[tuple[str, Mutation, set[str]]] = [
    ("data file committed next to the DVC-tracked one", _add({"data/extra.csv": "a,b\n1,2\n"}), {"DAT001"}),
    ("notebook server open to anyone",
     _sub_all("scripts/lab.sh", "--ip=127.0.0.1", "--ip=0.0.0.0 --ServerApp.token=''"), {"GOV004"}),
    ("data snapshot unpacked with every member trusted",
     _sub_all("src/churn/data.py", 'tar.extractall(target, filter="data")', "tar.extractall(target)"), {"GOV006"}),
    ("CORS for every origin with credentials",
     _sub_all("src/churn/serve.py", '["https://crm.example.com"]', '["*"]'), {"GOV005"}),
    ("large blob in history",
     _chain(_add({"docs/big.md": "x" * 60_000}),
            lambda f: replace(f, "pyproject.toml", "[build-system]", "[tool.mlops-audit]\nlarge-file-mb = 0.05\n\n"
                              "[build-system]")),
     {"DAT002"}),
    ("no data versioning: pipeline moved to a Makefile, DVC dropped",
     _chain(_remove("dvc.yaml", ".dvc/config", ".dvcignore", "data/raw.csv.dvc"),
            _add({"Makefile": "train:\n\tpython -m churn.train\n"})),
     {"DAT003"}),
    ("no validation library (pandera for data, pydantic for requests)",
     _chain(_drop("src/churn/data.py", "import pandera"), _drop("src/churn/serve.py", "from pydantic")),
     {"DAT004", "DEP007"}),
    ("absolute data path", _sub_all("src/churn/data.py", 'DATA_DIR / "raw.csv"', '"/home/alice/churn/raw.csv"'),
     {"DAT005"}),
    ("model committed outside the ignored models/", _add({"artifacts/churn.onnx": "onnx-bytes"}), {"MOD001"}),
    ("no experiment tracking import", _drop("src/churn/train.py", "import mlflow"), {"MOD002"}),
    ("model not registered",  # nor versioned: the pipeline's model output is not kept by DVC either
     _chain(_sub_all("src/churn/train.py", ', registered_model_name="churn"', ""),
            _sub_all("dvc.yaml", "      - models/model.onnx\n", "      - metrics.json\n")), {"MOD003"}),
    ("no random seed",
     _chain(_drop("src/churn/train.py", ".seed("), _sub_all("src/churn/train.py", ', random_state=params["seed"]', "")),
     {"MOD004"}),
    ("hyper-parameters in code",
     _chain(_remove("params.yaml"), _drop("src/churn/train.py", "import yaml")), {"MOD005"}),
    ("unsafe model load",
     _add({"src/churn/legacy.py": "import joblib\n\n\ndef old_model():\n    return joblib.load('m.joblib')\n"}),
     {"MOD006"}),
    ("no dependency manifest", _remove("pyproject.toml", "requirements.lock"), {"REP001"}),
    ("unpinned dependency", _sub_all("pyproject.toml", '"uvicorn==0.30.6"', '"uvicorn"'), {"REP002"}),
    ("no lock file", _remove("requirements.lock"), {"REP003"}),
    ("no Python version anywhere",
     _chain(_drop("pyproject.toml", "requires-python"),
            _sub_all("Dockerfile", "python:3.11.9-slim", "debian:12.7-slim"),
            _drop(".github/workflows/ci.yml", "python-version"), _drop(".github/workflows/ci.yml", "with:")),
     {"REP004"}),
    ("code mostly in notebooks", _add({"notebooks/scratch.ipynb": BIG_NOTEBOOK}), {"REP005"}),
    ("notebook outputs", _add({"notebooks/explore.ipynb": notebook("x = 1\n", outputs=True, counts=[1])}),
     {"REP006"}),
    ("notebook out of order", _add({"notebooks/explore.ipynb": notebook("x = 1\n", "y = 2\n", counts=[2, 1])}),
     {"REP007"}),
    ("no tests", _remove("tests/test_data.py", "tests/test_model.py", "tests/test_api.py"), {"TST001"}),
    ("a test asserts nothing", _add({"tests/test_smoke.py": "def test_runs():\n    print('hi')\n"}), {"TST002"}),
    ("no data tests", _remove("tests/test_data.py"), {"TST003"}),
    ("no model tests", _remove("tests/test_model.py"), {"TST004"}),
    ("no API tests", _remove("tests/test_api.py"), {"TST005"}),
    ("no CI", _remove(".github/workflows/ci.yml"), {"AUT001"}),
    ("CI runs no tests", _drop(".github/workflows/ci.yml", "pytest"), {"AUT002"}),
    ("no pipeline definition", _remove("dvc.yaml"), {"AUT003"}),
    ("no continuous training: no schedule, no retrain trigger",
     _chain(_drop(".github/workflows/ci.yml", "schedule:", "cron:"), _remove("src/churn/drift.py"),
            _add({"src/churn/drift.py": "from scipy.stats import ks_2samp\n\n\ndef drifted(a, b):\n"
                                        "    return ks_2samp(a, b).pvalue < 0.01\n"})),
     {"AUT004"}),
    ("no inference entry point", _remove("src/churn/serve.py"), {"DEP001"}),
    ("no Dockerfile", _remove("Dockerfile"), {"DEP002"}),
    ("unpinned base image", _sub_all("Dockerfile", "FROM python:3.11.9-slim\n", "FROM python:latest\n"), {"DEP003"}),
    ("container runs as root", _drop("Dockerfile", "USER app"), {"DEP004"}),
    ("no HEALTHCHECK", _drop("Dockerfile", "HEALTHCHECK"), {"DEP005"}),
    ("no .dockerignore", _remove(".dockerignore"), {"DEP006"}),
    ("no /health route", _drop("src/churn/serve.py", '@app.get("/health")'), {"DEP008"}),
    ("no drift detection", _remove("src/churn/drift.py"), {"MON001"}),
    ("no service metrics", _drop("src/churn/serve.py", "from prometheus_client"), {"MON002"}),
    ("predictions not logged", _drop("src/churn/serve.py", "logger", "logging"), {"MON003"}),
    ("no alerting", _remove("monitoring/alerts.yml"), {"MON004"}),
    ("secret committed", _add({".env": "OPENAI_API_KEY=sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" + "\n"}),
     {"GOV001"}),
    ("no model card", _remove("MODEL_CARD.md"), {"GOV002"}),
    ("no license", _remove("LICENSE"), {"GOV003"}),
    ("no README", _remove("README.md"), {"DES001"}),
    ("no design doc", _remove("docs/design.md"), {"DES002"}),
    ("version in a file name", _add({"docs/design_v2.md": "# Design, take two\n"}), {"VER002"}),
    ("unparsable module", _add({"src/churn/broken.py": "def oops(:\n    pass\n"}), {"AUD001"}),
    ("unusable configuration", lambda f: {**f, "pyproject.toml": f["pyproject.toml"] + TOOL_SECTION + "colour = 1\n"},
     {"AUD002"}),
]


@pytest.mark.parametrize(("piece", "mutation", "expected"), BREAKS, ids=[b[0] for b in BREAKS])
def test_breaking_one_piece_fires_exactly_its_rule(
    tmp_path: Path, piece: str, mutation: Mutation, expected: set[str]
) -> None:
    report = build(tmp_path / "repo", mutation(clean_project()))
    assert failing(report) == expected, piece
    for rule_id in expected:
        assert findings(report, rule_id), rule_id


def test_every_rule_is_broken_by_some_piece() -> None:
    covered = set().union(*(expected for _, _, expected in BREAKS)) | {"VER001"}
    assert covered == {r.id for r in builtin_rules()}


def test_not_under_git_fires_only_ver001(tmp_path: Path) -> None:
    report = build(tmp_path / "repo", clean_project(), git_init=False)
    assert failing(report) == {"VER001"}
    assert with_status(report, "not_applicable") == {"DAT002"}


def test_large_blob_deleted_in_a_later_commit_still_fires(tmp_path: Path) -> None:
    files = replace(clean_project(), "pyproject.toml", "[build-system]",
                    "[tool.mlops-audit]\nlarge-file-mb = 0.05\n\n[build-system]")
    root = make_repo(tmp_path / "repo", {**files, "data/dump.jsonl": "{}\n" * 30_000})
    git(root, "rm", "-q", "data/dump.jsonl")
    git(root, "commit", "-q", "-m", "drop the dump")
    report = audit(root)
    assert failing(report) == {"DAT002"}
    (finding,) = findings(report, "DAT002")
    assert finding.path == "data/dump.jsonl"
    assert "since deleted" in finding.message
