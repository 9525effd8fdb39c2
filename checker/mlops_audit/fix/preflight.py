"""What `fix` refuses, in one line, before it changes anything (and before it shows a plan it could not apply).

- a folder that is not a work tree of its own repository: a bare repository, a git directory, or a folder whose
  ``.git`` git cannot use safely (a ``.git`` file or ``core.worktree`` that leads elsewhere, a symlinked ``.git``):
  `fix` would write into a git directory or next to another repository's index;
- unmerged paths (a merge, rebase or cherry-pick in progress): changing the index would drop the conflict's
  stages, and the files hold conflict markers;
- a file that leaves the index (or moves to Git LFS) with staged edits and other, unstaged ones: its index entry is
  replaced, so the staged version would be lost;
- a name that must be written into a text file (``.gitignore``, a ``.dvc`` file, ``.gitattributes``) and cannot
  be: control characters or bytes that are not UTF-8 (a refusal the planner records, see ``Plan.refusals``).
"""

from __future__ import annotations

import os
from pathlib import Path

from mlops_audit import gitrun
from mlops_audit.fix import safefs
from mlops_audit.fix.gitindex import Index, top_path
from mlops_audit.fix.workspace import Workspace
from mlops_audit.inventory import Inventory
from mlops_audit.safetext import escape


def repository_refusal(root: Path, inventory: Inventory) -> str | None:
    """Why `fix` must not write into ``root`` at all, or None."""
    root = root.resolve()
    if any(part.casefold() == ".git" for part in root.parts):
        return f"{escape(str(root))} is inside a git directory: fix writes only into a work tree"
    if inventory.git is not None:
        return None
    located = gitrun.locate(root)
    if located == "bare repository":
        return f"{escape(str(root))} is a bare repository (no work tree): fix writes only into a work tree"
    if isinstance(located, str) and located != "not a git repository":
        return f"git cannot be used safely here ({escape(located)}): fix writes only into a repository's own work tree"
    if os.path.lexists(root / ".git") or not isinstance(located, str):
        reason = next((n for n in inventory.notes if n.startswith("git could not be used")), "git could not be used")
        return f"{escape(reason)}: fix writes nothing next to a .git it cannot use"
    return None


def unmerged_refusal(index: Index) -> str | None:
    if not index.unmerged:
        return None
    shown = ", ".join(escape(p) for p in index.unmerged[:3]) + (" ..." if len(index.unmerged) > 3 else "")
    return (f"the index has unmerged paths ({shown}): a merge, rebase or cherry-pick is in progress; finish or "
            "abort it, then run fix again")


def staged_refusal(ws: Workspace, index: Index) -> str | None:
    """The first file leaving the index (or moving to LFS) whose staged version differs both from HEAD and from
    the work tree (compared as raw bytes, no filter)."""
    if ws.repo is None:
        return None
    for rel in dict.fromkeys([*ws.untrack, *ws.lfs]):
        top = top_path(ws.repo, ws.root, rel)
        entry = index.entries.get(top)
        if entry is None or index.head.get(top) == entry.oid:
            continue
        try:
            with safefs.open_regular(ws.root, rel) as handle:
                work = index.blob_id(handle, os.fstat(handle.fileno()).st_size)
        except (OSError, safefs.UnsafePath):
            work = ""
        if work != entry.oid:
            return (f"{escape(rel)} has staged changes and other, unstaged ones: moving it would drop the staged "
                    "version from the index; commit, stage or undo them, then run fix again")
    return None


def index_refusal(ws: Workspace, index: Index) -> str | None:
    return unmerged_refusal(index) or staged_refusal(ws, index)
