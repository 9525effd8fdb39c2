"""Rule documentation as Markdown: `mlops-audit explain ID` and the generated docs/rules/ID.md pages."""

from __future__ import annotations

from mlops_audit.models import Rule

APPLIES = {
    "ml_project": "the repository is an ML project",
    "trains": "the code trains a model",
    "has_model": "a model is trained or stored",
    "serves": "the code serves a model (FastAPI, Flask, BentoML...)",
    "inference": "there is serving or inference code",
    "uses_data": "the code loads data or data files are present",
    "has_python": "there is Python code or notebooks",
    "git": "the folder is a git repository",
    "has_dockerfile": "there is a Dockerfile",
    "has_ci": "there is a CI configuration",
    "has_notebooks": "there are notebooks",
    "has_tests": "there are tests",
    "has_manifest": "there is a dependency manifest",
}


def rule_markdown(rule: Rule) -> str:
    applies = ", and ".join(APPLIES.get(c, c) for c in rule.applies_when) or "always"
    refs = "\n".join(f"- {r}" for r in rule.references) or "- (none)"
    return (
        f"# {rule.id} {rule.name}\n\n"
        f"**{rule.title}**\n\n"
        f"- Pillar: {rule.pillar}\n- Severity: {rule.severity}\n- Maturity level: {rule.level}\n"
        f"- Applies when: {applies}\n\n"
        f"## Why it matters\n\n{rule.why}\n\n"
        f"## How to fix\n\n{rule.fix}\n\n"
        f"## Suppress\n\n"
        f"Inline, on the reported line (or anywhere in the file for a file-level finding):\n"
        f"`# mlops-audit: ignore[{rule.id}] <reason>`\n\n"
        f"For the whole repository, in pyproject.toml:\n\n"
        f"    [tool.mlops-audit.ignore]\n    {rule.id} = \"<reason>\"\n\n"
        f"## References\n\n{refs}\n"
    )
