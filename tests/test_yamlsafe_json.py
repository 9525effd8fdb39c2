"""YAML documents go to the cache as JSON and come back equal, or are not cached at all."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlops_audit.facts import yamlsafe

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False,
                                                                                       allow_infinity=False)
keys = st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.just(yamlsafe.PAIRS)
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                     max_leaves=30)


def _round_trip(doc: Any) -> Any:
    return yamlsafe.from_json(json.loads(json.dumps(yamlsafe.to_json(doc))))


@given(trees)
def test_any_tree_of_plain_values_comes_back_equal(doc: Any) -> None:
    back = _round_trip(doc)
    assert back == doc
    assert json.dumps(back, sort_keys=False, default=str) == json.dumps(doc, sort_keys=False, default=str)


def test_workflow_on_key_and_the_marker_key_itself() -> None:
    doc = yamlsafe.load("on: [push]\n1: x\nnull: y\nnested: {true: 1, a: 2}\n")
    assert True in doc and 1 in doc and None in doc
    assert _round_trip(doc) == doc
    tricky = {yamlsafe.PAIRS: [[1, 2]]}
    assert _round_trip(tricky) == tricky


@pytest.mark.parametrize("text", [
    "when: 2024-01-02\n",
    "s: !!set {a, b}\n",
    "b: !!binary aGVsbG8=\n",
    "x: .inf\n",
    "a: &a [1, 2]\nb: *a\n",  # shared through an alias: JSON would copy it
])
def test_what_json_cannot_give_back_is_refused(text: str) -> None:
    with pytest.raises(yamlsafe.NotJson):
        yamlsafe.to_json(yamlsafe.load(text))


def test_an_alias_bomb_is_refused_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    with pytest.raises(yamlsafe.NotJson):
        yamlsafe.to_json(yamlsafe.load("\n".join(lines) + "\n"))


def test_dates_are_not_plain() -> None:
    assert isinstance(yamlsafe.load("d: 2024-01-02\n")["d"], datetime.date)
