"""Refresh ``template/{{cookiecutter.__project_slug}}/requirements.lock`` (maintainer tool, needs PyPI).

The generated project's lock must hold exactly the packages its options need. This script:

1. renders the template's ``pyproject.toml`` for each combination of the options that change
   dependencies (tracking, data_versioning, serving);
2. resolves the union of all of them once with ``uv pip compile --universal`` (one version per package
   and environment marker, for every supported Python);
3. resolves each combination again, constrained to those versions, to learn which lines it needs;
4. writes the lock template, each line guarded by the Jinja condition of the options that need it.

Run it after changing a pin in the template's ``pyproject.toml``::

    pip install uv cookiecutter
    python tests/template/refresh_lock.py
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template"
LOCK = TEMPLATE / "{{cookiecutter.__project_slug}}" / "requirements.lock"
OPTIONS = {"tracking": "mlflow", "data_versioning": "dvc", "serving": "fastapi"}
BUILD_BACKEND = "setuptools==84.2.1"
MIN_PYTHON = "3.11"
HEADER = """\
# Fully pinned lock of every (transitive) dependency, with environment markers (Python {py}+).
# Produced by `uv pip compile pyproject.toml --extra dev --universal` (see README, "Dependencies");
# install with `make install` (pip install -r requirements.lock). Last line: the build backend.
"""


def compile_requirements(pyproject: Path, constraints: Path | None = None) -> list[str]:
    command = [
        "uv",
        "pip",
        "compile",
        str(pyproject),
        "--extra",
        "dev",
        "--universal",
        "--python-version",
        MIN_PYTHON,
        "--no-annotate",
        "--no-header",
        "--quiet",
    ]
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("#")]


def render_pyproject(workdir: Path, chosen: dict[str, bool]) -> Path:
    context = {name: (value if chosen[name] else "none") for name, value in OPTIONS.items()}
    name = "-".join(f"{k[:3]}{int(v)}" for k, v in chosen.items())
    project = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        output_dir=str(workdir),
        overwrite_if_exists=True,
        extra_context={"project_name": f"lock {name}", "ci": "none", "git_init": "no", **context},
    )
    return Path(project) / "pyproject.toml"


def condition(names: list[str]) -> str:
    return " or ".join(f'cookiecutter.{name} == "{OPTIONS[name]}"' for name in names)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bits_list = itertools.product([False, True], repeat=len(OPTIONS))
        combos = [dict(zip(OPTIONS, bits, strict=True)) for bits in bits_list]
        full = compile_requirements(render_pyproject(workdir, dict.fromkeys(OPTIONS, True)))
        constraints = workdir / "constraints.txt"
        constraints.write_text("\n".join(full) + "\n", encoding="utf-8")
        needed = {
            tuple(c.values()): set(compile_requirements(render_pyproject(workdir, c), constraints)) for c in combos
        }
    base = needed[(False, False, False)]
    single = {name: needed[tuple(n == name for n in OPTIONS)] for name in OPTIONS}
    lines = [HEADER.format(py=MIN_PYTHON).rstrip("\n")]
    for requirement in full:
        if requirement in base:
            lines.append(requirement)
            continue
        names = [name for name in OPTIONS if requirement in single[name]]
        for combo, requirements in needed.items():  # the union property this encoding relies on
            expected = any(on and name in names for on, name in zip(combo, OPTIONS, strict=True))
            if expected != (requirement in requirements):
                print(f"cannot encode {requirement!r} per option", file=sys.stderr)
                return 1
        lines += [f"{{%- if {condition(names)} %}}", requirement, "{%- endif %}"]
    lines.append(BUILD_BACKEND)
    LOCK.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {LOCK.relative_to(REPO)}: {len(full) + 1} pinned lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
