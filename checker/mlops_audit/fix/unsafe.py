"""The remedies that change what is already there (only with `fix --unsafe`).

- data and model files tracked in git move to DVC (a `.dvc` file, the cache, `.gitignore`, `git rm --cached`)
  or to Git LFS (`.gitattributes`), whichever the repository uses; the files themselves stay on disk;
- notebook outputs and execution counts are stripped (the code and markdown are kept as they are);
- secrets in Python code and notebooks become environment lookups; every secret found is listed to rotate.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import posixpath
import re
import shutil
import subprocess
import tokenize
from dataclasses import dataclass
from typing import Any

from mlops_audit.facts import secrets
from mlops_audit.fix.workspace import CacheCopy, Workspace
from mlops_audit.inventory import FileEntry


# --------------------------------------------------------------------------- data and models
def md5_of(path: str, root: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(posixpath.join(root, path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dvc_file(name: str, md5: str, size: int) -> str:
    """A `.dvc` file in the DVC 3 format, as `dvc add` writes it."""
    return f"outs:\n- md5: {md5}\n  size: {size}\n  hash: md5\n  path: {name}\n"


def _escape_glob(text: str) -> str:
    """``text`` with the characters that are special in gitignore/gitattributes patterns escaped."""
    return re.sub(r"([*?\[\]!#\\])", r"\\\1", text)


def move_to_dvc(ws: Workspace, entries: list[FileEntry]) -> list[str]:
    """Plan the DVC move of ``entries``; returns the paths moved."""
    moved = []
    for entry in entries:
        folder, name = posixpath.split(entry.path)
        dvc_path = f"{entry.path}.dvc"
        if ws.exists(dvc_path):
            continue
        md5 = md5_of(entry.path, str(ws.root))
        if not ws.create(dvc_path, dvc_file(name, md5, entry.size)):
            continue
        ws.append_lines(posixpath.join(folder, ".gitignore"), [f"/{_escape_ignore(name)}"])
        ws.copies.append(CacheCopy(entry.path, f".dvc/cache/files/md5/{md5[:2]}/{md5[2:]}"))
        if entry.tracked:
            ws.untrack.append(entry.path)
        moved.append(entry.path)
    return moved


def _escape_ignore(name: str) -> str:
    return _escape_glob(name).replace(" ", "\\ ") if name.strip() == name else name


def git_lfs_available() -> bool:
    if shutil.which("git") is None:
        return False
    try:
        return subprocess.run(["git", "lfs", "version"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def move_to_lfs(ws: Workspace, entries: list[FileEntry], lfs_installed: bool) -> list[str]:
    lines = {e.path: f"{_lfs_pattern(e.path)} filter=lfs diff=lfs merge=lfs -text" for e in entries}
    added = set(ws.append_lines(".gitattributes", list(lines.values())))
    moved = [e.path for e in entries if lines[e.path] in added]
    if lfs_installed:
        ws.renormalize.extend(e.path for e in entries if e.tracked and e.path in moved)
    return moved


def _lfs_pattern(path: str) -> str:
    escaped = _escape_glob(path).replace(" ", "[[:space:]]")
    return f"/{escaped}"


# --------------------------------------------------------------------------- notebooks
def _dump_like(nb: dict[str, Any], raw: str) -> str:
    """``nb`` as JSON, indented like the notebook text ``raw`` it was read from (Jupyter writes 1 space)."""
    m = re.search(r"\n( +)\"", raw)
    return json.dumps(nb, indent=len(m.group(1)) if m else 1, ensure_ascii=False) + "\n"


def stripped_notebook(raw: str) -> str | None:
    """The notebook without outputs and execution counts, in its own JSON layout; None if not needed/possible."""
    try:
        nb = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None  # v3 (worksheets) or not a notebook: left alone
    changed = False
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            cell["outputs"] = []
            changed = True
        if cell.get("execution_count") is not None:
            cell["execution_count"] = None
            changed = True
    return _dump_like(nb, raw) if changed else None


# --------------------------------------------------------------------------- secrets
@dataclass
class SecretEdit:
    path: str
    line: int
    variable: str


def _is_secret(value: str) -> bool:
    return bool(secrets.scan_text(value)) or bool(secrets.scan_text(f'token = "{value}"'))


def env_name(kind: str) -> str:
    return re.sub(r"\W+", "_", kind.replace("hard-coded ", "")).strip("_").upper() or "SECRET"


def _names_by_string(tree: ast.AST) -> dict[tuple[int, int], str]:
    """(line, col) of each string constant -> the name it is bound to (assignment, keyword, dict key)."""
    names: dict[tuple[int, int], str] = {}
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = targets[0]
            name = target.id if isinstance(target, ast.Name) else (
                target.attr if isinstance(target, ast.Attribute) else "")
            if name and node.value is not None:
                pairs.append((name, node.value))
        elif isinstance(node, ast.keyword) and node.arg:
            pairs.append((node.arg, node.value))
        elif isinstance(node, ast.Dict):
            pairs.extend((k.value, v) for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(k.value, str))
        for name, value in pairs:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                names[(value.lineno, value.col_offset)] = name
    return names


def replace_secrets(source: str, lines: dict[int, str]) -> tuple[str, list[SecretEdit]]:
    """Replace the secret string literals on ``lines`` (line -> kind) with ``os.environ[...]`` lookups."""
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, ValueError, tokenize.TokenError):
        return source, []
    names = _names_by_string(tree)
    text_lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str, SecretEdit]] = []
    for tok in tokens:
        row, col = tok.start
        if tok.type != tokenize.STRING or row not in lines or tok.start[0] != tok.end[0]:
            continue
        prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()  # type: ignore[union-attr]
        if "f" in prefix or "b" in prefix:
            continue
        try:
            value = ast.literal_eval(tok.string)
        except (ValueError, SyntaxError):
            continue
        if not isinstance(value, str) or not _is_secret(value):
            continue
        variable = env_name(names.get((row, col), "") or lines[row])
        edits.append((row, col, tok.end[1], f'os.environ["{variable}"]', SecretEdit("", row, variable)))
    if not edits:
        return source, []
    for row, start, end, replacement, _ in sorted(edits, key=lambda e: (e[0], -e[1])):
        line = text_lines[row - 1]
        text_lines[row - 1] = line[:start] + replacement + line[end:]
    out = "".join(text_lines)
    if not _imports_os(tree):
        out = _insert_import_os(out, tree)
    return out, [e[4] for e in edits]


def _imports_os(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.Import) and any(a.name == "os" and a.asname is None for a in n.names)
               for n in tree.body)


def _insert_import_os(source: str, tree: ast.Module) -> str:
    """`import os` after the docstring and `from __future__` imports (line numbers of the rest shift by one)."""
    after = (tree.body[0].lineno - 1) if tree.body else 0  # below a leading comment block
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if docstring or future:
            after = node.end_lineno or node.lineno
        else:
            break
    lines = source.splitlines(keepends=True)
    if after and lines and not lines[after - 1].endswith("\n"):
        lines[after - 1] += "\n"
    lines.insert(after, "import os\n")
    return "".join(lines)


def replace_notebook_secrets(raw: str, cells: dict[int, dict[int, str]]) -> tuple[str, list[SecretEdit]]:
    """The same in notebook code cells: ``cells`` maps a 1-based cell position to its {line: kind}."""
    try:
        nb = json.loads(raw)
    except ValueError:
        return raw, []
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return raw, []
    edits: list[SecretEdit] = []
    for index, cell in enumerate(nb["cells"], start=1):
        if index not in cells or not isinstance(cell, dict):
            continue
        source = cell.get("source")
        text = source if isinstance(source, str) else "".join(source or [])
        new, found = replace_secrets(text, cells[index])
        if not found:
            continue
        edits.extend(found)
        cell["source"] = new if isinstance(source, str) else new.splitlines(keepends=True)
    if not edits:
        return raw, []
    return _dump_like(nb, raw), edits
