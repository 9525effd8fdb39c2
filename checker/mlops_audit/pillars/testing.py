"""Predicates of rules/testing.yaml: tests exist, assert, and check the data, the model and the service."""

from __future__ import annotations

import bisect
import re
from typing import Any

from mlops_audit.facts.code import CodeInfo, Function
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
    quiet = facts.derived.rows("tests_asserting_nothing", "sis", lambda: _tests_asserting_nothing(facts))
    return Outcome.found([Evidence(f"test `{name}` asserts nothing: it can only fail by crashing", path, line)
                          for path, line, name in quiet])


def _tests_asserting_nothing(facts: RepoFacts) -> list[tuple[str, int, str]]:
    """(path, line, name) of each test function that asserts nothing, itself or through a helper."""
    helpers = _Helpers(facts)
    out = []
    for path in facts.test_files:
        info = facts.python_files.get(path)
        if info is None:
            continue
        # pytest collects methods of Test* classes and of unittest.TestCase subclasses, not of other classes
        # (a LightningModule's ``test_step`` is a hook, not a test)
        classes = {name for name, bases, _ in info.classes
                   if name.startswith("Test") or any(b.endswith("TestCase") for b in bases)}
        quiet = []  # the tests whose own body asserts nothing: only they need the file's calls
        for fn in info.functions:
            scope = fn.scope or fn.name
            parent = scope.rpartition(".")[0]
            if fn.name.startswith("test") and not fn.asserts and (not parent or parent in classes):
                quiet.append((fn, scope))
        if not quiet:
            continue
        wanted = {scope for _, scope in quiet}
        by_scope: dict[str, set[str]] = {}
        fixture_lines = []  # ``@pytest.fixture`` lines: the function under one is a fixture, not a test
        calls = info.calls
        for c in calls:
            if c.scope in wanted:
                by_scope.setdefault(c.scope, set()).add(c.name)
            if c.name in FIXTURE_DECORATORS:
                fixture_lines.append(c.line)
        fixtures = _decorated(info.functions, fixture_lines)
        for fn, scope in quiet:
            if fn.line in fixtures:
                continue
            if not any(_reaches_helper(name, path, helpers, scope) for name in by_scope.get(scope, ())):
                out.append((path, fn.line, fn.name))
    return out


FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "fixture", "pytest.yield_fixture"})


def _decorated(functions: list[Function], lines: list[int]) -> set[int]:
    """The lines of the functions that the decorators at ``lines`` decorate: the first function below each."""
    starts = sorted(f.line for f in functions)
    out = set()
    for line in lines:
        i = bisect.bisect_right(starts, line)
        if i < len(starts):
            out.add(starts[i])
    return out


class _Helpers:
    """Module path or name -> the functions of that test-folder module that assert, directly or through a
    helper of the same module (a fixpoint over the module's own calls); each module worked out when first asked
    (most test files have no test that needs a helper: their calls are never read)."""

    def __init__(self, facts: RepoFacts) -> None:
        from mlops_audit.facts.callgraph import module_names

        self.facts = facts
        self.paths: dict[str, str] = {}  # path or module name -> the path of a test-folder module
        for path in facts.python_files:
            if facts.in_tests(path):
                self.paths[path] = path
                for module in module_names(path):
                    self.paths[module] = path
        self.done: dict[str, set[str]] = {}

    def get(self, key: str, default: tuple[()] = ()) -> set[str] | tuple[()]:
        path = self.paths.get(key)
        if path is None:
            return default
        found = self.done.get(path)
        if found is None:
            found = self.done[path] = _asserting(self.facts.python_files[path])
        return found


def _asserting(info: CodeInfo) -> set[str]:
    asserting = {f.scope or f.name for f in info.functions if f.asserts}
    names = {f.scope or f.name for f in info.functions}
    if names <= asserting:
        return asserting
    calls = [(c.scope, c.name.removeprefix("self.").removeprefix("cls.")) for c in info.calls if c.scope]
    changed = True
    while changed:
        changed = False
        for scope, name in calls:
            if scope not in asserting and scope in names and _own(name, scope) in asserting:
                asserting.add(scope)
                changed = True
    return asserting


def _own(name: str, scope: str) -> str:
    """The qualified name a call of the same module reaches: ``helper`` or a sibling method ``Cls.helper``."""
    cls = scope.rpartition(".")[0]
    return f"{cls}.{name}" if cls and "." not in name and name != scope else name


def _reaches_helper(name: str, path: str, helpers: _Helpers, scope: str = "") -> bool:
    """Whether a call named ``name``, made in ``scope`` of the test file ``path``, reaches a helper that asserts:
    a function of the same file, a method of the test's class (``self._check(...)``: ``Test._check``), or a
    function of a test-folder module it names."""
    name = name.removeprefix("self.").removeprefix("cls.")
    own = helpers.get(path, ())
    if name in own or name.rpartition(".")[2] in own or (scope and _own(name, scope) in own):
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
