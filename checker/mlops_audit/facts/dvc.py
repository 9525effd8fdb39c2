"""DVC metadata read as files (no dvc CLI): pipeline stages, tracked outputs, remotes."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DvcFacts:
    stages: list[tuple[str, str]] = field(default_factory=list)  # (dvc.yaml path, stage name)
    tracked: set[str] = field(default_factory=set)  # paths (files or dirs) DVC versions
    dvc_files: list[str] = field(default_factory=list)
    has_config: bool = False
    remotes: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)  # dvc.yaml `artifacts:` (model registry)

    @property
    def used(self) -> bool:
        return bool(self.stages or self.dvc_files or self.has_config)

    def covers(self, path: str) -> bool:
        return any(path == t or path.startswith(t.rstrip("/") + "/") for t in self.tracked)


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


def add_dvc_file(facts: DvcFacts, path: str, doc: Any) -> None:
    facts.dvc_files.append(path)
    base = posixpath.dirname(path)
    if isinstance(doc, dict):
        for out in _out_paths(doc.get("outs")):
            facts.tracked.add(_join(base, out))
    # a foo.csv.dvc always stands for foo.csv
    facts.tracked.add(path[: -len(".dvc")])


def add_config(facts: DvcFacts, text: str) -> None:
    facts.has_config = True
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("['remote") or s.startswith('[remote'):
            facts.remotes.append(s.split('"')[1] if '"' in s else s)
