"""Predicates of rules/model.yaml: models out of git, tracked, registered, seeded, configurable, loaded safely."""

from __future__ import annotations

import re
from typing import Any

from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import evidence_at, human, ok_if_shows, per_training_file, predicate, sample
from mlops_audit.pillars.data import kind_of, tracked_state


@predicate
def model_in_git(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: model_files, dvc, lfs."""
    bad = [e for e in facts.unversioned(facts.model_files) if not facts.is_small_fixture(e)]
    return Outcome.found([
        Evidence(f"serialized model ({kind_of(e.path)}, {human(e.size)}) {tracked_state(e)}", e.path) for e in bad
    ])


@predicate
def model_registry(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``registry`` knowledge (calls, keywords and files), dvc artifacts and model outputs (a model
    file or folder DVC versions: ``dvc add models/model.pkl``, a stage's ``outs``), training_files."""
    ok = ok_if_shows(facts, "registry")
    if ok is not None:
        return ok
    if facts.dvc.artifacts:
        return Outcome.ok("DVC/GTO model registry")
    versioned = facts.dvc.model_outputs(facts.model_suffixes)
    if versioned:
        return Outcome.ok(f"model versioned with DVC ({versioned[0]})")
    return per_training_file(facts, "model trained here is not registered or versioned")


@predicate
def random_seed(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: training_refs, the ``seeding`` knowledge, call_graph.

    A file that trains is seeded when it fixes a seed itself, or when every entry point that reaches its training
    (module-level code, or a function no local code calls) fixes one on the way, directly or through the
    repository's own helpers (``utils.set_seeds()`` defined in another module)."""
    message = "model trained with no random seed set in this file or on the way from its entry points"
    return Outcome.found([evidence_at(r, message) for r in facts.unseeded_training])


@predicate
def hyperparameters_config(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: config_files, the ``config_loading`` knowledge in the files that train."""
    if facts.config_files:
        return Outcome.ok(facts.config_files[0])
    training = set(facts.training_files)
    for hit in facts.capability("config_loading", code_only=True):
        if hit.ref.path in training:
            return Outcome.ok(f"configurable entry point ({hit.entry.platform}, {hit.ref.path})")
    return per_training_file(facts, "hyper-parameters set in code, with no params/config file")


UNSAFE_LOADS = re.compile(
    r"^(pickle|cPickle|_pickle|dill|cloudpickle|joblib|pandas|sklearn\.externals\.joblib)\.(load|loads|read_pickle)$|"
    r"^shelve\.open$"
)
MAYBE_UNSAFE_LOADS = re.compile(r"^(torch|numpy)\.load$|load_model$")  # unsafe with some keyword values


@predicate
def unsafe_deserialization(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the calls named like a loader."""
    found = facts.derived.rows("unsafe_loads", "snns", lambda: _unsafe_loads(facts))
    return Outcome.found([Evidence(why, path, line, cell) for path, line, cell, why in found])


def _unsafe_loads(facts: RepoFacts) -> list[tuple[str, int | None, int | None, str]]:
    ev: list[tuple[str, int | None, int | None, str]] = []
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
                ev.append((unit.path, call.line, unit.cell, why))
    return ev


@predicate
def experiment_tracking(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the ``tracking`` knowledge (imports, calls, configuration files), dvc metrics, training_files."""
    ok = ok_if_shows(facts, "tracking", tests=None)
    if ok is not None:
        return ok
    if facts.dvc.metrics:
        return Outcome.ok("DVC metrics")
    return sample([Evidence("training with no experiment tracking", p) for p in facts.training_files])
