{%- set retrofit = cookiecutter._retrofit -%}
"""Smoke tests: every source file and notebook compiles, and every module imports.

A module that fails to import breaks every job that uses it; one that does real work at import time (reads
data, loads a model) is slow and fragile to reuse. Put that work in functions, under
`if __name__ == "__main__":`.
{%- if retrofit %}

Written by `mlops-audit fix` from the mlops-audit project template: add tests of your data, features and
model next to it (`mlops-audit explain TST003`, `mlops-audit explain TST004`).
{%- endif %}
"""

from __future__ import annotations

import importlib
import json
{%- if not retrofit %}
import pkgutil
{%- endif %}
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
{%- if retrofit %}
IMPORT_ROOT = PROJECT_ROOT{% if retrofit.import_root %} / "{{ retrofit.import_root }}"{% endif %}
SOURCES = [
{%- for path in retrofit.sources %}
    "{{ path }}",
{%- endfor %}
]
NOTEBOOKS = [
{%- for path in retrofit.notebooks %}
    "{{ path }}",
{%- endfor %}
]
# Modules that run code at import time are skipped, with the line to move under `if __name__ == "__main__":`.
MODULES = [
{%- for module in retrofit.modules %}
{%- if module.side_effect %}
    pytest.param(
        "{{ module.name }}",
        marks=pytest.mark.skip(reason="{{ module.side_effect }}"),
    ),
{%- else %}
    "{{ module.name }}",
{%- endif %}
{%- endfor %}
]
{%- else %}
IMPORT_ROOT = PROJECT_ROOT / "src"
SOURCES = sorted(path.relative_to(PROJECT_ROOT).as_posix() for path in IMPORT_ROOT.rglob("*.py"))
NOTEBOOKS = sorted(nb.relative_to(PROJECT_ROOT).as_posix() for nb in PROJECT_ROOT.glob("notebooks/*.ipynb"))
PACKAGE = "{{ cookiecutter.package_name }}"
MODULES = [PACKAGE] + sorted(
    info.name for info in pkgutil.walk_packages([str(IMPORT_ROOT / PACKAGE)], prefix=f"{PACKAGE}.")
)
{%- endif %}


@pytest.mark.parametrize("source", SOURCES)
def test_source_compiles(source: str) -> None:
    path = PROJECT_ROOT / source
    code = compile(path.read_bytes(), str(path), "exec")
    assert code.co_filename == str(path)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_code_compiles(notebook: str) -> None:
    cells = json.loads((PROJECT_ROOT / notebook).read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells, start=1):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] != "code" or source.lstrip().startswith("%%"):
            continue  # markdown, or a cell magic (%%bash, %%sql...): not Python
        # IPython line magics and shell escapes are not Python either: blank them, keep the line numbers
        lines = source.splitlines()
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
        assert compile(python, f"{notebook} [cell {index}]", "exec").co_filename.startswith(notebook)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(IMPORT_ROOT))
    monkeypatch.chdir(PROJECT_ROOT)
    imported = importlib.import_module(module)
    assert imported.__name__ == module
    assert module in sys.modules
