"""DVC metadata read as files (no dvc CLI): pipeline stages, tracked outputs, remotes.

A path counts as versioned by DVC only through its own entry: a ``dvc.yaml`` stage output, or a ``.dvc`` file
named after what it versions (``data/x.csv.dvc`` for ``data/x.csv``, ``data.dvc`` for the folder ``data``) whose
``outs`` names that very path. Any other ``.dvc`` file lying near a data file says nothing about it: a garbled or
half-written one, or one that versions something else, covers nothing.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class DvcOut:
    """The one output a ``.dvc`` file versions, as ``dvc add`` writes it."""

    dvc_file: str  # the .dvc file's path
    path: str  # what it versions (relative to the root)
    md5: str  # "" when absent; a folder's ends with ".dir"
    size: int | None
    hash: str  # "md5" in the DVC 3 format, "" in DVC 2's

    @property
    def is_file_md5(self) -> bool:
        """A single file's md5 in the DVC 3 format (what ``fix`` writes, and can complete)."""
        return self.hash == "md5" and MD5.fullmatch(self.md5) is not None


MODEL_FOLDERS = {"models", "model", "checkpoints", "weights", "trained_models", "saved_models"}


@dataclass
class DvcFacts:
    stages: list[tuple[str, str]] = field(default_factory=list)  # (dvc.yaml path, stage name)
    tracked: set[str] = field(default_factory=set)  # paths (files or dirs) DVC versions
    own: dict[str, DvcOut] = field(default_factory=dict)  # versioned path -> its own .dvc entry
    dvc_files: list[str] = field(default_factory=list)
    has_config: bool = False
    remotes: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)  # dvc.yaml `artifacts:` (model registry)
    # what .dvc files name as outputs, named after them or not (a model kept by ``trained_model.dvc``); not
    # coverage of a file in git (``covers``: only a file's own .dvc entry or a stage output says that)
    outputs: set[str] = field(default_factory=set)

    @property
    def used(self) -> bool:
        return bool(self.stages or self.dvc_files or self.has_config)

    def covers(self, path: str) -> bool:
        """Whether ``path`` is versioned by DVC: itself or a folder holding it is a stage output or has its own
        ``.dvc`` entry."""
        if path in self.tracked:
            return True
        folder = posixpath.dirname(path)
        while folder:
            if folder in self.tracked:
                return True
            folder = posixpath.dirname(folder)
        return False


    def model_outputs(self, model_suffixes: tuple[str, ...]) -> list[str]:
        """The versioned paths that are models: a model file (by its suffix) or a folder of models
        (``models/``, ``checkpoints/``...)."""
        return sorted(p for p in self.tracked | self.outputs
                      if p.lower().endswith(model_suffixes) or p.rsplit("/", 1)[-1].lower() in MODEL_FOLDERS)

    def dvc_file_for(self, path: str) -> str | None:
        """The `.dvc` file that versions ``path`` (its own, or its folder's), if one does: such a file must not
        stay in the git index as well (DVC refuses to version what git tracks)."""
        current = path
        while current:
            out = self.own.get(current)
            if out is not None:
                return out.dvc_file
            current = posixpath.dirname(current)
        return None


def _out_paths(entries: Any) -> list[str]:
    paths: list[str] = []
    if not isinstance(entries, list):
        return paths
    for entry in entries:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            if isinstance(entry.get("path"), str):
                paths.append(entry["path"])
            else:
                paths.extend(k for k in entry if isinstance(k, str))
    return paths


def _join(base: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(base, rel)) if base else posixpath.normpath(rel)


def add_dvc_yaml(facts: DvcFacts, path: str, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    base = posixpath.dirname(path)
    stages = doc.get("stages")
    if isinstance(stages, dict):
        for name, stage in stages.items():
            facts.stages.append((path, str(name)))
            if isinstance(stage, dict):
                for key in ("outs", "metrics", "plots"):
                    for out in _out_paths(stage.get(key)):
                        facts.tracked.add(_join(base, out))
                        if key == "metrics":
                            facts.metrics.append(_join(base, out))
    artifacts = doc.get("artifacts")
    if isinstance(artifacts, dict):
        facts.artifacts.extend(str(k) for k in artifacts)


def own_out(path: str, doc: Any) -> DvcOut | None:
    """The entry of the ``.dvc`` file ``path`` that versions the path it is named after, if it has one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("outs"), list):
        return None
    base, stem = posixpath.dirname(path), path[: -len(".dvc")]
    for entry in doc["outs"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"].strip():
            continue
        if _join(base, entry["path"]) != stem:
            continue
        md5, size, kind = entry.get("md5"), entry.get("size"), entry.get("hash")
        return DvcOut(path, stem, md5 if isinstance(md5, str) else "",
                      size if isinstance(size, int) and not isinstance(size, bool) else None,
                      kind if isinstance(kind, str) else "")
    return None


def add_dvc_file(facts: DvcFacts, path: str, doc: Any) -> None:
    facts.dvc_files.append(path)
    out = own_out(path, doc)
    if out is not None:
        facts.tracked.add(out.path)
        facts.own[out.path] = out
    if isinstance(doc, dict):  # every output it names, from its working folder (``wdir: ../models``)
        wdir = doc.get("wdir")
        base = _join(posixpath.dirname(path), wdir) if isinstance(wdir, str) and wdir.strip() else \
            posixpath.dirname(path)
        for rel in _out_paths(doc.get("outs")):
            joined = _join(base, rel) if base not in ("", ".") else posixpath.normpath(rel)
            if not joined.startswith("../") and joined != "..":
                facts.outputs.add(joined)


def add_config(facts: DvcFacts, text: str) -> None:
    facts.has_config = True
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("['remote") or s.startswith('[remote'):
            facts.remotes.append(s.split('"')[1] if '"' in s else s)


def cache_dir_setting(text: str) -> str | None:
    """``dir`` of the ``[cache]`` section of a DVC config file, if it sets one (the cache is then elsewhere)."""
    section = ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            section = s.strip("[] ").strip("'\"").lower()
        elif section == "cache" and "=" in s:
            key, _, value = s.partition("=")
            if key.strip().lower() == "dir":
                return value.strip()
    return None
