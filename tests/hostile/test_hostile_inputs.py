"""Small hostile repositories that used to hang the audit or end it (exit 3), run through the real CLI: patterns
that backtrack, files nested too deeply for a parser, a cache directory a pull request can write, files too large
to read taken for absent ones. Each run must end in time, inert (exit 0 or 1, no traceback), and say what it
could not read."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Sandbox, assert_inert
from mlops_audit import catalogue
from mlops_audit.facts.codec import seal
from repo_builder import make_repo, notebook, write_files

TRAIN = ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
         "df = pd.read_csv('data.csv')\nLogisticRegression().fit(df[['a']], df['b'])\n")
BIG = 2 * 1024 * 1024  # over the 1 MB a text file is read up to


def audit_json(sandbox: Sandbox, *args: str, **env: str) -> dict[str, Any]:
    proc = sandbox.run(".", "-f", "json", *args, **env)
    assert_inert(proc, sandbox)
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def rule(doc: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in doc["rules"] if r["id"] == rule_id)


def messages(doc: dict[str, Any], rule_id: str) -> dict[str, str]:
    """path -> message of each finding of ``rule_id``."""
    return {f["path"]: f["message"] for f in doc["findings"] if f["rule"] == rule_id}


# ------------------------------------------------------------------------------------------ 1. linear matching
def test_backtracking_globs_in_gitattributes_and_exclude_do_not_hang(sandbox: Sandbox) -> None:
    glob = "*a*a*a*a*a*a*a*a*b.csv"  # exponential in a backtracking regex on a long name of a's
    name = "a" * 240  # file names stop at 255 bytes; 240 a's already take years to backtrack over
    make_repo(sandbox.repo, {
        f"data/{name}": "1\n", f"data/{name}.csv": "a,b\n", "train.py": TRAIN,
        "data/" + "/".join(["x"] * 60) + "/w.py": "import os\n",
    })
    # written after the commit: git's own wildmatch backtracks too, `git add` would hang on these attributes
    write_files(sandbox.repo, {
        ".gitattributes": f"{glob} filter=lfs diff=lfs merge=lfs -text\n",
        "pyproject.toml": f'[tool.mlops-audit]\nexclude = ["{glob}", "**/x/**/y/**/z"]\n',
    })
    doc = audit_json(sandbox, "--no-cache")
    assert rule(doc, "AUD002")["status"] == "pass"


def test_a_backtracking_custom_rule_regex_does_not_hang(sandbox: Sandbox) -> None:
    rules = """
[[tool.mlops-audit.rules]]
id = "ORG001"
pillar = "governance"
severity = "error"
level = 1
title = "No debug flags"
why = "w"
fix = "f"
check = { no_text = { files = ["*.txt"], pattern = "^(a|aa)+$" } }

[[tool.mlops-audit.rules]]
id = "ORG002"
pillar = "governance"
severity = "error"
level = 1
title = "Backreference"
why = "w"
fix = "f"
check = { no_call = ["(p)\\\\1rint"] }
"""
    make_repo(sandbox.repo, {"pyproject.toml": "[tool.mlops-audit]\n" + rules,
                             "notes.txt": "a" * 100_000 + "b\n", "a.py": "print(1)\n"})
    proc = sandbox.run(".", "-f", "json", "--no-cache")  # a rule RE2 refuses is a configuration error
    assert_inert(proc, sandbox, codes=(2,))
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1
    assert "ORG002" in proc.stderr and "refused" in proc.stderr and "RE2" in proc.stderr
    (sandbox.repo / "pyproject.toml").write_text("[tool.mlops-audit]\n" + rules.split("\n\n")[0] + "\n")
    doc = audit_json(sandbox, "--no-cache")  # the backtracking-prone one runs under RE2, linearly
    assert rule(doc, "ORG001")["status"] == "pass"


# ------------------------------------------------------------------------------------------ 2. nothing ends the run
NESTED = {
    "calls.py": "x = f" + "()" * 1500 + "\n",  # 3 KB: used to be a RecursionError in the call-name walk
    "parens.py": "x = " + "(" * 5000 + ")" * 5000 + "\n",
    "unary.py": "x = " + "-" * 200_000 + "1\n",  # the parser runs out of memory: used to say "syntax error: "
    "nul.py": "x = 1\n" * 2000 + "\0\n",  # past the 8 KB binary sniff: the parser refuses the null byte
    "deep.ipynb": "[" * 100_000 + "]" * 100_000,
    "digits.ipynb": '{"cells": [], "n": ' + "1" * 5000 + "}",
    "dvc.yaml": "stages: " + "[" * 20_000 + "]" * 20_000 + "\n",  # valid (PyYAML builds it without recursion)
    "model.pkl.dvc": "outs:\n- path: model.pkl\n  when: 2023-02-30\n",  # a date PyYAML cannot build
    "environment.yml": "dependencies: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "Pipfile": "[packages]\nx = " + "[" * 10_000 + "]" * 10_000 + "\n",
    ".github/workflows/ci.yml": "on: " + "[" * 20_000 + "]" * 20_000 + "\n",
}


def test_files_nested_too_deeply_are_findings_not_an_abort(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, {**NESTED, "pyproject.toml": "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
                             "train.py": TRAIN})
    doc = audit_json(sandbox, "--no-cache")
    unreadable = messages(doc, "AUD001")
    for path in ("parens.py", "unary.py", "nul.py", "deep.ipynb", "digits.ipynb", "model.pkl.dvc", "Pipfile"):
        assert path in unreadable, (path, unreadable)
        assert unreadable[path].strip().rstrip(":").split(":")[-1].strip(), unreadable[path]  # never empty
    assert "out of memory" in unreadable["unary.py"]
    assert "null bytes" in unreadable["nul.py"]
    assert "calls.py" not in unreadable  # deep, but Python parses it: analysed
    config = messages(doc, "AUD002")
    assert "nested too deeply" in config["pyproject.toml"]


def test_hostile_sources_analysed_in_worker_processes(sandbox: Sandbox) -> None:
    """Enough files for the analysis to run in forked workers: their errors come back as the files' findings."""
    files: dict[str, str | bytes] = {f"pkg/m{i}.py": f"import os\nx = {i}\n" for i in range(300)}
    files.update({k: v for k, v in NESTED.items() if k.endswith(".py")})
    make_repo(sandbox.repo, files)
    doc = audit_json(sandbox, "--no-cache")
    unreadable = messages(doc, "AUD001")
    assert {"parens.py", "unary.py", "nul.py"} <= set(unreadable)
    assert not any(p.startswith("pkg/") for p in unreadable)


# ------------------------------------------------------------------------------------------ 3. the cache directory
def _planted_catalogue(cache: Path, *, sealed: bool) -> Path:
    """A compiled catalogue with no rules at all, where the audit looks for one."""
    cache.mkdir(parents=True, exist_ok=True)
    path = catalogue._compiled_path(cache)
    body = json.dumps({"digest": catalogue.catalogue_digest(), "files": []}).encode()
    path.write_bytes(seal(body, catalogue._SEAL_KEY) if sealed else body)
    return path


def test_a_planted_catalogue_with_no_rules_is_ignored(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, {"train.py": TRAIN, "data.csv": "a,b\n1,0\n"})
    _planted_catalogue(sandbox.home / "cache", sealed=False)  # the sandbox's MLOPS_AUDIT_CACHE_DIR
    doc = audit_json(sandbox)
    assert len(doc["rules"]) == len(catalogue.builtin_rules(False)) and doc["score"] < 100


def test_with_no_cache_the_cache_directory_is_not_used(sandbox: Sandbox) -> None:
    """Even a catalogue sealed as ours (the seal's key is no secret) is not used with --no-cache."""
    make_repo(sandbox.repo, {"train.py": TRAIN, "data.csv": "a,b\n1,0\n"})
    _planted_catalogue(sandbox.home / "cache", sealed=True)
    doc = audit_json(sandbox, "--no-cache")
    assert len(doc["rules"]) == len(catalogue.builtin_rules(False)) and doc["score"] < 100
    assert not list((sandbox.home / "cache").glob("code-*"))  # and nothing written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_fifos_planted_in_the_cache_directory_do_not_block(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, {"train.py": TRAIN})
    cache = sandbox.home / "cache"
    cache.mkdir()
    os.mkfifo(catalogue._compiled_path(cache))
    name = hashlib.sha256(str(sandbox.repo.resolve()).encode()).hexdigest()[:20]  # the analysis cache's name
    os.mkfifo(cache / f"code-{name}.cache")
    doc = audit_json(sandbox)  # a plain open() of either would wait for a writer forever
    assert len(doc["rules"]) == len(catalogue.builtin_rules(False))


def test_without_a_home_directory_the_audit_runs_without_a_cache(sandbox: Sandbox) -> None:
    """HOME unset and no passwd entry: ``Path.home()`` raises; the run goes on without a cache, and says so."""
    make_repo(sandbox.repo, {"train.py": TRAIN})
    launcher = sandbox.base / "nohome.py"
    launcher.write_text(
        "import pathlib, runpy, sys\n"
        "def no_home(cls):\n    raise RuntimeError('Could not determine home directory.')\n"
        "pathlib.Path.home = classmethod(no_home)\n"
        "sys.argv = ['mlops-audit', '.', '-f', 'json']\n"
        "runpy.run_module('mlops_audit', run_name='__main__', alter_sys=True)\n", encoding="utf-8")
    env = {k: v for k, v in sandbox.env().items() if k not in ("HOME", "MLOPS_AUDIT_CACHE_DIR", "XDG_CACHE_HOME")}
    proc = subprocess.run([sys.executable, str(launcher)], cwd=sandbox.repo, env=env, capture_output=True,
                          text=True, timeout=90)
    assert_inert(proc, sandbox)
    assert any("without a cache" in note for note in json.loads(proc.stdout)["notes"])


# ------------------------------------------------------------------------------------------ 4. too large to read
def test_files_too_large_to_read_are_not_taken_for_absent(sandbox: Sandbox) -> None:
    make_repo(sandbox.repo, {
        "requirements.txt": "numpy\n" + "# padding\n" * (BIG // 10),
        "Dockerfile": "FROM python:3.11\n" + "RUN true\n" * (BIG // 9),
        ".github/workflows/ci.yml": "on: push\n" + "# padding\n" * (BIG // 10),
        "train.py": TRAIN, "data.csv": "a,b\n1,0\n", "nb.ipynb": notebook("x = 1\n"),
    })
    doc = audit_json(sandbox, "--no-cache")
    assert rule(doc, "REP001")["status"] == "pass"  # there is a requirements.txt
    assert rule(doc, "DEP002")["status"] == "pass"  # there is a Dockerfile
    assert rule(doc, "AUT001")["status"] == "pass"  # there is CI
    for rule_id, path in (("REP002", "requirements.txt"), ("DEP003", "Dockerfile"), ("DEP004", "Dockerfile"),
                          ("AUT002", ".github/workflows/ci.yml")):
        result = rule(doc, rule_id)
        assert result["status"] == "error", result
        assert path in result["reason"] and "too large" in result["reason"], result
    assert {"requirements.txt", "Dockerfile", ".github/workflows/ci.yml"} <= set(messages(doc, "AUD001"))
