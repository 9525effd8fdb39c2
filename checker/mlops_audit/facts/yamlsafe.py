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
    """Parse one YAML document; raises ``ValueError`` with a short message when it is not valid YAML."""
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
    except (RecursionError, MemoryError):
        raise ValueError("YAML nested too deeply to read") from None


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
