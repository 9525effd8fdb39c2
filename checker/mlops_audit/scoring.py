"""Scores and maturity level.

- A rule's weight is its severity: error 5, warning 3, info 1.
- A pillar's score is the weight of its passing rules over the weight of its applicable, evaluated rules
  (not_applicable and ignored rules are left out), 0-100; None when nothing applied.
- The overall score is the mean of the pillar scores, every pillar weighing the same.
- The maturity level (0-3, after Google Cloud's MLOps levels) is the highest L such that every applicable
  rule of levels 1..L passes. Ignored rules count as unmet here: ignoring a rule keeps the score honest about
  what you chose to check, but a level is a claim about the practice, and you did not adopt it.
- Coverage: a rule is *run* when it was selected and not ignored. The level is *assessed* when at least one rule
  ran and every rule of levels 1..L was selected (``--select`` left none of them out): otherwise a rule that was
  not run could have failed, and the level would be a guess (``--select VER`` would claim level 3). Nor is a
  level above 0 assessed in a repository that is no ML project: its ML rules did not apply, so "level 3,
  continuous training and monitoring" would be claimed of a folder of markdown and CSV files (level 0, a failing
  level-1 rule, holds of any repository).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mlops_audit.models import PILLARS, PillarScore, Rule, RuleResult

SEVERITY_WEIGHT = {"error": 5, "warning": 3, "info": 1}
LEVEL_NAMES = {
    0: "Manual process",
    1: "ML pipeline automation",
    2: "CI/CD pipeline automation",
    3: "Continuous training and monitoring",
}


def pillar_scores(results: list[RuleResult]) -> list[PillarScore]:
    out = []
    for pillar in PILLARS:
        mine = [r for r in results if r.rule.pillar == pillar]
        counted = [r for r in mine if r.status in ("pass", "fail", "error")]
        total = sum(SEVERITY_WEIGHT[r.rule.severity] for r in counted)
        passed = sum(SEVERITY_WEIGHT[r.rule.severity] for r in counted if r.status == "pass")
        out.append(PillarScore(
            pillar=pillar,
            score=round(100 * passed / total) if total else None,
            passed=sum(r.status == "pass" for r in mine),
            failed=sum(r.status in ("fail", "error") for r in mine),
            not_applicable=sum(r.status == "not_applicable" for r in mine),
        ))
    return out


def overall_score(pillars: list[PillarScore]) -> int:
    scored = [p.score for p in pillars if p.score is not None]
    return round(sum(scored) / len(scored)) if scored else 100


def maturity(results: list[RuleResult]) -> tuple[int, list[Rule]]:
    """(level reached, rules blocking the next level)."""
    for level in (1, 2, 3):
        blocking = [r.rule for r in results if r.rule.level == level and r.status in ("fail", "error", "ignored")]
        if blocking:
            return level - 1, blocking
    return 3, []


@dataclass(frozen=True)
class Coverage:
    """How much of the catalogue an audit ran, and whether its level is a claim it can make."""

    run: int  # rules selected and not ignored (their applicability and check were evaluated)
    total: int  # rules in the catalogue (built-in and custom), selected or not
    level_assessed: bool
    left_out_from: int | None = None  # the lowest level of a rule the selection left out (None: none left out)
    no_ml: bool = False  # True: everything the level needs ran, but the repository shows no ML: no level claimed

    @property
    def complete(self) -> bool:
        return self.run == self.total

    def phrase(self) -> str:
        """"2 of 48 rules run"."""
        return f"{self.run} of {self.total} rules run"

    def why_not_assessed(self) -> str:
        """Why no level is claimed: "not an ML project", or "2 of 48 rules run"."""
        return "not an ML project" if self.no_ml else self.phrase()


def coverage(results: list[RuleResult], level: int, unselected: Iterable[Rule], *,
             ml_project: bool = True) -> Coverage:
    """The coverage of an audit whose ``results`` reached ``level``; ``unselected``: the catalogue's rules the
    selection left out. Ignored rules were not run, but they count as unmet for the level (see above), so they
    leave it assessed; a rule left out by the selection of a level up to ``level`` makes it a guess, and so does
    a repository with no ML evidence (``ml_project`` false)."""
    left_out = list(unselected)
    run = sum(r.status != "ignored" for r in results)
    complete = run > 0 and not any(rule.level <= level for rule in left_out)
    vacuous = level > 0 and not ml_project  # level 0 holds of any repository with a failing level-1 rule
    return Coverage(run=run, total=len(results) + len(left_out), level_assessed=complete and not vacuous,
                    left_out_from=min((rule.level for rule in left_out), default=None),
                    no_ml=complete and vacuous)
