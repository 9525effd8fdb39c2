"""YAML read safely: ``safe_load`` only, unknown or unsafe tags become plain data (nothing is constructed
from them), and walks over the result visit each node once, so alias bombs stay cheap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_NODES = 200_000


def _loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TolerantSafeLoader(base):  # type: ignore[misc,valid-type]
        """SafeLoader that turns any unknown tag (``!reference``, ``!!python/object``...) into plain data."""

    def _plain(loader: Any, _suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    TolerantSafeLoader.add_multi_constructor("", _plain)
    return TolerantSafeLoader


_LOADER: Any = None


def load(text: str) -> Any:
    """Parse one YAML document; raises ``ValueError`` with a short message when it is not valid YAML or cannot be
    built (whatever PyYAML raised: the text comes from the audited repository)."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _loader()
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ValueError("YAML nested too deeply to read") from None
    except MemoryError:
        raise ValueError("YAML too large or too deeply nested to read (out of memory)") from None
    except Exception as exc:  # a value the constructors refuse: a 30th of February, an integer of 5,000 digits
        raise ValueError(f"invalid YAML value: {str(exc).strip() or type(exc).__name__}") from None


PAIRS = "\x00pairs"  # a mapping whose keys are not all strings, as JSON: {PAIRS: [[key, value], ...]}


class NotJson(Exception):
    """The document has something JSON cannot give back as it was."""


def to_json(doc: Any) -> Any:
    """``doc`` as JSON data that :func:`from_json` turns back into an equal document, for the cache. Mappings
    with boolean, number or null keys (``on:`` in a GitHub workflow is the key True in YAML 1.1) are kept as
    pairs. Raises :class:`NotJson` for dates, sets, binary, infinite numbers, or a node shared through an
    alias (JSON would copy it out once per reference: an alias bomb must stay small)."""
    seen: set[int] = set()
    budget = [MAX_NODES]

    def enc(node: Any, depth: int) -> Any:
        if type(node) in (str, int, bool) or node is None:
            return node
        if type(node) is float:
            if node != node or node in (float("inf"), float("-inf")):
                raise NotJson
            return node
        if not isinstance(node, (dict, list)) or id(node) in seen or depth > 200:
            raise NotJson
        seen.add(id(node))
        budget[0] -= 1
        if budget[0] < 0:
            raise NotJson
        if isinstance(node, list):
            return [enc(item, depth + 1) for item in node]
        if all(type(k) is str for k in node) and PAIRS not in node:
            return {k: enc(v, depth + 1) for k, v in node.items()}
        return {PAIRS: [[enc(k, depth + 1), enc(v, depth + 1)] for k, v in node.items()]}

    return enc(doc, 0)


def from_json(data: Any) -> Any:
    """The document :func:`to_json` encoded."""
    if isinstance(data, list):
        return [from_json(item) for item in data]
    if isinstance(data, dict):
        if len(data) == 1 and PAIRS in data:
            return {from_json(k): from_json(v) for k, v in data[PAIRS]}
        return {k: from_json(v) for k, v in data.items()}
    return data


def walk(doc: Any) -> Iterator[tuple[Any, Any]]:
    """Yield (key, value) for every mapping entry and (None, item) for sequence items, each node once."""
    seen: set[int] = set()
    stack = [doc]
    budget = MAX_NODES
    while stack and budget > 0:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        budget -= 1
        if isinstance(node, dict):
            for k, v in node.items():
                yield k, v
                if isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(node, list):
            for item in node:
                yield None, item
                if isinstance(item, (dict, list)):
                    stack.append(item)
