"""The remedies that change what is already there (only with `fix --unsafe`).

- data and model files tracked in git move to DVC (a `.dvc` file, the cache, `.gitignore`, out of the index) or to
  Git LFS (`.gitattributes`, their pointers in the index), whichever the repository uses; the files themselves stay
  on disk. A move left unfinished (an interrupted run, a hand-made `.dvc` file) is completed;
- notebook outputs and execution counts are stripped (the code and markdown are kept as they are);
- secrets in Python code and notebooks become environment lookups; every secret found is listed to rotate.
"""

from __future__ import annotations

import ast
import io
import json
import posixpath
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_audit.facts import secrets
from mlops_audit.fix.gitindex import GitIndexError, Index, top_path
from mlops_audit.fix.workspace import CacheCopy, Workspace
from mlops_audit.inventory import FileEntry
from mlops_audit.safetext import escape

if TYPE_CHECKING:
    from mlops_audit.facts.repo import RepoFacts


# --------------------------------------------------------------------------- data and models
CACHE = ".dvc/cache/files/md5"
_PLAIN_YAML = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+@%/-]*( [A-Za-z0-9_.+@%/-]+)*")


def cache_path(md5: str) -> str:
    """Where DVC 3 keeps a file of this md5 (relative to the root)."""
    return f"{CACHE}/{md5[:2]}/{md5[2:]}"


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when that reads back as the same string, else double-quoted (a JSON
    string is a valid YAML one)."""
    if _PLAIN_YAML.fullmatch(text) and text.lower() not in ("null", "true", "false", "yes", "no", "on", "off", "~") \
            and not re.fullmatch(r"[-+.0-9eE_]+", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def dvc_file(name: str, md5: str, size: int) -> str:
    """A `.dvc` file in the DVC 3 format, as `dvc add` writes it."""
    return f"outs:\n- md5: {yaml_scalar(md5)}\n  size: {size}\n  hash: md5\n  path: {yaml_scalar(name)}\n"


def _escape_glob(text: str) -> str:
    """``text`` with the characters that are special in gitignore/gitattributes patterns escaped."""
    return re.sub(r"([*?\[\]!#\\])", r"\\\1", text)


def ignore_line(path: str) -> str:
    """The `.gitignore` line that ignores exactly ``path`` (relative to that `.gitignore`'s folder)."""
    escaped = _escape_glob(path)
    stripped = escaped.rstrip(" ")
    return "/" + stripped + "\\ " * (len(escaped) - len(stripped))  # trailing spaces count only when escaped


def encodable(name: str) -> bool:
    """Whether ``name`` can be written into a text file fix writes (`.gitignore`, `.dvc`, `.gitattributes`):
    no control character, no byte that is not UTF-8."""
    from mlops_audit.safetext import is_safe

    return is_safe(name)


def unencodable(path: str, where: str) -> str:
    return (f"{escape(path)}: its name has control characters or bytes that are not UTF-8, which {where} cannot "
            "hold; rename it (or leave it out with --ignore), then run fix again")


@dataclass
class Findings:
    """What planning one remedy found besides the changes: notes for the user, refusals of the whole run."""

    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that could not be planned (read or parse errors)

    def skip(self, path: str, exc: BaseException) -> None:
        reason = type(exc).__name__ if isinstance(exc, RecursionError | MemoryError) else \
            (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
        self.skipped.append(f"{escape(path)}: {escape(str(reason))}")


def cache_elsewhere(ws: Workspace) -> bool:
    """Whether the DVC configuration puts the cache somewhere else than `.dvc/cache` (`cache.dir`)."""
    from mlops_audit.facts.dvc import cache_dir_setting

    return any(cache_dir_setting(ws.read(rel) or "") is not None for rel in (".dvc/config", ".dvc/config.local"))


def _dvc_blocker(ws: Workspace, entry: FileEntry, md5: str, elsewhere: bool) -> str | None:
    """Why the rest of the DVC move of ``entry`` (ignore line, cache copy) cannot be planned, or None."""
    folder = posixpath.dirname(entry.path)
    gitignore = posixpath.join(folder, ".gitignore")
    if not ws.can_append(gitignore):
        return f"{escape(entry.path)} not moved: {escape(gitignore)} cannot be added to (a link, or not UTF-8 text)"
    if not elsewhere and ws.safe_path(cache_path(md5)) is None:
        return f"{escape(entry.path)} not moved: a symbolic link is on the way into .dvc/cache"
    return None


def _plan_dvc_rest(ws: Workspace, entry: FileEntry, md5: str, elsewhere: bool) -> None:
    folder, name = posixpath.split(entry.path)
    ws.append_lines(posixpath.join(folder, ".gitignore"), [ignore_line(name)])
    if not elsewhere:
        ws.copies.append(CacheCopy(entry.path, cache_path(md5), md5))
    if entry.tracked:
        ws.untrack.append(entry.path)


def move_to_dvc(ws: Workspace, entries: list[FileEntry], found: Findings) -> list[str]:
    """Plan the DVC move of ``entries``; returns the paths moved."""
    moved = []
    elsewhere = cache_elsewhere(ws)
    for entry in entries:
        name = posixpath.basename(entry.path)
        dvc_path = f"{entry.path}.dvc"
        if not encodable(name):
            found.refusals.append(unencodable(entry.path, "a .gitignore or .dvc file"))
            continue
        if ws.exists(dvc_path):
            found.notes.append(f"{escape(entry.path)} not moved: {escape(dvc_path)} exists but does not version it "
                               "(correct it or remove it, then run fix again)")
            continue
        if ws.safe_path(dvc_path) is None:
            found.notes.append(f"{escape(entry.path)} not moved: a symbolic link is on the way to {escape(dvc_path)}")
            continue
        digest = _md5_or_skip(ws, entry.path, found)
        if digest is None:
            continue
        md5, size = digest
        blocker = _dvc_blocker(ws, entry, md5, elsewhere)
        if blocker is not None:
            found.notes.append(blocker)
            continue
        ws.create(dvc_path, dvc_file(name, md5, size))
        _plan_dvc_rest(ws, entry, md5, elsewhere)
        moved.append(entry.path)
    if moved and elsewhere:
        found.notes.append("the DVC cache is configured elsewhere (cache.dir): run `dvc commit` to fill it")
    return moved


def _md5_or_skip(ws: Workspace, path: str, found: Findings) -> tuple[str, int] | None:
    """(md5, size) of ``path``; None when it cannot be read (unreadable, behind a link: UnsafePath...): that file
    is skipped with a note, not the run."""
    try:
        return ws.digest(path, "md5")
    except Exception as exc:
        found.skip(path, exc)
        return None


def complete_dvc_moves(ws: Workspace, facts: RepoFacts, found: Findings) -> list[str]:
    """Finish the DVC moves an interrupted run (or a hand-made `.dvc` file) left undone: a file with its own
    `.dvc` entry that is still in the index, or not ignored, or not in the cache. Only when the file is exactly
    what its `.dvc` file records. A completed move leaves the file untracked and ignored, so it is out of the
    inventory and never planned again."""
    completed = []
    elsewhere = cache_elsewhere(ws)
    for entry in facts.files:
        out = facts.dvc.own.get(entry.path)
        if out is None or entry.symlink or not out.is_file_md5:
            continue
        digest = _md5_or_skip(ws, entry.path, found)
        if digest is None:
            continue
        md5, _ = digest
        if md5 != out.md5:
            found.notes.append(f"{escape(entry.path)} differs from what {escape(out.dvc_file)} records: left as it "
                               f"is (`dvc add` records the new version)")
            continue
        if not encodable(posixpath.basename(entry.path)):
            found.refusals.append(unencodable(entry.path, "a .gitignore file"))
            continue
        blocker = _dvc_blocker(ws, entry, md5, elsewhere)
        if blocker is not None:
            found.notes.append(blocker)
            continue
        _plan_dvc_rest(ws, entry, md5, elsewhere)
        completed.append(entry.path)
    return completed


def _lfs_pattern(path: str) -> str:
    escaped = _escape_glob(path).replace(" ", "[[:space:]]")
    return f"/{escaped}"


def move_to_lfs(ws: Workspace, entries: list[FileEntry], lfs_installed: bool, found: Findings) -> list[str]:
    """Plan `.gitattributes` lines sending ``entries`` to Git LFS and, with git-lfs installed, their pointers in
    the index (the objects in the LFS store); returns the paths moved."""
    fit = []
    for entry in entries:
        if encodable(entry.path):
            fit.append(entry)
        else:
            found.refusals.append(unencodable(entry.path, ".gitattributes"))
    lines = {e.path: f"{_lfs_pattern(e.path)} filter=lfs diff=lfs merge=lfs -text" for e in fit}
    added = set(ws.append_lines(".gitattributes", list(lines.values())))
    moved = [e.path for e in fit if lines[e.path] in added]
    if lfs_installed:
        _plan_lfs_index(ws, [e.path for e in fit if e.tracked and e.path in moved], found)
    return moved


def _plan_lfs_index(ws: Workspace, paths: list[str], found: Findings) -> None:
    if not paths:
        return
    if ws.lfs_store() is None:
        found.notes.append("the Git LFS object store (.git/lfs) is outside this folder or behind a link: run "
                           "`git add --renormalize .` yourself to store the files in LFS")
        return
    ws.lfs.extend(p for p in paths if p not in ws.lfs)


POINTER_MAX = 1024  # a Git LFS pointer is about 130 bytes; a blob larger than this is content, not a pointer


def complete_lfs_moves(ws: Workspace, facts: RepoFacts, index: Index | None, lfs_installed: bool,
                       found: Findings) -> list[str]:
    """Tracked files that `.gitattributes` sends to Git LFS but whose index entry holds their content, not a
    pointer (an interrupted run, or patterns added after the files were committed)."""
    if not lfs_installed or index is None or ws.repo is None or not facts.lfs_patterns:
        return []
    from mlops_audit.facts.lfs import is_pointer

    candidates = {}
    for entry in facts.files:
        if entry.tracked and not entry.symlink and facts.lfs_managed(entry) and \
                not is_pointer(facts.head(entry.path, 64)):
            indexed = index.entries.get(top_path(ws.repo, ws.root, entry.path))
            if indexed is not None:
                candidates[entry.path] = indexed.oid
    if not candidates:
        return []
    try:
        sizes = index.blob_sizes(candidates.values())
    except GitIndexError:
        return []
    paths = [p for p, oid in candidates.items() if sizes.get(oid, 0) > POINTER_MAX and encodable(p)]
    _plan_lfs_index(ws, paths, found)
    return [p for p in paths if p in ws.lfs]


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
    value: str = ""  # the literal's value and its text in the source: what must never be shown
    source_text: str = ""


def _is_secret(value: str) -> bool:
    """A string literal the scan reports on its own, or once bound to a token's or a password's name (the
    password of `auth=("user", "...")` is shorter than a token)."""
    return any(secrets.scan_text(text) for text in (value, f'token = "{value}"', f'password = "{value}"'))


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
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                    and isinstance(target.slice.value, str):
                name = target.slice.value  # os.environ["WANDB_API_KEY"] = "...", config["password"] = "..."
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
        edit = SecretEdit("", row, variable, value, _literal_body(tok.string))
        edits.append((row, col, tok.end[1], f'os.environ["{variable}"]', edit))
    if not edits:
        return source, []
    for row, start, end, replacement, _ in sorted(edits, key=lambda e: (e[0], -e[1])):
        line = text_lines[row - 1]
        text_lines[row - 1] = line[:start] + replacement + line[end:]
    out = "".join(text_lines)
    if not _imports_os(tree):
        out = _insert_import_os(out, tree)
    return out, [e[4] for e in edits]


def _literal_body(token: str) -> str:
    """The text between the quotes of a string literal token (``r"..."``, ``'''...'''``)."""
    body = token.lstrip("rRuU")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return body[len(quote):len(body) - len(quote)]


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
