"""Tidy the generated project for the chosen options, then optionally ``git init``.

Everything an unselected option would need is removed here, so the project holds no dead file, no empty
folder and no dangling reference (the Makefile, README, CI files and pyproject are rendered with the
same options). ``requirements.lock`` is copied without rendering and filtered here: a line tagged
``  # needs tracking=mlflow or serving=fastapi`` stays (untagged) only when one of those options is chosen.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

# Cookiecutter renders this file with Jinja: the answers arrive as one JSON document.
CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")
PACKAGE: str = CONTEXT["package_name"]
DATA_VERSIONING: str = CONTEXT["data_versioning"]
SERVING: str = CONTEXT["serving"]
CI: str = CONTEXT["ci"]
# git_init is a JSON boolean in cookiecutter.json; Jinja decides (a yes/no string from an old replay
# file is accepted too), never the truthiness of a non-empty string such as "no".
# {% set git_init = cookiecutter.git_init is sameas true or (cookiecutter.git_init is string and (cookiecutter.git_init | lower) in ["1", "true", "yes", "y", "on"]) %}  # noqa: E501
GIT_INIT = "{{ 'yes' if git_init else 'no' }}" == "yes"

ROOT = Path.cwd()
LOCK_TAG = "  # needs "  # tests/template/refresh_lock.py writes the same separator


def remove(*relative: str) -> None:
    for name in relative:
        path = ROOT / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def filter_lock(path: Path) -> None:
    """Keep the lock lines the chosen options need, without their tags (a bad tag fails the bake)."""
    kept: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement, tagged, condition = line.partition(LOCK_TAG)
        if tagged:
            terms = [term.split("=", 1) for term in condition.split(" or ")]
            if not any(CONTEXT[name] == value for name, value in terms):
                continue
            line = requirement
        kept.append(line)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(kept) + "\n")


def remove_empty_dirs() -> None:
    for path in sorted(ROOT.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and ".git" not in path.parts and not any(path.iterdir()):
            path.rmdir()


def git_init() -> None:
    if shutil.which("git") is None:
        print("warning: git not found, skipping git init", file=sys.stderr)
        return
    result = subprocess.run(["git", "init", "-q", "-b", "main"], cwd=ROOT, check=False)
    if result.returncode != 0:  # git < 2.28 has no -b
        subprocess.run(["git", "init", "-q"], cwd=ROOT, check=True)
        subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=ROOT, check=True)


def main() -> int:
    filter_lock(ROOT / "requirements.lock")
    if SERVING == "none":
        remove(f"src/{PACKAGE}/serving", "tests/test_api.py", "monitoring")
    if DATA_VERSIONING == "none":
        remove("dvc.yaml", ".dvc", ".dvcignore")
    if CI != "github":
        remove(".github")
    if CI != "gitlab":
        remove(".gitlab-ci.yml")
    remove_empty_dirs()
    if GIT_INIT:
        git_init()
    return 0


if __name__ == "__main__":
    sys.exit(main())
