"""Whether the repository is an ML tool (a library others build ML projects with) rather than an ML project.

A serving framework, a monitoring library or a pipeline visualiser imports ML libraries and may fit models inside
its own functions (a drift classifier) or in a demo project, so it is "an ML project" by its evidence. The rules
about building one model product (a design document with the problem, the success metric and the baseline,
DES002) are not about it. A tool is recognised by what it declares, not by its name:

- it declares a Python distribution (``[project]`` of a ``pyproject.toml`` at the root or one folder down, as
  ``package/pyproject.toml``);
- its training code is all inside the distribution's own package (``src/``, ``<name>/``, the folder of a nested
  ``pyproject.toml``) or in example, demo, test, doc and benchmark folders: no training script of a project of
  its own (``train.py`` at the root, ``scripts/run_sft.py``);
- and either it is published as a library (a ``Development Status`` classifier), or the training is in the
  example folders only (a tool shipping a demo project).

A packaged ML project (``madewithml/train.py`` in its own package, no classifiers) stays a project.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_audit.facts.repo import RepoFacts

EXAMPLE_FOLDER = re.compile(
    r"(?:^|/)(?:examples?|demos?|demo[-_][\w-]*|samples?|tutorials?|docs?|benchmarks?|tests?|testing|e2e)/", re.I)
PUBLISHED = "Development Status ::"


def ml_tool(facts: RepoFacts) -> str | None:
    """Why the repository is an ML tool rather than an ML project (see the module), or None."""
    found = _distribution(facts)
    if found is None:
        return None
    manifest, name, published = found
    base = posixpath.dirname(manifest)
    package_dirs = tuple(f"{d}/" for d in {
        posixpath.join(base, "src"), posixpath.join(base, name), posixpath.join(base, name.replace("-", "_")),
    }) + ((f"{base}/",) if base else ())
    training = facts.training_files
    if any(not p.startswith(package_dirs) and not EXAMPLE_FOLDER.search(p) for p in training):
        return None
    if published:
        return f"a published library ({manifest}: `{PUBLISHED}` classifier) whose models are fitted inside its " \
               "own package or its examples"
    if training and all(EXAMPLE_FOLDER.search(p) for p in training):
        return f"a tool ({manifest}: distribution `{name}`) whose only training is in its examples or demos"
    return None


def _distribution(facts: RepoFacts) -> tuple[str, str, bool] | None:
    """The first ``pyproject.toml`` (root, then one folder down, not in an example folder) declaring a
    distribution: its path, name, and
    whether it has a Development Status classifier."""
    candidates = sorted((p for p in facts.paths if p.endswith("pyproject.toml") and p.count("/") <= 1
                         and not EXAMPLE_FOLDER.search(p)),  # a demo project's own manifest is not the tool's
                        key=lambda p: (p.count("/"), p))
    for path in candidates:
        doc = facts.toml(path)
        project: Any = doc.get("project") if doc else None
        if not isinstance(project, dict) or not isinstance(project.get("name"), str) or not project["name"]:
            continue
        classifiers = project.get("classifiers")
        published = isinstance(classifiers, list) and any(
            isinstance(c, str) and c.startswith(PUBLISHED) for c in classifiers)
        return path, project["name"].lower(), published
    return None
