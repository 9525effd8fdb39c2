"""Whatever a file holds, reading it gives an answer or a reason (AUD001), never an exception out of the facts;
and a file that exists but cannot be read is not taken for an absent one."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from mlops_audit import tomlread
from mlops_audit.catalogue import all_rules
from mlops_audit.config import Config, apply_section, discover
from mlops_audit.engine import run_audit
from mlops_audit.facts import code, workers, yamlsafe
from mlops_audit.facts.code import analyse
from mlops_audit.facts.docker import Dockerfile, parse_dockerfile
from mlops_audit.facts.manifests import LICENSE, LOCK, PYTHON, REQUIREMENTS, Manifests
from mlops_audit.facts.notebooks import parse_notebook
from mlops_audit.facts.repo import MAX_TEXT_BYTES, RepoFacts
from mlops_audit.models import CheckUnavailable
from repo_builder import make_repo


# ------------------------------------------------------------------------------------------ Python sources
@pytest.mark.parametrize(("source", "words"), [
    ("x = " + "(" * 5000 + ")" * 5000, "nested parentheses"),
    ("x = " + "-" * 200_000 + "1", "out of memory"),  # MemoryError() has no message: once "syntax error: "
    ("x = 1\0", "null bytes"),
    ("def f(:\n", "syntax error at line 1"),
])
def test_a_source_that_does_not_parse_gets_a_reason(source: str, words: str) -> None:
    info = analyse(source)
    assert info.error and words in info.error
    assert not info.error.rstrip().endswith(":")


def test_chained_calls_thousands_deep_are_analysed() -> None:
    info = analyse("x = f" + "()" * 1500 + "\n")  # was a RecursionError out of the call-name walk
    assert info.error is None
    assert info.calls and all(len(c.name) <= code.MAX_CALL_NAME for c in info.calls)
    assert "f" in {c.name for c in info.calls}


def _recursive_dotted(node: ast.AST) -> str | None:
    """The recursive reference the loop in facts.code._dotted replaced."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = _recursive_dotted(node.func)
        if inner is not None:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return None


@pytest.mark.parametrize("source", ["a.b().c.d()", "f()()", "x.y.z()", "mlflow.MlflowClient().transition(x)",
                                    "a[0].b()", "(lambda: 1)()", "a.b().c().d.e()", "f()[0]()", "g(x)(y).z()"])
def test_call_names_are_those_of_the_recursive_walk(source: str) -> None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            assert code._dotted(node.func) == _recursive_dotted(node.func), source


def test_an_analysis_that_raises_is_the_files_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: str, *, filename: str = "") -> code.CodeInfo:
        raise KeyError("surprise")

    monkeypatch.setattr(workers, "analyse", broken)
    (info,) = workers.analyse_many([("x = 1\n", "a.py")])
    assert info.error == "could not be analysed: 'surprise'"


# ------------------------------------------------------------------------------------------ TOML, YAML, JSON
@pytest.mark.parametrize(("text", "words"), [
    ("a = " + "[" * 10_000 + "]" * 10_000, "nested too deeply"),
    ("a = " + "1" * 5000, "cannot be read"),  # Python refuses to build an int of 5,000 digits
    ("a = [", "Invalid value"),
])
def test_toml_that_cannot_be_read_is_a_decode_error(text: str, words: str) -> None:
    with pytest.raises(tomlread.TOMLDecodeError, match=words):
        tomlread.loads(text)


@pytest.mark.parametrize(("text", "words"), [
    ("when: 2023-02-30\n", "day is out of range"),
    ("n: " + "1" * 5000 + "\n", "integer string conversion"),
    ("a: [\n", "invalid YAML"),
])
def test_yaml_that_cannot_be_built_is_a_value_error(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        yamlsafe.load(text)


@pytest.mark.parametrize("raw", [b'{"cells": [], "n": ' + b"1" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000])
def test_notebook_json_that_cannot_be_read_is_an_error(raw: bytes) -> None:
    nb = parse_notebook(raw)
    assert nb.error and nb.error.startswith("not")


def test_a_pyproject_config_of_any_shape_is_a_finding(tmp_path: Path) -> None:
    for text in ('[tool]\nmlops-audit = 5\n', '[tool.mlops-audit]\nmin-score = inf\n',
                 "a = " + "[" * 10_000 + "]" * 10_000 + "\n"):
        root = make_repo(tmp_path / str(abs(hash(text))), {"pyproject.toml": text}, git_init=False)
        cfg = discover(root)
        assert cfg.problems, text


def test_a_huge_configuration_file_is_not_read(tmp_path: Path) -> None:
    from mlops_audit.config import MAX_CONFIG_BYTES

    text = "[tool.mlops-audit]\nignore = ['DAT']\n" + "# padding\n" * (MAX_CONFIG_BYTES // 10)
    root = make_repo(tmp_path / "r", {"pyproject.toml": text}, git_init=False)
    cfg = discover(root)
    assert cfg.ignore == {} and any("larger than" in message for _, message in cfg.problems)


def test_min_score_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        apply_section(Config(), {"min-score": float("inf")})


@pytest.mark.parametrize("rule", [
    {"applies_when": [{"a": 1}]},  # unhashable where a condition name goes
    {"references": 5},
    {"pillar": {"x": 1}},
    {"check": {"any_of": [5]}},
])
def test_a_custom_rule_of_any_shape_is_a_problem_not_a_crash(rule: dict[str, Any]) -> None:
    base = {"id": "ORG001", "pillar": "governance", "severity": "info", "level": 1, "title": "t", "why": "w",
            "fix": "f", "check": {"any_file": ["x"]}}
    rules, problems = all_rules([{**base, **rule}], cache=False)
    assert problems and "ORG001" in problems[0]
    assert "ORG001" not in {r.id for r in rules}


# ------------------------------------------------------------------------------------------ unreadable, not absent
def test_a_manifest_that_could_not_be_read_makes_its_declarations_unknown() -> None:
    out = Manifests(files=["requirements.txt"])
    assert out.requirements == [] and out.python_version == []
    out.mark_unread("requirements.txt", "too large to read (2.0 MB); skipped", REQUIREMENTS, LOCK)
    with pytest.raises(CheckUnavailable, match=r"requirements\.txt: too large"):
        _ = out.requirements
    with pytest.raises(CheckUnavailable):
        _ = out.lock_files
    out.found_lock_files.append("uv.lock")
    assert out.lock_files == ["uv.lock"]  # found elsewhere: known
    assert out.python_version == [] and out.license_declared is False  # not what that file declares
    out.mark_unread("pyproject.toml", "not valid UTF-8; skipped", PYTHON, LICENSE)
    with pytest.raises(CheckUnavailable, match=r"pyproject\.toml"):
        _ = out.python_version


def test_a_dockerfile_that_could_not_be_read_has_unknown_stages() -> None:
    assert parse_dockerfile("FROM python:3.11\nUSER app\n", "Dockerfile").final is not None
    unread = Dockerfile("Dockerfile", problem="too large to read (3.0 MB); skipped")
    with pytest.raises(CheckUnavailable, match=r"Dockerfile: too large"):
        _ = unread.stages
    with pytest.raises(CheckUnavailable):
        _ = unread.final


def test_too_large_files_are_listed_with_their_reason(tmp_path: Path) -> None:
    pad = "# padding\n" * (MAX_TEXT_BYTES // 10 + 1)
    root = make_repo(tmp_path / "r", {"requirements.txt": "numpy\n" + pad, "Dockerfile": "FROM python\n" + pad,
                                      ".gitlab-ci.yml": "test:\n  script: pytest\n" + pad, "a.py": "import os\n"})
    facts = RepoFacts(root, discover(root))
    assert facts.manifests.files == ["requirements.txt"]
    assert [d.path for d in facts.dockerfiles] == ["Dockerfile"] and facts.dockerfiles[0].problem
    assert [c.path for c in facts.ci_files] == [".gitlab-ci.yml"]
    with pytest.raises(CheckUnavailable):
        _ = facts.ci_files[0].runs_tests
    report = run_audit(root, discover(root), cache=False)
    status = {r.rule.id: (r.status, r.reason) for r in report.results}
    assert status["REP001"][0] == "pass" and status["AUT001"][0] == "pass"
    assert status["REP002"][0] == "error" and "requirements.txt" in str(status["REP002"][1])
    assert status["AUT002"][0] == "error" and ".gitlab-ci.yml" in str(status["AUT002"][1])
