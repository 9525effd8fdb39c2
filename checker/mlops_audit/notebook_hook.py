"""The fast pre-commit hook for staged notebooks: outputs, execution order and secrets, file by file.

It reads only the notebooks it is given (pre-commit passes the staged ones), so it costs milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_audit.facts import secrets
from mlops_audit.facts.notebooks import parse_notebook

MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class NotebookProblem:
    path: str
    rule: str
    message: str
    cell: int | None = None

    def line(self) -> str:
        """One output line; the path (a staged file's name) and the message (a parser error may quote the
        file) have their control characters escaped, a newline included, and any secret value masked."""
        from mlops_audit.models import shown

        where = f"{self.path} [cell {self.cell}]" if self.cell is not None else self.path
        return shown(f"{where}: {self.rule} {self.message}")


def check_notebook(path: Path, *, allow_outputs: bool = False) -> list[NotebookProblem]:
    name = str(path)
    try:
        if path.is_symlink() or not path.is_file():
            return [NotebookProblem(name, "AUD001", "not a regular file; skipped")]
        if path.stat().st_size > MAX_BYTES:
            return [NotebookProblem(name, "AUD001", "too large to read; skipped")]
        raw = path.read_bytes()
    except OSError as exc:
        return [NotebookProblem(name, "AUD001", f"could not be read: {exc.strerror or exc}")]
    nb = parse_notebook(raw)
    if nb.error:
        return [NotebookProblem(name, "AUD001", nb.error)]
    problems: list[NotebookProblem] = []
    with_outputs = nb.with_outputs
    if with_outputs and not allow_outputs:
        count = f"{len(with_outputs)} of {len(nb.cells)}"
        problems.append(NotebookProblem(name, "REP006", f"{count} code cells carry outputs (strip them: nbstripout)"))
    cell = nb.out_of_order()
    if cell is not None:
        problems.append(NotebookProblem(
            name, "REP007", f"ran as [{cell.execution_count}] after a later-numbered cell: restart and run all",
            cell.index))
    for c in nb.cells:
        for _, kind in secrets.scan_text(c.source):
            problems.append(NotebookProblem(name, "GOV001", f"{kind} in the code (value masked)", c.index))
        for _, kind in secrets.scan_text(c.output_text):
            problems.append(NotebookProblem(name, "GOV001", f"{kind} in an output (value masked)", c.index))
    return problems


def check_notebooks(paths: list[Path], *, allow_outputs: bool = False) -> list[NotebookProblem]:
    problems: list[NotebookProblem] = []
    for path in paths:
        if path.suffix == ".ipynb":
            problems.extend(check_notebook(path, allow_outputs=allow_outputs))
    return problems
