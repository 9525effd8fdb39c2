"""Predicates of rules/testing.yaml: tests exist, assert, and check the data, the model and the service."""

from __future__ import annotations

import re
from typing import Any

from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import predicate, sample


@predicate
def has_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: test_files."""
    if facts.test_files:
        return Outcome.ok()
    if facts.matching(["*.feature"]) and facts.matching(["**/steps/*.py"]):
        return Outcome.ok("behave (BDD) features with their steps")
    return Outcome.fail(Evidence("no test files (tests/, test_*.py, *_test.py, behave features)"))


@predicate
def tests_assert(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: the functions and calls of the test files (and of the helpers they import from test folders).

    A test asserts when its body asserts, raises, calls pytest's checks or a command with ``check=True``, or
    calls a helper that does: one of the same file, or one imported from a module of the test folders
    (``tests/helpers.py``), transitively. A function nested in another (a route defined inside a test) is not a
    test of its own."""
    helpers = _asserting_helpers(facts)
    ev = []
    for path in facts.test_files:
        info = facts.python_files.get(path)
        if info is None:
            continue
        # pytest collects methods of Test* classes and of unittest.TestCase subclasses, not of other classes
        # (a LightningModule's ``test_step`` is a hook, not a test)
        classes = {name for name, bases, _ in info.classes
                   if name.startswith("Test") or any(b.endswith("TestCase") for b in bases)}
        for fn in info.functions:
            scope = fn.scope or fn.name
            parent = scope.rpartition(".")[0]
            if not fn.name.startswith("test") or fn.asserts or (parent and parent not in classes):
                continue  # not a test: a hook of another class, or a function nested in one
            if any(_reaches_helper(c.name, path, helpers) for c in info.calls if c.scope == scope):
                continue
            ev.append(Evidence(f"test `{fn.name}` asserts nothing: it can only fail by crashing", path, fn.line))
    return Outcome.found(ev)


def _asserting_helpers(facts: RepoFacts) -> dict[str, set[str]]:
    """Module path or name -> the functions of that test-folder module that assert, directly or through a
    helper of the same module (a fixpoint over the module's own calls)."""
    from mlops_audit.facts.callgraph import module_names

    out: dict[str, set[str]] = {}
    for path, info in facts.python_files.items():
        if not facts.in_tests(path):
            continue
        asserting = {f.scope or f.name for f in info.functions if f.asserts}
        names = {f.scope or f.name for f in info.functions}
        calls = [(c.scope, c.name.removeprefix("self.").removeprefix("cls.")) for c in info.calls if c.scope]
        changed = True
        while changed:
            changed = False
            for scope, name in calls:
                if scope not in asserting and scope in names and _own(name, scope) in asserting:
                    asserting.add(scope)
                    changed = True
        out[path] = asserting
        for module in module_names(path):
            out[module] = asserting
    return out


def _own(name: str, scope: str) -> str:
    """The qualified name a call of the same module reaches: ``helper`` or a sibling method ``Cls.helper``."""
    cls = scope.rpartition(".")[0]
    return f"{cls}.{name}" if cls and "." not in name and name != scope else name


def _reaches_helper(name: str, path: str, helpers: dict[str, set[str]]) -> bool:
    name = name.removeprefix("self.").removeprefix("cls.")
    if name in helpers.get(path, ()) or name.rpartition(".")[2] in helpers.get(path, ()):
        return True
    module, _, function = name.lstrip(".").rpartition(".")
    return bool(module) and function in helpers.get(module, ())


def _tests_show(facts: RepoFacts, name_pattern: str, capability: str) -> bool:
    """A test file named for the subject, or test code showing ``capability`` (imports or calls)."""
    name_re = re.compile(name_pattern, re.I)
    if any(name_re.search(p.rsplit("/", 1)[-1]) for p in facts.test_files):
        return True
    return facts.shows(capability, tests=True) is not None


@predicate
def data_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: test file names, the ``data_validation`` knowledge in test code."""
    if _tests_show(facts, r"data|schema|validat|expectation|quality|ingest|feature", "data_validation"):
        return Outcome.ok()
    if facts.calls_matching(re.compile(r"(^|\.)validate\w*$"), tests=True):
        return Outcome.ok()
    return Outcome.fail(Evidence("no test checks the data (schema, ranges, missing values)"))


@predicate
def model_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: test file names, the ``model_evaluation`` knowledge in test code."""
    if _tests_show(facts, r"model|train|metric|evaluat|quality|predict", "model_evaluation"):
        return Outcome.ok()
    return Outcome.fail(Evidence("no test checks model quality against a threshold"))


@predicate
def serving_tests(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    """Needs: test file names, the ``api_testing`` knowledge in test code, model_serving_files."""
    if _tests_show(facts, r"api|serv|endpoint|app|http", "api_testing"):
        return Outcome.ok()
    return sample([Evidence("serving code with no API test", p) for p in facts.model_serving_files])
