"""Import aliases and bindings carried from one notebook cell to the next.

Each code cell is analysed on its own (and cached by its content), so a call in cell 17 through an alias that
cell 3 imported (``from google.cloud import aiplatform_v1beta1 as vertex_ai_beta``) would keep the alias's name,
and no knowledge entry would match it. IPython runs the cells in one namespace: an alias imported in an earlier
cell names the same module in every later one, and a name bound to a call there (``model = LinearRegression()``)
the same object. :func:`carry` re-reads such calls through the aliases and bindings of the cells before them, the
way the cell's own imports and bindings are read (facts/code.py). Only ``import x as y`` and ``from x import y
[as z]`` statements on one line, and module-level ``name = imported_callee(...)`` lines, are read; a cell's own
imports and bindings win over earlier cells'.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Sequence

from mlops_audit.facts.code import Call, CodeInfo, summarise

# an import statement on one line (the statement itself is then parsed, never the whole cell again)
IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t][^\n]*$", re.M)
MAX_IMPORT_LINE = 1_000  # characters: longer lines are not import statements worth parsing
# a module-level binding to a call: ``model = LinearRegression(`` (no indentation, a dotted callee)
BINDING_LINE = re.compile(r"^([A-Za-z_]\w{0,100})[ \t]*=[ \t]*([A-Za-z_][\w.]{0,200})[ \t]*\(", re.M)
_UNKNOWN = "\x00"  # a name bound to something not imported: calls through it are left as they are


def aliases_of(source: str) -> dict[str, str]:
    """The names one cell's import statements bind -> the dotted names they stand for (``np`` ->
    ``numpy``, ``Run`` -> ``azureml.core.Run``); names bound to themselves (``import os``) are left out."""
    out: dict[str, str] = {}
    if "import" not in source:
        return out
    for match in IMPORT_LINE.finditer(source):
        line = match.group(0).strip()
        if len(line) > MAX_IMPORT_LINE:
            continue
        try:
            node = ast.parse(line).body[0]
        except (SyntaxError, ValueError, IndexError):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.asname != alias.name:
                    out[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def bindings_of(source: str) -> list[tuple[str, str]]:
    """The module-level ``name = callee(...)`` lines of one cell (``model = LinearRegression()``), in order:
    (name, dotted callee)."""
    if "=" not in source:
        return []
    return [(m.group(1), m.group(2)) for m in BINDING_LINE.finditer(source)]


def carry(cells: Sequence[tuple[str, CodeInfo]]) -> list[CodeInfo]:
    """The analyses of one notebook's code cells (source, analysis; in order), with the calls made through an
    earlier cell's alias, or through a name an earlier cell bound to a call of an imported name (``model =
    LinearRegression()`` in one cell, ``model.fit(...)`` in the next), read through it. An analysis that needs
    no change is returned as it is; one that does is a copy (an analysis may come from the cache, shared by
    every cell of the same content)."""
    known: dict[str, str] = {}
    out: list[CodeInfo] = []
    for source, info in cells:
        own = aliases_of(source)
        visible = {**known, **own}
        for name, callee in bindings_of(source):
            head, dot, rest = callee.partition(".")
            target = visible.get(head)
            # only a call of an imported name: ``model = build()`` of a local function stays unresolved
            own[name] = f"{target}{dot}{rest}()" if target is not None and "()" not in target else _UNKNOWN
            visible[name] = own[name]
        if known and info.call_names and any(n.partition(".")[0] in known for n in info.call_names):
            out.append(_resolved(info, {k: v for k, v in known.items() if k not in own and v != _UNKNOWN}))
        else:
            out.append(info)
        known.update(own)
    return out


def _resolved(info: CodeInfo, aliases: dict[str, str]) -> CodeInfo:
    calls: list[Call] = []
    changed = False
    for call in info.calls:
        head, dot, rest = call.name.partition(".")
        called = head.endswith("()")
        target = aliases.get(head[:-2] if called else head)
        if target is None:
            calls.append(call)
            continue
        changed = True
        name = target + ("()" if called else "") + (dot + rest if dot else "")
        calls.append(call._replace(name=name))
    if not changed:
        return info
    new = copy.copy(info)
    new.calls = calls
    summarise(new)
    return new
