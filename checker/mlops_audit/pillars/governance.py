"""Predicates of rules/governance.yaml: secrets, licence, and the audit's own reading problems."""

from __future__ import annotations

import re
from typing import Any

from mlops_audit.facts.repo import RepoFacts
from mlops_audit.models import Evidence, Outcome
from mlops_audit.pillars.common import evidence_at, predicate


@predicate
def committed_secrets(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    hits = facts.secrets
    return Outcome.found([
        evidence_at(ref, f"{kind} committed (value masked); rotate it and load it from the environment")
        for ref, kind in hits
    ])


LICENSE_HEADING = re.compile(r"^[ \t]{0,3}#{1,4}[ \t]*Licen[cs]e\b", re.M | re.I)
LICENSE_NAME = re.compile(r"\b(MIT|Apache|BSD|GPL|LGPL|AGPL|MPL|Mozilla Public|Creative Commons|CC-BY|Unlicense|ISC)\b")


@predicate
def license_declared(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    if facts.matching(["/LICENSE*", "/LICENCE*", "/COPYING*", "/license*", "/licence*"]):
        return Outcome.ok()
    if facts.manifests.license_declared:
        return Outcome.ok("license in package metadata")
    for readme in facts.matching(["/README*", "/readme*"]):  # a "## License" section naming the licence
        if facts.text_search(readme, LICENSE_HEADING) and facts.text_search(readme, LICENSE_NAME):
            return Outcome.ok(f"license stated in {readme}")
    return Outcome.fail(Evidence("no LICENSE file and no license in the package metadata"))


@predicate
def unreadable_files(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    # touch the facts that read files, so every unreadable file is known
    _ = facts.units, facts.manifests, facts.ci_files, facts.dvc, facts.dockerfiles
    config_files = {name for name, _ in facts.config.problems}
    ev = [Evidence(msg, path) for path, msg in facts.problems if path not in config_files]
    return Outcome.found(ev)


@predicate
def config_readable(facts: RepoFacts, params: dict[str, Any]) -> Outcome:
    ev = [Evidence(f"[tool.mlops-audit] settings: {msg}", path) for path, msg in facts.config.problems]
    return Outcome.found(ev)
