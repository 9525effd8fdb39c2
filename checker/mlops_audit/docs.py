"""Rule documentation as Markdown: `mlops-audit explain ID` and the generated docs/rules/ID.md pages."""

from __future__ import annotations

from mlops_audit.models import Rule

APPLIES = {
    "ml_project": "the repository is an ML project",
    "ml_product": "the repository is an ML project, not an ML tool (a published library fitting models inside its "
                  "own package, a library whose package trains, or a tool whose only training is its demo), "
                  "and no showcase whose models are fitted only in its notebooks and examples",
    "own_product": "the repository builds an ML product of its own: an ML product (above) whose README does not "
                   "open as a showcase (sample code, a tutorial, a course, a book's code, a template)",
    "trains": "the code trains a model",
    "has_model": "a model is trained or stored",
    "serves": "the code serves a model (FastAPI, Flask, BentoML...)",
    "inference": "there is serving or inference code",
    "uses_data": "the code loads data or data files are present",
    "has_python": "there is Python code or notebooks",
    "git": "the folder is a git repository",
    "has_dockerfile": "there is a Dockerfile",
    "has_ci": "there is a CI configuration that runs on changes (not only by hand)",
    "has_notebooks": "there are notebooks",
    "has_tests": "there are tests",
    "has_manifest": "there is a dependency manifest",
}


def _automatic(rule: Rule) -> str:
    from mlops_audit.fix import REMEDIES

    remedy = REMEDIES.get(rule.id)
    if remedy is None:
        return ""
    return (f"## Automatic fix\n\n`mlops-audit fix --select {rule.id}` {remedy}. Add `--dry-run` to see the diff "
            f"first.\n\n")


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
        f"{_automatic(rule)}"
        f"## Suppress\n\n"
        f"Inline, on the reported line (or anywhere in the file for a file-level finding):\n"
        f"`# mlops-audit: ignore[{rule.id}] <reason>`\n\n"
        f"For the whole repository, in pyproject.toml:\n\n"
        f"    [tool.mlops-audit.ignore]\n    {rule.id} = \"<reason>\"\n\n"
        f"## References\n\n{refs}\n"
    )


def index_markdown(rules: list[Rule] | tuple[Rule, ...]) -> str:
    rows = "\n".join(
        f"| [{r.id}]({r.id}.md) | {r.name} | {r.pillar} | {r.severity} | {r.level} | {r.title} |" for r in rules
    )
    return (
        "# Rules\n\n"
        "Generated from `rules/*.yaml` by `python -m mlops_audit.docs docs/rules`; do not edit by hand.\n\n"
        "| ID | name | pillar | severity | level | title |\n|---|---|---|---|---|---|\n" + rows + "\n"
    )


def rule_pages(rules: list[Rule] | tuple[Rule, ...]) -> dict[str, str]:
    """File name -> content of every generated page (one per rule, plus the index)."""
    pages = {f"{r.id}.md": rule_markdown(r) for r in rules}
    pages["index.md"] = index_markdown(rules)
    return pages


def main(argv: list[str] | None = None) -> int:
    import sys
    from pathlib import Path

    from mlops_audit.catalogue import builtin_rules

    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0] if args else "docs/rules")
    dest.mkdir(parents=True, exist_ok=True)
    pages = rule_pages(builtin_rules())
    for stale in dest.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (dest / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {dest}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
