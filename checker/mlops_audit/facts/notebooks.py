"""Notebooks read as JSON (nbformat only to upgrade old v3 notebooks): code cells, outputs, run order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cell:
    index: int  # 1-based position among all cells
    source: str
    execution_count: int | None
    outputs: int
    output_text: str = ""


@dataclass
class Notebook:
    cells: list[Cell] = field(default_factory=list)  # code cells only
    markdown_cells: int = 0
    error: str | None = None

    @property
    def with_outputs(self) -> list[Cell]:
        return [c for c in self.cells if c.outputs]

    def out_of_order(self) -> Cell | None:
        """The first executed code cell whose execution count is not above the previous executed one."""
        last = 0
        for cell in self.cells:
            if cell.execution_count is None:
                continue
            if cell.execution_count <= last:
                return cell
            last = cell.execution_count
        return None


def to_data(nb: Notebook) -> list[Any]:
    """The notebook as JSON data, for the cache (:func:`from_data` reads it back)."""
    return [nb.markdown_cells, nb.error,
            [[c.index, c.source, c.execution_count, c.outputs, c.output_text] for c in nb.cells]]


def from_data(data: Any) -> Notebook | None:
    """A notebook from :func:`to_data`'s output; None when ``data`` does not have that shape."""
    try:
        markdown, error, cells = data
        nb = Notebook(markdown_cells=int(markdown), error=None if error is None else str(error))
        for index, source, count, outputs, text in cells:
            if not (isinstance(source, str) and isinstance(text, str) and (count is None or type(count) is int)):
                return None
            nb.cells.append(Cell(int(index), source, count, int(outputs), text))
    except (TypeError, ValueError):
        return None
    return nb


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _output_text(outputs: list[Any]) -> str:
    parts: list[str] = []
    for out in outputs:
        if not isinstance(out, dict):
            continue
        parts.append(_text(out.get("text")))
        data = out.get("data")
        if isinstance(data, dict):
            parts.append(_text(data.get("text/plain")))
    return "\n".join(p for p in parts if p)


def _upgrade_v3(raw: str) -> dict[str, Any]:
    import nbformat

    node = nbformat.reads(raw, as_version=4)  # type: ignore[no-untyped-call]
    upgraded: dict[str, Any] = json.loads(nbformat.writes(node))  # type: ignore[no-untyped-call]
    return upgraded


def parse_notebook(raw: bytes) -> Notebook:
    """A notebook from its bytes; problems are reported in ``error``, never raised (the bytes come from the
    audited repository: JSON nested too deeply, numbers too long to convert, ...)."""
    try:
        return _parse_notebook(raw)
    except RecursionError:
        return Notebook(error="not a readable notebook: nested too deeply")
    except MemoryError:
        return Notebook(error="not a readable notebook: too large or too deeply nested (out of memory)")
    except Exception as exc:
        return Notebook(error=f"not a readable notebook: {str(exc).strip() or type(exc).__name__}")


def _parse_notebook(raw: bytes) -> Notebook:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Notebook(error="not valid UTF-8")
    if not text.strip():
        return Notebook(error="empty file, not a notebook")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, and numbers too long to convert
        return Notebook(error=f"not valid notebook JSON: {exc}")
    if not isinstance(doc, dict):
        return Notebook(error="not a notebook (top level is not an object)")
    major = doc.get("nbformat")
    if major in (1, 2, 3) or (major is None and "worksheets" in doc):
        try:
            doc = _upgrade_v3(text)
        except Exception as exc:  # nbformat raises many kinds of validation errors
            return Notebook(error=f"old notebook format could not be read: {exc}")
    cells = doc.get("cells")
    if not isinstance(cells, list):
        return Notebook(error="not a notebook (no `cells` list)")
    nb = Notebook()
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            nb.markdown_cells += 1
        if kind != "code":
            continue
        raw_outputs = cell.get("outputs")
        outputs: list[Any] = raw_outputs if isinstance(raw_outputs, list) else []
        count = cell.get("execution_count")
        nb.cells.append(
            Cell(
                index=index,
                source=_text(cell.get("source")),
                execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
                outputs=len(outputs),
                output_text=_output_text(outputs),
            )
        )
    return nb
