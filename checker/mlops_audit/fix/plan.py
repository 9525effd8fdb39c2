"""Plan the remedies for an audit's failing rules.

Each remedy names the rules it resolves and writes its changes into a `Workspace`. Safe remedies only add:
files the template would have generated (never over an existing one) and missing lines in `.gitignore`-like
files. Unsafe remedies change what is there and are planned only with ``unsafe=True``; without it they are
still described, so the user sees what `--unsafe` would do. Rules no remedy can resolve are listed with the
rule's own fix text: they need a person.
"""

from __future__ import annotations

import copy
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from mlops_audit.engine import Selection
from mlops_audit.facts.repo import RepoFacts
from mlops_audit.fix import unsafe as unsafe_remedies
from mlops_audit.fix.baseline_gate import plan_baseline
from mlops_audit.fix.context import RepoContext
from mlops_audit.fix.gitindex import Index
from mlops_audit.fix.render import cookiecutter_context, render
from mlops_audit.fix.unsafe import Findings, yaml_scalar
from mlops_audit.fix.workspace import Workspace
from mlops_audit.inventory import FileEntry
from mlops_audit.models import Finding, Report, RuleResult
from mlops_audit.safetext import escape

GITIGNORE_HEADER = "# Added by `mlops-audit fix` (from the mlops-audit project template)"
DVC_INIT = (".dvc/config", ".dvc/.gitignore", ".dvcignore")


@dataclass
class Remedy:
    summary: str
    rules: tuple[str, ...]  # the rules it resolves (empty: it sets up the gate, it resolves no finding)
    unsafe: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    workspace: Workspace
    remedies: list[Remedy] = field(default_factory=list)
    unsafe_available: list[Remedy] = field(default_factory=list)  # described, not planned (no --unsafe)
    manual: list[RuleResult] = field(default_factory=list)
    rotate: list[str] = field(default_factory=list)  # secrets to rotate: "path:line kind"
    context: RepoContext | None = None
    skipped: list[str] = field(default_factory=list)  # files no remedy could plan for (read or parse errors)
    refusals: list[str] = field(default_factory=list)  # why the plan must not be applied at all
    notes: list[str] = field(default_factory=list)  # what an unsafe remedy left alone, and why
    settle_baseline: bool = False  # a baseline a fix wrote before applying its changes: record what it leaves

    @property
    def empty(self) -> bool:
        return self.workspace.empty and not self.settle_baseline


@dataclass
class Target:
    """Which failing rules the plan addresses (after --select/--ignore/--to-level)."""

    failing: dict[str, RuleResult]
    selected: frozenset[str] = frozenset()  # every rule the options leave in, failing or not

    def __contains__(self, rule_id: str) -> bool:
        return rule_id in self.failing


def targets(report: Report, select: list[str] | None, ignore: list[str] | None, to_level: int | None) -> Target:
    selection = Selection(select, {code: "command line" for code in ignore or []})
    selected = {
        r.rule.id: r for r in report.results
        if selection.selected(r.rule) and selection.ignored(r.rule) is None
        and (to_level is None or r.rule.level <= to_level)
    }
    return Target({rid: r for rid, r in selected.items() if r.status == "fail"}, frozenset(selected))


def build_plan(report: Report, facts: RepoFacts, ctx: RepoContext, target: Target, *, unsafe: bool,
               setup: bool = True, lfs_installed: bool | None = None, index: Index | None = None,
               baseline: bool = True) -> Plan:
    ws = Workspace(facts.root, facts.inventory.git)
    plan = Plan(ws, context=ctx, skipped=list(ctx.skipped))
    paths = set(facts.paths)
    dockerfile = bool(facts.dockerfiles) or "DEP002" in target
    stages = _stages(ctx, target, ws)
    cc = cookiecutter_context(ctx, docker=dockerfile, stages=stages,
                              python_version_file=".python-version" in paths or "REP004" in target)

    def from_template(rel: str, rules: tuple[str, ...], summary: str, dest: str | None = None) -> None:
        if ws.create(dest or rel, render(rel, cc)):
            plan.remedies.append(Remedy(summary, rules))

    if "REP004" in target:
        from_template(".python-version", ("REP004",),
                      f"create .python-version: Python {ctx.python_version} (from {ctx.python_source})")
    if "TST001" in target:
        skipped = sum(1 for m in ctx.modules if m.side_effect)
        what = f"{len(ctx.sources)} source(s) and {len(ctx.notebooks)} notebook(s) compile, " \
               f"{len(ctx.modules) - skipped} module(s) import"
        from_template("tests/test_smoke.py", ("TST001",), f"create tests/test_smoke.py: {what}"
                      + (f" ({skipped} skipped: they run code at import time)" if skipped else ""))
    if "MOD005" in target:
        found = sum(len(v) for v in ctx.hyperparameters.values())
        from_template("params.yaml", ("MOD005",), "create params.yaml: "
                      + (f"{found} hyper-parameter(s) found in the training code" if found else
                         "seed only (no literal hyper-parameters found in the training code)"))
    if stages:
        from_template("dvc.yaml", ("AUT003",),
                      f"create dvc.yaml: a DVC pipeline stage for {', '.join(s['name'] for s in stages)}")
    if ("DAT003" in target or stages) and ctx.data_tool == "dvc" and not facts.dvc.has_config:
        _dvc_init(ws, cc, plan, ("DAT003",) if "DAT003" in target else ())
    if "AUT001" in target:
        rel = ".gitlab-ci.yml" if ctx.ci == "gitlab" else ".github/workflows/ci.yml"
        from_template(rel, ("AUT001",), f"create {rel}: install, tests and the mlops-audit gate"
                      + (", container build" if dockerfile else ""))
    if "DEP002" in target:
        run = " ".join(ctx.entry) if ctx.entry else "no entry point found: set yours"
        from_template("Dockerfile", ("DEP002",),
                      f"create Dockerfile: Python {ctx.python_version}, non-root, pinned base ({run})")
    if "DEP002" in target or "DEP006" in target:
        folders = {posixpath.dirname(f.path) for f in target.failing["DEP006"].findings if f.path} \
            if "DEP006" in target else set()
        for folder in sorted(folders | ({""} if "DEP002" in target else set())):
            rel = posixpath.join(folder, ".dockerignore")
            if ws.create(rel, render(".dockerignore", cc)):
                plan.remedies.append(Remedy(f"create {escape(rel)}: keeps data, models, .git and secrets out of the "
                                            "image", ("DEP006",) if "DEP006" in target else ()))
    if "DES002" in target:
        from_template("docs/design.md", ("DES002",), "create docs/design.md: the design doc to fill in")
    if "GOV002" in target:
        from_template("MODEL_CARD.md", ("GOV002",), "create MODEL_CARD.md: the model card to fill in")
    if setup:
        _setup(ws, cc, plan, facts)

    if unsafe:
        _unsafe(plan, ws, facts, ctx, target, cc, lfs_installed, index)
    else:
        shadow = copy.deepcopy(ws)
        described = Plan(shadow)
        _unsafe(described, shadow, facts, ctx, target, cc, lfs_installed, index)
        plan.unsafe_available = described.remedies
        ws.hidden |= shadow.hidden  # what the description read is as secret as what the plan read
    if baseline:  # the gates created above fail only on new findings (see fix/baseline_gate.py)
        plan_baseline(plan, report)
    if "GOV001" in target:
        plan.rotate = [f"{escape(f.location)}: {_secret_kind(f)}" for f in target.failing["GOV001"].findings
                       if f.suppressed is None]
    resolved = {r for remedy in plan.remedies + plan.unsafe_available for r in remedy.rules}
    plan.manual = [r for rid, r in sorted(target.failing.items()) if rid not in resolved]
    return plan


def _stages(ctx: RepoContext, target: Target, ws: Workspace) -> list[dict[str, Any]]:
    """dvc.yaml's stages, one per training script. DVC runs ``cmd`` in a shell: the script's name is
    shell-quoted, and every value is a YAML scalar that reads back as written."""
    if "AUT003" not in target or not ctx.training_scripts or ws.exists("dvc.yaml"):
        return []
    stages = []
    for script in ctx.training_scripts:
        stem = re.sub(r"[^A-Za-z0-9]+", "_", PurePosixPath(script).stem).strip("_") or "train"
        name = "train" if len(ctx.training_scripts) == 1 else stem
        deps = [script] + (["params.yaml"] if ws.exists("params.yaml") or "MOD005" in target else [])
        stages.append({"name": name, "cmd": yaml_scalar(f"python {shlex.quote(script)}"),
                       "deps": [yaml_scalar(d) for d in deps]})
    return stages


def _dvc_init(ws: Workspace, cc: dict[str, Any], plan: Plan, rules: tuple[str, ...]) -> None:
    created = [rel for rel in DVC_INIT if ws.create(rel, render(rel, cc))]
    if created:
        plan.remedies.append(Remedy("set up DVC (what `dvc init` writes): " + ", ".join(created), rules))


def _setup(ws: Workspace, cc: dict[str, Any], plan: Plan, facts: RepoFacts) -> None:
    """The gate itself: .gitignore entries, the pre-commit hooks, the audit's configuration."""
    lines = [line for line in render(".gitignore", cc).splitlines() if line.strip() and not line.startswith("#")]
    if not facts.notebooks:
        lines = [line for line in lines if "ipynb" not in line]
    added = ws.append_lines(".gitignore", lines, header=GITIGNORE_HEADER)
    if added:
        plan.remedies.append(Remedy(f"append {len(added)} line(s) to .gitignore: data, models, mlruns, "
                                    "checkpoints and caches stay out of git", ()))
    if ws.create(".pre-commit-config.yaml", render(".pre-commit-config.yaml", cc)):
        plan.remedies.append(Remedy("create .pre-commit-config.yaml: nbstripout and the mlops-audit hook", ()))
    from mlops_audit.init import CONFIG_SECTION, standalone_config, with_config_block

    pyproject = ws.read("pyproject.toml") if ws.exists("pyproject.toml") else None
    if pyproject is not None:
        if not CONFIG_SECTION.search(pyproject) and ws.replace("pyproject.toml", with_config_block(pyproject)):
            plan.remedies.append(Remedy("append [tool.mlops-audit] to pyproject.toml: the gate's settings", ()))
    elif not ws.exists(".mlops-audit.toml") and ws.create(".mlops-audit.toml", standalone_config()):
        plan.remedies.append(Remedy("create .mlops-audit.toml: the gate's settings (no pyproject.toml)", ()))


def _unsafe(plan: Plan, ws: Workspace, facts: RepoFacts, ctx: RepoContext, target: Target, cc: dict[str, Any],
            lfs_installed: bool | None, index: Index | None) -> None:
    found = Findings()
    moves = "DAT001" in target or "MOD001" in target
    if moves and not facts.inventory.is_git:
        plan.remedies.append(Remedy("data and model files stay where they are: the folder is not under git, so "
                                    "nothing can leave its index (run `git init` first, then fix again)", (),
                                    unsafe=True))
    elif facts.inventory.is_git and (moves or {"DAT001", "MOD001"} & target.selected):
        _data_moves(plan, ws, facts, ctx, target, cc, lfs_installed, index, found)
    if "REP006" in target or "REP007" in target:
        _strip_notebooks(plan, ws, facts, target, found)
    if "GOV001" in target:
        _secrets(plan, ws, facts, target.failing["GOV001"], found)
    plan.skipped.extend(found.skipped)
    plan.refusals.extend(found.refusals)
    plan.notes.extend(found.notes)


def _data_entries(facts: RepoFacts, target: Target) -> list[FileEntry]:
    """The data and model files the failing rules name, to move."""
    entries: list[FileEntry] = []
    if "DAT001" in target:
        entries += [e for e in facts.unversioned(facts.data_files) if not e.symlink]
    if "MOD001" in target:
        entries += [e for e in facts.unversioned(facts.model_files) if not e.symlink and not facts.is_small_fixture(e)]
    return list({e.path: e for e in entries}.values())


def _data_moves(plan: Plan, ws: Workspace, facts: RepoFacts, ctx: RepoContext, target: Target, cc: dict[str, Any],
                lfs_installed: bool | None, index: Index | None, found: Findings) -> None:
    entries = _data_entries(facts, target)
    rules = tuple(r for r in ("DAT001", "MOD001", "DAT003") if r in target)
    if ctx.data_tool == "lfs":
        if lfs_installed is None:
            from mlops_audit import gitrun

            lfs_installed = gitrun.lfs_available()
        moved = unsafe_remedies.move_to_lfs(ws, entries, lfs_installed, found)
        if moved:
            remedy = Remedy(f"move {len(moved)} data/model file(s) to Git LFS (.gitattributes): "
                            + _some(moved), rules, unsafe=True)
            if not lfs_installed:
                remedy.notes.append("git-lfs is not installed: install it, then run "
                                    "`git lfs install && git add --renormalize .` to store them in LFS")
            plan.remedies.append(remedy)
        finished = [p for p in unsafe_remedies.complete_lfs_moves(ws, facts, index, lfs_installed, found)
                    if p not in moved]
        if finished:
            plan.remedies.append(Remedy(f"store {len(finished)} file(s) that .gitattributes sends to Git LFS in "
                                        f"LFS (their index entries hold their content): {_some(finished)}", (),
                                        unsafe=True))
        return
    if (entries or facts.dvc.own) and not facts.dvc.has_config:
        _dvc_init(ws, cc, plan, ())
    moved = unsafe_remedies.move_to_dvc(ws, entries, found)
    if moved:
        plan.remedies.append(Remedy(
            f"move {len(moved)} data/model file(s) to DVC (.dvc files, cache, .gitignore, "
            f"out of the git index; the files stay on disk): {_some(moved)}", rules, unsafe=True,
            notes=["then `dvc remote add -d storage <url>` and `dvc push`, and commit the .dvc files"]))
    finished = unsafe_remedies.complete_dvc_moves(ws, facts, found)
    if finished:
        plan.remedies.append(Remedy(
            f"finish the DVC move of {len(finished)} file(s) that have their .dvc file but are still in the git "
            f"index, not ignored or not cached: {_some(finished)}", (), unsafe=True))


def _strip_notebooks(plan: Plan, ws: Workspace, facts: RepoFacts, target: Target, found: Findings) -> None:
    stripped = []
    for path in sorted(facts.notebooks):
        try:
            raw = ws.read(path)
            new = unsafe_remedies.stripped_notebook(raw) if raw is not None else None
        except Exception as exc:  # a notebook too deep to parse or dump: that file is skipped, not the run
            found.skip(path, exc)
            continue
        if new is not None and ws.replace(path, new):
            stripped.append(path)
    if stripped:
        plan.remedies.append(Remedy(f"strip outputs and execution counts of {len(stripped)} notebook(s): "
                                    + _some(stripped), tuple(r for r in ("REP006", "REP007") if r in target),
                                    unsafe=True))


def _replaced(ws: Workspace, path: str, raw: str, hits: dict[tuple[int | None, int], str]
              ) -> tuple[str, list[unsafe_remedies.SecretEdit]]:
    """``raw`` with its secrets replaced (what a remedy replaces is hidden from every output)."""
    if path.endswith(".py"):
        new, edits = unsafe_remedies.replace_secrets(raw, {line: kind for (_, line), kind in hits.items()})
    elif path.endswith(".ipynb"):
        cells: dict[int, dict[int, str]] = {}
        for (cell, line), kind in hits.items():
            if cell is not None:
                cells.setdefault(cell, {})[line] = kind
        new, edits = unsafe_remedies.replace_notebook_secrets(raw, cells)
    else:
        new, edits = raw, []
    for edit in edits:
        ws.hide(edit.value)
        ws.hide(edit.source_text)
    return new, edits


def _secrets(plan: Plan, ws: Workspace, facts: RepoFacts, result: RuleResult, found: Findings) -> None:
    by_file: dict[str, dict[tuple[int | None, int], str]] = {}
    for f in result.findings:
        if f.suppressed is None and f.path is not None and f.line is not None:
            by_file.setdefault(f.path, {})[(f.cell, f.line)] = _secret_kind(f)
    edited: list[str] = []
    left: list[str] = []
    untracked: list[str] = []
    tracked = {e.path for e in facts.files if e.tracked}
    for path, hits in sorted(by_file.items()):
        raw = ws.read(path)
        name = PurePosixPath(path).name
        if raw is None:
            left.append(path)
            continue
        if name.startswith(".env") and not name.endswith((".example", ".sample", ".template")):
            if not unsafe_remedies.encodable(path):
                found.refusals.append(unsafe_remedies.unencodable(path, "a .gitignore file"))
                continue
            ws.append_lines(".gitignore", [unsafe_remedies.ignore_line(path)])
            if path in tracked:
                ws.untrack.append(path)
            untracked.append(path)
            continue
        try:
            new, edits = _replaced(ws, path, raw, hits)
        except Exception as exc:  # too deep to parse (RecursionError), ...: that file is skipped, not the run
            found.skip(path, exc)
            left.append(path)
            continue
        if edits and len(edits) >= len(hits) and ws.replace(path, new):
            ws.secret_files.add(path)
            edited.extend(f"{escape(path)}:{e.line} -> os.environ[{e.variable!r}]" for e in edits)
        else:
            left.append(path)
    if any(f.suppressed is None and (f.path is None or f.line is None) for f in result.findings):
        left.extend(sorted({f.path for f in result.findings if f.path and f.line is None}))
    if edited or untracked:
        remedy = Remedy("load secrets from the environment: " + "; ".join(edited + [
            f"untrack {escape(p)} and ignore it" for p in untracked]), ("GOV001",) if not left else (), unsafe=True)
        if left:
            remedy.notes.append("still to move out by hand: " + ", ".join(escape(p) for p in sorted(set(left))))
        plan.remedies.append(remedy)


def _secret_kind(finding: Finding) -> str:
    """"AWS access key ID" from GOV001's "AWS access key ID committed (value masked); ..." (never the value)."""
    return finding.message.split(" committed")[0]


def _some(paths: list[str], limit: int = 3) -> str:
    return ", ".join(escape(p) for p in paths[:limit]) + (f" and {len(paths) - limit} more" if len(paths) > limit
                                                          else "")
