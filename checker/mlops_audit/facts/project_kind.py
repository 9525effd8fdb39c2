"""Whether the repository is an ML tool (a library others build ML projects with) rather than an ML project.

A serving framework, a monitoring library or a pipeline visualiser imports ML libraries and may fit models inside
its own functions (a drift classifier) or in a demo project, so it is "an ML project" by its evidence. The rules
about building one model product (a design document with the problem, the success metric and the baseline,
DES002) are not about it. A tool is recognised by what it declares, not by its name:

- it declares a Python distribution at the root or one folder down (as ``package/pyproject.toml``): the
  ``[project]`` or ``[tool.poetry]`` table of a ``pyproject.toml``, the ``setup()`` call of a ``setup.py`` (read
  from its syntax tree, never run), the ``[metadata]`` of a ``setup.cfg``;
- its training code is all inside the distribution's own package (``src/``, ``<name>/``, the folder of a nested
  ``pyproject.toml``) or in example, demo, test, doc and benchmark folders: no training script of a project of
  its own (``train.py`` at the root, ``scripts/run_sft.py``; a benchmark script, ``scripts/bench_qwen.py``, is a
  demonstration);
- and either it is published as a library (a ``Development Status`` classifier), or the training is in the
  example folders only (a tool shipping a demo project).

- or its README opens by calling it a library, a framework or a toolkit (``lead`` knowledge,
  facts/readme_lead.py), not as a showcase (a sample's README names the SDK it uses), and its package trains
  (detectron2: ``detectron2/engine/``, with ``tools/train_net.py`` driving it).

A packaged ML project (``madewithml/train.py`` in its own package, no classifiers, a README that does not call it
a library) stays a project.

A showcase is what its README opens by saying it is: sample code, a reference implementation, a tutorial, a
course, a workshop, a book's code, a template. It builds no product, so it is asked for no product design
document (DES002) nor a model card (GOV002); and when its models are fitted only in notebooks or example folders
(toy fits in the demos of a logging library), or it is a collection whose examples each train in a top-level
folder of their own (``mnist/main.py``, ``dcgan/main.py``, ``word_language_model/main.py``... in at least
:data:`COLLECTION_FOLDERS` of them), the rules about running a model product do not apply either
(``demonstration``). A showcase training in one place (a platform sample with its pipeline) is still asked to run
it as a product.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from mlops_audit.facts.manifests import PUBLISHED
from mlops_audit.facts.readme_lead import said

if TYPE_CHECKING:
    from mlops_audit.facts.repo import RepoFacts

EXAMPLE_FOLDER = re.compile(
    r"(?:^|/)(?:examples?|demos?|demo[-_][\w-]*|samples?|tutorials?|docs?|benchmarks?|tests?|testing|e2e)/", re.I)

COLLECTION_FOLDERS = 3  # a showcase training in this many top-level folders is a collection of examples

BENCHMARK_FILE = re.compile(r"(?:^|/)bench(?:mark)?(?:s|ing)?(?:[_-][^/]*)?\.py$", re.I)


def _demo(path: str) -> bool:
    """Training in an example, demo, test, doc or benchmark folder, or in a benchmark script
    (``scripts/bench_qwen.py``): a tool's demonstration, not a project's own training."""
    return EXAMPLE_FOLDER.search(path) is not None or BENCHMARK_FILE.search(path) is not None


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
    if any(p.startswith(package_dirs) for p in training):
        declared = said(facts, "library")
        # "this example implements ... with the model builder SDK": a showcase naming the libraries it uses
        if declared is not None and said(facts, "showcase") is None:
            return f"a {declared[1]} ({declared[0]} opens so; {manifest}: distribution `{name}`) whose own " \
                   "package trains models"
    if any(not p.startswith(package_dirs) and not _demo(p) for p in training):
        return None
    if published:
        return f"a published library ({manifest}: `{PUBLISHED}` classifier) whose models are fitted inside its " \
               "own package or its examples"
    if training and all(_demo(p) for p in training):
        return f"a tool ({manifest}: distribution `{name}`) whose only training is in its examples or demos"
    return None


def showcase(facts: RepoFacts) -> str | None:
    """Why the repository is a showcase (see the module), or None."""
    declared = said(facts, "showcase")
    if declared is None:
        return None
    path, phrase, entry = declared
    return f"{path} opens as a showcase (\"{phrase}\": {entry.why})"


def demonstration(facts: RepoFacts) -> str | None:
    """Why the repository's models are a showcase's demonstrations (every training file a notebook or in an
    example folder, or examples each training in a top-level folder of its own), or None."""
    training = facts.training_files
    if not training:
        return None
    scripts = [p for p in training if not p.endswith(".ipynb") and not _demo(p)]
    folders = sorted({p.partition("/")[0] for p in scripts if "/" in p})
    spread = len(folders) >= COLLECTION_FOLDERS and all("/" in p for p in scripts)
    if scripts and not spread:
        return None
    why = showcase(facts)
    if why is None:
        return None
    if scripts:
        shown = ", ".join(f"`{f}/`" for f in folders[:3]) + (", ..." if len(folders) > 3 else "")
        return f"{why}, a collection of examples each training in its own folder ({shown}: {len(folders)} folders)"
    return f"{why}, whose models are fitted only in its notebooks and examples"


def cookiecutter_template(facts: RepoFacts) -> str | None:
    """The folder of the project a Cookiecutter template generates (``{{cookiecutter.project_slug}}``), when the
    audited folder is such a template (``cookiecutter.json`` at its top and that folder beside it), else None.
    Template folders are not audited (their files are Jinja, not code), so what is left at the top is a shell
    (hooks, the template's README), not the project. Only the top folder's names are listed: nothing is
    rendered, no hook is run."""
    if "cookiecutter.json" not in facts.path_set:
        return None
    import os

    try:
        with os.scandir(facts.root) as entries:
            for entry in entries:
                if entry.name.startswith("{{") and entry.name.endswith("}}") and entry.is_dir(follow_symlinks=False):
                    return entry.name
    except OSError:
        return None
    return None


def _distribution(facts: RepoFacts) -> tuple[str, str, bool] | None:
    """The distribution the repository declares nearest its root (at the root, then one folder down, not in an
    example folder): a manifest's path, the distribution's name, and whether it has a Development Status
    classifier. Every manifest of a folder speaks for it (a ``pyproject.toml`` naming the distribution beside a
    ``setup.py`` giving its classifiers)."""
    folders: dict[str, list[tuple[str, str, bool]]] = {}
    for path, name, published in facts.manifests.distributions:
        if path.count("/") <= 1 and not EXAMPLE_FOLDER.search(path):  # a demo project's manifest is not the tool's
            folders.setdefault(posixpath.dirname(path), []).append((path, name, published))
    if not folders:
        return None
    declared = sorted(folders[min(folders, key=lambda d: (d.count("/") + bool(d), d))])
    named = [d for d in declared if d[1]] or declared
    return named[0][0], named[0][1], any(d[2] for d in declared)
