"""The gates `fix` writes fail only on new findings.

On a legacy repository the CI workflow and the pre-commit hook `fix` creates (the template's own files) would fail
on the findings the fix leaves, on every push and every commit. So, as `mlops-audit init` does, `fix` records those
findings in a baseline (`mlops-audit baseline`'s file, `.mlops-audit-baseline.json`), or reuses the one there, and
gives the audit of each gate it creates ``--baseline``. Both are planned in the workspace with the rest: shown by
``--dry-run``, written by the same transaction, never over an existing file nor through a link. A file the
repository already has is never touched: only the gates this run creates are wired.

The plan can only predict what the audit will find once the fix is applied (the findings of the rules it does not
resolve); what the changes make newly applicable (tests added make "no data tests" apply) is known after. So the
baseline it plans is marked provisional and, once applied and audited again, :func:`settle` records exactly what
is left, in a second transaction with the same safety rules (and wires the gates if the prediction had left
nothing to record). A run that did not get there (killed, or interrupted once the index was written) leaves a
provisional baseline, or a gate naming a baseline that is missing: the next `fix` completes both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlops_audit.baseline import (
    BASELINE_NAME,
    BaselineError,
    baseline_text,
    is_provisional,
    not_in_baseline,
    parse_baseline,
)
from mlops_audit.init import HOOK_BASELINE_ARGS

if TYPE_CHECKING:
    from mlops_audit.fix.plan import Plan, Remedy
    from mlops_audit.fix.workspace import Workspace
    from mlops_audit.models import Finding, Report

# The gates fix writes from the template, and what each is called in the plan.
GATES: dict[str, str] = {
    ".github/workflows/ci.yml": "the CI workflow",
    ".gitlab-ci.yml": "the GitLab pipeline",
    ".pre-commit-config.yaml": "the pre-commit hook",
}
_COMMAND = re.compile(r"^(?P<lead>[ \t]*(?:- )?)mlops-audit \.[ \t]*$", re.M)  # the template's audit gate
_HOOK = re.compile(r"^(?P<indent>[ \t]*)- id: mlops-audit[ \t]*$", re.M)  # the audit hook (not -notebooks)


def gated(rel: str, text: str) -> str | None:
    """``text`` (a gate of :data:`GATES`) with its audit given the baseline; None when it holds no single audit
    line this knows (the template changed: tests/test_fix_baseline.py checks that every gate is wired)."""
    if BASELINE_NAME in text:
        return text
    if rel == ".pre-commit-config.yaml":
        hooks = list(_HOOK.finditer(text))
        if len(hooks) != 1:
            return None
        m = hooks[0]
        return f"{text[:m.end()]}\n{m['indent']}  args: {HOOK_BASELINE_ARGS}{text[m.end():]}"
    commands = list(_COMMAND.finditer(text))
    if len(commands) != 1:
        return None
    m = commands[0]
    return f"{text[:m.start()]}{m['lead']}mlops-audit . --baseline {BASELINE_NAME}{text[m.end():]}"


def created_gates(ws: Workspace) -> list[str]:
    """The gates the workspace creates (it never wires a file the repository already had)."""
    return [rel for rel in GATES if rel in ws.planned and ws.original.get(rel) is None]


def _names(gates: Sequence[str]) -> str:
    names = [GATES[rel] for rel in gates]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def gate_on_baseline(ws: Workspace, gates: list[str], findings: list[Finding], notes: list[str], *,
                     when: str, provisional: bool) -> Remedy | None:
    """Plan the baseline of ``findings`` (or reuse the one there) and wire ``gates`` to it, in ``ws``; None when
    nothing could be planned (``notes`` says why)."""
    from mlops_audit.fix.plan import Remedy

    wired = {rel: gated(rel, text) for rel in gates if (text := ws.read(rel)) is not None}
    usable = {rel: text for rel, text in wired.items() if text is not None}
    if len(usable) < len(gates):
        notes.append(f"{_names([r for r in gates if r not in usable])}: no audit line to give --baseline "
                     f"{BASELINE_NAME}; add it by hand to fail only on new findings")
    if not usable:
        return None
    if ws.exists(BASELINE_NAME):
        current = ws.read(BASELINE_NAME)
        try:
            if current is None:
                raise BaselineError(f"{BASELINE_NAME} cannot be read (not a regular UTF-8 file, or behind a link)")
            known = parse_baseline(current, BASELINE_NAME)
        except BaselineError as exc:
            notes.append(f"{exc}: not used, the gates fix writes fail on every finding (move it away and run fix "
                         "again, or `mlops-audit baseline` to record a new one)")
            return None
        summary = f"gate {_names(list(usable))} on the existing {BASELINE_NAME} ({sum(known.values())} finding(s))"
        missing = not_in_baseline(findings, known)
        remedy = Remedy(summary, ())
        if missing and not is_provisional(current):
            remedy.notes.append(f"{missing} finding(s) {when} are not in it and fail the gate (`mlops-audit "
                                "baseline` records them)")
    else:
        if not ws.create(BASELINE_NAME, baseline_text(findings, provisional=provisional)):
            notes.append(f"{BASELINE_NAME} cannot be written safely (a symbolic link is on the way): the gates "
                         "fix writes fail on every finding")
            return None
        remedy = Remedy(f"create {BASELINE_NAME}: the {len(findings)} finding(s) {when}, so that "
                        f"{_names(list(usable))} fail only on new ones", ())
    for rel, text in usable.items():
        ws.replace(rel, text)
    return remedy


def _naming_it(ws: Workspace) -> list[str]:
    """The gates already in the repository whose audit names the baseline."""
    return [rel for rel in GATES if rel not in ws.planned and ws.exists(rel) and BASELINE_NAME in (ws.read(rel) or "")]


def recordable(findings: list[Finding]) -> list[Finding]:
    """What a baseline fix writes records: not the findings on the temporary files a killed fix left (they are
    safe to delete, see safefs.TEMP_SUFFIX), which would otherwise be accepted for good."""
    from mlops_audit.fix.safefs import TEMP_SUFFIX

    return [f for f in findings if not (f.path or "").endswith(TEMP_SUFFIX)]


def plan_baseline(plan: Plan, report: Report) -> None:
    """At plan time: gate what the plan creates on the findings it will leave (its prediction, recorded as
    provisional: :func:`settle` records the real ones once the changes are applied). A run that did not finish
    (killed, or interrupted once the index was written) is completed: a provisional baseline is recorded again,
    and a baseline a gate names but that is missing is created."""
    from mlops_audit.fix.plan import Remedy

    ws = plan.workspace
    resolved = {rule for remedy in plan.remedies for rule in remedy.rules}
    left = recordable([f for f in report.findings if f.rule.id not in resolved])
    when = "these changes leave (recorded again once they are applied)"
    gates = created_gates(ws)
    if ws.exists(BASELINE_NAME):
        current = ws.read(BASELINE_NAME)
        if current is not None and is_provisional(current):
            plan.settle_baseline = True
            plan.remedies.append(Remedy(f"record in {BASELINE_NAME} the findings left once applied (an earlier "
                                        "fix did not finish: it holds the ones it foresaw)", ()))
    elif (naming := _naming_it(ws)) and ws.create(BASELINE_NAME, baseline_text(left, provisional=True)):
        plan.remedies.append(Remedy(f"create {BASELINE_NAME}: {_names(naming)} name it and it is missing (the "
                                    f"{len(left)} finding(s) {when})", ()))
    if gates and (left or ws.exists(BASELINE_NAME)):
        remedy = gate_on_baseline(ws, gates, left, plan.notes, when=when, provisional=True)
        if remedy is not None:
            plan.remedies.append(remedy)


def settle(plan: Plan, after: Report, notes: list[str]) -> Workspace | None:
    """Once the plan is applied and the repository audited again (``after``): a workspace that records in the
    provisional baseline exactly the findings left, or creates the baseline and wires the gates this run created
    if the prediction left nothing to record; None when there is nothing to change."""
    from mlops_audit.fix.workspace import Workspace

    done = plan.workspace
    found = recordable(after.findings)
    ws = Workspace(done.root)  # no index change: no repository needed
    ws.hidden |= done.hidden
    present = ws.exists(BASELINE_NAME)
    current = ws.read(BASELINE_NAME) if present else None
    gates = created_gates(done)
    if current is not None and is_provisional(current):
        ws.replace(BASELINE_NAME, baseline_text(found))
    elif current is not None and any(BASELINE_NAME in done.planned[rel] for rel in gates):  # the one there
        try:
            missing = not_in_baseline(found, parse_baseline(current, BASELINE_NAME))
        except BaselineError:
            missing = 0  # it changed since it was planned: the gate says so itself
        if missing:
            notes.append(f"{missing} finding(s) the audit finds now are not in {BASELINE_NAME} and fail the gates "
                         "fix wrote: `mlops-audit baseline` records them (fix never rewrites a baseline it did not "
                         "write)")
    elif gates and found and not present:  # the prediction left nothing: gate them now
        gate_on_baseline(ws, gates, found, notes, when="left after the fix", provisional=False)
    return None if ws.empty else ws
