"""Gitignore matching takes time linear in the path, whatever the pattern, and still gives pathspec's answers.

pathspec is the reference with its "simple" backend (Python's re): with google-re2 installed its default backend
is re2, which weighs a directory match against a file match differently (see tests/test_speed_paths.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pathspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlops_audit import globs
from mlops_audit.globs import Matcher

HANG_GUARD = 5.0  # seconds: generous; the point is exponential or polynomial blow-ups, not speed

ATOMS = ["a", "b", "*", "**", "?", "[ab]", "[!a]", "[]a]", "[/]", "x.csv", "*.csv", "", "\\*", "c?d", "*a*b",
         "a*b*", "*[!x]*", "*?*", "a\\", "[a-", "[z-a]", "README*", "{{*}}", " "]
NAMES = ["a", "b", "x.csv", "y.csv", "c", "ab", "aab", "bab", "cxd", "[a", "{{x}}", "", "a\nb", "x\n", " ", "README.md"]

patterns_st = st.builds(
    lambda neg, lead, parts, trail: ("!" if neg else "") + ("/" if lead else "") + "/".join(parts)
    + ("/" if trail else ""),
    st.booleans(), st.booleans(), st.lists(st.sampled_from(ATOMS), min_size=1, max_size=5), st.booleans())
paths_st = st.builds(lambda parts, trail: "/".join(parts) + ("/" if trail else ""),
                     st.lists(st.sampled_from(NAMES), min_size=1, max_size=6), st.booleans())


def _reference(patterns: list[str]) -> pathspec.GitIgnoreSpec | None:
    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns, backend="simple")
    except Exception:  # pathspec refuses the line: ours skips it (tested in test_speed_paths)
        return None


@pytest.fixture
def long_path_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every path counts as long: patterns use their atomic regex or their program, never pathspec's regex."""
    monkeypatch.setattr(globs, "STEP_BUDGET", 1)
    globs._spec.cache_clear()
    yield
    globs._spec.cache_clear()


@settings(max_examples=400, deadline=None)
@given(st.lists(patterns_st, min_size=1, max_size=4), st.lists(paths_st, min_size=1, max_size=8))
def test_matching_equals_pathspec(patterns: list[str], paths: list[str]) -> None:
    assert _differences_from_pathspec(patterns, paths) == [], patterns


def _differences_from_pathspec(patterns: list[str], paths: list[str]) -> list[tuple[str, str]]:
    """(how, path) for each path where Matcher answers otherwise than pathspec (match_file or filter)."""
    reference = _reference(patterns)
    if reference is None:
        return []
    mine = Matcher(patterns)
    wrong = [("match_file", p) for p in paths if mine.match_file(p) != bool(reference.match_file(p))]
    expected = [p for p in paths if reference.match_file(p)]
    return wrong + ([("filter", repr(mine.filter(paths)))] if mine.filter(paths) != expected else [])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(patterns_st, min_size=1, max_size=4), st.lists(paths_st, min_size=1, max_size=8))
def test_long_path_engines_equal_pathspec(long_path_engines: None, patterns: list[str], paths: list[str]) -> None:
    assert _differences_from_pathspec(patterns, paths) == [], patterns


@settings(max_examples=300, deadline=None)
@given(patterns_st, paths_st)
def test_program_equals_the_regex(pattern: str, path: str) -> None:
    """The backtracking-free program of a pattern finds what its regex finds, directory mark included."""
    parsed = globs._parse(pattern)
    if parsed is None or not parsed[0].segs:
        return
    translation = parsed[0]
    try:
        regex = globs._regex(translation.regex)
    except Exception:
        return
    program = globs._program(translation.segs, translation.is_dir)
    assert globs._run(program, path) == globs._search(regex, path)
    assert globs._search(globs._regex(translation.atomic), path) == globs._search(regex, path)


ADVERSARIAL = [
    ("*a*a*a*a*a*a*a*a*b.csv", "a" * 5000),  # the case: exponential in re
    ("*a*a*a*a*a*a*a*a*b.csv", "x/" * 100 + "a" * 5000 + ".cs"),
    ("**/a/**/a/**/a/**/b", "a/" * 2500 + "c"),  # nested ``**``: polynomial in re
    ("a/**/a/**/a/**/b/", "a/" * 2500),
    ("*[!x]*[!x]*[!x]*y", "a/" * 2500),  # bracket expressions that match "/": no atomic shortcut
    ("**/*a*a*a*/**/b", "aaaa/" * 2000),
    ("**/a/**/b", "a/" * 3000 + "\n" + "b"),
    ("/*a*b", "a" * 100_000),  # no ``**``: still quadratic in re, the two stars
]


@pytest.mark.parametrize(("pattern", "path"), ADVERSARIAL)
@pytest.mark.parametrize("negated", [False, True])
def test_adversarial_patterns_do_not_hang(pattern: str, path: str, negated: bool) -> None:
    lines = [pattern, "!zz"] if negated else [pattern]  # a negation takes the per-pattern path
    matcher = Matcher(lines)
    start = time.perf_counter()
    matcher.match_file(path)
    matcher.filter([path, path + "/x"])
    assert time.perf_counter() - start < HANG_GUARD, pattern


def test_adversarial_answers_are_right() -> None:
    """The linear engines still say yes where the pattern matches (a matcher that always says no would be fast)."""
    assert Matcher(["*a*a*a*a*a*a*a*a*b.csv"]).match_file("a" * 5000 + "b.csv")
    assert Matcher(["**/a/**/a/**/a/**/b"]).match_file("a/" * 2500 + "b")
    assert Matcher(["**/a/**/a/**/a/**/b", "!zz"]).match_file("a/" * 2500 + "b")
    assert Matcher(["a/**/a/**/a/**/b/"]).match_file("a/" * 2500 + "b/c")
    assert not Matcher(["**/a/**/b"]).match_file("a/" * 3000 + "\n" + "b")  # ``.`` stops at a newline, as in re
    assert Matcher(["*[!x]*[!x]*[!x]*y"]).match_file("a/" * 2500 + "y")


def test_usual_paths_use_the_reference_regex() -> None:
    """Built-in patterns with two ``**`` keep pathspec's regex on usual paths (the common case stays fast)."""
    pattern = globs._compile("**/grafana/**/alert*")
    assert pattern is not None and pattern.program is not None
    assert pattern.limit >= 100
    csv = globs._compile("*.csv")
    assert csv is not None and csv.program is None and csv.limit == sys.maxsize
