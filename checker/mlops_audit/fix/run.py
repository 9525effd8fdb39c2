"""Audit, plan, show, confirm, apply, audit again: the `fix` command's flow, and what it prints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlops_audit.config import Config
from mlops_audit.fix.plan import Plan, Remedy, build_plan, targets
from mlops_audit.fix.workspace import ApplyError, Workspace
from mlops_audit.models import Report
from mlops_audit.safetext import escape
from mlops_audit.scoring import LEVEL_NAMES


def _level(report: Report) -> str:
    return f"level {report.level} ({LEVEL_NAMES[report.level]})"


def _remedy_lines(remedies: list[Remedy], mark: str) -> list[str]:
    lines = []
    for remedy in remedies:
        rules = f"   [resolves {' '.join(remedy.rules)}]" if remedy.rules else ""
        lines.append(f"  {mark} {remedy.summary}{rules}")
        lines.extend(f"      {note}" for note in remedy.notes)
    return lines


def render_plan(plan: Plan, report: Report, *, unsafe: bool) -> str:
    ctx = plan.context
    out = [f"mlops-audit fix: {escape(str(report.root))}", f"Now: score {report.score}/100, {_level(report)}"]
    if ctx is not None:
        out.append(f"Inferred: project {ctx.project_name!r}, Python {ctx.python_version} ({ctx.python_source}), "
                   f"CI {ctx.ci}, data versioning {ctx.data_tool}")
    safe = [r for r in plan.remedies if not r.unsafe]
    risky = [r for r in plan.remedies if r.unsafe]
    out.append("")
    if safe:
        out.append("Safe changes (add files and lines; nothing existing is overwritten):")
        out.extend(_remedy_lines(safe, "+"))
    if risky:
        out.append("Unsafe changes (--unsafe: they change tracked files and the git index; nothing is committed):")
        out.extend(_remedy_lines(risky, "!"))
    if plan.unsafe_available and not unsafe:
        out.append("Available with --unsafe (not planned):")
        out.extend(_remedy_lines(plan.unsafe_available, "?"))
    if not safe and not risky:
        out.append("Nothing to change automatically.")
    if plan.notes:
        out.append("Left as they are:")
        out.extend(f"  - {note}" for note in plan.notes)
    if plan.skipped:
        out.append("Skipped (could not be read or parsed; the rest of the plan stands):")
        out.extend(f"  - {line}" for line in plan.skipped)
    if plan.rotate:
        out.append("")
        out.append("Secrets to rotate (revoke them: they stay in the git history even once out of the code):")
        out.extend(f"  {line}" for line in plan.rotate)
    if plan.manual:
        out.append("")
        out.append("Needs you (no automatic fix):")
        out.extend(f"  {r.rule.id} {r.rule.title}   (mlops-audit explain {r.rule.id})" for r in plan.manual)
    return "\n".join(out) + "\n"


def render_outcome(before: Report, after: Report, plan: Plan) -> str:
    status_after = {r.rule.id: r.status for r in after.results}
    status_before = {r.rule.id: r.status for r in before.results}
    promised = sorted({rule for remedy in plan.remedies for rule in remedy.rules})
    resolved = [r for r in promised if status_after.get(r) != "fail"]
    still = [r for r in promised if status_after.get(r) == "fail"]
    new = sorted(r for r, s in status_after.items() if s == "fail" and status_before.get(r) != "fail")
    out = [f"Score {before.score} -> {after.score}, {_level(before)} -> {_level(after)}"]
    if resolved:
        out.append(f"Resolved: {' '.join(resolved)}")
    if still:
        out.append(f"Still failing (see `mlops-audit .`): {' '.join(still)}")
    if new:
        out.append(f"Now failing, newly applicable to what was added: {' '.join(new)}")
    if after.next_level:
        out.append(f"For level {after.level + 1}: {' '.join(r.id for r in after.next_level)}")
    out.append("Review the changes (`git status`, `git diff`) and commit them yourself: fix commits nothing.")
    return "\n".join(out) + "\n"


def shown(text: str, ws: Workspace | None = None) -> str:
    """What fix prints: every secret masked (the values its workspace read, and whatever the scanner finds),
    every control character escaped. Names are escaped where they are put into a line as well, so a newline in
    a name cannot forge one."""
    from mlops_audit.facts.secrets import redact

    return escape(ws.masked(text) if ws is not None else redact(text), keep_newlines=True)


def run_fix(
    root: Path,
    config: Config,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    to_level: int | None = None,
    unsafe: bool = False,
    dry_run: bool = False,
    yes: bool = False,
    baseline: bool = True,
    confirm: Callable[[str], bool] | None = None,
    write: Callable[[str], object] = print,
    lfs_installed: bool | None = None,
) -> int:
    """Run `fix` on ``root``. ``confirm`` asks the user (None: not a terminal). ``baseline``: the gates it creates
    fail only on the findings not in a baseline of what the fix leaves (recorded, or the one there). Returns the
    exit code: 0 plan shown or applied, 1 refused or not applied (one line says why)."""
    from mlops_audit.catalogue import analysis_cache
    from mlops_audit.engine import run_audit
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.fix import preflight
    from mlops_audit.fix.context import infer_context
    from mlops_audit.fix.gitindex import GitIndexError, Index

    def refuse(reason: str, ws: Workspace | None = None) -> int:
        write(shown(f"mlops-audit fix: refused: {reason}", ws))
        return 1

    facts = RepoFacts(root, config, analysis_cache(root, enabled=True))
    refusal = preflight.repository_refusal(root, facts.inventory)
    if refusal is not None:
        return refuse(refusal)
    before = run_audit(root, config, facts=facts)
    index = None
    if facts.inventory.git is not None:
        try:
            index = Index.read(facts.inventory.git)
        except GitIndexError as exc:
            return refuse(f"the git index cannot be read ({exc})")
        refusal = preflight.unmerged_refusal(index)
        if refusal is not None:
            return refuse(refusal)
    plan = build_plan(before, facts, infer_context(facts), targets(before, select, ignore, to_level),
                      unsafe=unsafe, setup=not select, lfs_installed=lfs_installed, index=index,
                      baseline=baseline)
    ws = plan.workspace
    refusal = plan.refusals[0] if plan.refusals else (
        preflight.staged_refusal(ws, index) if index is not None else None)
    if refusal is not None:
        return refuse(refusal, ws)
    write(shown(render_plan(plan, before, unsafe=unsafe).rstrip("\n"), ws))
    if dry_run:
        diff = ws.diff()
        write(shown("\n" + (diff.rstrip("\n") if diff else "(no changes)"), ws))
        write("\nDry run: nothing was changed.")
        return 0
    if plan.empty:
        return 0
    if not yes:
        if confirm is None:
            write("\nNot a terminal: nothing applied. Rerun with --yes to apply, or --dry-run to see every diff.")
            return 0
        if not confirm("Apply these changes?"):
            write("Nothing applied.")
            return 0
    try:
        done = ws.apply()
    except ApplyError as exc:
        write(shown(f"mlops-audit fix: stopped: {exc}", ws))
        return 1
    write("")
    for line in done:
        write(shown(f"  {line}", ws))
    after = run_audit(root, config)
    code = 0
    if baseline:
        code = _settle_baseline(plan, after, write)
    write(shown("\n" + render_outcome(before, after, plan).rstrip("\n"), ws))
    return code


def _settle_baseline(plan: Plan, after: Report, write: Callable[[str], object]) -> int:
    """Record in the baseline this run created exactly the findings the audit now finds (a second transaction,
    as safe as the first); 1 if it could not be written (the baseline planned from the prediction stays)."""
    from mlops_audit.fix.baseline_gate import recordable, settle

    notes: list[str] = []
    ws = settle(plan, after, notes)
    for note in notes:
        write(shown(f"  - {note}", plan.workspace))
    if ws is None:
        return 0
    try:
        done = ws.apply()
    except ApplyError as exc:
        write(shown(f"mlops-audit fix: the baseline was not brought up to date: {exc}", ws))
        return 1
    for line in done:
        write(shown(f"  {line}   (the {len(recordable(after.findings))} finding(s) the audit finds now)", ws))
    return 0
