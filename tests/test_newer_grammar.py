"""A file the running Python cannot parse, in a project that requires a newer Python, is not called a plain syntax
error: the newer grammar may allow it (``except A, B:`` is valid from 3.14, PEP 758), and AUD001 says which
Python to run the audit on. A syntax error where the declared Python is not newer stays a syntax error."""

from __future__ import annotations

import sys
from pathlib import Path

from ml_fixtures import build, findings

BROKEN = "def f(:\n    pass\n"
NEWER = f"{sys.version_info[0]}.{sys.version_info[1] + 1}"


def test_a_project_on_a_newer_python_is_told_which_to_audit_with(tmp_path: Path) -> None:
    files = {"backend/app/deps.py": BROKEN,
             "backend/pyproject.toml": f'[project]\nname = "x"\nversion = "1"\nrequires-python = ">={NEWER},<4"\n'}
    (finding,) = [f for f in findings(build(tmp_path, files), "AUD001") if f.path == "backend/app/deps.py"]
    assert finding.message.startswith(f"not readable by Python {sys.version_info[0]}.{sys.version_info[1]}")
    assert f"requires Python {NEWER} or later, whose grammar may allow it (run mlops-audit on Python {NEWER})" \
        in finding.message


def test_a_syntax_error_on_the_declared_python_is_one(tmp_path: Path) -> None:
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    files = {"app.py": BROKEN,
             "pyproject.toml": f'[project]\nname = "x"\nversion = "1"\nrequires-python = ">={here}"\n'}
    (finding,) = [f for f in findings(build(tmp_path, files), "AUD001") if f.path == "app.py"]
    assert finding.message.startswith("syntax error at line 1")
