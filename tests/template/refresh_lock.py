"""Refresh ``template/{{cookiecutter.__project_slug}}/requirements.lock`` (maintainer tool, needs PyPI).

The generated project's lock must hold exactly the packages its options need. This script:

1. renders the template's ``pyproject.toml`` for each combination of the options that change
   dependencies (tracking, data_versioning, serving);
2. resolves the union of all of them once with ``uv pip compile --universal`` (one version per package
   and environment marker, for every supported Python);
3. resolves each combination again, constrained to those versions, to learn which lines it needs;
4. writes the lock, each line that only some options need tagged with them (``  # needs tracking=mlflow
   or serving=fastapi``): the template's post-generation hook keeps the lines the chosen options need and
   drops the tags. The lock is copied, not rendered: evaluating a tag costs microseconds where compiling
   one Jinja ``if`` per line was about a third of the template's Jinja compile time.

The versions of the current lock are preferred (``uv pip compile --output-file``), so a refresh after one
pin changed moves only what that pin needs.

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
# install with `make install` (uv pip sync when uv is on PATH, else pip install -r requirements.lock).
# Last line: the build backend.
"""


NEEDS = "  # needs "  # the tag's separator; the post-generation hook reads the same string


def compile_requirements(
    pyproject: Path, constraints: Path | None = None, preferences: Path | None = None
) -> list[str]:
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
    if preferences is not None:  # uv prefers the versions already in the output file
        command += ["--output-file", str(preferences)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if preferences is not None:
        output = preferences.read_text(encoding="utf-8")
    return [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("#")]


def current_pins() -> list[str]:
    """The lock's requirements as they are now, tags dropped (the build backend is added back at the end)."""
    lines = [line.partition(NEEDS)[0].strip() for line in LOCK.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#") and line != BUILD_BACKEND]


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


def pin(requirement: str) -> str:
    """``name==version`` of a lock line, without its environment marker: a combination needs a line when it
    needs that pin, whatever marker its own resolution gives it (cryptography needs cffi on CPython, so the
    MLflow-only resolution says ``cffi==2.1.1 ; platform_python_implementation != 'PyPy'`` where the union
    says ``cffi==2.1.1``: comparing whole lines once left cffi out of that combination's lock)."""
    return requirement.split(";", 1)[0].strip().lower()


def tag(names: list[str]) -> str:
    return NEEDS + " or ".join(f"{name}={OPTIONS[name]}" for name in names)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bits_list = itertools.product([False, True], repeat=len(OPTIONS))
        combos = [dict(zip(OPTIONS, bits, strict=True)) for bits in bits_list]
        preferences = workdir / "preferences.txt"
        preferences.write_text("\n".join(current_pins()) + "\n", encoding="utf-8")
        full = compile_requirements(render_pyproject(workdir, dict.fromkeys(OPTIONS, True)), preferences=preferences)
        constraints = workdir / "constraints.txt"
        constraints.write_text("\n".join(full) + "\n", encoding="utf-8")
        needed = {
            tuple(c.values()): {pin(r) for r in compile_requirements(render_pyproject(workdir, c), constraints)}
            for c in combos
        }
    base = needed[(False, False, False)]
    single = {name: needed[tuple(n == name for n in OPTIONS)] for name in OPTIONS}
    lines = [HEADER.format(py=MIN_PYTHON).rstrip("\n")]
    for requirement in full:
        if pin(requirement) in base:
            lines.append(requirement)
            continue
        names = [name for name in OPTIONS if pin(requirement) in single[name]]
        for combo, pins in needed.items():  # the union property this encoding relies on
            expected = any(on and name in names for on, name in zip(combo, OPTIONS, strict=True))
            if expected != (pin(requirement) in pins):
                print(f"cannot encode {requirement!r} per option", file=sys.stderr)
                return 1
        lines.append(requirement + tag(names))
    lines.append(BUILD_BACKEND)
    LOCK.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {LOCK.relative_to(REPO)}: {len(full) + 1} pinned lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
