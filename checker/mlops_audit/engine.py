"""Run the audit: select rules, decide applicability, evaluate checks, apply suppressions, score."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_audit import __version__
from mlops_audit.baseline import fingerprint
from mlops_audit.catalogue import all_rules, analysis_cache, check_builtin
from mlops_audit.config import Config
from mlops_audit.globs import matches
from mlops_audit.models import CheckUnavailable, Evidence, Finding, Report, Rule, RuleResult
from mlops_audit.scoring import maturity, overall_score, pillar_scores

if TYPE_CHECKING:  # the facts, checks and predicates are imported by the audit, not by a kept report's run
    from mlops_audit.facts.repo import RepoFacts

LAST = ("AUD",)  # rules about the audit itself run after every other rule has read what it needs


@dataclass
class Selection:
    """Which rules run: ``select``/``ignore`` take IDs or prefixes ("DAT", "MOD00", "ALL")."""

    select: list[str] | None = None
    ignore: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _hit(rule: Rule, codes: list[str] | dict[str, str]) -> str | None:
        for code in codes:
            c = code.upper()
            if c == "ALL" or rule.id.startswith(c) or code.lower() == rule.name:
                return code
        return None

    def selected(self, rule: Rule) -> bool:
        return self.select is None or self._hit(rule, self.select) is not None

    def ignored(self, rule: Rule) -> str | None:
        code = self._hit(rule, self.ignore)
        return self.ignore[code] if code is not None else None


def selection_for(config: Config, select: list[str] | None, ignore: list[str] | None) -> Selection:
    chosen = select if select else config.select
    if chosen is not None and config.extend_select:
        chosen = [*chosen, *config.extend_select]
    ign = dict(config.ignore)
    for code in ignore or []:
        ign[code] = "ignored on the command line"
    return Selection(chosen, ign)


def _suppression(facts: RepoFacts, rule: Rule, ev: Evidence) -> str | None:
    """The reason of an inline ``# mlops-audit: ignore[ID]`` covering this evidence, if any."""
    if ev.path is None:
        return None
    units = [u for u in facts.units_by_path.get(ev.path, ()) if ev.cell is None or u.cell == ev.cell]
    for unit in units:
        sup = unit.info.suppressions
        if ev.line is not None and ev.line in sup:
            lines = [sup[ev.line]]
        elif ev.line is None:
            lines = list(sup.values())  # a finding about the whole file/cell: any suppression in it
        else:
            lines = []
        for ids in lines:
            for code, reason in ids.items():
                if rule.id.startswith(code) or code == "ALL":
                    return reason
    return None


def _anchor(facts: RepoFacts, ev: Evidence) -> str:
    """The text a line finding points at (so its fingerprint survives line moves); "" otherwise."""
    if ev.path is None or ev.line is None:
        return ""
    if ev.cell is None:
        return facts.line_text(ev.path, ev.line)
    nb = facts.notebooks.get(ev.path)
    cell = next((c for c in nb.cells if c.index == ev.cell), None) if nb else None
    lines = cell.source.splitlines() if cell else []
    return lines[ev.line - 1].strip() if 0 < ev.line <= len(lines) else ""


def _path_ignored(config: Config, rule: Rule, path: str | None) -> bool:
    if path is None:
        return False
    for pattern, codes in config.per_path_ignores.items():
        if matches(path, [pattern]) and any(rule.id.startswith(c.upper()) or c.upper() == "ALL" for c in codes):
            return True
    return False


def evaluate_rule(rule: Rule, facts: RepoFacts, selection: Selection) -> RuleResult:
    from mlops_audit.checks import evaluate
    from mlops_audit.predicates import not_applicable

    reason = selection.ignored(rule)
    if reason is not None:
        return RuleResult(rule, "ignored", reason=reason)
    na = not_applicable(rule.applies_when, facts)
    if na:
        return RuleResult(rule, "not_applicable", reason=na)
    try:
        outcome = evaluate(rule.check, facts, untrusted=rule.source != "builtin")
    except CheckUnavailable as exc:
        return RuleResult(rule, "error", reason=str(exc))
    except Exception as exc:  # a rule must never take the audit down
        return RuleResult(rule, "error", reason=f"{type(exc).__name__}: {exc}")
    if outcome.passed:
        return RuleResult(rule, "pass", reason=outcome.detail)
    evidence = outcome.evidence or (Evidence(rule.title),)
    findings: list[Finding] = []
    for ev in evidence:
        if _path_ignored(facts.config, rule, ev.path):
            continue
        suppressed = None
        try:
            suppressed = _suppression(facts, rule, ev)
        except Exception:  # pragma: no cover - defensive: suppressions never break an audit
            suppressed = None
        fp = fingerprint(rule.id, ev.message, ev.path, _anchor(facts, ev))
        # Finding escapes and masks its own text (models.Finding.__post_init__)
        findings.append(Finding(rule, ev.message, ev.path, ev.line, ev.cell, suppressed, fp))
    active = [f for f in findings if f.suppressed is None]
    return RuleResult(rule, "fail" if active else "pass", findings, reason=outcome.detail, omitted=outcome.omitted)


def run_audit(
    root: Path,
    config: Config,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cache: bool = True,
    facts: RepoFacts | None = None,
) -> Report:
    """Audit ``root`` (an existing directory) and build the report; ``progress(done, total, what)`` is called
    before each rule runs (``what``: its ID; done and total count rules) and while the files are read and
    parsed (``what``: "reading" or "parsing"; they count files). The CLI draws a progress bar with it on a
    terminal. Pass ``facts``
    (built for the same root and config) to read them afterwards, as ``mlops-audit fix`` does."""
    with paused_gc():
        if facts is not None or not cache:
            return _audit(root, config, select, ignore, progress, cache, facts)
        return _audit_or_kept(root, config, select, ignore, progress)


def _audit_or_kept(root: Path, config: Config, select: list[str] | None, ignore: list[str] | None,
                   progress: Callable[[int, int, str], None] | None) -> Report:
    """The report kept by the last run when nothing it was made from changed (:mod:`mlops_audit.memo`), else
    the audit, whose report is then kept."""
    import time

    from mlops_audit import memo
    from mlops_audit.cachedir import NoCacheDir
    from mlops_audit.gitrun import ref_tips
    from mlops_audit.inventory import build_inventory

    listed_ns = time.time_ns()
    inventory = build_inventory(root, config.exclude)
    wanted: str | None = None
    try:
        where = memo.path_for(root)
        tips = ref_tips(inventory.git) if inventory.git is not None else None
        wanted = memo.key(root, config, select, ignore, inventory, tips, listed_ns)
    except (memo.NotKept, NoCacheDir, OSError):
        pass
    if wanted is not None:
        kept = memo.take(where, wanted)
        if kept is not None:
            report, problems = kept
            config.problems.extend((config.source or "configuration", problem) for problem in problems)
            return report
    from mlops_audit.facts.repo import RepoFacts

    facts = RepoFacts(root, config, analysis_cache(root, enabled=True))
    facts.__dict__["inventory"] = inventory  # listed once (a cached_property: set, not built again)
    before = len(config.problems)
    report = _audit(root, config, select, ignore, progress, True, facts)
    if wanted is not None and _lasting(report, facts):
        memo.keep(where, wanted, report, [problem for _, problem in config.problems[before:]])
    return report


def _lasting(report: Report, facts: RepoFacts) -> bool:
    """Whether the same inputs give this report again: no rule failed for a passing reason (a history scan
    stopped by its timeout or by git, a rule's own exception). A check not made for a reason its inputs keep
    (a file that cannot be read, a partial clone's incomplete history) is as lasting as any answer."""
    if "history" in facts.__dict__ and facts.history.problem is not None and not facts.history.lasting:
        return False
    return all(r.status != "error" or r.reason.startswith("not checked: ") for r in report.results)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while the audit runs. The facts are millions of small tuples, lists and
    dicts (a 20,000-file repository: 700,000 calls) and hold no reference cycles, but each collection of the
    oldest generation walks all of them: a third of a warm 20,000-file audit went to collections that freed
    nothing. Worker processes forked meanwhile inherit the pause, while they build syntax trees. Reference
    counting still frees everything as usual; collection resumes (as it was) when the audit returns."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _audit(root: Path, config: Config, select: list[str] | None, ignore: list[str] | None,
           progress: Callable[[int, int, str], None] | None, cache: bool, facts: RepoFacts | None) -> Report:
    from mlops_audit.facts.repo import RepoFacts

    rules, problems = all_rules(config.custom_rules, cache=cache)
    check_builtin(cache)
    for problem in problems:
        config.problems.append((config.source or "configuration", problem))
    selection = selection_for(config, select, ignore)
    if facts is None:
        facts = RepoFacts(root, config, analysis_cache(root, enabled=cache))
    code_cache = facts.cache
    ordered = [r for r in rules if not r.id.startswith(LAST)] + [r for r in rules if r.id.startswith(LAST)]
    chosen = [rule for rule in ordered if selection.selected(rule)]
    if any(r.check.get("predicate") == "large_blobs_in_history" and selection.ignored(r) is None for r in chosen):
        facts.prefetch_history()
    facts.progress = progress  # files read and parsed, when a rule first needs the code
    results = []
    for done, rule in enumerate(chosen):
        if progress is not None:
            progress(done, len(chosen), rule.id)
        results.append(evaluate_rule(rule, facts, selection))
    facts.progress = None
    results.sort(key=lambda r: r.rule.id)
    if code_cache is not None:
        code_cache.save()
    pillars = pillar_scores(results)
    level, next_level = maturity(results)
    notes = list(facts.inventory.notes)
    if code_cache is None and facts.cache_note:
        notes.append(facts.cache_note)
    if "history" in facts.__dict__:
        hist = facts.history
        if hist.shallow:
            notes.append("shallow clone: the history scan covers only the fetched commits")
        if hist.problem:
            notes.append(hist.problem)
    return Report(
        root=str(root),
        tool_version=__version__,
        results=results,
        pillars=pillars,
        score=overall_score(pillars),
        level=level,
        next_level=next_level,
        notes=notes,
        is_git=facts.inventory.is_git,
        ml_project=facts.is_ml_project,
        ml_evidence=facts.ml_evidence,
        unselected=tuple(r for r in ordered if not selection.selected(r)),
    )
